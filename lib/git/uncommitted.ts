/**
 * Whether a few paths hold uncommitted changes, without `git status`'s pass over the whole index
 * (issue 17: a move's cost must not grow with the files of the repository). `git status -- PATHS`
 * refreshes and compares every index entry against the pathspec (at 100 000 files, ~25 ms of CPU
 * for a handful of paths); here the index is read once, without refreshing it:
 * - `git ls-tree HEAD -- PATHS`: HEAD's files under the paths (no index);
 * - the index: exactly HEAD's entries under the paths, nothing staged (read from the index file,
 *   lib/git/index-file.ts; else `git diff-index --cached HEAD -- PATHS`);
 * - the work tree, read here: exactly HEAD's files under the paths, each with HEAD's bytes (its blob
 *   id) and executable bit, nothing else (no untracked file, no symlink, no nested repository).
 * When all three hold, the paths are clean as `git status` would say. Anything else (a difference,
 * an ignored file, a line-ending filter that makes the bytes on disk differ from the blob, a mode
 * that `core.fileMode = false` would ignore) is not judged here: `Git.status` then says exactly
 * what is uncommitted, as before.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { Git, StatusEntry } from './git';
import { indexEntriesAt } from './index-file';

/**
 * Uncommitted changes (staged, unstaged or untracked) under `paths` (relative to `git.cwd`), as
 * `Git.status` reports them; empty when clean. Costs what the paths hold, not the repository's size,
 * when they are clean (see the module doc).
 */
export async function uncommittedChanges(git: Git, paths: readonly string[]): Promise<StatusEntry[]> {
  if (paths.length === 0) return [];
  return (await provablyClean(git, paths)) ? [] : git.status(paths);
}

/** True when the paths are clean by the three checks of the module doc; false when not sure. */
export async function provablyClean(git: Git, paths: readonly string[]): Promise<boolean> {
  const rooted = [...new Set(paths.map((p) => path.relative(git.root, path.resolve(git.cwd, p)).split(path.sep).join('/')))];
  if (rooted.some((p) => p === '' || p.startsWith('../'))) return false;
  const listing = await git.tryRun(['-C', git.root, 'ls-tree', '-r', '-z', '--full-tree', 'HEAD', '--', ...rooted]);
  if (listing.code !== 0) return false; // no commit yet
  const head = new Map<string, { mode: string; oid: string }>();
  for (const rec of listing.stdout.split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [mode, type, oid] = rec.slice(0, tab).split(' ');
    if (type !== 'blob' || (mode !== '100644' && mode !== '100755')) return false; // a submodule or a symlink
    const name = rec.slice(tab + 1);
    if (name.includes(NOT_UTF8)) return false; // (see NOT_UTF8)
    head.set(name, { mode, oid });
  }
  const first = head.values().next().value;
  const oidBytes = first === undefined ? undefined : first.oid.length === 64 ? 32 : 20;
  const algorithm = oidBytes === 32 ? 'sha256' : 'sha1';
  if (!(await nothingStaged(git, rooted, head, oidBytes))) return false;
  const seen = new Set<string>();
  const same = (file: string, st: fs.Stats): boolean => {
    const h = head.get(file);
    if (!h || (h.mode === '100755') !== ((st.mode & 0o100) !== 0)) return false;
    const bytes = fs.readFileSync(path.join(git.root, file));
    seen.add(file);
    return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest('hex') === h.oid;
  };
  const walk = (file: string): boolean => {
    let st: fs.Stats;
    try { st = fs.lstatSync(path.join(git.root, file)); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true; throw e; }
    if (st.isFile()) return same(file, st);
    if (!st.isDirectory()) return false;
    for (const name of fs.readdirSync(path.join(git.root, file))) {
      if (name === '.git') return false; // a nested repository: git status says what it is
      if (name.includes(NOT_UTF8)) return false;
      if (!walk(`${file}/${name}`)) return false;
    }
    return true;
  };
  for (const p of rooted) if (!walk(p)) return false;
  return seen.size === head.size; // a file of HEAD missing on disk (deleted) is not seen
}

/**
 * U+FFFD, what a name that is not UTF-8 decodes to (and a name that holds it): two different names
 * may read the same, so such a name is not judged here; git status is asked instead.
 */
const NOT_UTF8 = '\uFFFD';

/**
 * Whether the index holds exactly HEAD's files under the paths (`head`), with HEAD's modes and blobs:
 * read from the index file here (lib/git/index-file.ts `indexEntriesAt`; the object format from
 * HEAD's object ids), or asked of `git diff-index --cached HEAD -- PATHS` where that declines, where
 * HEAD has no file under the paths to tell the object format by, or where a name is not UTF-8.
 */
async function nothingStaged(git: Git, rooted: readonly string[], head: ReadonlyMap<string, { mode: string; oid: string }>, oidBytes: 20 | 32 | undefined): Promise<boolean> {
  const file = git.indexFile();
  const read = file === undefined || oidBytes === undefined ? undefined : indexEntriesAt(file, rooted, oidBytes);
  const index = read && ![...read.keys()].some((p) => p.includes(NOT_UTF8)) ? read : undefined;
  if (index) {
    if (index.size !== head.size) return false;
    for (const [p, e] of index) {
      const h = head.get(p);
      if (!h || h.oid !== e.oid || parseInt(h.mode, 8) !== e.mode) return false;
    }
    return true;
  }
  const staged = await git.tryRun(['-C', git.root, 'diff-index', '--cached', '--name-only', '-z', 'HEAD', '--', ...rooted]);
  return staged.code === 0 && staged.stdout === '';
}
