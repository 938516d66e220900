import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DestinationRule, DestinationRuleProps, DestinationRuleV1Alpha3, DestinationRuleV1Beta1,
  Gateway, GatewayProps, GatewaySpecServers, GatewaySpecServersTlsMode, GatewayV1Alpha3, GatewayV1Beta1,
  VirtualService, VirtualServiceProps, VirtualServiceSpecHttp, VirtualServiceSpecHttpMatch, VirtualServiceSpecHttpRouteDestination,
  VirtualServiceV1Alpha3, VirtualServiceV1Beta1,
} from '../../imports/istio-networking.istio.io';
import { SpecProblem } from '../spec/errors';
import { IstioGatewayServer, IstioRouterOptions, IstioUriMatch } from '../spec/generated/release';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { releaseLabels } from '../workloads/labels';
import { RouterContext, TrafficRouter } from './router';

/** Istio weights are percentages: the destinations of a route must sum to exactly this (older meshes reject any other sum). */
export const ISTIO_WEIGHT_TOTAL = 100;
/** networking.istio.io versions offered; the first is the default. */
export const ISTIO_API_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
export type IstioApiVersion = (typeof ISTIO_API_VERSIONS)[number];
/** Argo CD's sync-wave annotation. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/**
 * Argo CD sync waves of the Istio objects. The subsets (DestinationRule, with the Gateway) settle
 * first, before pods are added, rolled or pruned: a promote re-points a version-labelled stable subset
 * to the canary's pods before production rolls. The routes (VirtualService) move last, in the routes'
 * wave (WAVES.route of lib/gitops/sync-waves.ts), after production rolled and the canary's pods are
 * ready, and before a removed canary is pruned (PruneLast). README: "What happens during a sync".
 */
export const ISTIO_SYNC_WAVES: Readonly<Record<'Gateway' | 'DestinationRule' | 'VirtualService', string>> = {
  Gateway: '-2',
  DestinationRule: '-2',
  VirtualService: '3',
};
/** The gateway name that binds a VirtualService to the sidecars of the mesh (Istio VirtualService.gateways). */
export const MESH_GATEWAY = 'mesh';
/** Header value testers send when the spec gives a header name only. */
export const DEFAULT_TESTER_HEADER_VALUE = 'always';

/** Every option of the Istio router with its default resolved. */
export interface IstioPlan {
  readonly apiVersion: IstioApiVersion;
  readonly namespace: string;
  /** Cluster host of the shared Service: `<service>.<namespace>.svc.cluster.local`. */
  readonly serviceHost: string;
  readonly servicePort: number;
  readonly virtualServiceName: string;
  readonly destinationRuleName: string;
  readonly subsets: { readonly stable: string; readonly canary: string };
  /**
   * The `version` label each subset selects. Both subsets exist in every state. Without a canary,
   * the canary subset selects the fixed canary label (workload.versionLabel) or, when labels carry
   * versions, is parked on the stable version so any route still naming it reaches live pods.
   */
  readonly subsetVersions: { readonly stable: string; readonly canary: string };
  /** The Gateway to emit, if any. */
  readonly gateway?: { readonly name: string; readonly selector: Record<string, string>; readonly servers: readonly IstioGatewayServer[] };
  /** `gateways:` of the VirtualService (empty: mesh traffic). */
  readonly gatewayRefs: readonly string[];
  readonly hosts: readonly string[];
  /**
   * The VirtualService for callers inside the mesh, when the main one is bound to a gateway and
   * `router.mesh` is not false: bound to `mesh` for the Service's cluster host (Istio rejects a `*`
   * host on a VirtualService bound to the mesh gateway: "wildcard host * is not allowed for virtual
   * services bound to the mesh gateway", istio/istio#8658). It carries the tester and canary routes
   * only: pass-through routes shape the edge.
   */
  readonly meshVirtualServiceName?: string;
  /**
   * `exportTo` of the VirtualServices and the DestinationRule: written always (default `*`), so
   * that a mesh whose defaultVirtualServiceExportTo / defaultDestinationRuleExportTo is `.` does
   * not hide them from the ingress gateway's namespace or from callers in other namespaces.
   */
  readonly exportTo: readonly string[];
}

