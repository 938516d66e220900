import * as fs from 'fs';
import * as path from 'path';
import { SpecError, SpecProblem } from '../spec/errors';
import { LoadedGroup, LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { ClusterModel, configProblem, IN_CLUSTER_SERVER, ProjectConfigModel } from '../spec/project-config';

/** A Kubernetes object as JSON, as cdk8s renders it. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** One folder of dist/ (one release, one namespace): what Argo CD and Flux each sync as one unit. */
export interface GitOpsFolder {
  /** Path relative to the dist root: `<release>/<namespace>`. */
  readonly path: string;
  readonly namespace: string;
  /**
   * Set on a folder of smoke checks (`<release>/<canary namespace>-checks`): the path of the folder it
   * verifies. Flux applies it after that folder is Ready and waits for its Job; Argo CD syncs it as a
   * second source of that folder's Application, so its PostSync hook runs once that folder is healthy.
   * @default - an ordinary folder
   */
  readonly verifies?: string;
  /**
   * Paths of the release's folders that must be synced (and healthy) first.
   * @default - a canary folder waits for its release's production folder
   */
  readonly dependsOn?: readonly string[];
  /**
   * The cluster of a fleet release's folder (`<release>/<cluster>/<folder>`): only that cluster gets
   * it, through its own Application or Kustomization. @default - every cluster of cdk8s-canary.yaml
   */
  readonly cluster?: string;
}

/**
 * A release (or a release group, whose folders are its apps' projects) and its folders. Folders are
 * stable across rollout states (production and canary always exist; a group has one per project).
 */
export interface GitOpsRelease {
  readonly release: LoadedRelease | LoadedGroup;
  readonly folders: readonly GitOpsFolder[];
}

/** What project-level generators get: the settings and every release's folders. */
export interface ProjectInput {
  readonly config: ProjectConfigModel;
  readonly releases: readonly GitOpsRelease[];
  /**
   * Set for the roots of a pull cluster (`pull: true` in cdk8s-canary.yaml): its name. The generators
   * then write `<root>/<cluster>/` (e.g. `argocd/edge-7/`), synced by that cluster's own Argo CD or
   * Flux; `config.clusters` holds only that cluster, as the one they run in. @default - the hub's roots
   */
  readonly pullCluster?: string;
}

/** The dist-relative folder of a generator's root: `argocd`, or `argocd/<cluster>` for a pull cluster's. */
export function rootPath(base: string, input: Pick<ProjectInput, 'pullCluster'>): string {
  return input.pullCluster === undefined ? base : `${base}/${input.pullCluster}`;
}

/**
 * The inputs of the project-level generators: the hub's (every cluster but the pull ones; the
 * fleet folders of pull clusters left out) and one per pull cluster (that cluster alone, in-cluster,
 * reading its mirror when it has one; the folders every cluster gets plus its own fleet folders).
 */
export function generatorInputs(input: ProjectInput): ProjectInput[] {
  const { config } = input;
  const pulls = config.clusters.filter((c) => c.pull);
  if (!pulls.length) return [input];
  const keep = (clusters: readonly string[]) => input.releases.map((r) => ({ ...r, folders: r.folders.filter((f) => f.cluster === undefined || clusters.includes(f.cluster)) })).filter((r) => r.folders.length);
  const hubClusters = config.clusters.filter((c) => !c.pull);
  const out: ProjectInput[] = hubClusters.length ? [{ config: { ...config, clusters: hubClusters }, releases: keep(hubClusters.map((c) => c.name)) }] : [];
  for (const c of pulls) {
    out.push({
      config: {
        ...config,
        repository: { ...config.repository, url: c.mirrorUrl ?? config.repository.url },
        clusters: [{ name: c.name, server: IN_CLUSTER_SERVER, labels: c.labels, pull: true }],
      },
      releases: keep([c.name]),
      pullCluster: c.name,
    });
  }
  return out;
}

/** A kustomize root of project-level objects beside the release folders (e.g. `argocd`). */
export interface ProjectRoot {
  /** Path relative to the dist root. */
  readonly path: string;
  readonly objects: readonly ManifestObject[];
}

/**
 * Produces project-level kustomize roots from all releases (Argo CD, Flux). Must depend only on what
 * stays the same across rollout states (names, namespaces, folders), never on versions or weights,
 * so a rollout move does not need to touch these roots.
 */
export type ProjectGenerator = (input: ProjectInput) => ProjectRoot[];

/** Folder names under dist/ that hold project-level roots; no release may take them. */
export const GITOPS_ROOTS: readonly string[] = ['argocd', 'flux'];

/**
 * The files of the GitOps roots of a dist folder on disk (`argocd/...`, `flux/...`, pull clusters'
 * subfolders included), dist-relative and `/`-separated; [] for a root that does not exist.
 */
export function gitopsFilesOnDisk(distDir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(path.join(distDir, rel), { withFileTypes: true }); } catch { return; }
    for (const e of entries) if (e.isDirectory()) walk(`${rel}/${e.name}`); else out.push(`${rel}/${e.name}`);
  };
  for (const r of GITOPS_ROOTS) walk(r);
  return out;
}

