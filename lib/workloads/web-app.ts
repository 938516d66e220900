import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ReleaseModel } from '../spec/model';
import { podLabels, releaseLabels, Track, trackSelector } from './labels';
import { containerSecurityContext, envVars, podSecurityContext, probe, resources } from './pod';

export interface WebAppTrackProps {
  /** The release the track belongs to. */
  readonly release: ReleaseModel;
  /** Which track this is. */
  readonly track: Track;
  /** Image reference (repository and tag). */
  readonly image: string;
  /** Deployment name. */
  readonly name: string;
  /** Namespace of the Deployment and its ConfigMap. */
  readonly namespace: string;
  /** Replicas. */
  readonly replicas: number;
  /** Env vars placed before the spec's own. @default - only the spec's env vars */
  readonly extraEnv?: readonly k8s.EnvVar[];
  /** ConfigMap data injected with envFrom, overriding the spec's `workload.config`. @default - the spec's config, if any */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * One track of a web app: a Deployment (restricted pod security, probes, resources) and, when the
 * spec has `workload.config`, a ConfigMap `<name>-config` injected with envFrom.
 */
export class WebAppTrack extends Construct {
  /** The workload object. */
  public readonly workload: ApiObject;
  /** The ConfigMap, when there is config. */
  public readonly configMap?: ApiObject;

  constructor(scope: Construct, id: string, props: WebAppTrackProps) {
    super(scope, id);
    const { release, track } = props;
    const w = release.workload;
    if (w.kind !== 'Deployment') {
      throw new Error(`workload kind ${w.kind} is not supported by the web app construct; use kind: Deployment`);
    }
    const labels = { ...releaseLabels(release), ...podLabels(release, track) };
    const config = props.config ?? w.config;
    const configName = `${props.name}-config`;
    if (config) {
      this.configMap = new k8s.KubeConfigMap(this, 'config', {
        metadata: { name: configName, namespace: props.namespace, labels },
        data: sortedRecord(config),
      });
    }
    this.workload = new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: trackSelector(release, track) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels: podLabels(release, track) },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(w.podSecurity),
            containers: [{
              name: 'app',
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: w.portName, containerPort: w.port, protocol: 'TCP' }],
              env: envVars(release, props.extraEnv),
              ...(config ? { envFrom: [{ configMapRef: { name: configName } }] } : {}),
              resources: resources(w.resources),
              readinessProbe: probe(w.readiness, w.port),
              livenessProbe: probe(w.liveness, w.port),
              securityContext: containerSecurityContext(w.podSecurity),
            }],
          },
        },
      },
    });
  }
}

export interface AppServiceProps {
  readonly release: ReleaseModel;
  readonly name: string;
  readonly namespace: string;
  /** Pod selector. */
  readonly selector: Record<string, string>;
}

/** A ClusterIP Service on the workload's service port, named explicitly. */
export function appService(scope: Construct, id: string, props: AppServiceProps): ApiObject {
  const w = props.release.workload;
  return new k8s.KubeService(scope, id, {
    metadata: { name: props.name, namespace: props.namespace, labels: { ...releaseLabels(props.release), app: w.appLabel } },
    spec: {
      type: 'ClusterIP',
      selector: props.selector,
      ports: [{ name: w.portName, port: w.servicePort, targetPort: k8s.IntOrString.fromString(w.portName), protocol: 'TCP' }],
    },
  });
}

/** A Namespace labelled for the Pod Security Standard its pods meet. */
export function namespaceObject(scope: Construct, id: string, release: ReleaseModel, name: string): ApiObject {
  const level = release.workload.podSecurity.profile;
  return new k8s.KubeNamespace(scope, id, {
    metadata: {
      name,
      labels: { ...releaseLabels(release), 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/warn': 'restricted' },
    },
  });
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
}

