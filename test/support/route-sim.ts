/**
 * Where one request goes, computed from synthesized objects by two independent re-implementations of
 * the controllers' documented selection rules, so tests can compare entry points request by request:
 * - ingress-nginx's canary (its Lua balancer, `route_to_alternative_balancer`): canary-by-header
 *   (value, else pattern, else `always`/`never`), then canary-by-cookie (`always`/`never`), then
 *   canary-weight out of canary-weight-total;
 * - Gateway API route matching (HTTPRoute and GRPCRoute spec): among matching rules, the longest or
 *   exact path wins, then a method match, then the most header matches, then the most query matches,
 *   then the first rule in list order; backendRefs split by weight.
 * Only what this project emits is modelled (one host, path `/` or a prefix, header and cookie testers).
 */
import { KubeObject } from '../../lib/synth/build';

/** A request: path and headers (names in any case). */
export interface Request {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** gRPC `service/method` for GRPCRoutes. */
  readonly grpc?: { readonly service: string; readonly method: string };
}

/** Share of the request's probability per backend Service (`namespace/name`); empty when nothing matches. */
export type Split = Readonly<Record<string, number>>;

const A = 'nginx.ingress.kubernetes.io/';

function header(req: Request, name: string): string | undefined {
  const k = Object.keys(req.headers).find((h) => h.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : req.headers[k];
}

/** nginx's `$cookie_NAME`: the first cookie of that name in the Cookie header. */
function cookie(req: Request, name: string): string | undefined {
  const c = header(req, 'Cookie');
  if (c === undefined) return undefined;
  for (const part of c.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function svcOfIngress(ing: KubeObject): string {
  const b = (ing as any).spec.rules[0].http.paths[0].backend.service;
  return `${ing.metadata.namespace}/${b.name}`;
}

/** Where ingress-nginx sends a request given the production Ingress and (optional) canary Ingress of one host/path. */
export function nginxSplit(prod: KubeObject, canary: KubeObject | undefined, req: Request): Split {
  const stable = svcOfIngress(prod);
  if (!canary) return { [stable]: 1 };
  const can = svcOfIngress(canary);
  const a = canary.metadata.annotations ?? {};
  const to = (target: 'canary' | 'stable'): Split => ({ [target === 'canary' ? can : stable]: 1 });
  const byHeader = a[`${A}canary-by-header`];
  if (byHeader) {
    const v = header(req, byHeader);
    if (v !== undefined) {
      if (a[`${A}canary-by-header-value`]) { if (v === a[`${A}canary-by-header-value`]) return to('canary'); }
      else if (a[`${A}canary-by-header-pattern`]) { if (new RegExp(a[`${A}canary-by-header-pattern`]).test(v)) return to('canary'); }
      else if (v === 'always') return to('canary');
      else if (v === 'never') return to('stable');
    }
  }
  const byCookie = a[`${A}canary-by-cookie`];
  if (byCookie) {
    const v = cookie(req, byCookie);
    if (v === 'always') return to('canary');
    if (v === 'never') return to('stable');
  }
  const total = Number(a[`${A}canary-weight-total`] ?? 100);
  const w = Number(a[`${A}canary-weight`] ?? 0);
  return { [stable]: (total - w) / total, [can]: w / total };
}

interface Candidate { exact: boolean; prefixLen: number; method: boolean; headers: number; query: number; rule: number; match: number; refs: any[] }

function pathMatches(m: any, path: string): { exact: boolean; len: number } | undefined {
  const p = m?.path;
  const type = p?.type ?? 'PathPrefix';
  const value: string = p?.value ?? '/';
  if (type === 'Exact') return path === value ? { exact: true, len: value.length } : undefined;
  const prefix = value.replace(/\/$/, '');
  // element-wise prefix: /api matches /api and /api/x, not /apix
  if (prefix === '' || path === prefix || path.startsWith(`${prefix}/`)) return { exact: false, len: prefix.length };
  return undefined;
}

function headersMatch(list: any[] | undefined, req: Request): boolean {
  return (list ?? []).every((h) => {
    const v = header(req, h.name);
    if (v === undefined) return false;
    return (h.type ?? 'Exact') === 'Exact' ? v === h.value : new RegExp(h.value).test(v);
  });
}

/** Where a Gateway API route (HTTPRoute or GRPCRoute) sends a request; `{}` when no rule matches. */
export function routeSplit(route: KubeObject, req: Request): Split {
  const ns = route.metadata.namespace ?? '';
  const grpc = route.kind === 'GRPCRoute';
  const cands: Candidate[] = [];
  ((route as any).spec.rules ?? []).forEach((r: any, ri: number) => {
    const matches: any[] = r.matches?.length ? r.matches : [grpc ? {} : { path: { type: 'PathPrefix', value: '/' } }];
    matches.forEach((m, mi) => {
      const p = grpc ? { exact: false, len: 0 } : pathMatches(m, req.path);
      if (!p || !headersMatch(m.headers, req)) return;
      if (grpc && m.method) {
        if (!req.grpc) return;
        if (m.method.service !== undefined && m.method.service !== req.grpc.service) return;
        if (m.method.method !== undefined && m.method.method !== req.grpc.method) return;
      }
      cands.push({ exact: p.exact, prefixLen: p.len, method: !!m.method, headers: (m.headers ?? []).length, query: (m.queryParams ?? []).length, rule: ri, match: mi, refs: r.backendRefs ?? [] });
    });
  });
  cands.sort((x, y) => Number(y.exact) - Number(x.exact) || y.prefixLen - x.prefixLen || Number(y.method) - Number(x.method)
    || y.headers - x.headers || y.query - x.query || x.rule - y.rule || x.match - y.match);
  const best = cands[0];
  if (!best) return {};
  const weights = best.refs.map((b) => b.weight ?? 1);
  const sum = weights.reduce((a: number, b: number) => a + b, 0);
  const out: Record<string, number> = {};
  best.refs.forEach((b, i) => { const k = `${b.namespace ?? ns}/${b.name}`; out[k] = (out[k] ?? 0) + (sum ? weights[i] / sum : 0); });
  return out;
}

/** A split without zero shares, for comparisons. */
export function nonZero(s: Split): Split {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
}
