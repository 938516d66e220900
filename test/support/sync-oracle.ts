/**
 * An independent oracle for the sync-safety invariants, written apart from the product: it reads the
 * YAML itself, simulates Argo CD and Flux in its own (simpler, sequential) way and computes traffic
 * with its own small router model, for the shapes this project generates (ingress-nginx canary
 * Ingress, HTTPRoute, Istio VirtualService + DestinationRule, OpenShift Route, calls through URLs in
 * ConfigMaps). It imports nothing from lib/ so a bug in lib/review cannot hide in both.
 *
 * Simulation: units from dist/argocd (Application source paths) and dist/flux (Kustomization paths,
 * dependsOn). Argo CD: waves ascending, each wave's objects applied one at a time (in kind order and
 * in the reverse order), health after each wave; prune waves mirrored; PruneLast prunes one wave after
 * the last; Prune=false kept. Flux: units in dependsOn order; objects applied one at a time (both
 * orders); prune right after, one at a time, routes first; health last. A workload whose pod template
 * changes shows its old pods, then old and new; a new one has no ready pod until health.
 *
 * Routes for one host and path: a host and path both ends serve through different routes is checked
 * as users see it (served by the oldest route in every state), and a route shadowed by an older one
 * for its host and path is not checked on its own shares (shadowedIds).
 */
