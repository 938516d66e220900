/**
 * Effective traffic, computed from synthesized manifests (never from the spec): for every entry
 * point (Ingress host/path with its ingress-nginx canary, HTTPRoute rule, Istio VirtualService route
 * behind a Gateway, OpenShift Route), the share of requests each version of each app receives,
 * following calls from one app to the next through URLs in env vars and ConfigMaps (S3: F's canary
 * reads B's canary Route URL from its ConfigMap, so B's canary gets F-canary's share).
 *
 * Model: every request that reaches a workload makes one call to each distinct host it is
 * configured with; a Service spreads requests over the workloads it selects in proportion to their
 * replicas; routers split by weight as their APIs document.
 */
import {
  at, groupOf, identityOf, ingressClassOf, ingressPaths, isCanaryIngress, isRecord, listAt, Located, mapAt, NGINX, ObjectIndex,
  podTemplatePath, refOf, replicasOf, serviceOfHost,
} from '../manifests/objects';

/** Requests reaching one version of one app, as a share of the entry point's requests. */
export interface Flow {
  /** 1 = the entry point's backends; 2 = what hop 1 calls; and so on. */
  readonly hop: number;
  readonly app: string;
  readonly version: string;
  /** Share of the entry point's requests, 0..1. */
  readonly share: number;
  /** `Kind namespace/name` of the workload; absent for an external host or a Service without pods. */
  readonly workload?: string;
  readonly image?: string;
  /** The Service (or external host) the requests go through. */
  readonly service: string;
  readonly subset?: string;
  /** How the requests get there (router object, or the env var / ConfigMap key of the caller). */
  readonly via: string;
  /** The caller, for hop > 1. */
  readonly from?: { readonly app: string; readonly version: string };
  /** `external`: a host not in dist/; `no-pods`: the Service selects no running workload. */
  readonly note?: 'external' | 'no-pods';
}

/** Requests meeting a condition (header, cookie): testers' paths, not user traffic. */
export interface TesterPath {
  readonly condition: string;
  readonly flows: readonly Flow[];
}

/** One way into the system and where its requests go. */
export interface EntryTraffic {
  /** Stable key across revisions: kind, namespace/name, host and path. */
  readonly id: string;
  /** `Kind namespace/name` of the object that defines the entry point. */
  readonly entry: string;
  readonly release: string;
  readonly file: string;
  readonly host: string;
  readonly path: string;
  /** Every object that shapes the split (canary Ingress, DestinationRule, ...), entry first. */
  readonly objects: readonly string[];
  readonly flows: readonly Flow[];
  readonly testers: readonly TesterPath[];
  readonly notes: readonly string[];
}

export interface TrafficReport {
  readonly entries: readonly EntryTraffic[];
}

/** A weighted backend of a router, before it is expanded to workloads. */
interface Backend {
  readonly namespace: string;
  readonly name: string;
  readonly subset?: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  /** Share of the entry's requests (0..1). */
  readonly share: number;
  /** The router object that sends requests here. */
  readonly via: string;
  /** A host outside dist/ (kept as written). */
  readonly externalHost?: string;
}

interface Split {
  readonly backends: readonly Backend[];
  readonly objects: readonly string[];
  readonly notes: readonly string[];
}

const MAX_HOPS = 8;

/** Computes the traffic of every entry point found in a set of objects. */
export function computeTraffic(objects: readonly Located[]): TrafficReport {
  const t = new TrafficModel(objects);
  return { entries: t.entries() };
}

/** Entries of one release or group: defined in its folder, labelled part-of it, or reaching its workloads. */
export function entriesOf(report: TrafficReport, name: string, objects: readonly Located[]): EntryTraffic[] {
  const owned = new Set(objects.filter((o) => o.release === name || o.obj.metadata.labels?.['app.kubernetes.io/part-of'] === name).map((o) => refOf(o.obj)));
  return report.entries.filter((e) => e.release === name || e.objects.some((o) => owned.has(o)) || [...e.flows, ...e.testers.flatMap((x) => x.flows)].some((f) => f.workload && owned.has(f.workload)));
}

