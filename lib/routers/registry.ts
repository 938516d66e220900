import { SpecProblem } from '../spec/errors';
import { LoadedRelease } from '../spec/loader';
import { GatewayApiRouter } from './gateway-api';
import { GrpcRouteRouter } from './grpc-route';
import { IstioRouter } from './istio';
import { NginxRouter } from './nginx';
import { OpenShiftRouteRouter } from './openshift-route';
import { TrafficRouter } from './router';

/** Every router, by its `router.type`. Adding a router is one line here. */
const ROUTERS: Readonly<Record<string, TrafficRouter>> = {
  gatewayApi: new GatewayApiRouter(),
  nginx: new NginxRouter(),
  istio: new IstioRouter(),
  openshiftRoute: new OpenShiftRouteRouter(),
  grpcRoute: new GrpcRouteRouter(),
};

/** The router of a spec's `router.type`; throws for a type no router implements yet. */
export function routerFor(type: string): TrafficRouter {
  const r = ROUTERS[type];
  if (!r) throw new Error(`no router implements type ${type}`);
  return r;
}

/** Load-time check: the spec's router exists and can honour the release. */
export function routerCheck(release: LoadedRelease): SpecProblem[] {
  const type = release.model.router.type;
  const r = ROUTERS[type];
  if (!r) {
    return [release.source.problem(['router', 'type'], `router type '${type}' is not available in this version`, `use one of ${Object.keys(ROUTERS).join(', ')}`, type)];
  }
  return r.check(release);
}
