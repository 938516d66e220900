/**
 * Where a repository keeps the state of cdk8s-canary's commands (the repository lock, an interrupted
 * move's journal), and whether an interrupted command left anything to repair, from the file system
 * alone: what every command asks first (the CLI's preAction hook), so the usual case loads neither
 * git nor the repair (recover.ts, journal.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../spec/errors';

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

/** `<git dir>/cdk8s-canary/move.json`. */
export function journalFile(gitDir: string): string {
  return path.join(gitDir, 'cdk8s-canary', 'move.json');
}

/** The output folders a repair looks at: dist/, and the command's `--output` folder (relative to root) when inside the root. */
export function repairedOutputs(root: string, output?: unknown): Set<string> {
  const abs = path.resolve(root);
  const outputs = new Set([path.join(abs, 'dist')]);
  if (typeof output === 'string') {
    const o = path.resolve(abs, output);
    const rel = path.relative(abs, o);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) outputs.add(o);
  }
  return outputs;
}

/**
 * Whether an interrupted command left something to repair in the repository at `root`: a move's
 * journal, or a tree swap's hidden folders beside an output folder (recover.ts `recoverRepository`
 * repairs them). File-system reads only; no lock is taken.
 * @throws UsageError when `root` is not a directory
 */
export function pendingRepair(root: string, output?: unknown): boolean {
  const abs = path.resolve(root);
  let isDir = false;
  try { isDir = fs.statSync(abs).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new UsageError(`-C ${root}: no such directory; pass the repository root`);
  return fs.existsSync(journalFile(lockPlace(abs).dir)) || [...repairedOutputs(abs, output)].some(hasSwapLeftovers);
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
