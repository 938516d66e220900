import type { FleetModel } from './fleet';
import { EnvVar, ManifestsWorkload, Probe, ReleaseSpec, Router, Workload } from './generated/release';
import { canonicalQuantity, canonicalResources, CanonicalResources } from './quantity';

/** One rung of the weight ladder. */
export interface LadderStep {
  /** Canary weight, out of the release's weight total. */
  readonly weight: number;
  /** Minimum soak time in seconds before `step` may leave this rung. */
  readonly minSoakSeconds?: number;
}

/** One track (stable or canary) with every default resolved. */
export interface TrackModel {
  readonly version: string;
  readonly image: string;
  /** Value of the pods' `version` label. */
  readonly versionLabel: string;
  readonly replicas: number;
  /** Deployment (or DeploymentConfig) name. */
  readonly name: string;
  readonly namespace: string;
  /** Service name, for routers that split by Service. */
  readonly serviceName: string;
}

/** A release with every default resolved: what constructs and routers consume. */
export interface ReleaseModel {
  readonly name: string;
  /** Spec file the release came from (relative to the project root where possible). */
  readonly file: string;
  readonly spec: ReleaseSpec;
  readonly namespaces: { readonly production: string; readonly canary: string };
  readonly createNamespaces: boolean;
  readonly weightTotal: number;
  readonly steps: readonly LadderStep[];
  readonly workload: WorkloadModel;
  readonly stable: TrackModel;
  /** The canary, or undefined when none runs (first release, promoted, aborted). */
  readonly canary?: TrackModel & { readonly weight: number };
  /** The canary track's names and labels even when no canary runs (routers use them for subsets). */
  readonly canaryTrack: Omit<TrackModel, 'version' | 'image'>;
  readonly router: Router;
  /**
   * The release's fleet resolved against cdk8s-canary.yaml (lib/spec/fleet.ts), set by the loader.
   * @default - no fleet: the release goes to every cluster as one
   */
  readonly fleet?: FleetModel;
}

export interface WorkloadModel {
  readonly type: 'webapp' | 'guestbook' | 'manifests';
  readonly kind: 'Deployment' | 'DeploymentConfig';
  readonly imageRepository: string;
  readonly port: number;
  readonly servicePort: number;
  readonly portName: string;
  readonly appLabel: string;
  readonly extraLabels: Readonly<Record<string, string>>;
  /** Service selecting both tracks (routers that split by subset). */
  readonly sharedServiceName: string;
  readonly env: readonly EnvVar[];
  readonly config?: Readonly<Record<string, string>>;
  /** Requests and limits in the API server's canonical form. */
  readonly resources: CanonicalResources;
  readonly readiness: Probe;
  readonly liveness: Probe;
  readonly podSecurity: { readonly profile: 'restricted' | 'baseline'; readonly runAsUser?: number; readonly readOnlyRootFilesystem: boolean };
  readonly redis?: RedisModel;
  /**
   * What the folder of a `type: manifests` workload holds, resolved against the spec. Set by the
   * project's load checks (lib/workloads/manifests-source.ts reads the folder); undefined for other
   * types and for a manifests spec loaded without them (schema and spec rules only).
   */
  readonly manifests?: ManifestsModel;
}

/** A Kubernetes object read from a manifests folder, as plain JSON (unknown fields kept). */
export interface SourceObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** What a manifests folder says about the app, as read and checked against the spec (no defaults left). */
export interface ManifestsFacts {
  /** How the folder was read: `kubectl kustomize`, or its YAML files one by one. */
  readonly source: 'kustomize' | 'plain';
  /** Every object of the folder in the order read (kustomize's output order, or file by file). */
  readonly objects: readonly SourceObject[];
  /** Name of the Deployment that carries the version. */
  readonly deployment: string;
  /** Containers whose image the version sets. */
  readonly containers: readonly string[];
  /** Image repository (no tag or digest) of the first of those containers. */
  readonly imageRepository: string;
  /** Name of the Service that fronts the Deployment. */
  readonly service: string;
  /** The Service port routers send to: number and name (the number as text when the port has no name). */
  readonly servicePort: number;
  readonly portName: string;
  /** `spec.replicas` of the Deployment; undefined when left to an HPA (or to the default 1). */
  readonly replicas?: number;
  /** The HorizontalPodAutoscaler that scales the Deployment, with its bounds. */
  readonly hpa?: { readonly name: string; readonly minReplicas: number; readonly maxReplicas: number };
}

