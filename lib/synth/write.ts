import * as fs from 'fs';
import * as path from 'path';

const TMP = '.tmp-';
const OLD = '.old-';

/**
 * Makes `target` hold exactly `files` (paths relative to it), atomically: the tree is built in a
 * hidden sibling folder, then swapped in with two renames. A crash before the swap leaves the old
 * tree; a crash between the two renames is repaired by `recoverTree` (run first by every write),
 * which puts the old tree back. Readers therefore only ever see the whole old or the whole new tree.
 */
export function writeTreeAtomic(target: string, files: ReadonlyMap<string, string>): void {
  recoverTree(target);
  const parent = path.dirname(target);
  const base = path.basename(target);
  fs.mkdirSync(parent, { recursive: true });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = path.join(parent, `.${base}${TMP}${suffix}`);
  const old = path.join(parent, `.${base}${OLD}${suffix}`);
  try {
    writeTree(tmp, files);
    if (fs.existsSync(target)) {
      fs.renameSync(target, old);
      fs.renameSync(tmp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes a tree atomically (rename away, then delete). */
export function removeTreeAtomic(target: string): void {
  recoverTree(target);
  if (!fs.existsSync(target)) return;
  const old = path.join(path.dirname(target), `.${path.basename(target)}${OLD}${process.pid}-${Date.now().toString(36)}`);
  fs.renameSync(target, old);
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Repairs what an interrupted write left: if `target` is missing but a moved-away old copy exists,
 * the old copy goes back; leftover temporary and old copies are deleted.
 */
export function recoverTree(target: string): void {
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return;
  const base = `.${path.basename(target)}`;
  const entries = fs.readdirSync(parent).filter((e) => e.startsWith(base + TMP) || e.startsWith(base + OLD)).sort();
  const olds = entries.filter((e) => e.startsWith(base + OLD));
  if (!fs.existsSync(target) && olds.length > 0) {
    fs.renameSync(path.join(parent, olds[olds.length - 1]), target);
  }
  for (const e of entries) fs.rmSync(path.join(parent, e), { recursive: true, force: true });
}

function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  const made = new Set<string>();
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const file = path.join(dir, rel);
    const d = path.dirname(file);
    if (!made.has(d)) { fs.mkdirSync(d, { recursive: true }); made.add(d); }
    fs.writeFileSync(file, content);
  }
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
