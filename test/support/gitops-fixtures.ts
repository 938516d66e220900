/** Temporary projects (real files, real git, real kustomize) for the GitOps wiring tests. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { projectPaths, ProjectPaths, synthProject } from '../../lib/synth/project';
import { readTree } from '../../lib/manifests/files';

export interface ReleaseOptions {
  readonly production: string;
  /** @default - the production namespace */
  readonly canary?: string;
  /** @default - true */
  readonly createNamespaces?: boolean;
  /** Canary weight; no canary when undefined. */
  readonly canaryWeight?: number;
}

/** A valid release spec (generic web app behind the Gateway API router). */
export function releaseYaml(name: string, o: ReleaseOptions): string {
  return [
    '# yaml-language-server: $schema=../lib/spec/schema/release.schema.json',
    'apiVersion: canary.cdk8s.io/v1alpha1',
    'kind: Release',
    `name: ${name}`,
    'namespaces:',
    `  production: ${o.production}`,
    ...(o.canary ? [`  canary: ${o.canary}`] : []),
    ...(o.createNamespaces === false ? ['createNamespaces: false'] : []),
    'workload:',
    '  type: webapp',
    `  image: ghcr.io/example/${name}`,
    'stable:',
    '  version: v0',
    ...(o.canaryWeight !== undefined ? ['canary:', '  version: v1', `  weight: ${o.canaryWeight}`] : []),
    'steps: [0, 25, 100]',
    'router:',
    '  type: gatewayApi',
    '  parentRefs:',
    '    - name: public',
    '      namespace: gateway-system',
    '  hostnames:',
    `    - ${name}.example.com`,
    '',
  ].join('\n');
}

/** A project in a fresh temporary folder: `releases/<name>.yaml` per release, and an optional config. */
export function tempProject(releases: Record<string, string>, config?: string): ProjectPaths {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-gitops-'));
  fs.mkdirSync(path.join(root, 'releases'));
  for (const [name, text] of Object.entries(releases)) fs.writeFileSync(path.join(root, 'releases', `${name}.yaml`), text);
  if (config !== undefined) fs.writeFileSync(path.join(root, 'cdk8s-canary.yaml'), config);
  return projectPaths(root);
}

/** Synthesizes a project and commits it to a new git repository (what Argo CD and Flux clone). */
export function synthAndCommit(paths: ProjectPaths): string {
  synthProject(paths);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: paths.root, encoding: 'utf8' }).trim();
  if (!fs.existsSync(path.join(paths.root, '.git'))) {
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'synth', '--allow-empty');
  return git('rev-parse', 'HEAD');
}

/** Directories at a path in a commit of a repository (`git ls-tree`): what a clone at that commit holds. */
export function dirsInCommit(repo: string, commit: string, dir: string): string[] {
  const out = execFileSync('git', ['ls-tree', '-d', '--name-only', `${commit}:${dir}`], { cwd: repo, encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** Whether a directory with a kustomization.yaml exists at a path in a commit. */
export function kustomizeRootInCommit(repo: string, commit: string, dir: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}:${dir}/kustomization.yaml`], { cwd: repo, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `kubectl kustomize DIR` (real kustomize): the built objects. Throws with kustomize's message. */
export function kustomizeBuild(dir: string): any[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split(/^---$/m).map((d) => parse(d)).filter(Boolean);
}

/** The objects of every YAML file in a dist subfolder (kustomization.yaml aside), parsed. */
export function objectsIn(dist: string, dir: string): any[] {
  return [...readTree(path.join(dist, dir))].filter(([p]) => p.endsWith('.yaml') && path.basename(p) !== 'kustomization.yaml').map(([, c]) => parse(c));
}

export function removeProject(paths: ProjectPaths): void {
  fs.rmSync(paths.root, { recursive: true, force: true });
}

/** Two releases: a guestbook-like one across two namespaces, and one in a single namespace. */
export const TWO_RELEASES: Readonly<Record<string, string>> = {
  guestbook: releaseYaml('guestbook', { production: 'ns-prod', canary: 'ns-canary', canaryWeight: 25 }),
  webapp: releaseYaml('webapp', { production: 'webapp' }),
};

/** A project synthesized and committed, with the objects of one of its GitOps folders. */
export interface CommittedProject { readonly p: ProjectPaths; readonly commit: string; readonly objs: any[] }

/**
 * The temporary projects of one describe block, removed after it (this registers the `afterAll`):
 * `project` makes one (`tempProject`); `committed` makes one, synthesizes and commits it
 * (`synthAndCommit`) and reads the objects of its GitOps folder `folder` (`argocd`, `flux`).
 */
export function blockProjects(): {
  project(releases: Record<string, string>, config?: string): ProjectPaths;
  committed(releases: Record<string, string>, config: string | undefined, folder: string): CommittedProject;
} {
  const made: ProjectPaths[] = [];
  afterAll(() => made.forEach(removeProject));
  const project = (releases: Record<string, string>, config?: string) => {
    const p = tempProject(releases, config);
    made.push(p);
    return p;
  };
  const committed = (releases: Record<string, string>, config: string | undefined, folder: string) => {
    const p = project(releases, config);
    const commit = synthAndCommit(p);
    return { p, commit, objs: objectsIn(p.distDir, folder) };
  };
  return { project, committed };
}