/** A manifests workload: the folder's facts plus how its canary scales. */
export interface ManifestsModel extends ManifestsFacts {
  /** The folder, as the spec gives it (relative to the repository root). */
  readonly path: string;
  /**
   * The Deployment the canary is derived from when it differs from the stable one's source (a
   * CanaryRelease workload built per track). @default - the folder's Deployment
   */
  readonly canaryBase?: SourceObject;
  /** The canary's scaling: a fixed count, or its own HPA (a copy of the stable one). */
  readonly canaryScaling: { readonly replicas: number } | { readonly autoscaling: { readonly minReplicas: number; readonly maxReplicas: number } };
}

export interface RedisModel {
  readonly deploy: boolean;
  readonly host: string;
  readonly namespace: string;
  readonly image: string;
  readonly port: number;
  /** Size of the data volume in the API server's canonical form. */
  readonly storage: string;
  readonly storageClassName?: string;
  readonly passwordSecret?: { readonly name: string; readonly key: string };
  /** Requests and limits in the API server's canonical form. */
  readonly resources: CanonicalResources;
  /** Non-root UID Redis runs as. */
  readonly runAsUser: number;
  /** Group owning the data volume (fsGroup) and Redis's primary group. */
  readonly fsGroup: number;
}

/** Env vars the guestbook frontend gets from its Redis settings; a spec may not set them itself. */
export const GUESTBOOK_REDIS_ENV = { host: 'REDIS_HOST', port: 'REDIS_PORT', password: 'REDIS_PASSWORD' } as const;

/** The ladder used when a spec gives none: S1's 25% ramp. */
export const DEFAULT_STEPS: readonly number[] = [0, 25, 100];
export const DEFAULT_RESOURCES: CanonicalResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };

