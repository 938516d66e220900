/**
 * `synth` and `validate` at the repository level: the whole-project synthesis takes the same
 * repository lock as the moves, so a move and a synth never write dist/ at the same time.
 */
import * as path from 'path';
import { blobId, Git, listTreeAt, NotARepositoryError, readBlobs } from '../git';
import { gateTransition, scopeToChange } from '../review/transition-gate';
import { TransitionReport } from '../review/transition';
import { SpecProblem, UsageError } from '../spec/errors';
import { loadProjectWithConfig, projectPaths, renderProject, synthProject, SynthResult } from '../synth/project';
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
 * Validates every spec and cdk8s-canary.yaml, lints what they generate (rendering the Argo CD and
 * Flux roots too: their object names must not clash), and checks the change from HEAD's dist/ to what
 * the specs generate with the transition model (lib/review/transition-gate.ts): no Namespace removed
 * under another release, no state of an Argo CD or Flux sync with failing requests or a canary above
 * its share before and after. Outside a git repository, or before the first commit, that last check is
 * skipped (`sync` undefined). Writes nothing.
 * @returns how many releases and groups are valid, and the sync model's report
 * @throws SpecError (exit 2); UsageError (exit 2) naming every unsafe state
 */
export async function validateRepository(root: string, options: ProjectCheckOptions = {}): Promise<{ releases: number; groups: number; sync?: TransitionReport }> {
  const paths = projectPaths(root);
  const { releases, groups, config } = loadProjectWithConfig(paths);
  const files = renderProject(releases, config, groups, options);
  const head = await headDist(paths.root, path.relative(paths.root, paths.distDir) || 'dist', files);
  if (!head) return { releases: releases.length, groups: groups.length };
  const scope = scopeToChange(head, files);
  const gate = gateTransition(scope.before, scope.after);
  if (gate.refusals.length) throw new UsageError(`the change from HEAD's dist/ is not safe to sync:\n${gate.refusals.map((r) => `  ${r}`).join('\n')}`);
  return { releases: releases.length, groups: groups.length, sync: gate.report };
}

/**
 * dist/ at HEAD (relative path -> text), or undefined outside a git repository or before the first
 * commit. A file whose blob id at HEAD is that of its text in `rendered` gets the rendered text
 * itself, so only the files that differ are read from git and held twice (issue 19: validate's peak
 * memory at 1000 releases).
 */
async function headDist(root: string, dist: string, rendered: ReadonlyMap<string, string>): Promise<Map<string, string> | undefined> {
  let git: Git;
  try { git = await Git.open(root); } catch (e) { if (e instanceof NotARepositoryError) return undefined; throw e; }
  const head = await git.tryRun(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.code !== 0) return undefined;
  const listing = await listTreeAt(git, head.stdout.trim(), path.relative(git.root, path.resolve(root, dist)).split(path.sep).join('/'));
  const format = (await git.tryRun(['rev-parse', '--show-object-format'])).stdout.trim() === 'sha256' ? 'sha256' : 'sha1';
  const out = new Map<string, string>();
  const differ: [string, string][] = [];
  for (const [file, sha] of listing) {
    const text = rendered.get(file);
    if (text !== undefined && blobId(text, format) === sha) out.set(file, text);
    else differ.push([file, sha]);
  }
  const texts = await readBlobs(git, differ.map(([, sha]) => sha));
  for (const [file, sha] of differ) out.set(file, texts.get(sha)!);
  return out;
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
