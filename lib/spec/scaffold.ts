/**
 * A new release spec, written from the schema (`npx cdk8s-canary new NAME --router TYPE`): every field
 * the schema knows appears in schema order with its description as a comment; the fields a release
 * needs are filled in, the optional ones are commented out (with their default when the description
 * gives a literal one). Nothing here is hard-coded per field: a section or router added to the schema
 * (its own file referenced by `$ref`) shows up in new specs by itself. Values for required fields come
 * from the schema's `examples` (the first one; `{{name}}` stands for the release name) or, without
 * examples, are derived from the field's type (a DNS label becomes the release name, a list gets one
 * item, ...). Pure: returns text; the caller validates and writes it.
 */
import { stringify } from 'yaml';
import { SCHEMA_COMMENT } from './loader';
import { SCHEMA_FILES } from './schemas';
import { CLI } from './hints';

type Schema = Record<string, any>;

/** What a new spec is made of. */
export interface ScaffoldOptions {
  /** Release name: the file name and every default object name. */
  readonly name: string;
  /** Router type, one of `routerTypes()`. */
  readonly router: string;
  /** Image repository (no tag). @default - `ghcr.io/example/<name>` */
  readonly image?: string;
  /** Version production runs. @default - `1.0.0` */
  readonly version?: string;
  /** Production namespace. @default - the release name */
  readonly namespace?: string;
  /**
   * Path of release.schema.json from the spec's folder, for the first line's `$schema=` (editors
   * complete and check the file with it). @default - `../lib/spec/schema/release.schema.json` (this
   * repository's layout)
   */
  readonly schemaPath?: string;
}

const WIDTH = 100;

function schemaById(id: string): Schema {
  const s = (SCHEMA_FILES as Schema[]).find((x) => x.$id === id);
  if (!s) throw new Error(`internal: schema ${id} is not registered`);
  return s;
}

/** Resolves `$ref`s (`file.json`, `file.json#/definitions/X`, `#/definitions/X`) against `base`; returns the schema and its file. */
function resolve(s: Schema, base: string): { schema: Schema; base: string } {
  let cur = s;
  let file = base;
  for (let guard = 0; cur.$ref && guard < 20; guard++) {
    const [f, pointer] = String(cur.$ref).split('#');
    if (f) file = f;
    let target = schemaById(file);
    for (const seg of (pointer ?? '').split('/').filter(Boolean)) target = target[seg];
    // the referring schema's own description (and examples) win over the target's
    cur = { ...target, ...Object.fromEntries(Object.entries(cur).filter(([k]) => k !== '$ref')) };
  }
  return { schema: cur, base: file };
}

/** The branches of a discriminated union (`discriminator` + `oneOf`): tag value -> branch schema and its file. */
function branchesOf(union: Schema, base: string): Map<string, { schema: Schema; base: string }> {
  const tag = union.discriminator?.propertyName as string;
  const out = new Map<string, { schema: Schema; base: string }>();
  for (const branch of (union.oneOf ?? []) as Schema[]) {
    const r = resolve(branch, base);
    const p = r.schema.properties?.[tag] ?? {};
    for (const v of [p.const, ...(Array.isArray(p.enum) ? p.enum : [])]) if (typeof v === 'string' && !out.has(v)) out.set(v, r);
  }
  return out;
}

/** The router branches of the release schema: `type` value -> branch schema and its file. */
function routerBranches(): Map<string, { schema: Schema; base: string }> {
  return branchesOf(schemaById('release.schema.json').definitions.Router as Schema, 'release.schema.json');
}

/** The router types the schema knows, in schema order (e.g. nginx, gatewayApi, istio, openshiftRoute). */
export function routerTypes(): string[] {
  return [...routerBranches().keys()];
}