/** Parses `1h30m`, `45s`, `10m` into seconds. */
export function parseDuration(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m) throw new Error(`invalid duration ${d}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** The ladder of a spec, normalized. */
export function ladderOf(spec: ReleaseSpec): LadderStep[] {
  return (spec.steps ?? DEFAULT_STEPS).map((s) =>
    typeof s === 'number' ? { weight: s } : { weight: s.weight, ...(s.minSoak ? { minSoakSeconds: parseDuration(s.minSoak) } : {}) });
}

/**
 * Resolves every default of a validated spec. Pure. A `type: manifests` workload takes its names,
 * ports and image repository from `facts` (what its folder holds); without them the model has
 * placeholders from the spec alone (enough for the schema and spec rules, not for synthesis).
 */
export function toModel(spec: ReleaseSpec, file: string, facts?: ManifestsFacts): ReleaseModel {
  if (spec.workload.type === 'manifests') return manifestsModel(spec, spec.workload, file, facts);
  const w = spec.workload;
  const production = spec.namespaces.production;
  const canaryNs = spec.namespaces.canary ?? production;
  const stableName = w.names?.stable ?? spec.name;
  const canaryName = w.names?.canary ?? `${spec.name}-canary`;
  const port = w.port ?? 8080;
  const replicas = w.replicas ?? 1;
  const stableServiceName = w.names?.service ?? stableName;
  const canaryServiceName = w.names?.canaryService ?? canaryName;
  const canaryTrack = {
    name: canaryName,
    namespace: canaryNs,
    serviceName: canaryServiceName,
    replicas: w.canaryReplicas ?? replicas,
    versionLabel: w.versionLabel?.canary ?? spec.canary?.version ?? 'canary',
  };
  const workload: WorkloadModel = {
    type: w.type,
    kind: w.kind ?? 'Deployment',
    imageRepository: w.image,
    port,
    servicePort: w.servicePort ?? port,
    portName: w.portName ?? 'http',
    appLabel: w.appLabel ?? spec.name,
    extraLabels: w.labels ?? {},
    sharedServiceName: stableServiceName,
    env: w.env ?? [],
    ...(w.config ? { config: w.config } : {}),
    resources: w.resources ? canonicalResources(w.resources) : DEFAULT_RESOURCES,
    readiness: w.probes?.readiness ?? {},
    liveness: w.probes?.liveness ?? {},
    podSecurity: {
      profile: w.podSecurity?.profile ?? 'restricted',
      ...(w.podSecurity?.runAsUser !== undefined ? { runAsUser: w.podSecurity.runAsUser } : {}),
      readOnlyRootFilesystem: w.podSecurity?.readOnlyRootFilesystem ?? false,
    },
    ...(w.type === 'guestbook' ? { redis: redisModel(spec, production) } : {}),
  };
  return releaseModel(spec, file, workload, canaryTrack, { production, canaryNs, repository: w.image, versionLabel: w.versionLabel?.stable ?? spec.stable.version, replicas, name: stableName, serviceName: stableServiceName });
}

function redisModel(spec: ReleaseSpec, namespace: string): RedisModel {
  const r = (spec.workload as Workload).redis ?? {};
  return {
    deploy: r.deploy ?? true,
    host: r.host ?? `redis.${namespace}.svc.cluster.local`,
    namespace,
    image: r.image ?? 'redis:7.2-alpine',
    port: r.port ?? 6379,
    storage: r.storage !== undefined ? canonicalQuantity(r.storage) : '1Gi',
    ...(r.storageClassName ? { storageClassName: r.storageClassName } : {}),
    ...(r.passwordSecret ? { passwordSecret: r.passwordSecret } : {}),
    resources: r.resources ? canonicalResources(r.resources) : DEFAULT_RESOURCES,
    runAsUser: r.runAsUser ?? 999,
    fsGroup: r.fsGroup ?? 1000,
  };
}

/** The model of a release whose workload is a folder of manifests. */
function manifestsModel(spec: ReleaseSpec, w: ManifestsWorkload, file: string, facts?: ManifestsFacts): ReleaseModel {
  const production = spec.namespaces.production;
  const canaryNs = spec.namespaces.canary ?? production;
  const deployment = facts?.deployment ?? w.deployment ?? spec.name;
  const service = facts?.service ?? w.service ?? deployment;
  const canaryName = w.names?.canary ?? `${deployment}-canary`;
  const canaryServiceName = w.names?.canaryService ?? `${service}-canary`;
  const replicas = facts?.replicas ?? 1;
  const hpa = facts?.hpa;
  const canaryScaling: ManifestsModel['canaryScaling'] = w.canaryAutoscaling && hpa
    ? { autoscaling: { minReplicas: w.canaryAutoscaling.minReplicas ?? hpa.minReplicas, maxReplicas: w.canaryAutoscaling.maxReplicas ?? hpa.maxReplicas } }
    : { replicas: w.canaryReplicas ?? replicas };
  const canaryReplicas = 'replicas' in canaryScaling ? canaryScaling.replicas : canaryScaling.autoscaling.minReplicas;
  const repository = facts?.imageRepository ?? '';
  const canaryTrack = {
    name: canaryName,
    namespace: canaryNs,
    serviceName: canaryServiceName,
    replicas: canaryReplicas,
    versionLabel: w.versionLabel?.canary ?? spec.canary?.version ?? 'canary',
  };
  const servicePort = facts?.servicePort ?? (typeof w.port === 'number' ? w.port : 80);
  const workload: WorkloadModel = {
    type: 'manifests',
    kind: 'Deployment',
    imageRepository: repository,
    port: servicePort,
    servicePort,
    portName: facts?.portName ?? (typeof w.port === 'string' ? w.port : String(servicePort)),
    appLabel: spec.name,
    extraLabels: {},
    sharedServiceName: service,
    env: [],
    resources: {},
    readiness: {},
    liveness: {},
    podSecurity: { profile: w.podSecurity?.profile ?? 'restricted', readOnlyRootFilesystem: false },
    ...(facts ? { manifests: { ...facts, path: w.path, canaryScaling } } : {}),
  };
  return releaseModel(spec, file, workload, canaryTrack, { production, canaryNs, repository, versionLabel: w.versionLabel?.stable ?? spec.stable.version, replicas, name: deployment, serviceName: service });
}

/** The model around a resolved workload and tracks: what every workload type shares. */
function releaseModel(spec: ReleaseSpec, file: string, workload: ReleaseModel['workload'], canaryTrack: ReleaseModel['canaryTrack'],
  t: { readonly production: string; readonly canaryNs: string; readonly repository: string; readonly versionLabel: string; readonly replicas: number; readonly name: string; readonly serviceName: string }): ReleaseModel {
  // a track's image: the one the spec names, else the repository's tag of its version
  const imageOf = (version: string, image?: string) => image ?? `${t.repository}:${version}`;
  return {
    name: spec.name,
    file,
    spec,
    namespaces: { production: t.production, canary: t.canaryNs },
    createNamespaces: spec.createNamespaces ?? true,
    weightTotal: spec.weightTotal ?? 100,
    steps: ladderOf(spec),
    workload,
    stable: {
      version: spec.stable.version,
      image: imageOf(spec.stable.version, spec.stable.image),
      versionLabel: t.versionLabel,
      replicas: t.replicas,
      name: t.name,
      namespace: t.production,
      serviceName: t.serviceName,
    },
    ...(spec.canary
      ? { canary: { ...canaryTrack, version: spec.canary.version, image: imageOf(spec.canary.version, spec.canary.image), weight: spec.canary.weight } }
      : {}),
    canaryTrack,
    router: spec.router,
  };
}
