import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BIN, git, GIT_ENV } from './support/cli-repo';
import { REPO } from './support/project';

/**
 * A platform team's first command in its own repository, with cdk8s-canary installed from npm
 * (`npm i cdk8s-canary`): `new` starts the project at the top of a fresh git repository (it used to
 * refuse: "not inside a cdk8s-canary project", as no releases/ existed yet), and the spec's
 * `$schema=` line points at the installed package's schema (`../lib/spec/schema/` exists only in a
 * clone of this repository).
 */

function bin(cwd: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: GIT_ENV });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('new in a fresh repository that installed the package', () => {
  let dir: string;
  beforeEach(() => {
    // GIVEN an empty git repository whose node_modules/ holds cdk8s-canary (its schemas, as npm installs them)
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-project-'));
    git(dir, 'init', '-q', '-b', 'main');
    const schemas = path.join(dir, 'node_modules/cdk8s-canary/lib/spec/schema');
    fs.mkdirSync(schemas, { recursive: true });
    for (const f of fs.readdirSync(path.join(REPO, 'lib/spec/schema'))) fs.copyFileSync(path.join(REPO, 'lib/spec/schema', f), path.join(schemas, f));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN the top of the repository WHEN new THEN it writes releases/NAME.yaml whose $schema resolves, and synth and validate take it', () => {
    const r = bin(dir, 'new', 'shop', '--router', 'nginx');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out.split('\n')[0]).toBe('wrote releases/shop.yaml (router nginx, stable 1.0.0, no canary)');
    const first = fs.readFileSync(path.join(dir, 'releases/shop.yaml'), 'utf8').split('\n')[0];
    expect(first).toBe('# yaml-language-server: $schema=../node_modules/cdk8s-canary/lib/spec/schema/release.schema.json');
    // the editor's path, from the spec's folder, is a file
    expect(fs.existsSync(path.resolve(dir, 'releases', first.replace(/^.*\$schema=/, '')))).toBe(true);
    expect(bin(dir, 'synth').code).toBe(0);
    expect(bin(dir, 'validate')).toMatchObject({ code: 0, err: '' });
  });

  test('fails new in a subfolder of the repository that is no project, naming how to start one, nothing written', () => {
    const sub = path.join(dir, 'apps');
    fs.mkdirSync(sub);
    const r = bin(sub, 'new', 'shop', '--router', 'nginx');
    expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
    expect(r.err).toBe(`error: not inside a cdk8s-canary project: neither ${sub} nor any parent folder holds releases/ or cdk8s-canary.yaml; cd into your project (the folder holding releases/) or pass -C <project folder>; to start a project, run \`npx cdk8s-canary new NAME --router TYPE\` at the top of a git repository\n`);
    expect(fs.readdirSync(sub)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'releases'))).toBe(false);
  });

  test('GIVEN this repository (a clone, its own lib/spec/schema/) WHEN new THEN $schema keeps the relative path to it', () => {
    fs.mkdirSync(path.join(dir, 'lib/spec/schema'), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'lib/spec/schema/release.schema.json'), path.join(dir, 'lib/spec/schema/release.schema.json'));
    expect(bin(dir, 'new', 'shop', '--router', 'nginx').code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'releases/shop.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../lib/spec/schema/release.schema.json');
  });
});
