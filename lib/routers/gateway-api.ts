import { ApiObject } from 'cdk8s';
import { HttpRoute, HttpRouteSpecRules, HttpRouteSpecRulesMatchesHeadersType, HttpRouteSpecRulesMatchesPathType } from '../../imports/gwapi-httproute-gateway.networking.k8s.io';
import { SpecProblem } from '../spec/errors';
import { GatewayApiRouterOptions as GatewayApiOptions } from '../spec/generated/release';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { releaseLabels } from '../workloads/labels';
import { RouterContext, TrafficRouter } from './router';

/** Largest backendRef weight the Gateway API accepts. */
export const MAX_BACKEND_WEIGHT = 1_000_000;
/** Most backendRefs one HTTPRoute rule may hold. */
export const MAX_BACKEND_REFS = 16;
/** ReferenceGrant version served by every Gateway API release since v0.6 (v1 only since v1.5). */
export const REFERENCE_GRANT_API_VERSION = 'gateway.networking.k8s.io/v1beta1';

/**
 * Gateway API: an HTTPRoute in the production namespace, attached to the configured Gateway, with
 * weighted backendRefs stable=total-n / canary=n. When the canary Service lives in another namespace,
 * a ReferenceGrant in the canary namespace lets HTTPRoutes of the production namespace reference
 * exactly that Service: a ReferenceGrant's `from` can only name a group, kind and namespace (not one
 * route), its `to` names the one Service. It exists only while a canary runs. An optional first rule
 * sends requests with a tester header to the canary at any weight.
 */
export class GatewayApiRouter implements TrafficRouter {
  public readonly type = 'gatewayApi';
  public readonly serviceLayout = 'per-track' as const;

  public check(release: LoadedRelease): SpecProblem[] {
    // What addTraffic would emit in this state must respect the API's limits (weights 0..1000000,
    // at most 16 backendRefs per rule). The spec schema already caps weightTotal at 1000000.
    const out = ruleProblems(httpRouteRules(release.model)).map((p) => release.source.problem(['router'], p, 'split the route or lower weightTotal'));
    const path = (release.model.router as GatewayApiOptions).path;
    const badPath = path === undefined ? undefined : pathRefusal(path);
    if (badPath) {
      out.push(release.source.problem(['router', 'path'], `the Gateway API refuses this path prefix: it ${badPath}`, 'use a normalized path such as /api (no //, /./, /../, %2f or #)', path));
    }
    return out;
  }

  public addTraffic(ctx: RouterContext): void {
    const m = ctx.release;
    const opts = m.router as GatewayApiOptions;
    const routeNs = m.namespaces.production;
    const routeName = routeNameOf(m);
    const crossNs = m.canaryTrack.namespace !== routeNs;
    const rules = httpRouteRules(m);
    new HttpRoute(ctx.chartFor(routeNs), `httproute-${routeName}`, {
      metadata: { name: routeName, namespace: routeNs, labels: releaseLabels(m) },
      spec: {
        parentRefs: opts.parentRefs.map((p) => ({
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: p.name,
          ...(p.namespace ? { namespace: p.namespace } : {}),
          ...(p.sectionName ? { sectionName: p.sectionName } : {}),
          ...(p.port ? { port: p.port } : {}),
        })),
        ...(opts.hostnames?.length ? { hostnames: opts.hostnames } : {}),
        rules,
      },
    });
    if (m.canary && crossNs) {
      new ApiObject(ctx.chartFor(m.canaryTrack.namespace), `referencegrant-${routeName}`, {
        apiVersion: REFERENCE_GRANT_API_VERSION,
        kind: 'ReferenceGrant',
        metadata: { name: `${routeName}-to-${m.canaryTrack.serviceName}`, namespace: m.canaryTrack.namespace, labels: releaseLabels(m) },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: routeNs }],
          to: [{ group: '', kind: 'Service', name: m.canaryTrack.serviceName }],
        },
      });
    }
  }
}

/**
 * The HTTPRoute rules of a release's current state: an optional tester rule (path + header ->
 * canary only, while a canary runs) first, then the path rule with weights stable=total-n /
 * canary=n, or stable alone when no canary runs. Pure.
 */
export function httpRouteRules(m: ReleaseModel): HttpRouteSpecRules[] {
  const opts = m.router as GatewayApiOptions;
  const routeNs = m.namespaces.production;
  const pathMatch = { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: opts.path ?? '/' };
  const port = m.workload.servicePort;
  const stableRef = { name: m.stable.serviceName, port };
  const crossNs = m.canaryTrack.namespace !== routeNs;
  const canaryRef = { name: m.canaryTrack.serviceName, ...(crossNs ? { namespace: m.canaryTrack.namespace } : {}), port };
  const rules: HttpRouteSpecRules[] = [];
  if (m.canary && opts.header) {
    rules.push({
      matches: [{
        path: pathMatch,
        headers: [opts.header.pattern !== undefined
          ? { type: HttpRouteSpecRulesMatchesHeadersType.REGULAR_EXPRESSION, name: opts.header.name, value: opts.header.pattern }
          : { type: HttpRouteSpecRulesMatchesHeadersType.EXACT, name: opts.header.name, value: opts.header.value ?? 'always' }],
      }],
      backendRefs: [{ ...canaryRef, weight: 1 }],
    });
  }
  rules.push({
    matches: [{ path: pathMatch }],
    backendRefs: m.canary
      ? [{ ...stableRef, weight: m.weightTotal - m.canary.weight }, { ...canaryRef, weight: m.canary.weight }]
      : [{ ...stableRef, weight: m.weightTotal }],
  });
  return rules;
}

/** What in a list of rules the Gateway API would reject: more than 16 backendRefs in a rule, a weight outside 0..1000000. */
export function ruleProblems(rules: readonly HttpRouteSpecRules[]): string[] {
  const out: string[] = [];
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
 * Why an HTTPRoute PathPrefix value is refused by the API server's validation (the CEL rules of the
 * HTTPRoute CRD), or undefined when it is accepted.
 */
export function pathRefusal(p: string): string | undefined {
  if (p.length > 1024) return 'is longer than 1024 characters';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) if (p.includes(bad)) return `must not contain '${bad}'`;
  for (const bad of ['/..', '/.']) if (p.endsWith(bad)) return `must not end with '${bad}'`;
  return undefined;
}