/** A value that satisfies a schema, for a required field without `examples`. */
function sample(s0: Schema, base: string, name: string, key: string): unknown {
  const { schema: s, base: b } = resolve(s0, base);
  if (Array.isArray(s.examples) && s.examples.length) return substitute(s.examples[0], name);
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    const out: Record<string, unknown> = {};
    for (const k of (s.required ?? []) as string[]) out[k] = sample(s.properties?.[k] ?? {}, b, name, k);
    return out;
  }
  if (type === 'array') return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(s.items ?? {}, b, name, key));
  if (type === 'integer' || type === 'number') return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
  if (type === 'boolean') return false;
  // strings: host-like fields get a host under example.com, names the release name
  if (/host|domain/i.test(key)) return `${name}.example.com`;
  return name;
}

function substitute(v: unknown, name: string): unknown {
  if (typeof v === 'string') return v.replace(/\{\{name\}\}/g, name);
  if (Array.isArray(v)) return v.map((x) => substitute(x, name));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, name)]));
  return v;
}

/** Wraps a description into comment lines at `indent`. */
function comment(text: string | undefined, indent: string): string[] {
  if (!text) return [];
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && indent.length + 2 + cur.length + 1 + w.length > WIDTH) { lines.push(cur); cur = w; } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => `${indent}# ${l}`);
}

/**
 * The literal default a description states (`Default: 8080.`, `Default: Prefix.`, `Default: [0, 25, 100].`),
 * when it is one token that the field accepts (a number, true/false, a list of numbers, one of its
 * enum values, or a string its pattern allows); prose such as `Default: the release name` is not.
 */
function statedDefault(description: string | undefined, p: Schema): string | undefined {
  const stated = statedToken(description ?? '');
  if (stated === undefined) return undefined;
  const token = stated.replace(/^'(.*)'$/, '$1');
  if (/^(-?\d+|true|false|\[[\d, ]*\])$/.test(token)) return token;
  if (Array.isArray(p.enum)) return p.enum.includes(token) ? token : undefined;
  if (p.type === 'string' && /^[\w./-]+$/.test(token) && (!p.pattern || new RegExp(p.pattern).test(token))) return token;
  return undefined;
}

/**
 * The token after the first `Default: ` that ends the default's clause (`Default: 8080.`, `Default: 1
 * (one pod)`): a 'quoted' text, a [list, of, numbers], or the shortest run of characters other than
 * blanks, `;` and `,` that does. In `Default: the production namespace`, `the` is the first word of
 * prose, not a value. A scan, not a regular expression: the one it replaces needed a lookahead, which
 * recheck (test/regex-safety) can only fuzz, so its verdict changed from run to run.
 */
function statedToken(description: string): string | undefined {
  const KEY = 'Default: ';
  const blank = (c: string | undefined) => c !== undefined && /\s/.test(c);
  // a clause ends at the end of the text, at `.`, `;` or `,` followed by a blank or the end, or before ` (`
  const endsClause = (i: number) => i === description.length
    || ('.;,'.includes(description[i]) && (i + 1 === description.length || blank(description[i + 1])))
    || (blank(description[i]) && description[i + 1] === '(');
  for (let at = description.indexOf(KEY); at >= 0; at = description.indexOf(KEY, at + 1)) {
    const s = at + KEY.length;
    if (description[s] === "'") {
      const e = description.indexOf("'", s + 1);
      if (e >= 0 && endsClause(e + 1)) return description.slice(s, e + 1);
    }
    if (description[s] === '[') {
      let e = s + 1;
      while (e < description.length && /[\d, ]/.test(description[e])) e++;
      if (description[e] === ']' && endsClause(e + 1)) return description.slice(s, e + 1);
    }
    for (let e = s; e < description.length && !blank(description[e]) && !';,'.includes(description[e]); e++) {
      if (endsClause(e + 1)) return description.slice(s, e + 1);
    }
  }
  return undefined;
}

/** YAML text of a filled value after `key:` (scalars and short lists inline, mappings as a block). */
function valueText(v: unknown, indent: string): string {
  if (v !== null && typeof v === 'object') {
    const flow = stringify(v, { flowCollectionPadding: false, collectionStyle: 'flow' }).trim();
    if (indent.length + flow.length < 80) return ` ${flow}`;
    return `\n${stringify(v).trimEnd().split('\n').map((l) => `${indent}  ${l}`).join('\n')}`;
  }
  return ` ${stringify(v).trim()}`;
}

