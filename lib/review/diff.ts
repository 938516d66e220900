/**
 * Semantic diff of two dist/ trees, grouped by release: traffic moves (computed by ./traffic from
 * the manifests on both sides), image and version changes, objects added and removed, and every
 * other changed field by object and field path. Pure: trees in, a plain report out.
 */
import { identityOf, isRecord, isWorkload, Located, ObjectIndex, refOf } from '../manifests/objects';
import { objectsOfTree } from '../manifests/tree';
import { pathToString } from '../spec/errors';
import { computeTraffic, entryLabel, EntryTraffic, pct, summarize, summaryLine } from './traffic';
import { clusterViews } from './clusters';
import { checkObjects, engineName, ENGINES, Transient, unitsOf } from './transition';
import { detachmentMessage, detachments } from '../manifests/gateway-refs';
import { namespaceRemovalMessage, namespaceRemovals } from './namespaces';

export type Path = readonly (string | number)[];

/** One changed field; `before`/`after` absent means the field did not exist on that side. */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Changed fields of one object present on both sides. */
export interface ObjectChange {
  /** `Kind namespace/name`. */
  readonly object: string;
  readonly file: string;
  readonly fields: readonly FieldChange[];
}

/** An object present on one side only. */
export interface ObjectPresence {
  readonly object: string;
  readonly file: string;
  /** `app version` for workloads. */
  readonly runs?: string;
  /** What a non-workload object is for, when the tool knows (`smoke checks of workshop` for a checks Job). */
  readonly role?: string;
  /** Set on a removed object no engine deletes (Argo CD `Prune=false`, Flux `prune: disabled`, or a deleted Application or Kustomization that leaves its objects): why it stays in the cluster. */
  readonly kept?: string;
}

/** How the shares of one entry point move. */
export interface TrafficMove {
  /** Entry point id (`Kind ns/name host/path`). */
  readonly entry: string;
  readonly object: string;
  readonly host: string;
  readonly path: string;
  readonly apps: readonly { readonly app: string; readonly versions: readonly { readonly version: string; readonly before: number; readonly after: number }[] }[];
  /** `guestbook v0 75% / v1 25% -> 0% / 100%` (`new entry point: ...` / `entry point removed`). */
  readonly text: string;
}

/** A tester-only path (`header X-Canary: always -> guestbook v1 100%`) that appears or disappears at an entry point. */
export interface TesterChange {
  readonly change: 'added' | 'removed';
  /** `host/path` of the entry point. */
  readonly entry: string;
  readonly path: string;
}

export interface ReleaseDiff {
  readonly release: string;
  /**
   * A release with `fleet:`: the clusters this section is about (clusters whose change is the same
   * share one section; file paths then read `<release>/<cluster>/...` for several). @default - every
   * cluster (a release without a fleet)
   */
  readonly clusters?: readonly string[];
  readonly traffic: readonly TrafficMove[];
  /** Tester-only paths (header, cookie) that appear or disappear. */
  readonly testers: readonly TesterChange[];
  /** The fields behind the traffic moves: weights, and the tester rules (header/cookie matches) added or removed. */
  readonly weightFields: readonly ObjectChange[];
  /** Image and version-label changes, one entry per object; `summary` like `v0 -> v1` for workloads. */
  readonly versions: readonly (ObjectChange & { readonly summary?: string })[];
  readonly added: readonly ObjectPresence[];
  readonly removed: readonly ObjectPresence[];
  /** Every other changed field. */
  readonly changed: readonly ObjectChange[];
  /**
   * While Argo CD or Flux apply the change (lib/review/transition.ts): one line per entry point and
   * app version whose share goes outside both ends during the sync, e.g. `guestbook.example.com/
   * (Ingress ns-prod/guestbook-ingress), during sync (Argo CD): guestbook v0 up to 100% (before 75%, after 0%)`.
   */
  readonly duringSync: readonly string[];
  /** Invariants the sync would break (failing requests, canary share above both ends); empty when safe. */
  readonly unsafe: readonly string[];
  /**
   * The other refusals `validate` and the moves make of this change (lib/review/transition-gate.ts),
   * as they print them: this release's routes that go dark after the sync (`dark after sync: ...`, a
   * Gateway they bind to gone or no longer admitting them, though the release may not change), and a
   * Namespace this release stops generating while others still live in it.
   */
  readonly refused: readonly string[];
}

