import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Probe } from '../spec/generated/release';
import { ReleaseModel, WorkloadModel } from '../spec/model';
import { KubeJson } from './kube-object';

/**
 * Pod-level security context. Under the "restricted" Pod Security Standard: runAsNonRoot and the
 * RuntimeDefault seccomp profile. "baseline" keeps the seccomp profile only.
 */
export function podSecurityContext(security: WorkloadModel['podSecurity']): k8s.PodSecurityContext {
  return {
    ...(security.profile === 'restricted' ? { runAsNonRoot: true } : {}),
    ...(security.runAsUser !== undefined ? { runAsUser: security.runAsUser } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context: no privilege escalation, every capability dropped. */
export function containerSecurityContext(security: WorkloadModel['podSecurity']): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    ...(security.profile === 'restricted' ? { runAsNonRoot: true } : {}),
    readOnlyRootFilesystem: security.readOnlyRootFilesystem,
  };
}

/** An HTTP or TCP probe on the container port. */
export function probe(p: Probe, port: number): KubeJson<k8s.Probe> {
  const target = p.port ?? port;
  return {
    ...(p.path ? { httpGet: { path: p.path, port: target } } : { tcpSocket: { port: target } }),
    initialDelaySeconds: p.initialDelaySeconds ?? 5,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 2,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/** Kubernetes resource requirements from the model's (canonical) quantities. */
export function resources(r: WorkloadModel['resources']): KubeJson<k8s.ResourceRequirements> {
  return { ...(r.requests ? { requests: { ...r.requests } } : {}), ...(r.limits ? { limits: { ...r.limits } } : {}) };
}

/** Env vars of the app container: values and references, never secret values. */
export function envVars(release: ReleaseModel, extra: readonly KubeJson<k8s.EnvVar>[] = []): KubeJson<k8s.EnvVar>[] {
  return workloadEnv(release.workload, extra);
}

/** Env vars of a workload: `extra` first, then the spec's own (values and references, never secret values). */
export function workloadEnv(w: WorkloadModel, extra: readonly KubeJson<k8s.EnvVar>[] = []): KubeJson<k8s.EnvVar>[] {
  const fromSpec: KubeJson<k8s.EnvVar>[] = w.env.map((e) =>
    e.secretKeyRef ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secretKeyRef.name, key: e.secretKeyRef.key } } }
      : e.configMapKeyRef ? { name: e.name, valueFrom: { configMapKeyRef: { name: e.configMapKeyRef.name, key: e.configMapKeyRef.key } } }
        : { name: e.name, value: e.value ?? '' });
  return [...extra, ...fromSpec];
}

/** What varies between the pods of two workloads of one app (track, version, name). */
export interface PodTemplateProps {
  /** Pod labels (app, track, version, ...). */
  readonly labels: Readonly<Record<string, string>>;
  /** Image reference of the app container. */
  readonly image: string;
  /** Env vars of the app container. */
  readonly env: readonly KubeJson<k8s.EnvVar>[];
  /** ConfigMap injected with envFrom. @default - none */
  readonly configMapName?: string;
}

/**
 * The pod template every workload kind shares (Deployment, DeploymentConfig): one `app` container
 * on the workload port, probes, resources, restricted pod security, no service account token.
 */
export function podTemplate(w: WorkloadModel, p: PodTemplateProps): KubeJson<k8s.PodTemplateSpec> {
  return {
    metadata: { labels: { ...p.labels } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(w.podSecurity),
      containers: [{
        name: APP_CONTAINER,
        image: p.image,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: w.portName, containerPort: w.port, protocol: 'TCP' }],
        // an empty list is dropped by the API server and would keep Argo CD's diff dirty
        ...(p.env.length ? { env: [...p.env] } : {}),
        ...(p.configMapName ? { envFrom: [{ configMapRef: { name: p.configMapName } }] } : {}),
        resources: resources(w.resources),
        readinessProbe: probe(w.readiness, w.port),
        livenessProbe: probe(w.liveness, w.port),
        securityContext: containerSecurityContext(w.podSecurity),
      }],
    },
  };
}

/** Name of the app container (DeploymentConfig ImageChange triggers name it). */
export const APP_CONTAINER = 'app';
