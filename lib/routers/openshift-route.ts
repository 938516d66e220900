import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Route } from '../../imports/openshift-route-route.openshift.io';
import { SpecProblem } from '../spec/errors';
import { OpenShiftRouteRouterOptions } from '../spec/generated/release';
import { routeHost } from '../spec/group';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { releaseLabels } from '../workloads/labels';
import { RouterContext, TrafficRouter } from './router';

/** Largest weight of a Route backend (relative integers 0..256). */
export const MAX_ROUTE_WEIGHT = 256;
/** Most `alternateBackends` a Route may hold (4 backends in all with `to`). */
export const MAX_ALTERNATE_BACKENDS = 3;
/** The HAProxy balance annotation; OpenShift recommends roundrobin for weighted backends. */
export const BALANCE_ANNOTATION = 'haproxy.router.openshift.io/balance';

/** A Service and its share of a Route's traffic, in percent. */
export interface RouteShare {
  readonly service: string;
  /** Namespace of the Service; must be the Route's. */
  readonly namespace: string;
  /** Percent, 0..100; the shares of one Route sum to 100. */
  readonly percent: number;
}

/** A Route backend as the Route API writes it. */
export interface RouteBackend {
  readonly kind: 'Service';
  readonly name: string;
  readonly weight: number;
}

/** A rule of the Route API was broken (the message says which and how to fix it). */
export class RouteRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteRuleError';
  }
}

/**
 * The backends of a Route from traffic shares: the first share is `to`, the others are
 * `alternateBackends`. Enforces the Route API's rules: at most 3 alternate backends, every Service in
 * the Route's own namespace, no Service twice, integer weights 0..256. Weights are emitted as the
 * percentages themselves (they are relative, so 70/30 means 70%/30%), which must sum to 100.
 */
export function routeBackends(routeNamespace: string, shares: readonly RouteShare[]): { to: RouteBackend; alternateBackends: RouteBackend[] } {
  if (shares.length === 0) throw new RouteRuleError('a route needs at least one backend');
  const alternates = shares.length - 1;
  if (alternates > MAX_ALTERNATE_BACKENDS) {
    throw new RouteRuleError(`a route holds at most ${MAX_ALTERNATE_BACKENDS} alternate backends (got ${alternates}: ${shares.slice(1).map((s) => s.service).join(', ')}); split the traffic over fewer services`);
  }
  const seen = new Set<string>();
  for (const s of shares) {
    if (s.namespace !== routeNamespace) {
      throw new RouteRuleError(`backend service '${s.service}' is in namespace '${s.namespace}', not in the route's namespace '${routeNamespace}'; a route only sends traffic to services of its own namespace, so run it in '${routeNamespace}'`);
    }
    if (seen.has(s.service)) throw new RouteRuleError(`backend service '${s.service}' appears twice; list every service once`);
    seen.add(s.service);
    if (!Number.isInteger(s.percent) || s.percent < 0 || s.percent > MAX_ROUTE_WEIGHT) {
      throw new RouteRuleError(`weight of backend '${s.service}' must be an integer between 0 and ${MAX_ROUTE_WEIGHT} (got ${s.percent}); use a whole percentage`);
    }
  }
  const sum = shares.reduce((a, s) => a + s.percent, 0);
  if (sum !== 100) throw new RouteRuleError(`route weights are percentages and must sum to 100 (got ${sum}: ${shares.map((s) => `${s.service}=${s.percent}`).join(', ')}); adjust the shares`);
  const [first, ...rest] = shares.map((s): RouteBackend => ({ kind: 'Service', name: s.service, weight: s.percent }));
  return { to: first, alternateBackends: rest };
}

/** Inputs of one Route object. */
export interface RouteObjectProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly host: string;
  readonly to: RouteBackend;
  /** Alternate backends; an empty list is written as `[]`. @default - the field is left out */
  readonly alternateBackends?: readonly RouteBackend[];
  /** Service port name the Route targets (S3: 8080-tcp). */
  readonly targetPort: string;
  /** Value of the balance annotation. */
  readonly balance: string;
}

/**
 * One Route (route.openshift.io/v1): `spec.wildcardPolicy: None` is written explicitly (the upstream
 * CRD's host/wildcardPolicy rule assumes apiserver defaulting, so schema validators need it), and the
 * balance annotation is always set. Plain JSON (not the generated class) so that a Template can carry
 * `${{PARAM}}` placeholders in its non-string fields.
 */
export function routeObject(scope: Construct, id: string, p: RouteObjectProps): ApiObject {
  return new ApiObject(scope, id, {
    ...Route.GVK,
    metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels }, annotations: { [BALANCE_ANNOTATION]: p.balance } },
    spec: {
      host: p.host,
      to: { ...p.to },
      // never `alternateBackends: []`: the API server drops empty lists, and Argo CD would diff forever
      ...(p.alternateBackends?.length ? { alternateBackends: p.alternateBackends } : {}),
      port: { targetPort: p.targetPort },
      wildcardPolicy: 'None',
    },
  });
}

