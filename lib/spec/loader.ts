import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ajvProblems, closest } from './ajv-problems';
import { MAX_SPEC_BYTES, SourceDocument } from './document';
import { SpecError, SpecProblem } from './errors';
import { ReleaseGroupSpec } from './generated/group';
import { secretCommentProblems } from './comment-secrets';
import { inlineSecretEnvProblems, secretConfigKeyProblems, secretValueProblems } from './secret-scan';
import { ReleaseSpec, Workload } from './generated/release';
import { FleetModel, resolveFleet, waveModel } from './fleet';
import { imageProblems } from './image';
import { ladderProblems } from './ladder';
import { GroupModel, groupProblems, toGroupModel } from './group';
import { GUESTBOOK_REDIS_ENV, ladderOf, ReleaseModel, toModel } from './model';
import { dns1035LabelError, labelValueError } from './k8s-names';
import { ClusterModel, defaultProjectConfig } from './project-config';
import { reservedNamespaceProblems } from './reserved-namespaces';
import { unrepresentableProblems } from './text-checks';
import { validatorFor } from './schemas';

/** The first line of every spec file, so editors autocomplete and check it. */
export const SCHEMA_COMMENT = '# yaml-language-server: $schema=../lib/spec/schema/release.schema.json';
/** The first line of every release group file. */
export const GROUP_SCHEMA_COMMENT = '# yaml-language-server: $schema=../lib/spec/schema/group.schema.json';
/** The kinds of spec file in releases/, and the schema each is validated against. */
export const SPEC_KINDS: Readonly<Record<string, string>> = { Release: 'release.schema.json', ReleaseGroup: 'group.schema.json' };

/** A release spec read from disk: its YAML document (for in-place edits) and its model. */
export interface LoadedRelease {
  readonly file: string;
  /** Absolute path of the spec file (its repository root is the folder above releases/). */
  readonly path?: string;
  readonly source: SourceDocument;
  readonly model: ReleaseModel;
}

/** A release group (kind: ReleaseGroup) read from disk: its YAML document and its model. */
export interface LoadedGroup {
  readonly file: string;
  /** Absolute path of the spec file (its repository root is the folder above releases/). */
  readonly path?: string;
  readonly source: SourceDocument;
  readonly model: GroupModel;
}

/** Every spec of a releases directory, by kind. */
export interface LoadedSpecs {
  readonly releases: LoadedRelease[];
  readonly groups: LoadedGroup[];
}

/**
 * Checks a release needs beyond its schema (a router's limits, for instance). Returns problems;
 * `source.problem(path, ...)` positions them. A check that reads further input (the folder of a
 * `type: manifests` workload) returns the release with its model completed instead when that input
 * is sound; the checks after it see that release.
 */
export type ReleaseCheck = (release: LoadedRelease) => SpecProblem[] | { readonly release: LoadedRelease };
/** Checks a release group needs beyond its schema. Returns problems. */
export type GroupCheck = (group: LoadedGroup) => SpecProblem[];

export interface LoadOptions {
  /** Extra checks run on every release that passed schema validation. @default - none */
  readonly checks?: readonly ReleaseCheck[];
  /** Extra checks run on every release group that passed its own validation. @default - none */
  readonly groupChecks?: readonly GroupCheck[];
  /** Directory that file names in messages are relative to. @default - process.cwd() */
  readonly relativeTo?: string;
  /**
   * The clusters of cdk8s-canary.yaml, which a release's `fleet:` is resolved against; called only
   * when a spec has a fleet (it may throw SpecError: a broken cdk8s-canary.yaml).
   * @default - the default cluster list (one cluster, in-cluster)
   */
  readonly clusters?: () => readonly ClusterModel[];
}

/**
 * Spec files in a releases directory, sorted: every `*.yaml` and `*.yml`, and also names that end
 * so in another case (`x.YAML`), which `readSpecBytes` refuses rather than skipping them silently.
 */
export function specFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort().map((f) => path.join(dir, f));
}

/** How deep `straySpecProblems` looks into the subfolders of releases/. */
const STRAY_DEPTH = 3;

/**
 * Files in a releases directory that look like specs but would be skipped silently: `*.json` (a
 * spec is read from `.yaml` / `.yml` only, though JSON is YAML) and `*.yaml`, `*.yml`, `*.json` in
 * subfolders (only releases/ itself is read). One problem per file, at its first line, sorted.
 */
