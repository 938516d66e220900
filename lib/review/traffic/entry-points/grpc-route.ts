/**
 * Gateway API GRPCRoute: each rule match; its path is the HTTP/2 path of the gRPC calls it matches
 * (see `grpcMethodText`), and matches with headers (gRPC metadata) are tester paths. Splits as HTTPRoute
 * rules do.
 */
import { at, ObjectIndex } from '../../../manifests/objects';
import { headerCondition, routeEntryPoints, routesOf } from './gateway-api';
import { EntryPoint, TrafficReader } from './reader';

/**
 * The gRPC calls a GRPCRoute match takes, as the HTTP/2 request path they carry (`/<service>/<method>`),
 * in the readers' path notation: `= /helloworld.Greeter/SayHello` (one method), `/helloworld.Greeter/`
 * (every method of a service), `/` (every call), `~ ...` for a RegularExpression match.
 */
export function grpcMethodText(match: unknown): string {
  const service = at(match, 'method', 'service');
  const method = at(match, 'method', 'method');
  if (typeof service !== 'string' && typeof method !== 'string') return '/';
  if (at(match, 'method', 'type') === 'RegularExpression') return `~ /${typeof service === 'string' ? service : '.*'}/${typeof method === 'string' ? method : '.*'}`;
  if (typeof method !== 'string') return `/${service}/`;
  return typeof service === 'string' ? `= /${service}/${method}` : `~ /.*/${method}`;
}

export const grpcRouteReader: TrafficReader = {
  name: 'grpc-route',

  entryPoints(ix: ObjectIndex): EntryPoint[] {
    return routesOf(ix, 'GRPCRoute').flatMap((r) => routeEntryPoints(ix, r, grpcMethodText, (m) => ((at(m, 'headers') as unknown[] | undefined) ?? []).map(headerCondition)));
  },
};
