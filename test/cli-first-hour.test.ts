/**
 * The first hour with the CLI (issue 20): the project found from any folder inside it, one message
 * outside any project, --version, "did you mean" for commands, flags and names, `help NAME`, status
 * per spec when one is invalid, a move blocked by another spec saying so, and one `status --json`
 * shape for releases and groups, checked against its JSON Schema (lib/moves/status.schema.json).
 * One repository for the file; the compiled CLI only where the process matters (cwd, the binary).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import { cli } from './support/cli';
import { BIN } from './support/cli-repo';
import { cleanupTempDirs, git, log, porcelain, projectRepo, tempDir } from './support/git-repo';
import { specText } from './support/specs';

afterAll(cleanupTempDirs);

const PKG = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
const STATUS_SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'lib', 'moves', 'status.schema.json'), 'utf8'));

/** The compiled CLI started in `cwd` (no -C): how a user in a terminal runs it. */
function binIn(cwd: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(() => {
  // GIVEN a project with two releases (one with a canary) and the S3 release group, committed
  dir = projectRepo({ copy: ['webapp.yaml', 'frontend-backend.yaml'], specs: { shop: specText('shop', 'canary:\n  version: 1.1.0\n  weight: 25\n') } });
});

describe('the project is found like git finds its repository', () => {
  test.each([['releases'], ['dist/webapp'], ['dist/webapp/webapp']])('GIVEN the CLI started in %s WHEN status runs THEN it reports the whole project', (sub) => {
    const r = binIn(path.join(dir, sub), 'status', 'webapp');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^webapp \(gatewayApi, releases\/webapp\.yaml\)$/m);
  });

  test('GIVEN -C naming a subfolder WHEN a move runs THEN it moves the release of the project (one commit)', async () => {
    const before = log(dir).length;
    const r = await cli(path.join(dir, 'releases'), 'set-weight', 'shop', '30', '--no-commit');
    expect(r.code).toBe(0);
    expect(porcelain(dir)).toBe(' M dist/shop/shop/httproute-shop.yaml\n M releases/shop.yaml\n');
    git(dir, 'checkout', '--', '.');
    expect(log(dir)).toHaveLength(before);
  });

  const outside = () => fs.mkdtempSync(path.join(os.tmpdir(), 'no-project-'));
  const commands: readonly string[][] = [
    ['status'], ['validate'], ['synth'], ['start', 'x', '--version', '1'], ['step', 'x'], ['set-weight', 'x', '1'], ['promote', 'x'], ['abort', 'x'],
    ['next', 'x'], ['verify', 'x', '--url', 'http://127.0.0.1:9'], ['diff'], ['traffic'], ['new', 'x', '--router', 'nginx'],
  ];
  const message = (d: string) => `error: not inside a cdk8s-canary project: neither ${d} nor any parent folder holds releases/ or cdk8s-canary.yaml; cd into your project (the folder holding releases/) or pass -C <project folder>; to start a project, run \`npx cdk8s-canary new NAME --router TYPE\` at the top of a git repository`;
  test.each(commands.map((c) => [c.join(' '), c]))('fails `%s` outside any project: one line that says so, exit 2, nothing written', async (_n, args) => {
    const d = outside();
    try {
      const r = await cli(d, ...args);
      expect(r).toEqual({ code: 2, out: '', err: message(d) });
      expect(fs.readdirSync(d)).toEqual([]);
    } finally { fs.rmSync(d, { recursive: true, force: true }); }
  });

  test('fails the compiled CLI started outside any project the same way', () => {
    const d = outside();
    try {
      expect(binIn(d, 'status')).toEqual({ code: 2, out: '', err: `${message(d)}\n` });
    } finally { fs.rmSync(d, { recursive: true, force: true }); }
  });

  test('GIVEN a folder with only cdk8s-canary.yaml WHEN status runs there THEN it is the project (its releases/ is missing)', () => {
    const d = outside();
    try {
      fs.writeFileSync(path.join(d, 'cdk8s-canary.yaml'), 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\n');
      fs.mkdirSync(path.join(d, 'sub'));
      const r = binIn(path.join(d, 'sub'), 'status');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`no releases/ folder in ${d}`);
    } finally { fs.rmSync(d, { recursive: true, force: true }); }
  });

  test('fails traffic where nothing is synthesized yet, naming synth (it used to say "no entry point" and exit 0)', async () => {
    const d = tempDir();
    fs.mkdirSync(path.join(d, 'releases'));
    const r = await cli(d, 'traffic');
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe(`error: no dist/ folder in ${d}: nothing is synthesized yet; run \`npx cdk8s-canary synth\` first`);
  });
});

