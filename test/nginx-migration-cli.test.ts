/**
 * The S1 guestbook walks the move off ingress-nginx through the CLI in a real git repository:
 * `migrateTo` added (one commit), start, step, step, promote (one commit each, both entry points equal
 * at every commit as `traffic` computes them from dist/), then `migrate` (one commit: the Ingresses go,
 * the HTTPRoute stays byte for byte). The `entry-point-parity` lint catches two sides that differ, and
 * `traffic` shows both entry points of a migrating release.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { lintTree } from '../lib/lint/report';
import { objectsOfTree } from '../lib/manifests/tree';
import { computeTraffic, EntryTraffic, entryDifferences, entryPairs, summaryLine } from '../lib/review/traffic';
import { replaceSpecSection } from '../lib/rollout';
import { SourceDocument } from '../lib/spec/document';
import { readTree } from '../lib/manifests/files';
import { cli } from './support/cli';
import { changedFiles, cleanupTempDirs, git, log, porcelain, projectRepo, writeFiles } from './support/git-repo';
import { validateTree } from './support/kube-schemas';
import { editSpec, specText, stateOf } from './support/states';

afterAll(cleanupTempDirs);

const R = 'guestbook';
const MIGRATE_TO = `  migrateTo:
    gatewayApi:
      parentRefs:
        - name: public
          namespace: gateway-system
      routeName: guestbook
`;
const HTTPROUTE = 'dist/guestbook/ns-prod/httproute-guestbook.yaml';

/** The guestbook's entry points in dist/ as `traffic` computes them. */
function entries(dir: string): EntryTraffic[] {
  return computeTraffic(objectsOfTree(readTree(path.join(dir, 'dist'))).objects).entries.filter((e) => e.release === R);
}

/** Both entry points exist, serve the same host and path, and carry the same traffic; returns the users' line. */
function expectEqualEntryPoints(dir: string): string {
  const es = entries(dir);
  expect(es.map((e) => e.entry).sort()).toEqual(['HTTPRoute ns-prod/guestbook', 'Ingress ns-prod/guestbook-ingress']);
  const pairs = entryPairs(es);
  expect(pairs).toHaveLength(1);
  expect(entryDifferences(pairs[0].first, pairs[0].second)).toEqual([]);
  expect(summaryLine(pairs[0].first.flows)).toBe(summaryLine(pairs[0].second.flows));
  return summaryLine(es[0].flows);
}

async function move(dir: string, args: string[], subject: string): Promise<void> {
  const before = log(dir);
  const r = await cli(dir, ...args);
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  expect(r.out.split('\n')[0]).toBe(subject);
  expect(log(dir)).toEqual([expect.any(String), ...before]);
  expect(porcelain(dir)).toBe('');
  expect(validateTree(path.join(dir, 'dist')).problems).toEqual([]);
}