export function straySpecProblems(dir: string, options: LoadOptions = {}): SpecProblem[] {
  const out: SpecProblem[] = [];
  const walk = (d: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !/\.ya?ml$/i.test(e.name) && !e.name.startsWith('.')) {
        if (depth < STRAY_DEPTH) walk(p, depth + 1);
        continue;
      }
      if (!e.isFile()) continue;
      const shown = display(p, options);
      const base = e.name.replace(/\.(ya?ml|json)$/i, '');
      if (depth === 0 && /\.json$/i.test(e.name)) {
        out.push({ file: shown, line: 1, col: 1, path: '', message: "spec file name ends in '.json'; specs are read from .yaml and .yml files only, so this one would be skipped", hint: `rename it to ${base}.yaml (JSON is YAML: the content can stay), or move it out of releases/` });
      } else if (depth > 0 && /\.(ya?ml|json)$/i.test(e.name)) {
        out.push({ file: shown, line: 1, col: 1, path: '', message: 'spec file in a subfolder of releases/; only releases/ itself is read, so this one would be skipped', hint: `move it to releases/${base}.yaml, or move it out of releases/` });
      }
    }
  };
  walk(dir, 0);
  return out;
}

/**
 * The bytes of a spec file, or why they are not read: the name must end in lowercase `.yaml` or
 * `.yml`; the file must be a regular file (a FIFO would block every command, a device never end)
 * of at most MAX_SPEC_BYTES, checked with stat before reading (a 1.5 GB sparse file is not read
 * whole), and a read stops one byte past the limit. `shown` is the name used in messages.
 */
export function readSpecBytes(file: string, shown: string, kind: 'spec' | 'project' = 'spec'): { bytes: Buffer } | { problems: SpecProblem[] } {
  // problems of the whole file point at its first line, so editors and terminals can jump to it
  const whole = (message: string, hint: string) => ({ problems: [{ file: shown, line: 1, col: 1, path: '', message, hint }] });
  if (kind === 'project') {
    // the project file: the same limits, its own words (it is not one of releases/)
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) return whole(`${path.basename(file)} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`, `the project file is one YAML file at the repository root: replace it by a file (see the README, "Wire it to Argo CD")`);
      if (st.size > MAX_SPEC_BYTES) return whole(`file is too large (${st.size} bytes, limit ${MAX_SPEC_BYTES})`, 'the project file is a few kilobytes: check that the right file is at the repository root');
    } catch { /* reported below as cannot read */ }
  }
  const base = path.basename(file);
  if (!/\.ya?ml$/.test(base)) {
    return whole(`spec file name ends in '${path.extname(base)}', not '.yaml' or '.yml'`, `rename it to ${base.replace(/\.ya?ml$/i, '.yaml')} (file names are case-sensitive: the release name is the file name without .yaml)`);
  }
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
      return whole(`spec file is ${what}, not a regular file`, 'releases/ holds spec files only: move it out of releases/ or rename it without .yaml');
    }
    if (st.size > MAX_SPEC_BYTES) return whole(`file is too large (${st.size} bytes, limit ${MAX_SPEC_BYTES})`, 'a release spec is a few kilobytes: check that the right file is in releases/');
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(Math.min(st.size, MAX_SPEC_BYTES) + 1);
      let n = 0;
      for (let r = 1; r > 0 && n < buf.length;) { r = fs.readSync(fd, buf, n, buf.length - n, n); n += r; }
      if (n > MAX_SPEC_BYTES) return whole(`file is too large (more than ${MAX_SPEC_BYTES} bytes, and growing)`, 'a release spec is a few kilobytes: check that the right file is in releases/');
      return { bytes: buf.subarray(0, n) };
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return whole(`cannot read the file (${(e as Error).message})`, 'check the path and its permissions');
  }
}

/** Loads and validates one spec file; throws SpecError listing every problem. */
export function loadRelease(file: string, options: LoadOptions = {}): LoadedRelease {
  const r = readRelease(file, options);
  if ('problems' in r) throw new SpecError(r.problems);
  return r.release;
}

/**
 * Loads the releases of a directory. Files of another kind (release groups) are validated too, so a
 * broken group file fails here as well, but only releases are returned (see `loadSpecs`).
 */
export function loadReleases(dir: string, options: LoadOptions = {}): LoadedRelease[] {
  return loadSpecs(dir, options).releases;
}

