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
  /** Swaps the new tree in (two renames) and deletes the old one. */
  commit(): void;
  /** Deletes the new tree; the target stays as it was. */
  abort(): void;
}

/**
 * Starts an atomic replacement of `target`: files are written into a hidden sibling folder, then
 * `commit` swaps it in with two renames. A crash before the swap leaves the old tree (and a
 * leftover temporary folder); a crash between the two renames is repaired by `recoverTree`, run first
 * by every write and by every CLI command, which puts the old tree back. Readers therefore only ever
 * see the whole old or the whole new tree.
 */
export function beginTree(target: string): TreeWriter {
  recoverTree(target);
  const parent = path.dirname(target);
  const base = path.basename(target);
  fs.mkdirSync(parent, { recursive: true });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = path.join(parent, `.${base}${TMP}${suffix}`);
  const old = path.join(parent, `.${base}${OLD}${suffix}`);
  const made = new Set<string>();
  fs.mkdirSync(tmp);
  made.add(tmp);
  let count = 0;
  let done = false;
  return {
    get count() { return count; },
    read(rel: string) {
      try { return fs.readFileSync(path.join(tmp, safeRelativePath(rel)), 'utf8'); } catch { return undefined; }
    },
    add(rel: string, content: string) {
      if (done) throw new Error('internal: tree already committed or aborted');
      const file = path.join(tmp, safeRelativePath(rel));
      const d = path.dirname(file);
      if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
      fs.writeFileSync(file, content, { flag: 'wx' });
      count++;
      crashPoint('write:file');
    },
    commit() {
      if (done) throw new Error('internal: tree already committed or aborted');
      done = true;
      crashPoint('write:before-swap');
      if (fs.existsSync(target)) {
        fs.renameSync(target, old);
        crashPoint('write:old-moved');
        fs.renameSync(tmp, target);
        crashPoint('write:swapped');
        fs.rmSync(old, { recursive: true, force: true });
      } else {
        fs.renameSync(tmp, target);
      }
    },
    abort() {
      done = true;
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
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
 * Repairs what an interrupted write left: if `target` is missing but a moved-away old copy exists,
 * the old copy goes back; leftover temporary and old copies are deleted. Only safe while no other
 * process writes the same tree (writers hold the repository lock, lib/moves/lock.ts).
 */
export function recoverTree(target: string): void {
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return;
  const base = `.${path.basename(target)}`;
  const entries = fs.readdirSync(parent).filter((e) => e.startsWith(base + TMP) || e.startsWith(base + OLD)).sort();
  if (entries.length === 0) return;
  const olds = entries.filter((e) => e.startsWith(base + OLD));
  if (!fs.existsSync(target) && olds.length > 0) {
    fs.renameSync(path.join(parent, olds[olds.length - 1]), target);
  }
  for (const e of entries) fs.rmSync(path.join(parent, e), { recursive: true, force: true });
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

/** Reads a tree into a map of relative path -> content (tests and diffs). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