/**
 * Diffs two dist trees (relative path -> YAML). Releases with no change are left out. A release with
 * `fleet:` is diffed cluster by cluster (./clusters.ts), one section per group of clusters whose
 * change is the same.
 */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, distLabel = 'dist'): ReleaseDiff[] {
  const a = objectsOfTree(before, { includeKustomizations: true }).objects;
  const b = objectsOfTree(after, { includeKustomizations: true }).objects;
  const [va, vb] = clusterViews(a, b);
  if (va.length === 1) return diffObjects(a, b, distLabel);
  const out: ReleaseDiff[] = [];
  const groups = new Map<string, { diff: ReleaseDiff; clusters: string[]; origin: (f: string) => string }>();
  va.forEach((v, i) => {
    for (const d of diffObjects([...v.objects], [...vb[i].objects], distLabel, v.origin, vb[i].origin)) {
      if (v.cluster === undefined) { out.push(d); continue; }
      if (d.release === 'argocd' || d.release === 'flux') continue; // the wiring is reported once, in the shared view
      const key = `${d.release}\0${JSON.stringify(d)}`;
      const g = groups.get(key) ?? { diff: d, clusters: [], origin: v.origin };
      g.clusters.push(v.cluster);
      groups.set(key, g);
    }
  });
  for (const g of groups.values()) {
    const file = (f: string) => (g.clusters.length === 1 ? g.origin(f) : g.origin(f).replace(`/${g.clusters[0]}/`, '/<cluster>/'));
    const files = <T extends { file: string }>(xs: readonly T[]) => xs.map((x) => ({ ...x, file: file(x.file) }));
    const d = g.diff;
    out.push({ ...d, clusters: g.clusters, weightFields: files(d.weightFields), versions: files(d.versions), added: files(d.added), removed: files(d.removed), changed: files(d.changed) });
  }
  return out.sort((p, q) => (p.release < q.release ? -1 : p.release > q.release ? 1 : (p.clusters?.[0] ?? '') < (q.clusters?.[0] ?? '') ? -1 : 1));
}

/**
 * Diffs two sets of objects of one cluster (or of every cluster, without fleets): see diffTrees.
 * `originA`/`originB` map a view's file to the tree's, for the refusals' messages.
 */
