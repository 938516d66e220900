import { ApiObject, Chart } from 'cdk8s';
import { HttpRoute, HttpRouteSpecRules, HttpRouteSpecRulesFiltersType, HttpRouteSpecRulesMatchesHeadersType, HttpRouteSpecRulesMatchesPathType } from '../../imports/gwapi-httproute-gateway.networking.k8s.io';
import { SpecProblem } from '../spec/errors';
import { GatewayApiRouterOptions as GatewayApiOptions, HeaderMatch, Mirror, ParentRef } from '../spec/generated/release';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { releaseLabels } from '../workloads/labels';
import { RouterContext, TrafficRouter } from './router';
import { DEFAULT_TESTER_VALUE } from './tester';

/** API group of every Gateway API kind. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Largest backendRef weight the Gateway API accepts. */
export const MAX_BACKEND_WEIGHT = 1_000_000;
/** Most backendRefs one HTTPRoute (or GRPCRoute) rule may hold. */
export const MAX_BACKEND_REFS = 16;
/** Most rules one HTTPRoute (or GRPCRoute) may hold. */
export const MAX_RULES = 16;
/** Route version emitted when the spec sets no `router.apiVersion`. */
export const DEFAULT_GATEWAY_API_VERSION = 'v1';
/**
 * ReferenceGrant version, whatever `router.apiVersion` says: v1beta1 is served by every Gateway API
 * release since v0.6 and is still the storage version in v1.6.1 (see schemas/kubernetes-sigs-gateway-api);
 * v1 is served only from v1.5 on (kubernetes-sigs/gateway-api#4458), so emitting it would break the
 * cross-namespace canary on CRDs v1.0 to v1.4, which HTTPRoute v1 supports.
 */
export const REFERENCE_GRANT_API_VERSION = `${GATEWAY_API_GROUP}/v1beta1`;
/** Header ingress-nginx's canary-by-cookie reads, and the cookie tester rule matches. */
export const COOKIE_HEADER = 'Cookie';

/** The HTTPRoute options this router reads; the nginx router's migration builds the same from its own. */
export type HttpRouteOptions = Omit<GatewayApiOptions, 'type'>;

/**
 * A tester rule of a route: requests whose header matches go to one track whatever the weight.
 * `Exact` matches are Core support in the Gateway API; `RegularExpression` ones are
 * implementation-specific (see {@link REGEX_HEADER_SUPPORT}).
 */
export interface TesterMatch {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
  /** Where matching requests go. */
  readonly to: 'canary' | 'stable';
}

/**
 * Which Gateway API implementations honour `RegularExpression` header matches (implementation-specific
 * support), as their sources and docs say; used by the README and the migration's messages. An
 * implementation that does not may reject the rule, or every rule of the route
 * (kubernetes-sigs/gateway-api#3096: "All rules are invalid ... Unsupported value: RegularExpression").
 * Sources: Istio's Gateway API conversion (HeaderMatchRegularExpression -> StringMatch regex, RE2),
 * envoyproxy/gateway#5370 (maintainer: supported), kgateway-dev/kgateway.dev#273 (header regex docs),
 * projectcontour/contour#5239, nginx/nginx-gateway-fabric#1965 and NGF's Gateway API compatibility page
 * (headers: supported), Kong/kubernetes-ingress-controller#2154 (won't fix), Microsoft Q&A 1824077
 * (Application Gateway for Containers: not supported, 2024).
 */
export const REGEX_HEADER_SUPPORT = 'Istio, Envoy Gateway, kgateway, Contour and NGINX Gateway Fabric (since nginx/nginx-gateway-fabric#1965) honour it; Kong and Azure Application Gateway for Containers do not';

/**
 * Gateway API (HTTP): an HTTPRoute in the production namespace, attached to the configured Gateways,
 * with weighted backendRefs stable=total-n / canary=n. While a canary runs:
 * - tester rules come first, in ingress-nginx's order of precedence (header, then cookie): a header
 *   without value or pattern sends `always` to the canary and `never` to the stable version (Exact
 *   matches), a value or pattern sends matching requests to the canary, a cookie set to `always` /
 *   `never` does the same through a `RegularExpression` match on the Cookie header. All tester rules
 *   have one header match and the same path, so the Gateway API's precedence falls back to rule order
 *   (HTTPRouteRule docs: "the FIRST matching rule (in list order)");
 * - `router.mirror` copies a share of the weighted rule's requests to the canary (RequestMirror with
 *   `percent` or `fraction`, standard since Gateway API v1.3, GEP-3171);
 * - when the canary Service lives in another namespace, a ReferenceGrant in the canary namespace lets
 *   HTTPRoutes of the production namespace reference exactly that Service (a ReferenceGrant's `from`
 *   names a group, kind and namespace, not one route; its `to` names the one Service).
 * Every backendRef spells out the fields the API server defaults (`group: ""`, `kind: Service`,
 * `weight`), so Argo CD's diff of the live object stays clean.
 *
 * Refused, with the field named: weights or rule counts beyond the API's limits, path prefixes its CEL
 * rules reject, header patterns RE2 (Envoy's and Istio's regex engine) cannot run, a mirror without
 * exactly one of percent and fraction or with `apiVersion: v1beta1` (CRDs older than v1.3 would drop
 * `percent` and mirror every request).
 */
