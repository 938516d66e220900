import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { RedisModel } from '../spec/model';
import { MANAGED_BY } from './labels';
import { KubeJson, kubeObject } from './kube-object';
import { resources } from './pod';

/** Name of the Redis StatefulSet and of its Service: the default host is `redis.<namespace>.svc.cluster.local`. */
export const REDIS_NAME = 'redis';
/** Name of the Redis container port (the Service and the liveness probe target it). */
export const REDIS_PORT_NAME = 'redis';
/** Where Redis keeps its data (RDB snapshots and the append-only file). */
export const REDIS_DATA_DIR = '/data';

export interface RedisProps {
  /** The Redis settings of the release, every default resolved. */
  readonly redis: RedisModel;
  /** Name of the release the Redis belongs to (`app.kubernetes.io/part-of` label and selector). */
  readonly partOf: string;
}

/**
 * The guestbook's shared Redis: a one-replica StatefulSet `redis` (pod `redis-0`) with a
 * persistent volume claim template, behind a headless Service `redis`.
 *
 * Why headless: a StatefulSet needs a governing headless Service for its pods' stable DNS names
 * (`redis-0.redis.<ns>.svc.cluster.local`). Making `redis` itself that Service gives the name the
 * frontends use (`redis.<ns>.svc.cluster.local`, resolving to the ready Redis pod) and the per-pod
 * name with one object, and kubelet injects no docker-link `REDIS_PORT=tcp://...` variables into
 * the pods of the namespace (it only does for Services with a cluster IP).
 *
 * Restricted pod security: runs as a non-root UID (999, the image's redis user) with a fixed
 * group that owns the data volume, a read-only root file system, no privilege escalation, every
 * capability dropped and the RuntimeDefault seccomp profile. The optional password is read from an
 * existing Secret via `secretKeyRef`; it never appears in the manifests.
 */
export class SharedRedis extends Construct {
  public readonly statefulSet: ApiObject;
  public readonly service: ApiObject;

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const r = props.redis;
    const selector = redisSelector(props.partOf);
    const labels = { ...MANAGED_BY, 'app.kubernetes.io/part-of': props.partOf, 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/component': 'database', ...selector };
    const secretEnv = (name: string): KubeJson<k8s.EnvVar>[] => r.passwordSecret
      ? [{ name, valueFrom: { secretKeyRef: { name: r.passwordSecret.name, key: r.passwordSecret.key } } }]
      : [];

    this.service = kubeObject(k8s.KubeService, this, 'service', {
      metadata: { name: REDIS_NAME, namespace: r.namespace, labels },
      spec: {
        clusterIP: 'None',
        selector,
        ports: [{ name: REDIS_PORT_NAME, port: r.port, targetPort: REDIS_PORT_NAME, protocol: 'TCP' }],
      },
    });

    this.statefulSet = kubeObject(k8s.KubeStatefulSet, this, 'statefulset', {
      metadata: { name: REDIS_NAME, namespace: r.namespace, labels },
      spec: {
        replicas: 1,
        serviceName: REDIS_NAME,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 30,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: r.runAsUser,
              runAsGroup: r.fsGroup,
              fsGroup: r.fsGroup,
              fsGroupChangePolicy: 'OnRootMismatch',
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name: 'redis',
              image: r.image,
              imagePullPolicy: 'IfNotPresent',
              // The image's entrypoint prefixes `redis-server` to arguments starting with `--`.
              args: [
                '--port', String(r.port),
                '--dir', REDIS_DATA_DIR,
                '--appendonly', 'yes',
                ...(r.passwordSecret ? ['--requirepass', '$(REDIS_PASSWORD)'] : []),
              ],
              // REDISCLI_AUTH lets the readiness probe's redis-cli authenticate without a password on its command line.
              ...(r.passwordSecret ? { env: [...secretEnv('REDIS_PASSWORD'), ...secretEnv('REDISCLI_AUTH')] } : {}),
              ports: [{ name: REDIS_PORT_NAME, containerPort: r.port, protocol: 'TCP' }],
              resources: resources(r.resources),
              readinessProbe: {
                exec: { command: ['sh', '-c', `redis-cli -p ${r.port} ping | grep -q PONG`] },
                initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3,
              },
              // A TCP check: a Redis still loading its data set answers PING with an error but must not be restarted.
              livenessProbe: {
                tcpSocket: { port: REDIS_PORT_NAME },
                initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3,
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                runAsNonRoot: true,
                readOnlyRootFilesystem: true,
              },
              volumeMounts: [{ name: 'data', mountPath: REDIS_DATA_DIR }],
            }],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data', labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(r.storageClassName ? { storageClassName: r.storageClassName } : {}),
            resources: { requests: { storage: r.storage } },
          },
        }],
      },
    });
  }
}

/** Selector of a release's Redis pods (StatefulSet, Service and NetworkPolicy use it). */
export function redisSelector(partOf: string): Record<string, string> {
  return { app: REDIS_NAME, 'app.kubernetes.io/part-of': partOf };
}