/**
 * OpenShift Route: one Route in the production namespace, `to` the stable Service and, while a
 * canary runs, the canary Service in `alternateBackends` (weights are percentages summing to 100).
 * With `canaryRoute: true` the canary also gets its own Route `<canary service>-<namespace>.<domain>`
 * (S3's CANARY_URL_REQ: another canary calls it). A Route cannot match headers or cookies, and its
 * backends must live in its own namespace: `check` rejects specs that ask otherwise.
 */
export class OpenShiftRouteRouter implements TrafficRouter {
  public readonly type = 'openshiftRoute';
  public readonly serviceLayout = 'per-track' as const;

  public check(release: LoadedRelease): SpecProblem[] {
    const m = release.model;
    const opts = m.router as OpenShiftRouteRouterOptions;
    const src = release.source;
    const out: SpecProblem[] = [];
    if (opts.header) {
      out.push(src.problem(['router', 'header'], 'an openshift route cannot route by header: it matches on host and path only',
        'remove router.header; to let testers reach the canary at any weight, set router.canaryRoute: true (the canary gets its own URL)', undefined, true));
    }
    if (opts.cookie !== undefined) {
      out.push(src.problem(['router', 'cookie'], 'an openshift route cannot route by cookie: it matches on host and path only',
        'remove router.cookie; to let testers reach the canary at any weight, set router.canaryRoute: true (the canary gets its own URL)', opts.cookie));
    }
    if (m.canaryTrack.namespace !== m.namespaces.production) {
      out.push(src.problem(['namespaces', 'canary'], `the canary namespace differs from the route's namespace '${m.namespaces.production}'`,
        `a route only sends traffic to services of its own namespace: remove namespaces.canary or set it to ${m.namespaces.production}`, m.canaryTrack.namespace));
    }
    if (m.weightTotal !== 100) {
      out.push(src.problem(['weightTotal'], 'route weights are written as whole percentages', 'remove weightTotal (default 100) or set it to 100', m.weightTotal));
    }
    if (!opts.host) {
      const hosts = [routeHost(openShiftRouteNameOf(m), m.namespaces.production, opts.domain), ...(opts.canaryRoute ? [routeHost(m.canaryTrack.serviceName, m.namespaces.production, opts.domain)] : [])];
      for (const h of hosts) {
        if (h.split('.')[0].length > 63) {
          out.push(src.problem(['router', 'domain'], `route host '${h}' has a first label longer than 63 characters`, 'set router.host, or shorten the service or namespace name', opts.domain));
        }
      }
    }
    if (out.length === 0 && m.canary) {
      try {
        routeBackends(m.namespaces.production, sharesOf(m));
      } catch (e) {
        if (!(e instanceof RouteRuleError)) throw e;
        out.push(src.problem(['canary', 'weight'], e.message.split(';')[0], e.message.split(';').slice(1).join(';').trim() || 'check the weights', m.canary.weight));
      }
    }
    return out;
  }

  public addTraffic(ctx: RouterContext): void {
    const m = ctx.release;
    const opts = m.router as OpenShiftRouteRouterOptions;
    const ns = m.namespaces.production;
    const name = openShiftRouteNameOf(m);
    const labels = { ...releaseLabels(m), app: m.workload.appLabel };
    const balance = opts.balance ?? 'roundrobin';
    const { to, alternateBackends } = routeBackends(ns, sharesOf(m));
    routeObject(ctx.chartFor(ns), `route-${name}`, {
      name, namespace: ns, labels, balance,
      host: opts.host ?? routeHost(name, ns, opts.domain),
      to,
      ...(m.canary ? { alternateBackends } : {}),
      targetPort: m.workload.portName,
    });
    if (m.canary && opts.canaryRoute) {
      const canary = m.canaryTrack.serviceName;
      routeObject(ctx.chartFor(ns), `route-${canary}`, {
        name: canary, namespace: ns, labels, balance,
        host: routeHost(canary, ns, opts.domain),
        to: routeBackends(ns, [{ service: canary, namespace: ns, percent: 100 }]).to,
        targetPort: m.workload.portName,
      });
    }
  }
}

/** Name of the release's main Route. */
export function openShiftRouteNameOf(m: ReleaseModel): string {
  return (m.router as OpenShiftRouteRouterOptions).routeName ?? m.stable.serviceName;
}

/** Traffic shares of a release's main Route: stable 100-n, canary n (while a canary runs). */
function sharesOf(m: ReleaseModel): RouteShare[] {
  const stable = { service: m.stable.serviceName, namespace: m.stable.namespace };
  if (!m.canary) return [{ ...stable, percent: 100 }];
  const pct = m.canary.weight;
  return [{ ...stable, percent: 100 - pct }, { service: m.canary.serviceName, namespace: m.canary.namespace, percent: pct }];
}
