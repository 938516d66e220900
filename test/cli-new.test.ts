/**
 * `new NAME --router TYPE` (issue 20, item 11): a commented spec generated from the schema that, as
 * written, validates, synthesizes (strict schema validation of what it generates) and walks start,
 * step and promote on every router the schema knows. One repository for the file, in-process CLI.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { cli } from './support/cli';
import { cleanupTempDirs, git, log, porcelain, projectRepo } from './support/git-repo';
import { validateTree } from './support/kube-schemas';
import { parseSpec } from '../lib/spec/loader';
import { ProjectRenderer, renderable } from '../lib/synth/project';
import { routerTypes } from '../lib/spec/scaffold';
import { SCHEMA_FILES } from '../lib/spec/schemas';

afterAll(cleanupTempDirs);

let dir: string;
beforeAll(() => { dir = projectRepo({ copy: ['webapp.yaml'] }); });

const release = (SCHEMA_FILES as Record<string, any>[]).find((s) => s.$id === 'release.schema.json') as Record<string, any>;

/** Every property name of the spec schemas (to tell a commented-out field from a description line). */
const FIELD_NAMES = new Set<string>();
const collect = (x: unknown): void => {
  if (Array.isArray(x)) { x.forEach(collect); return; }
  if (!x || typeof x !== 'object') return;
  const o = x as Record<string, unknown>;
  if (o.properties && typeof o.properties === 'object') for (const k of Object.keys(o.properties)) FIELD_NAMES.add(k);
  Object.values(o).forEach(collect);
};
collect(SCHEMA_FILES);

test('the routers offered are the branches of the schema (at least the four of the guide)', () => {
  expect(routerTypes()).toEqual(expect.arrayContaining(['nginx', 'gatewayApi', 'istio', 'openshiftRoute']));
  expect(routerTypes()).toHaveLength((release.definitions.Router.oneOf as unknown[]).length);
});

