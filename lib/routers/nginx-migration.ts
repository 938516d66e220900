/**
 * Moving a release off ingress-nginx (retired upstream in March 2026) to the Gateway API, one release
 * at a time: `router.migrateTo.gatewayApi` on an nginx router adds an HTTPRoute for the same host and
 * path, built by the Gateway API router from the nginx options, so both entry points carry the same
 * weights and tester rules in every state and DNS can move between controllers at any step. The
 * final move (`cdk8s-canary migrate`) swaps the router section for {@link gatewayApiRouterOf}, which
 * renders the very same HTTPRoute, and the Ingress pair goes.
 *
 * What the HTTPRoute cannot carry the same way is named, per setting, and must be acknowledged in
 * `router.migrateTo.acknowledged` (see {@link nginxFeatures}). Sources: ingress-nginx's canary
 * annotations (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#canary),
 * ingress2gateway's handling of them (kubernetes-sigs/ingress2gateway#287: weight and header are
 * converted, header-pattern and cookie only warned about), the HTTPRoute CRD of Gateway API v1.6.1.
 */
import { SpecProblem } from '../spec/errors';
import { GatewayApiRouterOptions, NginxRouterOptions } from '../spec/generated/release';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { addHttpRoute, HttpRouteOptions, httpRouteProblems, REGEX_HEADER_SUPPORT } from './gateway-api';
import { RouterContext } from './router';

/** How an NGINX setting fares on the Gateway API side. */
export interface NginxFeature {
  /** What `router.migrateTo.acknowledged` lists to accept it: a field name, or an annotation key. */
  readonly id: string;
  /** Field path of the setting in the spec. */
  readonly path: readonly (string | number)[];
  /** The value seen. */
  readonly value: unknown;
  /** `implementation-specific`: carried, but only by Gateways that honour it; `not-carried`: absent from the HTTPRoute. */
  readonly status: 'implementation-specific' | 'not-carried';
  /** What it does on NGINX and what the Gateway API side does instead. */
  readonly why: string;
}

/** The migration section of an nginx router, or undefined. */
export function migrationOf(m: ReleaseModel): NginxRouterOptions['migrateTo'] {
  return m.router.type === 'nginx' ? m.router.migrateTo : undefined;
}

/**
 * The HTTPRoute options equivalent to an nginx router: hostname = host, path and path type (Prefix ->
 * PathPrefix, Exact -> Exact, ImplementationSpecific -> PathPrefix), header and cookie as tester rules,
 * plus the migration target's parentRefs, routeName and apiVersion. Key order is the one the final
 * move writes into the spec.
 */
export function gatewayApiRouterOf(nginx: NginxRouterOptions): GatewayApiRouterOptions {
  const target = nginx.migrateTo?.gatewayApi;
  if (!target) throw new Error('internal: the nginx router has no migrateTo.gatewayApi');
  return {
    type: 'gatewayApi',
    ...(target.apiVersion !== undefined ? { apiVersion: target.apiVersion } : {}),
    parentRefs: target.parentRefs.map((p) => ({ ...p })),
    hostnames: [nginx.host],
    ...(nginx.path !== undefined ? { path: nginx.path } : {}),
    ...(nginx.pathType === 'Exact' ? { pathType: 'Exact' as const } : {}),
    ...(target.routeName !== undefined ? { routeName: target.routeName } : {}),
    ...(nginx.header ? { header: { ...nginx.header } } : {}),
    ...(nginx.cookie !== undefined ? { cookie: nginx.cookie } : {}),
  };
}

/**
 * Every setting of an nginx router that the HTTPRoute does not carry the way ingress-nginx does, in
 * spec order. Pure.
 */
