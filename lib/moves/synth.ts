/**
 * `synth` and `validate` at the repository level: the whole-project synthesis takes the same
 * repository lock as the moves, so a move and a synth never write dist/ at the same time.
 */
import { SpecProblem } from '../spec/errors';
import { projectPaths, synthProject, SynthResult } from '../synth/project';
import { validateNamed } from '../synth/spec-index';
import { withCommandLock } from './lock';

/** Where warnings (lint findings that do not fail) go. @default - dropped */
export interface ProjectCheckOptions {
  readonly onWarning?: (p: SpecProblem) => void;
}

/**
 * Validates and lints every spec of the project at `root` and replaces the output folder (`output`,
 * relative to `root`) atomically, holding the repository lock. Nothing is written on error.
 * @throws SpecError / UsageError (exit 2); RepositoryBusyError (exit 1) when a move runs
 */
export function synthRepository(root: string, output: string, options: ProjectCheckOptions = {}): Promise<SynthResult> {
  return withCommandLock(root, async () => synthProject(projectPaths(root, output), options));
}

/**
 * Validates every spec and cdk8s-canary.yaml, and lints what they generate (rendering the Argo CD and
 * Flux roots too: their object names must not clash). Writes nothing.
 * @returns how many releases and groups are valid
 * @throws SpecError (exit 2)
 */
export function validateRepository(root: string, options: ProjectCheckOptions = {}): { releases: number; groups: number } {
  // synth's own path, one spec at a time, writing nothing: the memory of validate stays synth's
  const r = synthProject(projectPaths(root), { ...options, write: false });
  return { releases: r.releases.length, groups: r.groups.length };
}

/**
 * `validate NAME`: the one spec named and cdk8s-canary.yaml, validated as synth validates them,
 * without rendering (no cdk8s is loaded): the lint of generated objects and the checks across
 * releases are `validateRepository`'s.
 * @throws SpecError (exit 2); UsageError (exit 2) for a name no spec has
 */
export function validateOne(root: string, name: string): { readonly kind: 'release' | 'release group'; readonly file: string } {
  const spec = validateNamed(projectPaths(root), name);
  return 'release' in spec ? { kind: 'release', file: spec.release.file } : { kind: 'release group', file: spec.group.file };
}
