/**
 * Reading revisions of dist/ with the git binary. The only git calls of the PR-review commands live
 * here, so they can be folded into lib/git/ (the rollout CLI's wrapper) without touching the rest.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { UsageError } from '../spec/errors';

/** Branches tried, in order, when the base is "the merge base with the main branch". */
export const MAIN_BRANCH_CANDIDATES: readonly string[] = ['main', 'origin/main', 'master', 'origin/master'];

function git(cwd: string, args: readonly string[], input?: string): Buffer {
  return execFileSync('git', [...args], { cwd, maxBuffer: 1024 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
}

function gitText(cwd: string, args: readonly string[]): string {
  return git(cwd, args).toString('utf8').trim();
}

function stderrOf(e: unknown): string {
  const s = (e as { stderr?: Buffer }).stderr;
  return s ? s.toString('utf8').trim().split('\n')[0] : (e as Error).message;
}

/** The repository that holds `dir`: its top folder and `dir`'s path inside it (`''` at the top). */
export function repositoryOf(dir: string): { top: string; prefix: string } {
  try {
    const top = gitText(dir, ['rev-parse', '--show-toplevel']);
    const prefix = gitText(dir, ['rev-parse', '--show-prefix']);
    return { top, prefix };
  } catch (e) {
    throw new UsageError(`${dir} is not inside a git repository (${stderrOf(e)}); run the command in your checkout or pass -C <repository>`);
  }
}

/** A revision as a full commit id; a clear error for one git does not know. */
export function resolveCommit(top: string, rev: string): string {
  if (rev.startsWith('-')) throw new UsageError(`'${rev}' is not a revision; name a commit, branch or tag`);
  try {
    return gitText(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  } catch {
    throw new UsageError(`unknown revision '${rev}'; name a commit, branch or tag that exists (see git log --oneline)`);
  }
}

/** Short id for messages. */
export function shortCommit(top: string, sha: string): string {
  return gitText(top, ['rev-parse', '--short', sha]);
}

/** The merge base of HEAD with the main branch (`main`, `origin/main`, `master`, `origin/master`). */
export function mergeBaseWithMain(top: string): { sha: string; branch: string } {
  for (const branch of MAIN_BRANCH_CANDIDATES) {
    let ref: string;
    try { ref = gitText(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]); } catch {
      try { ref = gitText(top, ['rev-parse', '--verify', '--quiet', `refs/remotes/${branch}`]); } catch { continue; }
    }
    try {
      return { sha: gitText(top, ['merge-base', 'HEAD', ref]), branch };
    } catch (e) {
      throw new UsageError(`HEAD and ${branch} have no common commit (${stderrOf(e)}); pass the base revision explicitly`);
    }
  }
  throw new UsageError(`no main branch found (tried ${MAIN_BRANCH_CANDIDATES.join(', ')}); pass the base revision explicitly, e.g. cdk8s-canary diff origin/main`);
}

/**
 * Every file under `dir` (a path inside the repository) at a commit, as path relative to `dir` ->
 * text. One `git ls-tree` and one `git cat-file --batch`, whatever the number of files.
 */
export function readTreeAt(top: string, commit: string, dir: string): Map<string, string> {
  const clean = dir.split(path.sep).join('/').replace(/\/+$/, '');
  const listing = git(top, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', clean || '.']).toString('utf8');
  const entries: { sha: string; file: string }[] = [];
  for (const rec of listing.split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [, type, sha] = rec.slice(0, tab).split(' ');
    const file = rec.slice(tab + 1);
    if (type !== 'blob') continue;
    const rel = clean ? file.slice(clean.length + 1) : file;
    if (rel.split('/').some((seg) => seg.startsWith('.'))) continue;
    entries.push({ sha, file: rel });
  }
  const out = new Map<string, string>();
  if (!entries.length) return out;
  const data = git(top, ['cat-file', '--batch'], entries.map((e) => e.sha).join('\n') + '\n');
  let pos = 0;
  for (const e of entries) {
    const nl = data.indexOf(0x0a, pos);
    const header = data.subarray(pos, nl).toString('utf8').split(' ');
    const size = Number(header[2]);
    out.set(e.file, data.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
