import * as fs from 'fs';
import * as path from 'path';
import { Git, RepositoryBusyError, withRepositoryLock } from '../git';
import { UsageError } from '../spec/errors';
import { recoverOutput } from '../synth/write';
import { repairInterruptedMove } from './journal';
import { Io } from './output';

/** Name of the repository lock (`<git dir>/cdk8s-canary.lock`), shared by synth and every move. */
export const LOCK_NAME = 'cdk8s-canary';

/**
 * Where the repository lock lives: the git directory of the repository holding `root` (found by
 * walking up, so a project in a sub-folder of a repository shares its lock), or `root` itself
 * (`.cdk8s-canary.lock`) outside git. Never in the working tree of a repository, never committed.
 */
export function lockPlace(root: string): { dir: string; name: string } {
  for (let d = path.resolve(root); ; d = path.dirname(d)) {
    const dotGit = path.join(d, '.git');
    try {
      const st = fs.statSync(dotGit);
      if (st.isDirectory()) return { dir: dotGit, name: LOCK_NAME };
      const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8')); // a linked worktree
      if (m) return { dir: path.resolve(d, m[1].trim()), name: LOCK_NAME };
    } catch { /* no .git here */ }
    if (path.dirname(d) === d) return { dir: path.resolve(root), name: `.${LOCK_NAME}` };
  }
}

/** Runs `fn` holding the repository lock: one writer at a time; a second one fails at once (exit 1). */
export function withCommandLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const { dir, name } = lockPlace(root);
  return withRepositoryLock(dir, name, fn);
}

/**
 * What every command does first: check that the repository root exists and, unless another command
 * holds the repository lock right now, repair what an interrupted command left behind: a tree swap
 * cut between its two renames (dist/ or one release's folder), and a move killed before its
 * commit (the spec and dist/<release> go back to HEAD; see journal.ts). A busy lock is left to
 * the command's own locking: read-only commands go on, writers fail cleanly.
 */
export async function guardRepository(root: string, io: Io, output?: unknown): Promise<void> {
  const abs = path.resolve(root);
  let isDir = false;
  try { isDir = fs.statSync(abs).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new UsageError(`-C ${root}: no such directory; pass the repository root`);
  const place = lockPlace(abs);
  const journal = path.join(place.dir, 'cdk8s-canary', 'move.json');
  const outputs = new Set([path.join(abs, 'dist')]);
  if (typeof output === 'string') {
    const o = path.resolve(abs, output);
    const rel = path.relative(abs, o);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) outputs.add(o);
  }
  if (!fs.existsSync(journal) && ![...outputs].some(hasSwapLeftovers)) return; // the usual case: nothing to repair, no lock taken
  try {
    await withRepositoryLock(place.dir, place.name, async () => {
      for (const o of outputs) recoverOutput(o);
      if (fs.existsSync(journal)) await repairInterruptedMove(await Git.open(abs), journal, io);
    });
  } catch (e) {
    if (!(e instanceof RepositoryBusyError)) throw e;
  }
}

/** Whether an output folder, or a release folder in it, has hidden swap folders beside it. */
function hasSwapLeftovers(dist: string): boolean {
  const swap = /^\..+\.(?:tmp|old)-\d+-[0-9a-z]+$/;
  const base = path.basename(dist);
  try {
    if (fs.readdirSync(path.dirname(dist)).some((e) => swap.test(e) && e.startsWith(`.${base}.`))) return true;
    return fs.readdirSync(dist).some((e) => swap.test(e));
  } catch {
    return false;
  }
}