function diffObjects(a: Located[], b: Located[], distLabel: string, originA: (f: string) => string = (f) => f, originB: (f: string) => string = originA): ReleaseDiff[] {
  const key = (l: Located) => (isKustomizeFile(l) ? `kustomization:${l.file}` : identityOf(l.obj));
  const am = new Map(a.map((l) => [key(l), l]));
  const bm = new Map(b.map((l) => [key(l), l]));
  const cluster = (xs: Located[]) => xs.filter((l) => !isKustomizeFile(l));
  const ia = new ObjectIndex(cluster(a));
  const ib = new ObjectIndex(cluster(b));
  const ta = computeTraffic(cluster(a)).entries;
  const tb = computeTraffic(cluster(b)).entries;

  const releases = new Map<string, { traffic: TrafficMove[]; testers: TesterChange[]; weightFields: ObjectChange[]; versions: (ObjectChange & { summary?: string })[]; added: ObjectPresence[]; removed: ObjectPresence[]; changed: ObjectChange[]; duringSync: string[]; unsafe: string[]; refused: string[] }>();
  const rel = (name: string) => {
    let r = releases.get(name);
    if (!r) { r = { traffic: [], testers: [], weightFields: [], versions: [], added: [], removed: [], changed: [], duringSync: [], unsafe: [], refused: [] }; releases.set(name, r); }
    return r;
  };

  for (const [k, l] of bm) {
    const old = am.get(k);
    if (!old) {
      if (!isKustomizeFile(l)) rel(l.release).added.push(presence(l, ib));
      continue;
    }
    const fields = diffValues(old.obj, l.obj, []).filter((f) => !(isKustomizeFile(l) && f.path.startsWith('resources')));
    if (!fields.length) continue;
    const r = rel(l.release);
    const routing = (f: FieldChange) => isWeightField(f.path) || isTesterRuleField(f);
    const weight = fields.filter(routing);
    const version = fields.filter((f) => !routing(f) && isVersionField(f.path, l.obj.kind));
    const other = fields.filter((f) => !routing(f) && !isVersionField(f.path, l.obj.kind));
    if (weight.length) r.weightFields.push({ object: refOf(l.obj), file: l.file, fields: weight });
    if (version.length) {
      const va = isWorkload(old.obj) ? ia.versionOf(old.obj).version : undefined;
      const vb = isWorkload(l.obj) ? ib.versionOf(l.obj).version : undefined;
      r.versions.push({ object: refOf(l.obj), file: l.file, fields: version, ...(va !== undefined && vb !== undefined && va !== vb ? { summary: `${va} -> ${vb}` } : {}) });
    }
    if (other.length) r.changed.push({ object: refOf(l.obj), file: l.file, fields: other });
  }
  const orphaned = orphanedBy(a, b);
  for (const [k, l] of am) if (!bm.has(k) && !isKustomizeFile(l)) rel(l.release).removed.push(presence(l, ia, orphaned(l.file)));

  const ea = new Map(ta.map((e) => [e.id, e]));
  const eb = new Map(tb.map((e) => [e.id, e]));
  for (const id of [...new Set([...ea.keys(), ...eb.keys()])]) {
    const x = ea.get(id);
    const y = eb.get(id);
    const e = (y ?? x)!;
    const move = trafficMove(x, y);
    if (move) rel(e.release).traffic.push(move);
    const tx = new Set((x?.testers ?? []).map((t) => `${t.condition} -> ${summaryLine(t.flows)}`));
    const ty = new Set((y?.testers ?? []).map((t) => `${t.condition} -> ${summaryLine(t.flows)}`));
    const where = entryLabel(e);
    for (const t of ty) if (!tx.has(t)) rel(e.release).testers.push({ change: 'added', entry: where, path: t });
    for (const t of tx) if (!ty.has(t)) rel(e.release).testers.push({ change: 'removed', entry: where, path: t });
  }

  // what validate and the moves refuse besides the sync states (lib/review/transition-gate.ts), by
  // the release that goes dark: a route whose Gateway goes (its release may not change at all), a
  // Namespace removed under a release still in it
  for (const d of detachments(cluster(a), cluster(b))) rel(d.route.release).refused.push(detachmentMessage(d, distLabel, originB));
  for (const n of namespaceRemovals(cluster(a), cluster(b))) {
    rel(n.release).refused.push(namespaceRemovalMessage({ ...n, file: originA(n.file), stillThere: n.stillThere.map((x) => ({ ...x, file: originB(x.file) })) }, distLabel));
  }

  // the states Argo CD and Flux pass through: transient shares and broken invariants, by release
  if (releases.size) {
    const owner = new Map([...ta, ...tb].map((e) => [`${e.entry} ${entryLabel(e)}`, e.release]));
    // an entry point the traffic graph does not list (its route fails whole): the release of its object
    const objectOwner = new Map([...a, ...b].map((l) => [refOf(l.obj), l.release]));
    const ownerOf = (object: string, entry: string) => owner.get(`${object} ${entry}`) ?? objectOwner.get(object);
    const sync = checkObjects(a, b);
    for (const t of sync.transients) {
      const r = ownerOf(t.object, t.entry);
      if (r !== undefined) rel(r).duringSync.push(transientText(t));
    }
    for (const v of sync.violations) {
      const r = ownerOf(v.object, v.entry);
      if (r !== undefined) rel(r).unsafe.push(v.message);
    }
  }

  const byFile = <T extends { file: string }>(xs: T[]) => xs.sort((p, q) => (p.file < q.file ? -1 : p.file > q.file ? 1 : 0));
  return [...releases].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)).map(([release, r]) => ({
    release, traffic: r.traffic, testers: r.testers, weightFields: byFile(r.weightFields), versions: byFile(r.versions),
    added: byFile(r.added), removed: byFile(r.removed), changed: byFile(r.changed), duringSync: r.duringSync, unsafe: r.unsafe,
    refused: [...new Set(r.refused)],
  }));
}

/** `guestbook.example.com/ (Ingress ns-prod/guestbook-ingress), during sync (Flux): guestbook v0 up to 100% (before 75%, after 0%)`. */
function transientText(t: Transient): string {
  const up = t.max > Math.max(t.before, t.after) + 1e-9;
  const what = t.what === 'failing' ? 'failing requests' : t.what;
  return `\`${t.entry}\` (${t.object}), during sync (${engineName(t.engine)}): ${what} ${up ? `up to ${pct(t.max)}` : `down to ${pct(t.min)}`} (before ${pct(t.before)}, after ${pct(t.after)})`;
}