describe('flags, commands and names', () => {
  test('--version and -V print the package version (compiled binary and in-process)', async () => {
    expect(binIn(dir, '--version')).toEqual({ code: 0, out: `${PKG.version}\n`, err: '' });
    expect((await cli(dir, '-V')).out).toBe(PKG.version);
  });

  test('start NAME --version V is the start option, not the program version', async () => {
    const r = await cli(dir, 'start', 'webapp', '--version', '1.1.0', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dry run: would commit "webapp: start canary 1\.1\.0 at 0%"/);
  });

  test('fails a mistyped flag with its suggestion, before a missing --version', async () => {
    const r = await cli(dir, 'start', 'webapp', '--verison', '1.1.0');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([
      "error: unknown option '--verison'",
      '(Did you mean --version?)',
      '(npx cdk8s-canary help start shows its arguments and options)',
    ]);
  });

  test.each([
    [['start', 'webapp', '1.1.0'], 'error: start takes the version as a flag: `npx cdk8s-canary start webapp --version 1.1.0`'],
    [['start', 'webapp', '1.1.0', '--version', '1.1.0'], 'error: too many arguments for \'start\': "1.1.0"; it takes one release and --version VERSION'],
  ])('fails %j (the version as an argument) with the command it meant, and that command works', async (args, message) => {
    const before = log(dir);
    const r = await cli(dir, ...args);
    expect(r).toMatchObject({ code: 2, err: message });
    expect(log(dir)).toEqual(before);
    const hint = /`npx cdk8s-canary (.*)`/.exec(message)?.[1];
    if (hint) expect((await cli(dir, ...hint.split(' '), '--dry-run')).code).toBe(0);
  });

  test('fails a mistyped command with its suggestion', async () => {
    const r = await cli(dir, 'promtoe', 'webapp');
    expect(r).toMatchObject({ code: 2, err: "error: unknown command 'promtoe'\n(Did you mean promote?)\n(npx cdk8s-canary --help lists the commands)" });
  });

  test('help NAME shows that command; fails help of an unknown command, with a suggestion', async () => {
    const ok = await cli(dir, 'help', 'set-weight');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^Usage: cdk8s-canary set-weight \[options\] <release> <weight>/);
    const bad = await cli(dir, 'help', 'stepp');
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toBe("error: unknown command 'stepp'\n(Did you mean step?)\n(npx cdk8s-canary --help lists the commands)");
  });

  test('help and --version work outside any project', () => {
    const d = tempDir();
    expect(binIn(d, 'help', 'status').code).toBe(0);
    expect(binIn(d, '--version').out).toBe(`${PKG.version}\n`);
  });

  test.each([
    [['step', 'webap'], "error: unknown release 'webap'; did you mean 'webapp'? releases: shop, webapp; release groups: frontend-backend (see `npx cdk8s-canary status`)"],
    [['status', 'frontend-backnd'], "error: unknown release or group 'frontend-backnd'; did you mean 'frontend-backend'? releases: shop, webapp; release groups: frontend-backend (see `npx cdk8s-canary status`)"],
    ...[['validate'], ['migrate'], ['advance'], ['verify', '--url', 'http://127.0.0.1:9'], ['set-weight', '10']].map(([cmd, ...rest]): [string[], string] => [[cmd, 'webap', ...rest], "error: unknown release 'webap'; did you mean 'webapp'? releases: shop, webapp; release groups: frontend-backend (see `npx cdk8s-canary status`)"]),
    [['analyze', 'webap'], "error: unknown release or group 'webap'; did you mean 'webapp'? releases: shop, webapp; release groups: frontend-backend (see `npx cdk8s-canary status`)"],
    [['next', 'frontend'], "error: unknown release group 'frontend'; releases: shop, webapp; release groups: frontend-backend (see `npx cdk8s-canary status`)"],
    [['promote', 'frontend-backend'], 'error: frontend-backend is a release group, not a release: `promote` moves single releases; move a group with `npx cdk8s-canary next frontend-backend` (or step, set-weight, abort)'],
    [['next', 'webapp'], 'error: webapp is a release, not a release group: `next` moves groups; move a release with `npx cdk8s-canary step webapp` (or start, set-weight, promote, abort)'],
  ])('fails %j naming the releases and groups, with a suggestion for a likely typo', async (args, message) => {
    const before = log(dir);
    const r = await cli(dir, ...args);
    expect(r).toMatchObject({ code: 2, err: message });
    expect(log(dir)).toEqual(before);
  });
});

