/**
 * A move session: the repository opened, on a branch, and (unless read-only) the repository lock
 * held for the whole session. One session may run several moves (`advance` picks a move per
 * release and runs each under one lock); `runMove` (engine.ts) runs one.
 */
import * as path from 'path';
import { Git } from '../git';
import { projectPaths, ProjectPaths } from '../synth/project';
import { cliCommand } from '../spec/hints';
import { MoveRefusedError } from './errors';
import { gitOperationInProgress } from './git-operation';
import { openGit, withGitLock } from './lock';

/** Something the user should see while a move runs; the CLI prints each on stderr. */
export type MoveEvent =
  /** A gate let the move pass with a warning (printed as `warning: <message>`). */
  | { readonly type: 'warning'; readonly message: string }
  /** Progress worth telling, e.g. a push retry (`origin/main moved (...); fetching and re-running ...`). */
  | { readonly type: 'progress'; readonly message: string }
  /** Phase timings, with `timing` on (printed as `timing: <message>`). */
  | { readonly type: 'timing'; readonly message: string };

export interface SessionOptions {
  /** No lock, nothing written: `--dry-run`. @default false */
  readonly readOnly?: boolean;
  /** Receives warnings, progress and timings as they happen. @default - dropped */
  readonly onEvent?: (e: MoveEvent) => void;
  /** Time each phase and emit `timing` events. @default - on when CDK8S_CANARY_TIMING is set */
  readonly timing?: boolean;
  /** Keep the compiled spec validator in `<git dir>/cdk8s-canary/` when the build has no precompiled one that matches (never committed; correctness never depends on it). @default - on unless CDK8S_CANARY_NO_CACHE is set */
  readonly cache?: boolean;
}

/** An open repository on a branch, the lock held unless read-only. */
export interface MoveSession {
  readonly git: Git;
  readonly paths: ProjectPaths;
  /** The branch moves commit on. */
  readonly branch: string;
  /** The commit HEAD was at when the session began: where a push that cannot be rebuilt puts the branch back. */
  readonly base: string;
  /** Whether the repository lock is held (false for a read-only session). */
  readonly locked: boolean;
  /** `<git dir>/cdk8s-canary`, or undefined with the cache off. */
  readonly cacheDir?: string;
  emit(e: MoveEvent): void;
  /** Records the end of a phase (timing). */
  mark(phase: string): void;
  /** Emits the timing line so far (timing on only). */
  reportTiming(): void;
}

/**
 * Times each phase (CDK8S_CANARY_TIMING): `phase 12.3ms (8.1ms cpu)`, the wall time and this
 * process's CPU (user + system, git's processes not included) since the previous mark.
 */
class Timer {
  private readonly start = process.hrtime.bigint();
  private last = this.start;
  private lastCpu = process.cpuUsage();
  private readonly marks: string[] = [];
  constructor(private readonly on: boolean) {}
  public mark(what: string): void {
    if (!this.on) return;
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage(this.lastCpu);
    this.marks.push(`${what} ${(Number(now - this.last) / 1e6).toFixed(1)}ms (${((cpu.user + cpu.system) / 1000).toFixed(1)}ms cpu)`);
    this.last = now;
    this.lastCpu = process.cpuUsage();
  }
  public report(): string | undefined {
    if (!this.on) return undefined;
    const cpu = process.cpuUsage();
    return `${this.marks.join(', ')}; total ${(Number(process.hrtime.bigint() - this.start) / 1e6).toFixed(1)}ms in the command; this process used ${((cpu.user + cpu.system) / 1000).toFixed(0)}ms cpu since it started (git not included)`;
  }
}

/**
 * Opens the repository at `root`, takes the repository lock (unless `readOnly`), checks HEAD is on a
 * branch with a commit, and runs `fn` with the session; the lock is released when `fn` settles.
 *
 * @throws UsageError (exit 2) outside a git repository; MoveRefusedError (exit 2) while a merge, rebase,
 *   cherry-pick, revert or `git am` is in progress (git-operation.ts), on a detached HEAD
 *   or a branch without a commit; RepositoryBusyError / GitLockedError (exit 1) when another move or
 *   git holds the repository.
 */
export async function withMoveSession<T>(root: string, options: SessionOptions, fn: (s: MoveSession) => Promise<T>): Promise<T> {
  const timer = new Timer(options.timing ?? !!process.env.CDK8S_CANARY_TIMING);
  const paths = projectPaths(root);
  const git = await openGit(paths.root);
  const emit = options.onEvent ?? (() => undefined);
  const cache = options.cache ?? !process.env.CDK8S_CANARY_NO_CACHE;
  const begin = async (locked: boolean): Promise<T> => {
    const head = await git.head(); // under the lock: the commit this session starts from
    const busy = gitOperationInProgress(git.gitDir); // first: a stopped rebase also detaches HEAD
    if (busy) throw new MoveRefusedError(`a git ${busy.what} is in progress in this work tree (${await git.gitPath(busy.file)}); a move is a commit of its own on a settled branch: ${busy.fix}, then move again; nothing was written`);
    if (head.detached) {
      throw new MoveRefusedError(`HEAD is detached${head.commit ? ` at ${head.commit.slice(0, 7)}` : ''}; every move is a commit on a branch: check one out first (\`git switch main\`)`);
    }
    if (!head.commit) throw new MoveRefusedError(`branch ${head.branch} has no commit yet; commit releases/ and dist/ first (\`git add releases dist && git commit -m "first releases"\`; run ${cliCommand('synth')} first if dist/ is missing)`);
    timer.mark('git-open');
    return fn({
      git, paths, branch: head.branch as string, base: head.commit, locked,
      ...(cache ? { cacheDir: path.join(git.gitDir, 'cdk8s-canary') } : {}),
      emit,
      mark: (p) => timer.mark(p),
      reportTiming: () => {
        const t = timer.report();
        if (t !== undefined) emit({ type: 'timing', message: t });
      },
    });
  };
  return options.readOnly ? begin(false) : withGitLock(git, () => begin(true));
}
