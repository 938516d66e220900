/**
 * Renames the sync model had left out (lib/review/transition.ts, ./served.ts, ./clusters.ts), each
 * played through the CLI (in-process: the findings are the subject, not the process) on a real git
 * repository:
 * 1. a release renamed and moved to another namespace while its host stays: the old unit's deletion
 *    takes the old route while the new unit creates the new one in the other namespace; routers serve
 *    a host from any namespace (ingress class, Gateway, Istio ingress pods, OpenShift router), so the
 *    host must be served in every state;
 * 2. a rename inside `argocd.mode: applicationSet` for a release that gains or loses `fleet:`;
 * 3. a cluster renamed while its server stays.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from './support/cli';
import { remoteClustersConfig } from './support/remote-clusters';
import { cleanupTempDirs, filesAt, git, initRepo, tempDir, writeFiles } from './support/git-repo';
import { fleetConfig, fleetSpec, readFiles } from './support/fleet';
import { oracleCheck } from './support/sync-oracle';
import { frontOf } from '../lib/review/served';
import { checkTransition } from '../lib/review/transition';
import { Manifest, ObjectIndex } from '../lib/manifests/objects';

afterAll(() => cleanupTempDirs());

const KEEP = 'argocd:\n  preserveResourcesOnDeletion: true\nflux:\n  deletionPolicy: Orphan\n';

/** GIVEN `spec` as releases/webapp.yaml on the cluster `east` with `extra` settings, synthesized and committed. */
async function committed(spec?: string, extra = ''): Promise<string> {
  // one synth and one commit: the spec and the config together (validate compares with HEAD only)
  const dir = initRepo(tempDir('cdk8s-canary-repo-'));
  writeFiles(dir, { 'releases/webapp.yaml': spec ?? webapp, 'cdk8s-canary.yaml': remoteClustersConfig(['east'], extra) });
  expect((await runCli(dir, ['synth'])).status).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'one cluster');
  return dir;
}

/** HEAD's dist/ (dist-relative paths -> text). */
function headDist(dir: string): Map<string, string> {
  return filesAt(dir, 'dist');
}

/** WHEN releases/webapp.yaml becomes releases/webapp2.yaml in namespace webapp2, same host; synthesized and validated. */
async function renameAndMove(dir: string): Promise<{ status: number | null; stderr: string; before: Map<string, string>; after: Map<string, string> }> {
  const spec = fs.readFileSync(path.join(dir, 'releases/webapp.yaml'), 'utf8');
  fs.rmSync(path.join(dir, 'releases/webapp.yaml'));
  fs.writeFileSync(path.join(dir, 'releases/webapp2.yaml'), spec.replace(/^name: webapp$/m, 'name: webapp2').replace(/^  production: webapp$/m, '  production: webapp2'));
  expect((await runCli(dir, ['synth'])).status).toBe(0);
  const r = await runCli(dir, ['validate']);
  return { status: r.status, stderr: r.stderr, before: headDist(dir), after: readFiles(path.join(dir, 'dist')) };
}

const webapp = fs.readFileSync(path.join(__dirname, '..', 'releases', 'webapp.yaml'), 'utf8');
const withRouter = (router: string) => webapp.replace(/^router:\n(?: .*\n)*/m, router);
const ROUTERS: readonly (readonly [string, string | undefined, RegExp])[] = [
  ['Gateway API HTTPRoute', undefined, /HTTPRoute webapp\/webapp\b/],
  ['NGINX Ingress', withRouter('router:\n  type: nginx\n  host: webapp.example.com\n'), /Ingress webapp\/webapp-ingress\b/],
  ['OpenShift Route', withRouter('router:\n  type: openshiftRoute\n  domain: apps.example.com\n  host: webapp.example.com\n'), /Route webapp\/webapp\b/],
  ['Istio VirtualService', withRouter('router:\n  type: istio\n  gateway:\n    name: webapp-gateway\n    servers:\n      - port: { number: 80, name: http, protocol: HTTP }\n        hosts: [webapp.example.com]\n  hosts: [webapp.example.com]\n'), /VirtualService webapp\/webapp\b/],
];

