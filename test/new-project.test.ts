import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BIN, git, GIT_ENV } from './support/cli-repo';
import { kustomizeBuild } from './support/gitops-fixtures';
import { REPO } from './support/project';
import { cloneUrlOf, PLACEHOLDER_REPO_URL } from '../lib/spec/project-config';

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
    // the project file new wrote points its editors at the installed schema too
    const project = fs.readFileSync(path.join(dir, 'cdk8s-canary.yaml'), 'utf8').split('\n')[0];
    expect(project).toBe('# yaml-language-server: $schema=node_modules/cdk8s-canary/lib/spec/schema/project.schema.json');
    expect(fs.existsSync(path.resolve(dir, project.replace(/^.*\$schema=/, '')))).toBe(true);
  });

  test('GIVEN a remote origin with credentials in its URL and branch trunk WHEN new THEN it writes cdk8s-canary.yaml naming that repository (credentials dropped) and branch, and the GitOps roots synth builds fetch from it', () => {
    git(dir, 'checkout', '-q', '-b', 'trunk');
    git(dir, 'remote', 'add', 'origin', 'https://ci-bot:s3cr3t@github.com/acme/deploy.git');
    const r = bin(dir, 'new', 'shop', '--router', 'gatewayApi');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out.split('\n').slice(0, 2)).toEqual([
      'wrote releases/shop.yaml (router gatewayApi, stable 1.0.0, no canary)',
      'wrote cdk8s-canary.yaml (repository https://github.com/acme/deploy.git, branch trunk: where Argo CD and Flux fetch dist/ from)',
    ]);
    expect(r.out).toContain('git add releases/shop.yaml cdk8s-canary.yaml dist && git commit -m "shop: first release"');
    const config = fs.readFileSync(path.join(dir, 'cdk8s-canary.yaml'), 'utf8');
    expect(config).not.toContain('s3cr3t');
    expect(bin(dir, 'synth').code).toBe(0);
    const flux = kustomizeBuild(path.join(dir, 'dist/flux'));
    expect(flux.filter((o) => o.kind === 'GitRepository').map((o) => [o.spec.url, o.spec.ref.branch])).toEqual([['https://github.com/acme/deploy.git', 'trunk']]);
    const argo = kustomizeBuild(path.join(dir, 'dist/argocd'));
    const sources = argo.filter((o) => o.kind === 'Application').map((o) => [o.spec.source.repoURL, o.spec.source.targetRevision]);
    expect(sources.length).toBeGreaterThanOrEqual(2); // the release's and the root's
    expect(new Set(sources.map((x) => x.join(' ')))).toEqual(new Set(['https://github.com/acme/deploy.git trunk']));
  });

  test('GIVEN no remote WHEN new THEN cdk8s-canary.yaml holds the placeholder marked CHANGE THIS, and the first next step says to set repository.url', () => {
    const r = bin(dir, 'new', 'shop', '--router', 'nginx');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toBe(`wrote cdk8s-canary.yaml (repository ${PLACEHOLDER_REPO_URL}, branch main: where Argo CD and Flux fetch dist/ from)`);
    expect(r.out.split('\n')[2]).toMatch(/^next: set repository\.url in cdk8s-canary\.yaml to your repository's clone URL \(this repository has no remote 'origin' to take it from\)/);
    expect(fs.readFileSync(path.join(dir, 'cdk8s-canary.yaml'), 'utf8')).toContain(`url: ${PLACEHOLDER_REPO_URL}   # CHANGE THIS`);
  });

  test('GIVEN a new project before its first commit WHEN validate runs before synth THEN it warns that dist/ is not what the specs synthesize (as it does once there is a HEAD), and not after synth', () => {
    expect(bin(dir, 'new', 'shop', '--router', 'nginx').code).toBe(0);
    const before = bin(dir, 'validate');
    expect(before.code).toBe(0);
    expect(before.out).toBe('1 release(s) valid\n');
    expect(before.err).toMatch(/^warning: dist\/ is not what the specs synthesize \(\d+ file\(s\): dist\/argocd\/.*\); run `npx cdk8s-canary synth` and commit dist\/ with the specs\n$/);
    expect(bin(dir, 'synth').code).toBe(0);
    expect(bin(dir, 'validate')).toMatchObject({ code: 0, err: '' });
  });

  test('GIVEN a project that has a spec WHEN new adds a second one THEN cdk8s-canary.yaml is not written (the project\'s settings are its own)', () => {
    expect(bin(dir, 'new', 'shop', '--router', 'nginx').code).toBe(0);
    fs.rmSync(path.join(dir, 'cdk8s-canary.yaml'));
    const r = bin(dir, 'new', 'blog', '--router', 'nginx');
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('cdk8s-canary.yaml');
    expect(fs.existsSync(path.join(dir, 'cdk8s-canary.yaml'))).toBe(false);
  });

  test('fails new with a name whose spec is invalid in a fresh repository, writing nothing: no releases/, no cdk8s-canary.yaml', () => {
    const r = bin(dir, 'new', 'default', '--router', 'nginx');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/namespaces\.production: namespace 'default' is Kubernetes' default namespace/);
    // the fix names the field and the flag that sets it
    expect(r.err).toContain("deploy the release into a namespace of its own: set namespaces.production to another name (`new NAME --namespace NS` writes it; its default is the release's name)");
    expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'node_modules']);
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

describe('the clone URL new takes from a git remote', () => {
  test.each([
    ['https://github.com/acme/deploy.git', 'https://github.com/acme/deploy.git'],
    ['https://ci-bot:token@gitlab.example.com/acme/deploy.git', 'https://gitlab.example.com/acme/deploy.git'],
    ['ssh://git@github.com/acme/deploy.git', 'ssh://git@github.com/acme/deploy.git'],
    ['ssh://git:pw@github.com:22/acme/deploy.git', 'ssh://git@github.com:22/acme/deploy.git'],
    ['git@github.com:acme/deploy.git', 'ssh://git@github.com/acme/deploy.git'],
  ])('GIVEN remote %s THEN Argo CD and Flux get %s', (remote, url) => {
    expect(cloneUrlOf(remote)).toBe(url);
  });

  test.each([['/srv/git/deploy.git'], ['file:///srv/git/deploy.git'], ['../deploy']])('GIVEN remote %s (no URL a cluster can fetch) THEN none: new writes the placeholder', (remote) => {
    expect(cloneUrlOf(remote)).toBeUndefined();
  });
});
