// Public API of cdk8s-canary: a small set of re-exports. Everything else under lib/ is internal and
// may change without notice; the CLI (`cdk8s-canary`) is the main interface.

// The construct API: canary a workload a cdk8s app builds, driven by the release file the CLI moves.
export { CanaryRelease } from './construct/canary-release';
export type { CanaryReleaseProps, WorkloadFactory } from './construct/canary-release';
export { MANAGED_BY, TRACK_LABEL } from './workloads/labels';
export type { Track } from './workloads/labels';

// Specs: loading and validating them as the CLI does, and their types.
export { loadRelease } from './spec/loader';
export type { LoadedRelease, LoadOptions } from './spec/loader';
export { formatProblem, SpecError, UsageError } from './spec/errors';
export type { SpecProblem } from './spec/errors';
export type { ReleaseSpec, ManifestsWorkload } from './spec/generated/release';
export type { ReleaseModel, TrackModel } from './spec/model';

// Synthesis and the command line, as `cdk8s-canary synth` and `npx cdk8s-canary` run them.
export { PROJECT_CHECKS, projectPaths, synthProject } from './synth/project';
export type { ProjectPaths, SynthResult } from './synth/project';
export { run } from './cli/main';