export class GatewayApiRouter implements TrafficRouter {
  public readonly type = 'gatewayApi';
  public readonly serviceLayout = 'per-track' as const;

  public check(release: LoadedRelease): SpecProblem[] {
    return httpRouteProblems(release, release.model.router as GatewayApiOptions, ['router']);
  }

  public addTraffic(ctx: RouterContext): void {
    addHttpRoute(ctx, ctx.release.router as GatewayApiOptions);
  }
}

/**
 * Problems of HTTPRoute options for a release; `at` is the field path of the options in the spec
 * (`['router']`, or the nginx router's for its migration target).
 */
export function httpRouteProblems(release: LoadedRelease, opts: HttpRouteOptions, at: readonly (string | number)[]): SpecProblem[] {
  const src = release.source;
  // What addTraffic would emit in this state must respect the API's limits (weights 0..1000000,
  // at most 16 backendRefs per rule). The spec schema already caps weightTotal at 1000000.
  const out = ruleProblems(httpRouteRules(release.model, opts)).map((p) => src.problem([...at], p, 'split the route or lower weightTotal'));
  if (opts.path !== undefined) {
    const bad = pathRefusal(opts.path);
    if (bad) out.push(src.problem([...at, 'path'], `the Gateway API refuses this path${opts.pathType === 'Exact' ? '' : ' prefix'}: it ${bad}`, 'use a normalized path such as /api (no //, /./, /../, %2f or #)', opts.path));
  }
  out.push(...headerProblems(release, opts.header, [...at, 'header']));
  out.push(...mirrorProblems(release, opts.mirror, opts.apiVersion, [...at, 'mirror'], 'gatewayApi'));
  return out;
}

/** Problems of a tester header's pattern: it must compile and run on RE2 (Envoy, Istio). */
export function headerProblems(release: LoadedRelease, header: HeaderMatch | undefined, at: readonly (string | number)[]): SpecProblem[] {
  if (header?.pattern === undefined) return [];
  const bad = re2Refusal(header.pattern);
  return bad ? [release.source.problem([...at, 'pattern'], `the Gateway API routers cannot use this header pattern: it ${bad}`, 'write a regular expression RE2 accepts (no lookarounds or backreferences)', header.pattern)] : [];
}

/** Problems of a mirror: exactly one of percent and fraction, a fraction at most 1, not under v1beta1. */
export function mirrorProblems(release: LoadedRelease, mirror: Mirror | undefined, apiVersion: string | undefined, at: readonly (string | number)[], router: string): SpecProblem[] {
  if (!mirror) return [];
  const src = release.source;
  const out: SpecProblem[] = [];
  if ((mirror.percent === undefined) === (mirror.fraction === undefined)) {
    out.push(src.problem([...at], mirror.percent === undefined ? 'the mirror gives no share' : 'the mirror gives both percent and fraction',
      'give exactly one of percent (e.g. 10) and fraction (e.g. {numerator: 1, denominator: 1000})', undefined, true));
  }
  if (mirror.fraction && mirror.fraction.numerator > mirror.fraction.denominator) {
    out.push(src.problem([...at, 'fraction', 'numerator'], 'the mirror fraction is above 1 (the Gateway API requires numerator <= denominator)', 'lower numerator or raise denominator', mirror.fraction.numerator));
  }
  if (apiVersion === 'v1beta1') {
    out.push(src.problem([...at], `router ${router} cannot mirror a share of requests with apiVersion v1beta1: percent and fraction are standard only since Gateway API v1.3, and an older CRD drops them, which mirrors every request`,
      'use apiVersion v1 (Gateway API v1.3 or later) or remove mirror', undefined, true));
  }
  return out;
}

/** Adds the HTTPRoute (and the ReferenceGrant a cross-namespace canary needs) of a release's current state. */
export function addHttpRoute(ctx: RouterContext, opts: HttpRouteOptions): void {
  const m = ctx.release;
  const routeNs = m.namespaces.production;
  const routeName = opts.routeName ?? m.name;
  const spec = {
    parentRefs: parentRefsOf(opts.parentRefs),
    ...(opts.hostnames?.length ? { hostnames: opts.hostnames } : {}),
    rules: httpRouteRules(m, opts),
  };
  const metadata = { name: routeName, namespace: routeNs, labels: releaseLabels(m) };
  // The typed props check the shape against the CRD's bindings; v1beta1 has the same schema.
  const manifest = HttpRoute.manifest({ metadata, spec });
  new ApiObject(ctx.chartFor(routeNs), `httproute-${routeName}`, { ...manifest, apiVersion: `${GATEWAY_API_GROUP}/${opts.apiVersion ?? DEFAULT_GATEWAY_API_VERSION}` });
  addReferenceGrant(ctx, 'HTTPRoute', routeName);
}

