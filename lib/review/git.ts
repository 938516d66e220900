/**
 * The revisions `cdk8s-canary diff` and `traffic --rev` read, through lib/git: a revision given on
 * the command line, or the merge base of HEAD with the main branch. Unknown revisions and a folder
 * outside any repository are usage errors (exit 2).
 */
import * as path from 'path';
import { Git, NotARepositoryError, readTreeAt } from '../git';
import { UsageError } from '../spec/errors';

/** Branches tried, in order, when the base is "the merge base with the main branch". */
export const MAIN_BRANCH_CANDIDATES: readonly string[] = ['main', 'origin/main', 'master', 'origin/master'];

/** The repository holding `dir`. */
export async function openRepository(dir: string): Promise<Git> {
  try {
    return await Git.open(dir);
  } catch (e) {
    if (e instanceof NotARepositoryError) throw new UsageError(`${path.resolve(dir)} is not inside a git repository; run the command in your checkout or pass -C <repository>`);
    throw e;
  }
}

/** A revision as a full commit id; a usage error for one git does not know. */
export async function resolveCommit(git: Git, rev: string): Promise<string> {
  const r = rev.startsWith('-') ? undefined : await git.tryRun(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  if (!r || r.code !== 0) throw new UsageError(`unknown revision '${rev}'; name a commit, branch or tag that exists (see git log --oneline)`);
  return r.stdout.trim();
}

/** Short commit id for messages. */
export async function shortCommit(git: Git, sha: string): Promise<string> {
  return (await git.run(['rev-parse', '--short', sha])).trim();
}

/**
 * The merge base of HEAD with the main branch: `gitopsBranch` (cdk8s-canary.yaml's
 * `repository.branch`, the one Argo CD and Flux sync) and `origin/<it>` first, then `main`,
 * `origin/main`, `master`, `origin/master`.
 */
export async function mergeBaseWithMain(git: Git, gitopsBranch?: string): Promise<{ sha: string; branch: string }> {
  const candidates = gitopsBranch === undefined || MAIN_BRANCH_CANDIDATES.includes(gitopsBranch) ? MAIN_BRANCH_CANDIDATES
    : [gitopsBranch, `origin/${gitopsBranch}`, ...MAIN_BRANCH_CANDIDATES];
  for (const branch of candidates) {
    const ref = branch.includes('/') ? `refs/remotes/${branch}` : `refs/heads/${branch}`;
    const found = await git.tryRun(['rev-parse', '--verify', '--quiet', ref]);
    if (found.code !== 0) continue;
    const mb = await git.tryRun(['merge-base', 'HEAD', found.stdout.trim()]);
    if (mb.code !== 0) throw new UsageError(`HEAD and ${branch} have no common commit${mb.stderr ? ` (${mb.stderr.split('\n')[0]})` : ''}; pass the base revision explicitly`);
    return { sha: mb.stdout.trim(), branch };
  }
  throw new UsageError(`no main branch found (tried ${candidates.join(', ')}); pass the base revision explicitly, e.g. \`npx cdk8s-canary diff origin/main\``);
}

/** Files of a folder (relative to `dir`, the folder git runs in) at a commit. */
export async function distAtCommit(git: Git, commit: string, dirFromCwd: string): Promise<Map<string, string>> {
  const inRepo = path.relative(git.root, path.resolve(git.cwd, dirFromCwd)).split(path.sep).join('/');
  if (inRepo.startsWith('..')) throw new UsageError(`${dirFromCwd} is outside the repository ${git.root}`);
  return readTreeAt(git, commit, inRepo);
}