/**
 * A kustomization.yaml (kustomize's own file, not a cluster object; a Flux `Kustomization` is one).
 * Its `resources` list mirrors the objects added and removed, so only its other fields are diffed.
 */
function isKustomizeFile(l: Located): boolean {
  return l.obj.kind === 'Kustomization' && l.obj.apiVersion.startsWith('kustomize.config.k8s.io/');
}

/**
 * Which deleted sync units leave a file's objects in the cluster (lib/review/transition.ts
 * `SyncUnit.removal` `orphan`: an Application without the resources finalizer, a Kustomization with
 * `deletionPolicy: Orphan`), by file: `Argo CD Application argocd/webapp goes away`, or undefined.
 */
function orphanedBy(before: readonly Located[], after: readonly Located[]): (file: string) => string | undefined {
  const units = ENGINES.flatMap((e) => unitsOf(e, before, after)).filter((u) => u.removal === 'orphan');
  if (!units.length) return () => undefined;
  return (file) => {
    const by = units.filter((u) => u.folders.some((f) => file.startsWith(`${f}/`)));
    return by.length ? `${by.map((u) => `${engineName(u.engine)} ${u.name}`).join(' and ')} ${by.length > 1 ? 'go' : 'goes'} away` : undefined;
  };
}

function presence(l: Located, ix: ObjectIndex, orphanedBy?: string): ObjectPresence {
  if (orphanedBy !== undefined) {
    // a rename done the safe way, or a release removed with its objects kept: they stay, and an old
    // route may go on serving the host beside the new one
    return { object: refOf(l.obj), file: l.file, kept: `left in the cluster: ${orphanedBy} without deleting it (preserveResourcesOnDeletion / deletionPolicy: Orphan); delete it by hand once its successor serves` };
  }
  const a = l.obj.metadata.annotations ?? {};
  const argo = (a['argocd.argoproj.io/sync-options'] ?? '').split(',').map((x) => x.trim()).includes('Prune=false');
  const flux = a['kustomize.toolkit.fluxcd.io/prune'] === 'disabled';
  if (argo || flux) {
    const by = [argo ? 'Argo CD Prune=false' : '', flux ? 'Flux prune: disabled' : ''].filter(Boolean).join(', ');
    return { object: refOf(l.obj), file: l.file, kept: `kept in the cluster (${by}); delete it by hand once nothing lives in it` };
  }
  const labels = (l.obj.metadata.labels ?? {}) as Record<string, string>;
  if (labels['app.kubernetes.io/component'] === 'smoke-check') { // a checks Job: its image is curl, not an app
    return { object: refOf(l.obj), file: l.file, role: `smoke checks of ${labels['app.kubernetes.io/part-of'] ?? 'the release'}` };
  }
  if (!isWorkload(l.obj)) return { object: refOf(l.obj), file: l.file };
  const v = ix.versionOf(l.obj);
  return { object: refOf(l.obj), file: l.file, runs: `${v.app} ${v.version}` };
}

/** Whether a changed field is a traffic weight (router weights, ingress-nginx canary weight, mirroring). */
export function isWeightField(p: string): boolean {
  return /(^|\.)weight$/.test(p) || /(^|\.)(alternateBackends|backendRefs)(\[\d+\])?$/.test(p) || /(^|\.)http\[\d+\]\.route(\[\d+\])?$/.test(p) || /\["nginx\.ingress\.kubernetes\.io\/canary-weight(-total)?"\]$/.test(p) || /(^|\.)mirrorPercentage(\.|$)/.test(p);
}

/**
 * Whether a changed field is a whole tester rule added or removed: an HTTPRoute/GRPCRoute rule or an
 * Istio http route that matches on a header or cookie (the tester-only path the traffic section names).
 */
export function isTesterRuleField(f: FieldChange): boolean {
  if (!/(^|\.)(rules|http)\[\d+\]$/.test(f.path) || (f.before !== undefined && f.after !== undefined)) return false;
  const rule = f.before ?? f.after;
  return isRecord(rule) && JSON.stringify(rule.matches ?? rule.match ?? []).includes('"headers"');
}

