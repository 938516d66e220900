import * as fs from 'fs';
import * as path from 'path';
import { Git, GitError, NotARepositoryError, withRepositoryLock } from '../git';
import { commitMessage, describeNext, editSpecText, formatDuration, Move, percent, releaseNamed, sameState, soakState, stateOf } from '../rollout';
import { SpecError, UsageError } from '../spec/errors';
import { LoadedRelease, parseRelease } from '../spec/loader';
import { cacheCompiledValidators } from '../spec/schemas';
import { PROJECT_CHECKS, projectPaths, ProjectPaths, renderRelease } from '../synth/project';
import { loadProjectFor } from '../synth/spec-cache';
import { readTree, writeFileAtomic, writeTreeAtomic } from '../synth/write';
import { crashPoint } from '../crash-point';
import { CliContext } from './context';
import { beginMove, readHeadCommit } from './journal';
import { FileChange, unifiedDiff } from './diff';
import { EXIT_OK } from './output';

/** Flags every moving command takes. */
export interface MoveFlags {
  /** False with `--no-commit`: edit the spec and synthesize dist/ only. */
  readonly commit: boolean;
  /** `--dry-run`: print the would-be diff and change nothing. */
  readonly dryRun?: boolean;
  /** `--push`: push after committing. */
  readonly push?: boolean;
  /** `--message`: extra text for the commit body. */
  readonly message?: string;
  /** `--force`: leave a rung before its minimum soak time. */
  readonly force?: boolean;
}

/** Computes a move from the loaded release (a pure function of lib/rollout). */
export type Planner = (release: LoadedRelease) => Move;

/** How often `--push` rebuilds the move on a remote that moved before it gives up. */
export const PUSH_ATTEMPTS = 3;

/** Name of the lock file (in the git dir) that serializes moves in one work tree. */
export const LOCK_NAME = 'cdk8s-canary';

/** The remote moved and the move cannot be rebuilt on it: the branch is back where it was. */
export class PushConflictError extends GitError {
  constructor(message: string) {
    super(message);
    this.name = 'PushConflictError';
  }
}

/** What one move did. */
interface MoveResult {
  readonly move: Move;
  /** The commit made, when one was. */
  readonly sha?: string;
}

/** Times each phase when CDK8S_CANARY_TIMING is set (printed to stderr). */
class Timer {
  private readonly start = process.hrtime.bigint();
  private last = this.start;
  private readonly marks: string[] = [];
  constructor(private readonly on: boolean) {}
  public mark(what: string): void {
    if (!this.on) return;
    const now = process.hrtime.bigint();
    this.marks.push(`${what} ${Number(now - this.last) / 1e6}ms`);
    this.last = now;
  }
  public report(ctx: CliContext): void {
    if (!this.on) return;
    const cpu = process.cpuUsage();
    ctx.io.err(`timing: ${this.marks.map((m) => m.replace(/(\.\d)\d*ms/, '$1ms')).join(', ')}; total ${(Number(process.hrtime.bigint() - this.start) / 1e6).toFixed(1)}ms in the command; this process used ${((cpu.user + cpu.system) / 1000).toFixed(0)}ms cpu since it started (git not included)`);
  }
}

/**
 * Runs one rollout move end to end: load and validate every spec, compute the move, edit the spec in
 * memory, validate it, re-synthesize only that release, write the spec and dist/<release>, `git add`
 * exactly those paths and commit; with --push, push (rebuilding the move if the remote moved).
 * Refusals throw UsageError/SpecError (exit 2) before anything is written; a failure after writing
 * restores the files.
 */