/** The parentRefs of a route, with the defaulted group and kind written out. */
export function parentRefsOf(refs: readonly ParentRef[]): { group: string; kind: string; name: string; namespace?: string; sectionName?: string; port?: number }[] {
  return refs.map((p) => ({
    group: GATEWAY_API_GROUP,
    kind: 'Gateway',
    name: p.name,
    ...(p.namespace ? { namespace: p.namespace } : {}),
    ...(p.sectionName ? { sectionName: p.sectionName } : {}),
    ...(p.port ? { port: p.port } : {}),
  }));
}

/**
 * While a canary runs in another namespace than the route: a ReferenceGrant there, from routes of
 * `kind` in the production namespace to exactly the canary Service.
 */
export function addReferenceGrant(ctx: RouterContext, kind: 'HTTPRoute' | 'GRPCRoute', routeName: string): void {
  const m = ctx.release;
  const routeNs = m.namespaces.production;
  if (!m.canary || m.canaryTrack.namespace === routeNs) return;
  const chart: Chart = ctx.chartFor(m.canaryTrack.namespace);
  new ApiObject(chart, `referencegrant-${routeName}`, {
    apiVersion: REFERENCE_GRANT_API_VERSION,
    kind: 'ReferenceGrant',
    metadata: { name: `${routeName}-to-${m.canaryTrack.serviceName}`, namespace: m.canaryTrack.namespace, labels: releaseLabels(m) },
    spec: {
      from: [{ group: GATEWAY_API_GROUP, kind, namespace: routeNs }],
      to: [{ group: '', kind: 'Service', name: m.canaryTrack.serviceName }],
    },
  });
}

/** A backendRef to one track's Service, with the defaulted group and kind written out. */
export function backendRef(m: ReleaseModel, track: 'stable' | 'canary', weight?: number): { group: string; kind: string; name: string; namespace?: string; port: number; weight?: number } {
  const t = track === 'stable' ? m.stable : m.canaryTrack;
  return {
    group: '',
    kind: 'Service',
    name: t.serviceName,
    ...(t.namespace !== m.namespaces.production ? { namespace: t.namespace } : {}),
    port: m.workload.servicePort,
    ...(weight !== undefined ? { weight } : {}),
  };
}

/** The weighted backendRefs of the current state: stable=total-n / canary=n, or stable alone. */
export function weightedBackendRefs(m: ReleaseModel): ReturnType<typeof backendRef>[] {
  return m.canary
    ? [backendRef(m, 'stable', m.weightTotal - m.canary.weight), backendRef(m, 'canary', m.canary.weight)]
    : [backendRef(m, 'stable', m.weightTotal)];
}

/**
 * What a RequestMirror filter of a release's mirror holds (the canary Service, the share), or undefined
 * without a canary or a mirror.
 */
export function requestMirror(m: ReleaseModel, mirror: Mirror | undefined): { backendRef: Omit<ReturnType<typeof backendRef>, 'weight'>; percent?: number; fraction?: { numerator: number; denominator: number } } | undefined {
  if (!m.canary || !mirror) return undefined;
  const share = mirror.fraction ? { fraction: { numerator: mirror.fraction.numerator, denominator: mirror.fraction.denominator } } : { percent: mirror.percent };
  return { backendRef: backendRef(m, 'canary'), ...share };
}

/**
 * The tester matches of a release's router options, in ingress-nginx's order of precedence: header,
 * then cookie. Empty when no canary runs. Pure.
 */
export function testerMatches(m: ReleaseModel, opts: { readonly header?: HeaderMatch; readonly cookie?: string }): TesterMatch[] {
  if (!m.canary) return [];
  const out: TesterMatch[] = [];
  const h = opts.header;
  if (h?.pattern !== undefined) out.push({ type: 'RegularExpression', name: h.name, value: h.pattern, to: 'canary' });
  else if (h?.value !== undefined) out.push({ type: 'Exact', name: h.name, value: h.value, to: 'canary' });
  else if (h) {
    out.push({ type: 'Exact', name: h.name, value: DEFAULT_TESTER_VALUE, to: 'canary' });
    out.push({ type: 'Exact', name: h.name, value: 'never', to: 'stable' });
  }
  if (opts.cookie) {
    out.push({ type: 'RegularExpression', name: COOKIE_HEADER, value: cookieRegex(opts.cookie, DEFAULT_TESTER_VALUE), to: 'canary' });
    out.push({ type: 'RegularExpression', name: COOKIE_HEADER, value: cookieRegex(opts.cookie, 'never'), to: 'stable' });
  }
  return out;
}

