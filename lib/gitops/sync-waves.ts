import { ManifestObject } from './layout';

/** Argo CD applies lower waves first and waits for them to be healthy before the next wave. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** Argo CD hooks (PreSync, PostSync...) have their own ordering: left untouched. */
export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
/** Argo CD's per-resource sync options (`PruneLast=true`, `Prune=false`; argo-cd docs/user-guide/sync-options.md). */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
/** Flux: `disabled` keeps an object when it leaves the source (kustomize-controller docs, "Garbage collection"). */
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
/** The track label of this project's pods and selectors. */
const TRACK_LABEL = 'canary.cdk8s.io/track';

/**
 * The waves inside one dist folder, for objects that do not set their own (the Istio router sets
 * -2/-1 on its objects: routes before pods; kept as they are). Argo CD's default wave is 0 and,
 * inside a wave, it already orders by kind (Namespace, NetworkPolicy, ConfigMap, Service before
 * Deployment...); waves add "wait until healthy" between the steps that need it. Creation and updates
 * go up the waves; with the Applications' `PruneLast=true`, removed objects (an aborted canary) go
 * only after the routes no longer send them traffic.
 */
export const WAVES = {
  /** Namespaces before anything that lives in them, including objects with their own negative waves. */
  namespace: -3,
  /** What the apps need running first: Redis (named `redis` or `redis-*`), NetworkPolicies, ImageStreams. */
  prerequisite: -1,
  /** Stable workloads, Services, ConfigMaps: Argo CD's default, left unannotated. */
  app: 0,
  /**
   * The canary track's workloads and Services: after the stable ones are healthy (a promote has rolled
   * production to the new version before anything else moves). Being the lowest wave a route could be
   * pruned in, a canary Ingress removed together with its canary is deleted here (prune waves are
   * mirrored), i.e. after production rolled and before its canary Service goes (PruneLast).
   */
  canary: 1,
  /** What routes rely on: DestinationRules (subsets), Gateways, ReferenceGrants. */
  trafficPolicy: 2,
  /** User traffic last, after the Services and subsets it references: VirtualService, HTTPRoute, Ingress, Route. */
  route: 3,
} as const;

const PREREQUISITE_KINDS = new Set(['NetworkPolicy', 'ImageStream']);
const DATA_STORE_KINDS = new Set(['StatefulSet', 'Deployment', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'ServiceAccount', 'PodDisruptionBudget']);
const TRAFFIC_POLICY_KINDS = new Set(['DestinationRule', 'Gateway', 'ReferenceGrant']);
const ROUTE_KINDS = new Set(['VirtualService', 'HTTPRoute', 'GRPCRoute', 'Ingress', 'Route']);

/** Whether a kind carries user traffic to Services (VirtualService, HTTPRoute, GRPCRoute, Ingress, Route). */
export function isRouteKind(kind: string): boolean {
  return ROUTE_KINDS.has(kind);
}

/** Whether an object is part of a Redis data store, by name. */
export function isRedisObject(kind: string, name: string): boolean {
  return DATA_STORE_KINDS.has(kind) && (name === 'redis' || name.startsWith('redis-'));
}

/**
 * The sync wave of an object. Depends on kind and name only, never on versions or weights, so a
 * rollout step changes nothing but its weight lines.
 */
export function syncWaveOf(o: { readonly kind: string; readonly metadata: { readonly name: string; readonly labels?: Record<string, string> }; readonly [k: string]: unknown }): number {
  if (o.kind === 'Namespace') return WAVES.namespace;
  if (PREREQUISITE_KINDS.has(o.kind) || isRedisObject(o.kind, o.metadata.name)) return WAVES.prerequisite;
  if (TRAFFIC_POLICY_KINDS.has(o.kind)) return WAVES.trafficPolicy;
  if (ROUTE_KINDS.has(o.kind)) return WAVES.route;
  if (isCanaryTrack(o)) return WAVES.canary;
  return WAVES.app;
}

/**
 * Whether an object belongs to the canary track: its labels, its Service selector or its pod
 * template carry `canary.cdk8s.io/track: canary`. Depends on the object's name and role only (an
 * object never changes track), so waves stay constant across moves.
 */