export async function runMove(ctx: CliContext, name: string, plan: Planner, flags: MoveFlags): Promise<void> {
  if (flags.push && !flags.commit) throw new UsageError('--push needs a commit; drop --no-commit or --push');
  const timer = new Timer(!!process.env.CDK8S_CANARY_TIMING);
  const paths = projectPaths(ctx.root());
  let git: Git;
  try {
    git = await Git.open(paths.root);
  } catch (e) {
    if (e instanceof NotARepositoryError) throw new UsageError(e.message);
    throw e;
  }
  const onBranch = async (): Promise<{ branch: string; commit: string }> => {
    const head = await git.head();
    if (head.detached) {
      throw new UsageError(`HEAD is detached${head.commit ? ` at ${head.commit.slice(0, 7)}` : ''}; every move is a commit on a branch: check one out first (git switch main)`);
    }
    if (!head.commit) throw new UsageError(`branch ${head.branch} has no commit yet; commit releases/ and dist/ first (git add releases dist && git commit)`);
    return { branch: head.branch as string, commit: head.commit };
  };
  if (flags.dryRun) {
    const head = await onBranch();
    timer.mark('git-open');
    await moveOnce(ctx, git, head.branch, paths, name, plan, flags, timer);
    timer.report(ctx);
    return;
  }
  await withRepositoryLock(git.gitDir, LOCK_NAME, async () => {
    git.assertIndexUnlocked();
    const head = await onBranch(); // under the lock: the commit this move starts from
    timer.mark('git-open');
    const r = await moveOnce(ctx, git, head.branch, paths, name, plan, flags, timer);
    timer.report(ctx);
    if (r.sha && flags.push) await pushWithRetry(ctx, git, paths, name, plan, flags, head.branch, head.commit, timer);
  });
  ctx.setCode(EXIT_OK);
}