describe('S1 guestbook: NGINX to Gateway API, one commit per move (real git)', () => {
  test('migrateTo, start, step, step, promote with equal traffic on both entry points at every commit, then migrate', async () => {
    // GIVEN the S1 guestbook on ingress-nginx (first release, v0)
    const dir = projectRepo({ copy: ['guestbook.yaml'] });
    // WHEN the platform team adds the Gateway API side (a plain commit of the spec and dist/)
    writeFiles(dir, { 'releases/guestbook.yaml': `${specText(R)}${MIGRATE_TO}` });
    expect((await cli(dir, 'synth')).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'guestbook: add the Gateway API side (migrateTo)');
    // THEN both entry points serve guestbook.example.com/ to v0
    expect(expectEqualEntryPoints(dir)).toBe('guestbook v0 100%; redis 7.2-alpine 100%');
    // AND status says the release is moving
    expect((await cli(dir, 'status', R)).out.split('\n')[0]).toBe('guestbook (nginx, moving to gatewayApi: both carry the traffic until `npx cdk8s-canary migrate guestbook`, releases/guestbook.yaml)');
    expect(JSON.parse((await cli(dir, 'status', R, '--json')).out).releases[0]).toMatchObject({ router: 'nginx', migratingTo: 'gatewayApi' });
    // AND every move changes both sides alike
    const walk: [string[], string, string][] = [
      [['start', R, '--version', 'v1'], 'guestbook: start canary v1 at 0%', 'guestbook v0 100% / v1 0%; redis 7.2-alpine 100%'],
      [['step', R], 'guestbook: canary v1 0% -> 25%', 'guestbook v0 75% / v1 25%; redis 7.2-alpine 100%'],
      [['step', R], 'guestbook: canary v1 25% -> 100%', 'guestbook v0 0% / v1 100%; redis 7.2-alpine 100%'],
      [['promote', R], 'guestbook: promote v1 to stable (was v0)', 'guestbook v1 100%; redis 7.2-alpine 100%'],
    ];
    for (const [args, subject, users] of walk) {
      await move(dir, args, subject);
      expect(expectEqualEntryPoints(dir)).toBe(users);
    }
    // a step commit touched the weight of both sides
    expect(changedFiles(dir, 'HEAD~1').sort()).toEqual([
      'M dist/guestbook/ns-canary/ingress-guestbook-canary-ingress.yaml', `M ${HTTPROUTE}`, 'M releases/guestbook.yaml',
    ]);
    // WHEN, DNS moved, the NGINX side is dropped
    const route = fs.readFileSync(path.join(dir, HTTPROUTE), 'utf8');
    const specBefore = fs.readFileSync(path.join(dir, 'releases/guestbook.yaml'), 'utf8');
    await move(dir, ['migrate', R], 'guestbook: off ingress-nginx, router gatewayApi only (HTTPRoute ns-prod/guestbook unchanged, Ingresses removed)');
    // THEN one commit removed the production Ingress and edited the spec's router section only
    expect(changedFiles(dir).sort()).toEqual(['D dist/guestbook/ns-prod/ingress-guestbook-ingress.yaml', 'M dist/guestbook/ns-prod/kustomization.yaml', 'M releases/guestbook.yaml']);
    expect(fs.readFileSync(path.join(dir, HTTPROUTE), 'utf8')).toBe(route);
    const specAfter = fs.readFileSync(path.join(dir, 'releases/guestbook.yaml'), 'utf8');
    expect(specAfter.slice(0, specAfter.indexOf('router:'))).toBe(specBefore.slice(0, specBefore.indexOf('router:')));
    expect(parse(specAfter).router).toEqual({
      type: 'gatewayApi', parentRefs: [{ name: 'public', namespace: 'gateway-system' }], hostnames: ['guestbook.example.com'], routeName: 'guestbook', header: { name: 'X-Canary' },
    });
    expect(git(dir, 'log', '-1', '--format=%b')).toMatch(/^DNS for guestbook\.example\.com must already point at the Gateway \(gateway-system\/public\)/);
    expect(git(dir, 'log', '-1', '--format=%(trailers:only,unfold)')).toBe('Release: guestbook\nMove: migrate\nRouter: nginx -> gatewayApi\nCanary-Version: none\nCanary-Weight: none\n\n');
    expect(entries(dir).map((e) => e.entry)).toEqual(['HTTPRoute ns-prod/guestbook']);
    // AND the release moves on as a Gateway API release
    await move(dir, ['start', R, '--version', 'v2'], 'guestbook: start canary v2 at 0%');
    expect((await cli(dir, 'status', R, '--json')).out).toContain('"router": "gatewayApi"');
  });

  test('migrate mid-rollout keeps the weights; git revert brings the NGINX side back byte for byte', async () => {
    const dir = projectRepo({ copy: ['guestbook.yaml'] });
    writeFiles(dir, { 'releases/guestbook.yaml': `${specText(R)}${MIGRATE_TO}` });
    expect((await cli(dir, 'synth')).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'migrateTo');
    await move(dir, ['start', R, '--version', 'v1'], 'guestbook: start canary v1 at 0%');
    await move(dir, ['step', R], 'guestbook: canary v1 0% -> 25%');
    const dist = readTree(path.join(dir, 'dist'));
    await move(dir, ['migrate', R], 'guestbook: off ingress-nginx, router gatewayApi only (HTTPRoute ns-prod/guestbook unchanged, Ingresses removed)');
    expect(changedFiles(dir).sort()).toEqual([
      'D dist/guestbook/ns-canary/ingress-guestbook-canary-ingress.yaml', 'D dist/guestbook/ns-prod/ingress-guestbook-ingress.yaml',
      'M dist/guestbook/ns-canary/kustomization.yaml', 'M dist/guestbook/ns-prod/kustomization.yaml', 'M releases/guestbook.yaml',
    ]);
    expect(git(dir, 'log', '-1', '--format=%(trailers:only,unfold)')).toContain('Canary-Version: v1\nCanary-Weight: 25\n');
    expect(summaryLine(entries(dir)[0].flows)).toBe('guestbook v0 75% / v1 25%; redis 7.2-alpine 100%');
    git(dir, 'revert', '--no-edit', 'HEAD');
    expect(readTree(path.join(dir, 'dist'))).toEqual(dist);
  });

  test('fails migrate for a release that is not moving off ingress-nginx, changing nothing', async () => {
    const dir = projectRepo({ copy: ['guestbook.yaml', 'webapp.yaml'] });
    const history = log(dir);
    for (const [name, says] of [
      ['guestbook', /^releases\/guestbook\.yaml:\d+:\d+: router\.migrateTo: release guestbook is not moving off ingress-nginx \(router nginx without migrateTo\), so migrate has nothing to drop; add router\.migrateTo\.gatewayApi/m],
      ['webapp', /^releases\/webapp\.yaml:\d+:\d+: router\.type: release webapp is not moving off ingress-nginx \(router gatewayApi\), so migrate has nothing to drop \(got "gatewayApi"\)/m],
      ['nope', /unknown release 'nope'/],
    ] as const) {
      const r = await cli(dir, 'migrate', name);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(says);
    }
    expect(log(dir)).toEqual(history);
    expect(porcelain(dir)).toBe('');
  });
});

