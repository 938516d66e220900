import {
  GrpcRoute, GrpcRouteSpecRules, GrpcRouteSpecRulesFiltersType, GrpcRouteSpecRulesMatches, GrpcRouteSpecRulesMatchesHeadersType, GrpcRouteSpecRulesMatchesMethodType,
} from '../../imports/gwapi-grpcroute-gateway.networking.k8s.io';
import { SpecProblem } from '../spec/errors';
import { GrpcRouteRouterOptions } from '../spec/generated/release';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { releaseLabels } from '../workloads/labels';
import {
  addReferenceGrant, backendRef, GATEWAY_API_GROUP, headerProblems, mirrorProblems, parentRefsOf, requestMirror, ruleProblems, testerMatches, weightedBackendRefs,
} from './gateway-api';
import { RouterContext, TrafficRouter } from './router';

/** The only GRPCRoute version of the standard channel (GRPCRoute went from v1alpha2, experimental, to v1 in Gateway API v1.1). */
export const GRPC_ROUTE_API_VERSION = `${GATEWAY_API_GROUP}/v1`;
/**
 * appProtocol of the Services' port: HTTP/2 over cleartext, the standard value for gRPC backends
 * without TLS (GEP-1911, Kubernetes' `kubernetes.io/h2c`). Istio reads it to speak HTTP/2 to the pods.
 */
export const GRPC_APP_PROTOCOL = 'kubernetes.io/h2c';

/**
 * Gateway API for gRPC: a GRPCRoute in the production namespace, attached to the configured Gateways,
 * with weighted backendRefs stable=total-n / canary=n, the same ladder, ReferenceGrant (from
 * `GRPCRoute`) and tester semantics as the HTTPRoute router, on gRPC metadata (headers):
 * - `router.methods` restricts every rule to those services/methods (Exact; Core support needs both
 *   service and method, a service alone is implementation-specific, e.g. NGINX Gateway Fabric needs
 *   both); without it the route takes every gRPC request of its hostnames;
 * - `router.header` adds tester rules first (`always` -> canary, `never` -> stable without value or
 *   pattern), `router.mirror` a RequestMirror filter on the weighted rule (GEP-3171, both kinds);
 * - the Services' port carries `appProtocol: kubernetes.io/h2c` so Gateways and meshes speak HTTP/2.
 * Refused with the field named: `apiVersion: v1beta1` (GRPCRoute has no v1beta1), `cookie` (gRPC
 * clients send none), `checks` (the smoke checks are HTTP/1.1 requests, which a gRPC port does not
 * answer), and the limits shared with HTTPRoute (weights, rules, RE2 patterns, mirror shares).
 * Sources: the GRPCRoute CRD of Gateway API v1.6.1 in schemas/kubernetes-sigs-gateway-api, GEP-1016
 * (GRPCRoute), GEP-1911 (backend protocol).
 */
export class GrpcRouteRouter implements TrafficRouter {
  public readonly type = 'grpcRoute';
  public readonly serviceLayout = 'per-track' as const;
  public readonly serviceAppProtocol = GRPC_APP_PROTOCOL;

  public check(release: LoadedRelease): SpecProblem[] {
    const src = release.source;
    const opts = release.model.router as GrpcRouteRouterOptions;
    const out: SpecProblem[] = [];
    const rules = grpcRouteRules(release.model);
    out.push(...ruleProblems(rules as { backendRefs?: { name: string; weight?: number }[] }[]).map((p) => src.problem(['router'], p, 'split the route or lower weightTotal')));
    if (opts.apiVersion === 'v1beta1') {
      out.push(src.problem(['router', 'apiVersion'], 'router grpcRoute cannot emit GRPCRoute v1beta1: GRPCRoute has no v1beta1 (it was v1alpha2, experimental channel only, until v1 in Gateway API v1.1)',
        'use apiVersion v1 (Gateway API v1.1 or later CRDs)', opts.apiVersion));
    }
    if (opts.cookie !== undefined) {
      out.push(src.problem(['router', 'cookie'], 'router grpcRoute cannot route by cookie: gRPC clients send no cookies', 'use router.header (gRPC metadata) for testers', opts.cookie, true));
    }
    if (release.model.spec.checks?.length) {
      out.push(src.problem(['checks'], 'router grpcRoute cannot run the smoke checks: they are HTTP/1.1 requests to the canary Service, whose port speaks gRPC',
        'remove checks; check a gRPC canary with its own client (e.g. grpcurl -H "<router.header>: always") before `step`', release.model.spec.checks.length));
    }
    out.push(...headerProblems(release, opts.header, ['router', 'header']));
    out.push(...mirrorProblems(release, opts.mirror, opts.apiVersion, ['router', 'mirror'], 'grpcRoute'));
    return out;
  }

  public addTraffic(ctx: RouterContext): void {
    const m = ctx.release;
    const opts = m.router as GrpcRouteRouterOptions;
    const routeNs = m.namespaces.production;
    const routeName = grpcRouteNameOf(m);
    new GrpcRoute(ctx.chartFor(routeNs), `grpcroute-${routeName}`, {
      metadata: { name: routeName, namespace: routeNs, labels: releaseLabels(m) },
      spec: {
        parentRefs: parentRefsOf(opts.parentRefs),
        ...(opts.hostnames?.length ? { hostnames: opts.hostnames } : {}),
        rules: grpcRouteRules(m),
      },
    });
    addReferenceGrant(ctx, 'GRPCRoute', routeName);
  }
}

/** Name of the release's GRPCRoute. */
export function grpcRouteNameOf(m: ReleaseModel): string {
  return (m.router as GrpcRouteRouterOptions).routeName ?? m.name;
}

/**
 * The GRPCRoute rules of a release's current state: tester rules (while a canary runs), then the
 * weighted rule (with the mirror filter), each restricted to `router.methods` when given. Pure.
 */
export function grpcRouteRules(m: ReleaseModel): GrpcRouteSpecRules[] {
  const opts = m.router as GrpcRouteRouterOptions;
  const methods = (opts.methods ?? []).map((x) => ({
    type: GrpcRouteSpecRulesMatchesMethodType.EXACT,
    service: x.service,
    ...(x.method !== undefined ? { method: x.method } : {}),
  }));
  const matchesWith = (headers?: GrpcRouteSpecRulesMatches['headers']): GrpcRouteSpecRulesMatches[] | undefined => {
    if (!methods.length) return headers ? [{ headers }] : undefined;
    return methods.map((method) => ({ method, ...(headers ? { headers } : {}) }));
  };
  const rules: GrpcRouteSpecRules[] = testerMatches(m, opts).map((t) => ({
    matches: matchesWith([{ type: t.type === 'Exact' ? GrpcRouteSpecRulesMatchesHeadersType.EXACT : GrpcRouteSpecRulesMatchesHeadersType.REGULAR_EXPRESSION, name: t.name, value: t.value }]),
    backendRefs: [backendRef(m, t.to, 1)],
  }));
  const mirror = requestMirror(m, opts.mirror);
  const matches = matchesWith();
  rules.push({
    ...(matches ? { matches } : {}),
    backendRefs: weightedBackendRefs(m),
    ...(mirror ? { filters: [{ type: GrpcRouteSpecRulesFiltersType.REQUEST_MIRROR, requestMirror: mirror }] } : {}),
  });
  return rules;
}
