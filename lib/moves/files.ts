/** What a move writes and how it puts things back: the spec file and the dist/ folders it owns. */
import * as path from 'path';
import { crashPoint } from '../crash-point';
import { writeFileAtomic, writeTreeAtomic } from '../synth/write';
import { contentHash } from './journal';

/** A path relative to the repository root, with forward slashes (git paths). */
export function rel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** Keys whose values differ between two file maps, sorted. */
export function diffNames(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** The files of a rendering (keys relative to the dist folder) under `folder/`, keyed relative to that folder. */
export function filesUnder(rendered: ReadonlyMap<string, string>, folder: string): Map<string, string> {
  const prefix = `${folder}/`;
  return new Map([...rendered].filter(([p]) => p.startsWith(prefix)).map(([p, c]) => [p.slice(prefix.length), c]));
}

/** One dist/ folder a move owns: its files before (as on disk) and after (keys relative to the folder). */
export interface OwnedFolder {
  /** Absolute path of the folder. */
  readonly abs: string;
  readonly before: ReadonlyMap<string, string>;
  readonly after: ReadonlyMap<string, string>;
}

/** What a move writes: the spec and each dist/ folder it owns, before and after. */
export interface MoveFiles {
  readonly specAbs: string;
  /** The spec's bytes before the move (a BOM and line endings kept). */
  readonly specBefore: string | Buffer;
  readonly specAfter: string;
  readonly folders: readonly OwnedFolder[];
}

/**
 * Writes a move's spec, then each of its dist/ folders (each atomically: readers see a whole old or
 * a whole new file or folder). If a folder write fails, the spec and the folders written so far are
 * put back and `onFail` runs before the error propagates. Crash points (lib/crash-point.ts):
 * `move:spec-written` after the spec, `move:dist-written` after the last folder.
 */
export function writeMoveFiles(f: MoveFiles, onFail: () => void): void {
  writeFileAtomic(f.specAbs, f.specAfter);
  crashPoint('move:spec-written');
  const written: OwnedFolder[] = [];
  try {
    for (const d of f.folders) {
      written.push(d);
      writeTreeAtomic(d.abs, d.after);
    }
  } catch (e) {
    writeFileAtomic(f.specAbs, f.specBefore);
    for (const d of written) writeTreeAtomic(d.abs, d.before);
    onFail();
    throw e;
  }
  crashPoint('move:dist-written');
}

/**
 * What a move writes, for its journal: per file (relative to `root`), the SHA-256 of the bytes
 * written, or null for a file it deletes (journal.ts `MoveJournal.wrote`).
 */
export function writtenHashes(root: string, f: MoveFiles): Record<string, string | null> {
  const out: Record<string, string | null> = { [rel(root, f.specAbs)]: contentHash(f.specAfter) };
  for (const d of f.folders) {
    for (const [p, c] of d.after) if (d.before.get(p) !== c) out[rel(root, path.join(d.abs, p))] = contentHash(c);
    for (const p of d.before.keys()) if (!d.after.has(p)) out[rel(root, path.join(d.abs, p))] = null;
  }
  return out;
}

/** Puts a move's spec and dist/ folders back as they were before it (a failed commit). */
export function restoreMoveFiles(f: MoveFiles): void {
  writeFileAtomic(f.specAbs, f.specBefore);
  for (const d of f.folders) writeTreeAtomic(d.abs, d.before);
}
