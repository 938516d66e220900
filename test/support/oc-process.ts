/**
 * A small, independent re-implementation of `oc process` (openshift/library-go
 * pkg/template/templateprocessing) for tests: it does not share code with lib/, so checking that
 * processing a generated Template gives the generated objects is a real check.
 *
 * Rules implemented, as upstream:
 * - parameter values: `-p NAME=value` overrides the Template's `value`; an unknown name is an error;
 *   a required parameter left empty is an error; generators are not supported here (an error);
 * - in every string of every object (map keys included): a string that is exactly `${{NAME}}` is
 *   replaced by the value decoded as JSON (or kept as a string when it is not JSON); otherwise every
 *   `${NAME}` is replaced by the value; references to unknown names are left as they are;
 * - a hard-coded `metadata.namespace` without a `${...}` reference is blanked;
 * - the Template's `labels` are added to every object (and to a DeploymentConfig's pod template).
 */

const STRING_PARAM = /\$\{([a-zA-Z0-9_]+?)\}/g;
const NON_STRING_PARAM = /^\$\{\{([a-zA-Z0-9_]+)\}\}$/;

export interface TemplateLike {
  readonly parameters?: readonly { name: string; value?: string; required?: boolean; generate?: string }[];
  readonly objects: readonly unknown[];
  readonly labels?: Readonly<Record<string, string>>;
}

export function ocProcess(template: TemplateLike, values: Readonly<Record<string, string>> = {}): any[] {
  const params = new Map<string, string>();
  for (const p of template.parameters ?? []) params.set(p.name, p.value ?? '');
  for (const [k, v] of Object.entries(values)) {
    if (!params.has(k)) throw new Error(`unknown parameter name "${k}"`);
    params.set(k, v);
  }
  for (const p of template.parameters ?? []) {
    if (p.generate && !(p.name in values) && !p.value) throw new Error(`generator ${p.generate} is not supported by this test processor`);
    if (p.required && (params.get(p.name) ?? '') === '') throw new Error(`parameter ${p.name} is required and must be specified`);
  }
  const substitute = (s: string): { value: unknown; asString: boolean } => {
    const exact = NON_STRING_PARAM.exec(s);
    if (exact && params.has(exact[1])) {
      const raw = params.get(exact[1]) as string;
      try {
        return { value: JSON.parse(raw), asString: false };
      } catch {
        return { value: raw, asString: false };
      }
    }
    return { value: s.replace(STRING_PARAM, (m, k: string) => (params.has(k) ? (params.get(k) as string) : m)), asString: true };
  };
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return substitute(v).value;
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const y = visit(x);
        // as the API server stores the created object: empty lists and maps are dropped (`alternateBackends: []`)
        if ((Array.isArray(y) && !y.length) || (y && typeof y === 'object' && !Array.isArray(y) && !Object.keys(y).length)) continue;
        out[String(substitute(k).value)] = y;
      }
      return out;
    }
    return v;
  };
  return template.objects.map((o) => {
    const obj = JSON.parse(JSON.stringify(o)) as any;
    if (obj.metadata && typeof obj.metadata.namespace === 'string' && !/\$\{([a-zA-Z0-9_]+?)\}/.test(obj.metadata.namespace)) obj.metadata.namespace = '';
    const out = visit(obj) as any;
    if (template.labels && Object.keys(template.labels).length) {
      out.metadata = out.metadata ?? {};
      out.metadata.labels = { ...(out.metadata.labels ?? {}), ...template.labels };
      if (out.kind === 'DeploymentConfig' && out.spec?.template) {
        out.spec.template.metadata = out.spec.template.metadata ?? {};
        out.spec.template.metadata.labels = { ...(out.spec.template.metadata.labels ?? {}), ...template.labels };
      }
    }
    return out;
  });
}

/** Every `${NAME}` / `${{NAME}}` name referenced anywhere in a value. */
export function referencedParameters(v: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (x: unknown) => {
    if (typeof x === 'string') {
      for (const m of x.matchAll(/\$\{\{?([a-zA-Z0-9_]+)\}?\}/g)) out.add(m[1]);
    } else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) { walk(k); walk(y); }
  };
  walk(v);
  return out;
}
