import * as fs from 'fs';
import * as path from 'path';
import { crashPoint } from '../crash-point';

const TMP = '.tmp-';
const OLD = '.old-';

/** A tree being written beside its target; nothing is visible at the target until `commit`. */
export interface TreeWriter {
  /** Writes one file (path relative to the target, `/`-separated, never leaving it). */
  add(rel: string, content: string): void;
  /** Number of files added so far. */
  readonly count: number;
  /** A file added so far (its content as written), or undefined. */
  read(rel: string): string | undefined;
  /** Makes the target hold exactly the files added (see `beginTree`). */
  commit(): void;
  /** Deletes what was staged; the target stays as it was. */
  abort(): void;
}

/** The commit record inside a staging folder: once it exists, the update is decided (see `beginTree`). */
const COMMIT_RECORD = '.cdk8s-canary-commit.json';

interface CommitRecord {
  /** Files staged, to be renamed into the target (paths relative to it, `/`-separated). */
  readonly changed: readonly string[];
  /** Files of the target to delete. */
  readonly removed: readonly string[];
}

/**
 * Starts an all-or-nothing update of the folder `target` to exactly the files `add`ed.
 *
 * When the target exists, only what differs is written: a file whose bytes are already there is
 * left alone (same inode and mtime, so `git status` does not hash it again), a changed or new file
 * is staged in a hidden sibling folder (`.<name>.tmp-<pid>-<time>/`), and `commit` deletes the files
 * that went away. Commit writes the list of renames and deletions into the staging folder (one
 * atomic rename: from then on the update is decided), then applies it, file by file, and removes the
 * staging folder. A process killed before the record exists leaves the target as it was (the next
 * command deletes the staging folder); killed after, the next command (`recoverTree`, run first by
 * every write and by every CLI command) finishes the renames and deletions. Either way the target is
 * afterwards wholly old or wholly new. A reader looking at the target while a commit is applied may
 * see files of both.
 *
 * When the target does not exist, the whole tree is written into the staging folder and renamed into
 * place at once.
 *
 * Crash points (lib/crash-point.ts): `write:file` after each file staged, `write:before-swap` when
 * everything is staged, `write:decided` once the commit record exists, `write:applying` after each
 * rename into the target, `write:applied` before the staging folder is removed.
 */
