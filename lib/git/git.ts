import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * A thin wrapper over the `git` binary: every call is `execFile('git', args)` (no shell), with
 * literal pathspecs, C locale messages and no terminal prompts. Nothing here prints or exits; errors
 * are thrown as `GitError` (or its subclasses) carrying git's own message.
 */

/** A git command failed. `message` is lowercase and names what to do. */
export class GitError extends Error {
  constructor(
    message: string,
    /** The arguments git was called with. */
    public readonly args: readonly string[] = [],
    /** git's exit code (-1 when git could not be started). */
    public readonly exitCode: number = -1,
    /** git's standard error, trimmed. */
    public readonly stderr: string = '',
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/** The directory is not inside a git repository. */
export class NotARepositoryError extends GitError {
  constructor(dir: string) {
    super(`${dir} is not inside a git repository; run \`git init\` there and commit releases/ and dist/ first (every rollout move is a commit)`);
    this.name = 'NotARepositoryError';
  }
}

/** Another git process holds the repository's index lock. */
export class GitLockedError extends GitError {
  constructor(public readonly lockFile: string, args: readonly string[] = [], exitCode = -1, stderr = '') {
    super(`another git process is using the repository (${lockFile} exists); wait for it to finish and retry, or delete that file if no git process is running`, args, exitCode, stderr);
    this.name = 'GitLockedError';
  }
}

/** Result of a git call that was allowed to fail. */
export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One line of `git status`: the path and its two-letter state (`XY` as in `git status --short`). */
export interface StatusEntry {
  readonly path: string;
  /** Index (staged) state: ' ', 'M', 'A', 'D', 'R', '?', ... */
  readonly index: string;
  /** Work-tree state: ' ', 'M', 'D', '?', ... */
  readonly worktree: string;
}

/** Where HEAD points. */
export interface HeadState {
  /** Short branch name (`main`); undefined when HEAD is detached. */
  readonly branch?: string;
  /** Commit HEAD points at; undefined in a repository without commits. */
  readonly commit?: string;
  readonly detached: boolean;
}

/** A commit that last touched a path or line. */
export interface CommitInfo {
  readonly sha: string;
  /** Committer time, seconds since the epoch. */
  readonly time: number;
  readonly subject: string;
}

/** Outcome of a push that git answered. */
export type PushOutcome =
  | { readonly ok: true }
  /** The remote moved (non-fast-forward / fetch first): fetch, rebuild and retry. */
  | { readonly ok: false; readonly reason: 'remote-moved'; readonly detail: string };

/** A commit trailer (`Key: value`). */
export type Trailer = readonly [key: string, value: string];

const MAX_BUFFER = 64 * 1024 * 1024;

/** A repository, found from any directory inside it. */
export class Git {
  /** Opens the repository that contains `dir`; throws NotARepositoryError otherwise. */
  public static async open(dir: string): Promise<Git> {
    const cwd = path.resolve(dir);
    if (!fs.existsSync(cwd)) throw new GitError(`directory ${cwd} does not exist; pass an existing repository with -C DIR`);
    const r = await runGit(cwd, ['rev-parse', '--show-toplevel', '--absolute-git-dir']);
    if (r.code !== 0) {
      if (/not a git repository/i.test(r.stderr)) throw new NotARepositoryError(cwd);
      throw gitFailure(['rev-parse'], r);
    }
    const [root, gitDir] = r.stdout.split('\n');
    return new Git(cwd, root, gitDir);
  }

  private constructor(
    /** Directory git runs in; relative paths given to this class are relative to it. */
    public readonly cwd: string,
    /** Top-level directory of the work tree. */
    public readonly root: string,
    /** The `.git` directory of this work tree (absolute). */
    public readonly gitDir: string,
  ) {}

  /** Runs git with `args` (and `input` on its standard input); throws GitError (GitLockedError for index.lock) on a non-zero exit. */
  public async run(args: readonly string[], input?: string): Promise<string> {
    const r = await runGit(this.cwd, args, input);
    if (r.code !== 0) throw gitFailure(args, r);
    return r.stdout;
  }

  /** Runs git with `args` and returns code and output whatever the exit code. */
  public tryRun(args: readonly string[], options: { readonly globPathspecs?: boolean } = {}): Promise<GitResult> {
    return runGit(this.cwd, args, undefined, options.globPathspecs);
  }

  /**
   * Where git keeps `name` of this work tree's state (`MERGE_HEAD`, `rebase-merge`), as
   * `git rev-parse --git-path` names it from the top of the work tree: `.git/MERGE_HEAD`, or in a
   * linked worktree (`git worktree add`) the absolute path in its own git dir
   * (`/repo/.git/worktrees/NAME/MERGE_HEAD`).
   */
  public async gitPath(name: string): Promise<string> {
    const r = await runGit(this.root, ['rev-parse', '--git-path', name]);
    if (r.code !== 0) throw gitFailure(['rev-parse', '--git-path', name], r);
    return r.stdout.trim();
  }

  /** The index lock file of this work tree. */
  public get indexLock(): string {
    return path.join(this.gitDir, 'index.lock');
  }

  /** Throws GitLockedError when another git process holds the index lock. */
  public assertIndexUnlocked(): void {
    if (fs.existsSync(this.indexLock)) throw new GitLockedError(this.indexLock);
  }

  /** Branch and commit of HEAD. */
  public async head(): Promise<HeadState> {
    const both = await this.tryRun(['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD']);
    if (both.code === 0) {
      const [sha, ref] = both.stdout.trim().split('\n');
      return ref.startsWith('refs/heads/') ? { branch: ref.slice('refs/heads/'.length), commit: sha, detached: false } : { commit: sha, detached: true };
    }
    // no commit yet: HEAD names an unborn branch
    const ref = await this.tryRun(['symbolic-ref', '-q', '--short', 'HEAD']);
    return ref.code === 0 ? { branch: ref.stdout.trim(), detached: false } : { detached: true };
  }

  /** Uncommitted changes (staged, unstaged or untracked) in the given paths; empty when clean. */
  public async status(paths: readonly string[]): Promise<StatusEntry[]> {
    if (paths.length === 0) return [];
    const out = await this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...paths]);
    const entries: StatusEntry[] = [];
    for (const rec of out.split('\0')) {
      if (rec.length < 4) continue;
      entries.push({ index: rec[0], worktree: rec[1], path: rec.slice(3) });
    }
    return entries;
  }

