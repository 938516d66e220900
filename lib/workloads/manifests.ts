/**
 * A `workload.type: manifests` release as objects: the folder's objects emitted as given (the stable
 * version's image and the tool's labels applied), and the canary derived from the named Deployment.
 * See the README, "Bring your own workload", for what happens to each companion object.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { WORKLOAD_SOURCE_LABEL } from '../manifests/pod-security';
import { at, isRecord, listAt, mapAt, matchesLabelSelector } from '../manifests/objects';
import { ManifestsModel, ReleaseModel, SourceObject } from '../spec/model';
import { MANAGED_BY, Track, TRACK_LABEL } from './labels';
import { repositoryOf, VERSION_LABEL } from './manifests-source';
import type { WorkloadContext } from './registry';


/** A folder object being rewritten (a fresh copy: its fields may be replaced). */
export type Obj = { -readonly [K in keyof SourceObject]: SourceObject[K] } & Record<string, unknown>;

/**
 * Adds a manifests workload's objects for the release's current state:
 *
 * - every object of the folder once, in the production namespace, with the tool's labels
 *   (`app.kubernetes.io/managed-by`, `app.kubernetes.io/part-of`); the named Deployment is the stable
 *   track: track label in its selector and pod labels, `version` label, the stable image on the named
 *   containers; for per-track routers the fronting Service selects the stable track only;
 *   a PodDisruptionBudget that would also count canary pods is narrowed to the stable track;
 * - while a canary runs: the Deployment's copy `<deployment>-canary` (track canary, canary image, a
 *   fixed replica count or no `replicas` under its own HPA), the canary Service (per-track routers),
 *   the canary HPA (canaryAutoscaling), and, when the canary has its own namespace, copies there of
 *   the ConfigMaps and ServiceAccount its pods use (never Secrets: those exist in both namespaces).
 */
export function addManifestsWorkload(ctx: WorkloadContext): void {
  const m = ctx.release;
  for (const x of manifestsObjects(m, ctx.serviceLayout ?? 'per-track')) emit(ctx.chartFor(x.obj.metadata.namespace as string), x.obj);
}

/** What a manifests workload needs of a release (or of an app of a release group at a stage). */
export type ManifestsRelease = Pick<ReleaseModel, 'name' | 'namespaces' | 'stable' | 'canary' | 'canaryTrack'> & { readonly workload: Pick<ReleaseModel['workload'], 'manifests'> };

/** One object of a manifests workload and its part: the stable objects (emitted once) or the canary's. */
export interface ManifestsObject {
  readonly obj: Obj;
  readonly track: Track;
}

/** The objects of a manifests workload in a state (see addManifestsWorkload), each in its namespace. Pure. */
export function manifestsObjects(m: ManifestsRelease, serviceLayout: 'per-track' | 'shared'): ManifestsObject[] {
  const mf = m.workload.manifests;
  if (!mf) throw new Error(`internal: release ${m.name} brings its own manifests but its folder was not read (load it with the project checks)`);
  const perTrack = serviceLayout === 'per-track';
  const out: ManifestsObject[] = [];
  const deployment = mf.objects.find((o) => isDeployment(o) && o.metadata.name === mf.deployment) as Obj;
  const service = mf.objects.find((o) => isService(o) && o.metadata.name === mf.service) as Obj;
  const canaryPodLabels = trackPodLabels(deployment, m, 'canary');
  for (const o of mf.objects) {
    let obj: Obj;
    if (o === deployment) obj = trackDeployment(m, mf, deployment, 'stable');
    else if (o === service) obj = perTrack ? trackService(m, service, 'stable') : placed(m, o, m.namespaces.production);
    else if (o.kind === 'PodDisruptionBudget' && m.canaryTrack.namespace === m.namespaces.production && matchesLabelSelector(at(o, 'spec', 'selector'), canaryPodLabels)) {
      obj = narrowedBudget(m, o);
    } else obj = placed(m, o, m.namespaces.production);
    out.push({ obj, track: 'stable' });
  }
  if (!m.canary) return out;
  const canary = (obj: Obj) => out.push({ obj, track: 'canary' });
  canary(trackDeployment(m, mf, mf.canaryBase ?? deployment, 'canary'));
  if (perTrack) canary(trackService(m, service, 'canary'));
  if ('autoscaling' in mf.canaryScaling && mf.hpa) {
    const hpa = mf.objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === mf.hpa?.name) as Obj;
    canary(canaryAutoscaler(m, hpa, mf.canaryScaling.autoscaling));
  }
  if (m.canary.namespace !== m.namespaces.production) {
    const used = podConfigRefs(at(deployment, 'spec', 'template', 'spec'));
    for (const o of mf.objects) {
      if (o.apiVersion !== 'v1') continue;
      if ((o.kind === 'ConfigMap' && used.configMaps.has(o.metadata.name)) || (o.kind === 'ServiceAccount' && used.serviceAccounts.has(o.metadata.name))) {
        canary(placed(m, o, m.canary.namespace));
      }
    }
  }
  return out;
}