describe('a release renamed and moved to another namespace while its host stays', () => {
  test.each(ROUTERS)('fails validate (%s): the old unit deletes the route that serves the host before the new one, in the other namespace, serves it', async (_router, spec, route) => {
    const dir = await committed(spec);
    const r = await renameAndMove(dir);
    // THEN refused under both engines, where the host breaks (the old route deleted), with the way out
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`unsafe during sync: Argo CD, Application argocd/webapp, Application deleted with its objects \\(resources finalizer\\), wave \\d+: [^\\n]*deleted ${route.source}[^\\n]*: 100% of requests to webapp\\.example\\.com/? ?[^\\n]*fail, no route serves it \\(before [^\\n]*webapp/webapp[^,]*, after [^\\n]*webapp2/webapp2`));
    expect(r.stderr).toMatch(/unsafe during sync: Flux, Kustomization flux-system\/webapp-webapp, Kustomization deleted with its objects \(garbage collection\): [^\n]*no route serves it/);
    expect(r.stderr).toMatch(/first set `argocd\.preserveResourcesOnDeletion: true` and `flux\.deletionPolicy: Orphan` in cdk8s-canary\.yaml, commit that alone and let it sync, then make this change/);
    // AND only where it breaks: not again while the new Application syncs after it
    expect(r.stderr).not.toMatch(/Application argocd\/webapp2,/);
    const lines = r.stderr.split('\n').filter((l) => l.includes('unsafe during sync'));
    expect(new Set(lines).size).toBe(lines.length);
    // AND the review flags it, each state once
    const d = (await runCli(dir, ['diff'])).stdout.split('\n').filter((l) => l.startsWith('- UNSAFE during sync: '));
    expect(d.map((l) => /^- UNSAFE during sync: (Argo CD|Flux), [^\n]*no route serves it/.exec(l)?.[1])).toEqual(['Argo CD', 'Flux']);
  });

  test.each(ROUTERS)('GIVEN preserveResourcesOnDeletion and deletionPolicy: Orphan committed first WHEN renamed and moved (%s) THEN validate passes (the old route serves until deleted by hand)', async (_router, spec) => {
    const dir = await committed(spec, KEEP);
    const r = await renameAndMove(dir);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
  });

  test('the independent oracle agrees: the host is down under both engines, and the two-step passes', async () => {
    const bad = await renameAndMove(await committed());
    const v = oracleCheck(bad.before, bad.after).violations;
    expect(new Set(v.map((x) => `${x.engine} ${x.entry} ${x.what} ${x.during}`))).toEqual(new Set([
      'argocd host hr gateway-system/public webapp.example.com / failing 1', 'flux host hr gateway-system/public webapp.example.com / failing 1',
    ]));
    const good = await renameAndMove(await committed(undefined, KEEP));
    expect(oracleCheck(good.before, good.after).violations).toEqual([]);
  });

  test('GIVEN the new release on another Gateway THEN the host is another entry point for users (no hand-over to check): validate passes', async () => {
    const dir = await committed();
    const spec = fs.readFileSync(path.join(dir, 'releases/webapp.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'releases/webapp.yaml'), spec.replace(/- name: public\n/, '- name: internal\n'));
    const r = await renameAndMove(dir);
    expect(r.status).toBe(0);
  });
});

