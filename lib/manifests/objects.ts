/**
 * Reading synthesized Kubernetes objects as plain data: identities, workloads and their pod
 * templates, Service selection, versions, and the host names that lead to a Service. Pure functions
 * over the upstream object shapes; nothing here knows how the objects were built, so lint, traffic and
 * diff work the same on any revision of dist/.
 */

/** A Kubernetes object as plain JSON. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** An object and where it was read from. */
export interface Located {
  readonly obj: Manifest;
  /** Path relative to the dist root, e.g. `guestbook/ns-prod/service-guestbook.yaml`. */
  readonly file: string;
  /** First folder of the path: the release (or group) that owns the object. */
  readonly release: string;
}

/** `Kind namespace/name` (or `Kind name` for cluster-scoped objects): how messages name an object. */
export function refOf(o: Manifest): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** API group of an object (`''` for the core group). */
export function groupOf(o: Pick<Manifest, 'apiVersion'>): string {
  return o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
}

/** Identity of an object in a cluster: group, kind, namespace, name (the version is not part of it). */
export function identityOf(o: Manifest): string {
  return `${groupOf(o)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Plain-object test. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a nested field; undefined when any step is missing. */
export function at(o: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = o;
  for (const seg of path) {
    if (typeof seg === 'number') cur = Array.isArray(cur) ? cur[seg] : undefined;
    else cur = isRecord(cur) ? cur[seg] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** A list field, or [] when absent. */
export function listAt(o: unknown, ...path: (string | number)[]): unknown[] {
  const v = at(o, ...path);
  return Array.isArray(v) ? v : [];
}

/** A string-map field (labels, selectors, ConfigMap data), or {} when absent. */
export function mapAt(o: unknown, ...path: (string | number)[]): Record<string, string> {
  const v = at(o, ...path);
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** Kinds whose pod template says what pods run, and where the template is. */
const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  'apps/Deployment': ['spec', 'template'],
  'apps/StatefulSet': ['spec', 'template'],
  'apps/DaemonSet': ['spec', 'template'],
  'apps/ReplicaSet': ['spec', 'template'],
  'apps.openshift.io/DeploymentConfig': ['spec', 'template'],
  'argoproj.io/Rollout': ['spec', 'template'],
  'batch/Job': ['spec', 'template'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
  '/ReplicationController': ['spec', 'template'],
};

/** Field path of an object's pod template, or undefined when the object runs no pods. */
export function podTemplatePath(o: Manifest): readonly string[] | undefined {
  if (o.kind === 'Pod' && groupOf(o) === '') return [];
  return POD_TEMPLATE_PATHS[`${groupOf(o)}/${o.kind}`];
}

/** Whether an object runs pods (Deployment, StatefulSet, DeploymentConfig, Job, ...). */
export function isWorkload(o: Manifest): boolean {
  return podTemplatePath(o) !== undefined;
}

/** The pod template (`{metadata, spec}`) of a workload. */
export function podTemplate(o: Manifest): { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> } | undefined {
  const p = podTemplatePath(o);
  if (!p) return undefined;
  const t = p.length ? at(o, ...p) : o;
  return isRecord(t) ? t as never : undefined;
}

/** Labels the workload's pods carry. */
export function podLabelsOf(o: Manifest): Record<string, string> {
  const p = podTemplatePath(o);
  if (!p) return {};
  return mapAt(o, ...p, 'metadata', 'labels');
}

/** Replicas of a workload (1 when not set; DaemonSets and Pods count as 1). */
export function replicasOf(o: Manifest): number {
  const r = at(o, 'spec', 'replicas');
  return typeof r === 'number' ? r : 1;
}

/** Containers of a pod template, with their field path from the object root. */
export function containersOf(o: Manifest, includeInit = true): { c: Record<string, unknown>; path: (string | number)[] }[] {
  const p = podTemplatePath(o);
  if (!p) return [];
  const out: { c: Record<string, unknown>; path: (string | number)[] }[] = [];
  for (const field of includeInit ? ['containers', 'initContainers'] : ['containers']) {
    listAt(o, ...p, 'spec', field).forEach((c, i) => { if (isRecord(c)) out.push({ c, path: [...p, 'spec', field, i] }); });
  }
  return out;
}

/** Whether `labels` carry every key/value of `selector` (an empty selector matches nothing here). */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

/** A label selector (`matchLabels` + `matchExpressions`) test. */
export function matchesLabelSelector(sel: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (!isRecord(sel)) return false;
  const ml = mapAt(sel, 'matchLabels');
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  for (const e of listAt(sel, 'matchExpressions')) {
    if (!isRecord(e)) continue;
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = key in labels;
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** Values of the `version` label that name a track rather than a version. */
const TRACK_WORDS = new Set(['canary', 'stable', 'prod', 'production', 'main', 'primary', 'baseline', 'preview', 'beta', 'original']);

/** Splits an image reference into repository, tag and digest. */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  let rest = image.trim();
  let digest: string | undefined;
  const at_ = rest.indexOf('@');
  if (at_ >= 0) { digest = rest.slice(at_ + 1); rest = rest.slice(0, at_); }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repository: rest, ...(digest ? { digest } : {}) };
}

/** What version a workload runs, and why we think so. */
export interface WorkloadVersion {
  /** The version shown to reviewers. */
  readonly version: string;
  /** Image of the first container (a DeploymentConfig's ImageChange trigger wins over the container field). */
  readonly image?: string;
  /** The pods' `version` label, if any. */
  readonly label?: string;
  /** The app the pods belong to: label `app`, else `app.kubernetes.io/name`, else the workload name. */
  readonly app: string;
}

/**
 * A workload's version: the pods' `version` label (or `app.kubernetes.io/version`) unless it names a
 * track (canary, prod, stable, ...), else the image tag of the first container, else the label.
 * S1 labels v0/v1; S3 canaries carry `version=canary` and run image tag 1.2; S4's sample app labels
 * prod/canary and tags images with a git SHA.
 */
export function workloadVersion(o: Manifest, imageOfTag?: ImageStreamTagResolver): WorkloadVersion {
  const labels = podLabelsOf(o);
  const label = labels.version ?? labels['app.kubernetes.io/version'];
  const first = containersOf(o, false)[0];
  let image = typeof first?.c.image === 'string' && first.c.image.trim() ? first.c.image : undefined;
  if (o.kind === 'DeploymentConfig') {
    for (const t of listAt(o, 'spec', 'triggers')) {
      const p = at(t, 'imageChangeParams');
      if (!isRecord(p)) continue;
      const names = listAt(p, 'containerNames').map(String);
      if (first && names.length && !names.includes(String(first.c.name))) continue;
      const from = at(p, 'from');
      if (!isRecord(from) || typeof from.name !== 'string') continue;
      // an ImageStreamTag names a tag of an ImageStream; what it holds is the image that runs
      const resolved = from.kind === 'ImageStreamTag' && imageOfTag
        ? imageOfTag(typeof from.namespace === 'string' ? from.namespace : o.metadata.namespace ?? '', from.name)
        : from.kind === 'DockerImage' ? from.name : undefined;
      if (resolved) image = resolved;
      else if (!image) image = from.name;
    }
  }
  const parsed = image ? parseImage(image) : undefined;
  const tagOrDigest = parsed?.tag ?? (parsed?.digest ? parsed.digest.replace(/^sha256:/, '').slice(0, 12) : undefined);
  const version = label && !TRACK_WORDS.has(label.toLowerCase()) ? label : tagOrDigest ?? label ?? '?';
  const app = labels.app ?? labels['app.kubernetes.io/name'] ?? o.metadata.name;
  return { version, app, ...(image ? { image } : {}), ...(label ? { label } : {}) };
}

/** The image an ImageStreamTag (`stream:tag` in a namespace) holds, if the objects say. */
export type ImageStreamTagResolver = (namespace: string, streamTag: string) => string | undefined;

// ---------------------------------------------------------------------------------------------
// Indexes

/** Lookups over a set of objects, built once. */
export class ObjectIndex {
  public readonly all: readonly Located[];
  private readonly byKindNs = new Map<string, Located[]>();
  private readonly byIdentity = new Map<string, Located>();
  private readonly workloadsByNs = new Map<string, Located[]>();
  private readonly byKind = new Map<string, Located[]>();
  private readonly memos = new Map<string, unknown>();

  constructor(objects: readonly Located[]) {
    this.all = objects;
    for (const l of objects) {
      if (isWorkload(l.obj)) {
        const ns = l.obj.metadata.namespace ?? '';
        const wl = this.workloadsByNs.get(ns) ?? [];
        wl.push(l);
        this.workloadsByNs.set(ns, wl);
      }
      const k = `${l.obj.kind}/${l.obj.metadata.namespace ?? ''}`;
      const list = this.byKindNs.get(k) ?? [];
      list.push(l);
      this.byKindNs.set(k, list);
      const all = this.byKind.get(l.obj.kind) ?? [];
      all.push(l);
      this.byKind.set(l.obj.kind, all);
      this.byIdentity.set(identityOf(l.obj), l);
    }
  }

  /** Objects of a kind (any group) in a namespace (`undefined`: every namespace), in input order. */
  public ofKind(kind: string, namespace?: string): Located[] {
    if (namespace !== undefined) return this.byKindNs.get(`${kind}/${namespace}`) ?? [];
    return this.byKind.get(kind) ?? [];
  }

  /** One object by kind, namespace and name (any group; the first in input order). */
  public find(kind: string, namespace: string | undefined, name: string): Located | undefined {
    return this.byName(kind, namespace ?? '').get(name);
  }

  /**
   * A lookup table built once per index, on first use (`key` names it; `build` makes it): readers
   * index what they search (Ingresses by host, DestinationRules by Service...) so each lookup costs
   * the same at 10 and at 1000 releases.
   */
  public memo<T>(key: string, build: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, build());
    return this.memos.get(key) as T;
  }

  /** Objects of a kind in a namespace by name (the first in input order wins). */
  private byName(kind: string, namespace: string): Map<string, Located> {
    return this.memo(`name:${kind}/${namespace}`, () => {
      const m = new Map<string, Located>();
      for (const l of this.ofKind(kind, namespace)) if (!m.has(l.obj.metadata.name)) m.set(l.obj.metadata.name, l);
      return m;
    });
  }

  /** An object by identity. */
  public get(identity: string): Located | undefined {
    return this.byIdentity.get(identity);
  }

  /** The image an ImageStreamTag holds: the ImageStream's `spec.tags[].from` (DockerImage, or another tag of it). */
  public readonly imageOfTag: ImageStreamTagResolver = (namespace, streamTag) => this.resolveTag(namespace, streamTag, 0);

  private resolveTag(namespace: string, streamTag: string, depth: number): string | undefined {
    const [stream, tag = 'latest'] = streamTag.split(':');
    const is = this.find('ImageStream', namespace, stream);
    const from = at(is ? listAt(is.obj, 'spec', 'tags').find((t) => at(t, 'name') === tag) : undefined, 'from');
    if (!isRecord(from) || typeof from.name !== 'string') return undefined;
    if (from.kind === 'DockerImage') return from.name;
    if (from.kind !== 'ImageStreamTag' || depth >= 5) return undefined;
    return this.resolveTag(typeof from.namespace === 'string' ? from.namespace : namespace, from.name.includes(':') ? from.name : `${stream}:${from.name}`, depth + 1);
  }

  /** A workload's version, ImageStreamTags resolved through the ImageStreams of this index. */
  public versionOf(o: Manifest): WorkloadVersion {
    return workloadVersion(o, this.imageOfTag);
  }

  /** Workloads of a namespace. */
  public workloads(namespace: string): Located[] {
    return this.workloadsByNs.get(namespace) ?? [];
  }

  /** Core Service by namespace and name. */
  public service(namespace: string, name: string): Located | undefined {
    return this.memo(`core-service:${namespace}`, () => {
      const m = new Map<string, Located>();
      for (const l of this.ofKind('Service', namespace)) if (groupOf(l.obj) === '' && !m.has(l.obj.metadata.name)) m.set(l.obj.metadata.name, l);
      return m;
    }).get(name);
  }

  /** Workloads whose pods a Service selects (optionally narrowed by extra labels, e.g. an Istio subset). */
  public selectedWorkloads(service: Manifest, extra: Readonly<Record<string, string>> = {}): Located[] {
    const sel = mapAt(service, 'spec', 'selector');
    if (!Object.keys(sel).length) return [];
    const ns = service.metadata.namespace ?? '';
    return this.workloads(ns).filter((w) => {
      const labels = podLabelsOf(w.obj);
      return selects(sel, labels) && Object.entries(extra).every(([k, v]) => labels[k] === v);
    });
  }
}

/**
 * The Service a cluster host name leads to: `name.ns.svc.cluster.local`, `name.ns.svc`, `name.ns`,
 * or a bare `name` resolved in `fromNamespace`.
 */
export function serviceOfHost(host: string, fromNamespace: string): { namespace: string; name: string } | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\..*)?)?$/.exec(h);
  if (m) return { name: m[1], namespace: m[3] };
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(h)) return { name: h, namespace: fromNamespace };
  return undefined;
}

/** Whether a host name is a cluster-internal Service name (`*.svc.cluster.local`, `*.svc`, or a bare name). */
export function isClusterHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return /\.svc(\.cluster\.local)?$/.test(h) || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(h);
}

/** Ingress class of an Ingress: `spec.ingressClassName`, else the legacy annotation, else ''. */
export function ingressClassOf(o: Manifest): string {
  const c = at(o, 'spec', 'ingressClassName');
  if (typeof c === 'string') return c;
  return o.metadata.annotations?.['kubernetes.io/ingress.class'] ?? '';
}

/** ingress-nginx canary annotations. */
export const NGINX = 'nginx.ingress.kubernetes.io/';

/** Whether an Ingress is an ingress-nginx canary (`canary: "true"`). */
export function isCanaryIngress(o: Manifest): boolean {
  return o.kind === 'Ingress' && o.metadata.annotations?.[`${NGINX}canary`] === 'true';
}

/** Every (host, path) an Ingress serves, with the backend and the field path of the backend. */
export function ingressPaths(o: Manifest): { host: string; path: string; service?: { name: string; port?: number | string }; field: (string | number)[] }[] {
  const out: { host: string; path: string; service?: { name: string; port?: number | string }; field: (string | number)[] }[] = [];
  const backendOf = (b: unknown) => {
    const name = at(b, 'service', 'name');
    if (typeof name !== 'string') return undefined;
    const num = at(b, 'service', 'port', 'number');
    const pname = at(b, 'service', 'port', 'name');
    return { name, ...(typeof num === 'number' ? { port: num } : typeof pname === 'string' ? { port: pname } : {}) };
  };
  listAt(o, 'spec', 'rules').forEach((r, i) => {
    const host = typeof at(r, 'host') === 'string' ? String(at(r, 'host')) : '*';
    listAt(r, 'http', 'paths').forEach((p, j) => {
      const path = typeof at(p, 'path') === 'string' ? String(at(p, 'path')) : '/';
      const svc = backendOf(at(p, 'backend'));
      out.push({ host, path, ...(svc ? { service: svc } : {}), field: ['spec', 'rules', i, 'http', 'paths', j, 'backend', 'service', 'name'] });
    });
  });
  const d = at(o, 'spec', 'defaultBackend');
  if (d !== undefined) {
    const svc = backendOf(d);
    out.push({ host: '*', path: '/', ...(svc ? { service: svc } : {}), field: ['spec', 'defaultBackend', 'service', 'name'] });
  }
  return out;
}

/** Whether a Service exposes a port (by number or by name). */
export function serviceHasPort(service: Manifest, port: number | string): boolean {
  return listAt(service, 'spec', 'ports').some((p) => typeof port === 'number' ? at(p, 'port') === port : at(p, 'name') === port);
}

/** Ports of a Service, for messages. */
export function servicePorts(service: Manifest): string {
  return listAt(service, 'spec', 'ports').map((p) => `${at(p, 'port')}${at(p, 'name') ? `/${at(p, 'name')}` : ''}`).join(', ') || 'none';
}

/** `k=v, k2=v2` for messages. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  const e = Object.entries(labels);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(', ') : '(none)';
}
