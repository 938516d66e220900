import { ErrorObject } from 'ajv';
import { SourceDocument } from './document';
import { SpecProblem } from './errors';
import { SCHEMA_FILES, specAjv } from './schemas';

/** Turns ajv errors into positioned problems with a value and a fix, one per real mistake. */
export function ajvProblems(src: SourceDocument, data: unknown, errors: readonly ErrorObject[]): SpecProblem[] {
  const kept = dropTypoEchoes(pruneAlternatives(errors));
  const out: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const p = toProblem(src, data, e);
    if (!p) continue;
    const k = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(p);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * A misspelt required field (`nmae: x` for `name`) is two errors, the unknown field and the missing
 * one, for one mistake: the unknown field's did-you-mean is the fix of both, so the missing one goes.
 */
function dropTypoEchoes(errors: readonly ErrorObject[]): ErrorObject[] {
  const typos = new Set(errors.filter((e) => e.keyword === 'additionalProperties').flatMap((e) => {
    const properties = ((e.parentSchema ?? {}) as { properties?: Record<string, unknown> }).properties ?? {};
    const guess = closest(String(e.params.additionalProperty), Object.keys(properties));
    return guess ? [`${e.instancePath}\0${guess}`] : [];
  }));
  return errors.filter((e) => !(e.keyword === 'required' && typos.has(`${e.instancePath}\0${String(e.params.missingProperty)}`)));
}

/**
 * anyOf/oneOf report one error per branch. Keep the branch that fits the value's shape: drop
 * `type` errors of branches whose type did not match when another branch has the right type
 * (with the other errors such a branch reports on the value itself, e.g. its `enum`), and drop the
 * summary error when a more precise one remains.
 */
function pruneAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const summaries = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if');
  let rest = errors.filter((e) => !summaries.includes(e));
  for (const s of summaries) {
    const inner = rest.filter((e) => e.instancePath === s.instancePath || e.instancePath.startsWith(`${s.instancePath}/`));
    const typeErrs = inner.filter((e) => e.keyword === 'type' && e.instancePath === s.instancePath);
    // a branch whose type does not fit the value: its other errors on the value say nothing more
    // (a branch behind a $ref has its own schemaPath, so only inline branches are known this way)
    const misfit = typeErrs.filter((t) => t.schemaPath.startsWith(`${s.schemaPath}/`)).map((t) => t.schemaPath.slice(0, t.schemaPath.length - 'type'.length));
    const offBranch = inner.filter((e) => !typeErrs.includes(e) && e.instancePath === s.instancePath && misfit.some((b) => e.schemaPath.startsWith(b)));
    rest = rest.filter((e) => !offBranch.includes(e));
    const others = inner.filter((e) => !typeErrs.includes(e) && !offBranch.includes(e));
    if (others.length > 0) rest = rest.filter((e) => !typeErrs.includes(e));
    else if (s.keyword !== 'if') {
      rest = rest.filter((e) => !typeErrs.includes(e));
      rest.push({ ...s, keyword: 'type', params: { type: typeErrs.map((t) => t.params.type).join(' or ') } });
    }
  }
  return rest;
}

function segments(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let v: any = data;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[s as any];
  }
  return v;
}

/**
 * The schema's `x-hint` for an error. `{name}` in it becomes the spec's own name when that is a valid
 * name (so a hinted command can be copied as it is), else NAME.
 */
function hintOf(e: ErrorObject, data?: unknown): string | undefined {
  const ps = e.parentSchema as Record<string, unknown> | undefined;
  if (!ps || typeof ps['x-hint'] !== 'string') return undefined;
  const name = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).name : undefined;
  return (ps['x-hint'] as string).replace(/\{name\}/g, typeof name === 'string' && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name) ? name : 'NAME');
}