/**
 * Lines of an object schema's fields: `filled` ones written (required fields missing from `filled`
 * sampled), the others commented out. A field that is a discriminated union (router, workload) is
 * written as the branch its filled tag names.
 */
function objectLines(s0: Schema, base: string, given: Record<string, unknown>, indent: string, name: string): string[] {
  const { schema: s, base: b } = resolve(s0, base);
  const out: string[] = [];
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const filled: Record<string, unknown> = { ...given };
  for (const k of (s.required ?? []) as string[]) if (!(k in filled) && props[k]) filled[k] = sample(props[k], b, name, k);
  for (const [key, p0] of Object.entries(props)) {
    let { schema: p, base: pb } = resolve(p0, b);
    const v0 = filled[key];
    if (p.discriminator && p.oneOf && v0 !== null && typeof v0 === 'object') {
      const branch = branchesOf(p, pb).get(String((v0 as Record<string, unknown>)[p.discriminator.propertyName]));
      if (branch) ({ schema: p, base: pb } = { schema: { ...branch.schema, description: p.description ?? branch.schema.description }, base: branch.base });
    }
    const choices = Array.isArray(p.enum) ? p.enum.map(String) : [];
    const desc = [p.description as string | undefined, choices.length > 1 && !choices.every((c: string) => String(p.description ?? '').includes(c)) ? `One of: ${choices.join(', ')}.` : undefined].filter(Boolean).join(' ') || undefined;
    if (key in filled) {
      const v = filled[key];
      out.push(...comment(desc, indent));
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && p.properties) {
        out.push(`${indent}${key}:`, ...objectLines(p, pb, v as Record<string, unknown>, `${indent}  `, name));
      } else out.push(`${indent}${key}:${valueText(v, indent)}`);
    } else {
      out.push(...comment(desc, indent));
      const d = statedDefault(desc, p);
      out.push(`${indent}# ${key}:${d !== undefined ? ` ${d}` : ''}`);
    }
  }
  return out;
}

/**
 * The text of a new release spec. Throws Error for an unknown router (the caller checks
 * `routerTypes()` first and reports a usage error).
 */
export function scaffoldRelease(o: ScaffoldOptions): string {
  if (!routerBranches().has(o.router)) throw new Error(`internal: unknown router type ${o.router}`);
  const release = schemaById('release.schema.json');
  // the rest of what the router and the workload need is sampled from their branch of the schema
  const filled: Record<string, unknown> = {
    apiVersion: release.properties.apiVersion.const,
    kind: release.properties.kind.const,
    name: o.name,
    namespaces: { production: o.namespace ?? o.name },
    workload: { type: 'webapp', image: o.image ?? `ghcr.io/example/${o.name}` },
    stable: { version: o.version ?? '1.0.0' },
    router: { type: o.router },
  };
  const head = [
    o.schemaPath === undefined ? SCHEMA_COMMENT : `# yaml-language-server: $schema=${o.schemaPath}`,
    `# Release ${o.name}, written by \`${CLI} new ${o.name} --router ${o.router}\` from the schema`,
    '# (lib/spec/schema/: editors with yaml-language-server complete and check this file). Fields a',
    '# release needs are filled in; optional ones are commented out, with their default. Next steps',
    '# (README, "Your first release"): set workload.image, workload.port and the router to yours, then',
    `#   ${CLI} synth            # writes dist/${o.name}/ and adds it to dist/argocd/ and dist/flux/`,
    `#   git add releases/${o.name}.yaml dist && git commit -m "${o.name}: first release"`,
    `#   ${CLI} start ${o.name} --version VERSION   # the first canary, at the ladder's first weight`,
  ];
  const body = objectLines(release, 'release.schema.json', filled, '', o.name);
  return `${[...head, ...body].join('\n')}\n`;
}
