/**
 * What a command about one release (or group) needs of the others, without parsing them: their
 * names. Every valid spec's `name` is its file name (the loader refuses any other name), so the
 * names come from the listing of releases/. Commands that work on one spec (`status NAME`,
 * `validate NAME`, the moves) read and fully validate that spec only, so their cost does not grow
 * with the number of releases; `synth` and `validate` (without a name) still validate every spec
 * and check what looks across them (clashing objects, the lint).
 */
import * as fs from 'fs';
import * as path from 'path';
import { SpecError, SpecProblem, UsageError } from '../spec/errors';
import { LoadedGroup, LoadedRelease, readSpec, specFiles } from '../spec/loader';
import { loadProjectConfig } from '../spec/project-config';
import { unknownNameMessage } from '../rollout/moves';
import { checkRoot, ProjectPaths, projectSpecOptions } from './project';

/** The spec files of a project by name (a name held by two files, `a.yaml` and `a.yml`, lists both). */
export function specIndex(paths: ProjectPaths): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of specFiles(paths.releasesDir)) {
    const name = path.basename(file).replace(/\.ya?ml$/, '');
    out.set(name, [...(out.get(name) ?? []), file]);
  }
  return out;
}

/** One spec of either kind, loaded and validated. */
export type NamedSpec = { readonly release: LoadedRelease } | { readonly group: LoadedGroup };

/**
 * Loads and validates the spec named `name` (a release or a release group) as `synth` would, and
 * only that one.
 * @param what how an unknown name is described in the message (`release`, `release or group`)
 * @param files the spec files of `name` when the caller has looked them up. @default - `namedSpecFiles(paths, name)`
 * @throws UsageError (exit 2) when no spec file has that name, naming the ones that exist
 * @throws SpecError (exit 2) when the spec is invalid, or when two files carry the name
 */
export function loadNamedSpec(paths: ProjectPaths, name: string, what = 'release', files: readonly string[] = namedSpecFiles(paths, name)): NamedSpec {
  checkRoot(paths);
  if (!files.length) throw unknownName(name, [...specIndex(paths).keys()], what, paths.releasesDir);
  // a release's fleet is resolved against the clusters of cdk8s-canary.yaml (read only when it has one)
  const options = projectSpecOptions(paths);
  const loaded = files.map((f) => readSpec(f, options));
  const problems: SpecProblem[] = loaded.flatMap((r) => ('problems' in r ? r.problems : []));
  if (problems.length) throw new SpecError(problems);
  const specs = loaded as NamedSpec[];
  if (specs.length > 1) {
    // as loadSpecs reports it: the second file's name clashes with the first
    const first = 'release' in specs[0] ? specs[0].release : specs[0].group;
    const second = 'release' in specs[1] ? specs[1].release : specs[1].group;
    throw new SpecError([second.source.problem(['name'], `release name '${name}' is already used by ${first.file}`, 'give every release and release group a unique name (it is their dist/ folder)', name)]);
  }
  return specs[0];
}

/**
 * The spec files of `name` (`<name>.yaml`, `<name>.yml`), looked up directly: listing releases/ is
 * needed only for a name that has no file (to list the names that exist). Empty when there is none.
 */
export function namedSpecFiles(paths: ProjectPaths, name: string): string[] {
  return isPlainName(name) ? ['.yaml', '.yml'].map((ext) => path.join(paths.releasesDir, `${name}${ext}`)).filter(isListedSpec) : [];
}

/** A name that can only be a file of releases/ itself (no separator, not `.` or `..`, no NUL). */
function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** Whether `specFiles` lists the file: an entry of releases/ (a regular file or a link to one) with the exact name. */
function isListedSpec(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    // exact case: on a case-insensitive file system `Shop.yaml` must not answer for `shop`. The name
    // with its case swapped (`SHOP.YAML`: the extension always has letters) tells which file system
    // this is without listing releases/ (1000 names at 1000 releases): not there, or another file,
    // and the lookup was exact; the same file, and the listing decides
    const base = path.basename(file);
    const swapped = fs.statSync(path.join(path.dirname(file), swapCase(base)), { throwIfNoEntry: false });
    if (!swapped || swapped.ino !== st.ino || swapped.dev !== st.dev) return true;
    return fs.readdirSync(path.dirname(file)).includes(base);
  } catch {
    return false;
  }
}

function swapCase(s: string): string {
  return [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}

/**
 * The usage error for a name no spec file has: a "did you mean" for a likely typo, and (up to 10 of)
 * the names that exist, releases and release groups apart (`unknownNameMessage`). Only this error
 * path reads the other specs' `kind:` lines.
 */
export function unknownName(name: string, known: readonly string[], what = 'release', releasesDir?: string): UsageError {
  const groups = releasesDir ? known.filter((n) => isGroupFile(releasesDir, n)) : [];
  return new UsageError(unknownNameMessage(what, name, known.filter((n) => !groups.includes(n)), groups));
}

/** Whether releases/<name>.y(a)ml says `kind: ReleaseGroup` (a top-level line; not validated). */
function isGroupFile(releasesDir: string, name: string): boolean {
  for (const ext of ['.yaml', '.yml']) {
    try {
      return /^kind:\s*["']?ReleaseGroup["']?\s*(#.*)?$/m.test(fs.readFileSync(path.join(releasesDir, `${name}${ext}`), 'utf8'));
    } catch { /* no such file: the other extension */ }
  }
  return false;
}

/**
 * `validate NAME`: the spec named and cdk8s-canary.yaml, validated as `synth` validates them, with
 * the problems of both in one SpecError. The objects are not rendered (no cdk8s), so the lint of
 * generated objects and the checks across releases are left to `validate` without a name and to
 * `synth`.
 */
export function validateNamed(paths: ProjectPaths, name: string): NamedSpec {
  const problems: SpecProblem[] = [];
  let spec: NamedSpec | undefined;
  try { loadProjectConfig(paths.root); } catch (e) { if (!(e instanceof SpecError)) throw e; problems.push(...e.problems); }
  try { spec = loadNamedSpec(paths, name); } catch (e) { if (!(e instanceof SpecError)) throw e; problems.push(...e.problems); }
  if (problems.length || !spec) throw new SpecError(problems);
  return spec;
}
