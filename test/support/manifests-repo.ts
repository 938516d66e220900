/** Repositories and specs for `workload.type: manifests` tests: the fixtures in test/fixtures/ copied into real git repositories. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readTree } from '../../lib/manifests/files';
import { cli, git, tempRepo } from './cli-repo';
import { runCli } from './cli';
import { validateTree } from './kube-schemas';
import { REPO } from './project';

export const FIXTURES = path.join(REPO, 'test/fixtures');

/** The files of a fixture folder, placed under `dest` (relative path -> content). */
export function fixtureFiles(fixture: string, dest: string): Record<string, string> {
  const dir = path.join(FIXTURES, fixture);
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [`${dest}/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** A release spec of podinfo (the fixture at apps/podinfo) on a router; `extra` lines are appended. */
export function podinfoSpec(router: string, opts: { namespaces?: string; workload?: string; extra?: string; name?: string } = {}): string {
  const name = opts.name ?? 'podinfo';
  return `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: ${name}
namespaces:
${opts.namespaces ?? '  production: podinfo\n  canary: podinfo-canary\n'}workload:
  type: manifests
  path: apps/podinfo
${opts.workload ?? '  canaryReplicas: 1\n  podSecurity:\n    profile: baseline\n'}stable:
  version: 6.1.1
steps: [0, 25, 100]
router:
${router}${opts.extra ?? ''}`;
}

/** A release spec of the catalog app (the fixture at apps/catalog). */
export function catalogSpec(router: string, opts: { namespaces?: string; workload?: string; extra?: string } = {}): string {
  return `# yaml-language-server: $schema=../lib/spec/schema/release.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: catalog
namespaces:
${opts.namespaces ?? '  production: catalog\n'}workload:
  type: manifests
  path: apps/catalog
  service: catalog
  containers: [catalog, migrate]
${opts.workload ?? ''}stable:
  version: 2.0.0
steps: [0, 10, 50, 100]
router:
${router}existingSecrets:
  - name: catalog-db
    keys: [password]
${opts.extra ?? ''}`;
}

export const NGINX_ROUTER = '  type: nginx\n  host: podinfo.example.com\n  header:\n    name: X-Canary\n';
export const ISTIO_ROUTER = '  type: istio\n  gateway:\n    name: podinfo-gateway\n';

/** A git repository holding `files`, synthesized with the compiled CLI and committed. */
export function synthesizedRepo(files: Record<string, string>): ReturnType<typeof tempRepo> {
  const repo = tempRepo(files);
  const r = cli(repo.root, ['synth']);
  if (r.status !== 0) { repo.cleanup(); throw new Error(`synth failed: ${r.stderr}`); }
  git(repo.root, 'add', '-A');
  git(repo.root, 'commit', '-qm', 'synth');
  return repo;
}

/**
 * `synthesizedRepo` for suites about what synth writes rather than the process: the files written,
 * synthesized in-process (`runCli`) and committed in one commit (a Node start-up, a bundle load and a
 * `git add` + `git commit` fewer per repository).
 */
export async function synthesizedRepoInProcess(files: Record<string, string>): Promise<ReturnType<typeof tempRepo>> {
  const repo = tempRepo();
  for (const [rel, c] of Object.entries(files)) repo.write(rel, c);
  const r = await runCli(repo.root, ['synth']);
  if (r.status !== 0) { repo.cleanup(); throw new Error(`synth failed: ${r.stderr}`); }
  git(repo.root, 'add', '-A');
  git(repo.root, 'commit', '-qm', 'synth');
  return repo;
}

/**
 * Runs the CLI in-process (`runCli`: these suites are about what a command writes, not the process)
 * and fails the test (with its output) unless it exits 0.
 */
export async function ok(root: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(root, args);
  if (r.status !== 0) throw new Error(`cdk8s-canary ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** dist/<release>/ as files (relative path -> YAML). */
export function distOf(root: string, release: string): Map<string, string> {
  return readTree(path.join(root, 'dist', release));
}

/** The objects of a dist file map, by `Kind namespace/name`. */
export function objectsOf(files: ReadonlyMap<string, string>): Map<string, any> {
  const out = new Map<string, any>();
  for (const [f, text] of files) {
    if (f.endsWith('kustomization.yaml')) continue;
    for (const d of parseAllDocuments(text, { version: '1.1' }) as any[]) {
      const o = d.toJS();
      out.set(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, o);
    }
  }
  return out;
}

/** Strict schema problems of every object in dist/<release>/, and every folder built with kubectl kustomize. */
export function checkDist(root: string, release: string): { objects: number; problems: string[]; built: number } {
  const dir = path.join(root, 'dist', release);
  const v = validateTree(dir);
  let built = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    execFileSync('kubectl', ['kustomize', path.join(dir, e.name)], { stdio: ['ignore', 'pipe', 'pipe'] });
    built++;
  }
  return { ...v, built };
}

/** The +/- lines a commit changed in a path (diff against its parent), headers excluded. */
export function changedLines(root: string, rev: string, pathspec: string): string[] {
  return git(root, 'diff', '--unified=0', `${rev}~1`, rev, '--', pathspec).split('\n')
    .filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
}

/** Files a commit touched. */
export function touched(root: string, rev = 'HEAD'): string[] {
  return git(root, 'show', '--name-only', '--format=', rev).split('\n').filter(Boolean).sort();
}
