import * as path from 'path';
import { SpecError, SpecProblem } from '../spec/errors';
import { LoadedRelease } from '../spec/loader';
import { ProjectPaths } from './project';
import { loadNamedSpec, namedSpecFiles, specIndex } from './spec-index';

/**
 * Loading for a rollout move: the release moved is read and fully validated (schema, cross-field
 * rules, router limits), and no other spec is parsed: the other names come from the listing of
 * releases/ (a valid spec's name is its file name; see spec-index.ts). A move's cost therefore does
 * not grow with the number of releases, in a fresh clone as much as on the tenth move, and nothing
 * is cached, so nothing can be stale. (Moves used to validate every spec, with a cache of validated
 * files; an invalid spec of another release is now reported by `validate` and `synth`, not by a move
 * of this one.)
 */
export interface ProjectForMove {
  /** The release named, fully loaded; undefined when no spec has that name or it is a release group. */
  readonly release?: LoadedRelease;
  /** Names of every release and release group in the project (from their file names), sorted; listed when first read. */
  readonly names: readonly string[];
  /** Spec files parsed and validated in this call: 1 when the name exists, else 0. */
  readonly parsed: number;
}

/**
 * Validates the spec named and lists every name (see `ProjectForMove`).
 * @param _cacheFile ignored (there is no cache any more); kept for callers that still pass one
 * @throws SpecError when the spec named is invalid, or two files carry its name
 * @throws UsageError when releases/ lists the name but holds no spec file of it that can be read (a
 *   folder, a dangling link): the unknown-name message of `loadNamedSpec`
 */
export function loadProjectFor(paths: ProjectPaths, name: string, _cacheFile?: string): ProjectForMove {
  const listed = () => [...specIndex(paths).keys()].sort();
  const files = namedSpecFiles(paths, name);
  if (!files.length) {
    const names = listed();
    // listed, but not a spec file that can be read (a folder, a dangling link): loadNamedSpec's
    // unknown-name error, as for any name without a spec
    if (names.includes(name)) loadNamedSpec(paths, name, 'release', files);
    return { names, parsed: 0 };
  }
  const spec = loadNamedSpec(paths, name, 'release', files);
  // the other names only when asked for (a move of a release group or an unknown name): listing
  // releases/ costs ~2-3 ms at 1000 releases, a tenth of what a move's own work grows by
  let names: readonly string[] | undefined;
  const lazy = { get names(): readonly string[] { return (names ??= listed()); }, parsed: 1 };
  return 'release' in spec ? Object.assign(lazy, { release: spec.release }) : lazy;
}

/**
 * The SpecError of a load that validates the whole project for one name (a group move reads every
 * spec): when every problem is in another spec than the one named, its intro says so.
 */
export function otherSpecsError(problems: readonly SpecProblem[], name: string): SpecError {
  const own = (f: string) => path.basename(f).replace(/\.ya?ml$/i, '') === name;
  if (problems.some((p) => own(p.file))) return new SpecError(problems);
  const files = [...new Set(problems.map((p) => p.file))];
  return new SpecError(problems, `${name} was not moved: ${files.length === 1 ? `another spec, ${files[0]}, is` : `other specs (${files.join(', ')}) are`} invalid, and a group move validates the whole project (releases/ as synth reads it); fix ${files.length === 1 ? 'it' : 'them'} first (or move it out of releases/):`);
}
