import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { RedisModel, ReleaseModel } from '../spec/model';
import { releaseLabels, trackSelector } from './labels';
import { KubeJson } from './kube-object';
import { allowOnlyFrom } from './network-policy';
import { SharedRedis, REDIS_NAME, REDIS_PORT_NAME, redisSelector } from './redis';
import type { WorkloadBuilder } from './registry';
import { WebAppTrack } from './web-app';

/** Env vars through which the frontend finds Redis. */
import { GUESTBOOK_REDIS_ENV } from '../spec/model';
export { GUESTBOOK_REDIS_ENV };

/** Name of the NetworkPolicy that lets only the guestbook frontends reach Redis. */
// written out (not `${REDIS_NAME}-...`): reading redis.ts's constant here would load the constructs at start-up
export const REDIS_POLICY_NAME = 'redis-from-guestbook';

/**
 * The guestbook (scenario S1): the frontend's stable track in the production namespace, its canary
 * track in the canary namespace while a canary runs, both given the same Redis host; and, unless
 * `workload.redis.deploy` is false, the shared Redis in the production namespace with a
 * NetworkPolicy that admits only the guestbook pods of the two namespaces. Redis and its policy do
 * not depend on the canary state, so starting, stepping and promoting never touch them.
 */
export const guestbook: WorkloadBuilder = (ctx) => {
  const m = ctx.release;
  const redis = m.workload.redis;
  if (!redis) throw new Error(`internal: release ${m.name} has workload type guestbook but no redis model`);
  const extraEnv = guestbookEnv(m, redis);
  new WebAppTrack(ctx.chartFor(m.stable.namespace), `stable-${m.stable.name}`, {
    release: m, track: 'stable', image: m.stable.image, name: m.stable.name, namespace: m.stable.namespace, replicas: m.stable.replicas, extraEnv,
  });
  if (m.canary) {
    new WebAppTrack(ctx.chartFor(m.canary.namespace), `canary-${m.canary.name}`, {
      release: m, track: 'canary', image: m.canary.image, name: m.canary.name, namespace: m.canary.namespace, replicas: m.canary.replicas, extraEnv,
    });
  }
  if (!redis.deploy) return;
  const chart = ctx.chartFor(redis.namespace);
  new SharedRedis(chart, 'redis', { redis, partOf: m.name });
  allowOnlyFrom(chart, `networkpolicy-${REDIS_POLICY_NAME}`, {
    name: REDIS_POLICY_NAME,
    namespace: redis.namespace,
    podSelector: redisSelector(m.name),
    port: REDIS_PORT_NAME,
    peers: [
      { namespace: m.namespaces.production, podSelector: guestbookPodSelector(m) },
      { namespace: m.namespaces.canary, podSelector: guestbookPodSelector(m) },
    ],
    labels: { ...releaseLabels(m), app: REDIS_NAME },
  });
};

/**
 * Labels of the guestbook frontend pods of both tracks: the app label only (the track label differs
 * between stable and canary, and a promoted canary namespace may run either).
 */
export function guestbookPodSelector(m: ReleaseModel): Record<string, string> {
  const { app } = trackSelector(m, 'stable');
  return { app };
}

/** The Redis env vars of the frontend, minus any the spec's `workload.env` sets itself (the spec wins). */
export function guestbookEnv(m: ReleaseModel, redis: RedisModel): KubeJson<k8s.EnvVar>[] {
  const own = new Set(m.workload.env.map((e) => e.name));
  const env: KubeJson<k8s.EnvVar>[] = [
    { name: GUESTBOOK_REDIS_ENV.host, value: redis.host },
    { name: GUESTBOOK_REDIS_ENV.port, value: String(redis.port) },
    ...(redis.passwordSecret
      ? [{ name: GUESTBOOK_REDIS_ENV.password, valueFrom: { secretKeyRef: { name: redis.passwordSecret.name, key: redis.passwordSecret.key } } }]
      : []),
  ];
  return env.filter((e) => !own.has(e.name));
}