/** Labels on every object this project generates (same keys as the workloads'). */
export function gitopsLabels(release?: string, cluster?: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'cdk8s-canary',
    ...(release ? { 'app.kubernetes.io/part-of': release } : {}),
    ...(cluster ? { 'canary.cdk8s.io/cluster': cluster } : {}),
  };
}

/**
 * The folder of a release's canary track when its canary runs in the production namespace (Istio,
 * Gateway API or a Route in one namespace): `<release>/<namespace>-canary`, holding the canary's
 * workload and Service (empty without a canary, so the set of folders, and the wiring, never change
 * with a move). Flux applies it after the production folder is Ready, so its garbage collection (which
 * runs right after an apply, before the health checks) deletes an aborted or promoted canary only once
 * production has moved its routes and rolled; Argo CD syncs it in the release's one Application, where
 * waves order it. Undefined when the canary has its own namespace (that folder already comes second).
 */
export function canaryTrackFolder(m: Pick<ReleaseModel, 'name' | 'namespaces'>): GitOpsFolder | undefined {
  const ns = m.namespaces.production;
  if (m.namespaces.canary !== ns) return undefined;
  return { path: `${m.name}/${ns}-canary`, namespace: ns, dependsOn: [`${m.name}/${ns}`] };
}

/**
 * Fleet layout (a release with `fleet:`, lib/spec/fleet.ts): each cluster of the fleet gets the
 * release's folders under its own name, `<release>/<cluster>/<folder>`, with a kustomize root
 * `<release>/<cluster>/kustomization.yaml` listing them (what that cluster's Argo CD Application
 * syncs). A release without a fleet keeps `<release>/<folder>`, deployed to every cluster.
 */
export function fleetPath(localPath: string, cluster: string): string {
  const i = localPath.indexOf('/');
  return i < 0 ? `${localPath}/${cluster}` : `${localPath.slice(0, i)}/${cluster}/${localPath.slice(i + 1)}`;
}

/** A folder's path as it would be without a fleet (`<release>/<folder>`): the cluster segment removed. */
export function localPath(f: Pick<GitOpsFolder, 'path' | 'cluster'>): string {
  if (f.cluster === undefined) return f.path;
  const [release, , ...rest] = f.path.split('/');
  return [release, ...rest].join('/');
}

/** A release's folders placed on one cluster of its fleet (paths, `verifies` and `dependsOn` alike). */
export function onCluster(folders: readonly GitOpsFolder[], cluster: string): GitOpsFolder[] {
  return folders.map((f) => ({
    ...f,
    path: fleetPath(f.path, cluster),
    ...(f.verifies !== undefined ? { verifies: fleetPath(f.verifies, cluster) } : {}),
    ...(f.dependsOn ? { dependsOn: f.dependsOn.map((d) => fleetPath(d, cluster)) } : {}),
    cluster,
  }));
}