import { parseAllDocuments } from 'yaml';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string> };
type Item = { file: string; o: Obj };
type Pod = { ns: string; labels: Record<string, string>; ready: number; version: string; app: string; canary: boolean; calls: string[] };

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DeploymentConfig']);
const key = (o: Obj) => `${o.apiVersion.split('/').length > 1 ? o.apiVersion.split('/')[0] : ''}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

const parsed = new Map<string, Obj[]>();

function read(tree: ReadonlyMap<string, string>): Item[] {
  const out: Item[] = [];
  for (const [file, text] of tree) {
    if (!file.endsWith('.yaml') || file.endsWith('kustomization.yaml')) continue;
    let objs = parsed.get(text);
    if (!objs) { objs = parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((o) => o && o.kind); parsed.set(text, objs); }
    for (const o of objs) out.push({ file, o });
  }
  return out;
}

// ------------------------------------------------------------------------------- traffic (own model)

function podsOf(state: Map<string, { o: Obj; old?: Obj; phase: 'ready' | 'none' | 'old' | 'mixed' }>): Pod[] {
  const cms = new Map<string, Obj>();
  for (const s of state.values()) if (s.o.kind === 'ConfigMap') cms.set(`${s.o.metadata.namespace}/${s.o.metadata.name}`, s.o);
  const pod = (o: Obj, ready: number): Pod => {
    const t = o.spec?.template ?? {};
    const labels: Record<string, string> = t.metadata?.labels ?? {};
    const c = (t.spec?.containers ?? [])[0] ?? {};
    let tag = String(c.image ?? '').split(':').pop() ?? '?';
    for (const tr of o.spec?.triggers ?? []) { const n = tr.imageChangeParams?.from?.name; if (typeof n === 'string' && n.includes(':')) tag = n.split(':').pop()!; }
    const v = labels.version;
    const version = v && !['canary', 'prod', 'stable'].includes(v) ? v : tag;
    const calls: string[] = [];
    for (const cc of t.spec?.containers ?? []) {
      for (const e of cc.env ?? []) if (typeof e.value === 'string') calls.push(e.value);
      for (const ef of cc.envFrom ?? []) { const cm = cms.get(`${o.metadata.namespace}/${ef.configMapRef?.name}`); if (cm) calls.push(...Object.values(cm.data ?? {})); }
    }
    return { ns: o.metadata.namespace ?? '', labels, ready, version, app: labels.app ?? o.metadata.name, canary: labels['canary.cdk8s.io/track'] === 'canary', calls: calls.filter((x) => /^https?:\/\//.test(x)) };
  };
  const out: Pod[] = [];
  for (const s of state.values()) {
    if (!WORKLOAD_KINDS.has(s.o.kind)) continue;
    const n = s.o.spec?.replicas ?? 1;
    if (s.phase === 'ready') out.push(pod(s.o, n));
    else if (s.phase === 'old' || s.phase === 'mixed') { out.push(pod(s.old!, n)); if (s.phase === 'mixed') out.push(pod(s.o, n)); }
  }
  return out;
}

type Shares = { failing: number; versions: Map<string, number> };

/**
 * Where users send requests, whatever route serves them (its name and namespace aside): the router's
 * front, host and path (`ing class nginx guestbook.example.com/`, `hr gateway-system/public
 * webapp.example.com /`, `route shop.example.com`) -> the routes serving it, oldest first (routers give
 * a tie to the oldest route), with their shares.
 */
type Hosts = Map<string, { id: string; route: string; shares: Shares }[]>;

/**
 * The entry points a user cannot reach in a state: while two routes serve one host and path (behind
 * one front), the older one takes the requests (ingress-nginx, Gateway API and OpenShift give a tie to
 * the oldest route; here: the first in the state, which lists what the cluster had before the commit
 * first and adds new objects at the end) and the newer ones serve nobody, so their own shares are
 * no user's.
 */
function shadowedIds(hosts: Hosts): Set<string> {
  const out = new Set<string>();
  for (const xs of hosts.values()) for (const x of xs.slice(1)) if (x.route !== xs[0].route && x.id !== xs[0].id) out.add(x.id);
  return out;
}

function trafficOf(objs: Obj[], pods: Pod[], hosts?: Hosts): Map<string, Shares> {
  const find = (kind: string, ns: string, name: string) => objs.find((o) => o.kind === kind && (o.metadata.namespace ?? '') === ns && o.metadata.name === name);
  const out = new Map<string, Shares>();
  // weighted backends -> shares, recursively through calls
  const serve = (acc: Shares, ns: string, svc: string, extra: Record<string, string>, share: number, depth: number): void => {
    if (share <= 0) return;
    const s = find('Service', ns, svc);
    if (!s) { acc.failing += share; return; }
    const sel: Record<string, string> = s.spec?.selector ?? {};
    const hit = pods.filter((p) => p.ns === ns && p.ready > 0 && Object.entries({ ...sel, ...extra }).every(([k, v]) => p.labels[k] === v));
    const total = hit.reduce((a, p) => a + p.ready, 0);
    if (!total) { acc.failing += share; return; }
    for (const p of hit) {
      const part = share * p.ready / total;
      const k = `${p.app} ${p.version}`;
      acc.versions.set(k, (acc.versions.get(k) ?? 0) + part);
      if (depth < 3) for (const url of new Set(p.calls)) call(acc, url, part, depth + 1);
    }
  };
  const call = (acc: Shares, url: string, share: number, depth: number) => {
    const host = url.replace(/^https?:\/\//, '').split(/[/:]/)[0];
    const rt = objs.find((o) => o.kind === 'Route' && o.spec?.host === host);
    if (rt) routeSplit(acc, rt, share, depth);
  };
  const routeSplit = (acc: Shares, rt: Obj, share: number, depth: number) => {
    const bs = [rt.spec.to, ...(rt.spec.alternateBackends ?? [])].filter(Boolean);
    const sum = bs.reduce((a: number, b: any) => a + (b.weight ?? 100), 0);
    if (!sum) { acc.failing += share; return; }
    for (const b of bs) serve(acc, rt.metadata.namespace!, b.name, {}, share * (b.weight ?? 100) / sum, depth);
  };
  const entry = (given: string, host?: string, route?: string) => {
    const s = { failing: 0, versions: new Map<string, number>() };
    // an id taken by an older route (Ingress ids are host and path only): this one is another entry
    const id = out.has(given) && route !== undefined ? `${given} @${route}` : given;
    out.set(id, s);
    if (hosts && host !== undefined) hosts.set(host, [...(hosts.get(host) ?? []), { id, route: route ?? id, shares: s }]);
    return s;
  };
  for (const o of objs) {
    const ns = o.metadata.namespace ?? '';
    if (o.kind === 'Ingress' && o.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] !== 'true') {
      for (const r of o.spec?.rules ?? []) for (const p of r.http?.paths ?? []) {
        const acc = entry(`ing ${r.host}${p.path}`, `ing class ${o.spec?.ingressClassName ?? o.metadata.annotations?.['kubernetes.io/ingress.class'] ?? ''} ${r.host}${p.path}`, `${ns}/${o.metadata.name}`);
        const canary = objs.find((c) => c.kind === 'Ingress' && c.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] === 'true'
          && (c.spec?.rules ?? []).some((cr: any) => cr.host === r.host && (cr.http?.paths ?? []).some((cp: any) => cp.path === p.path)));
        const w = canary ? Number(canary.metadata.annotations!['nginx.ingress.kubernetes.io/canary-weight'] ?? 0) / Number(canary.metadata.annotations!['nginx.ingress.kubernetes.io/canary-weight-total'] ?? 100) : 0;
        serve(acc, ns, p.backend.service.name, {}, 1 - w, 1);
        if (canary) {
          const cp = canary.spec.rules.find((cr: any) => cr.host === r.host).http.paths.find((x: any) => x.path === p.path);
          serve(acc, canary.metadata.namespace!, cp.backend.service.name, {}, w, 1);
        }
      }
    } else if (o.kind === 'HTTPRoute') {
      for (const rule of o.spec?.rules ?? []) {
        if ((rule.matches ?? []).some((m: any) => m.headers || m.queryParams)) continue;
        const path = rule.matches?.[0]?.path?.value ?? '/';
        const parents = (o.spec?.parentRefs ?? []).map((p: any) => `${p.namespace ?? ns}/${p.name}`).sort().join(',');
        const acc = entry(`hr ${ns}/${o.metadata.name} ${path}`, `hr ${parents} ${(o.spec?.hostnames ?? []).join(',')} ${path}`, `${ns}/${o.metadata.name}`);
        const refs = rule.backendRefs ?? [];
        const sum = refs.reduce((a: number, b: any) => a + (b.weight ?? 1), 0);
        if (!sum) { acc.failing += 1; continue; }
        for (const b of refs) {
          const bns = b.namespace ?? ns;
          const share = (b.weight ?? 1) / sum;
          const granted = bns === ns || objs.some((g) => g.kind === 'ReferenceGrant' && g.metadata.namespace === bns
            && (g.spec?.from ?? []).some((f: any) => f.kind === 'HTTPRoute' && f.namespace === ns) && (g.spec?.to ?? []).some((t: any) => t.kind === 'Service' && (t.name === undefined || t.name === b.name)));
          if (!granted) { if (share > 0) acc.failing += share; continue; }
          serve(acc, bns, b.name, {}, share, 1);
        }
      }
    } else if (o.kind === 'VirtualService') {
      const http = (o.spec?.http ?? []).filter((h: any) => !(h.match ?? []).some((m: any) => m.headers));
      const last = http[http.length - 1];
      if (!last) continue;
      const acc = entry(`vs ${ns}/${o.metadata.name}`);
      const dests = last.route ?? [];
      const sum = dests.length === 1 ? 1 : dests.reduce((a: number, d: any) => a + (d.weight ?? 0), 0);
      for (const d of dests) {
        const share = dests.length === 1 ? 1 : (d.weight ?? 0) / sum;
        const [svc, sns] = String(d.destination.host).split('.');
        let extra: Record<string, string> = {};
        if (d.destination.subset) {
          const dr = objs.find((x) => x.kind === 'DestinationRule' && String(x.spec?.host).split('.')[0] === svc && (x.spec?.subsets ?? []).some((s: any) => s.name === d.destination.subset));
          if (!dr) { if (share > 0) acc.failing += share; continue; }
          extra = dr.spec.subsets.find((s: any) => s.name === d.destination.subset).labels;
        }
        serve(acc, sns ?? ns, svc, extra, share, 1);
      }
    } else if (o.kind === 'Route' && o.apiVersion.startsWith('route.openshift.io')) {
      routeSplit(entry(`route ${o.spec.host}`, `route ${o.spec.host}${o.spec.path ?? ''}`, `${ns}/${o.metadata.name}`), o, 1, 1);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------- simulation (own)

type Live = { o: Obj; old?: Obj; phase: 'ready' | 'none' | 'old' | 'mixed' };
type Unit = { name: string; prefixes: string[]; deps: string[]; pruneLast: boolean; engine: 'argocd' | 'flux'; deletesObjects: boolean };

function unitsOf(items: Item[], engine: 'argocd' | 'flux'): Unit[] {
  const out: Unit[] = [];
  for (const { file, o } of items) {
    if (engine === 'argocd' && file.startsWith('argocd/') && o.kind === 'Application') {
      const p = String(o.spec?.source?.path ?? '');
      if (p.endsWith('/argocd')) continue;
      const finalizers: string[] = (o.metadata as { finalizers?: string[] }).finalizers ?? [];
      out.push({ engine, name: o.metadata.name, prefixes: [p.replace(/^dist\//, '') + '/'], deps: [], pruneLast: (o.spec?.syncPolicy?.syncOptions ?? []).includes('PruneLast=true'), deletesObjects: finalizers.some((f) => f.split('/')[0] === 'resources-finalizer.argocd.argoproj.io') });
    }
    if (engine === 'flux' && file.startsWith('flux/') && o.kind === 'Kustomization') {
      const p = String(o.spec?.path ?? '').replace(/^\.\/dist\//, '');
      if (p === 'flux') continue;
      const policy = o.spec?.deletionPolicy ?? 'MirrorPrune';
      out.push({ engine, name: o.metadata.name, prefixes: [p + '/'], deps: (o.spec?.dependsOn ?? []).map((d: any) => d.name), pruneLast: false, deletesObjects: policy === 'MirrorPrune' ? o.spec?.prune === true : policy !== 'Orphan' });
    }
  }
  return out;
}

const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
const opts = (o: Obj) => (o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',');
const FLUX_FIRST = ['Namespace', 'ConfigMap', 'Service', 'Deployment', 'StatefulSet'];
const fluxRank = (k: string) => (FLUX_FIRST.includes(k) ? FLUX_FIRST.indexOf(k) : 99);

function put(state: Map<string, Live>, o: Obj): void {
  const k = key(o);
  const cur = state.get(k);
  if (!WORKLOAD_KINDS.has(o.kind)) { state.set(k, { o, phase: 'ready' }); return; }
  if (!cur) { state.set(k, { o, phase: 'none' }); return; }
  const same = JSON.stringify(cur.o.spec?.template) === JSON.stringify(o.spec?.template) && JSON.stringify(cur.o.spec?.triggers) === JSON.stringify(o.spec?.triggers);
  state.set(k, same ? { ...cur, o } : { o, old: cur.old ?? cur.o, phase: cur.phase === 'none' ? 'none' : 'old' });
}

function drop(state: Map<string, Live>, o: Obj): void {
  state.delete(key(o));
  if (o.kind === 'Namespace') for (const [k, l] of [...state]) if (l.o.metadata.namespace === o.metadata.name) state.delete(k);
}

/** Every state (as a snapshot) the oracle's simulation visits for one engine. */
function* simulate(engine: 'argocd' | 'flux', before: Item[], after: Item[]): Generator<Map<string, Live>> {
  const units = unitsOf(after, engine);
  // units that only the old wiring has: their Application or Kustomization is deleted by the commit
  const gone = unitsOf(before, engine).filter((u) => u.deletesObjects && !units.some((x) => x.name === u.name));
  const cluster = (xs: Item[]) => xs.filter((x) => !x.file.startsWith('argocd/') && !x.file.startsWith('flux/') && !x.o.metadata.annotations?.['argocd.argoproj.io/hook']);
  const b = cluster(before);
  const a = cluster(after);
  const own = (u: Unit, xs: Item[]) => xs.filter((x) => u.prefixes.some((p) => x.file.startsWith(p))).map((x) => x.o);
  const order: Unit[] = [];
  const left = units.slice();
  while (left.length) {
    const i = left.findIndex((u) => u.deps.every((d) => order.some((x) => x.name === d) || !left.some((l) => l.name === d)));
    order.push(...left.splice(i < 0 ? 0 : i, 1));
  }
  for (const reverse of [false, true]) {
    const state = new Map<string, Live>(b.map((x) => [key(x.o), { o: x.o, phase: 'ready' as const }]));
    const snap = () => new Map([...state].map(([k, v]) => [k, { ...v }]));
    const health = () => { for (const [k, l] of state) state.set(k, { o: l.o, phase: 'ready' }); };
    const roll = function* () {
      if (![...state.values()].some((l) => l.phase === 'old')) { yield snap(); return; }
      yield snap();
      for (const [k, l] of state) if (l.phase === 'old') state.set(k, { ...l, phase: 'mixed' });
      yield snap();
      for (const [k, l] of state) if (l.phase === 'mixed') state.set(k, { ...l, phase: 'old' });
    };
    // a deleted unit takes its objects with it: Argo CD wave by wave from the highest, keeping
    // Delete=false; Flux in the reverse of its apply order, keeping prune: disabled. Done before the
    // new units in one pass and after them in the other.
    const deletions = function* () {
      for (const u of gone) {
        const objs = own(u, b);
        if (engine === 'argocd') {
          const kept = objs.filter((o) => !opts(o).some((x) => x.trim() === 'Delete=false' || x.trim() === 'Delete=confirm'));
          for (const w of [...new Set(kept.map(wave))].sort((x, y) => y - x)) {
            for (const o of kept.filter((x) => wave(x) === w)) { drop(state, o); yield snap(); }
          }
        } else {
          const doomed = objs.filter((o) => o.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled').sort((x, y) => fluxRank(y.kind) - fluxRank(x.kind));
          for (const o of doomed) { drop(state, o); yield snap(); }
        }
      }
    };
    if (!reverse) yield* deletions();
    for (const u of order) {
      const ob = own(u, b);
      const oa = own(u, a);
      const bk = new Map(ob.map((o) => [key(o), o]));
      const ak = new Map(oa.map((o) => [key(o), o]));
      const applies = oa.filter((o) => JSON.stringify(bk.get(key(o))) !== JSON.stringify(o));
      const prunes = ob.filter((o) => !ak.has(key(o)));
      if (!applies.length && !prunes.length) continue;
      if (engine === 'argocd') {
        const live = prunes.filter((o) => !opts(o).includes('Prune=false'));
        const pw = [...new Set(live.map(wave))].sort((x, y) => x - y);
        const pwave = (o: Obj) => pw[pw.length - 1 - pw.indexOf(wave(o))];
        const last = Math.max(0, ...oa.map(wave), ...live.map(pwave)) + 1;
        const tasks = [...applies.map((o) => ({ o, prune: false, w: wave(o) })), ...live.map((o) => ({ o, prune: true, w: u.pruneLast || opts(o).includes('PruneLast=true') ? last : pwave(o) }))];
        for (const w of [...new Set(tasks.map((t) => t.w))].sort((x, y) => x - y)) {
          const ts = tasks.filter((t) => t.w === w).sort((x, y) => (x.o.kind < y.o.kind ? -1 : 1));
          if (reverse) ts.reverse();
          for (const t of ts) { if (t.prune) drop(state, t.o); else put(state, t.o); yield* roll(); }
          health();
          yield snap();
        }
      } else {
        const ap = applies.slice().sort((x, y) => fluxRank(x.kind) - fluxRank(y.kind) || (x.kind < y.kind ? -1 : 1));
        if (reverse) ap.reverse();
        for (const o of ap) { put(state, o); yield* roll(); }
        const pr = prunes.filter((o) => o.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled')
          .sort((x, y) => fluxRank(y.kind) - fluxRank(x.kind));
        for (const o of pr) { drop(state, o); yield* roll(); }
        health();
        yield snap();
      }
    }
    if (reverse) yield* deletions();
  }
}

export interface OracleViolation { readonly engine: string; readonly entry: string; readonly what: string; readonly before: number; readonly during: number; readonly after: number }

/** The oracle's verdict on one commit: every invariant broken, under each engine whose wiring is in the trees. */
export function oracleCheck(beforeTree: ReadonlyMap<string, string>, afterTree: ReadonlyMap<string, string>): { violations: OracleViolation[]; states: number } {
  const before = read(beforeTree);
  const after = read(afterTree);
  const evalState = (state: Map<string, Live>, hosts?: Hosts) => trafficOf([...state.values()].map((l) => l.o), podsOf(state), hosts);
  const end = (items: Item[], hosts: Hosts) => evalState(new Map(items.filter((x) => !x.file.startsWith('argocd/') && !x.file.startsWith('flux/')).map((x) => [key(x.o), { o: x.o, phase: 'ready' as const }])), hosts);
  const hb: Hosts = new Map();
  const ha: Hosts = new Map();
  const eb = end(before, hb);
  const ea = end(after, ha);
  // a host and path both ends serve through different routes (a route renamed or moved to another
  // namespace): served in every state too, by the oldest route there (the first in the state)
  const handedOver = [...hb].filter(([h, xs]) => ha.has(h) && xs[0].route !== ha.get(h)![0].route);
  const canary = new Set<string>();
  for (const items of [before, after]) for (const p of podsOf(new Map(items.map((x) => [key(x.o), { o: x.o, phase: 'ready' as const }])))) if (p.canary) canary.add(`${p.app} ${p.version}`);
  const violations: OracleViolation[] = [];
  let states = 0;
  for (const engine of ['argocd', 'flux'] as const) {
    for (const state of simulate(engine, before, after)) {
      states++;
      const hosts: Hosts = new Map();
      const now = evalState(state, hosts);
      for (const [h, xs] of handedOver) {
        const limit = Math.max(xs[0].shares.failing, ha.get(h)![0].shares.failing);
        const during = hosts.get(h)?.[0].shares.failing ?? 1;
        if (during > limit + 1e-9) violations.push({ engine, entry: `host ${h}`, what: 'failing', before: xs[0].shares.failing, during, after: ha.get(h)![0].shares.failing });
      }
      // an entry point both ends have that is gone in this state fails every request
      for (const [id, x] of eb) {
        const y = ea.get(id);
        if (y && !now.has(id) && 1 > Math.max(x.failing, y.failing) + 1e-9) violations.push({ engine, entry: id, what: 'failing', before: x.failing, during: 1, after: y.failing });
      }
      const shadowed = shadowedIds(hosts);
      for (const [id, d] of now) {
        if (shadowed.has(id)) continue;
        const x = eb.get(id);
        const y = ea.get(id);
        const fb = x ? x.failing : 1;
        const fa = y ? y.failing : 1;
        if (d.failing > Math.max(fb, fa) + 1e-9) violations.push({ engine, entry: id, what: 'failing', before: fb, during: d.failing, after: fa });
        for (const [v, share] of d.versions) {
          if (!canary.has(v)) continue;
          const vb = x?.versions.get(v) ?? 0;
          const va = y?.versions.get(v) ?? 0;
          if (share > Math.max(vb, va) + 1e-9) violations.push({ engine, entry: id, what: `canary ${v}`, before: vb, during: share, after: va });
        }
      }
    }
  }
  return { violations, states };
}

/** The oracle's shares at the two ends only (for checking the oracle itself against known values). */
export function oracleShares(tree: ReadonlyMap<string, string>): Map<string, Shares> {
  const items = read(tree).filter((x) => !x.file.startsWith('argocd/') && !x.file.startsWith('flux/'));
  const state = new Map(items.map((x) => [key(x.o), { o: x.o, phase: 'ready' as const }]));
  return trafficOf([...state.values()].map((l) => l.o), podsOf(state));
}