export function isCanaryTrack(o: { readonly metadata: { readonly labels?: Record<string, string> }; readonly [k: string]: unknown }): boolean {
  const spec = o.spec as { selector?: Record<string, unknown>; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
  return o.metadata.labels?.[TRACK_LABEL] === 'canary' || spec?.selector?.[TRACK_LABEL] === 'canary' || spec?.template?.metadata?.labels?.[TRACK_LABEL] === 'canary';
}

/**
 * The per-resource sync options of an object, or undefined:
 * - canary-track objects and ReferenceGrants: `PruneLast=true`, so Argo CD deletes them after every
 *   wave is synced and healthy, i.e. after the routes stopped sending them traffic (gitops-engine moves
 *   such prunes to one wave after the last; argo-cd PR #5199). Routes are not PruneLast: removing a
 *   canary route is the traffic change itself, and must come before its backends go.
 * - Namespaces: `Prune=false,Delete=false`: a Namespace removed from git is left in the cluster, and
 *   so is one whose Application is deleted (deleting it would delete everything in it, whoever
 *   deployed it). `Prune=false` alone does not keep an object when its Application is deleted with
 *   the resources finalizer; `Delete=false` does (argo-cd docs user-guide/sync-options.md, "No
 *   Resource Deletion"). Flux's `prune: disabled` covers both cases.
 */
/** What a Namespace's sync options say: never pruned, never deleted with its Application. */
export const NAMESPACE_SYNC_OPTIONS = 'Prune=false,Delete=false';

export function syncOptionsOf(o: { readonly kind: string; readonly metadata: { readonly labels?: Record<string, string> }; readonly [k: string]: unknown }): string | undefined {
  if (o.kind === 'Namespace') return NAMESPACE_SYNC_OPTIONS;
  if (o.kind === 'ReferenceGrant' || (isCanaryTrack(o) && !ROUTE_KINDS.has(o.kind))) return 'PruneLast=true';
  return undefined;
}

/**
 * A Namespace protected from both engines' garbage collection: Argo CD `Prune=false,Delete=false`,
 * Flux `kustomize.toolkit.fluxcd.io/prune: disabled`. Other objects are returned as they are.
 */
export function withPruneProtection<O extends ManifestObject>(o: O): O {
  if (o.kind !== 'Namespace') return o;
  const annotations = { ...(o.metadata.annotations ?? {}), [SYNC_OPTIONS_ANNOTATION]: NAMESPACE_SYNC_OPTIONS, [FLUX_PRUNE_ANNOTATION]: 'disabled' };
  return { ...o, metadata: sortKeys({ ...o.metadata, annotations: sortKeys(annotations) }) };
}

/**
 * An object with its sync-wave annotation (none in wave 0, or when it already has a wave or is a
 * hook) and its per-resource sync options (syncOptionsOf; kept when it already has some).
 */
export function withSyncWave<O extends ManifestObject>(o: O): O {
  const annotations = o.metadata.annotations ?? {};
  if (HOOK_ANNOTATION in annotations) return o;
  const add: Record<string, string> = {};
  if (!(SYNC_WAVE_ANNOTATION in annotations)) {
    const wave = syncWaveOf(o);
    if (wave !== WAVES.app) add[SYNC_WAVE_ANNOTATION] = String(wave);
  }
  const opts = syncOptionsOf(o);
  if (opts && !(SYNC_OPTIONS_ANNOTATION in annotations)) add[SYNC_OPTIONS_ANNOTATION] = opts;
  if (o.kind === 'Namespace') add[FLUX_PRUNE_ANNOTATION] = 'disabled';
  if (!Object.keys(add).length) return o;
  return { ...o, metadata: sortKeys({ ...o.metadata, annotations: sortKeys({ ...annotations, ...add }) }) };
}

/**
 * The FolderTransform that orders a folder's sync: pure, the same folder with annotated objects.
 * Flux ignores the annotation (it orders folders with dependsOn instead).
 */
export function withSyncWaves<O extends ManifestObject, F extends { readonly objects: readonly O[] }>(folder: F): F {
  return { ...folder, objects: folder.objects.map((o) => withSyncWave(o)) };
}

/** cdk8s renders keys sorted; keep it so. */
function sortKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}