/** Loads every spec of a directory, dispatching on `kind`; throws one SpecError with the problems of all files. */
export function loadSpecs(dir: string, options: LoadOptions = {}): LoadedSpecs {
  const { releases, groups, problems } = readSpecs(dir, options);
  if (problems.length) throw new SpecError(problems);
  return { releases, groups };
}

/** Every valid spec of a directory, and the problems of the others (names used twice are problems too). */
export function readSpecs(dir: string, options: LoadOptions = {}): LoadedSpecs & { readonly problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const releases: LoadedRelease[] = [];
  const groups: LoadedGroup[] = [];
  for (const file of specFiles(dir)) {
    const r = readSpec(file, options);
    if ('problems' in r) problems.push(...r.problems);
    else if ('release' in r) releases.push(r.release);
    else groups.push(r.group);
  }
  problems.push(...straySpecProblems(dir, options));
  const byName = new Map<string, { file: string }>();
  for (const s of [...releases, ...groups]) {
    const name = s.model.name;
    const other = byName.get(name);
    if (other) {
      problems.push(s.source.problem(['name'], `release name '${name}' is already used by ${other.file}`, 'give every release and release group a unique name (it is their dist/ folder)', name));
    } else byName.set(name, s);
  }
  return { releases, groups, problems };
}

/** Loads and validates one release group file; throws SpecError listing every problem. */
export function loadGroup(file: string, options: LoadOptions = {}): LoadedGroup {
  const r = readSpec(file, options);
  if ('problems' in r) throw new SpecError(r.problems);
  if ('release' in r) {
    throw new SpecError([r.release.source.problem(['kind'], 'this file is a Release, not a ReleaseGroup', 'use the release commands (start, step, promote, abort) for it', 'Release')]);
  }
  return r.group;
}

/**
 * Parses a spec file of any kind: `kind: ReleaseGroup` is validated against group.schema.json,
 * everything else against release.schema.json (so a Release file with a missing or misspelt kind
 * gets the release schema's positioned message).
 */
export function parseSpec(file: string, text: string | Buffer, options: LoadOptions = {}):
  { release: LoadedRelease } | { group: LoadedGroup } | { problems: SpecProblem[] } {
  const shown = display(file, options);
  const parsed = SourceDocument.parse(shown, Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));
  if (Array.isArray(parsed)) return { problems: parsed };
  return withCommentSecrets(parsed, parseSpecDocument(parsed, file, shown, options));
}

/** Whether a spec's data has a release group's apps: and no release's workload:. */
function looksLikeGroup(data: unknown): boolean {
  return !!data && typeof data === 'object' && !Array.isArray(data) && 'apps' in data && !('workload' in data);
}

/** Adds the comments that look like secrets (they are committed too) to a parse result's problems. */
function withCommentSecrets<T extends object>(parsed: SourceDocument, r: T | { problems: SpecProblem[] }): T | { problems: SpecProblem[] } {
  const secrets = secretCommentProblems(parsed.file, parsed.text);
  if (!secrets.length) return r;
  const problems = 'problems' in r ? [...r.problems, ...secrets] : secrets;
  return { problems: problems.sort((a, b) => a.line - b.line || a.col - b.col) };
}

function parseSpecDocument(parsed: SourceDocument, file: string, shown: string, options: LoadOptions):
  { release: LoadedRelease } | { group: LoadedGroup } | { problems: SpecProblem[] } {
  const data = parsed.parsedData as { kind?: unknown } | null;
  const kind = data && typeof data === 'object' && !Array.isArray(data) ? data.kind : undefined;
  if (typeof kind === 'string' && !(kind in SPEC_KINDS)) {
    const known = Object.keys(SPEC_KINDS);
    const guess = closest(kind, known);
    return { problems: [parsed.problem(['kind'], `unknown kind '${kind}'`, guess ? `did you mean '${guess}'? (one of ${known.map((k) => `'${k}'`).join(', ')})` : `use one of ${known.map((k) => `'${k}'`).join(', ')}`, kind)] };
  }
  if (kind === 'ReleaseGroup') return parseGroupDocument(parsed, data, file, shown, options);
  // a missing or non-text kind in a file shaped like a release group (apps:, no workload:): the
  // release schema would list every group field as unknown and every release field as missing
  if (typeof kind !== 'string' && looksLikeGroup(data)) {
    return kind === undefined
      ? { problems: [parsed.problem(['kind'], "required field 'kind' is missing", "add 'kind: ReleaseGroup' (the file has apps:, as a release group does)")] }
      : { problems: [parsed.problem(['kind'], `must be one of ${Object.keys(SPEC_KINDS).map((k) => `'${k}'`).join(', ')}`, "write 'kind: ReleaseGroup' (the file has apps:, as a release group does)", kind)] };
  }
  return parseReleaseDocument(parsed, data, file, shown, options);
}

