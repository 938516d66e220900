// Public API of cdk8s-canary: re-exports only.
export * from './spec/errors';
export * from './spec/loader';
export * from './spec/model';
export * from './spec/generated/release';
export * from './routers/router';
export * from './routers/registry';
export * from './routers/gateway-api';
export * from './routers/istio';
export * from './routers/nginx';
export * from './workloads/labels';
export * from './workloads/web-app';
export * from './workloads/registry';
export * from './workloads/redis';
export * from './workloads/network-policy';
export * from './workloads/guestbook';
export * from './synth/build';
export * from './synth/project';
export * from './synth/write';
export * from './git';
export * as rollout from './rollout';
export * from './spec/project-config';
export type { ProjectConfig } from './spec/generated/project';
export * from './gitops/layout';
// SYNC_WAVE_ANNOTATION is also exported by routers/istio (same value)
export { HOOK_ANNOTATION, isRedisObject, syncWaveOf, WAVES, withSyncWave, withSyncWaves } from './gitops/sync-waves';
export * from './gitops/applicationset';
export * from './gitops/argocd';
export * from './gitops/flux';
