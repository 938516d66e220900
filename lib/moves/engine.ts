/**
 * The move engine, shared by every kind of move (release moves, release-group moves; fleet waves
 * and `advance` next). A move is one commit that edits one spec and re-synthesizes the dist/ folders
 * it owns:
 *
 *   lock -> on a branch -> load (kind) -> owned paths clean -> plan (kind) -> owned dist/ not stale
 *   -> edit + validate + render (kind) -> gates -> [dry run stops] -> journal -> write -> commit
 *   -> [push, rebuilding the move if the remote moved]
 *
 * Refusals throw before anything is written (`MoveRefusedError`, `UsageError`, `SpecError`: exit 2).
 * A failure after writing puts the files back and unstages them before it propagates (exit 1). A
 * signal (Ctrl-C) while it writes and commits is deferred to a checkpoint, so it stops the move
 * whole (interrupt.ts). A process killed between writing and committing is repaired by the next
 * command (journal.ts).
 *
 * `runMove` runs one move end to end. To run several moves under one lock (`advance`), open a
 * session with `withMoveSession` (session.ts), call `applyMove` for each, then `pushWithRetry`
 * (push.ts) once with a `redo` that applies them again.
 */
import * as fs from 'fs';
import * as path from 'path';
import { commitChangedFiles, Trailer, uncommittedChanges } from '../git';
import { CommitMessage } from '../rollout';
import { UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { readTree } from '../manifests/files';
import { crashPoint } from '../crash-point';
import { FileChange } from '../review/unified-diff';
import { MoveGate, runGates } from './gate';
import { MOVE_GATES } from './gates';
import { beginMove, readHeadCommit } from './journal';
import { diffNames, filesUnder, MoveFiles, OwnedFolder, rel, restoreMoveFiles, writeMoveFiles, writtenHashes } from './files';
import { MoveKind, MoveSubject } from './kind';
import { MoveRefusedError } from './errors';
import { InterruptedError, withSignalsDeferred } from './interrupt';
import { checkPushTarget, pushWithRetry } from './push';
import { MoveSession, SessionOptions, withMoveSession } from './session';

export type { FileChange } from '../review/unified-diff';

/** Flags every moving command takes. */
export interface MoveFlags {
  /** False with `--no-commit`: edit the spec and synthesize dist/ only. */
  readonly commit: boolean;
  /** `--dry-run`: compute the move and its diff; change nothing. @default false */
  readonly dryRun?: boolean;
  /** `--push`: push after committing (never forced; see push.ts). @default false */
  readonly push?: boolean;
  /** `-m/--message`: extra text for the commit body. @default - none */
  readonly message?: string;
  /** `--force`: let gates that allow it yield (soak), recorded in a trailer. @default false */
  readonly force?: boolean;
}

/** Options of one move. */
export interface MoveOptions {
  /** The pre-commit gates, in order. @default - MOVE_GATES (gates.ts) */
  readonly gates?: readonly MoveGate[];
  /** Now, in seconds since the epoch, for the gates. @default - the clock */
  readonly now?: number;
}

/** What every outcome says about the move's target. */
interface OutcomeBase {
  /** The release or group moved. */
  readonly name: string;
  /** `release webapp`, `release group shop`. */
  readonly label: string;
  /** The spec file, relative to the project root. */
  readonly specPath: string;
  /** The dist/ folders owned, relative to the project root (`dist/webapp`). */
  readonly outputPaths: readonly string[];
}

/** What a move that changes something did (or would do). */
export interface ChangedOutcome extends OutcomeBase {
  /** `dry-run`: nothing written; `written`: `--no-commit`, files edited; `committed`: one commit made. */
  readonly status: 'dry-run' | 'written' | 'committed';
  readonly subject: MoveSubject;
  /** The commit message, the gates' trailers included. */
  readonly message: CommitMessage;
  /** Every file changed: the spec first, then dist/ files sorted. */
  readonly changes: readonly FileChange[];
  /** What comes next, one line. */
  readonly next: string;
  /** The branch committed on. */
  readonly branch: string;
  /** The commit made (`committed` only). */
  readonly sha?: string;
  /** The gates' warnings (also emitted as `warning` events when they happened). */
  readonly warnings: readonly string[];
}

/** The outcome of one move. */
export type MoveOutcome =
  | (OutcomeBase & { readonly status: 'unchanged'; readonly reason: string })
  | ChangedOutcome;

/** What `runMove` did: the move's outcome, and where it was pushed with `--push`. */
export type MoveResult = MoveOutcome & {
  /** `origin/main` when pushed. */
  readonly pushedTo?: string;
};

/**
 * Runs one move end to end in the repository at `root`: a session (lock unless `--dry-run`), the
 * move (`applyMove`), and with `--push` the push, rebuilding the move on the remote's head if it
 * moved (push.ts), for releases and groups alike.
 *
 * @throws UsageError `--push` with `--no-commit`; see `applyMove`, `withMoveSession` and
 *   `pushWithRetry` for the rest
 */
export async function runMove(root: string, kind: MoveKind, flags: MoveFlags, options: MoveOptions & Omit<SessionOptions, 'readOnly'> = {}): Promise<MoveResult> {
  if (flags.push && !flags.commit) throw new UsageError('--push needs a commit; drop --no-commit or --push');
  checkCommitMessageText(flags.message);
  return withMoveSession(root, { ...options, readOnly: !!flags.dryRun }, async (s) => {
    if (flags.push && !flags.dryRun) await checkPushTarget(s);
    const outcome = await applyMove(s, kind, flags, options);
    s.reportTiming();
    if (outcome.status !== 'committed' || !flags.push) return outcome;
    const pushed = await pushWithRetry(s, {
      name: outcome.name, label: outcome.label, specPaths: [outcome.specPath],
      redo: async () => {
        const again = await applyMove(s, kind, flags, options);
        return again.status === 'committed' ? again : undefined;
      },
    });
    s.reportTiming();
    return { ...(pushed.redone ?? outcome), pushedTo: pushed.where };
  });
}

/**
 * `-m/--message` text goes into a commit that `git log` prints to terminals: no control characters
 * but line breaks and tabs (an ESC would recolour every terminal showing the log), no bidirectional
 * overrides (Trojan Source).
 * @throws UsageError (exit 2) naming the character and where it is
 */
export function checkCommitMessageText(message: string | undefined): void {
  if (message === undefined) return;
  const bad = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.exec(message);
  if (!bad) return;
  const code = bad[0].charCodeAt(0);
  const shown = code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  throw new UsageError(`-m/--message holds the control character ${shown} at character ${bad.index + 1}, which git log would send to every terminal showing the commit; write plain text (line breaks and tabs are fine)`);
}

/**
 * Applies one move in an open session (one commit, or none): see the module doc for the steps.
 * With `flags.dryRun` it stops before writing and returns the changes; with `commit: false` it
 * writes and does not commit. A writing move needs a locked session.
 *
 * @throws MoveRefusedError (exit 2): the spec or an owned dist/ folder has uncommitted changes; an
 *   owned folder is not what the committed spec synthesizes; a gate refused
 * @throws UsageError / SpecError / InvalidEditError (exit 2): the kind refused, a spec is invalid,
 *   the edit would make the spec invalid
 * @throws Error (exit 1): a failed write or commit (the files are put back first), git failures
 * @throws InterruptedError (exit 128 + signal): SIGINT, SIGTERM or SIGHUP arrived while the move
 *   wrote or committed (interrupt.ts): nothing written, the files put back, or (after the commit)
 *   the move whole
 */
export async function applyMove(s: MoveSession, kind: MoveKind, flags: MoveFlags, options: MoveOptions = {}): Promise<MoveOutcome> {
  if (!flags.dryRun && !s.locked) throw new Error('internal: a move that writes needs a locked session (withMoveSession without readOnly)');
  const { git, paths } = s;
  const target = await kind.load({ git, paths, ...(s.cacheDir ? { cacheDir: s.cacheDir } : {}), ...(flags.message !== undefined ? { extraMessage: flags.message } : {}), mark: (p) => s.mark(p) });
  const specAbs = path.resolve(paths.root, target.specFile);
  const specPath = rel(paths.root, specAbs);
  if (!target.outputs.length) throw new Error(`internal: the move of ${target.label} owns no dist/ folder`);
  const folders = target.outputs.map((o) => ({ name: o, abs: path.join(paths.distDir, o), path: rel(paths.root, path.join(paths.distDir, o)) }));
  const outputPaths = folders.map((f) => f.path);
  const base = { name: target.name, label: target.label, specPath, outputPaths };
  const touched = [specPath, ...outputPaths];

  const dirty = await uncommittedChanges(git, touched);
  if (dirty.length) throw new MoveRefusedError(dirtyRefusal(dirty, specPath, target.name));
  s.mark('git-status');

  const planned = target.plan();
  if (!planned.changes) return { ...base, status: 'unchanged', reason: planned.reason };

  // the owned folders must be what the committed spec synthesizes, so the commit holds only this move
  const renderedBefore = planned.renderBefore();
  const owned: (typeof folders[number] & { before: Map<string, string> })[] = [];
  for (const f of folders) {
    const before = readTree(f.abs);
    const stale = diffNames(before, filesUnder(renderedBefore, f.name));
    if (stale.length) {
      throw new MoveRefusedError(`${f.path} is not what ${specPath} synthesizes (${stale.length} file(s) differ: ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}); run ${cliCommand('synth')} and commit dist/ first, so this move's commit holds only the move`);
    }
    owned.push({ ...f, before });
  }
  s.mark('render-before');

  const specBytes = fs.readFileSync(specAbs);
  const edited = planned.edit(specBytes);
  const outside = diffNames(notUnder(renderedBefore, target.outputs), notUnder(edited.rendered, target.outputs));
  if (outside.length) throw new Error(`internal: the move of ${target.label} changes ${outside.slice(0, 3).join(', ')}, outside the dist/ folders it owns (${outputPaths.join(', ')}); nothing was written (please report this)`);
  const ownedFolders: OwnedFolder[] = owned.map((f) => ({ abs: f.abs, before: f.before, after: filesUnder(edited.rendered, f.name) }));
  s.mark('edit+validate+render');

  const distBefore = new Map(owned.flatMap((f) => [...f.before].map(([p, c]) => [`${f.name}/${p}`, c] as const)));
  const distAfter = new Map(ownedFolders.flatMap((f, i) => [...f.after].map(([p, c]) => [`${owned[i].name}/${p}`, c] as const)));
  const gates = await runGates(options.gates ?? MOVE_GATES, {
    git, root: paths.root, subject: edited.subject, specPath, specBefore: specBytes.toString('utf8'), specAfter: edited.text,
    outputPaths, distPath: rel(paths.root, paths.distDir) || '.', distBefore, distAfter, force: !!flags.force, dryRun: !!flags.dryRun, now: options.now ?? Date.now() / 1000,
  });
  for (const w of gates.warnings) s.emit({ type: 'warning', message: w });
  s.mark('gates');
  const trailers: Trailer[] = [...edited.message.trailers, ...gates.trailers];
  const message: CommitMessage = { ...edited.message, trailers };

  const changes: FileChange[] = [{ path: specPath, before: specBytes.toString('utf8'), after: edited.text }];
  owned.forEach((f, i) => {
    const after = ownedFolders[i].after;
    for (const p of [...new Set([...f.before.keys(), ...after.keys()])].sort()) {
      const b = f.before.get(p);
      const a = after.get(p);
      if (a !== b) changes.push({ path: `${f.path}/${p}`, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
    }
  });
  const changed = { ...base, subject: edited.subject, message, changes, next: edited.next, branch: s.branch, warnings: gates.warnings };
  if (flags.dryRun) return { ...changed, status: 'dry-run' };

  // From here to the commit, Ctrl-C (SIGINT, SIGTERM, SIGHUP) is deferred: the move stops whole (interrupt.ts)
  return withSignalsDeferred(async (guard) => {
    const stopped = (signal: string, what: string) => `interrupted (${signal}) ${what}`;
    await guard.checkpoint((sig) => stopped(sig, `before the move of ${target.label} wrote anything; nothing was changed or committed`));
    // The journal lets the next command undo a move killed between here and its commit (journal.ts).
    const startedFrom = readHeadCommit(git.gitDir) ?? ((await git.head()).commit as string);
    const files: MoveFiles = { specAbs, specBefore: specBytes, specAfter: edited.text, folders: ownedFolders };
    const endJournal = beginMove(git.gitDir, { head: startedFrom, release: target.name, subject: message.subject, paths: touched, commits: flags.commit, wrote: writtenHashes(paths.root, files) });
    writeMoveFiles(files, endJournal);
    s.mark('write');
    const putBack = `before the commit of "${message.subject}"; ${touched.join(' and ')} were put back as in ${startedFrom.slice(0, 7)}, nothing was committed; run the move again`;
    if (!flags.commit) {
      endJournal();
      await guard.checkpoint((sig) => stopped(sig, `after the move of ${target.label} wrote ${touched.join(' and ')} (--no-commit: left edited, review with \`git diff\`)`));
      return { ...changed, status: 'written' };
    }

    let sha: string;
    try {
      await guard.checkpoint((sig) => stopped(sig, putBack));
      crashPoint('move:before-commit');
      // the files it wrote and deleted are all that differ from HEAD under its paths (checked clean
      // before writing): committed without a pass over the whole index (lib/git/commit-files.ts)
      sha = await commitChangedFiles(git, touched, changes.map((c) => c.path), message.body ? `${message.subject}\n\n${message.body}` : message.subject, trailers);
      crashPoint('move:committed');
    } catch (e) {
      // put the files back as they were; unstage what add staged
      restoreMoveFiles(files);
      await git.unstage(touched).catch(() => undefined);
      endJournal();
      // a terminal's Ctrl-C also stops git: say it was the signal, not git
      if (guard.received && !(e instanceof InterruptedError)) throw new InterruptedError(guard.received, stopped(guard.received, putBack));
      throw e;
    }
    endJournal();
    s.mark('git-add+commit');
    await guard.checkpoint((sig) => stopped(sig, `after the commit of "${message.subject}": the move is whole, committed as ${sha.slice(0, 7)}${flags.push ? '; nothing was pushed (`git push` when ready)' : ''}`));
    return { ...changed, status: 'committed' as const, sha };
  });
}

/** The files of a rendering outside the given folders. */
function notUnder(rendered: ReadonlyMap<string, string>, folders: readonly string[]): Map<string, string> {
  return new Map([...rendered].filter(([p]) => !folders.some((f) => p.startsWith(`${f}/`))));
}

/**
 * Why a move is refused over uncommitted paths, with commands that work in that state: a spec that
 * was never committed is a new release (synth, then commit it with its dist/); changes only in the
 * generated dist/ files are dropped (restore, clean) or stashed, never committed (the move would
 * then refuse a dist/ that is not what the spec synthesizes); otherwise stash the changes, with
 * --include-untracked when some are new files (a plain `git stash push` skips them).
 */
export function dirtyRefusal(dirty: readonly { readonly index: string; readonly worktree: string; readonly path: string }[], specPath: string, name: string): string {
  const shown = dirty.slice(0, 5).map((e) => `${e.path} (${describeStatus(e.index, e.worktree)})`).join(', ') + (dirty.length > 5 ? `, and ${dirty.length - 5} more` : '');
  if (dirty.some((e) => e.path === specPath && e.index === '?')) {
    return `${specPath} is not committed yet (${shown}): a new release is moved once its spec and its dist/ are committed; run ${cliCommand('synth')}, `
      + `then \`git add ${specPath} dist && git commit -m "${name}: first release"\`, and move it again`;
  }
  const untracked = dirty.some((e) => e.index === '?');
  const paths = [...new Set(dirty.map((e) => e.path))];
  const stash = `\`git stash push${untracked ? ' --include-untracked' : ''} -- ${paths.join(' ')}\``;
  if (!paths.includes(specPath)) {
    // only generated files: committing a hand edit of dist/ would be refused next (not what the spec synthesizes)
    const tracked = [...new Set(dirty.filter((e) => e.index !== '?').map((e) => e.path))];
    const added = [...new Set(dirty.filter((e) => e.index === '?').map((e) => e.path))];
    const drop = [
      ...(tracked.length ? [`\`git restore --staged --worktree --source=HEAD -- ${tracked.join(' ')}\``] : []),
      ...(added.length ? [`\`git clean -f -- ${added.join(' ')}\``] : []),
    ].join(' and ');
    return `uncommitted changes in the paths this move would touch: ${shown}; they are generated from ${specPath} (edit the spec, not dist/): drop them with ${drop}, or keep them aside with ${stash}, then move again`;
  }
  return `uncommitted changes in the paths this move would touch: ${shown}; commit them, or stash them first: ${stash}`;
}

function describeStatus(index: string, worktree: string): string {
  if (index === '?') return 'untracked';
  const what = (c: string) => ({ M: 'modified', A: 'added', D: 'deleted', R: 'renamed', C: 'copied', U: 'unmerged', T: 'type changed' } as Record<string, string>)[c] ?? c;
  const parts = [index !== ' ' ? `${what(index)}, staged` : '', worktree !== ' ' ? what(worktree) : ''].filter(Boolean);
  return parts.join('; ');
}
