import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { DeploymentConfig } from '../../imports/openshift-dc-apps.openshift.io';
import { ImageStream } from '../../imports/openshift-imagestream-image.openshift.io';
import { ReleaseModel, WorkloadModel } from '../spec/model';
import { podLabels, releaseLabels, Track, trackSelector } from './labels';
import { KubeJson, kubeObject } from './kube-object';
import { APP_CONTAINER, envVars, podTemplate } from './pod';

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
  readonly extraEnv?: readonly KubeJson<k8s.EnvVar>[];
  /** ConfigMap data injected with envFrom, overriding the spec's `workload.config`. @default - the spec's config, if any */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * One track of a web app: a Deployment, or a DeploymentConfig with its ImageStream (restricted pod
 * security, probes, resources), and, when the spec has `workload.config`, a ConfigMap
 * `<name>-config` injected with envFrom.
 */
export class WebAppTrack extends Construct {
  /** The workload object. */
  public readonly workload: ApiObject;
  /** The ConfigMap, when there is config. */
  public readonly configMap?: ApiObject;
  /** The ImageStream the DeploymentConfig's ImageChange trigger follows (kind DeploymentConfig only). */
  public readonly imageStream?: ApiObject;

  constructor(scope: Construct, id: string, props: WebAppTrackProps) {
    super(scope, id);
    const { release, track } = props;
    const w = release.workload;
    const labels = { ...releaseLabels(release), ...podLabels(release, track) };
    const config = props.config ?? w.config;
    const configName = `${props.name}-config`;
    if (config) {
      this.configMap = kubeObject(k8s.KubeConfigMap, this, 'config', {
        metadata: { name: configName, namespace: props.namespace, labels },
        data: sortedRecord(config),
      });
    }
    const version = track === 'stable' ? release.stable.version : release.canary?.version ?? release.stable.version;
    const objects = workloadObjects(this, {
      workload: w,
      name: props.name,
      namespace: props.namespace,
      labels,
      podLabels: podLabels(release, track),
      selector: trackSelector(release, track),
      replicas: props.replicas,
      image: props.image,
      imageTag: version,
      env: envVars(release, props.extraEnv),
      ...(config ? { configMapName: configName } : {}),
    });
    this.workload = objects.workload;
    this.imageStream = objects.imageStream;
  }
}

/** Inputs of `workloadObjects`: everything that differs between two workloads of one app. */
export interface WorkloadObjectProps {
  /** Pod-level settings (kind, port, probes, resources, pod security). */
  readonly workload: WorkloadModel;
  /** Name of the workload (and of its ImageStream, for a DeploymentConfig). */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the workload object (and of its ImageStream). */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Pod selector; never includes a version (selectors are immutable and must survive promotion). */
  readonly selector: Readonly<Record<string, string>>;
  readonly replicas: number;
  /** Image reference the pods run. */
  readonly image: string;
  /** ImageStream tag that holds `image` and that the DeploymentConfig's ImageChange trigger follows (DeploymentConfig only). */
  readonly imageTag: string;
  readonly env: readonly KubeJson<k8s.EnvVar>[];
  /** ConfigMap injected with envFrom. @default - none */
  readonly configMapName?: string;
}

/**
 * The workload object of `workload.kind`, around the one shared pod template: an apps/v1 Deployment,
 * or an OpenShift DeploymentConfig (apps.openshift.io/v1, deprecated since OpenShift 4.14) with a
 * ConfigChange and an ImageChange trigger, plus the ImageStream whose tag the trigger follows.
 */
export function workloadObjects(scope: Construct, p: WorkloadObjectProps): { workload: ApiObject; imageStream?: ApiObject } {
  const template = podTemplate(p.workload, { labels: p.podLabels, image: p.image, env: p.env, ...(p.configMapName ? { configMapName: p.configMapName } : {}) });
  const metadata = { name: p.name, namespace: p.namespace, labels: { ...p.labels } };
  if (p.workload.kind === 'Deployment') {
    return {
      workload: kubeObject(k8s.KubeDeployment, scope, 'deployment', {
        metadata,
        spec: {
          replicas: p.replicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: { ...p.selector } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          template,
        },
      }),
    };
  }
  const imageStream = new ImageStream(scope, 'imagestream', {
    metadata,
    spec: {
      lookupPolicy: { local: false },
      tags: [{
        name: p.imageTag,
        from: { kind: 'DockerImage', name: p.image },
        importPolicy: { scheduled: false },
        referencePolicy: { type: 'Source' },
      }],
    },
  });
  const workload = new ApiObject(scope, 'deploymentconfig', {
    ...DeploymentConfig.GVK,
    metadata,
    spec: {
      replicas: p.replicas,
      revisionHistoryLimit: 5,
      selector: { ...p.selector },
      strategy: { type: 'Rolling', rollingParams: { maxSurge: '25%', maxUnavailable: 0 } },
      triggers: [
        { type: 'ConfigChange' },
        { type: 'ImageChange', imageChangeParams: { automatic: true, containerNames: [APP_CONTAINER], from: { kind: 'ImageStreamTag', name: `${p.name}:${p.imageTag}` } } },
      ],
      template,
    },
  });
  return { workload, imageStream };
}

export interface AppServiceProps {
  readonly release: ReleaseModel;
  readonly name: string;
  readonly namespace: string;
  /** Pod selector. */
  readonly selector: Record<string, string>;
  /** `appProtocol` of the port (e.g. `kubernetes.io/h2c` for gRPC). @default - none */
  readonly appProtocol?: string;
}

/** A ClusterIP Service on the workload's service port, named explicitly. */
export function appService(scope: Construct, id: string, props: AppServiceProps): ApiObject {
  const w = props.release.workload;
  return serviceObject(scope, id, { workload: w, name: props.name, namespace: props.namespace, labels: { ...releaseLabels(props.release), app: w.appLabel }, selector: props.selector, appProtocol: props.appProtocol });
}

/** A ClusterIP Service on a workload's service port (named `workload.portName`), named explicitly. */
export function serviceObject(scope: Construct, id: string, p: {
  readonly workload: WorkloadModel; readonly name: string; readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>; readonly selector: Readonly<Record<string, string>>; readonly appProtocol?: string;
}): ApiObject {
  const w = p.workload;
  return kubeObject(k8s.KubeService, scope, id, {
    metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels } },
    spec: {
      type: 'ClusterIP',
      selector: { ...p.selector },
      ports: [{ name: w.portName, port: w.servicePort, targetPort: w.portName, protocol: 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }],
    },
  });
}

/** A Namespace labelled for the Pod Security Standard its pods meet. */
export function namespaceObject(scope: Construct, id: string, release: ReleaseModel, name: string): ApiObject {
  return namespaceManifest(scope, id, name, release.workload.podSecurity.profile, releaseLabels(release));
}

/** A Namespace enforcing a Pod Security Standard level (and warning at restricted). */
export function namespaceManifest(scope: Construct, id: string, name: string, level: 'restricted' | 'baseline', labels: Readonly<Record<string, string>>): ApiObject {
  return kubeObject(k8s.KubeNamespace, scope, id, {
    metadata: {
      name,
      labels: { ...labels, 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/warn': 'restricted' },
    },
  });
}

/** A record with its keys sorted (deterministic ConfigMap data). */
export function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
}

