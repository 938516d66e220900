import { ReleaseModel } from '../spec/model';

/** Label that tells stable pods from canary pods; selectors use it, never a version. */
export const TRACK_LABEL = 'canary.cdk8s.io/track';
/** Labels every object this project generates carries. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk8s-canary' } as const;

export type Track = 'stable' | 'canary';

/** Labels on every object of a release. */
export function releaseLabels(release: ReleaseModel): Record<string, string> {
  return { ...MANAGED_BY, 'app.kubernetes.io/part-of': release.name };
}

/**
 * Selector of one track's pods: app + track. It never includes the version, so Deployment selectors
 * (immutable) survive promotion and Services keep their endpoints during a rollout.
 */
export function trackSelector(release: ReleaseModel, track: Track): Record<string, string> {
  return { app: release.workload.appLabel, [TRACK_LABEL]: track };
}

/** Selector of both tracks' pods, for routers that split by subset behind one Service. */
export function appSelector(release: ReleaseModel): Record<string, string> {
  return { app: release.workload.appLabel };
}

/** Labels on a track's pods: app, version, track, and the spec's extra labels. */
export function podLabels(release: ReleaseModel, track: Track): Record<string, string> {
  const versionLabel = track === 'stable' ? release.stable.versionLabel : release.canaryTrack.versionLabel;
  return { ...release.workload.extraLabels, ...trackSelector(release, track), version: versionLabel };
}