describe.each(routerTypes().map((r) => [r]))('new on router %s', (router) => {
  const name = `first-${router.toLowerCase()}`;
  const file = () => path.join(dir, 'releases', `${name}.yaml`);

  test('GIVEN a project WHEN new runs THEN it writes only the spec and prints the next steps', async () => {
    const r = await cli(dir, 'new', name, '--router', router);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      `wrote releases/${name}.yaml (router ${router}, stable 1.0.0, no canary)`,
      `next: set workload.image, workload.port and the router in releases/${name}.yaml to yours (comments say what each field does), then`,
      `  npx cdk8s-canary synth                # dist/${name}/, and dist/argocd/ and dist/flux/ gain it`,
      `  git add releases/${name}.yaml dist && git commit -m "${name}: first release"`,
      `  npx cdk8s-canary start ${name} --version VERSION`,
    ]);
    expect(porcelain(dir)).toBe(`?? releases/${name}.yaml\n`);
  });

  test('THEN the spec names every field of the schema, commented when optional, and reads as the values it sets', () => {
    const text = fs.readFileSync(file(), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../lib/spec/schema/release.schema.json');
    for (const key of Object.keys(release.properties)) expect(text).toMatch(new RegExp(`^(# )?${key}:`, 'm'));
    for (const key of Object.keys(release.definitions.Workload.properties)) expect(text).toMatch(new RegExp(`^ {2}(# )?${key}:`, 'm'));
    const spec = parse(text);
    expect(spec).toMatchObject({ apiVersion: 'canary.cdk8s.io/v1alpha1', kind: 'Release', name, namespaces: { production: name }, workload: { type: 'webapp', image: `ghcr.io/example/${name}` }, stable: { version: '1.0.0' }, router: { type: router } });
    expect(spec.canary).toBeUndefined();
  });

  test('THEN each commented-out default, uncommented on its own, renders the same objects (the value shown is the default applied, never a word of the description)', () => {
    const text = fs.readFileSync(file(), 'utf8');
    const lines = text.split('\n');
    const rendered = (t: string, where: string) => {
      const r = parseSpec(`releases/${name}.yaml`, t);
      if ('problems' in r) throw new Error(`${where} is refused: ${r.problems.map((p) => p.message).join('; ')}`);
      const renderer = new ProjectRenderer();
      const files = renderer.render(renderable(r));
      if (!files) throw new Error(`${where} does not render: ${renderer.problems.map((p) => p.message).join('; ')}`);
      return Object.fromEntries(files);
    };
    const base = rendered(text, 'the spec as written');
    let tried = 0;
    lines.forEach((l, i) => {
      // a commented-out field with a one-token (or flow list) value; description lines are prose
      const m = /^( *)# ([a-zA-Z]+): (\[[^\]]*\]|'[^']*'|\S+)$/.exec(l);
      if (!m || !FIELD_NAMES.has(m[2])) return;
      // only a field whose parent mapping is written (the nearest shallower key line is not commented)
      const parent = lines.slice(0, i).reverse().find((x) => /^ *(# )?[a-zA-Z]+:/.test(x) && x.search(/\S/) < m[1].length);
      if (parent !== undefined && /^ *# /.test(parent)) return;
      const where = `releases/${name}.yaml:${i + 1}: '${l.trim()}' uncommented`;
      const variant = rendered([...lines.slice(0, i), `${m[1]}${m[2]}: ${m[3]}`, ...lines.slice(i + 1)].join('\n'), where);
      expect([where, variant]).toEqual([where, base]);
      tried++;
    });
    expect(tried).toBeGreaterThanOrEqual(5);
  });

  test('THEN it validates, synthesizes objects the upstream schemas accept, and commits as the README says', async () => {
    expect(await cli(dir, 'validate')).toMatchObject({ code: 0 });
    expect((await cli(dir, 'synth')).code).toBe(0);
    const v = validateTree(path.join(dir, 'dist', name));
    expect(v.problems).toEqual([]);
    expect(v.objects).toBeGreaterThan(2);
    git(dir, 'add', `releases/${name}.yaml`, 'dist');
    git(dir, 'commit', '-q', '-m', `${name}: first release`);
    expect(porcelain(dir)).toBe('');
  });

  test('THEN start, step to the last rung, and promote each make one commit', async () => {
    const before = log(dir).length;
    expect((await cli(dir, 'start', name, '--version', '1.1.0')).code).toBe(0);
    let moves = 1;
    for (;;) {
      const s = JSON.parse((await cli(dir, 'status', name, '--json')).out).releases[0];
      if (s.next.move !== 'step') { expect(s.next.move).toBe('promote'); break; }
      const r = await cli(dir, 'step', name);
      expect(r.code).toBe(0);
      moves++;
    }
    const p = await cli(dir, 'promote', name);
    expect(p.code).toBe(0);
    expect(p.out.split('\n')[0]).toBe(`${name}: promote 1.1.0 to stable (was 1.0.0)`);
    expect(log(dir).length).toBe(before + moves + 1);
    expect(JSON.parse((await cli(dir, 'status', name, '--json')).out).releases[0]).toMatchObject({ stable: { version: '1.1.0' }, canary: null });
  });
});

describe('new refuses, and writes nothing', () => {
  test.each([
    [['new', 'shop', '--router', 'ngix'], "error: unknown router 'ngix'; did you mean 'nginx'? use one of"],
    [['new', 'shop'], 'error: new needs --router TYPE, one of'],
    [['new', 'Shop', '--router', 'nginx'], "error: release name 'Shop' is not valid; use lowercase letters"],
    [['new', 'webapp', '--router', 'istio'], 'error: releases/webapp.yaml already exists; choose another name, or edit that file'],
  ])('fails %j', async (args, message) => {
    const r = await cli(dir, ...args);
    expect(r.code).toBe(2);
    expect(r.err.startsWith(message)).toBe(true);
    expect(porcelain(dir)).toBe('');
  });

  test('fails options that make an invalid spec: a value by its field\'s rules naming the flag, the rest positioned in the spec it would have written', async () => {
    const r = await cli(dir, 'new', 'shop', '--router', 'nginx', '--version', 'not a tag');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --version: has an invalid format \(got "not a tag"\); use a valid image tag/);
    expect(porcelain(dir)).toBe('');
    const reserved = await cli(dir, 'new', 'shop', '--router', 'nginx', '--namespace', 'kube-system');
    expect(reserved.code).toBe(2);
    expect(reserved.err).toMatch(/^new shop: the spec these options give is invalid; nothing was written:\nreleases\/shop\.yaml:\d+:\d+: namespaces\.production: /);
    expect(porcelain(dir)).toBe('');
  });
});
