import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ReleaseModel } from '../spec/model';
import { canaryCheckService, SmokeCheckJob } from './job';
import { checksFolderName } from './model';
import { canaryTrackFolder } from '../gitops/layout';

/** Where a release's smoke checks go in dist/, and which folder they verify. */
export interface ChecksFolder {
  /** Path relative to the dist root: `<release>/<canary namespace>-checks`. */
  readonly path: string;
  /** Namespace its objects live in: the canary's. */
  readonly namespace: string;
  /** Path of the folder whose objects the checks verify: the canary namespace's, `<release>/<canary namespace>`. */
  readonly verifies: string;
}

/**
 * The checks folder of a release, or undefined for a release without checks. It exists whenever the
 * spec declares checks, with or without a running canary, so the set of folders (and the GitOps
 * wiring that lists them) stays the same from state to state. Pure.
 */
export function checksFolderOf(release: ReleaseModel): ChecksFolder | undefined {
  if (!release.spec.checks?.length) return undefined;
  const ns = release.namespaces.canary;
  // the canary's pods are in the canary namespace's folder, or in the canary track's folder when they share the production namespace
  const verifies = canaryTrackFolder(release)?.path ?? `${release.name}/${ns}`;
  return { path: `${release.name}/${checksFolderName(release)}`, namespace: ns, verifies };
}

/**
 * Adds the chart of a release's smoke checks, for its own dist folder next to the canary namespace's
 * folder, so Flux can apply it after the canary is ready and wait for it. The chart holds the Job only
 * while a canary runs (and, for routers with one Service for both tracks, a canary-only Service for
 * it). Returns undefined for a release without checks.
 */
export function addChecksChart(scope: Construct, release: ReleaseModel, serviceLayout: 'per-track' | 'shared'): (ChecksFolder & { readonly chart: Chart }) | undefined {
  const folder = checksFolderOf(release);
  if (!folder) return undefined;
  const chart = new Chart(scope, checksFolderName(release), { disableResourceNameHashes: true });
  if (release.canary) {
    const serviceName = serviceLayout === 'shared' ? canaryCheckService(chart, 'service-checks', release).name : release.canary.serviceName;
    new SmokeCheckJob(chart, 'smoke-checks', { release, serviceName });
  }
  return { ...folder, chart };
}