/** Share per app and version over all hops, in order of first appearance. */
export function summarize(flows: readonly Flow[]): { app: string; versions: { version: string; share: number }[] }[] {
  const apps = new Map<string, Map<string, number>>();
  for (const f of flows) {
    const a = apps.get(f.app) ?? new Map<string, number>();
    a.set(f.version, (a.get(f.version) ?? 0) + f.share);
    apps.set(f.app, a);
  }
  return [...apps].map(([app, v]) => ({ app, versions: [...v].map(([version, share]) => ({ version, share: round(share) })) }));
}

/** A share as a percentage: `75%`, `0.5%`, `33.33%`. */
export function pct(share: number): string {
  return `${Math.round(share * 10000) / 100}%`;
}

/** `guestbook v0 75% / v1 25%; redis 7.2 100%`. */
export function summaryLine(flows: readonly Flow[]): string {
  return summarize(flows).map((a) => `${a.app} ${a.versions.map((v) => `${v.version} ${pct(v.share)}`).join(' / ')}`).join('; ') || 'no backends';
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

class TrafficModel {
  private readonly ix: ObjectIndex;
  private readonly byRef = new Map<string, Located>();

  constructor(objects: readonly Located[]) {
    this.ix = new ObjectIndex(objects);
    for (const o of objects) this.byRef.set(refOf(o.obj), o);
  }

  public entries(): EntryTraffic[] {
    const out: EntryTraffic[] = [];
    out.push(...this.ingressEntries());
    out.push(...this.httpRouteEntries());
    out.push(...this.virtualServiceEntries());
    out.push(...this.openshiftRouteEntries());
    return out;
  }

  // -------------------------------------------------------------------------------- routers

  /** ingress-nginx: each production Ingress path, with the canary Ingress of the same class/host/path. */
  private ingressEntries(): EntryTraffic[] {
    const out: EntryTraffic[] = [];
    const ingresses = this.ix.ofKind('Ingress');
    const canaries = ingresses.filter((i) => isCanaryIngress(i.obj));
    for (const ing of ingresses.filter((i) => !isCanaryIngress(i.obj))) {
      for (const p of ingressPaths(ing.obj)) {
        const split = this.nginxSplit(ing, p.host, p.path, canaries);
        out.push(this.entry(ing, p.host, p.path, split.split, split.testers));
      }
    }
    return out;
  }

  private nginxSplit(ing: Located, host: string, path: string, canaries: readonly Located[]): { split: Split; testers: { condition: string; split: Split }[] } {
    const ns = ing.obj.metadata.namespace ?? '';
    const prod = ingressPaths(ing.obj).find((q) => q.host === host && q.path === path);
    const cls = ingressClassOf(ing.obj);
    const canary = canaries.find((c) => ingressClassOf(c.obj) === cls && ingressPaths(c.obj).some((q) => q.host === host && q.path === path));
    const prodBackend = (share: number): Backend[] => prod?.service ? [{ namespace: ns, name: prod.service.name, share, via: refOf(ing.obj) }] : [];
    if (!canary) return { split: { backends: prodBackend(1), objects: [refOf(ing.obj)], notes: [] }, testers: [] };
    const a = canary.obj.metadata.annotations ?? {};
    const cPath = ingressPaths(canary.obj).find((q) => q.host === host && q.path === path);
    const cNs = canary.obj.metadata.namespace ?? '';
    const total = parseInt(a[`${NGINX}canary-weight-total`] ?? '100', 10) || 100;
    const weight = Math.max(0, Math.min(total, parseInt(a[`${NGINX}canary-weight`] ?? '0', 10) || 0));
    const canaryBackend = (share: number): Backend[] => cPath?.service ? [{ namespace: cNs, name: cPath.service.name, share, via: `canary ${refOf(canary.obj)}` }] : [];
    const objects = [refOf(ing.obj), refOf(canary.obj)];
    const notes = [`canary ${refOf(canary.obj)}: canary-weight ${weight} of ${total}`];
    const split: Split = { backends: [...prodBackend((total - weight) / total), ...canaryBackend(weight / total)], objects, notes };
    const testers: { condition: string; split: Split }[] = [];
    const toCanary: Split = { backends: canaryBackend(1), objects, notes: [] };
    const header = a[`${NGINX}canary-by-header`];
    if (header) {
      const value = a[`${NGINX}canary-by-header-value`];
      const pattern = a[`${NGINX}canary-by-header-pattern`];
      testers.push({ condition: value ? `header ${header}: ${value}` : pattern ? `header ${header} matching /${pattern}/` : `header ${header}: always`, split: toCanary });
      if (!value && !pattern) testers.push({ condition: `header ${header}: never`, split: { backends: prodBackend(1), objects, notes: [] } });
    }
    const cookie = a[`${NGINX}canary-by-cookie`];
    if (cookie) {
      testers.push({ condition: `cookie ${cookie}=always`, split: toCanary });
      testers.push({ condition: `cookie ${cookie}=never`, split: { backends: prodBackend(1), objects, notes: [] } });
    }
    return { split, testers };
  }

  /** Gateway API: each HTTPRoute rule match; matches with headers, query params or a method are tester paths. */
  private httpRouteEntries(): EntryTraffic[] {
    const out: EntryTraffic[] = [];
    for (const hr of this.ix.ofKind('HTTPRoute').filter((h) => groupOf(h.obj) === 'gateway.networking.k8s.io')) {
      const host = listAt(hr.obj, 'spec', 'hostnames').map(String).join(',') || '*';
      const plain = new Map<string, Split>();
      const conditional: { path: string; condition: string; split: Split }[] = [];
      for (const rule of listAt(hr.obj, 'spec', 'rules')) {
        const split = this.httpRouteSplit(hr, rule);
        const matches = listAt(rule, 'matches');
        for (const m of matches.length ? matches : [{}]) {
          const path = pathMatchText(at(m, 'path', 'type') as string | undefined, at(m, 'path', 'value') as string | undefined);
          const conds = [
            ...listAt(m, 'headers').map((h) => `header ${at(h, 'name')}${at(h, 'type') === 'RegularExpression' ? ` matching /${at(h, 'value')}/` : `: ${at(h, 'value')}`}`),
            ...listAt(m, 'queryParams').map((q) => `query ${at(q, 'name')}=${at(q, 'value')}`),
            ...(typeof at(m, 'method') === 'string' ? [`method ${at(m, 'method')}`] : []),
          ];
          if (conds.length) conditional.push({ path, condition: conds.join(' and '), split });
          else if (!plain.has(path)) plain.set(path, split);
        }
      }
      const paths = [...new Set([...plain.keys(), ...conditional.map((c) => c.path)])];
      for (const path of paths) {
        const split = plain.get(path) ?? { backends: [], objects: [refOf(hr.obj)], notes: ['only requests meeting a tester condition match this path'] };
        out.push(this.entry(hr, host, path, split, conditional.filter((c) => c.path === path)));
      }
    }
    return out;
  }

  private httpRouteSplit(hr: Located, rule: unknown): Split {
    const ns = hr.obj.metadata.namespace ?? '';
    const refs = listAt(rule, 'backendRefs').filter((b) => ((at(b, 'kind') as string | undefined) ?? 'Service') === 'Service' && ((at(b, 'group') as string | undefined) ?? '') === '');
    const weights = refs.map((b) => (typeof at(b, 'weight') === 'number' ? at(b, 'weight') as number : 1));
    const sum = weights.reduce((a, b) => a + b, 0);
    const notes: string[] = [];
    if (refs.length && sum === 0) notes.push(`${refOf(hr.obj)}: every backend has weight 0, so the Gateway answers 500`);
    const backends = refs.map((b, i) => ({ namespace: (at(b, 'namespace') as string | undefined) ?? ns, name: String(at(b, 'name')), share: sum ? weights[i] / sum : 0, via: refOf(hr.obj) }));
    const objects = [refOf(hr.obj), ...backends.filter((b) => b.namespace !== ns).flatMap((b) => this.ix.ofKind('ReferenceGrant', b.namespace).map((g) => refOf(g.obj)))];
    return { backends, objects: [...new Set(objects)], notes };
  }

  /** Istio: VirtualServices bound to a Gateway other than `mesh`; HTTP routes in order, first match wins. */
  private virtualServiceEntries(): EntryTraffic[] {
    const out: EntryTraffic[] = [];
    for (const vs of this.ix.ofKind('VirtualService').filter((v) => groupOf(v.obj) === 'networking.istio.io')) {
      const gateways = listAt(vs.obj, 'spec', 'gateways').map(String);
      if (!gateways.some((g) => g !== 'mesh')) continue;
      const host = listAt(vs.obj, 'spec', 'hosts').map(String).join(',') || '*';
      const ns = vs.obj.metadata.namespace ?? '';
      const gwObjects = gateways.filter((g) => g !== 'mesh').map((g) => {
        const [gns, gname] = g.includes('/') ? g.split('/') : [ns, g];
        const found = this.ix.find('Gateway', gns, gname);
        return found ? refOf(found.obj) : `Gateway ${gns}/${gname}`;
      });
      const byPath = new Map<string, { split?: Split; testers: { condition: string; split: Split }[]; notes: string[] }>();
      const unconditional: string[] = [];
      listAt(vs.obj, 'spec', 'http').forEach((h, i) => {
        const matches = listAt(h, 'match');
        const split = this.istioSplit(vs, h, i, gwObjects);
        for (const m of matches.length ? matches : [{}]) {
          const path = istioPathText(at(m, 'uri'));
          const conds = [
            ...Object.entries(isRecord(at(m, 'headers')) ? at(m, 'headers') as Record<string, unknown> : {}).map(([k, v]) => `header ${k}${isRecord(v) && typeof v.regex === 'string' ? ` matching /${v.regex}/` : isRecord(v) && typeof v.prefix === 'string' ? ` starting with ${v.prefix}` : isRecord(v) ? `: ${v.exact}` : ''}`),
            ...Object.entries(isRecord(at(m, 'queryParams')) ? at(m, 'queryParams') as Record<string, unknown> : {}).map(([k, v]) => `query ${k}=${isRecord(v) ? v.exact ?? v.regex ?? v.prefix : ''}`),
            ...(isRecord(at(m, 'method')) ? [`method ${(at(m, 'method') as Record<string, unknown>).exact}`] : []),
            ...(typeof at(m, 'port') === 'number' ? [`port ${at(m, 'port')}`] : []),
          ];
          const e = byPath.get(path) ?? { testers: [], notes: [] };
          byPath.set(path, e);
          const shadow = unconditional.find((u) => shadows(u, path));
          if (shadow !== undefined) {
            e.notes.push(`${refOf(vs.obj)} http[${i}] (${conds.length ? conds.join(' and ') : path}) is never reached: an earlier route already takes every request for ${shadow}`);
            continue;
          }
          if (conds.length) e.testers.push({ condition: conds.join(' and '), split });
          else { e.split = split; unconditional.push(path); }
        }
      });
      for (const [path, e] of byPath) {
        const split = e.split ?? { backends: [], objects: [refOf(vs.obj), ...gwObjects], notes: e.testers.length ? ['only requests meeting a tester condition match this path'] : [] };
        out.push(this.entry(vs, host, path, { ...split, notes: [...split.notes, ...e.notes] }, e.testers));
      }
    }
    return out;
  }

  private istioSplit(vs: Located, h: unknown, i: number, extraObjects: readonly string[]): Split {
    const ns = vs.obj.metadata.namespace ?? '';
    const route = listAt(h, 'route');
    const weights = route.map((r) => (route.length === 1 ? 1 : Number(at(r, 'weight') ?? 0)));
    const sum = weights.reduce((a, b) => a + b, 0);
    const notes: string[] = [];
    const objects = new Set<string>([refOf(vs.obj), ...extraObjects]);
    if (route.length > 1 && sum === 0) notes.push(`${refOf(vs.obj)} http[${i}]: every destination has weight 0`);
    const backends: Backend[] = route.map((r, j) => {
      const d = this.istioDestination(at(r, 'destination'), ns, objects);
      return { ...d, share: sum ? weights[j] / sum : 0, via: refOf(vs.obj) };
    });
    const mirror = at(h, 'mirror');
    if (isRecord(mirror)) {
      const p = at(h, 'mirrorPercentage', 'value');
      const share = typeof p === 'number' ? p : 100;
      notes.push(`mirrors ${share}% of these requests to ${mirror.host}${mirror.subset ? ` subset ${mirror.subset}` : ''} (copies; responses are discarded)`);
    }
    if (at(h, 'redirect') !== undefined) notes.push(`${refOf(vs.obj)} http[${i}] redirects instead of routing`);
    if (at(h, 'directResponse') !== undefined) notes.push(`${refOf(vs.obj)} http[${i}] answers directly instead of routing`);
    return { backends, objects: [...objects], notes };
  }

  private istioDestination(d: unknown, ns: string, objects: Set<string>): Omit<Backend, 'share' | 'via'> {
    const host = String(at(d, 'host') ?? '');
    const svc = serviceOfHost(host, ns);
    const subsetName = at(d, 'subset');
    if (!svc || !this.ix.service(svc.namespace, svc.name)) {
      return { namespace: svc?.namespace ?? '', name: svc?.name ?? host, externalHost: host, ...(typeof subsetName === 'string' ? { subset: { name: subsetName, labels: {} } } : {}) };
    }
    if (typeof subsetName !== 'string') return { namespace: svc.namespace, name: svc.name };
    const dr = this.ix.ofKind('DestinationRule').find((x) => {
      const s = serviceOfHost(String(at(x.obj, 'spec', 'host') ?? ''), x.obj.metadata.namespace ?? '');
      return s?.namespace === svc.namespace && s.name === svc.name && listAt(x.obj, 'spec', 'subsets').some((ss) => at(ss, 'name') === subsetName);
    });
    if (dr) objects.add(refOf(dr.obj));
    const subset = dr ? listAt(dr.obj, 'spec', 'subsets').find((ss) => at(ss, 'name') === subsetName) : undefined;
    return { namespace: svc.namespace, name: svc.name, subset: { name: subsetName, labels: subset ? mapAt(subset, 'labels') : { '(undefined subset)': subsetName } } };
  }

  /** OpenShift Route: `to` plus `alternateBackends`, weights 0..256 (default 100), share = weight / sum. */
  private openshiftRouteEntries(): EntryTraffic[] {
    const out: EntryTraffic[] = [];
    for (const rt of this.ix.ofKind('Route').filter((r) => groupOf(r.obj) === 'route.openshift.io')) {
      const host = typeof at(rt.obj, 'spec', 'host') === 'string' ? String(at(rt.obj, 'spec', 'host')) : '*';
      const path = typeof at(rt.obj, 'spec', 'path') === 'string' ? String(at(rt.obj, 'spec', 'path')) : '/';
      out.push(this.entry(rt, host, path, this.routeSplit(rt), []));
    }
    return out;
  }

  private routeSplit(rt: Located): Split {
    const ns = rt.obj.metadata.namespace ?? '';
    const targets = [at(rt.obj, 'spec', 'to'), ...listAt(rt.obj, 'spec', 'alternateBackends')].filter((b): b is Record<string, unknown> => isRecord(b) && typeof b.name === 'string');
    const weights = targets.map((b) => (typeof b.weight === 'number' ? b.weight : 100));
    const sum = weights.reduce((a, b) => a + b, 0);
    const notes = targets.length && sum === 0 ? [`${refOf(rt.obj)}: every backend has weight 0, so the router answers 503`] : [];
    return { backends: targets.map((b, i) => ({ namespace: ns, name: String(b.name), share: sum ? weights[i] / sum : 0, via: refOf(rt.obj) })), objects: [refOf(rt.obj)], notes };
  }

  // -------------------------------------------------------------------------------- expansion

  private entry(obj: Located, host: string, path: string, split: Split, testers: readonly { condition: string; split: Split }[]): EntryTraffic {
    const notes = [...split.notes];
    const flows = this.expand(split.backends, 1, new Set(), notes);
    const objects = new Set(split.objects);
    const testerPaths = testers.map((t) => {
      for (const o of t.split.objects) objects.add(o);
      return { condition: t.condition, flows: this.expand(t.split.backends, 1, new Set(), []) };
    });
    return {
      id: `${refOf(obj.obj)} ${host}${path}`,
      entry: refOf(obj.obj), release: obj.release, file: obj.file, host, path,
      objects: [...objects], flows, testers: testerPaths, notes: [...new Set(notes)],
    };
  }

  /** Backends -> workloads -> versions, then what those workloads call. */
  private expand(backends: readonly Backend[], hop: number, seen: ReadonlySet<string>, notes: string[], from?: Flow): Flow[] {
    const out: Flow[] = [];
    for (const b of backends) {
      const base = { hop, via: b.via, ...(b.subset ? { subset: b.subset.name } : {}), ...(from ? { from: { app: from.app, version: from.version } } : {}) };
      if (b.externalHost !== undefined || !this.ix.service(b.namespace, b.name)) {
        const name = b.externalHost ?? `${b.namespace}/${b.name}`;
        out.push({ ...base, app: b.externalHost ?? b.name, version: 'external', share: b.share, service: name, note: 'external' });
        continue;
      }
      const svc = this.ix.service(b.namespace, b.name)!;
      const workloads = this.ix.selectedWorkloads(svc.obj, b.subset?.labels ?? {});
      const replicas = workloads.map((w) => replicasOf(w.obj));
      const total = replicas.reduce((a, r) => a + r, 0);
      if (!workloads.length || total === 0) {
        if (hop > 1 && b.share === 0) continue;
        out.push({ ...base, app: b.name, version: '(no pods)', share: b.share, service: refOf(svc.obj), note: 'no-pods' });
        if (b.share > 0) notes.push(`${pct(b.share)} of requests fail: ${refOf(svc.obj)}${b.subset ? ` subset ${b.subset.name}` : ''} has no pods`);
        continue;
      }
      if (workloads.length > 1) notes.push(`${refOf(svc.obj)}${b.subset ? ` subset ${b.subset.name}` : ''} spreads requests over ${workloads.map((w, i) => `${refOf(w.obj)} (${replicas[i]} replicas)`).join(' and ')} by replica count`);
      workloads.forEach((w, i) => {
        const v = this.ix.versionOf(w.obj);
        const flow: Flow = { ...base, app: v.app, version: v.version, share: b.share * replicas[i] / total, workload: refOf(w.obj), ...(v.image ? { image: v.image } : {}), service: refOf(svc.obj) };
        // a backend attached at weight 0 is shown at the entry point; further down it carries nothing
        if (hop > 1 && flow.share === 0) return;
        out.push(flow);
        const id = identityOf(w.obj);
        if (seen.has(id) || hop >= MAX_HOPS || flow.share === 0) return;
        const next = new Set(seen).add(id);
        for (const call of this.callsOf(w)) {
          const split = this.resolve(call.host, call.path, w.obj.metadata.namespace ?? '');
          if (!split) continue;
          const calls = split.backends.map((x) => ({ ...x, share: x.share * flow.share, via: `${v.app} ${v.version} ${call.via} -> ${x.via}` }));
          out.push(...this.expand(calls, hop + 1, next, notes, flow));
        }
      });
    }
    return out;
  }

  /** Distinct hosts a workload is configured to call: URLs and host names in env values and ConfigMaps. */
  private callsOf(w: Located): { host: string; path: string; via: string }[] {
    const ns = w.obj.metadata.namespace ?? '';
    const found = new Map<string, { host: string; path: string; via: string }>();
    const consider = (value: string, via: string) => {
      const t = targetOf(value);
      if (t && !found.has(`${t.host}${t.path}`)) found.set(`${t.host}${t.path}`, { ...t, via });
    };
    const cm = (name: string) => this.ix.find('ConfigMap', ns, name);
    for (const c of listAt(at(w.obj, ...(podTemplatePath(w.obj) ?? []), 'spec'), 'containers')) {
      for (const e of listAt(c, 'env')) {
        if (typeof at(e, 'value') === 'string') consider(String(at(e, 'value')), `env ${at(e, 'name')}`);
        const ref = at(e, 'valueFrom', 'configMapKeyRef');
        if (isRecord(ref) && typeof ref.name === 'string') {
          const m = cm(ref.name);
          const v = m ? mapAt(m.obj, 'data')[String(ref.key)] : undefined;
          if (v !== undefined) consider(v, `${refOf(m!.obj)} ${ref.key}`);
        }
      }
      for (const e of listAt(c, 'envFrom')) {
        const name = at(e, 'configMapRef', 'name');
        const m = typeof name === 'string' ? cm(name) : undefined;
        if (m) for (const [k, v] of Object.entries(mapAt(m.obj, 'data')).sort(([a], [b]) => (a < b ? -1 : 1))) consider(v, `${refOf(m.obj)} ${k}`);
      }
    }
    return [...found.values()];
  }

  /** Where a call to a host goes: a Route, an Ingress, an HTTPRoute or Gateway-bound VirtualService, a mesh VirtualService, or a Service. */
  private resolve(host: string, path: string, fromNs: string): Split | undefined {
    const longest = <T extends { p: string }>(xs: T[]): T | undefined => xs.filter((x) => path.startsWith(x.p)).sort((a, b) => b.p.length - a.p.length)[0];
    const routes = this.ix.ofKind('Route').filter((r) => groupOf(r.obj) === 'route.openshift.io' && at(r.obj, 'spec', 'host') === host)
      .map((r) => ({ r, p: typeof at(r.obj, 'spec', 'path') === 'string' ? String(at(r.obj, 'spec', 'path')) : '/' }));
    const route = longest(routes);
    if (route) return this.routeSplit(route.r);
    const ingresses = this.ix.ofKind('Ingress').filter((i) => !isCanaryIngress(i.obj))
      .flatMap((i) => ingressPaths(i.obj).filter((q) => q.host === host).map((q) => ({ i, p: q.path })));
    const ing = longest(ingresses);
    if (ing) return this.nginxSplit(ing.i, host, ing.p, this.ix.ofKind('Ingress').filter((i) => isCanaryIngress(i.obj))).split;
    const svc = serviceOfHost(host, fromNs);
    if (svc && this.ix.service(svc.namespace, svc.name)) {
      const mesh = this.ix.ofKind('VirtualService').find((v) => {
        const gws = listAt(v.obj, 'spec', 'gateways').map(String);
        return (!gws.length || gws.includes('mesh')) && listAt(v.obj, 'spec', 'hosts').some((h) => {
          const s = serviceOfHost(String(h), v.obj.metadata.namespace ?? '');
          return s?.namespace === svc.namespace && s.name === svc.name;
        });
      });
      if (mesh) {
        const takes = (m: unknown) => {
          if (at(m, 'headers') !== undefined) return false;
          const p = istioPathText(at(m, 'uri'));
          return p.startsWith('= ') ? p.slice(2) === path : !p.startsWith('~ ') && path.startsWith(p);
        };
        const http = listAt(mesh.obj, 'spec', 'http');
        const i = http.findIndex((x) => !listAt(x, 'match').length || listAt(x, 'match').some(takes));
        if (i >= 0) return this.istioSplit(mesh, http[i], i, []);
      }
      const s = this.ix.service(svc.namespace, svc.name)!;
      return { backends: [{ namespace: svc.namespace, name: svc.name, share: 1, via: refOf(s.obj) }], objects: [refOf(s.obj)], notes: [] };
    }
    return undefined;
  }
}

/** A URL or host name in a config value: `http://host[:port]/path`, or `host.with.dots[:port]`. */
export function targetOf(value: string): { host: string; path: string } | undefined {
  const v = value.trim();
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)(?::\d+)?(\/[^?#]*)?/i.exec(v);
  if (url) return { host: url[1].toLowerCase(), path: url[2] ?? '/' };
  const bare = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(?::\d+)?$/i.exec(v);
  if (bare && !/^\d+(\.\d+)+$/.test(bare[1])) return { host: bare[1].toLowerCase(), path: '/' };
  return undefined;
}

/** Path of a Gateway API match as shown: a prefix as itself, `= /x` for exact, `~ re` for a regex. */
function pathMatchText(type: string | undefined, value: string | undefined): string {
  const v = value ?? '/';
  if (type === 'Exact') return `= ${v}`;
  if (type === 'RegularExpression') return `~ ${v}`;
  return v;
}

/** Path of an Istio URI match, same notation. */
function istioPathText(uri: unknown): string {
  if (!isRecord(uri)) return '/';
  if (typeof uri.prefix === 'string') return uri.prefix;
  if (typeof uri.exact === 'string') return `= ${uri.exact}`;
  if (typeof uri.regex === 'string') return `~ ${uri.regex}`;
  return '/';
}

/** Whether an earlier unconditional Istio route for `earlier` takes every request a later one for `later` would (string prefixes). */
function shadows(earlier: string, later: string): boolean {
  if (earlier === later) return true;
  if (earlier.startsWith('= ') || earlier.startsWith('~ ') || later.startsWith('~ ')) return false;
  return (later.startsWith('= ') ? later.slice(2) : later).startsWith(earlier);
}

/** `host/path`, or `host = /exact`, `* /api`. */
export function entryLabel(e: Pick<EntryTraffic, 'host' | 'path'>): string {
  return e.path.startsWith('/') && e.host !== '*' ? `${e.host}${e.path}` : `${e.host} ${e.path}`;
}

/** Aligns rows of cells into columns (two spaces apart; the last column is not padded). */
export function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

function flowRows(flows: readonly Flow[]): string[][] {
  return flows.map((f) => [String(f.hop), f.app, f.version, pct(f.share), f.workload ?? (f.note === 'external' ? `external ${f.service}` : `${f.service} (no pods)`), f.hop > 1 ? `via ${f.via}` : `${f.service}${f.subset ? ` subset ${f.subset}` : ''}`]);
}

/** The text table `cdk8s-canary traffic` prints. */
export function renderTrafficText(entries: readonly EntryTraffic[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (out.length) out.push('');
    out.push(`${entryLabel(e)}  (${e.objects.join(', ')})`);
    out.push(`  users: ${summaryLine(e.flows)}`);
    out.push(...columns([['HOP', 'APP', 'VERSION', 'SHARE', 'WORKLOAD', 'VIA'], ...flowRows(e.flows)], '  '));
    for (const t of e.testers) out.push(`  tester-only, ${t.condition}: ${summaryLine(t.flows)}`);
    for (const n of e.notes) out.push(`  note: ${n}`);
  }
  return out;
}
