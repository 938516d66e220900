/**
 * The traffic readers, in order. Adding one (GRPCRoute, an Istio mesh entry point, a second router
 * while migrating from NGINX to Gateway API) is a new file implementing `TrafficReader` plus a line
 * here: in `ENTRY_POINT_READERS` if it finds entry points, in `CALL_RESOLVERS` if it takes calls
 * between workloads.
 */
import { gatewayApiReader } from './gateway-api';
import { grpcRouteReader } from './grpc-route';
import { istioGatewayReader, istioMeshReader } from './istio';
import { nginxReader } from './nginx';
import { openshiftRouteReader } from './openshift-route';
import { TrafficReader } from './reader';
import { serviceReader } from './service';

/** Readers whose entry points `computeTraffic` lists, in this order (the report's order). */
export const ENTRY_POINT_READERS: readonly TrafficReader[] = [nginxReader, gatewayApiReader, grpcRouteReader, istioGatewayReader, openshiftRouteReader];

/**
 * Readers tried in this order for a workload's call to a host; the first that returns a split wins:
 * an OpenShift Route for the host, an Ingress for the host, a mesh VirtualService for the Service,
 * then the plain Service.
 */
export const CALL_RESOLVERS: readonly TrafficReader[] = [openshiftRouteReader, nginxReader, istioMeshReader, serviceReader];
