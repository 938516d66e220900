import { ManifestObject } from './layout';

/** Argo CD applies lower waves first and waits for them to be healthy before the next wave. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** Argo CD hooks (PreSync, PostSync...) have their own ordering: left untouched. */
export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';

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
  /** Workloads, Services, ConfigMaps: Argo CD's default, left unannotated. */
  app: 0,
  /** What routes rely on: DestinationRules (subsets), Gateways, ReferenceGrants. */
  trafficPolicy: 1,
  /** User traffic last, after the Services and subsets it references: VirtualService, HTTPRoute, Ingress, Route. */
  route: 2,
} as const;

const PREREQUISITE_KINDS = new Set(['NetworkPolicy', 'ImageStream']);
const DATA_STORE_KINDS = new Set(['StatefulSet', 'Deployment', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'ServiceAccount', 'PodDisruptionBudget']);
const TRAFFIC_POLICY_KINDS = new Set(['DestinationRule', 'Gateway', 'ReferenceGrant']);
const ROUTE_KINDS = new Set(['VirtualService', 'HTTPRoute', 'GRPCRoute', 'Ingress', 'Route']);

/** Whether an object is part of a Redis data store, by name. */
export function isRedisObject(kind: string, name: string): boolean {
  return DATA_STORE_KINDS.has(kind) && (name === 'redis' || name.startsWith('redis-'));
}

/**
 * The sync wave of an object. Depends on kind and name only, never on versions or weights, so a
 * rollout step changes nothing but its weight lines.
 */
export function syncWaveOf(o: { readonly kind: string; readonly metadata: { readonly name: string } }): number {
  if (o.kind === 'Namespace') return WAVES.namespace;
  if (PREREQUISITE_KINDS.has(o.kind) || isRedisObject(o.kind, o.metadata.name)) return WAVES.prerequisite;
  if (TRAFFIC_POLICY_KINDS.has(o.kind)) return WAVES.trafficPolicy;
  if (ROUTE_KINDS.has(o.kind)) return WAVES.route;
  return WAVES.app;
}

/** An object with its sync-wave annotation (unchanged in wave 0, or when it already has a wave or is a hook). */
export function withSyncWave<O extends ManifestObject>(o: O): O {
  const annotations = o.metadata.annotations ?? {};
  if (SYNC_WAVE_ANNOTATION in annotations || HOOK_ANNOTATION in annotations) return o;
  const wave = syncWaveOf(o);
  if (wave === WAVES.app) return o;
  return { ...o, metadata: sortKeys({ ...o.metadata, annotations: sortKeys({ ...annotations, [SYNC_WAVE_ANNOTATION]: String(wave) }) }) };
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