/**
 * The cluster a dist-relative file is deployed to: `<cluster>` of a fleet release's
 * `<release>/<cluster>/<folder>/<file>`; undefined for `<release>/<folder>/<file>` (every cluster),
 * for the release and cluster kustomize roots, and for the wiring roots.
 */
export function clusterOfFile(file: string): string | undefined {
  const seg = file.split('/');
  return seg.length >= 4 && !GITOPS_ROOTS.includes(seg[0]) ? seg[1] : undefined;
}

/**
 * Objects grouped by the cluster that holds them, for checks that look across objects (lint,
 * Namespace removals): without fleet folders, one group of everything (as before fleets existed);
 * with them, one group per cluster (the objects every cluster gets, plus that cluster's own) and one
 * of the shared objects alone (a cluster that runs no fleet release).
 */
export function clusterScopes<T extends { readonly file: string }>(objects: readonly T[]): { readonly cluster?: string; readonly objects: readonly T[] }[] {
  const shared: T[] = [];
  const own = new Map<string, T[]>();
  for (const o of objects) {
    const c = clusterOfFile(o.file);
    if (c === undefined) { shared.push(o); continue; }
    const list = own.get(c) ?? [];
    list.push(o);
    own.set(c, list);
  }
  if (!own.size) return [{ objects }];
  return [...[...own].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cluster, xs]) => ({ cluster, objects: [...shared, ...xs] })), ...(shared.length ? [{ objects: shared }] : [])];
}

/** Whether a folder holds the release's production namespace (otherwise it is the canary's). */
export function isProductionFolder(r: GitOpsRelease, f: GitOpsFolder): boolean {
  if (f.verifies !== undefined) return false;
  if ('namespaces' in r.release.model && canaryTrackFolder(r.release.model)?.path === localPath(f)) return false;
  const m = r.release.model;
  return 'namespaces' in m ? f.namespace === m.namespaces.production : true;
}

/**
 * Folders that must be synced (and healthy) before this one: a canary folder needs its release's
 * production folder first, where shared dependencies such as the guestbook's Redis live; a checks
 * folder needs the folder it verifies.
 */
export function folderDependencies(r: GitOpsRelease, f: GitOpsFolder): GitOpsFolder[] {
  if (f.verifies !== undefined) return r.folders.filter((o) => o.path === f.verifies);
  if (f.dependsOn) return r.folders.filter((o) => o !== f && (f.dependsOn as readonly string[]).includes(o.path));
  if (isProductionFolder(r, f)) return [];
  return r.folders.filter((o) => o !== f && o.cluster === f.cluster && isProductionFolder(r, o));
}

/** Position of a folder in its release's sync order: 0 for folders that need none, then 1, 2... */
export function folderOrder(r: GitOpsRelease, f: GitOpsFolder, seen: ReadonlySet<string> = new Set()): number {
  if (seen.has(f.path)) throw new Error(`internal: folders of release ${r.release.model.name} depend on each other in a cycle (${[...seen, f.path].join(' -> ')})`);
  const deps = folderDependencies(r, f);
  return deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => folderOrder(r, d, new Set([...seen, f.path]))));
}

/**
 * What Argo CD syncs as one Application: a whole release (or release group), every folder of it,
 * through the kustomize root `dist/<release>/kustomization.yaml` that lists them. One Application
 * per release, because Argo CD orders a sync by waves only inside one Application: Applications sync
 * on their own schedule, and sync waves on child Applications do not order how they sync a new
 * commit (the root Application's waves order only its own first sync of them). Inside the one
 * Application the objects' waves order every folder together (lib/gitops/sync-waves.ts), so a
 * production route moves before the canary namespace's objects are pruned.
 */
export interface ArgoCdUnit {
  /** Path relative to the dist root: the release name. */
  readonly path: string;
  /** The Application's destination namespace: the production folder's (objects carry their own namespaces). */
  readonly namespace: string;
  /** The folders the unit syncs, in the release's order. */
  readonly folders: readonly GitOpsFolder[];
}