  /** Stages exactly the given paths (new, modified and deleted files below them); nothing else. */
  public async add(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.run(['add', '--all', '--', ...paths]);
  }

  /**
   * Commits exactly the given paths (`git commit --only`): changes staged elsewhere stay staged and
   * out of this commit. Paths must be known to git (call `add` first for new files). Returns the
   * new commit's id.
   *
   * `git commit --only` builds a temporary index from HEAD's tree and refreshes the whole index:
   * at 17 000 files that is ~0.1 s of CPU, most of a move's cost that grows with the repository. So
   * when nothing is staged and no commit hook or signing is configured, the same commit is made
   * with plumbing instead (stage the paths' changes, `write-tree`, `commit-tree`, `update-ref` from
   * the old HEAD, with the reflog line `git commit` writes): same tree, message, author, committer
   * and index afterwards. Otherwise (hooks, `commit.gpgSign`, staged changes, no commit yet) it runs
   * `git commit --only`.
   */
  public async commit(paths: readonly string[], message: string, trailers: readonly Trailer[] = []): Promise<string> {
    const fast = await this.commitWithPlumbing(paths, message, trailers);
    if (fast !== undefined) return fast;
    const args = ['commit', '--quiet', '--no-edit', '--cleanup=verbatim', '-m', message];
    if (trailers.length) args.push('-m', trailers.map(([k, v]) => `${k}: ${v}`).join('\n'));
    args.push('--only', '--', ...paths);
    await this.run(args);
    return (await this.run(['rev-parse', 'HEAD'])).trim();
  }

  /** The index file git reads and writes: `index` in the git folder (a linked worktree's own); undefined when `GIT_INDEX_FILE` names another (then only git reads it). */
  public indexFile(): string | undefined {
    return process.env.GIT_INDEX_FILE ? undefined : path.join(this.gitDir, 'index');
  }

