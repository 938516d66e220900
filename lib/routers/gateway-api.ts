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
 * a ReferenceGrant in the canary namespace allows exactly that HTTPRoute to reference exactly that
 * Service. An optional first rule sends requests with a tester header to the canary at any weight.
 */
export class GatewayApiRouter implements TrafficRouter {
  public readonly type = 'gatewayApi';
  public readonly serviceLayout = 'per-track' as const;

  public check(release: LoadedRelease): SpecProblem[] {
    const m = release.model;
    const out: SpecProblem[] = [];
    if (m.weightTotal > MAX_BACKEND_WEIGHT) {
      out.push(release.source.problem(['weightTotal'], `the Gateway API accepts backend weights up to ${MAX_BACKEND_WEIGHT}`, `use a weightTotal of at most ${MAX_BACKEND_WEIGHT}`, m.weightTotal));
    }
    const backends = 2; // stable + canary: well under MAX_BACKEND_REFS, kept explicit for future multi-canary rules
    if (backends > MAX_BACKEND_REFS) {
      out.push(release.source.problem(['router'], `a rule may hold at most ${MAX_BACKEND_REFS} backendRefs`, 'split the route', backends));
    }
    return out;
  }

  public addTraffic(ctx: RouterContext): void {
    const m = ctx.release;
    const opts = m.router as GatewayApiOptions;
    const routeNs = m.namespaces.production;
    const routeName = routeNameOf(m);
    const path = opts.path ?? '/';
    const pathMatch = { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: path };
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
    const weight = m.canary?.weight ?? 0;
    rules.push({
      matches: [{ path: pathMatch }],
      backendRefs: m.canary
        ? [{ ...stableRef, weight: m.weightTotal - weight }, { ...canaryRef, weight }]
        : [{ ...stableRef, weight: m.weightTotal }],
    });
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

/** Name of the release's HTTPRoute. */
export function routeNameOf(m: ReleaseModel): string {
  return (m.router as GatewayApiOptions).routeName ?? m.name;
}
