/**
 * Routes bound to Gateways: which Gateway a route names, and whether that Gateway takes it. A route
 * whose Gateway is gone, or no longer admits it, serves nobody, though the route itself is unchanged:
 * a release goes dark when another release (or any other part of dist/) stops creating the Gateway it
 * binds to. The sync model (lib/review/transition.ts) counts such a route as failing all its requests in a
 * state, the gate (lib/review/transition-gate.ts) refuses a change after which a route that was bound is not,
 * and the lint (lib/lint/gateway-refs.ts) flags an unbound route in the end state. Pure.
 *
 * Upstream rules (sources):
 * - **Istio** VirtualService `spec.gateways`: `<namespace>/<name>`, or a bare name (or `./<name>`) in
 *   the VirtualService's own namespace, or the legacy `<name>.<namespace>.svc.cluster.local`; `mesh` is
 *   the sidecars, no Gateway object (istio/api networking/v1alpha3/virtual_service.proto, field
 *   `gateways`; istio/istio pilot/pkg/model `resolveGatewayName`: `istioGatewayOf`). A Gateway server's `hosts` are
 *   `[namespace/]dnsName`: without a namespace (or with `*` as it) VirtualServices of any namespace bind, `./`
 *   only those of the Gateway's namespace, `prod/` only those of `prod`; and the VirtualService must
 *   have a host the server's dnsName matches (`*` any, `*.example.com` a subdomain) (istio/api
 *   networking/v1alpha3/gateway.proto, `Server.hosts`; istio/api PR #826).
 * - **Gateway API** HTTPRoute / GRPCRoute `spec.parentRefs` (group `gateway.networking.k8s.io`, kind
 *   `Gateway`, namespace defaulting to the route's): the relevant listeners are all of the Gateway's,
 *   or the one named by `sectionName` and those on `port`; a route attaches to a relevant listener
 *   that admits it: `allowedRoutes.namespaces.from` `Same` (the default: the Gateway's namespace
 *   only), `All`, or `Selector` (the route's Namespace labels match `selector`; Kubernetes labels every
 *   Namespace `kubernetes.io/metadata.name: <name>`); `allowedRoutes.kinds`, when given, lists the
 *   route's kind; a listener `hostname` intersects the route's `hostnames`. Otherwise the route is not
 *   accepted (status condition Accepted=False, reason `NotAllowedByListeners` or
 *   `NoMatchingListenerHostname`) and gets no traffic (gateway-api apis/v1/gateway_types.go
 *   `AllowedRoutes`, `RouteNamespaces`; apis/v1/shared_types.go `RouteReasonNotAllowedByListeners`;
 *   docs "Traffic Matching: Listener selection"; vendored in schemas/kubernetes-sigs-gateway-api/).
 */
import { at, groupOf, isRecord, listAt, Located, Manifest, mapAt, matchesLabelSelector, ObjectIndex, refOf } from './objects';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const ISTIO_GROUP = 'networking.istio.io';

/** Which Gateway kind: Istio's `networking.istio.io` Gateway or the Gateway API's. */
export type GatewayFamily = 'istio' | 'gatewayApi';

/** One Gateway a route names. */
export interface GatewayRef {
  readonly family: GatewayFamily;
  readonly namespace: string;
  readonly name: string;
  /** Gateway API: the listener named (`sectionName`). @default - every listener */
  readonly sectionName?: string;
  /** Gateway API: the listeners' port (`port`). @default - every port */
  readonly port?: number;
  /** Field path of the reference in the route (`spec.gateways[0]`, `spec.parentRefs[1]`). */
  readonly field: readonly (string | number)[];
}

/** `Istio Gateway ns/name` / `Gateway ns/name` (Gateway API): a Gateway's key, as messages name it too. */
export function gatewayKey(family: GatewayFamily, namespace: string, name: string): string {
  return `${family === 'istio' ? 'Istio Gateway' : 'Gateway'} ${namespace}/${name}`;
}

/** The key of a Gateway object (gatewayKey), or undefined for any other object. */
export function gatewayKeyOf(o: Manifest): string | undefined {
  if (o.kind !== 'Gateway') return undefined;
  const g = groupOf(o);
  if (g === ISTIO_GROUP) return gatewayKey('istio', o.metadata.namespace ?? '', o.metadata.name);
  if (g === GATEWAY_API_GROUP) return gatewayKey('gatewayApi', o.metadata.namespace ?? '', o.metadata.name);
  return undefined;
}