/**
 * A regular expression matching a Cookie header that holds `name=value` among its cookies
 * (`a=1; canary=always; b=2`). Anchored at both ends, so it means the same to engines that match the
 * whole value (Envoy's and Istio's RE2 `safe_regex`) and to those that search in it.
 */
export function cookieRegex(name: string, value: string): string {
  return `^(.*;)?\\s*${name}=${value}\\s*(;.*)?$`;
}

/**
 * The HTTPRoute rules of a release's current state: the tester rules (while a canary runs), then the
 * path rule with weights stable=total-n / canary=n (and the mirror filter), or stable alone when no
 * canary runs. Pure.
 */
export function httpRouteRules(m: ReleaseModel, opts: HttpRouteOptions = m.router as GatewayApiOptions): HttpRouteSpecRules[] {
  const pathMatch = {
    type: opts.pathType === 'Exact' ? HttpRouteSpecRulesMatchesPathType.EXACT : HttpRouteSpecRulesMatchesPathType.PATH_PREFIX,
    value: opts.path ?? '/',
  };
  const rules: HttpRouteSpecRules[] = testerMatches(m, opts).map((t) => ({
    matches: [{
      path: pathMatch,
      headers: [{ type: t.type === 'Exact' ? HttpRouteSpecRulesMatchesHeadersType.EXACT : HttpRouteSpecRulesMatchesHeadersType.REGULAR_EXPRESSION, name: t.name, value: t.value }],
    }],
    backendRefs: [backendRef(m, t.to, 1)],
  }));
  const mirror = requestMirror(m, opts.mirror);
  rules.push({
    matches: [{ path: pathMatch }],
    backendRefs: weightedBackendRefs(m),
    ...(mirror ? { filters: [{ type: HttpRouteSpecRulesFiltersType.REQUEST_MIRROR, requestMirror: mirror }] } : {}),
  });
  return rules;
}

/** What in a list of rules the Gateway API would reject: more than 16 rules or backendRefs in a rule, a weight outside 0..1000000. */
export function ruleProblems(rules: readonly { readonly backendRefs?: readonly { readonly name: string; readonly weight?: number }[] }[]): string[] {
  const out: string[] = [];
  if (rules.length > MAX_RULES) out.push(`the route would hold ${rules.length} rules; the Gateway API allows at most ${MAX_RULES}`);
  rules.forEach((r, i) => {
    const refs = r.backendRefs ?? [];
    if (refs.length > MAX_BACKEND_REFS) out.push(`rule ${i + 1} would hold ${refs.length} backendRefs; the Gateway API allows at most ${MAX_BACKEND_REFS} per rule`);
    for (const b of refs) {
      const w = b.weight ?? 1;
      if (!Number.isInteger(w) || w < 0 || w > MAX_BACKEND_WEIGHT) out.push(`rule ${i + 1} would give backend ${b.name} weight ${w}; the Gateway API accepts integer weights from 0 to ${MAX_BACKEND_WEIGHT}`);
    }
  });
  return out;
}

/** Name of the release's HTTPRoute. */
export function routeNameOf(m: ReleaseModel): string {
  return (m.router as GatewayApiOptions).routeName ?? m.name;
}

/**
 * Why an HTTPRoute Exact or PathPrefix value is refused by the API server's validation (the CEL rules
 * of the HTTPRoute CRD), or undefined when it is accepted.
 */
export function pathRefusal(p: string): string | undefined {
  if (p.length > 1024) return 'is longer than 1024 characters';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) if (p.includes(bad)) return `must not contain '${bad}'`;
  for (const bad of ['/..', '/.']) if (p.endsWith(bad)) return `must not end with '${bad}'`;
  if (!/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(p)) return 'holds a character a URL path cannot hold unencoded (percent-encode it)';
  return undefined;
}

/**
 * Why a regular expression cannot be used as a Gateway API `RegularExpression` match, or undefined.
 * Envoy (Envoy Gateway, Istio, kgateway, Contour) runs RE2, which has no lookarounds or backreferences
 * (https://github.com/google/re2/wiki/Syntax); the expression must also compile.
 */
export function re2Refusal(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (e) {
    return `is not a valid regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  if (/\(\?<?[=!]/.test(pattern)) return 'uses a lookaround ((?=, (?!, (?<=, (?<!), which RE2 (Envoy, Istio) does not support';
  if (/\\[1-9]|\\k</.test(pattern)) return 'uses a backreference, which RE2 (Envoy, Istio) does not support';
  return undefined;
}