/** The pod labels of a track: the Deployment's own, the track label and the track's version label. */
export function trackPodLabels(deployment: SourceObject, m: ManifestsRelease, track: Track): Record<string, string> {
  return { ...mapAt(deployment, 'spec', 'template', 'metadata', 'labels'), [TRACK_LABEL]: track, [VERSION_LABEL]: versionLabelOf(m, track) };
}

function versionLabelOf(m: ManifestsRelease, track: Track): string {
  return track === 'stable' ? m.stable.versionLabel : m.canaryTrack.versionLabel;
}

/** Adds an object to a chart as a cdk8s ApiObject (its id: group, kind, namespace and name). */
export function emit(chart: Construct, o: Obj): ApiObject {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : 'core';
  return new ApiObject(chart, `${group}-${o.kind}-${o.metadata.namespace ?? ''}-${o.metadata.name}`, o as never);
}

/** A deep copy of a folder object in a namespace, with the tool's labels. */
function placed(m: ManifestsRelease, o: SourceObject, namespace: string, labels: Readonly<Record<string, string>> = {}): Obj {
  const c = copyOf(o) as Obj;
  return { ...c, metadata: { ...c.metadata, namespace, labels: { ...(c.metadata.labels ?? {}), ...toolLabels(m), ...labels } } };
}

/** The named Deployment as one track: names, labels, selector, images, replicas. */
function trackDeployment(m: ManifestsRelease, mf: ManifestsModel, deployment: SourceObject, track: Track): Obj {
  const t = track === 'stable' ? m.stable : m.canaryTrack;
  const image = track === 'stable' ? m.stable.image : m.canary?.image;
  const trackLabels = { [TRACK_LABEL]: track, [VERSION_LABEL]: versionLabelOf(m, track) };
  const d = placed(m, deployment, t.namespace, { ...trackLabels, [WORKLOAD_SOURCE_LABEL]: 'manifests' });
  d.metadata = { ...d.metadata, name: t.name };
  const spec = { ...(d.spec as Record<string, unknown>) };
  const selector = spec.selector as Record<string, unknown>;
  spec.selector = { ...selector, matchLabels: { ...mapAt(selector, 'matchLabels'), [TRACK_LABEL]: track } };
  const template = spec.template as Record<string, unknown>;
  const tm = (template.metadata ?? {}) as Record<string, unknown>;
  const podSpec = { ...(template.spec as Record<string, unknown>) };
  for (const field of ['containers', 'initContainers']) {
    if (!Array.isArray(podSpec[field])) continue;
    podSpec[field] = listAt(podSpec, field).map((c) => {
      if (!isRecord(c) || !mf.containers.includes(String(c.name))) return c;
      const version = track === 'stable' ? m.stable.version : m.canary?.version;
      return { ...c, image: mf.containers.length === 1 && image ? image : `${repositoryOf(String(c.image)) ?? mf.imageRepository}:${version}` };
    });
  }
  spec.template = { ...template, metadata: { ...tm, labels: { ...mapAt(tm, 'labels'), ...trackLabels } }, spec: podSpec };
  if (track === 'canary') {
    if ('replicas' in mf.canaryScaling) spec.replicas = mf.canaryScaling.replicas;
    else delete spec.replicas;
  }
  d.spec = spec;
  return d;
}