/**
 * The Gateway an Istio VirtualService's `spec.gateways` entry names, as Istio resolves it (istio/istio
 * pilot/pkg/model `resolveGatewayName`): `<namespace>/<name>`; `./<name>` and a bare name are in the
 * VirtualService's own namespace; the legacy FQDN form `<name>.<namespace>[.svc.cluster.local]` is
 * `<namespace>/<name>`. Undefined for `mesh` (the sidecars: no Gateway object).
 */
export function istioGatewayOf(entry: string, vsNamespace: string): { readonly namespace: string; readonly name: string } | undefined {
  if (entry === 'mesh') return undefined;
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const ns = entry.slice(0, slash);
    return { namespace: ns === '.' ? vsNamespace : ns, name: entry.slice(slash + 1) };
  }
  const dot = entry.indexOf('.');
  if (dot < 0) return { namespace: vsNamespace, name: entry };
  const rest = entry.slice(dot + 1);
  return { namespace: rest.includes('.') ? rest.slice(0, rest.indexOf('.')) : rest, name: entry.slice(0, dot) };
}

/** The Gateways a route names (none for any other object, and none for Istio's `mesh`). */
export function gatewayRefsOf(o: Manifest): GatewayRef[] {
  const ns = o.metadata.namespace ?? '';
  const group = groupOf(o);
  if (o.kind === 'VirtualService' && group === ISTIO_GROUP) {
    return listAt(o, 'spec', 'gateways').flatMap((g, i) => {
      const gw = typeof g === 'string' ? istioGatewayOf(g, ns) : undefined;
      return gw ? [{ family: 'istio' as const, ...gw, field: ['spec', 'gateways', i] }] : [];
    });
  }
  if ((o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') && group === GATEWAY_API_GROUP) {
    return listAt(o, 'spec', 'parentRefs').flatMap((p, i) => {
      if ((at(p, 'group') ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (at(p, 'kind') ?? 'Gateway') !== 'Gateway' || typeof at(p, 'name') !== 'string') return [];
      const section = at(p, 'sectionName');
      const port = at(p, 'port');
      return [{
        family: 'gatewayApi' as const, namespace: String(at(p, 'namespace') ?? ns), name: String(at(p, 'name')), field: ['spec', 'parentRefs', i],
        ...(typeof section === 'string' ? { sectionName: section } : {}), ...(typeof port === 'number' ? { port } : {}),
      }];
    });
  }
  return [];
}

/** Whether a Gateway takes a route: `gateway` undefined when it is not in the state. */
export type Admission = { readonly ok: true; readonly gateway: Located } | { readonly ok: false; readonly gateway?: Located; readonly why: string };

/** Whether the Gateway a route names is in `ix` and takes the route (see the module comment). */
export function admission(route: Manifest, ref: GatewayRef, ix: ObjectIndex): Admission {
  const gw = ix.ofKind('Gateway', ref.namespace).find((g) => g.obj.metadata.name === ref.name && groupOf(g.obj) === (ref.family === 'istio' ? ISTIO_GROUP : GATEWAY_API_GROUP));
  if (!gw) return { ok: false, why: 'it is not there' };
  const why = ref.family === 'istio' ? istioRefusal(route, gw.obj) : gatewayApiRefusal(route, ref, gw.obj, ix);
  return why === undefined ? { ok: true, gateway: gw } : { ok: false, gateway: gw, why };
}

/** Whether host pattern `a` and host `b` can name the same host (`*`, `*.example.com`, exact). */
function hostsMeet(a: string, b: string): boolean {
  if (a === '*' || b === '*' || a === b) return true;
  const covers = (w: string, h: string) => w.startsWith('*.') && (h.endsWith(w.slice(1)) || (h.startsWith('*.') && h.endsWith(w.slice(1))));
  return covers(a, b) || covers(b, a);
}

/** Why an Istio Gateway binds none of a VirtualService's hosts, or undefined when one server takes it. */
function istioRefusal(vs: Manifest, gw: Manifest): string | undefined {
  const ns = vs.metadata.namespace ?? '';
  const gns = gw.metadata.namespace ?? '';
  const hosts = listAt(vs, 'spec', 'hosts').map(String);
  const serverHosts = listAt(gw, 'spec', 'servers').flatMap((s) => listAt(s, 'hosts').map(String));
  for (const h of serverHosts) {
    const slash = h.indexOf('/');
    const hns = slash < 0 ? '*' : h.slice(0, slash);
    const dns = slash < 0 ? h : h.slice(slash + 1);
    const nsOk = hns === '*' || hns === ns || (hns === '.' && gns === ns);
    if (nsOk && (hosts.length === 0 || hosts.some((x) => hostsMeet(dns, x)))) return undefined;
  }
  return `no server of it takes hosts ${hosts.join(', ') || '(none)'} from namespace ${ns} (server hosts: ${serverHosts.join(', ') || 'none'})`;
}

/** Why no relevant listener of a Gateway API Gateway admits a route, or undefined when one does. */
function gatewayApiRefusal(route: Manifest, ref: GatewayRef, gw: Manifest, ix: ObjectIndex): string | undefined {
  const ns = route.metadata.namespace ?? '';
  const gns = gw.metadata.namespace ?? '';
  const listeners = listAt(gw, 'spec', 'listeners').filter((l) => (ref.sectionName === undefined || at(l, 'name') === ref.sectionName) && (ref.port === undefined || at(l, 'port') === ref.port));
  if (!listeners.length) return `it has no listener${ref.sectionName !== undefined ? ` named ${ref.sectionName}` : ''}${ref.port !== undefined ? ` on port ${ref.port}` : ''}`;
  const hostnames = listAt(route, 'spec', 'hostnames').map(String);
  const reasons: string[] = [];
  for (const l of listeners) {
    const name = String(at(l, 'name') ?? '?');
    const from = String(at(l, 'allowedRoutes', 'namespaces', 'from') ?? 'Same');
    const nsOk = from === 'All' || (from === 'Same' && ns === gns) || (from === 'Selector' && namespaceSelected(ix, ns, at(l, 'allowedRoutes', 'namespaces', 'selector')));
    if (!nsOk) { reasons.push(`listener ${name} admits routes from ${from === 'Same' ? `its own namespace ${gns} only (allowedRoutes.namespaces.from: Same)` : `the namespaces its selector picks (allowedRoutes.namespaces.from: Selector), not ${ns}`}`); continue; }
    const kinds = listAt(l, 'allowedRoutes', 'kinds');
    if (kinds.length && !kinds.some((k) => at(k, 'kind') === route.kind && (at(k, 'group') ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP)) {
      reasons.push(`listener ${name} admits kinds ${kinds.map((k) => String(at(k, 'kind'))).join(', ')} only (allowedRoutes.kinds)`);
      continue;
    }
    const lh = at(l, 'hostname');
    if (typeof lh === 'string' && hostnames.length && !hostnames.some((h) => hostsMeet(lh, h))) { reasons.push(`listener ${name} has hostname ${lh}, which meets none of ${hostnames.join(', ')}`); continue; }
    return undefined;
  }
  return reasons.join('; ');
}

/**
 * Whether a label selector picks Namespace `ns`: its labels in the state plus the
 * `kubernetes.io/metadata.name` label Kubernetes sets. A Namespace dist/ does not hold has labels
 * nobody here knows: taken as picked unless the selector asks only for that name label. A Namespace
 * dist/ holds is judged on the labels dist/ gives it; a requirement on a label key it does not give
 * is taken as met, as a label set outside dist/ (`kubectl label`, the Gateway API docs'
 * `shared-gateway-access: "true"`) stays: Argo CD's apply and Flux's server-side apply leave labels
 * they do not manage (https://gateway-api.sigs.k8s.io/guides/multiple-ns/, "Cross-namespace routing").
 */
function namespaceSelected(ix: ObjectIndex, ns: string, selector: unknown): boolean {
  if (!isRecord(selector)) return false;
  const obj = ix.find('Namespace', '', ns);
  const labels: Record<string, string> = { ...(obj?.obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns };
  if (!obj && !onlyNameLabel(selector)) return true;
  const given = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  const known = {
    matchLabels: Object.fromEntries(Object.entries(mapAt(selector, 'matchLabels')).filter(([k]) => given(k))),
    matchExpressions: listAt(selector, 'matchExpressions').filter((e) => given(String(at(e, 'key')))),
  };
  return matchesLabelSelector(known, labels);
}

function onlyNameLabel(selector: Record<string, unknown>): boolean {
  const keys = [...Object.keys(mapAt(selector, 'matchLabels')), ...listAt(selector, 'matchExpressions').map((e) => String(at(e, 'key')))];
  return keys.length > 0 && keys.every((k) => k === 'kubernetes.io/metadata.name');
}

/** A route that the change unbinds from a Gateway it was bound to before. */
export interface Detachment {
  /** The route after the change (unchanged or not). */
  readonly route: Located;
  readonly ref: GatewayRef;
  /** The Gateway before the change. */
  readonly gateway: Located;
  /** The Gateway after the change, when it is still there (then it no longer admits the route). */
  readonly now?: Located;
  readonly why: string;
}

/**
 * The routes of `after` bound to a Gateway in `before` and not in `after` (it is gone, or changed
 * so that it no longer admits them, or their Namespace's labels changed). Only routes naming a
 * Gateway that changed, or living in a Namespace that changed, are looked at (index lookups: the cost
 * follows the change). Both sides: objects of one cluster's view, wiring included or not.
 */
export function detachments(before: readonly Located[], after: readonly Located[]): Detachment[] {
  const text = (l: Located | undefined) => (l ? JSON.stringify(l.obj) : '');
  const gwBefore = new Map<string, Located>();
  const gwAfter = new Map<string, Located>();
  const nsBefore = new Map<string, Located>();
  const nsAfter = new Map<string, Located>();
  for (const [side, gws, nss] of [[before, gwBefore, nsBefore], [after, gwAfter, nsAfter]] as const) {
    for (const l of side) {
      const k = gatewayKeyOf(l.obj);
      if (k) gws.set(k, l);
      else if (l.obj.kind === 'Namespace' && groupOf(l.obj) === '') nss.set(l.obj.metadata.name, l);
    }
  }
  const changedGateways = new Set([...gwBefore.keys()].filter((k) => text(gwBefore.get(k)) !== text(gwAfter.get(k))));
  const changedNamespaces = new Set([...nsBefore.keys()].filter((k) => nsAfter.has(k) && text(nsBefore.get(k)) !== text(nsAfter.get(k))));
  if (!changedGateways.size && !changedNamespaces.size) return [];
  const bix = new ObjectIndex(before);
  const aix = new ObjectIndex(after);
  const out: Detachment[] = [];
  for (const route of after) {
    const refs = gatewayRefsOf(route.obj);
    if (!refs.length) continue;
    const inChangedNs = changedNamespaces.has(route.obj.metadata.namespace ?? '');
    const old = bix.get(`${groupOf(route.obj)}/${route.obj.kind}/${route.obj.metadata.namespace ?? ''}/${route.obj.metadata.name}`);
    if (!old) continue; // a new route: the lint looks at it
    const oldRefs = gatewayRefsOf(old.obj);
    for (const ref of refs) {
      const key = gatewayKey(ref.family, ref.namespace, ref.name);
      if (!changedGateways.has(key) && !inChangedNs) continue;
      const oldRef = oldRefs.find((r) => gatewayKey(r.family, r.namespace, r.name) === key && r.sectionName === ref.sectionName && r.port === ref.port);
      if (!oldRef) continue;
      const was = admission(old.obj, oldRef, bix);
      if (!was.ok) continue;
      const is = admission(route.obj, ref, aix);
      if (is.ok) continue;
      out.push({ route, ref, gateway: was.gateway, ...(is.gateway ? { now: is.gateway } : {}), why: is.why });
    }
  }
  return out;
}

/** One line for a Detachment: what goes dark, why, and the way out. `file` maps a view's file to the tree's. */
export function detachmentMessage(d: Detachment, distLabel = 'dist', file: (f: string) => string = (f) => f): string {
  const hosts = listAt(d.route.obj, 'spec', d.route.obj.kind === 'VirtualService' ? 'hosts' : 'hostnames').map(String);
  const field = d.ref.field.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').slice(1);
  const gw = gatewayKey(d.ref.family, d.ref.namespace, d.ref.name);
  const release = d.gateway.release;
  const what = d.now
    ? `which the change makes refuse it (${d.why}; ${distLabel}/${file(d.now.file)})`
    : `which the change removes (it was ${distLabel}/${file(d.gateway.file)}, generated for ${release})`;
  const fix = d.now
    ? `admit the route again (the Gateway's allowedRoutes or server hosts, or the route's namespace labels), or move the route to a Gateway that admits it first, in a commit of its own`
    : `keep the Gateway in ${release} (or move it to a release that stays, in one commit), or first bind ${d.route.release} to another Gateway (router.gateway or router.parentRefs in its spec) in a commit of its own`;
  return `dark after sync: ${refOf(d.route.obj)} (${distLabel}/${file(d.route.file)}, ${field}) binds to ${gw}, ${what}: every request to ${hosts.join(', ') || 'its hosts'} fails once Argo CD or Flux syncs it; ${fix}`;
}
