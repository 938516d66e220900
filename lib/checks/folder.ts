import { App, Chart } from 'cdk8s';
import { ReleaseModel } from '../spec/model';
import { canaryCheckService, SmokeCheckJob } from './job';
import { checksFolderName } from './model';

/** The chart of a release's smoke checks and the dist folder it goes to. */
export interface ChecksChart {
  /** Folder name under `dist/<release>/`: `<canary namespace>-checks`. */
  readonly folder: string;
  /** Namespace its objects live in: the canary's. */
  readonly namespace: string;
  readonly chart: Chart;
}

/**
 * Adds the chart of a release's smoke checks, in its own dist folder next to the canary namespace's
 * folder, so Flux can apply it after the canary is ready and wait for it. The folder exists whenever
 * the spec declares checks (the set of folders, and so the GitOps wiring, stays the same from state to
 * state); it holds the Job only while a canary runs. Returns undefined for a release without checks.
 */
export function addChecksChart(app: App, release: ReleaseModel, serviceLayout: 'per-track' | 'shared'): ChecksChart | undefined {
  if (!release.spec.checks?.length) return undefined;
  const folder = checksFolderName(release);
  const chart = new Chart(app, folder, { disableResourceNameHashes: true });
  if (release.canary) {
    const serviceName = serviceLayout === 'shared' ? canaryCheckService(chart, 'service-checks', release).name : release.canary.serviceName;
    new SmokeCheckJob(chart, 'smoke-checks', { release, serviceName });
  }
  return { folder, namespace: release.namespaces.canary, chart };
}
