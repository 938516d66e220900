/**
 * Following calls: entry points' backends -> the workloads a Service selects -> their versions, then
 * the hosts those workloads call (URLs and host names in env values and ConfigMaps), hop by hop.
 *
 * Model: every request that reaches a workload makes one call to each distinct host it is
 * configured with; a Service spreads requests over the workloads it selects in proportion to their
 * replicas; routers split by weight as their APIs document (the readers in `entry-points/`).
 */
import { at, identityOf, isRecord, listAt, Located, mapAt, ObjectIndex, podTemplatePath, refOf, replicasOf } from '../../manifests/objects';
import { EntryTraffic, Flow, TrafficReport } from './model';
import { Backend, EntryPoint, Split } from './entry-points/reader';
import { CALL_RESOLVERS, ENTRY_POINT_READERS } from './entry-points/registry';
import { entryPairs, pairNote } from './entry-pairs';
import { pct } from './render';

/** Calls are followed at most this many hops deep (cycles stop earlier). */
const MAX_HOPS = 8;

/** Computes the traffic of every entry point found in a set of objects. */
export function computeTraffic(objects: readonly Located[]): TrafficReport {
  return { entries: new TrafficGraph(objects).entries() };
}

/** Entries of one release or group: defined in its folder, labelled part-of it, or reaching its workloads. */
export function entriesOf(report: TrafficReport, name: string, objects: readonly Located[]): EntryTraffic[] {
  const owned = new Set(objects.filter((o) => o.release === name || o.obj.metadata.labels?.['app.kubernetes.io/part-of'] === name).map((o) => refOf(o.obj)));
  return report.entries.filter((e) => e.release === name || e.objects.some((o) => owned.has(o)) || [...e.flows, ...e.testers.flatMap((x) => x.flows)].some((f) => f.workload && owned.has(f.workload)));
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

class TrafficGraph {
  private readonly ix: ObjectIndex;

  constructor(objects: readonly Located[]) {
    this.ix = new ObjectIndex(objects);
  }

  /**
   * Every entry point, the ones users reach first: an entry point that a workload in dist/ calls
   * (a backend's Route, read from the frontend's ConfigMap) comes after the ones nothing calls, in
   * the readers' order otherwise.
   */
  public entries(): EntryTraffic[] {
    const entries = ENTRY_POINT_READERS.flatMap((r) => r.entryPoints?.(this.ix) ?? []).map((e) => this.entry(e));
    // a release moving off ingress-nginx: its Ingress and its HTTPRoute serve the same host and path
    const notes = new Map<EntryTraffic, string[]>();
    for (const { first, second } of entryPairs(entries)) {
      notes.set(first, [...(notes.get(first) ?? []), pairNote(first, second)]);
      notes.set(second, [...(notes.get(second) ?? []), pairNote(second, first)]);
    }
    const all = entries.map((e) => (notes.has(e) ? { ...e, notes: [...e.notes, ...notes.get(e)!] } : e));
    return [...all.filter((e) => !this.calledHosts.has(e.host)), ...all.filter((e) => this.calledHosts.has(e.host))];
  }

  /** Hosts some workload calls (filled while entries are expanded). */
  private readonly calledHosts = new Set<string>();

  private entry(e: EntryPoint): EntryTraffic {
    const notes = [...e.split.notes];
    const flows = this.expand(e.split.backends, 1, new Set(), notes);
    const objects = new Set(e.split.objects);
    const testerPaths = e.testers.map((t) => {
      for (const o of t.split.objects) objects.add(o);
      return { condition: t.condition, flows: this.expand(t.split.backends, 1, new Set(), []) };
    });
    return {
      id: `${refOf(e.obj.obj)} ${e.host}${e.path}`,
      entry: refOf(e.obj.obj), release: e.obj.release, file: e.obj.file, host: e.host, path: e.path,
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
          this.calledHosts.add(call.host);
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

  /** Where a call to a host goes: the first of `CALL_RESOLVERS` that takes it (a Route, an Ingress, a mesh VirtualService, a Service). */
  private resolve(host: string, path: string, fromNamespace: string): Split | undefined {
    const call = { host, path, fromNamespace };
    for (const r of CALL_RESOLVERS) {
      const split = r.resolveCall?.(this.ix, call);
      if (split) return split;
    }
    return undefined;
  }
}
