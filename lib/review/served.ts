/**
 * Where users send a request, whatever object serves it. The transition model (./transition.ts)
 * keys its "served host" check by it: a host and path that both ends of a commit serve must be
 * served in every state of the sync, even when the route that serves it changes name or namespace
 * (a release renamed, or renamed and moved to another namespace).
 *
 * What users reach is the router's front, the host and the path, never the route's namespace, as
 * each router merges the routes of every namespace it admits (sources):
 * - **ingress-nginx**: one server per host for every Ingress of its class, whatever their namespaces;
 *   the same host and path in two Ingresses: the oldest wins (ingress-nginx issue #20, docs
 *   "Multiple Ingress controllers" / ingress class). Front: `class <ingressClassName>`.
 * - **Gateway API** HTTPRoute / GRPCRoute: a route attaches to the Gateway listeners of its
 *   `parentRefs` (namespace defaults to the route's own) by hostname intersection; the rules of every
 *   attached route are merged, a tie goes to the oldest route, then to `namespace/name` order
 *   (gateway-api docs "Hostnames", HTTPRoute spec, Listener AllowedRoutes). Front: the parent
 *   Gateways (`ns/name`, `/section` when set). A listener's `allowedRoutes.namespaces` may refuse a
 *   route from another namespace: not modelled (the Gateway is usually not in dist/).
 * - **Istio** VirtualService bound to ingress gateways: the VirtualServices of one gateway and host are
 *   merged whatever their namespaces (istio docs, analysis IST0109), and so are the servers of every
 *   Gateway object selecting the same ingress gateway pods. Front: those pods (the Gateway's
 *   `selector`), or the gateway's `ns/name` when it is not in the state. Bound to the `mesh` only, a host may be a
 *   short name resolved in the VirtualService's namespace: the namespace stays in the key.
 * - **OpenShift Route**: a host is one for the whole cluster's routers; claims from several namespaces
 *   go to the oldest route's namespace and pass to the next one when it is deleted (OpenShift docs
 *   "Route hostnames", route admission `namespaceOwnership`). Front: `router`.
 * Any other kind keeps its namespace. Pure.
 */
import { at, groupOf, ingressClassOf, listAt, Manifest, mapAt, ObjectIndex } from '../manifests/objects';
import { istioGatewayOf } from '../manifests/gateway-refs';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * The front users reach an entry point's object through, without the object's own name or
 * namespace (e.g. `Gateway gateway-system/public`, `class nginx`, `pods istio=ingressgateway`,
 * `router`); the object's namespace where the router keeps hosts apart per namespace. `ix` finds
 * the Istio Gateway objects. @default ix - none: an Istio gateway is its `ns/name`
 */
export function frontOf(o: Manifest, ix?: ObjectIndex): string {
  const ns = o.metadata.namespace ?? '';
  const group = groupOf(o);
  if (o.kind === 'Ingress') return `class ${ingressClassOf(o)}`;
  if ((o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') && group === GATEWAY_API_GROUP) {
    const parents = listAt(o, 'spec', 'parentRefs').map((p) => {
      const section = at(p, 'sectionName');
      return `${String(at(p, 'kind') ?? 'Gateway')} ${String(at(p, 'namespace') ?? ns)}/${String(at(p, 'name'))}${typeof section === 'string' ? `/${section}` : ''}`;
    });
    return parents.length ? [...new Set(parents)].sort().join(',') : `namespace ${ns}`;
  }
  if (o.kind === 'VirtualService' && group === 'networking.istio.io') {
    // an Istio Gateway object configures the ingress gateway pods its selector picks, and those merge
    // the servers of every Gateway object selecting them: the pods are the front when the Gateway is known
    const gateways = listAt(o, 'spec', 'gateways').map(String).flatMap((g) => istioGatewayOf(g, ns) ?? []).map(({ namespace: gns, name }) => {
      const gw = ix?.ofKind('Gateway', gns).find((x) => x.obj.metadata.name === name && groupOf(x.obj) === 'networking.istio.io');
      const selector = gw ? mapAt(gw.obj, 'spec', 'selector') : {};
      return Object.keys(selector).length ? `pods ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).sort().join(',')}` : `gateway ${gns}/${name}`;
    });
    return gateways.length ? [...new Set(gateways)].sort().join(' ') : `mesh ${ns}`;
  }
  if (o.kind === 'Route' && group === 'route.openshift.io') return 'router';
  return `namespace ${ns}`;
}

/**
 * The host names an object routes (Ingress rules, HTTPRoute/GRPCRoute `hostnames`, VirtualService
 * `hosts`, Route `host`). The transition model reads the entry points of changed releases only when
 * one of their objects routes a host; it checks together the releases that serve the same kind, host
 * and path (not merely the same host: paths of their own are independent).
 */
export function routedHosts(o: Manifest): string[] {
  switch (o.kind) {
    case 'Ingress': return listAt(o, 'spec', 'rules').map((r) => at(r, 'host')).filter((h): h is string => typeof h === 'string');
    case 'HTTPRoute':
    case 'GRPCRoute': return listAt(o, 'spec', 'hostnames').map(String);
    case 'VirtualService': return listAt(o, 'spec', 'hosts').map(String);
    case 'Route': return typeof at(o, 'spec', 'host') === 'string' ? [String(at(o, 'spec', 'host'))] : [];
    default: return [];
  }
}