/** The fronting Service for one track (per-track routers): the stable one narrowed, the canary one a ClusterIP copy. */
function trackService(m: ManifestsRelease, service: SourceObject, track: Track): Obj {
  if (track === 'stable') {
    const s = placed(m, service, m.namespaces.production);
    const spec = s.spec as Record<string, unknown>;
    s.spec = { ...spec, selector: { ...mapAt(spec, 'selector'), [TRACK_LABEL]: 'stable' } };
    return s;
  }
  const src = (service as Obj).spec as Record<string, unknown>;
  const spec: Record<string, unknown> = {};
  for (const k of ['ipFamilies', 'ipFamilyPolicy', 'publishNotReadyAddresses', 'sessionAffinity', 'sessionAffinityConfig', 'internalTrafficPolicy']) {
    if (src[k] !== undefined) spec[k] = copyOf(src[k]);
  }
  if (src.clusterIP === 'None') spec.clusterIP = 'None';
  spec.ports = listAt(src, 'ports').map((p) => {
    const q = { ...(p as Record<string, unknown>) };
    delete q.nodePort;
    return q;
  });
  spec.selector = { ...mapAt(src, 'selector'), [TRACK_LABEL]: 'canary' };
  spec.type = 'ClusterIP';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: m.canaryTrack.serviceName, namespace: m.canaryTrack.namespace, labels: { ...(service.metadata.labels ?? {}), ...toolLabels(m) } },
    spec,
  };
}

/** A PodDisruptionBudget narrowed to the stable track, so canary pods neither count toward it nor block drains. */
function narrowedBudget(m: ManifestsRelease, pdb: SourceObject): Obj {
  const p = placed(m, pdb, m.namespaces.production);
  const spec = p.spec as Record<string, unknown>;
  const sel = spec.selector as Record<string, unknown>;
  p.spec = { ...spec, selector: { ...sel, matchLabels: { ...mapAt(sel, 'matchLabels'), [TRACK_LABEL]: 'stable' } } };
  return p;
}

/** The canary's own HPA: the stable one's copy (metrics, behaviour) targeting the canary Deployment, with its bounds. */
function canaryAutoscaler(m: ManifestsRelease, hpa: SourceObject, bounds: { readonly minReplicas: number; readonly maxReplicas: number }): Obj {
  const h = placed(m, hpa, m.canaryTrack.namespace);
  h.metadata = { ...h.metadata, name: `${hpa.metadata.name}-canary` };
  const spec = h.spec as Record<string, unknown>;
  h.spec = { ...spec, minReplicas: bounds.minReplicas, maxReplicas: bounds.maxReplicas, scaleTargetRef: { ...(spec.scaleTargetRef as Record<string, unknown>), name: m.canaryTrack.name } };
  return h;
}

/** ConfigMaps and ServiceAccount a pod spec uses. */
export function podConfigRefs(pod: unknown): { configMaps: Set<string>; serviceAccounts: Set<string> } {
  const configMaps = new Set<string>();
  for (const field of ['initContainers', 'containers']) {
    for (const c of listAt(pod, field)) {
      for (const e of listAt(c, 'env')) { const n = at(e, 'valueFrom', 'configMapKeyRef', 'name'); if (typeof n === 'string') configMaps.add(n); }
      for (const e of listAt(c, 'envFrom')) { const n = at(e, 'configMapRef', 'name'); if (typeof n === 'string') configMaps.add(n); }
    }
  }
  for (const v of listAt(pod, 'volumes')) {
    const n = at(v, 'configMap', 'name');
    if (typeof n === 'string') configMaps.add(n);
    for (const s of listAt(v, 'projected', 'sources')) { const p = at(s, 'configMap', 'name'); if (typeof p === 'string') configMaps.add(p); }
  }
  const sa = at(pod, 'serviceAccountName') ?? at(pod, 'serviceAccount');
  return { configMaps, serviceAccounts: new Set(typeof sa === 'string' ? [sa] : []) };
}

/** The tool's labels on every object of a release (or release group): managed-by and part-of. */
function toolLabels(m: ManifestsRelease): Record<string, string> {
  return { ...MANAGED_BY, 'app.kubernetes.io/part-of': m.name };
}

/**
 * A deep copy of plain JSON in this realm. Not structuredClone: under a test runner's VM context it
 * returns objects of the host realm, which cdk8s's resolver does not take for plain dictionaries
 * (it would turn `{name, value}` into `{value}`).
 */
function copyOf<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function isDeployment(o: SourceObject): boolean {
  return o.kind === 'Deployment' && o.apiVersion.startsWith('apps/');
}

function isService(o: SourceObject): boolean {
  return o.kind === 'Service' && o.apiVersion === 'v1';
}