/** The candidate closest to a word (edit distance), when close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function list(xs: readonly unknown[]): string {
  return xs.map((x) => (typeof x === 'string' ? `'${x}'` : String(x))).join(', ');
}

function toProblem(src: SourceDocument, data: unknown, e: ErrorObject): SpecProblem | undefined {
  const path = segments(e.instancePath);
  // a map key that breaks `propertyNames`: point at the key itself, and show it
  const key = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (key !== undefined && e.keyword !== 'propertyNames') {
    const what = e.keyword === 'maxLength' ? `key is too long (at most ${e.params.limit} characters)` : e.keyword === 'minLength' ? 'key must not be empty' : 'key has an invalid format';
    return src.problem([...path, key], what, hintOf(e, data) ?? `match the pattern ${String(e.params.pattern ?? '')}`, key, true);
  }
  const value = valueAt(data, path);
  const ps = (e.parentSchema ?? {}) as Record<string, any>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params.missingProperty);
      const prop = ps.properties?.[missing];
      const desc = prop?.description;
      // a field with one allowed value (apiVersion, kind): the hint gives the line to write
      const only = prop?.const ?? (Array.isArray(prop?.enum) && prop.enum.length === 1 ? prop.enum[0] : undefined);
      const add = typeof only === 'string' ? `add '${missing}: ${only}'` : `add '${missing}'`;
      // the tag of a tagged union (workload.type, router.type): name its values, and a key that looks like a misspelling of it
      const tags = ps.discriminator?.propertyName === missing ? tagValues(ps, missing) : [];
      const here = valueAt(data, path);
      const typo = here && typeof here === 'object' ? Object.keys(here).find((k) => k !== missing && closest(k, [missing]) === missing) : undefined;
      const detail = tags.length ? `, one of ${list(tags)}${typo ? ` (is '${typo}' meant to be '${missing}'?)` : ''}` : desc ? ` (${String(desc).replace(/\.$/, '')})` : '';
      return src.problem([...path, missing], `required field '${missing}' is missing`, `${add}${detail}`);
    }
    case 'additionalProperties': {
      const extra = String(e.params.additionalProperty);
      const allowed = Object.keys(ps.properties ?? {});
      const guess = closest(extra, allowed);
      return src.problem([...path, extra], `unknown field '${extra}'`,
        guess ? `did you mean '${guess}'? (allowed: ${allowed.join(', ')})` : `remove it (allowed: ${allowed.join(', ') || 'none'})`, undefined, true);
    }
    case 'discriminator': {
      const tag = String(e.params.tag);
      const allowed = tagValues(ps, tag);
      if (e.params.error === 'tag' && valueAt(data, [...path, tag]) === undefined) {
        return src.problem([...path, tag], `required field '${tag}' is missing`, `add '${tag}', one of ${list(allowed)}`);
      }
      const seen = valueAt(data, [...path, tag]);
      const guess = typeof seen === 'string' ? closest(seen, allowed) : undefined;
      return src.problem([...path, tag], `unknown ${path.length ? String(path[path.length - 1]) : 'kind'} ${tag}`,
        guess ? `did you mean '${guess}'? (one of ${list(allowed)})` : `use one of ${list(allowed)}`, seen);
    }
    case 'type':
      return src.problem(path, `must be ${article(String(e.params.type))}`, hintOf(e, data) ?? `write ${article(String(e.params.type))} here`, value);
    case 'const':
      return src.problem(path, `must be ${JSON.stringify(e.params.allowedValue)}`, `write ${JSON.stringify(e.params.allowedValue)}`, value);
    case 'enum': {
      const allowed = e.params.allowedValues as unknown[];
      const guess = typeof value === 'string' ? closest(value, allowed.map(String)) : undefined;
      return src.problem(path, `must be one of ${list(allowed)}`, guess ? `did you mean '${guess}'?` : `use one of ${list(allowed)}`, value);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const lo = ps.minimum ?? ps.exclusiveMinimum;
      const hi = ps.maximum ?? ps.exclusiveMaximum;
      const range = lo !== undefined && hi !== undefined ? `between ${lo} and ${hi}` : lo !== undefined ? `of at least ${lo}` : `of at most ${hi}`;
      return src.problem(path, `is out of range (${e.params.comparison} ${e.params.limit} required)`, hintOf(e, data) ?? `use a value ${range}`, value);
    }
    case 'pattern':
      // a key that breaks propertyNames: point at the key itself
      if (e.propertyName !== undefined) return src.problem([...path, e.propertyName], `key '${e.propertyName}' has an invalid format`, hintOf(e, data) ?? `match the pattern ${e.params.pattern}`, e.propertyName, true);
      return src.problem(path, 'has an invalid format', hintOf(e, data) ?? `match the pattern ${e.params.pattern}`, value);
    case 'minLength':
      return src.problem(path, e.params.limit === 1 ? 'must not be empty' : `is too short (at least ${e.params.limit} characters)`, hintOf(e, data) ?? 'write a longer value', value);
    case 'maxLength':
      return src.problem(path, `is too long (at most ${e.params.limit} characters)`, hintOf(e, data) ?? 'shorten it', value);
    case 'minItems':
      return src.problem(path, `needs at least ${e.params.limit} item(s)`, 'add items to the list', value);
    case 'maxItems':
      return src.problem(path, `has too many items (at most ${e.params.limit})`, 'remove items from the list', value);
    case 'minProperties':
    case 'maxProperties': {
      const allowed = Object.keys(ps.properties ?? {});
      return src.problem(path, e.keyword === 'minProperties' ? 'must not be empty' : `must have at most ${e.params.limit} field(s)`,
        `set exactly one of ${allowed.join(', ')}`, value);
    }
    case 'propertyNames':
      return undefined; // the nested 'pattern' error on the name carries the detail
    default:
      return src.problem(path, String(e.message ?? 'is invalid'), hintOf(e, data) ?? 'check the value against the schema', value);
  }
}

/** The values the tag of a tagged union (`discriminator`) takes, over every `oneOf` branch. */
function tagValues(ps: Record<string, any>, tag: string): string[] {
  return ps.properties?.[tag]?.enum ?? (ps.oneOf ?? []).map((s: any) => {
    const branch = s.$ref ? refTarget(String(s.$ref), ps) : s;
    return branch?.properties?.[tag]?.const ?? branch?.properties?.[tag]?.enum;
  }).flat().filter((v: unknown) => typeof v === 'string');
}

/**
 * The schema a `oneOf` branch's `$ref` names: another schema file by its `$id`, or (`#/...`) a place
 * in the file that holds `holder`, the schema the branch belongs to. ajv resolves a local ref only
 * against that file's `$id`, which the error does not carry, so the file is found by its content.
 */
function refTarget(ref: string, holder: unknown): any {
  if (!ref.startsWith('#')) return specAjv().getSchema(ref)?.schema;
  const text = JSON.stringify(holder);
  const inFile = (f: any): boolean => JSON.stringify(f) === text || Object.values(f.definitions ?? {}).some((d) => JSON.stringify(d) === text);
  const file = (SCHEMA_FILES as any[]).find(inFile);
  if (!file) return undefined;
  return ref.slice(1).split('/').filter(Boolean).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((at: any, k) => (at && typeof at === 'object' ? at[k] : undefined), file);
}

function article(type: string): string {
  if (type.includes(' or ')) return type.split(' or ').map(article).join(' or ');
  const named: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' };
  return named[type] ?? type;
}