/** Parses and validates a release group held in memory (the group commands validate their edits this way). */
export function parseGroup(file: string, text: string | Buffer, options: LoadOptions = {}): { group: LoadedGroup } | { problems: SpecProblem[] } {
  const r = parseSpec(file, text, options);
  if ('release' in r) return { problems: [r.release.source.problem(['kind'], 'this file is a Release, not a ReleaseGroup', 'set kind: ReleaseGroup', 'Release')] };
  return r;
}

function parseGroupDocument(parsed: SourceDocument, data: unknown, file: string, shown: string, options: LoadOptions): { group: LoadedGroup } | { problems: SpecProblem[] } {
  const validate = validatorFor('group.schema.json');
  if (!validate(data)) return { problems: withRulesOfPruned(parsed, data, validate, (d) => groupProblems(parsed, d as ReleaseGroupSpec, file)) };
  const spec = data as ReleaseGroupSpec;
  const problems = groupProblems(parsed, spec, file);
  if (problems.length) return { problems };
  const group: LoadedGroup = { file: shown, path: path.resolve(file), source: parsed, model: toGroupModel(spec, shown) };
  const extra = (options.groupChecks ?? []).flatMap((c) => c(group));
  return extra.length ? { problems: extra } : { group };
}

/** Parses and validates a spec held in memory (the rollout CLI validates its edits this way). */
export function parseRelease(file: string, text: string | Buffer, options: LoadOptions = {}): { release: LoadedRelease } | { problems: SpecProblem[] } {
  const shown = display(file, options);
  const parsed = SourceDocument.parse(shown, Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));
  if (Array.isArray(parsed)) return { problems: parsed };
  return withCommentSecrets(parsed, parseReleaseDocument(parsed, parsed.parsedData, file, shown, options));
}

function parseReleaseDocument(parsed: SourceDocument, data: unknown, file: string, shown: string, options: LoadOptions): { release: LoadedRelease } | { problems: SpecProblem[] } {
  const validate = validatorFor('release.schema.json');
  if (!validate(data)) return { problems: withRulesOfPruned(parsed, data, validate, (d) => semanticProblems(parsed, d as ReleaseSpec, file)) };
  const spec = data as ReleaseSpec;
  const problems = semanticProblems(parsed, spec, file);
  if (problems.length) return { problems };
  let fleet: FleetModel | undefined;
  if (spec.fleet) {
    let clusters: readonly ClusterModel[];
    try {
      clusters = options.clusters ? options.clusters() : defaultProjectConfig().clusters;
    } catch (e) {
      if (e instanceof SpecError) return { problems: [...e.problems] };
      throw e;
    }
    const r = resolveFleet(parsed, spec, clusters);
    if ('problems' in r) return r;
    fleet = r.fleet;
  }
  let release: LoadedRelease = { file: shown, path: path.resolve(file), source: parsed, model: toModel(spec, shown) };
  const extra: SpecProblem[] = [];
  for (const check of options.checks ?? []) {
    const r = check(release);
    if (Array.isArray(r)) extra.push(...r);
    else release = r.release;
  }
  // the fleet goes on the model the checks completed (a check that completes the model rebuilds it)
  if (fleet) release = { ...release, model: { ...release.model, fleet } };
  if (!extra.length && fleet) extra.push(...waveLadderProblems(release, options.checks ?? []));
  return extra.length ? { problems: extra } : { release };
}

/**
 * The checks run on each wave that has its own ladder, as if it were the release's (a router's
 * limit on the ladder holds in every wave; the ladder's own rules are lib/spec/ladder.ts); problems about `steps` are positioned at the
 * wave's `steps`.
 */