describe('one invalid spec does not hide the others', () => {
  let bad: string;
  beforeAll(() => {
    bad = path.join(dir, 'releases', 'broken.yaml');
    fs.writeFileSync(bad, specText('broken', 'canary:\n  version: 2.0.0\n  weight: 150\n').replace('  port: 8080\n', '  port: 8080\n  replicaz: 2\n'));
  });
  afterAll(() => fs.rmSync(bad, { force: true }));

  test('GIVEN an invalid spec WHEN status runs THEN the valid ones are shown, the invalid one with its problems, exit 2', async () => {
    const r = await cli(dir, 'status');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^shop \(gatewayApi, releases\/shop\.yaml\)$/m);
    expect(r.out).toMatch(/^webapp \(gatewayApi, releases\/webapp\.yaml\)$/m);
    expect(r.out).toMatch(/^frontend-backend \(release group, releases\/frontend-backend\.yaml\)$/m);
    expect(r.err).toMatch(/^releases\/broken\.yaml: invalid, \d+ problem\(s\):\n {2}releases\/broken\.yaml:\d+:\d+: /);
    const j = await cli(dir, 'status', '--json');
    expect(j.code).toBe(2);
    const json = JSON.parse(j.out);
    expect(json.releases.map((x: { name: string }) => x.name)).toEqual(['shop', 'webapp']);
    expect(json.invalid).toEqual([{ file: 'releases/broken.yaml', problems: expect.arrayContaining([expect.objectContaining({ path: 'workload.replicaz', message: "unknown field 'replicaz'" })]) }]);
  });

  test('GIVEN another invalid spec WHEN a release or a group moves THEN the refusal says the problem is in that other spec', async () => {
    const before = log(dir);
    const r = await cli(dir, 'step', 'shop');
    expect(r.code).toBe(2);
    // a move reads its own spec, and the specs it is checked with: those sharing its namespaces, and those without dist/ yet (broken)
    expect(r.err.split('\n')[0]).toBe('shop was not moved: another spec, releases/broken.yaml, is invalid, and a move is checked with the releases that share its namespaces or have no dist/ yet (here broken); fix it first (or move it out of releases/):');
    expect(r.err).toMatch(/^releases\/broken\.yaml:\d+:\d+: workload\.replicaz: unknown field 'replicaz'/m);
    const g = await cli(dir, 'next', 'frontend-backend');
    expect(g.code).toBe(2);
    expect(g.err.split('\n')[0]).toBe('frontend-backend was not moved: another spec, releases/broken.yaml, is invalid, and a group move validates the whole project (releases/ as synth reads it); fix it first (or move it out of releases/):');
    expect(g.err).toMatch(/^releases\/broken\.yaml:\d+:\d+: /m);
    expect(log(dir)).toEqual(before);
  });

  test('status of the invalid spec itself fails with its problems', async () => {
    const r = await cli(dir, 'status', 'broken');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('releases/broken.yaml is invalid, so its status cannot be read:');
  });

  test('status of the invalid spec itself with --json prints the documented shape, the spec under invalid (exit 2)', async () => {
    const r = await cli(dir, 'status', 'broken', '--json');
    expect(r.code).toBe(2);
    const out = JSON.parse(r.out);
    expect({ releases: out.releases, groups: out.groups, files: out.invalid.map((x: { file: string }) => x.file) }).toEqual({ releases: [], groups: [], files: ['releases/broken.yaml'] });
    expect(out.invalid[0].problems[0].text).toMatch(/^releases\/broken\.yaml:\d+:\d+: /);
  });
});

describe('status --json: one shape for releases and groups, checked against its JSON Schema', () => {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  const validate = ajv.compile(STATUS_SCHEMA);

  test('GIVEN a release without canary, one with a canary, a soak, and a group at every stage WHEN status --json THEN every output validates', async () => {
    const outputs: unknown[] = [];
    const soak = projectRepo({ copy: fs.readdirSync(path.join(__dirname, '..', 'releases')), fixtures: true, specs: { soaky: specText('soaky', 'steps: [0, {weight: 10, minSoak: 1h}, 100]\ncanary:\n  version: 2.0.0\n  weight: 10\n') } });
    outputs.push(JSON.parse((await cli(soak, 'status', '--json')).out));
    for (let stage = 1; stage <= 6; stage++) {
      const r = await cli(soak, 'status', 'frontend-backend', '--json');
      outputs.push(JSON.parse(r.out));
      if (stage < 6) expect((await cli(soak, 'next', 'frontend-backend')).code).toBe(0);
      if (stage === 3) { // the entry ladder [30] is climbed, then next promotes
        expect(JSON.parse(r.out).groups[0].next).toMatchObject({ move: 'next', command: 'npx cdk8s-canary next frontend-backend' });
      }
    }
    for (const o of outputs) {
      const ok = validate(o);
      if (!ok) throw new Error(JSON.stringify(validate.errors, null, 2));
    }
    const first = outputs[0] as { releases: { name: string; next: unknown; soak: unknown }[]; groups: { next: unknown }[] };
    expect(first.releases.find((r) => r.name === 'webapp')?.next).toEqual({ move: 'start', weight: 0, command: 'npx cdk8s-canary start webapp --version VERSION', description: 'start a canary at 0%' });
    expect(first.releases.find((r) => r.name === 'soaky')).toMatchObject({ next: { move: 'step', weight: 100, command: 'npx cdk8s-canary step soaky' }, soak: { minSeconds: 3600, since: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    const last = outputs[outputs.length - 1] as { groups: { next: unknown }[] };
    expect(last.groups[0].next).toEqual({ move: 'none', command: null, description: expect.stringMatching(/^nothing: group frontend-backend is complete/) });
  });

  test('fails the schema on an output of another shape (the check can fail)', () => {
    expect(validate({ releases: [], groups: [{ name: 'g', next: 'stage 2/6' }], invalid: [] })).toBe(false);
    expect(validate({ releases: [] })).toBe(false);
  });
});