export function beginTree(target: string): TreeWriter {
  recoverTree(target);
  const parent = path.dirname(target);
  const base = path.basename(target);
  fs.mkdirSync(parent, { recursive: true });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = path.join(parent, `.${base}${TMP}${suffix}`);
  const fresh = !fs.existsSync(target);
  const made = new Set<string>();
  fs.mkdirSync(tmp);
  made.add(tmp);
  /** Every path added; the ones staged (changed or new) too. */
  const added = new Set<string>();
  const staged: string[] = [];
  let done = false;
  return {
    get count() { return added.size; },
    read(rel: string) {
      if (!added.has(rel)) return undefined; // a file of the old tree that was not added again is going away
      const safe = safeRelativePath(rel);
      for (const dir of fresh ? [tmp] : [tmp, target]) {
        try { return fs.readFileSync(path.join(dir, safe), 'utf8'); } catch { /* not there */ }
      }
      return undefined;
    },
    add(rel: string, content: string) {
      if (done) throw new Error('internal: tree already committed or aborted');
      const safe = safeRelativePath(rel);
      if (added.has(rel)) throw new Error(`internal: ${rel} written twice`);
      added.add(rel);
      if (!fresh && sameContent(path.join(target, safe), content)) return;
      const file = path.join(tmp, safe);
      const d = path.dirname(file);
      if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
      writeNewFile(file, content);
      staged.push(rel);
      crashPoint('write:file');
    },
    commit() {
      if (done) throw new Error('internal: tree already committed or aborted');
      done = true;
      crashPoint('write:before-swap');
      if (fresh) {
        fs.renameSync(tmp, target);
        return;
      }
      const removed = filesOf(target).filter((f) => !added.has(f));
      const record: CommitRecord = { changed: staged, removed };
      const recordFile = path.join(tmp, COMMIT_RECORD);
      fs.writeFileSync(`${recordFile}.tmp`, JSON.stringify(record));
      fs.renameSync(`${recordFile}.tmp`, recordFile);
      crashPoint('write:decided');
      applyCommit(target, tmp, record);
    },
    abort() {
      done = true;
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Creates `file` (it must not exist) holding `content`: `writeFileSync(file, content, { flag: 'wx' })`
 * without its copy of the text into a new Buffer (the string goes to the file as it is; 14,000+ files
 * at 1000 releases).
 */
function writeNewFile(file: string, content: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    let done = fs.writeSync(fd, content);
    const size = Buffer.byteLength(content);
    if (done < size) {
      // a short write: the rest from a Buffer, as writeFileSync does
      const bytes = Buffer.from(content);
      while (done < size) done += fs.writeSync(fd, bytes, done, size - done);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `file` holds exactly `content` (false when it does not exist). */
function sameContent(file: string, content: string): boolean {
  let bytes: Buffer;
  try { bytes = fs.readFileSync(file); } catch { return false; }
  return bytes.length === Buffer.byteLength(content) && bytes.toString('utf8') === content;
}

/** Files under a folder (relative, `/`-separated), hidden entries (swap folders) aside. */
function filesOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Applies a decided commit; idempotent, so recovery runs it again after a kill: deletions, then
 * folders left empty, then the renames of what is still staged; then the staging folder goes.
 */
function applyCommit(target: string, tmp: string, record: CommitRecord): void {
  const emptied = new Set<string>();
  for (const rel of record.removed) {
    const file = path.join(target, safeRelativePath(rel));
    fs.rmSync(file, { force: true });
    emptied.add(path.dirname(file));
  }
  // deepest first; a folder that still holds something stays
  for (const d of [...emptied].sort((a, b) => b.length - a.length)) {
    for (let dir = d; dir !== target && dir.startsWith(target + path.sep); dir = path.dirname(dir)) {
      try { fs.rmdirSync(dir); } catch { break; }
    }
  }
  const made = new Set<string>();
  for (const rel of record.changed) {
    const safe = safeRelativePath(rel);
    const from = path.join(tmp, safe);
    if (!fs.existsSync(from)) continue; // renamed before a kill
    const to = path.join(target, safe);
    const d = path.dirname(to);
    if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
    fs.renameSync(from, to);
    crashPoint('write:applying');
  }
  crashPoint('write:applied');
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Makes `target` hold exactly `files` (paths relative to it), atomically (see `beginTree`). */
export function writeTreeAtomic(target: string, files: ReadonlyMap<string, string>): void {
  const w = beginTree(target);
  try {
    for (const [rel, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) w.add(rel, content);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/** Removes a tree atomically (rename away, then delete). */
export function removeTreeAtomic(target: string): void {
  recoverTree(target);
  if (!fs.existsSync(target)) return;
  const old = path.join(path.dirname(target), `.${path.basename(target)}${OLD}${process.pid}-${Date.now().toString(36)}`);
  fs.renameSync(target, old);
  crashPoint('remove:old-moved');
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Repairs what an interrupted write left (see `beginTree`): a staging folder holding a commit
 * record is applied (the update was decided), any other staging folder is deleted (the target was
 * not touched). A tree cut between the two renames of a whole-tree swap (how earlier versions
 * replaced a folder) gets its old copy back. Only safe while no other process writes the same tree
 * (writers hold the repository lock, lib/moves/lock.ts).
 */
export function recoverTree(target: string): void {
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return;
  const base = `.${path.basename(target)}`;
  const entries = fs.readdirSync(parent).filter((e) => e.startsWith(base + TMP) || e.startsWith(base + OLD)).sort();
  if (entries.length === 0) return;
  for (const e of entries.filter((x) => x.startsWith(base + TMP))) {
    const record = readRecord(path.join(parent, e, COMMIT_RECORD));
    if (record && fs.existsSync(target)) applyCommit(target, path.join(parent, e), record);
  }
  const olds = entries.filter((e) => e.startsWith(base + OLD));
  if (!fs.existsSync(target) && olds.length > 0) {
    fs.renameSync(path.join(parent, olds[olds.length - 1]), target);
  }
  for (const e of entries) fs.rmSync(path.join(parent, e), { recursive: true, force: true });
}

function readRecord(file: string): CommitRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as CommitRecord;
    return Array.isArray(r.changed) && Array.isArray(r.removed) ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Repairs an output folder and every tree swapped inside it (the per-release folders a rollout move
 * rewrites): after this, each is wholly its old or wholly its new content, with no leftovers.
 */
export function recoverOutput(distDir: string): void {
  recoverTree(distDir);
  if (!fs.existsSync(distDir)) return;
  const names = new Set<string>();
  for (const e of fs.readdirSync(distDir)) {
    const m = /^\.(.+)\.(?:tmp|old)-\d+-[0-9a-z]+$/.exec(e);
    if (m) names.add(m[1]);
  }
  for (const n of names) recoverTree(path.join(distDir, n));
}

/**
 * A relative output path that stays inside its folder: `/`-separated, no empty, `.` or `..`
 * segment, not absolute, no backslash or NUL. Generated names come from validated specs, so a
 * failure here is a bug in a construct, never user input reaching the file system.
 */
export function safeRelativePath(rel: string): string {
  const segs = rel.split('/');
  if (rel.length === 0 || path.isAbsolute(rel) || /[\\\0]/.test(rel) || segs.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`internal: refusing to write ${JSON.stringify(rel)}: generated paths must stay inside the output folder`);
  }
  return segs.join(path.sep);
}

/** Writes a file by renaming a sibling temporary file over it (readers never see half a file). */
export function writeFileAtomic(file: string, content: string | Buffer): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, content);
    try { fs.chmodSync(tmp, fs.statSync(file).mode); } catch { /* new file */ }
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