function waveLadderProblems(release: LoadedRelease, checks: readonly ReleaseCheck[]): SpecProblem[] {
  const fleet = release.model.fleet!;
  const seen = new Set<string>();
  const out: SpecProblem[] = [];
  for (const w of fleet.waves) {
    if (!release.model.spec.fleet?.waves[w.index - 1]?.steps) continue;
    const src = release.source;
    const remapped = Object.create(src, {
      problem: {
        value: (at: readonly (string | number)[], ...rest: [string, string, unknown?, boolean?]) =>
          src.problem(at[0] === 'steps' ? ['fleet', 'waves', w.index - 1, ...at] : at, ...rest),
      },
    }) as SourceDocument;
    const model = waveModel(release.model, fleet, w);
    // problems only: a check that completes the model (a manifests folder) has done so for the release
    const problems = checks.flatMap((c) => { const r = c({ ...release, source: remapped, model }); return Array.isArray(r) ? r : []; });
    for (const p of problems) {
      const k = `${p.line}:${p.col}:${p.message}`;
      if (!seen.has(k)) { seen.add(k); out.push(p); }
    }
  }
  return out;
}

/**
 * The schema's problems of a spec that failed validation, plus the rules beyond the schema when the
 * only schema errors are unknown fields: those rules then run on the spec without the unknown fields,
 * so one pass reports a misspelt field and, say, a weight above the total together.
 */
function withRulesOfPruned(src: SourceDocument, data: unknown, validate: ValidateFunction, rules: (pruned: unknown) => SpecProblem[]): SpecProblem[] {
  const errors = [...(validate.errors ?? [])];
  const problems = ajvProblems(src, data, errors);
  const pruned = withoutUnknownFields(data, errors);
  if (pruned === undefined || !validate(pruned)) return problems;
  const seen = new Set(problems.map((p) => `${p.line}:${p.col}:${p.path}`));
  return [...problems, ...rules(pruned).filter((p) => !seen.has(`${p.line}:${p.col}:${p.path}`))].sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * A deep copy of `data` without the fields ajv reported as unknown; undefined when another kind of
 * error is present. A misspelt field (`imgae:`) is read as the field its did-you-mean names when that
 * one is absent, so the other rules judge the spec as it is meant and do not echo the typo (`app has
 * neither an image nor manifests`).
 */
function withoutUnknownFields(data: unknown, errors: readonly ErrorObject[]): unknown {
  if (!errors.length || errors.some((e) => e.keyword !== 'additionalProperties')) return undefined;
  const copy = JSON.parse(JSON.stringify(data)) as unknown;
  for (const e of errors) {
    let target: any = copy;
    for (const seg of e.instancePath.split('/').slice(1)) target = target?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!target || typeof target !== 'object') continue;
    const extra = String(e.params.additionalProperty);
    const meant = closest(extra, Object.keys(((e.parentSchema ?? {}) as { properties?: Record<string, unknown> }).properties ?? {}));
    if (meant !== undefined && !(meant in target)) target[meant] = target[extra];
    delete target[extra];
  }
  return copy;
}

/** Reads and validates one spec file; returns its problems instead of throwing. */
export function readRelease(file: string, options: LoadOptions): { release: LoadedRelease } | { problems: SpecProblem[] } {
  const r = readSpec(file, options);
  if ('group' in r) return { problems: [r.group.source.problem(['kind'], 'this file is a ReleaseGroup, not a Release', 'use the group commands (next, abort, status) for it', 'ReleaseGroup')] };
  return r;
}

/**
 * The real path of `options.relativeTo`, resolved once per options object (one load of a project):
 * a synth of 1000 specs resolved it 1000 times.
 */
function realRootOf(options: LoadOptions): string | undefined {
  if (options.relativeTo === undefined) return undefined;
  let real = REAL_ROOTS.get(options);
  if (real === undefined) { real = fs.realpathSync.native(options.relativeTo); REAL_ROOTS.set(options, real); }
  return real;
}
const REAL_ROOTS = new WeakMap<LoadOptions, string>();

/** Reads and validates one spec file of any kind; returns its problems instead of throwing. */
export function readSpec(file: string, options: LoadOptions): { release: LoadedRelease } | { group: LoadedGroup } | { problems: SpecProblem[] } {
  const r = readSpecFile(file, options);
  return 'problems' in r ? r : parseSpec(file, r.bytes, options);
}