/** Whether a changed field says which version runs (images, version labels, image stream tags). */
export function isVersionField(p: string, kind: string): boolean {
  return /(^|\.)image$/.test(p) || /(^|\.)version$/.test(p) || /\["app\.kubernetes\.io\/version"\]$/.test(p)
    || /(^|\.)imageChangeParams\./.test(p) || (kind === 'ImageStream' && /^spec\.tags/.test(p));
}

/**
 * A key that tells the items of two lists apart, when every item has one and it is unique on each
 * side: the name (containers, env, ports; backendRefs by namespace and name), else a route rule's
 * matches (HTTPRoute rules, Istio http routes), so a rule removed before another is not read as
 * every later rule changing.
 */
function itemKey(a: readonly unknown[], b: readonly unknown[]): ((x: unknown) => string) | undefined {
  const keys: ((x: unknown) => string | undefined)[] = [
    (x) => (isRecord(x) && typeof x.name === 'string' ? `${typeof x.namespace === 'string' ? x.namespace : ''}/${x.name}` : undefined),
    (x) => (isRecord(x) && ('matches' in x || 'match' in x || 'backendRefs' in x || 'route' in x) ? JSON.stringify(x.matches ?? x.match ?? null) : undefined),
  ];
  const unique = (xs: readonly (string | undefined)[]) => xs.length > 0 && xs.every((k) => k !== undefined) && new Set(xs).size === xs.length;
  const found = keys.find((k) => unique(a.map(k)) && unique(b.map(k)));
  return found as ((x: unknown) => string) | undefined;
}

/** Field-level differences; list items are matched by `itemKey` (name, or a route rule's matches), else by position. */
export function diffValues(a: unknown, b: unknown, path: Path): FieldChange[] {
  if (a === b) return [];
  if (isRecord(a) && isRecord(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    return keys.flatMap((k) => (k in a && k in b ? diffValues(a[k], b[k], [...path, k]) : k in a ? [{ path: pathToString([...path, k]), before: a[k] }] : [{ path: pathToString([...path, k]), after: b[k] }]));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = itemKey(a, b);
    if (key) {
      const out: FieldChange[] = [];
      const ai = new Map(a.map((x, i) => [key(x), i]));
      const bi = new Map(b.map((x, i) => [key(x), i]));
      for (const [name, i] of bi) {
        const j = ai.get(name);
        if (j === undefined) out.push({ path: pathToString([...path, i]), after: b[i] });
        else out.push(...diffValues(a[j], b[i], [...path, i]));
      }
      for (const [name, j] of ai) if (!bi.has(name)) out.push({ path: pathToString([...path, j]), before: a[j] });
      return out;
    }
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length) out.push({ path: pathToString([...path, i]), after: b[i] });
      else if (i >= b.length) out.push({ path: pathToString([...path, i]), before: a[i] });
      else out.push(...diffValues(a[i], b[i], [...path, i]));
    }
    return out;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [{ path: pathToString(path), before: a, after: b }];
}

function trafficMove(x: EntryTraffic | undefined, y: EntryTraffic | undefined): TrafficMove | undefined {
  const e = (y ?? x)!;
  const base = { entry: e.id, object: e.entry, host: e.host, path: e.path };
  if (!x) return { ...base, apps: [], text: `new entry point: ${summaryLine(y!.flows)}` };
  if (!y) return { ...base, apps: [], text: `entry point removed (was ${summaryLine(x.flows)})` };
  const sa = summarize(x.flows);
  const sb = summarize(y.flows);
  const apps: { app: string; versions: { version: string; before: number; after: number }[] }[] = [];
  let moved = false;
  for (const app of [...new Set([...sa.map((s) => s.app), ...sb.map((s) => s.app)])]) {
    const va = sa.find((s) => s.app === app)?.versions ?? [];
    const vb = sb.find((s) => s.app === app)?.versions ?? [];
    const versions = [...new Set([...va.map((v) => v.version), ...vb.map((v) => v.version)])].map((version) => ({
      version, before: va.find((v) => v.version === version)?.share ?? 0, after: vb.find((v) => v.version === version)?.share ?? 0,
    }));
    if (versions.some((v) => Math.abs(v.before - v.after) > 1e-9)) { moved = true; apps.push({ app, versions }); }
  }
  if (!moved) return undefined;
  const text = apps
    .map((a) => `${a.app} ${a.versions.map((v) => `${v.version} ${pct(v.before)}`).join(' / ')} -> ${a.versions.map((v) => pct(v.after)).join(' / ')}`)
    .join('; ');
  return { ...base, apps, text };
}