  /**
   * What a commit made with plumbing starts from: HEAD's commit and tree, and `core.fileMode` (the
   * mode `git add` records, lib/git/commit-files.ts). Undefined when `git commit` must make the
   * commit: a commit hook (githooks(5), in `core.hooksPath` when set) or `commit.gpgSign` is
   * configured (so hooks run and signing is asked for), or HEAD has no commit yet.
   */
  public async plumbingCommitBase(): Promise<{ readonly parent: string; readonly parentTree: string; readonly trustExecutableBit: boolean; readonly indexFile?: string } | undefined> {
    const config = await this.tryRun(['config', '--get-regexp', '^(commit\\.gpgsign|core\\.hookspath|core\\.filemode|core\\.sharedrepository|core\\.ignorestat|core\\.fsync)$']);
    let hooksDir = path.join(this.commonDir(), 'hooks');
    let trustExecutableBit = true;
    // the index file the plumbing commit may update itself (lib/git/index-file.ts): not with a file
    // mode or fsync policy git would apply to it, nor when git would mark new entries assume-unchanged
    let indexFile = this.indexFile();
    for (const line of config.stdout.split('\n')) {
      const [key, ...rest] = line.split(' ');
      const value = rest.join(' ').trim();
      const k = key.toLowerCase();
      if (k === 'commit.gpgsign' && !/^(false|no|off|0)$/i.test(value)) return undefined; // a bare key is true
      if (k === 'core.hookspath' && value) hooksDir = path.resolve(this.root, value.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
      if (k === 'core.filemode') trustExecutableBit = !/^(false|no|off|0)$/i.test(value);
      if (k === 'core.sharedrepository' || k === 'core.fsync' || (k === 'core.ignorestat' && !/^(false|no|off|0)$/i.test(value))) indexFile = undefined;
    }
    if (COMMIT_HOOKS.some((h) => isExecutable(path.join(hooksDir, h)))) return undefined;
    const head = await this.tryRun(['rev-parse', 'HEAD^{commit}', 'HEAD^{tree}']);
    const [parent, parentTree] = head.stdout.trim().split('\n');
    if (head.code !== 0 || !/^[0-9a-f]{40,64}$/.test(parent ?? '') || !/^[0-9a-f]{40,64}$/.test(parentTree ?? '')) return undefined; // no commit yet
    return { parent, parentTree, trustExecutableBit, indexFile };
  }

  /** `commit` without `git commit` when that gives the same result; undefined when it cannot. */
  private async commitWithPlumbing(paths: readonly string[], message: string, trailers: readonly Trailer[]): Promise<string | undefined> {
    if (paths.length === 0) return undefined;
    const base = await this.plumbingCommitBase();
    if (!base) return undefined;
    const { parent, parentTree } = base;
    await this.run(['add', '--update', '--', ...paths]);
    const tree = (await this.run(['write-tree'])).trim();
    if (tree === parentTree) return undefined; // nothing to commit: git commit says so
    // anything staged outside the paths would be in the tree too: leave that case to `git commit
    // --only` (comparing the two trees costs what changed; comparing the index with HEAD, in a fresh
    // clone without cached trees, would read every tree)
    const changed = (await this.run(['diff-tree', '-r', '--name-only', '-z', '--no-renames', parentTree, tree])).split('\0').filter(Boolean);
    const own = paths.map((p) => path.relative(this.root, path.resolve(this.cwd, p)).split(path.sep).join('/'));
    if (!changed.every((f) => own.some((p) => f === p || f.startsWith(`${p}/`)))) return undefined;
    const text = commitText(message, trailers);
    // errors read as `git commit`'s would (a missing identity, for instance): it is a commit to the user
    const made = await runGit(this.cwd, ['commit-tree', tree, '-p', parent, '-F', '-'], text);
    if (made.code !== 0) throw gitFailure(['commit'], made);
    const sha = made.stdout.trim();
    const subject = message.split('\n')[0];
    await this.run(['update-ref', '-m', `commit: ${subject}`, 'HEAD', sha, parent]);
    return sha;
  }

  /** The repository's common git directory (the main one's for a linked worktree). */
  private commonDir(): string {
    try {
      return path.resolve(this.gitDir, fs.readFileSync(path.join(this.gitDir, 'commondir'), 'utf8').trim());
    } catch {
      return this.gitDir;
    }
  }

  /** Unstages the given paths (back to HEAD in the index), leaving the work tree alone. */
  public async unstage(paths: readonly string[]): Promise<void> {
    const head = await this.head();
    if (!head.commit) await this.run(['rm', '--cached', '-r', '-q', '--ignore-unmatch', '--', ...paths]);
    else await this.run(['reset', '-q', 'HEAD', '--', ...paths]);
  }

  /** The last commit (reachable from `rev`) that changed `file`; undefined when none did. */
  public async lastCommitTouching(file: string, rev = 'HEAD'): Promise<CommitInfo | undefined> {
    const out = await this.run(['log', '-1', '--format=%H%x00%ct%x00%s', rev, '--', file]);
    if (!out.trim()) return undefined;
    const [sha, time, subject] = out.trim().split('\0');
    return { sha, time: Number(time), subject };
  }

  /**
   * The commit that last changed line `line` (1-based) of `file` as it is at `rev`
   * (`git blame --porcelain`). Undefined when the line does not exist there.
   */
  public async lastCommitTouchingLine(file: string, line: number, rev = 'HEAD'): Promise<CommitInfo | undefined> {
    const r = await this.tryRun(['blame', '--porcelain', '-L', `${line},${line}`, rev, '--', file]);
    if (r.code !== 0) {
      if (/has only \d+ lines?|no such path|no such ref|bad revision/i.test(r.stderr)) return undefined;
      throw gitFailure(['blame'], r);
    }
    const lines = r.stdout.split('\n');
    const sha = lines[0]?.split(' ')[0];
    const time = lines.find((l) => l.startsWith('committer-time '));
    const subject = lines.find((l) => l.startsWith('summary '));
    if (!sha || !time) return undefined;
    return { sha, time: Number(time.slice('committer-time '.length)), subject: subject ? subject.slice('summary '.length) : '' };
  }

  /** Object id of `file` at `rev`, or undefined when it does not exist there. */
  public async blobId(rev: string, file: string): Promise<string | undefined> {
    const rel = path.relative(this.root, path.resolve(this.cwd, file)).split(path.sep).join('/');
    const r = await this.tryRun(['rev-parse', '-q', '--verify', `${rev}:${rel}`]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** Whether commit `a` is an ancestor of (or equal to) commit `b`. */
  public async isAncestor(a: string, b: string): Promise<boolean> {
    const r = await this.tryRun(['merge-base', '--is-ancestor', a, b]);
    if (r.code === 0) return true;
    if (r.code === 1) return false;
    throw gitFailure(['merge-base'], r);
  }

  /** The branch's upstream (`branch.<name>.remote` / `.merge`), or undefined when none is set. */
  public async upstream(branch: string): Promise<{ remote: string; branch: string } | undefined> {
    const remote = await this.tryRun(['config', '--get', `branch.${branch}.remote`]);
    const merge = await this.tryRun(['config', '--get', `branch.${branch}.merge`]);
    if (remote.code !== 0 || merge.code !== 0) return undefined;
    return { remote: remote.stdout.trim(), branch: merge.stdout.trim().replace(/^refs\/heads\//, '') };
  }

  /** The fetch URL of a remote (`git remote get-url`), or undefined when there is no such remote. */
  public async remoteUrl(remote: string): Promise<string | undefined> {
    const r = await this.tryRun(['remote', 'get-url', '--', remote]);
    return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
  }

  /** Fetches one branch of a remote; returns the commit it points at. */
  public async fetch(remote: string, branch: string): Promise<string> {
    await this.run(['fetch', '--quiet', '--no-tags', remote, `refs/heads/${branch}`]);
    return (await this.run(['rev-parse', 'FETCH_HEAD^{commit}'])).trim();
  }

  /** Pushes `localRef` to `remote`'s `branch`, never forcing. A rejection because the remote moved is an outcome; other failures throw. */
  public async push(remote: string, localRef: string, branch: string): Promise<PushOutcome> {
    const r = await this.tryRun(['push', '--porcelain', remote, `${localRef}:refs/heads/${branch}`]);
    if (r.code === 0) return { ok: true };
    const rejected = r.stdout.split('\n').find((l) => l.startsWith('!'));
    // Also a race lost on the remote itself: another push updated the ref between this push's
    // negotiation and its update ("cannot lock ref ... is at X but expected Y"), or holds its lock.
    const why = (line: string | undefined, tag: string) => (line !== undefined && line.includes(tag) ? line.slice(line.indexOf(tag) + tag.length) : undefined);
    const lostRace = /\((?:failed to update ref|failed to lock|cannot lock ref)/.test(why(rejected, '[remote rejected]') ?? '')
      && /but expected|File exists|incorrect old value/.test(`${r.stdout}\n${r.stderr}`);
    if (rejected && (lostRace || /\((?:fetch first|non-fast-forward|stale info)\)/.test(why(rejected, '[rejected]') ?? ''))) {
      return { ok: false, reason: 'remote-moved', detail: rejected.split('\t').slice(-1)[0] };
    }
    throw gitFailure(['push', remote, branch], { ...r, stderr: [rejected, r.stderr].filter(Boolean).join('\n') });
  }

  /** Moves the current branch to `commit` keeping local changes (`git reset --keep`). */
  public async resetKeep(commit: string): Promise<void> {
    await this.run(['reset', '--quiet', '--keep', commit]);
  }

  /** Fast-forwards the current branch to `commit`; throws when that is not a fast-forward. */
  public async fastForward(commit: string): Promise<void> {
    await this.run(['merge', '--quiet', '--ff-only', commit]);
  }

  /**
   * Rebases the current branch onto `onto`. On a conflict the rebase is aborted (the branch is as
   * it was) and false is returned.
   */
  public async rebase(onto: string): Promise<boolean> {
    const r = await this.tryRun(['rebase', '--quiet', onto]);
    if (r.code === 0) return true;
    if (fs.existsSync(path.join(this.gitDir, 'rebase-merge')) || fs.existsSync(path.join(this.gitDir, 'rebase-apply'))) {
      await this.run(['rebase', '--abort']);
      return false;
    }
    throw gitFailure(['rebase', onto], r);
  }
}

/**
 * Environment of every git call: C messages, literal pathspecs (glob pathspecs, `dist/**\/deployment-*`,
 * only when a caller asks with patterns of its own), never a prompt.
 */
function gitEnv(globPathspecs = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
  if (globPathspecs) { delete env.GIT_LITERAL_PATHSPECS; env.GIT_GLOB_PATHSPECS = '1'; } else env.GIT_LITERAL_PATHSPECS = '1';
  return env;
}

/** What `git commit -m MESSAGE -m TRAILERS --cleanup=verbatim` records: paragraphs, one newline at the end. */
export function commitText(message: string, trailers: readonly Trailer[]): string {
  return `${[message, ...(trailers.length ? [trailers.map(([k, v]) => `${k}: ${v}`).join('\n')] : [])].join('\n\n')}\n`;
}

/** Hooks `git commit` runs (githooks(5)); with any of them, commits go through `git commit`. */
const COMMIT_HOOKS: readonly string[] = ['pre-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'pre-merge-commit'];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function runGit(cwd: string, args: readonly string[], input?: string, globPathspecs = false): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', [...args], { cwd, env: gitEnv(globPathspecs), maxBuffer: MAX_BUFFER, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new GitError(code === 'ENOENT' ? 'git is not installed or not on PATH; install git' : `cannot run git (${code})`, args));
        return;
      }
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr: stderr.trim() });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function gitFailure(args: readonly string[], r: GitResult): GitError {
  const lock = /Unable to create '([^']+\.lock)': File exists/.exec(r.stderr);
  if (lock) return new GitLockedError(lock[1], args, r.code, r.stderr);
  const detail = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^hint:/.test(l)).join('; ') || `exit code ${r.code}`;
  return new GitError(`git ${args[0]} failed: ${detail}`, args, r.code, r.stderr);
}