/** A spec file's bytes: not a symlink leaving the project root, then `readSpecBytes`'s checks. */
export function readSpecFile(file: string, options: LoadOptions): { bytes: Buffer } | { problems: SpecProblem[] } {
  try {
    const escape = symlinkEscape(file, options.relativeTo, realRootOf(options));
    if (escape) {
      const direct = fs.lstatSync(file).isSymbolicLink();
      return { problems: [{ file: display(file, options), line: 0, col: 0, path: '', message: direct ? `spec file is a symlink to ${escape}, outside the repository` : `spec file leads outside the repository through a symlinked folder (to ${escape})`,
        hint: direct ? 'copy the spec into releases/ instead of linking to it' : 'replace the symlink (releases/ or a folder above it) by the folder itself' }] };
    }
  } catch (e) {
    return { problems: [{ file: display(file, options), line: 0, col: 0, path: '', message: `cannot read the file (${(e as Error).message})`, hint: 'check the path and its permissions' }] };
  }
  return readSpecBytes(file, display(file, options));
}

function display(file: string, options: LoadOptions): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(options.relativeTo ?? process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Rules a JSON Schema cannot say (or cannot say clearly). */
function semanticProblems(src: SourceDocument, spec: ReleaseSpec, file: string): SpecProblem[] {
  const out: SpecProblem[] = [];
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  if (base !== spec.name) {
    out.push(src.problem(['name'], `release name does not match the file name '${path.basename(file)}'`, `rename the file to ${spec.name}.yaml${isDnsLabel(base) ? ` or set name: ${base}` : ''}`, spec.name));
  }
  const total = spec.weightTotal ?? 100;
  out.push(...ladderProblems(src, spec.steps, ladderOf(spec), ['steps'], total));
  if (spec.canary && spec.canary.weight > total) {
    out.push(src.problem(['canary', 'weight'], `weight is above the weight total ${total}`, `use a weight between 0 and ${total}`, spec.canary.weight));
  }
  if (spec.canary && spec.canary.version === spec.stable.version && !spec.canary.image) {
    out.push(src.problem(['canary', 'version'], 'canary runs the same version as stable', 'set a new version for the canary, or remove the canary section', spec.canary.version));
  }
  const w = generatedWorkload(spec);
  out.push(
    ...imageProblems(src, ['workload', 'image'], w.image, 'repository'),
    ...imageProblems(src, ['stable', 'image'], spec.stable.image, 'reference'),
    ...imageProblems(src, ['canary', 'image'], spec.canary?.image, 'reference'),
    ...imageProblems(src, ['workload', 'redis', 'image'], w.redis?.image, 'reference'),
  );
  if (w.redis && w.type !== 'guestbook') {
    out.push(src.problem(['workload', 'redis'], `redis is only wired for workload type 'guestbook'`, `set workload.type: guestbook or remove workload.redis`, undefined, true));
  }
  if (w.versionLabel && w.versionLabel.stable === w.versionLabel.canary) {
    out.push(src.problem(['workload', 'versionLabel', 'canary'], 'stable and canary version labels are the same', 'use two different values, e.g. prod and canary', w.versionLabel.canary));
  }
  const names = { stable: w.names?.stable ?? spec.name, canary: w.names?.canary ?? `${spec.name}-canary` };
  if (names.stable === names.canary && (spec.namespaces.canary ?? spec.namespaces.production) === spec.namespaces.production) {
    out.push(src.problem(['workload', 'names', 'canary'], 'stable and canary workloads have the same name in the same namespace', 'give the canary its own name or namespace', names.canary));
  }
  const envSeen = new Map<string, number>();
  const injected: readonly string[] = w.type === 'guestbook' ? Object.values(GUESTBOOK_REDIS_ENV) : [];
  (w.env ?? []).forEach((e, i) => {
    const first = envSeen.get(e.name);
    if (first !== undefined) out.push(src.problem(['workload', 'env', i, 'name'], `env var '${e.name}' is already set by workload.env[${first}]`, 'keep one entry per name (the container would get only the last one)', e.name));
    else envSeen.set(e.name, i);
    if (injected.includes(e.name)) {
      out.push(src.problem(['workload', 'env', i, 'name'], `env var '${e.name}' is set by the guestbook workload from its Redis settings`, 'remove it and set workload.redis (host, port, passwordSecret) instead', e.name));
    }
    const sources = ['value', 'secretKeyRef', 'configMapKeyRef'].filter((k) => (e as unknown as Record<string, unknown>)[k] !== undefined);
    if (sources.length !== 1) {
      out.push(src.problem(['workload', 'env', i], `env var '${e.name}' must have exactly one of value, secretKeyRef, configMapKeyRef`, sources.length ? `keep one of ${sources.join(', ')}` : 'add a value or a secretKeyRef', sources.length ? sources.join(', ') : undefined));
    }
  });
  out.push(...inlineSecretEnvProblems(src, w.env, ['workload', 'env']));
  for (const k of Object.keys(w.config ?? {})) {
    if (injected.includes(k)) out.push(src.problem(['workload', 'config', k], `config key '${k}' is also an env var the guestbook workload sets from its Redis settings, which wins over envFrom`, 'remove it and set workload.redis instead', k, true));
  }
  out.push(...generatedNameSpecProblems(src, spec), ...unrepresentableProblems(src, spec), ...reservedNamespaceProblems(src, spec));
  const header = (spec.router as { header?: { value?: string; pattern?: string } }).header;
  if (header && header.value !== undefined && header.pattern !== undefined) {
    out.push(src.problem(['router', 'header'], 'header has both value and pattern', 'keep one of value or pattern'));
  }
  out.push(...secretProblems(src, spec), ...namespaceProblems(src, spec));
  const checkNames = new Set<string>();
  (spec.checks ?? []).forEach((c, i) => {
    if (checkNames.has(c.name)) out.push(src.problem(['checks', i, 'name'], `duplicate check name '${c.name}'`, 'give every check a unique name', c.name));
    checkNames.add(c.name);
    if (c.expectBodyRegex !== undefined) {
      try { new RegExp(c.expectBodyRegex); } catch (e) { out.push(src.problem(['checks', i, 'expectBodyRegex'], `invalid regular expression (${(e as Error).message})`, 'fix the regular expression', c.expectBodyRegex)); }
    }
  });
  return out;
}

/**
 * Names and labels a release's spec gives its objects, checked where the spec sets them: the canary
 * Deployment and Service `<name>-canary` (at most 63 characters, a Service name), the Service
 * names (DNS-1035: starting with a letter), and the versions used as the pods' `version` label (at
 * most 63 characters, starting and ending with a letter or digit) unless workload.versionLabel
 * fixes it. lib/synth/name-check.ts checks every generated object as well.
 */
function generatedNameSpecProblems(src: SourceDocument, spec: ReleaseSpec): SpecProblem[] {
  const out: SpecProblem[] = [];
  const w = generatedWorkload(spec);
  const n = w.names ?? {};
  const stableAt = n.service !== undefined ? ['workload', 'names', 'service'] : n.stable !== undefined ? ['workload', 'names', 'stable'] : ['name'];
  const stableService = n.service ?? n.stable ?? spec.name;
  // a manifests workload names its own Services (lib/synth/name-check.ts checks them as generated objects)
  const e1 = spec.workload.type === 'manifests' ? undefined : dns1035LabelError(stableService);
  if (e1) out.push(src.problem(stableAt, `the production Service would be named '${stableService}', which ${e1}`, n.service !== undefined ? 'give the Service a name that starts with a letter' : 'start the name with a letter, or set workload.names.service', stableService));
  const canaryAt = n.canaryService !== undefined ? ['workload', 'names', 'canaryService'] : n.canary !== undefined ? ['workload', 'names', 'canary'] : ['name'];
  const canaryName = n.canaryService ?? n.canary ?? `${spec.name}-canary`;
  const e2 = spec.workload.type === 'manifests' ? undefined : dns1035LabelError(canaryName);
  if (e2 && !(e1 && canaryAt[0] === 'name')) {
    out.push(src.problem(canaryAt, `the canary Deployment and Service would be named '${canaryName}', which ${e2}`,
      canaryAt[0] === 'name' ? `shorten the release name to at most ${63 - '-canary'.length} characters, or set workload.names.canary` : 'shorten it (at most 63 characters, starting with a letter)', canaryAt[0] === 'name' ? spec.name : canaryName));
  }
  if (!w.versionLabel) {
    for (const track of ['stable', 'canary'] as const) {
      const v = spec[track]?.version;
      const e = v === undefined ? undefined : labelValueError(v);
      if (e) out.push(src.problem([track, 'version'], `the version is also the pods' version label, and this one ${e}`, 'use a shorter version, or set workload.versionLabel (fixed label values per track)', v));
    }
  }
  return out;
}

/**
 * The fields of a generated workload (webapp, guestbook); a manifests workload has none of them but
 * its versionLabel (its folder's Secrets are checked when the folder is read, lib/workloads/manifests-source.ts).
 */
function generatedWorkload(spec: ReleaseSpec): Partial<Workload> {
  return spec.workload.type === 'manifests' ? { ...(spec.workload.versionLabel ? { versionLabel: spec.workload.versionLabel } : {}) } : spec.workload;
}


/**
 * Where a spec file really is when that is outside the project root (the file, or a folder on its
 * way such as releases/ itself, a symlink leaving it), else undefined. Real paths are the system's
 * realpath(3) (`realpathSync.native`): one call per file instead of Node's lstat of every segment of
 * its path (a synth of 1000 specs made ~6000 of them), and root and file resolved the same way.
 */
export function symlinkEscape(file: string, root: string | undefined, realRoot?: string): string | undefined {
  if (root === undefined) return undefined;
  const real = fs.realpathSync.native(file);
  const rel = path.relative(realRoot ?? fs.realpathSync.native(root), real);
  return rel.startsWith('..') || path.isAbsolute(rel) ? real : undefined;
}

/**
 * Secrets are referenced, never inlined: values that look like secrets are refused anywhere in a
 * spec, ConfigMap data (workload.config) may not hold secret-named keys, and every Secret a release
 * references must be declared in `existingSecrets` (with the key, when keys are listed).
 */
function secretProblems(src: SourceDocument, spec: ReleaseSpec): SpecProblem[] {
  const w = generatedWorkload(spec);
  const out: SpecProblem[] = [...secretValueProblems(src, spec), ...secretConfigKeyProblems(src, w.config, ['workload', 'config'])];
  const declared = new Map<string, readonly string[] | undefined>();
  (spec.existingSecrets ?? []).forEach((s, i) => {
    if (declared.has(s.name)) out.push(src.problem(['existingSecrets', i, 'name'], `Secret '${s.name}' is declared twice`, 'keep one entry per Secret', s.name));
    declared.set(s.name, s.keys);
  });
  const refs: { at: (string | number)[]; name: string; key?: string }[] = [];
  (w.env ?? []).forEach((e, i) => { if (e.secretKeyRef) refs.push({ at: ['workload', 'env', i, 'secretKeyRef'], ...e.secretKeyRef }); });
  if (w.redis?.passwordSecret) refs.push({ at: ['workload', 'redis', 'passwordSecret'], ...w.redis.passwordSecret });
  const tls = (spec.router as { tlsSecretName?: string }).tlsSecretName;
  if (tls !== undefined) refs.push({ at: ['router'], name: tls });
  for (const r of refs) {
    const field = r.at[r.at.length - 1] === 'router' ? [...r.at, 'tlsSecretName'] : [...r.at, 'name'];
    if (!declared.has(r.name)) {
      const known = [...declared.keys()];
      out.push(src.problem(field, `Secret '${r.name}' is not declared in existingSecrets${known.length ? ` (declared: ${known.join(', ')})` : ''}`,
        `add '- name: ${r.name}' to existingSecrets once the Secret exists in the cluster, or fix the name`, r.name));
      continue;
    }
    const keys = declared.get(r.name);
    if (keys && r.key !== undefined && !keys.includes(r.key)) {
      out.push(src.problem([...r.at, 'key'], `key '${r.key}' is not one of the keys of Secret '${r.name}' (${keys.join(', ')})`, `use one of ${keys.join(', ')}, or add '${r.key}' to its keys in existingSecrets`, r.key));
    }
  }
  return out;
}

/**
 * Namespaces a spec names must be ones the release has: a Redis this release deploys runs in its
 * production namespace, so a host naming another namespace would point the frontends at nothing.
 */
function namespaceProblems(src: SourceDocument, spec: ReleaseSpec): SpecProblem[] {
  const out: SpecProblem[] = [];
  const redis = generatedWorkload(spec).redis;
  const prod = spec.namespaces.production;
  if (spec.workload.type === 'guestbook' && redis?.host !== undefined && redis.deploy !== false) {
    const m = /^([a-z0-9-]+)\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?\.?$/.exec(redis.host);
    if (m && m[2] !== prod) {
      out.push(src.problem(['workload', 'redis', 'host'], `redis host names namespace '${m[2]}', but this release deploys Redis in its production namespace '${prod}'`,
        `use ${m[1]}.${prod}.svc.cluster.local, or set workload.redis.deploy: false to use a Redis that runs elsewhere`, redis.host));
    }
  }
  return out;
}

/** Whether a file's base name could be a release or group name (a DNS label), to suggest it as one. */
function isDnsLabel(s: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s);
}