// ---------------------------------------------------------------------------------------------- output

export interface DiffReport {
  readonly base: { readonly rev: string; readonly label: string };
  readonly head: { readonly rev: string | null; readonly label: string };
  readonly releases: readonly ReleaseDiff[];
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function fieldLine(f: FieldChange): string {
  if (f.before === undefined) return `\`${f.path}\` added: ${show(f.after)}`;
  if (f.after === undefined) return `\`${f.path}\` removed (was ${show(f.before)})`;
  return `\`${f.path}\`: ${show(f.before)} -> ${show(f.after)}`;
}

/** The Markdown summary (meant to be posted as a PR comment). */
export function renderDiffMarkdown(d: DiffReport): string {
  const out: string[] = [`## cdk8s-canary diff: ${d.base.label} -> ${d.head.label}`, ''];
  if (!d.releases.length) {
    out.push('No change in dist/.');
    return out.join('\n') + '\n';
  }
  for (const r of d.releases) {
    out.push(`### ${r.release}${r.clusters ? ` on ${r.clusters.length === 1 ? `cluster ${r.clusters[0]}` : `clusters ${r.clusters.join(', ')}`}` : ''}`, '');
    if (r.refused.length) {
      // first: what validate refuses (the PR's check fails on it), word for word
      out.push('**Refused by validate**', '');
      for (const x of r.refused) out.push(`- ${x}`);
      out.push('');
    }
    if (r.traffic.length || r.testers.length || r.weightFields.length || r.duringSync.length || r.unsafe.length) {
      out.push('**Traffic**', '');
      for (const m of r.traffic) out.push(`- \`${entryLabel(m)}\` (${m.object}): ${m.text}`);
      for (const t of r.duringSync) out.push(`- ${t}`);
      for (const u of r.unsafe) out.push(`- UNSAFE during sync: ${u}`);
      for (const t of r.testers) out.push(`- tester-only path ${t.change} at \`${t.entry}\`: ${t.path}`);
      for (const o of r.weightFields) for (const f of o.fields) out.push(`- ${isWeightField(f.path) ? 'weight' : 'tester'} field: ${o.object} ${fieldLine(f)}`);
      out.push('');
    }
    if (r.versions.length) {
      out.push('**Versions and images**', '');
      // objects whose only change is their own version label are listed together, per move
      const labelOnly = new Map<string, string[]>();
      for (const o of r.versions) {
        const [f] = o.fields;
        if (o.fields.length === 1 && /^metadata\.labels(\.version|\["app\.kubernetes\.io\/version"\])$/.test(f.path) && f.before !== undefined && f.after !== undefined) {
          const key = `${show(f.before)} -> ${show(f.after)}`;
          labelOnly.set(key, [...(labelOnly.get(key) ?? []), o.object]);
          continue;
        }
        out.push(`- ${o.object}${o.summary ? `: ${o.summary}` : ''}`);
        for (const x of o.fields) out.push(`  - ${fieldLine(x)}`);
      }
      for (const [move, objects] of labelOnly) out.push(`- version label ${move} on ${objects.join(', ')}`);
      out.push('');
    }
    if (r.added.length) {
      out.push('**Added**', '');
      for (const o of r.added) out.push(`- ${o.object}${o.runs ? ` (runs ${o.runs})` : o.role ? ` (${o.role})` : ''} \`${o.file}\``);
      out.push('');
    }
    if (r.removed.length) {
      out.push('**Removed**', '');
      for (const o of r.removed) out.push(`- ${o.object}${o.runs ? ` (ran ${o.runs})` : o.role ? ` (${o.role})` : ''} \`${o.file}\`${o.kept ? `: ${o.kept}` : ''}`);
      out.push('');
    }
    if (r.changed.length) {
      out.push('**Other changes**', '');
      for (const o of r.changed) {
        if (o.fields.length === 1) out.push(`- ${o.object} ${fieldLine(o.fields[0])}`);
        else {
          out.push(`- ${o.object}`);
          for (const f of o.fields) out.push(`  - ${fieldLine(f)}`);
        }
      }
      out.push('');
    }
  }
  let text = out.join('\n');
  while (text.endsWith('\n')) text = text.slice(0, -1);
  return `${text}\n`;
}