export function nginxFeatures(nginx: NginxRouterOptions): NginxFeature[] {
  const out: NginxFeature[] = [];
  if (nginx.header?.pattern !== undefined) {
    out.push({ id: 'header.pattern', path: ['header', 'pattern'], value: nginx.header.pattern, status: 'implementation-specific',
      why: `canary-by-header-pattern becomes a RegularExpression header match, whose support and regex dialect are implementation-specific (${REGEX_HEADER_SUPPORT}); ingress-nginx searches the value (PCRE) where Envoy-based Gateways match all of it (RE2), so anchor the pattern with ^...$ to mean the same on both; ingress2gateway only warns about it` });
  }
  if (nginx.cookie !== undefined) {
    out.push({ id: 'cookie', path: ['cookie'], value: nginx.cookie, status: 'implementation-specific',
      why: `canary-by-cookie becomes a RegularExpression match on the Cookie header, which is implementation-specific (${REGEX_HEADER_SUPPORT}); ingress2gateway only warns about it` });
  }
  if (nginx.pathType === 'ImplementationSpecific') {
    out.push({ id: 'pathType', path: ['pathType'], value: nginx.pathType, status: 'not-carried',
      why: 'ingress-nginx matches an ImplementationSpecific path as a plain string prefix (/app also takes /apple); the HTTPRoute uses PathPrefix, which matches whole path segments only' });
  }
  if (nginx.tlsSecretName !== undefined) {
    out.push({ id: 'tlsSecretName', path: ['tlsSecretName'], value: nginx.tlsSecretName, status: 'not-carried',
      why: "TLS is terminated by the Gateway's listener, not by the HTTPRoute: the listener of parentRefs must serve the host with a certificate (certificateRefs) before DNS moves" });
  }
  for (const [field, where] of [['annotations', 'the production Ingress'], ['canaryAnnotations', 'the canary Ingress']] as const) {
    for (const key of Object.keys(nginx[field] ?? {})) {
      out.push({ id: key, path: [field, key], value: key, status: 'not-carried',
        why: key.startsWith('nginx.ingress.kubernetes.io/')
          ? `this ingress-nginx annotation of ${where} has no counterpart in the HTTPRoute, which serves the host without it`
          : `this annotation of ${where} is read by another controller (cert-manager, external-dns, ...), which does not read the HTTPRoute`,
      });
    }
  }
  return out;
}

/**
 * Problems of a migrating nginx router: settings without an equivalent that are not acknowledged,
 * acknowledged ids that name nothing in the spec, and whatever the Gateway API router refuses in the
 * equivalent options (positioned at the nginx field they come from).
 */
export function migrationProblems(release: LoadedRelease): SpecProblem[] {
  const nginx = release.model.router as NginxRouterOptions;
  const mig = nginx.migrateTo;
  if (!mig) return [];
  const src = release.source;
  const out: SpecProblem[] = [];
  const features = nginxFeatures(nginx);
  const acknowledged = mig.acknowledged ?? [];
  for (const f of features) {
    if (acknowledged.includes(f.id)) continue;
    out.push(src.problem(['router', ...f.path], `the Gateway API side of the migration ${f.status === 'implementation-specific' ? 'carries this only implementation-specifically' : 'does not carry this'}: ${f.why}`,
      `remove it, or accept the difference by listing '${f.id}' in router.migrateTo.acknowledged`, f.value, f.path[0] === 'annotations' || f.path[0] === 'canaryAnnotations'));
  }
  acknowledged.forEach((id, i) => {
    if (!features.some((f) => f.id === id)) {
      out.push(src.problem(['router', 'migrateTo', 'acknowledged', i], 'this names no setting of the router that the Gateway API side lacks',
        `remove it${features.length ? ` (settings to acknowledge: ${features.map((f) => f.id).join(', ')})` : ''}`, id));
    }
  });
  // The equivalent HTTPRoute's own limits, reported at the nginx fields they come from.
  const gw = gatewayApiRouterOf(nginx);
  for (const p of httpRouteProblems(release, gw, ['router'])) out.push(p);
  return out;
}

/** Adds the migration's HTTPRoute (and ReferenceGrant) when the nginx router has `migrateTo`. */
export function addMigrationRoute(ctx: RouterContext): void {
  const m = ctx.release;
  if (m.router.type !== 'nginx' || !m.router.migrateTo) return;
  const { type: _t, ...opts }: GatewayApiRouterOptions = gatewayApiRouterOf(m.router);
  addHttpRoute(ctx, opts as HttpRouteOptions);
}