/** The Argo CD unit of a release or release group (without a fleet). */
export function argoCdUnit(r: GitOpsRelease): ArgoCdUnit {
  const production = r.folders.find((f) => isProductionFolder(r, f)) ?? r.folders[0];
  return { path: r.release.model.name, namespace: production.namespace, folders: r.folders };
}

/**
 * The Argo CD units of a release: one (`<release>`) without a fleet, deployed to every cluster; with a
 * fleet, one per cluster (`<release>/<cluster>`), deployed to that cluster only.
 */
export function argoCdUnits(r: GitOpsRelease): (ArgoCdUnit & { readonly cluster?: string })[] {
  const clusters = [...new Set(r.folders.map((f) => f.cluster))];
  if (clusters.length === 1 && clusters[0] === undefined) return [argoCdUnit(r)];
  return clusters.map((cluster) => {
    const folders = r.folders.filter((f) => f.cluster === cluster);
    const production = folders.find((f) => isProductionFolder(r, f)) ?? folders[0];
    return { path: `${r.release.model.name}/${cluster}`, namespace: production.namespace, folders, cluster: cluster! };
  });
}

/** The folder names (below `root`, the release or `<release>/<cluster>` folder) a kustomize root there lists, sorted. */
export function releaseRootResources(folderPaths: readonly string[], root: string): string[] {
  return [...new Set(folderPaths.map((p) => p.slice(root.length + 1)))].sort();
}

/** Path of a dist folder inside the git repository, e.g. `dist/guestbook/ns-prod`. */
export function repoPath(config: ProjectConfigModel, distRelative: string): string {
  return path.posix.join(config.repository.path, distRelative);
}

/**
 * Name of a folder's Application or Kustomization: `<release>-<namespace>`, with `-<cluster>` for a
 * remote cluster, so adding a remote cluster never renames (and re-creates) the local objects.
 */
export function folderObjectName(f: GitOpsFolder, clusterSuffix: string): string {
  return `${localPath(f).replace('/', '-')}${clusterSuffix}`;
}

/** Argo CD: a remote cluster is any but the one Argo CD runs in. */
export function argoCdSuffix(config: ProjectConfigModel, c: ClusterModel): string {
  return c.server === IN_CLUSTER_SERVER || config.clusters.length === 1 ? '' : `-${c.name}`;
}

/** Flux: a remote cluster is one reached through a kubeconfig Secret. */
export function fluxSuffix(config: ProjectConfigModel, c: ClusterModel): string {
  return !c.kubeConfigSecretRef || config.clusters.length === 1 ? '' : `-${c.name}`;
}

/** Who asked for an object name, to position a collision. */
export type NameOwner = { readonly release: LoadedRelease | LoadedGroup } | { readonly config: ProjectConfigModel; readonly at: readonly (string | number)[] };

/** A generated object's name, who asked for it, and how to describe it in a message. */
export interface NamedObject {
  readonly name: string;
  readonly owner: NameOwner;
  readonly what: string;
}

/**
 * Fails with positioned problems when two generated objects of one kind get the same name
 * (release `a-b` namespace `c` and release `a` namespace `b-c` both give `a-b-c`).
 */
export function assertUniqueNames(kind: string, names: readonly NamedObject[]): void {
  const first = new Map<string, NamedObject>();
  const problems: SpecProblem[] = [];
  for (const n of names) {
    const other = first.get(n.name);
    if (!other) { first.set(n.name, n); continue; }
    const message = `${kind} name '${n.name}' of ${n.what} is also the name of ${other.what}`;
    problems.push('release' in n.owner
      ? n.owner.release.source.problem(['name'], message, 'rename the release or one of its namespaces so the two names differ', n.owner.release.model.name)
      : configProblem(n.owner.config, n.owner.at, message, 'choose another name here or rename the release', n.name));
  }
  if (problems.length) throw new SpecError(problems);
}