async function moveOnce(ctx: CliContext, git: Git, branch: string, paths: ProjectPaths, name: string, plan: Planner, flags: MoveFlags, timer: Timer): Promise<MoveResult> {
  const cacheDir = process.env.CDK8S_CANARY_NO_CACHE ? undefined : path.join(git.gitDir, 'cdk8s-canary');
  cacheCompiledValidators(cacheDir);
  const project = loadProjectFor(paths, name, cacheDir && path.join(cacheDir, 'valid-specs.json'));
  timer.mark(`load+validate(${project.names.length} specs, ${project.parsed} parsed)`);
  if (!project.release) {
    releaseNamed(project.names.map((n) => ({ model: { name: n } })), name);
    throw new Error(`internal: release ${name} is listed but was not loaded`);
  }
  const release = project.release;
  const specAbs = path.resolve(paths.root, release.file);
  const specRel = rel(paths.root, specAbs);
  const distAbs = path.join(paths.distDir, release.model.name);
  const distRel = rel(paths.root, distAbs);
  const touched = [specRel, distRel];

  const dirty = await git.status(touched);
  if (dirty.length) {
    const shown = dirty.slice(0, 5).map((e) => `${e.path} (${describeStatus(e.index, e.worktree)})`).join(', ') + (dirty.length > 5 ? `, and ${dirty.length - 5} more` : '');
    throw new UsageError(`uncommitted changes in the paths this move would touch: ${shown}; commit or stash them first (git stash push -- ${touched.join(' ')})`);
  }
  timer.mark('git-status');

  const mv = plan(release);
  if (!mv.changes) {
    ctx.io.out(`nothing to do: canary ${mv.canaryVersion} of ${mv.release} is already at ${percent(mv.toWeight ?? 0, mv.weightTotal)}; no commit made`);
    return { move: mv };
  }

  const soakTrailers: [string, string][] = [];
  if (mv.leavesSoak) {
    const line = release.source.locate(['canary', 'weight']).line;
    const entered = await git.lastCommitTouchingLine(specRel, line);
    const now = Date.now() / 1000;
    const soak = soakState(mv.leavesSoak.minSoakSeconds, entered?.time ?? now, now);
    if (soak.remainingSeconds > 0) {
      const at = `${percent(mv.leavesSoak.weight, mv.weightTotal)} (step ${mv.leavesSoak.index}/${release.model.steps.length})`;
      const since = entered ? ` since ${entered.sha.slice(0, 7)} "${entered.subject}"` : '';
      if (!flags.force) {
        throw new UsageError(`canary ${mv.canaryVersion} of ${mv.release} has soaked ${formatDuration(soak.elapsedSeconds)} of its minimum ${formatDuration(soak.minSeconds)} at ${at}${since}; ${formatDuration(soak.remainingSeconds)} left: wait, or pass --force to move on now`);
      }
      ctx.io.err(`warning: leaving ${at} with ${formatDuration(soak.remainingSeconds)} of its ${formatDuration(soak.minSeconds)} soak left (--force)`);
      soakTrailers.push(['Soak-Override', `${formatDuration(soak.remainingSeconds)} of ${formatDuration(soak.minSeconds)} left`]);
    }
    timer.mark('soak');
  }

  // dist/<release> must be what the committed spec synthesizes, so the commit holds only this move
  const prefix = `${release.model.name}/`;
  const own = (files: Map<string, string>) => new Map([...files].map(([p, c]) => [p.slice(prefix.length), c]));
  const distBefore = readTree(distAbs);
  const expected = own(renderRelease(release));
  const stale = diffNames(distBefore, expected);
  if (stale.length) {
    throw new UsageError(`${distRel} is not what ${specRel} synthesizes (${stale.length} file(s) differ: ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}); run \`cdk8s-canary synth\` and commit dist/ first, so this move's commit holds only the move`);
  }
  timer.mark('render-before');

  const specBytes = fs.readFileSync(specAbs);
  const bom = specBytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? '\ufeff' : '';
  const newText = bom + editSpecText(release.source, mv.before, mv.after);
  const parsed = parseRelease(specAbs, newText, { checks: PROJECT_CHECKS, relativeTo: paths.root });
  if ('problems' in parsed) {
    ctx.io.err(`the ${mv.kind} would make ${specRel} invalid:`);
    throw new SpecError(parsed.problems);
  }
  if (!sameState(stateOf(parsed.release.model.spec), mv.after)) {
    throw new Error(`internal: the edited ${specRel} does not hold the state the move computed; nothing was written (please report this with the spec file)`);
  }
  const distAfter = own(renderRelease(parsed.release));
  timer.mark('edit+validate+render');

  const changes: FileChange[] = [{ path: specRel, before: specBytes.toString('utf8'), after: newText }];
  for (const p of [...new Set([...distBefore.keys(), ...distAfter.keys()])].sort()) {
    const b = distBefore.get(p);
    const a = distAfter.get(p);
    if (a !== b) changes.push({ path: `${distRel}/${p}`, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  }
  const msg = commitMessage(mv, flags.message);

  if (flags.dryRun) {
    for (const c of changes) {
      const d = unifiedDiff(c);
      ctx.io.out(`diff --git a/${c.path} b/${c.path}`);
      ctx.io.out(d.replace(/\n$/, ''));
    }
    ctx.io.out(`dry run: would commit "${msg.subject}" changing ${changes.length} file(s); nothing was written`);
    return { move: mv };
  }

  // The journal lets the next command undo a move killed between here and its commit (journal.ts).
  const startedFrom = readHeadCommit(git.gitDir) ?? ((await git.head()).commit as string);
  const endJournal = beginMove(git.gitDir, { head: startedFrom, release: release.model.name, subject: msg.subject, paths: touched, commits: flags.commit });
  const files: MoveFiles = { specAbs, specBefore: specBytes, specAfter: newText, distAbs, distBefore, distAfter };
  writeMoveFiles(files, endJournal);
  timer.mark('write');

  if (!flags.commit) {
    endJournal();
    ctx.io.out(`${msg.subject} (not committed)`);
    ctx.io.out(`edited ${specRel} and ${distRel}/ (${changes.length} file(s)); review with \`git diff\`, then commit both paths`);
    return { move: mv };
  }

  let sha: string;
  try {
    // `commit --only` records modifications of tracked files itself; new and removed files are staged first
    if (changes.some((c) => c.before === undefined || c.after === undefined)) await git.add(touched);
    crashPoint('move:before-commit');
    sha = await git.commit(touched, msg.body ? `${msg.subject}\n\n${msg.body}` : msg.subject, [...msg.trailers, ...soakTrailers]);
    crashPoint('move:committed');
  } catch (e) {
    // put the files back as they were; unstage what add staged
    restoreMoveFiles(files);
    await git.unstage(touched).catch(() => undefined);
    endJournal();
    throw e;
  }
  endJournal();
  timer.mark('git-add+commit');
  ctx.io.out(`${msg.subject}`);
  ctx.io.out(`[${branch} ${sha.slice(0, 7)}] ${changes.length} file(s): ${specRel}, ${distRel}/`);
  ctx.io.out(describeNext(mv.next, mv.weightTotal, mv.release));
  return { move: mv, sha };
}

/**
 * Pushes the branch; never forces. If the remote moved, fetches it and, when the release's spec is
 * the same there, resets to the commit the command started from, catches up (fast-forward, or a
 * rebase of other local commits), re-runs the move on the new head and pushes again, up to
 * PUSH_ATTEMPTS times. When the release changed on the remote (someone else moved it) or the
 * rebuild fails, the branch is left where it was before the command and the error says so.
 */
async function pushWithRetry(ctx: CliContext, git: Git, paths: ProjectPaths, name: string, plan: Planner, flags: MoveFlags, branch: string, base: string, timer: Timer): Promise<void> {
  const up = (await git.upstream(branch)) ?? { remote: 'origin', branch };
  const where = `${up.remote}/${up.branch}`;
  for (let attempt = 1; ; attempt++) {
    let outcome;
    try {
      outcome = await git.push(up.remote, 'HEAD', up.branch);
    } catch (e) {
      const sha = (await git.head()).commit?.slice(0, 7);
      throw new GitError(`the move is committed locally (${sha}) but the push to ${where} failed: ${e instanceof Error ? e.message : String(e)}; fix that and run \`git push\``);
    }
    timer.mark('push');
    if (outcome.ok) {
      ctx.io.out(`pushed to ${where}`);
      timer.report(ctx);
      return;
    }
    const giveBack = async (why: string): Promise<never> => {
      await git.resetKeep(base);
      throw new PushConflictError(`${why}; the move was not pushed and your branch is back at ${base.slice(0, 7)} as before the command: run \`git pull\`, check \`cdk8s-canary status ${name}\`, then move again`);
    };
    if (attempt >= PUSH_ATTEMPTS) await giveBack(`${where} kept moving (${PUSH_ATTEMPTS} attempts)`);
    ctx.io.err(`${where} moved (${outcome.detail}); fetching and re-running the move on it (attempt ${attempt + 1}/${PUSH_ATTEMPTS})`);
    const remoteHead = await git.fetch(up.remote, up.branch);
    const specRel = rel(paths.root, path.join(paths.releasesDir, `${name}.yaml`));
    const specOf = async (rev: string) => (await git.blobId(rev, specRel)) ?? (await git.blobId(rev, specRel.replace(/\.yaml$/, '.yml')));
    if ((await specOf(remoteHead)) !== (await specOf(base))) {
      const last = await git.lastCommitTouching(specRel, remoteHead).catch(() => undefined);
      await giveBack(`release ${name} changed on ${where}${last ? ` (${last.sha.slice(0, 7)} "${last.subject}")` : ''}`);
    }
    await git.resetKeep(base);
    if (await git.isAncestor(base, remoteHead)) {
      await git.fastForward(remoteHead);
    } else if (!(await git.rebase(remoteHead))) {
      await giveBack(`your branch has other commits that conflict with ${where}`);
    }
    try {
      const r = await moveOnce(ctx, git, branch, paths, name, plan, flags, timer);
      if (!r.sha) await giveBack(`the move changes nothing on ${where}`);
    } catch (e) {
      if (e instanceof PushConflictError) throw e;
      await giveBack(`the move cannot be re-run on ${where} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

function describeStatus(index: string, worktree: string): string {
  if (index === '?') return 'untracked';
  const what = (c: string) => ({ M: 'modified', A: 'added', D: 'deleted', R: 'renamed', C: 'copied', U: 'unmerged', T: 'type changed' } as Record<string, string>)[c] ?? c;
  const parts = [index !== ' ' ? `${what(index)}, staged` : '', worktree !== ' ' ? what(worktree) : ''].filter(Boolean);
  return parts.join('; ');
}

/** A path relative to the repository root, with forward slashes (git paths). */
export function rel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** Keys whose values differ between two file maps, sorted. */
export function diffNames(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** What a move writes: the spec and its dist folder, before and after. */
export interface MoveFiles {
  readonly specAbs: string;
  readonly specBefore: string | Buffer;
  readonly specAfter: string;
  readonly distAbs: string;
  readonly distBefore: ReadonlyMap<string, string>;
  readonly distAfter: ReadonlyMap<string, string>;
}

/**
 * Writes a move's spec, then its dist folder (each atomically). If the dist write fails, the spec
 * is put back and `onFail` runs before the error propagates. Crash points name both steps.
 */
export function writeMoveFiles(f: MoveFiles, onFail: () => void): void {
  writeFileAtomic(f.specAbs, f.specAfter);
  crashPoint('move:spec-written');
  try {
    writeTreeAtomic(f.distAbs, f.distAfter);
  } catch (e) {
    writeFileAtomic(f.specAbs, f.specBefore);
    onFail();
    throw e;
  }
  crashPoint('move:dist-written');
}

/** Puts a move's spec and dist folder back as they were before it (a failed commit). */
export function restoreMoveFiles(f: MoveFiles): void {
  writeFileAtomic(f.specAbs, f.specBefore);
  writeTreeAtomic(f.distAbs, f.distBefore);
}
