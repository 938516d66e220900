import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { ReleaseModel } from '../spec/model';
import { releaseLabels, trackSelector } from '../workloads/labels';
import { kubeObject } from '../workloads/kube-object';
import { checksOf, worstCaseSeconds } from './model';
import { renderCheckScript, SCRATCH_DIR } from './script';

/**
 * The image the smoke-check Job runs: curl on Alpine (busybox sh, grep), pinned by version tag and
 * by the digest of that tag's multi-arch index, so the bytes cannot change under the same name.
 */
export const CHECK_IMAGE = 'curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69';
/** The image's own non-root user (curl_user) and group. */
export const CHECK_IMAGE_UID = 100;
export const CHECK_IMAGE_GID = 101;
/** Time the pod gets beyond the checks' worst case: scheduling, image pull, start. */
export const JOB_STARTUP_SECONDS = 120;
/** Label telling the smoke-check Job and its pod from the workloads. */
export const COMPONENT_LABEL = { 'app.kubernetes.io/component': 'smoke-check' } as const;
/** Argo CD: run the Job after every sync of its Application, once all synced objects are healthy. */
export const ARGO_HOOK_ANNOTATIONS = {
  'argocd.argoproj.io/hook': 'PostSync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
} as const;

export interface SmokeCheckJobProps {
  /** The release; it must have a canary running and at least one check. */
  readonly release: ReleaseModel;
  /** Name of the Service the checks call. @default - the canary Service (`release.canary.serviceName`) */
  readonly serviceName?: string;
  /** Image with curl, sh and grep. @default - CHECK_IMAGE */
  readonly image?: string;
}

/**
 * A Job in the canary namespace that runs the release's smoke checks against the canary Service
 * directly (not through the router), so it sees the canary at any weight, 0% included.
 *
 * - Argo CD runs it as a `PostSync` hook (recreated before each run), so a failing check fails the
 *   sync; Flux applies it from its own Kustomization that depends on the canary and waits for it.
 * - Its name carries the canary version, so a new version gets a new Job; nothing in it depends on
 *   the weight, so a weight step leaves it untouched.
 * - Restricted pod security: non-root with a numeric UID, no privilege escalation, every
 *   capability dropped, RuntimeDefault seccomp, read-only root file system (scratch in an emptyDir),
 *   no service-account token. Its pod carries no `app` or track label, so no Service selects it.
 */
export class SmokeCheckJob extends Construct {
  public readonly job: ApiObject;

  constructor(scope: Construct, id: string, props: SmokeCheckJobProps) {
    super(scope, id);
    const m = props.release;
    const canary = m.canary;
    if (!canary) throw new Error(`internal: release ${m.name} has no canary, so it has no smoke-check Job`);
    const checks = checksOf(m);
    if (checks.length === 0) throw new Error(`internal: release ${m.name} declares no checks, so it has no smoke-check Job`);
    const service = props.serviceName ?? canary.serviceName;
    const baseUrl = `http://${service}.${canary.namespace}.svc.cluster.local:${m.workload.servicePort}`;
    const script = renderCheckScript({ release: m.name, version: canary.version, baseUrl, checks });
    const labels = { ...releaseLabels(m), ...COMPONENT_LABEL };
    this.job = kubeObject(k8s.KubeJob, this, 'job', {
      metadata: {
        name: smokeCheckJobName(m.name, canary.version),
        namespace: canary.namespace,
        labels,
        annotations: { ...ARGO_HOOK_ANNOTATIONS },
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: JOB_STARTUP_SECONDS + checks.reduce((s, c) => s + worstCaseSeconds(c), 0),
        template: {
          metadata: { labels, annotations: { 'sidecar.istio.io/inject': 'false' } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: CHECK_IMAGE_UID,
              runAsGroup: CHECK_IMAGE_GID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name: 'checks',
              image: props.image ?? CHECK_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', script],
              resources: {
                requests: { cpu: '10m', memory: '16Mi' },
                limits: { memory: '64Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                runAsNonRoot: true,
                readOnlyRootFilesystem: true,
              },
              volumeMounts: [{ name: 'scratch', mountPath: SCRATCH_DIR }],
            }],
            volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '16Mi' } }],
          },
        },
      },
    });
  }
}

/**
 * A Service selecting only the canary's pods, for routers that put both tracks behind one Service
 * (Istio subsets): the checks must reach the canary, not whichever track the Service picks.
 */
export function canaryCheckService(scope: Construct, id: string, release: ReleaseModel): { name: string; service: ApiObject } {
  const canary = release.canary;
  if (!canary) throw new Error(`internal: release ${release.name} has no canary, so it has no check Service`);
  const w = release.workload;
  const name = `${canary.name}-checks`;
  const service = kubeObject(k8s.KubeService, scope, id, {
    metadata: { name, namespace: canary.namespace, labels: { ...releaseLabels(release), ...COMPONENT_LABEL } },
    spec: {
      type: 'ClusterIP',
      selector: trackSelector(release, 'canary'),
      ports: [{ name: w.portName, port: w.servicePort, targetPort: w.portName, protocol: 'TCP' }],
    },
  });
  return { name, service };
}

/**
 * Name of the smoke-check Job: `<release>-checks-<version>`, the version sanitised to a DNS-1123
 * label (lowercase; runs of other characters become '-'). A name over 63 characters is cut and ends
 * with 8 hex digits of the version's SHA-256, so two long versions still get two names.
 */
export function smokeCheckJobName(release: string, version: string): string {
  const v = trimDashes(version.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  const full = trimDashes(`${release}-checks-${v}`);
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(version).digest('hex').slice(0, 8);
  return `${trimDashes(full.slice(0, 63 - 9))}-${hash}`;
}

/** Without leading and trailing '-' (a loop: `/^-+|-+$/` backtracks on long runs of '-'). */
function trimDashes(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s[a] === '-') a++;
  while (b > a && s[b - 1] === '-') b--;
  return s.slice(a, b);
}
