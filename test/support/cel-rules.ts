/**
 * The CEL validation rules of a CRD schema (`x-kubernetes-validations`), evaluated the way the
 * Kubernetes API server evaluates them on create, with `@bufbuild/cel` (a kept CEL implementation) and
 * its `strings` extension (`lowerAscii`, `split`, ... as in Kubernetes' CEL libraries).
 *
 * Faithful to the API server where it matters for what this project emits
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules):
 * - structural defaults (`default:` of the schema) are applied before the rules run, as the API
 *   server does (rules such as Gateway API's path-match checks assume defaulted `type`s);
 * - `self` is the value at the schema node that carries the rule; a rule on an absent value is not run;
 * - `integer` values are CEL `int`, `number` values `double`, objects are maps and arrays lists;
 * - transition rules (those naming `oldSelf`) do not apply to a create and are skipped;
 * - a rule that fails to evaluate is reported, as the API server rejects the object then too.
 * Not modelled: `messageExpression` (the plain `message` or the rule is shown), the cost budget, and
 * Kubernetes-only functions such as `isURL`/`quantity` (none of the vendored CRDs' rules use them: a
 * rule calling an unknown function is reported, so a future CRD that needs one fails loudly).
 */
import { celEnv, celError, parse, plan } from '@bufbuild/cel';
import * as celExt from '@bufbuild/cel/ext';

const ENV = celEnv({ funcs: Object.values(celExt).flat() });

/**
 * A rule's program, parsed and planned once per rule text (a tree validates the same few rules for
 * every object): what `run(rule, bindings, { funcs })` of @bufbuild/cel does per call, which returns
 * a CelError instead of throwing when the rule does not parse, plan or evaluate.
 */
const programs = new Map<string, (bindings: Record<string, unknown>) => unknown>();
function program(rule: string): (bindings: Record<string, unknown>) => unknown {
  let p = programs.get(rule);
  if (!p) {
    try {
      const planned = plan(ENV, parse(rule)) as (bindings: Record<string, unknown>) => unknown;
      p = (bindings) => {
        try {
          return planned(bindings);
        } catch (e) {
          return celError(e);
        }
      };
    } catch (e) {
      const failed = celError(e);
      p = () => failed;
    }
    programs.set(rule, p);
  }
  return p;
}

/** One failed rule: where (JSON pointer) and what the CRD says. */
export interface CelProblem {
  readonly path: string;
  readonly message: string;
}

interface Rule { rule: string; message?: string }

/** Whether a schema (sub)tree carries any CEL rule (to skip the walk for plain schemas). */
export function hasCelRules(schema: unknown): boolean {
  return JSON.stringify(schema ?? null).includes('"x-kubernetes-validations"');
}

/** A deep copy of `value` with the schema's structural defaults applied (API-server defaulting). */
export function withDefaults(schema: any, value: unknown): unknown {
  if (!schema || typeof schema !== 'object') return value;
  if (Array.isArray(value)) return schema.items ? value.map((v) => withDefaults(schema.items, v)) : value;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [k, sub] of Object.entries<any>(schema.properties ?? {})) {
      if (out[k] === undefined && sub && sub.default !== undefined) out[k] = structuredClone(sub.default);
      if (out[k] !== undefined) out[k] = withDefaults(sub, out[k]);
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      for (const k of Object.keys(out)) if (!(schema.properties ?? {})[k]) out[k] = withDefaults(schema.additionalProperties, out[k]);
    }
    return out;
  }
  return value;
}

/** CEL's reserved words: a declared property with such a name is read as `__<word>__`. */
const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/**
 * A declared property's name as CEL rules spell it (Kubernetes' escaping: `__` -> `__underscores__`,
 * `.` -> `__dot__`, `-` -> `__dash__`, `/` -> `__slash__`, reserved words -> `__<word>__`; e.g. Gateway
 * API's parentRefs rules read `p.__namespace__`). Keys of maps (additionalProperties) are not escaped.
 */
export function escapeProperty(name: string): string {
  if (RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/** The CEL value of a JSON value typed by its schema node. */
function toCel(schema: any, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toCel(schema?.items, v));
  if (typeof value === 'object') {
    const m = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const declared = schema?.properties?.[k];
      const sub = declared ?? (typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      m.set(declared ? escapeProperty(k) : k, toCel(sub, v));
    }
    return m;
  }
  if (typeof value === 'number') {
    const intOrString = schema?.['x-kubernetes-int-or-string'] === true;
    if ((schema?.type === 'integer' || intOrString) && Number.isInteger(value)) return BigInt(value);
    return value;
  }
  return value;
}

function evaluate(rule: Rule, schema: any, value: unknown, at: string, out: CelProblem[]): void {
  if (/\boldSelf\b/.test(rule.rule)) return; // transition rule: not evaluated on create
  let ok: unknown;
  try {
    ok = program(rule.rule)({ self: toCel(schema, value) });
  } catch (e) {
    out.push({ path: at || '/', message: `CEL rule could not be evaluated (${(e as Error).message}): ${rule.rule}` });
    return;
  }
  if (ok !== true) out.push({ path: at || '/', message: `${rule.message ?? 'CEL rule failed'} (rule: ${rule.rule.replace(/\s+/g, ' ').trim()})` });
}

/**
 * Runs every CEL rule of `schema` over `value` (an object already defaulted by `withDefaults`),
 * depth first, and returns the rules that fail.
 */
export function celProblems(schema: any, value: unknown, at = ''): CelProblem[] {
  const out: CelProblem[] = [];
  walk(schema, value, at, out);
  return out;
}

function walk(schema: any, value: unknown, at: string, out: CelProblem[]): void {
  if (!schema || typeof schema !== 'object' || value === undefined || value === null) return;
  for (const r of (schema['x-kubernetes-validations'] ?? []) as Rule[]) evaluate(r, schema, value, at, out);
  for (const sub of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    if (sub && typeof sub === 'object' && (sub['x-kubernetes-validations'] || sub.properties)) walk(sub, value, at, out);
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(schema.items, v, `${at}/${i}`, out));
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      walk(sub, v, `${at}/${k}`, out);
    }
  }
}
