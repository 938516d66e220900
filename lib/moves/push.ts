/**
 * Pushing moves: never forced; when the remote moved, the moves are rebuilt on its new head.
 */
import { GitError } from '../git';
import { cliCommand } from '../spec/hints';
import { MoveRefusedError, PushConflictError } from './errors';
import { MoveSession } from './session';

/** How often a push rebuilds the moves on a remote that moved before it gives up. */
export const PUSH_ATTEMPTS = 3;

/** What to push and how to rebuild it. */
export interface PushPlan<T> {
  /** The release or group moved, for the `status` hint in messages. */
  readonly name: string;
  /** How messages name it (`release webapp`). */
  readonly label: string;
  /** The spec files the moves edited (relative to the project root): if any differs on the remote, someone else moved it and nothing is rebuilt. */
  readonly specPaths: readonly string[];
  /** Applies the moves again on the new head (same commands); returns the last outcome, or undefined when they now change nothing. */
  redo(): Promise<T | undefined>;
}

/**
 * Checks, before a move writes anything, that `--push` has somewhere to go: the branch's upstream
 * remote, or `origin`. Without it the move used to be committed and then fail to push (exit 1,
 * the commit kept); now nothing is written.
 * @throws MoveRefusedError (exit 2) when that remote is not configured
 */
export async function checkPushTarget(s: MoveSession): Promise<void> {
  const up = (await s.git.upstream(s.branch)) ?? { remote: 'origin', branch: s.branch };
  if ((await s.git.tryRun(['remote', 'get-url', up.remote])).code === 0) return;
  throw new MoveRefusedError(`--push: branch ${s.branch} has no upstream and this repository has no remote '${up.remote}', so there is nowhere to push; add it (\`git remote add ${up.remote} URL\`, then \`git push -u ${up.remote} ${s.branch}\` once), or drop --push; nothing was written`);
}

/**
 * Pushes the session's branch to its upstream (default `origin/<branch>`); never forces. If the
 * remote moved, fetches it and, when none of the moves' specs differ there from the session's base,
 * puts the branch back at the base, catches up (fast-forward, or a rebase of other local commits),
 * re-runs the moves (`redo`) on the new head and pushes again, up to PUSH_ATTEMPTS times.
 *
 * @returns where it pushed (`origin/main`), and the last rebuilt outcome if a rebuild happened
 * @throws PushConflictError (exit 1) when a spec changed on the remote (someone else moved it), the
 *   rebuild fails or changes nothing, the branch's other commits conflict, or the remote kept
 *   moving: the branch is back at the session's base, as before the command
 * @throws GitError (exit 1) when the push fails for another reason: the local commit is kept
 */
export async function pushWithRetry<T>(s: MoveSession, plan: PushPlan<T>): Promise<{ where: string; redone?: T }> {
  const { git, branch, base } = s;
  const up = (await git.upstream(branch)) ?? { remote: 'origin', branch };
  const where = `${up.remote}/${up.branch}`;
  let redone: T | undefined;
  for (let attempt = 1; ; attempt++) {
    let outcome;
    try {
      outcome = await git.push(up.remote, 'HEAD', up.branch);
    } catch (e) {
      const sha = (await git.head()).commit?.slice(0, 7);
      throw new GitError(`the move is committed locally (${sha}) but the push to ${where} failed: ${e instanceof Error ? e.message : String(e)}; fix that and run \`git push\``);
    }
    s.mark('push');
    if (outcome.ok) return { where, ...(redone !== undefined ? { redone } : {}) };
    const giveBack = async (why: string): Promise<never> => {
      await git.resetKeep(base);
      throw new PushConflictError(`${why}; the move was not pushed and your branch is back at ${base.slice(0, 7)} as before the command: run \`git pull\`, check ${cliCommand(`status ${plan.name}`)}, then move again`);
    };
    if (attempt >= PUSH_ATTEMPTS) await giveBack(`${where} kept moving (${PUSH_ATTEMPTS} attempts)`);
    s.emit({ type: 'progress', message: `${where} moved (${outcome.detail}); fetching and re-running the move on it (attempt ${attempt + 1}/${PUSH_ATTEMPTS})` });
    const remoteHead = await git.fetch(up.remote, up.branch);
    for (const spec of plan.specPaths) {
      if ((await git.blobId(remoteHead, spec)) !== (await git.blobId(base, spec))) {
        const last = await git.lastCommitTouching(spec, remoteHead).catch(() => undefined);
        await giveBack(`${plan.label} changed on ${where}${last ? ` (${last.sha.slice(0, 7)} "${last.subject}")` : ''}`);
      }
    }
    await git.resetKeep(base);
    if (await git.isAncestor(base, remoteHead)) {
      await git.fastForward(remoteHead);
    } else if (!(await git.rebase(remoteHead))) {
      await giveBack(`your branch has other commits that conflict with ${where}`);
    }
    try {
      redone = await plan.redo();
      if (redone === undefined) await giveBack(`the move changes nothing on ${where}`);
    } catch (e) {
      if (e instanceof PushConflictError) throw e;
      await giveBack(`the move cannot be re-run on ${where} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}