/** Resolves the Istio options of a release. Pure. */
export function istioPlan(m: ReleaseModel): IstioPlan {
  const o = istioOptions(m);
  const namespace = m.namespaces.production;
  const serviceHost = `${m.workload.sharedServiceName}.${namespace}.svc.cluster.local`;
  const fixedLabels = m.spec.workload.versionLabel;
  const gw = o.gateway;
  const createGateway = gw !== undefined && gw.create !== false;
  return {
    apiVersion: o.apiVersion ?? 'v1',
    namespace,
    serviceHost,
    servicePort: m.workload.servicePort,
    virtualServiceName: o.virtualServiceName ?? m.name,
    destinationRuleName: o.destinationRuleName ?? m.workload.sharedServiceName,
    subsets: { stable: o.subsets?.stable ?? 'stable', canary: o.subsets?.canary ?? 'canary' },
    subsetVersions: {
      stable: m.stable.versionLabel,
      canary: m.canary ? m.canaryTrack.versionLabel : fixedLabels ? fixedLabels.canary : m.stable.versionLabel,
    },
    ...(createGateway ? {
      gateway: {
        name: gw.name,
        selector: gw.selector ?? { istio: 'ingressgateway' },
        servers: gw.servers ?? [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
      },
    } : {}),
    gatewayRefs: gw ? [gw.namespace && gw.namespace !== namespace ? `${gw.namespace}/${gw.name}` : gw.name] : [],
    hosts: o.hosts ?? (gw ? ['*'] : [serviceHost]),
    ...(gw && o.mesh !== false ? { meshVirtualServiceName: `${o.virtualServiceName ?? m.name}-mesh` } : {}),
    exportTo: o.exportTo ?? ['*'],
  };
}

/**
 * The VirtualService's HTTP routes, in order: pass-through routes (not in the mesh VirtualService),
 * tester route, canary route. Pure.
 */
export function istioHttpRoutes(m: ReleaseModel, forMesh = false): VirtualServiceSpecHttp[] {
  const o = istioOptions(m);
  const p = istioPlan(m);
  const to = (subset?: string): VirtualServiceSpecHttpRouteDestination =>
    ({ host: p.serviceHost, port: { number: p.servicePort }, ...(subset ? { subset } : {}) });
  const http: VirtualServiceSpecHttp[] = (forMesh ? [] : o.routes ?? []).map((r) => ({
    ...(r.name ? { name: r.name } : {}),
    match: [{ uri: uriMatch(r.match) }],
    ...(r.rewrite !== undefined ? { rewrite: { uri: r.rewrite } } : {}),
    route: [{
      destination: {
        host: r.destination.host,
        ...(r.destination.port !== undefined ? { port: { number: r.destination.port } } : {}),
        ...(r.destination.subset ? { subset: r.destination.subset } : {}),
      },
    }],
  }));
  const uri = o.match ? { uri: uriMatch(o.match) } : {};
  if (m.canary && o.header) {
    const h = o.header;
    const match: VirtualServiceSpecHttpMatch = {
      ...uri,
      // Istio matches header names in lowercase only
      headers: { [h.name.toLowerCase()]: h.pattern !== undefined ? { regex: h.pattern } : { exact: h.value ?? DEFAULT_TESTER_HEADER_VALUE } },
    };
    http.push({ match: [match], route: [{ destination: to(p.subsets.canary) }] });
  }
  const canaryRoute: VirtualServiceSpecHttp = m.canary
    ? {
      ...(o.match ? { match: [uri] } : {}),
      route: [
        { destination: to(p.subsets.stable), weight: ISTIO_WEIGHT_TOTAL - m.canary.weight },
        { destination: to(p.subsets.canary), weight: m.canary.weight },
      ],
      ...(o.mirror ? { mirror: to(p.subsets.canary), mirrorPercentage: { value: o.mirror.percentage } } : {}),
    }
    // no canary: one destination, the Service's stable subset. Not the bare Service: while an aborted
    // canary's pods are still running (they are pruned last) the Service would spread requests over
    // them by replica count, whatever the weight was.
    : { ...(o.match ? { match: [uri] } : {}), route: [{ destination: to(p.subsets.stable) }] };
  http.push(canaryRoute);
  for (const r of http) {
    const sum = (r.route ?? []).reduce((s, d) => s + (d.weight ?? 0), 0);
    if ((r.route ?? []).length > 1 && sum !== ISTIO_WEIGHT_TOTAL) {
      throw new Error(`internal: route weights of release ${m.name} sum to ${sum}, not ${ISTIO_WEIGHT_TOTAL}`);
    }
  }
  return http;
}

type Ctor<P> = new (scope: Construct, id: string, props: P) => ApiObject;
interface IstioKinds {
  readonly Gateway: Ctor<GatewayProps>;
  readonly VirtualService: Ctor<VirtualServiceProps>;
  readonly DestinationRule: Ctor<DestinationRuleProps>;
}
/**
 * The generated classes per version. The three versions share one schema in the upstream CRDs
 * (test/istio-router.test.ts checks it), so the v1 props describe all three; only apiVersion differs.
 */
function sameSchema(kinds: Record<keyof IstioKinds, unknown>): IstioKinds {
  // each version's classes carry their own (nominal) enum types; the fields and values are the v1 ones
  return kinds as IstioKinds;
}
/** The classes of each API version (a function: the bindings load when a release is synthesized, not at start-up). */
const kindsOf = (v: IstioApiVersion): IstioKinds => ({
  v1: { Gateway, VirtualService, DestinationRule },
  v1beta1: sameSchema({ Gateway: GatewayV1Beta1, VirtualService: VirtualServiceV1Beta1, DestinationRule: DestinationRuleV1Beta1 }),
  v1alpha3: sameSchema({ Gateway: GatewayV1Alpha3, VirtualService: VirtualServiceV1Alpha3, DestinationRule: DestinationRuleV1Alpha3 }),
})[v];

/**
 * Istio: stable and canary pods share one Service and one namespace and differ in their `version`
 * label. A DestinationRule declares a subset per track (both in every state), a VirtualService bound
 * to a Gateway lists the spec's pass-through routes first (in the order written), then an optional
 * tester route (header match -> canary subset), then the canary route: weighted destinations
 * stable=100-w / canary=w while a canary runs, one destination (the Service host and port) otherwise.
 */
export class IstioRouter implements TrafficRouter {
  public readonly type = 'istio';
  public readonly serviceLayout = 'shared' as const;

  public check(release: LoadedRelease): SpecProblem[] {
    const m = release.model;
    const src = release.source;
    const o = istioOptions(m);
    const out: SpecProblem[] = [];
    const at = (path: (string | number)[], message: string, hint: string, value?: unknown) => out.push(src.problem(path, message, hint, value));

    if (m.weightTotal !== ISTIO_WEIGHT_TOTAL) {
      at(['weightTotal'], `istio route weights are percentages and must sum to exactly ${ISTIO_WEIGHT_TOTAL}`, `remove weightTotal or set it to ${ISTIO_WEIGHT_TOTAL}`, m.weightTotal);
    }
    if (m.namespaces.canary !== m.namespaces.production) {
      at(['namespaces', 'canary'], `istio splits traffic between subsets of one Service, so the canary must run in the production namespace '${m.namespaces.production}'`,
        `remove namespaces.canary or set it to ${m.namespaces.production}`, m.namespaces.canary);
    }
    // the first step must be 0 for every router: lib/spec/ladder.ts
    const p = istioPlan(m);
    if (p.subsets.stable === p.subsets.canary) {
      at(['router', 'subsets', 'canary'], `stable and canary subsets have the same name '${p.subsets.canary}'`, 'give the two subsets different names, e.g. prod and canary', p.subsets.canary);
    }
    if (m.canary && m.canary.versionLabel === m.stable.versionLabel) {
      at(['canary', 'version'], `stable and canary pods carry the same version label '${m.stable.versionLabel}', so both subsets would select the same pods`,
        'give the canary a new version, or set workload.versionLabel (e.g. stable: prod, canary: canary)', m.canary.version);
    }
    if (o.exportTo && o.exportTo.length > 1 && o.exportTo.includes('*')) {
      at(['router', 'exportTo', o.exportTo.indexOf('*')], `'*' exports to every namespace already, and Istio refuses it next to other entries`, `use ['*'] alone, or list '.' and the namespaces without '*'`, '*');
    }
    this.checkGateway(release, o, at);
    this.checkRoutes(release, o, p, at);
    if (o.header?.pattern !== undefined) {
      const bad = regexError(o.header.pattern);
      if (bad) at(['router', 'header', 'pattern'], `invalid regular expression (${bad})`, 'fix the regular expression', o.header.pattern);
    }
    return out;
  }

  public addTraffic(ctx: RouterContext): void {
    const m = ctx.release;
    const p = istioPlan(m);
    const kinds = kindsOf(p.apiVersion);
    const chart = ctx.chartFor(p.namespace);
    const meta = (name: string, kind: keyof typeof ISTIO_SYNC_WAVES) =>
      ({ name, namespace: p.namespace, labels: releaseLabels(m), annotations: { [SYNC_WAVE_ANNOTATION]: ISTIO_SYNC_WAVES[kind] } });

    if (p.gateway) {
      new kinds.Gateway(chart, `gateway-${p.gateway.name}`, {
        metadata: meta(p.gateway.name, 'Gateway'),
        spec: { selector: p.gateway.selector, servers: p.gateway.servers.map(gatewayServer) },
      });
    }
    new kinds.DestinationRule(chart, `destinationrule-${p.destinationRuleName}`, {
      metadata: meta(p.destinationRuleName, 'DestinationRule'),
      spec: {
        host: p.serviceHost,
        exportTo: [...p.exportTo],
        subsets: [
          { name: p.subsets.stable, labels: { version: p.subsetVersions.stable } },
          { name: p.subsets.canary, labels: { version: p.subsetVersions.canary } },
        ],
      },
    });
    new kinds.VirtualService(chart, `virtualservice-${p.virtualServiceName}`, {
      metadata: meta(p.virtualServiceName, 'VirtualService'),
      spec: {
        hosts: [...p.hosts],
        ...(p.gatewayRefs.length ? { gateways: [...p.gatewayRefs] } : {}),
        exportTo: [...p.exportTo],
        http: istioHttpRoutes(m),
      },
    });
    if (p.meshVirtualServiceName) {
      new kinds.VirtualService(chart, `virtualservice-${p.meshVirtualServiceName}`, {
        metadata: meta(p.meshVirtualServiceName, 'VirtualService'),
        spec: { hosts: [p.serviceHost], gateways: [MESH_GATEWAY], exportTo: [...p.exportTo], http: istioHttpRoutes(m, true) },
      });
    }
  }

  private checkGateway(release: LoadedRelease, o: IstioRouterOptions, at: Reporter): void {
    const gw = o.gateway;
    if (!gw) return;
    const ns = release.model.namespaces.production;
    if (gw.create === false) {
      for (const k of ['selector', 'servers'] as const) {
        if (gw[k] !== undefined) at(['router', 'gateway', k], `${k} describes a Gateway this release creates, but gateway.create is false`, `remove ${k}, or remove create: false`, undefined);
      }
    } else if (gw.namespace !== undefined && gw.namespace !== ns) {
      at(['router', 'gateway', 'namespace'], `a Gateway this release creates lives in the production namespace '${ns}'`, `remove namespace, or set create: false to bind to the existing Gateway ${gw.namespace}/${gw.name}`, gw.namespace);
    }
    const names = new Map<string, number>();
    (gw.servers ?? []).forEach((s, i) => {
      const name = s.port.name ?? s.port.protocol.toLowerCase();
      const first = names.get(name);
      if (first !== undefined) {
        at(['router', 'gateway', 'servers', i, 'port'], `port name '${name}' is already used by servers[${first}]`, 'give every server its own port.name, e.g. http and https', name);
      } else names.set(name, i);
      if (s.port.protocol === 'HTTPS' && !s.tlsCredentialName) {
        at(['router', 'gateway', 'servers', i, 'port', 'protocol'], 'an HTTPS server needs the TLS Secret it serves', 'add tlsCredentialName: <name of a kubernetes.io/tls Secret in the gateway namespace>', s.port.protocol);
      }
      if (s.port.protocol !== 'HTTPS' && s.tlsCredentialName) {
        at(['router', 'gateway', 'servers', i, 'tlsCredentialName'], `tlsCredentialName is only used by HTTPS servers (protocol is ${s.port.protocol})`, 'remove tlsCredentialName or set protocol: HTTPS', s.tlsCredentialName);
      }
    });
  }

  private checkRoutes(release: LoadedRelease, o: IstioRouterOptions, p: IstioPlan, at: Reporter): void {
    const routes = o.routes ?? [];
    const own = ownHosts(release.model);
    // the canary route is the last entry: no pass-through route may hide it
    const matches: { path: (string | number)[]; match?: IstioUriMatch; label: string }[] = [
      ...routes.map((r, i) => ({ path: ['router', 'routes', i, 'match'], match: r.match, label: `routes[${i}]` })),
      { path: o.match ? ['router', 'match'] : ['router'], ...(o.match ? { match: o.match } : {}), label: 'the canary route' },
    ];
    matches.forEach((later, j) => {
      if (later.match?.regex !== undefined) {
        const bad = regexError(later.match.regex);
        if (bad) at([...later.path, 'regex'], `invalid regular expression (${bad})`, 'fix the regular expression', later.match.regex);
      }
      for (let i = 0; i < j; i++) {
        const earlier = matches[i];
        const e = earlier.match;
        if (!e) continue;
        const [ek, ev] = matchOf(e);
        const l = later.match;
        if (l && matchOf(l)[0] === ek && matchOf(l)[1] === ev) {
          at(later.path, `duplicate route: ${later.label} has the same ${ek} match as ${earlier.label} ('${ev}'), so it is never reached`, `remove one of the two routes or change its match`, ev);
          return;
        }
        const [lk, lv] = l ? matchOf(l) : ['prefix', '/'];
        if (ek === 'prefix' && lk !== 'regex' && lv.startsWith(ev)) {
          const hint = j === matches.length - 1
            ? `narrow ${earlier.label}'s match or remove it: the canary route always comes after the pass-through routes`
            : `move ${later.label} before ${earlier.label}, or narrow ${earlier.label}'s match`;
          at(later.path, `${later.label} is never reached: ${earlier.label} (prefix '${ev}') matches every request it would`, hint, l ? lv : undefined);
          return;
        }
      }
    });
    const names = new Map<string, number>();
    routes.forEach((r, i) => {
      if (r.name !== undefined) {
        const first = names.get(r.name);
        if (first !== undefined) at(['router', 'routes', i, 'name'], `duplicate route name '${r.name}' (also routes[${first}])`, 'give every route a unique name', r.name);
        else names.set(r.name, i);
      }
      const d = r.destination;
      if (d.subset === undefined && own.has(d.host)) {
        at(['router', 'routes', i, 'destination', 'host'], `a pass-through route to this release's own Service without a subset reaches canary pods by replica count, whatever the weight`,
          `add subset: ${p.subsets.stable}`, d.host);
      }
      if (d.subset !== undefined && own.has(d.host)) {
        if (d.subset === p.subsets.canary) {
          at(['router', 'routes', i, 'destination', 'subset'], `pass-through routes never change with the canary's state, so they cannot send to the canary subset '${d.subset}'`,
            'use router.header for a route to the canary (testers), or remove subset', d.subset);
        } else if (d.subset !== p.subsets.stable) {
          at(['router', 'routes', i, 'destination', 'subset'], `unknown subset '${d.subset}': the DestinationRule of ${d.host} declares ${p.subsets.stable} and ${p.subsets.canary}`,
            `use subset: ${p.subsets.stable}, or remove subset`, d.subset);
        }
      }
      if (r.rewrite !== undefined && r.match.prefix === undefined) {
        at(['router', 'routes', i, 'rewrite'], 'rewrite replaces the matched prefix, but this route matches by ' + matchOf(r.match)[0], 'match by prefix, or remove rewrite', r.rewrite);
      }
    });
  }
}

type Reporter = (path: (string | number)[], message: string, hint: string, value?: unknown) => void;

function istioOptions(m: ReleaseModel): IstioRouterOptions {
  if (m.router.type !== 'istio') throw new Error(`internal: release ${m.name} does not use the istio router (router.type ${m.router.type})`);
  return m.router as IstioRouterOptions;
}

function uriMatch(u: IstioUriMatch): { prefix?: string; exact?: string; regex?: string } {
  const [k, v] = matchOf(u);
  return { [k]: v };
}

function matchOf(u: IstioUriMatch): ['prefix' | 'exact' | 'regex', string] {
  if (u.prefix !== undefined) return ['prefix', u.prefix];
  if (u.exact !== undefined) return ['exact', u.exact];
  if (u.regex !== undefined) return ['regex', u.regex];
  throw new Error('internal: a URI match has one of prefix, exact, regex (the schema says so)');
}

function gatewayServer(s: IstioGatewayServer): GatewaySpecServers {
  return {
    port: { number: s.port.number, name: s.port.name ?? s.port.protocol.toLowerCase(), protocol: s.port.protocol },
    hosts: [...s.hosts],
    ...(s.tlsCredentialName ? { tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: s.tlsCredentialName } } : {}),
  };
}

/** Names by which a route destination can denote the release's own Service. */
function ownHosts(m: ReleaseModel): Set<string> {
  const svc = m.workload.sharedServiceName;
  const ns = m.namespaces.production;
  return new Set([svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`]);
}

/** Why a pattern does not compile, or undefined. Istio uses RE2; this catches syntax errors only. */
function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, '');
  }
}
