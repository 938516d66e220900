import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SpecError, SpecProblem } from '../spec/errors';
import { LoadedRelease, parseSpec, readSpecFile, specFiles } from '../spec/loader';
import { folderHash } from '../workloads/manifests-folder';
import { loadProject, PROJECT_CHECKS, PROJECT_GROUP_CHECKS, ProjectPaths } from './project';

/**
 * Loading for a rollout move: every spec of the project is validated exactly as `loadProject` does,
 * but a spec file whose bytes already passed validation with the same code (a content hash per
 * file, kept in a cache file the caller chooses, e.g. inside `.git/`) is not parsed again. A move
 * in a repository of 1000 releases therefore parses one spec instead of 1000. The target release
 * is always parsed (its YAML document is needed for the edit). Any change to a spec file, to the
 * schema or to the code (the fingerprint hashes this package's compiled sources and the versions of
 * yaml and ajv) re-validates it.
 *
 * Checks that look across releases stay exact: names are unique (a valid spec's name is its file
 * name; a clash such as `a.yaml` + `a.yml` falls back to the full `loadProject`, which reports it).
 */
export interface ProjectForMove {
  /** The release named, fully loaded; undefined when no valid spec has that name. */
  readonly release?: LoadedRelease;
  /** Names of every release and release group in the project, sorted. */
  readonly names: readonly string[];
  /** Spec files parsed and validated in this call (the others were known valid). */
  readonly parsed: number;
}

const CACHE_VERSION = 3;
/** Files modified this close to the cache write are hashed again (like git's racy-clean check). */
const RACY_MS = 2000;

interface CacheFile {
  readonly version: number;
  readonly fingerprint: string;
  /** When the cache was written (ms since the epoch): files modified since then are re-hashed. */
  readonly written?: number;
  /** Relative path -> `<sha1 of the bytes>[ m:<manifests folder>:<its hash>] <size>:<mtimeMs>:<ino>`. */
  readonly files: Record<string, string>;
}

/** Validates every spec (reusing the cache when given) and returns the named release. Throws SpecError. */
export function loadProjectFor(paths: ProjectPaths, name: string, cacheFile?: string): ProjectForMove {
  const fingerprint = cacheFile ? codeFingerprint() : '';
  const cache = cacheFile ? readCache(cacheFile, fingerprint) : undefined;
  const known = cache?.files ?? {};
  const next: Record<string, string> = {};
  const problems: SpecProblem[] = [];
  const names: string[] = [];
  let release: LoadedRelease | undefined;
  let parsed = 0;
  for (const file of specFiles(paths.releasesDir)) {
    const rel = path.relative(paths.root, file);
    const base = path.basename(file).replace(/\.ya?ml$/, '');
    const isTarget = base === name;
    // fast path: same size, mtime and inode as when it was validated, and not racily close to that
    let stat: fs.Stats | undefined;
    try { stat = fs.statSync(file); } catch { stat = undefined; }
    const statKey = stat ? `${stat.size}:${stat.mtimeMs}:${stat.ino}` : '';
    const entry = known[rel];
    if (!isTarget && stat && entry && entry.endsWith(` ${statKey}`) && cache?.written !== undefined && stat.mtimeMs < cache.written - RACY_MS && folderUnchanged(paths.root, entry)) {
      names.push(base);
      next[rel] = entry;
      continue;
    }
    const read = readSpecFile(file, { checks: PROJECT_CHECKS, relativeTo: paths.root });
    if ('problems' in read) {
      problems.push(...read.problems);
      continue;
    }
    const bytes = read.bytes;
    const hash = createHash('sha1').update(bytes).digest('hex');
    if (!isTarget && entry && entry.split(' ')[0] === hash && folderUnchanged(paths.root, entry)) {
      names.push(base);
      next[rel] = `${hash}${folderPart(entry)} ${statKey}`;
      continue;
    }
    parsed++;
    const r = parseSpec(file, bytes, { checks: PROJECT_CHECKS, groupChecks: PROJECT_GROUP_CHECKS, relativeTo: paths.root });
    if ('problems' in r) {
      problems.push(...r.problems);
      continue;
    }
    if ('group' in r) { // a release group (kind: ReleaseGroup): validated, named, never the move's release
      names.push(r.group.model.name);
      next[rel] = `${hash} ${statKey}`;
      continue;
    }
    names.push(r.release.model.name);
    const w = r.release.model.spec.workload;
    next[rel] = `${hash}${w.type === 'manifests' ? ` m:${encodeURIComponent(w.path)}:${folderHash(path.join(paths.root, w.path))}` : ''} ${statKey}`;
    if (r.release.model.name === name) release = r.release;
  }
  if (new Set(names).size !== names.length) {
    loadProject(paths); // reports the duplicate names with their positions
  }
  if (cacheFile && (!sameKeys(known, next) || recentlyChanged(next, cache?.written))) {
    writeCache(cacheFile, { version: CACHE_VERSION, fingerprint, written: Date.now(), files: next });
  }
  if (problems.length) throw otherSpecsError(problems, name);
  return { ...(release ? { release } : {}), names: names.sort(), parsed };
}

