import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SpecError, SpecProblem } from '../spec/errors';
import { LoadedRelease, parseRelease, specFiles } from '../spec/loader';
import { loadProject, PROJECT_CHECKS, ProjectPaths } from './project';

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
  /** Names of every release in the project, sorted. */
  readonly names: readonly string[];
  /** Spec files parsed and validated in this call (the others were known valid). */
  readonly parsed: number;
}

const CACHE_VERSION = 1;

interface CacheFile {
  readonly version: number;
  readonly fingerprint: string;
  readonly files: Record<string, string>;
}

/** Validates every spec (reusing the cache when given) and returns the named release. Throws SpecError. */
export function loadProjectFor(paths: ProjectPaths, name: string, cacheFile?: string): ProjectForMove {
  const fingerprint = cacheFile ? codeFingerprint() : '';
  const known = cacheFile ? readCache(cacheFile, fingerprint) : {};
  const next: Record<string, string> = {};
  const problems: SpecProblem[] = [];
  const names: string[] = [];
  let release: LoadedRelease | undefined;
  let parsed = 0;
  for (const file of specFiles(paths.releasesDir)) {
    const rel = path.relative(paths.root, file);
    const base = path.basename(file).replace(/\.ya?ml$/, '');
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      problems.push({ file: rel, line: 0, col: 0, path: '', message: `cannot read the file (${(e as Error).message})`, hint: 'check the path and its permissions' });
      continue;
    }
    const hash = createHash('sha1').update(bytes).digest('hex');
    if (base !== name && known[rel] === hash) {
      names.push(base);
      next[rel] = hash;
      continue;
    }
    parsed++;
    const r = parseRelease(file, bytes, { checks: PROJECT_CHECKS, relativeTo: paths.root });
    if ('problems' in r) {
      problems.push(...r.problems);
      continue;
    }
    names.push(r.release.model.name);
    next[rel] = hash;
    if (r.release.model.name === name) release = r.release;
  }
  if (new Set(names).size !== names.length) {
    loadProject(paths); // reports the duplicate names with their positions
  }
  if (cacheFile && !sameKeys(known, next)) writeCache(cacheFile, { version: CACHE_VERSION, fingerprint, files: next });
  if (problems.length) throw new SpecError(problems);
  return { ...(release ? { release } : {}), names: names.sort(), parsed };
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function readCache(file: string, fingerprint: string): Record<string, string> {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile;
    return c.version === CACHE_VERSION && c.fingerprint === fingerprint && c.files && typeof c.files === 'object' ? c.files : {};
  } catch {
    return {};
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
 * Hash of the code that validates specs: every source file of this package (compiled or not, as
 * running) and the versions of the yaml and ajv libraries.
 */
export function codeFingerprint(): string {
  if (fingerprintMemo) return fingerprintMemo;
  const h = createHash('sha1');
  const libRoot = path.resolve(__dirname, '..');
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts|json)$/.test(e.name) && !e.name.endsWith('.d.ts')) h.update(path.relative(libRoot, p)).update('\0').update(fs.readFileSync(p)).update('\0');
    }
  };
  walk(libRoot);
  for (const dep of ['yaml', 'ajv']) {
    try { h.update(`${dep}@${(require(`${dep}/package.json`) as { version: string }).version}`); } catch { h.update(`${dep}@?`); }
  }
  fingerprintMemo = h.digest('hex');
  return fingerprintMemo;
}
