import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ajvProblems, closest } from './ajv-problems';
import { SourceDocument } from './document';
import { SpecError, SpecProblem } from './errors';
import { ReleaseGroupSpec } from './generated/group';
import { secretCommentProblems } from './comment-secrets';
import { SECRET_NAME, secretKind } from './secrets';
import { ReleaseSpec, Workload } from './generated/release';
import { GroupModel, groupProblems, toGroupModel } from './group';
import { ladderOf, ReleaseModel, toModel } from './model';
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
}

/** Spec files in a releases directory, sorted. */
export function specFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
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
  let release: LoadedRelease = { file: shown, path: path.resolve(file), source: parsed, model: toModel(spec, shown) };
  const extra: SpecProblem[] = [];
  for (const check of options.checks ?? []) {
    const r = check(release);
    if (Array.isArray(r)) extra.push(...r);
    else release = r.release;
  }
  return extra.length ? { problems: extra } : { release };
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

/** A deep copy of `data` without the fields ajv reported as unknown; undefined when another kind of error is present. */
function withoutUnknownFields(data: unknown, errors: readonly ErrorObject[]): unknown {
  if (!errors.length || errors.some((e) => e.keyword !== 'additionalProperties')) return undefined;
  const copy = JSON.parse(JSON.stringify(data)) as unknown;
  for (const e of errors) {
    let target: any = copy;
    for (const seg of e.instancePath.split('/').slice(1)) target = target?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (target && typeof target === 'object') delete target[String(e.params.additionalProperty)];
  }
  return copy;
}

/** Reads and validates one spec file; returns its problems instead of throwing. */
export function readRelease(file: string, options: LoadOptions): { release: LoadedRelease } | { problems: SpecProblem[] } {
  const r = readSpec(file, options);
  if ('group' in r) return { problems: [r.group.source.problem(['kind'], 'this file is a ReleaseGroup, not a Release', 'use the group commands (next, abort, status) for it', 'ReleaseGroup')] };
  return r;
}

/** Reads and validates one spec file of any kind; returns its problems instead of throwing. */
export function readSpec(file: string, options: LoadOptions): { release: LoadedRelease } | { group: LoadedGroup } | { problems: SpecProblem[] } {
  let bytes: Buffer;
  try {
    const escape = symlinkEscape(file, options.relativeTo);
    if (escape) {
      return { problems: [{ file: display(file, options), line: 0, col: 0, path: '', message: `spec file is a symlink to ${escape}, outside the repository`, hint: 'copy the spec into releases/ instead of linking to it' }] };
    }
    bytes = fs.readFileSync(file);
  } catch (e) {
    return { problems: [{ file: display(file, options), line: 0, col: 0, path: '', message: `cannot read the file (${(e as Error).message})`, hint: 'check the path and its permissions' }] };
  }
  return parseSpec(file, bytes, options);
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
    out.push(src.problem(['name'], `release name does not match the file name '${path.basename(file)}'`, `rename the file to ${spec.name}.yaml or set name: ${base}`, spec.name));
  }
  const total = spec.weightTotal ?? 100;
  const ladder = ladderOf(spec);
  ladder.forEach((s, i) => {
    const p = spec.steps && typeof spec.steps[i] === 'object' ? ['steps', i, 'weight'] : ['steps', i];
    if (s.weight > total) out.push(src.problem(p, `weight is above the weight total ${total}`, `use a weight between 0 and ${total}`, s.weight));
    if (i > 0 && s.weight <= ladder[i - 1].weight) {
      out.push(src.problem(p, `steps must increase strictly (previous step is ${ladder[i - 1].weight})`, `use a weight above ${ladder[i - 1].weight} or remove this step`, s.weight));
    }
  });
  if (spec.canary && spec.canary.weight > total) {
    out.push(src.problem(['canary', 'weight'], `weight is above the weight total ${total}`, `use a weight between 0 and ${total}`, spec.canary.weight));
  }
  if (spec.canary && spec.canary.version === spec.stable.version && !spec.canary.image) {
    out.push(src.problem(['canary', 'version'], 'canary runs the same version as stable', 'set a new version for the canary, or remove the canary section', spec.canary.version));
  }
  const w = generatedWorkload(spec);
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
  (w.env ?? []).forEach((e, i) => {
    const sources = ['value', 'secretKeyRef', 'configMapKeyRef'].filter((k) => (e as unknown as Record<string, unknown>)[k] !== undefined);
    if (sources.length !== 1) {
      out.push(src.problem(['workload', 'env', i], `env var '${e.name}' must have exactly one of value, secretKeyRef, configMapKeyRef`, sources.length ? `keep one of ${sources.join(', ')}` : 'add a value or a secretKeyRef', sources.length ? sources.join(', ') : undefined));
    }
    if (/(password|secret|token|api[_-]?key)/i.test(e.name) && e.value !== undefined) {
      out.push(src.problem(['workload', 'env', i, 'value'], `env var '${e.name}' looks like a secret but is inlined`, 'store it in a Secret and use secretKeyRef (secrets are referenced, never inlined)', '<hidden>'));
    }
  });
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
 * The fields of a generated workload (webapp, guestbook); a manifests workload has none of them but
 * its versionLabel (its folder's Secrets are checked when the folder is read, lib/workloads/manifests-source.ts).
 */
function generatedWorkload(spec: ReleaseSpec): Partial<Workload> {
  return spec.workload.type === 'manifests' ? { ...(spec.workload.versionLabel ? { versionLabel: spec.workload.versionLabel } : {}) } : spec.workload;
}

/** Where a spec file really is when that is outside the project root (a symlink leaving it), else undefined. */
function symlinkEscape(file: string, root: string | undefined): string | undefined {
  if (root === undefined || !fs.lstatSync(file).isSymbolicLink()) return undefined;
  const real = fs.realpathSync(file);
  const rel = path.relative(fs.realpathSync(root), real);
  return rel.startsWith('..') || path.isAbsolute(rel) ? real : undefined;
}

/**
 * Secrets are referenced, never inlined: values that look like secrets are refused anywhere in a
 * spec, ConfigMap data (workload.config) may not hold secret-named keys, and every Secret a release
 * references must be declared in `existingSecrets` (with the key, when keys are listed).
 */
function secretProblems(src: SourceDocument, spec: ReleaseSpec): SpecProblem[] {
  const out: SpecProblem[] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    if (typeof v === 'string') {
      const hit = secretKind(v);
      if (hit) out.push(src.problem(at, `value looks like ${hit}; it would be committed to git in clear text`, 'store it in a Secret created outside git, list it in existingSecrets and reference it with secretKeyRef', '<hidden>'));
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(spec, []);
  const w = generatedWorkload(spec);
  for (const [k, v] of Object.entries(w.config ?? {})) {
    if (SECRET_NAME.test(k) && v !== '') {
      out.push(src.problem(['workload', 'config', k], `config key '${k}' looks like a secret, and config is written to a ConfigMap in dist/ in clear text`, 'store it in a Secret listed in existingSecrets and reference it from workload.env with secretKeyRef', '<hidden>'));
    }
  }
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