describe('what users reach a route through (frontOf)', () => {
  const m = (o: Partial<Manifest> & { kind: string }): Manifest => ({ apiVersion: 'v1', metadata: { name: 'x', namespace: 'a' }, ...o } as Manifest);
  test('GIVEN routes in two namespaces THEN their front is the same for every router', async () => {
    for (const ns of ['a', 'b']) {
      expect(frontOf(m({ kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', metadata: { name: 'x', namespace: ns }, spec: { ingressClassName: 'nginx' } }))).toBe('class nginx');
      expect(frontOf(m({ kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', metadata: { name: 'x', namespace: ns }, spec: { parentRefs: [{ name: 'public', namespace: 'gw' }] } }))).toBe('Gateway gw/public');
      expect(frontOf(m({ kind: 'Route', apiVersion: 'route.openshift.io/v1', metadata: { name: 'x', namespace: ns } }))).toBe('router');
    }
  });
  test('GIVEN an HTTPRoute without a parentRef namespace, or an Istio mesh VirtualService THEN its own namespace counts', async () => {
    expect(frontOf(m({ kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', spec: { parentRefs: [{ name: 'gw', sectionName: 'http' }] } }))).toBe('Gateway a/gw/http');
    expect(frontOf(m({ kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', spec: { hosts: ['reviews'], gateways: ['mesh'] } }))).toBe('mesh a');
  });
  test('GIVEN an Istio Gateway in the state THEN the ingress pods it selects are the front', async () => {
    const gw = { obj: m({ kind: 'Gateway', apiVersion: 'networking.istio.io/v1', metadata: { name: 'g', namespace: 'a' }, spec: { selector: { istio: 'ingressgateway' } } }), file: 'r/f/g.yaml', release: 'r' };
    const ix = new ObjectIndex([gw]);
    expect(frontOf(m({ kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', spec: { gateways: ['g'] } }), ix)).toBe('pods istio=ingressgateway');
    expect(frontOf(m({ kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', spec: { gateways: ['other/g'] } }), ix)).toBe('gateway other/g');
  });
});

describe('argocd.mode: applicationSet, a release that gains or loses fleet:', () => {
  const KEEP_SET = (config: string) => config.replace('  mode: applicationSet\n', `  mode: applicationSet\n${KEEP.replace('argocd:\n', '').replace(/^flux:\n  deletionPolicy: Orphan\n/m, '')}`) + 'flux:\n  deletionPolicy: Orphan\n';

  /** GIVEN shop with `from` (fleet text, '' for none) committed in applicationSet mode; WHEN it gets `to`: validate's result. */
  async function change(from: string | undefined, to: string | undefined, config = fleetConfig('applicationSet')): Promise<{ status: number | null; stderr: string; before: Map<string, string>; after: Map<string, string> }> {
    const dir = initRepo(tempDir('cdk8s-canary-appset-'));
    writeFiles(dir, { 'cdk8s-canary.yaml': config, 'releases/shop.yaml': fleetSpec('shop', from) });
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'shop');
    fs.writeFileSync(path.join(dir, 'releases/shop.yaml'), fleetSpec('shop', to));
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    const r = await runCli(dir, ['validate']);
    return { status: r.status, stderr: r.stderr, before: headDist(dir), after: readFiles(path.join(dir, 'dist')) };
  }

  test('fails validate when fleet: is added: the ApplicationSet cdk8s-canary deletes its Applications (shop-prod-eu-1 too: cdk8s-canary-fleet cannot adopt it) with their objects', async () => {
    const r = await change('', undefined);
    expect(r.status).toBe(2);
    // THEN every cluster's Argo CD Application is reported, the one whose name stays included
    for (const [cluster, app] of [['canary-eu', 'shop'], ['prod-eu-1', 'shop-prod-eu-1'], ['prod-us-1', 'shop-prod-us-1'], ['prod-ap-1', 'shop']]) {
      expect(r.stderr).toMatch(new RegExp(`unsafe during sync: cluster ${cluster}: Argo CD, Application \\(ApplicationSet cdk8s-canary\\) ${app}, Application deleted with its objects \\(resources finalizer\\), wave 3: deleted HTTPRoute shop/shop: 100% of requests to shop\\.example\\.com/ \\(HTTPRoute shop/shop\\) fail, its route is gone`));
    }
    expect(r.stderr).toMatch(/first set `argocd\.preserveResourcesOnDeletion: true` and `flux\.deletionPolicy: Orphan` in cdk8s-canary\.yaml, commit that alone and let it sync, then make this change/);
  });

  test('fails validate when fleet: is removed: the ApplicationSet cdk8s-canary-fleet deletes its Applications with their objects', async () => {
    const r = await change(undefined, '');
    expect(r.status).toBe(2);
    for (const [cluster, app] of [['canary-eu', 'shop-canary-eu'], ['prod-eu-2', 'shop-prod-eu-2'], ['prod-ap-1', 'shop-prod-ap-1']]) {
      expect(r.stderr).toMatch(new RegExp(`unsafe during sync: cluster ${cluster}: Argo CD, Application \\(ApplicationSet cdk8s-canary-fleet\\) ${app}, Application deleted with its objects \\(resources finalizer\\), wave 3: deleted HTTPRoute shop/shop`));
    }
  });

  test.each([['added', '', undefined], ['removed', undefined, '']] as const)('GIVEN preserveResourcesOnDeletion and deletionPolicy: Orphan committed first WHEN fleet: is %s THEN validate passes', async (_what, from, to) => {
    const config = KEEP_SET(fleetConfig('applicationSet'));
    expect(config).toMatch(/argocd:\n  mode: applicationSet\n  preserveResourcesOnDeletion: true\n/);
    const r = await change(from, to, config);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
  });
});

describe('a cluster renamed while its server stays', () => {
  /** cdk8s-canary.yaml with clusters [name, server host, kubeconfig Secret prefix]. */
  const cfg = (extra: string, clusters: readonly (readonly [string, string, string])[]) => `apiVersion: canary.cdk8s.io/v1alpha1
kind: Project
repository:
  url: https://github.com/example/shop.git
${extra}clusters:
${clusters.map(([n, s, k]) => `  - name: ${n}\n    server: https://${s}.example.com:6443\n    kubeConfigSecretRef: { name: ${k}-kubeconfig }\n`).join('')}`;
  const EAST = ['east', 'east', 'east'] as const;

  /** GIVEN webapp on east and west (`extra` settings), committed; WHEN west becomes `west`: validate's result. */
  async function renameWest(west: readonly [string, string, string], extra = ''): Promise<{ status: number | null; stderr: string; dir: string }> {
    const dir = initRepo(tempDir('cdk8s-canary-repo-'));
    writeFiles(dir, { 'releases/webapp.yaml': webapp, 'cdk8s-canary.yaml': cfg(extra, [EAST, ['west', 'west', 'west']]) });
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'two clusters');
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), cfg(extra, [EAST, west]));
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    const r = await runCli(dir, ['validate']);
    return { status: r.status, stderr: r.stderr, dir };
  }
  const ARGO = /unsafe during sync: Argo CD, Application argocd\/webapp-west, Application deleted with its objects \(resources finalizer\), wave 3: deleted HTTPRoute webapp\/webapp/;
  const FLUX = /unsafe during sync: Flux, Kustomization flux-system\/webapp-webapp-west, Kustomization deleted with its objects \(garbage collection\): deleted HTTPRoute webapp\/webapp/;

  test('fails validate when west becomes west2 with its server and Secret: both engines delete what the new units take over', async () => {
    const r = await renameWest(['west2', 'west', 'west']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(ARGO);
    expect(r.stderr).toMatch(FLUX);
    expect(r.stderr).toMatch(/two clusters become one or a cluster renamed on the same server/);
  });

  test('fails validate under Flux too when the kubeconfig Secret is renamed with the cluster (its server, on the Kustomization, says it is the same cluster)', async () => {
    const r = await renameWest(['west2', 'west', 'west2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(ARGO);
    expect(r.stderr).toMatch(FLUX);
    // AND the way out names both settings: Argo CD's alone would leave Flux deleting the objects
    expect(r.stderr).toMatch(/first set `argocd\.preserveResourcesOnDeletion: true` and `flux\.deletionPolicy: Orphan` in cdk8s-canary\.yaml/);
    const ks = fs.readFileSync(path.join(r.dir, 'dist/flux/kustomization-webapp-webapp-west2.yaml'), 'utf8');
    expect(ks).toMatch(/\n  annotations:\n    canary\.cdk8s\.io\/server: https:\/\/west\.example\.com:6443\n/);
    expect(ks).toMatch(/secretRef:\n      name: west2-kubeconfig/);
  });

  test('fails validate with Flux alone (argocd.enabled: false) when the Secret is renamed with the cluster', async () => {
    const r = await renameWest(['west2', 'west', 'west2'], 'argocd:\n  enabled: false\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(FLUX);
    expect(r.stderr).toMatch(/first set `flux\.deletionPolicy: Orphan` in cdk8s-canary\.yaml, commit that alone/);
  });

  test('GIVEN west replaced by a cluster on another server THEN validate passes (west loses its objects, north gets them: no hand-over)', async () => {
    expect(await renameWest(['north', 'north', 'north'])).toMatchObject({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
    expect(await renameWest(['north', 'north', 'north'], 'argocd:\n  enabled: false\n')).toMatchObject({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
  });

  test('GIVEN preserveResourcesOnDeletion and deletionPolicy: Orphan committed first WHEN west is renamed with its Secret THEN validate passes', async () => {
    expect(await renameWest(['west2', 'west', 'west2'], KEEP)).toMatchObject({ status: 0, stderr: expect.not.stringMatching(/unsafe/) });
  });
});

describe('a route renamed with its backends inside one release (the model on dist/ trees)', () => {
  // GIVEN the reference dist/; WHEN webapp's Deployment, Service and HTTPRoute get new names (same
  // labels, same host): Flux applies the new ones, then prunes the old ones before its health check
  const before = readFiles(path.join(__dirname, '..', 'dist'));
  const renamed = (t: string) => t.replace(/^  name: webapp$/m, '  name: webapp-v2').replace(/^          name: webapp$/m, '          name: webapp-v2');
  const after = new Map([...before].map(([p, t]) => [p, /^webapp\/webapp\/(deployment|service|httproute)-webapp\.yaml$/.test(p) ? renamed(t) : t]));

  test('fails under both engines: Argo CD prunes the old route in the mirrored wave 0, before the new one (wave 3); Flux prunes the old Deployment while the new route\'s pods are not ready', () => {
    expect([...after].filter(([p, t]) => before.get(p) !== t)).toHaveLength(3);
    const r = checkTransition(before, after);
    expect(r.violations.map((v) => v.message)).toEqual([
      'Argo CD, Application argocd/webapp, wave 0: only deleted HTTPRoute webapp/webapp so far: 100% of requests to webapp.example.com/ fail, no route serves it (before HTTPRoute webapp/webapp, after HTTPRoute webapp/webapp-v2; before 0%, after 0%)',
      'Flux, Kustomization flux-system/webapp-webapp, prune: deleted Deployment webapp/webapp; new pods not ready yet: 100% of requests to webapp.example.com/ fail, served by HTTPRoute webapp/webapp-v2 (before HTTPRoute webapp/webapp, after HTTPRoute webapp/webapp-v2; before 0%, after 0%)',
    ]);
    // AND the independent oracle finds the same host down, under both engines
    expect(new Set(oracleCheck(before, after).violations.map((v) => `${v.engine} ${v.entry} ${v.during}`))).toEqual(new Set(['argocd host hr gateway-system/public webapp.example.com / 1', 'flux host hr gateway-system/public webapp.example.com / 1']));
  });
});