describe('both entry points in traffic and lint', () => {
  const migrating = (weight: number) => stateOf(R, (d) => {
    d.setIn(['router', 'migrateTo'], d.createNode({ gatewayApi: { parentRefs: [{ name: 'public', namespace: 'gateway-system' }], routeName: 'guestbook' } }));
    d.set('canary', d.createNode({ version: 'v1', weight }));
  });

  test('traffic shows both entry points, each noting the other and that they carry the same traffic', () => {
    const es = computeTraffic(objectsOfTree(migrating(25).files).objects).entries.filter((e) => e.release === R);
    expect(es.map((e) => [e.entry, summaryLine(e.flows)])).toEqual([
      ['Ingress ns-prod/guestbook-ingress', 'guestbook v0 75% / v1 25%; redis 7.2-alpine 100%'],
      ['HTTPRoute ns-prod/guestbook', 'guestbook v0 75% / v1 25%; redis 7.2-alpine 100%'],
    ]);
    expect(es[0].notes).toContain('same host and path as HTTPRoute ns-prod/guestbook: users reach the one DNS points at (moving off ingress-nginx); both carry the same traffic');
    expect(es[1].notes).toContain('same host and path as Ingress ns-prod/guestbook-ingress: users reach the one DNS points at (moving off ingress-nginx); both carry the same traffic');
    expect(es[1].testers.map((t) => t.condition)).toEqual(es[0].testers.map((t) => t.condition));
  });

  test('fails the entry-point-parity lint when one side carries another weight or loses a tester rule', () => {
    const s = migrating(25);
    expect(lintTree(s.files).findings).toEqual([]);
    const file = 'guestbook/ns-prod/httproute-guestbook.yaml';
    // WHEN the HTTPRoute is edited by hand to 50/50 and its never rule is dropped
    const edited = new Map(s.files);
    const text = s.files.get(file)!.replace('weight: 75', 'weight: 50').replace('weight: 25', 'weight: 50').replace('value: never', 'value: nevermore');
    edited.set(file, text);
    // THEN the lint names both objects and every difference
    const f = lintTree(edited).findings.filter((x) => x.rule === 'entry-point-parity');
    expect(f.map((x) => x.message)).toEqual([
      'HTTPRoute ns-prod/guestbook and Ingress ns-prod/guestbook-ingress both serve guestbook.example.com/ for release guestbook, but carry different traffic: '
      + 'users: guestbook v0 75% / v1 25%; redis 7.2-alpine 100% vs guestbook v0 50% / v1 50%; redis 7.2-alpine 100%; '
      + 'header X-Canary: never: guestbook v0 100%; redis 7.2-alpine 100% vs no such tester rule; '
      + 'header X-Canary: nevermore: no such tester rule vs guestbook v0 100%; redis 7.2-alpine 100%',
    ]);
    expect(f[0].object.file).toBe(file);
  });

  test('the spec section splice keeps every byte outside the router section', () => {
    const text = editSpec(R, (d) => { d.setIn(['router', 'migrateTo'], d.createNode({ gatewayApi: { parentRefs: [{ name: 'public' }] } })); });
    const src = SourceDocument.parse('releases/guestbook.yaml', Buffer.from(text)) as SourceDocument;
    const out = replaceSpecSection(src, 'router', { type: 'gatewayApi', parentRefs: [{ name: 'public' }], hostnames: ['guestbook.example.com'] });
    expect(out.slice(0, out.indexOf('router:'))).toBe(text.slice(0, text.indexOf('router:')));
    expect(out.slice(out.indexOf('router:'))).toBe('router:\n  type: gatewayApi\n  parentRefs:\n    - name: public\n  hostnames:\n    - guestbook.example.com\n');
  });
});
