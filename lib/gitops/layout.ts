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

/** Whether a folder holds the release's production namespace (otherwise it is the canary's). */
export function isProductionFolder(r: GitOpsRelease, f: GitOpsFolder): boolean {
  if (f.verifies !== undefined) return false;
  if ('namespaces' in r.release.model && canaryTrackFolder(r.release.model)?.path === f.path) return false;
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
  return r.folders.filter((o) => o !== f && isProductionFolder(r, o));
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

/** The Argo CD unit of a release or release group. */
export function argoCdUnit(r: GitOpsRelease): ArgoCdUnit {
  const production = r.folders.find((f) => isProductionFolder(r, f)) ?? r.folders[0];
  return { path: r.release.model.name, namespace: production.namespace, folders: r.folders };
}

/** The folder names (below the release folder) a release-level kustomization.yaml lists, sorted. */
export function releaseRootResources(folderPaths: readonly string[], release: string): string[] {
  return [...new Set(folderPaths.map((p) => p.slice(release.length + 1)))].sort();
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
  return `${f.path.replace('/', '-')}${clusterSuffix}`;
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