/**
 * The SpecError of a move's load: when every problem is in another spec than the one moved (`name`),
 * its intro says so, since a move validates the whole project (`validate` lists the problems too).
 */
export function otherSpecsError(problems: readonly SpecProblem[], name: string): SpecError {
  const own = (f: string) => path.basename(f).replace(/\.ya?ml$/i, '') === name;
  if (problems.some((p) => own(p.file))) return new SpecError(problems);
  const files = [...new Set(problems.map((p) => p.file))];
  return new SpecError(problems, `${name} was not moved: ${files.length === 1 ? `another spec, ${files[0]}, is` : `other specs (${files.join(', ')}) are`} invalid, and every move validates the whole project (releases/ as synth reads it); fix ${files.length === 1 ? 'it' : 'them'} first (or move it out of releases/):`);
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Whether some entry was too recent to trust its stat at the last write (rewriting the cache moves that point). */
function recentlyChanged(files: Record<string, string>, written: number | undefined): boolean {
  if (written === undefined) return true;
  return Object.values(files).some((e) => Number(e.split(' ').pop()?.split(':')[1]) >= written - RACY_MS);
}

/**
 * A manifests release's validity also depends on its folder: its entry records the folder and a hash
 * of its files (` m:<path>:<hash>`), and the entry holds only while that hash is the same.
 */
function folderUnchanged(root: string, entry: string): boolean {
  const m = / m:(\S+):([0-9a-f]*) /.exec(entry);
  return !m || folderHash(path.join(root, decodeURIComponent(m[1]))) === m[2];
}

/** The folder part of an entry (with its leading space), or ''. */
function folderPart(entry: string): string {
  return / m:\S+ /.exec(entry)?.[0].trimEnd() ?? '';
}

function readCache(file: string, fingerprint: string): CacheFile | undefined {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile;
    return c.version === CACHE_VERSION && c.fingerprint === fingerprint && c.files && typeof c.files === 'object' ? c : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, content: CacheFile): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(content));
    fs.renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs time
  }
}

let fingerprintMemo: string | undefined;

/**
 * Identity of the code that validates specs: path, size and modification time of every source file
 * of this package (compiled or not, as running) and the versions of the yaml and ajv libraries.
 */
export function codeFingerprint(): string {
  if (fingerprintMemo) return fingerprintMemo;
  const h = createHash('sha1');
  const libRoot = path.resolve(__dirname, '..');
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts|json)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
        const st = fs.statSync(p);
        h.update(`${path.relative(libRoot, p)}\0${st.size}\0${st.mtimeMs}\0`);
      }
    }
  };
  walk(libRoot);
  for (const dep of ['yaml', 'ajv']) {
    try { h.update(`${dep}@${(require(`${dep}/package.json`) as { version: string }).version}`); } catch { h.update(`${dep}@?`); }
  }
  fingerprintMemo = h.digest('hex');
  return fingerprintMemo;
}
