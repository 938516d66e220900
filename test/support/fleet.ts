/**
 * A fleet fixture: five clusters in cdk8s-canary.yaml (one the hub Argo CD and Flux run in, three
 * remote ones with an Argo CD server and a Flux kubeconfig Secret, and one, prod-ap-1, that pulls
 * from a mirror with its own Argo CD or Flux; labelled by ring and region) and
 * a Gateway API release over them in three waves of 1, 1 and 3 clusters (the "Done when").
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { parse } from 'yaml';
import { webappSpec } from './project';

export const CLUSTERS = ['canary-eu', 'prod-eu-1', 'prod-eu-2', 'prod-us-1', 'prod-ap-1'] as const;
export const WAVES: readonly (readonly string[])[] = [['canary-eu'], ['prod-eu-1'], ['prod-eu-2', 'prod-us-1', 'prod-ap-1']];

/** cdk8s-canary.yaml of the fixture; `mode` sets argocd.mode. */
export function fleetConfig(mode: 'applications' | 'applicationSet' = 'applications'): string {
  return `# yaml-language-server: $schema=lib/spec/schema/project.schema.json
apiVersion: canary.cdk8s.io/v1alpha1
kind: Project
repository:
  url: https://github.com/example/fleet.git
argocd:
  mode: ${mode}
clusters:
  - name: canary-eu
    labels: { ring: canary, region: eu }
  - name: prod-eu-1
    server: https://prod-eu-1.example.com:6443
    kubeConfigSecretRef: { name: prod-eu-1-kubeconfig }
    labels: { ring: prod, region: eu, tier: first }
  - name: prod-eu-2
    server: https://prod-eu-2.example.com:6443
    kubeConfigSecretRef: { name: prod-eu-2-kubeconfig }
    labels: { ring: prod, region: eu }
  - name: prod-us-1
    server: https://prod-us-1.example.com:6443
    kubeConfigSecretRef: { name: prod-us-1-kubeconfig, key: value.yaml }
    labels: { ring: prod, region: us }
  - name: prod-ap-1
    pull: true
    mirrorUrl: https://git.ap.example.internal/fleet.git
    labels: { ring: prod, region: ap }
`;
}

/** The fleet part of the shop spec: waves (1, 1, 3), the last one by label selector. */
export const SHOP_FLEET = `fleet:
  waves:
    - name: canary
      clusters: [canary-eu]
    - name: eu
      clusters: [prod-eu-1]
    - name: rest
      selector:
        matchLabels: { ring: prod }
        matchExpressions:
          - { key: tier, operator: DoesNotExist }
`;

/** A Gateway API release `name` (canary in its own namespace when `canaryNs`), with `fleet` appended. */
export function fleetSpec(name = 'shop', fleet = SHOP_FLEET, opts: { canaryNs?: boolean; extra?: string } = {}): string {
  return webappSpec(name, `${opts.extra ?? ''}${fleet}`, { canaryNamespace: opts.canaryNs ? `${name}-canary` : undefined, replicas: 2, steps: '[0, 10, 50, 100]' });
}

/** Every file under a folder (relative path -> content), `.git` left out. */
export function readFiles(dir: string, under = ''): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  const start = path.join(dir, under);
  if (fs.existsSync(start)) walk(start);
  return out;
}

/** The files of a map under a prefix (`shop/prod-eu-1/`). */
export function under(files: ReadonlyMap<string, string>, prefix: string): Map<string, string> {
  return new Map([...files].filter(([p]) => p.startsWith(prefix)));
}

const built = new Map<string, number>();

/** Every string value of a parsed YAML document (the paths a kustomization lists, wherever they sit). */
function stringsOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsOf);
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsOf);
  return [];
}

/**
 * Whether what `kubectl kustomize` builds from a root's files depends on them only: no kustomization
 * under it names anything outside it (a `..` path, an absolute path, a URL).
 */
function selfContained(files: ReadonlyMap<string, string>): boolean {
  for (const [f, text] of files) {
    if (f !== 'kustomization.yaml' && !f.endsWith('/kustomization.yaml')) continue;
    if (stringsOf(parse(text)).some((x) => x.startsWith('/') || x.split(/[\\/]/).includes('..') || x.includes('://'))) return false;
  }
  return true;
}

/**
 * Builds every kustomize root under `dir` (each folder holding a kustomization.yaml) with the real
 * `kubectl kustomize`; a root whose files were already built with the same content is not built again
 * (at any path when nothing in it names a file outside it: the clusters of a fleet whose folders are
 * the same, say; else at the same path).
 * Returns the number of roots actually built; throws with kubectl's message when one fails.
 */
export function kustomizeAll(dir: string): number {
  let n = 0;
  const roots: string[] = [];
  const walk = (d: string) => {
    if (fs.existsSync(path.join(d, 'kustomization.yaml'))) roots.push(d);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(d, e.name));
  };
  walk(dir);
  for (const root of roots) {
    const files = readFiles(root);
    const key = `${selfContained(files) ? '' : path.relative(dir, root)}\0${JSON.stringify([...files])}`;
    if (built.has(key)) continue;
    const out = execFileSync('kubectl', ['kustomize', root], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const listed = (parse(fs.readFileSync(path.join(root, 'kustomization.yaml'), 'utf8')) as { resources?: string[] }).resources ?? [];
    if (listed.length && !out.trim()) throw new Error(`kubectl kustomize ${root} printed nothing`);
    built.set(key, 1);
    n++;
  }
  return n;
}
