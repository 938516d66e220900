/**
 * The transition model: what the cluster serves at every instant while Argo CD or Flux apply one
 * commit. From the old and new dist/ trees (release folders plus the generated wiring in
 * dist/argocd/ and dist/flux/) it enumerates the intermediate states each engine passes through,
 * computes the traffic of each with the same code as `traffic` (./traffic), and checks two
 * invariants per entry point:
 *
 * 1. **failing**: the share of requests sent to a backend that is missing or has no ready pod never
 *    exceeds the larger of its values before and after the commit (so: zero when both ends are zero);
 *    an entry point that does not exist on one side counts as failing all its requests there (a host
 *    nothing routes answers 404), so an entry point being created or deleted is not a violation;
 * 2. **canary share**: the share of a canary version (a version run by pods labelled
 *    `canary.cdk8s.io/track: canary` on either side) never exceeds the larger of its before and after
 *    values, per app, over every hop.
 *
 * A host and path that both ends serve through different routes (a release renamed, in its
 * namespace or moved to another) is checked as users see it, whatever route serves it: by the
 * router's front (./served.ts), the oldest route winning while two serve it.
 *
 * Tester-only paths (header, cookie) are not user traffic and are not checked.
 *
 * How each engine applies a commit, as modelled here (sources cited):
 *
 * - **Argo CD**, per Application (each on its own; one Application syncs the objects of its source
 *   path, wherever their namespaces): the Sync phase runs wave by wave, lowest first, and waits until
 *   every resource of a wave is healthy before the next ("Sync Phases and Waves", argo-cd
 *   docs/user-guide/sync-waves.md). Inside a wave the tasks run together: the model lets them take
 *   effect in any order (every subset). Prune tasks take the wave of the live object, with the prune
 *   waves mirrored (the highest created wave is deleted first), and a prune of an object with
 *   `PruneLast=true` (per resource or for the whole Application) moves to one wave after the last
 *   (gitops-engine pkg/sync/sync_context.go getSyncTasks; argo-cd PR #5199). `Prune=false` objects are
 *   never pruned (sync-options.md). Hooks (`argocd.argoproj.io/hook`) run outside the Sync phase and
 *   carry no traffic.
 * - **Flux**, per Kustomization: one server-side apply of every object (Namespaces first, the rest in
 *   any order), then garbage collection right away, before the health checks: workloads are still
 *   rolling while stale objects are deleted (kustomize-controller internal/controller/
 *   kustomization_controller.go: apply, prune, checkHealth). The prune deletes one object after the
 *   other in the reverse of the apply kind order (fluxcd/pkg ssa DeleteAll + sort.go: routes and other
 *   custom resources first, then Deployments, Services, ConfigMaps, Namespaces last). Objects annotated
 *   `kustomize.toolkit.fluxcd.io/prune: disabled` are kept. A Kustomization with `dependsOn` starts
 *   only once its dependencies are Ready at the same source revision (checkDependencies; PR #521).
 *
 * Workloads: a new workload has no ready pod until its wave (Argo CD) or its Kustomization's health
 * check (Flux) completes; a workload whose pod template changed rolls: its old pods, then old and new
 * pods together, then the new ones. Deleting a Namespace deletes everything in it.
 *
 * Not modelled: propagation delays of controllers and proxies (istiod, ingress-nginx, the OpenShift
 * router) beyond the orders above; interleaving of two Applications or two independent
 * Kustomizations (each changed unit is applied with the others before, then after, their change).
 */
import { at, identityOf, isRecord, isWorkload, listAt, Located, Manifest, ObjectIndex, podTemplatePath, refOf } from '../manifests/objects';
import { objectsOfTree } from '../manifests/tree';
import { admission, gatewayKey, gatewayKeyOf, gatewayRefsOf } from '../manifests/gateway-refs';
import { frontOf, routedHosts } from './served';
import { computeTraffic, EntryTraffic, entryLabel, Flow, pct } from './traffic';

export type Engine = 'argocd' | 'flux';
export const ENGINES: readonly Engine[] = ['argocd', 'flux'];

/** Argo CD annotations and options read by the model. */
export const ARGO_WAVE = 'argocd.argoproj.io/sync-wave';
export const ARGO_HOOK = 'argocd.argoproj.io/hook';
export const ARGO_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/**
 * Set (in memory only, by the cluster views of ./clusters.ts) on an Application expanded from an
 * ApplicationSet: the ApplicationSet's name.
 */
export const APPLICATION_SET_ANNOTATION = 'canary.cdk8s.io/application-set';
/** Flux: a remote cluster's API server URL on a Kustomization (lib/gitops/flux.ts SERVER_ANNOTATION). */
const FLUX_SERVER = 'canary.cdk8s.io/server';
/** Flux: objects with this annotation (value `disabled`) are never garbage collected. */
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

/** One unit an engine applies as a whole: an Argo CD Application or a Flux Kustomization. */
export interface SyncUnit {
  readonly engine: Engine;
  /** `Application argocd/guestbook` or `Kustomization flux-system/guestbook-ns-prod`. */
  readonly name: string;
  /** dist-relative folders whose objects it applies. */
  readonly folders: readonly string[];
  /** Names of the units (same engine) that must be done first (Flux dependsOn). */
  readonly dependsOn: readonly string[];
  /** Argo CD: the Application prunes last (`PruneLast=true` in its sync options). */
  readonly pruneLast: boolean;
  /**
   * Whether deleting the unit deletes its objects: an Application with Argo CD's resources finalizer
   * (an ApplicationSet's Application unless `preserveResourcesOnDeletion`), a Kustomization with
   * `prune` (Flux `deletionPolicy: MirrorPrune`, the default) or `deletionPolicy: Delete`.
   */
  readonly cascade: boolean;
  /**
   * Set when the unit is in the wiring before the commit and not after: its Application or
   * Kustomization is deleted. `cascade`: its objects go with it (Argo CD deletes them in reverse
   * sync-wave order, argo-cd PR #3959; Flux garbage-collects them), except those marked to stay
   * (Argo CD `Delete=false`, Flux `prune: disabled`), even when another unit takes them over.
   * `orphan`: they stay in the cluster. `cluster`: the unit deployed to a cluster (destination) that
   * no unit deploys these folders to after the commit, while others still do: the objects leave that
   * cluster for good (as a removed release's do) and the clusters that keep them are not touched, so
   * nothing is played (the model holds one copy of the objects for every cluster).
   * @default - the unit is in the wiring after the commit
   */
  readonly removal?: 'cascade' | 'orphan' | 'cluster';
  /**
   * Where the unit deploys: the wiring folder it is read from (a pull cluster's `argocd/<cluster>`)
   * and its Argo CD `spec.destination` server (or name), or its Flux `spec.kubeConfig` Secret (none:
   * the cluster Flux runs in). @default - '' (unknown: one cluster)
   */
  readonly destination?: string;
}

/** One intermediate state of a sync: the objects the cluster holds, workloads expanded to their ready pods. */
export interface SyncState {
  readonly engine: Engine;
  readonly unit: string;
  /** What has happened so far, e.g. `wave 2: applied HTTPRoute a/b; pods rolling (old and new)`. */
  readonly step: string;
  readonly objects: readonly Located[];
  /**
   * Set on the first state of an order of units (`order`: the cluster was as before the commit) and
   * on the first state of each later unit of it (`unit`: the cluster is as the previous unit left it).
   * @default - a later state of the same unit
   */
  readonly start?: 'order' | 'unit';
}

/** Shares of one entry point in one state. */
export interface EntryShares {
  /** Share of requests that fail (missing backend, no ready pod, backend not permitted), 0..1. */
  readonly failing: number;
  /** `app version` -> share of user requests over all hops (0..1). */
  readonly versions: ReadonlyMap<string, number>;
}

/** An invariant broken in one state. */
export interface Violation {
  readonly engine: Engine;
  readonly unit: string;
  readonly step: string;
  /** Entry point label (`host/path`) and the object defining it. */
  readonly entry: string;
  readonly object: string;
  readonly invariant: 'failing' | 'canary-share';
  /** For canary-share: `app version`. */
  readonly version?: string;
  /**
   * The route serving the entry point at the after end, when another than `object` serves it at the
   * before end (a route renamed, in place or with its release). @default - the same route on both ends
   */
  readonly handedTo?: string;
  readonly before: number;
  readonly during: number;
  readonly after: number;
  /** One line, e.g. `Argo CD, Application argocd/x, wave 1: applied ...: 25% of requests to guestbook.example.com/ fail (before 0%, after 0%)`. */
  readonly message: string;
}

/** Extremes of an entry point's shares during a sync that lie outside both ends. */
export interface Transient {
  readonly engine: Engine;
  readonly entry: string;
  readonly object: string;
  /** `failing` or `app version`. */
  readonly what: string;
  readonly before: number;
  readonly after: number;
  readonly min: number;
  readonly max: number;
}

export interface TransitionReport {
  /** Engines whose wiring was found in the trees (dist/argocd/, dist/flux/). */
  readonly engines: readonly Engine[];
  /** States enumerated, per engine. */
  readonly states: Readonly<Record<Engine, number>>;
  readonly violations: readonly Violation[];
  readonly transients: readonly Transient[];
}

export interface TransitionOptions {
  /** Engines to model. @default - every engine whose wiring is in the trees */
  readonly engines?: readonly Engine[];
  /** Receives every state (for tests and debugging). @default - none */
  readonly onState?: (s: SyncState) => void;
  /**
   * Evaluates the shares of a state's entry points; `front` is what users reach the entry point
   * through (./served.ts frontOf; absent: the object's namespace). @default - the product's traffic
   * code (computeTraffic) plus the Gateway API ReferenceGrant rule
   */
  readonly evaluate?: (objects: readonly Located[]) => Map<string, EntryShares & { readonly label: string; readonly object: string; readonly front?: string }>;
}

const EPS = 1e-9;

/**
 * Enumerates the sync states of a commit under each engine and checks the invariants. Trees map
 * dist-relative paths to YAML (as `diff` reads them). Pure.
 */
export function checkTransition(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, options: TransitionOptions = {}): TransitionReport {
  return checkObjects(objectsOfTree(before).objects, objectsOfTree(after).objects, options);
}

/**
 * checkTransition over objects already read (dist-relative `file`s, wiring included). Each changed
 * release (or group) is checked on its own, with the changed releases that serve one of its entry
 * points (kind, host and path: a release renamed, old and new name) and the objects of every release
 * that shares one of their namespaces; releases checked together are checked once: a commit that
 * changes many releases costs their sum, not their product.
 */
export function checkObjects(before: readonly Located[], after: readonly Located[], options: TransitionOptions = {}): TransitionReport {
  const units: Record<Engine, SyncUnit[]> = { argocd: unitsOf('argocd', before, after), flux: unitsOf('flux', before, after) };
  const found = ENGINES.filter((e) => units[e].length > 0);
  const engines = (options.engines ?? found).filter((e) => found.includes(e));
  const wiring = (l: Located) => l.release === 'argocd' || l.release === 'flux';
  const sigs = (xs: readonly Located[]) => {
    const m = new Map<string, string[]>();
    for (const l of xs) if (!wiring(l)) m.set(l.release, [...(m.get(l.release) ?? []), `${l.file}\n${JSON.stringify(l.obj)}`]);
    return new Map([...m].map(([r, v]) => [r, v.sort().join('\n')]));
  };
  const sb = sigs(before);
  const sa = sigs(after);
  // a release whose objects stay but whose Application or Kustomization is deleted with them (a
  // rename of the unit: a second cluster, a fleet) changes too, though none of its files does
  const deleted = new Set(ENGINES.flatMap((e) => units[e]).filter((u) => u.removal === 'cascade').flatMap((u) => u.folders.map((f) => f.split('/')[0])));
  const changed = [...new Set([...sb.keys(), ...sa.keys()])].sort().filter((r) => sb.get(r) !== sa.get(r) || deleted.has(r));
  const violations: Violation[] = [];
  const transients: Transient[] = [];
  const states: Record<Engine, number> = { argocd: 0, flux: 0 };
  // changed releases that serve the same entry point as users see it (kind, host and path: a release
  // renamed and moved to another namespace keeps them) are checked together, so a host and path that
  // pass from one's route to the other's are seen. Not by host alone: releases sharing a host through
  // paths of their own are independent, and checking each with all the others costs their product
  const changedSet = new Set(changed);
  const keysOf = new Map<string, Set<string>>();
  const releasesOf = new Map<string, Set<string>>();
  for (const side of [before, after]) {
    const objs = side.filter((l) => !wiring(l) && changedSet.has(l.release));
    if (!objs.some((l) => routedHosts(l.obj).length)) continue;
    for (const e of computeTraffic(objs).entries) {
      const k = `${e.entry.slice(0, e.entry.indexOf(' '))} ${entryLabel(e)}`;
      keysOf.set(e.release, (keysOf.get(e.release) ?? new Set()).add(k));
      releasesOf.set(k, (releasesOf.get(k) ?? new Set()).add(e.release));
    }
  }
  // releases bound to a Gateway another release creates are checked with it (either way): a
  // Gateway removed, renamed or no longer admitting them takes their hosts down (lib/manifests/gateway-refs.ts).
  // Indexed once: Gateway key -> releases creating it, and -> releases whose routes name it
  const gatewayOwners = new Map<string, Set<string>>();
  const gatewayUsers = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, r: string) => m.set(k, (m.get(k) ?? new Set()).add(r));
  for (const l of [...before, ...after]) {
    if (wiring(l)) continue;
    const own = gatewayKeyOf(l.obj);
    if (own) add(gatewayOwners, own, l.release);
    for (const g of gatewayRefsOf(l.obj)) add(gatewayUsers, gatewayKey(g.family, g.namespace, g.name), l.release);
  }
  const gatewayLinked = (rs: ReadonlySet<string>): Set<string> => {
    const out = new Set(rs);
    if (!gatewayOwners.size) return out;
    for (const [k, owners] of gatewayOwners) {
      const users = gatewayUsers.get(k);
      if (!users) continue;
      if ([...owners].some((o) => rs.has(o))) for (const u of users) out.add(u);
      if ([...users].some((u) => rs.has(u))) for (const o of owners) out.add(o);
    }
    return out;
  };
  const checked = new Set<string>();
  for (const r of changed) {
    const linked = gatewayLinked(new Set([r, ...[...(keysOf.get(r) ?? [])].flatMap((k) => [...releasesOf.get(k)!])]));
    // the releases linked to r were checked together already (a rename: the old and the new name)
    const together = [...linked].sort().join(' ');
    if (checked.has(together)) continue;
    checked.add(together);
    const namespaces = new Set([...before, ...after].filter((l) => linked.has(l.release)).map((l) => l.obj.metadata.namespace ?? (l.obj.kind === 'Namespace' ? l.obj.metadata.name : '')));
    const inScope = (l: Located) => wiring(l) || linked.has(l.release) || namespaces.has(l.obj.metadata.namespace ?? '');
    const scopeFolders = new Set([...before, ...after].filter((l) => !wiring(l) && inScope(l)).map((l) => l.file.split('/').slice(0, 2).join('/')));
    const scopeUnits = { argocd: units.argocd.filter((u) => u.folders.some((f) => scopeFolders.has(f))), flux: units.flux.filter((u) => u.folders.some((f) => scopeFolders.has(f))) };
    const part = checkScope(before.filter(inScope), after.filter(inScope), engines, options, scopeUnits);
    // releases checked together (a shared namespace or host) find the same states: each once
    violations.push(...part.violations.filter((v) => !violations.some((w) => w.message === v.message)));
    transients.push(...part.transients);
    for (const e of ENGINES) states[e] += part.states[e];
  }
  return { engines, states, violations, transients };
}

function checkScope(before: readonly Located[], after: readonly Located[], engines: readonly Engine[], options: TransitionOptions, units: Record<Engine, SyncUnit[]>): Omit<TransitionReport, 'engines'> {
  const clusterBefore = clusterObjects(before);
  const clusterAfter = clusterObjects(after);
  // the Gateways either end holds: a route bound to one of them serves nothing in a state without it
  const known = new Set([...clusterBefore, ...clusterAfter].map((l) => gatewayKeyOf(l.obj)).filter((k): k is string => k !== undefined));
  const evaluate = options.evaluate ?? ((objects: readonly Located[]) => evaluateShares(objects, known));
  const ends = { before: evaluate(clusterBefore), after: evaluate(clusterAfter) };
  const canary = canaryVersions([...clusterBefore, ...clusterAfter]);
  const violations: Violation[] = [];
  const extremes = new Map<string, Transient>();
  const states: Record<Engine, number> = { argocd: 0, flux: 0 };
  // where users send requests, whatever object serves them: `kind front host/path`, the front being
  // the Gateway, ingress class, Istio gateway or OpenShift router, not the route's name or namespace
  // (./served.ts). A route renamed, or moved to another namespace with its release, is another entry
  // point but the same host and path for the users: served in every state, as well as at both ends.
  // Two routes for it at once: the older one serves (Gateway API, ingress-nginx and OpenShift give a
  // tie to the oldest route), i.e. one the cluster had before the commit.
  type Shared = { readonly label: string; readonly object: string; readonly failing: number; readonly front?: string };
  const served = <T extends Shared>(m: ReadonlyMap<string, T>) => {
    const out = new Map<string, T[]>();
    for (const x of m.values()) {
      const k = `${x.object.split(' ')[0]} ${x.front ?? beforeSlash(x.object)} ${x.label}`;
      out.set(k, [...(out.get(k) ?? []), x]);
    }
    return out;
  };
  const older = new Set([...ends.before.values()].map((x) => x.object));
  const winner = <T extends Shared>(xs: readonly T[]): T => {
    const old = xs.filter((x) => older.has(x.object));
    return (old.length ? old : xs).reduce((a, b) => (b.failing < a.failing ? b : a));
  };
  const servedBefore = served(ends.before);
  const servedAfter = served(ends.after);
  for (const engine of engines) {
    const seen = new Set<string>();
    // a host is reported in the unit that breaks it (its route deleted), not again in the units that
    // sync after it while it is down: hosts down in the previous state, and those down when the
    // current unit started (its states are not one path: every subset of a wave is one)
    let down = new Set<string>();
    let inherited = new Set<string>();
    for (const s of syncStates(engine, before, after, units[engine])) {
      states[engine]++;
      options.onState?.(s);
      const shares = evaluate(s.objects);
      const servedNow = served(shares);
      if (s.start === 'order') inherited = new Set();
      else if (s.start === 'unit') inherited = down;
      down = new Set();
      for (const [k, xs] of servedBefore) {
        const ys = servedAfter.get(k);
        if (!ys) continue;
        const x = winner(xs);
        const y = winner(ys);
        // the same object on both ends: the check below (by entry point) sees it
        if (x.object === y.object) continue;
        const now = servedNow.get(k);
        const by = now ? winner(now) : undefined;
        const during = by ? by.failing : 1;
        const key = `${engine}|${s.unit}|${k}|served`;
        if (during <= Math.max(x.failing, y.failing) + EPS) continue;
        down.add(k);
        if (inherited.has(k) || seen.has(key)) continue;
        seen.add(key);
        const what = by ? `${pct(during)} of requests to ${x.label} fail, served by ${by.object}` : `100% of requests to ${x.label} fail, no route serves it`;
        violations.push({ engine, unit: s.unit, step: s.step, entry: x.label, object: x.object, handedTo: y.object, invariant: 'failing', before: x.failing, during, after: y.failing,
          message: `${engineName(engine)}, ${s.unit}, ${s.step}: ${what} (before ${x.object}, after ${y.object}; before ${pct(x.failing)}, after ${pct(y.failing)})` });
      }
      // an entry point both ends have that this state lacks (its route deleted mid-sync): every
      // request to it fails here
      for (const [id, x] of ends.before) {
        const y = ends.after.get(id);
        if (!y || shares.has(id)) continue;
        const key = `${engine}|${s.unit}|${id}|failing`;
        const limit = Math.max(x.failing, y.failing);
        if (1 <= limit + EPS || seen.has(key)) continue;
        seen.add(key);
        violations.push({ engine, unit: s.unit, step: s.step, entry: x.label, object: x.object, invariant: 'failing', before: x.failing, during: 1, after: y.failing,
          message: `${engineName(engine)}, ${s.unit}, ${s.step}: 100% of requests to ${x.label} (${x.object}) fail, its route is gone (before ${pct(x.failing)}, after ${pct(y.failing)})` });
      }
      // a route shadowed by an older one for the same host and path (a rename: the new route while the
      // old one is there) serves no user: its own shares are not what users see (the served check above
      // compares the one that serves)
      const shadowed = new Set<string>();
      for (const xs of servedNow.values()) {
        if (xs.length < 2) continue;
        const w = winner(xs);
        for (const x of xs) if (x.object !== w.object) shadowed.add(`${x.object} ${x.label}`);
      }
      for (const [id, d] of shares) {
        if (shadowed.has(`${d.object} ${d.label}`)) continue;
        const x = ends.before.get(id);
        const y = ends.after.get(id);
        const track = (what: string, bv: number, av: number, dv: number) => {
          const key = `${engine} ${id} ${what}`;
          const t = extremes.get(key) ?? { engine, entry: d.label, object: d.object, what, before: bv, after: av, min: dv, max: dv };
          extremes.set(key, { ...t, min: Math.min(t.min, dv), max: Math.max(t.max, dv) });
        };
        // an entry point missing on one side fails all its requests there (no route for the host)
        const fb = x ? x.failing : 1;
        const fa = y ? y.failing : 1;
        track('failing', fb, fa, d.failing);
        if (d.failing > Math.max(fb, fa) + EPS) {
          const key = `${engine}|${s.unit}|${id}|failing`;
          if (!seen.has(key)) {
            seen.add(key);
            violations.push({ engine, unit: s.unit, step: s.step, entry: d.label, object: d.object, invariant: 'failing', before: fb, during: d.failing, after: fa,
              message: `${engineName(engine)}, ${s.unit}, ${s.step}: ${pct(d.failing)} of requests to ${d.label} (${d.object}) fail (before ${pct(fb)}, after ${pct(fa)})` });
          }
        }
        const versions = new Set([...d.versions.keys(), ...(x?.versions.keys() ?? []), ...(y?.versions.keys() ?? [])]);
        for (const v of versions) {
          const vb = x?.versions.get(v) ?? 0;
          const va = y?.versions.get(v) ?? 0;
          const vd = d.versions.get(v) ?? 0;
          track(v, vb, va, vd);
          if (!canary.has(v) || vd <= Math.max(vb, va) + EPS) continue;
          const key = `${engine}|${s.unit}|${id}|${v}`;
          if (seen.has(key)) continue;
          seen.add(key);
          violations.push({ engine, unit: s.unit, step: s.step, entry: d.label, object: d.object, invariant: 'canary-share', version: v, before: vb, during: vd, after: va,
            message: `${engineName(engine)}, ${s.unit}, ${s.step}: canary ${v} gets ${pct(vd)} of requests to ${d.label} (${d.object}), above both ends (before ${pct(vb)}, after ${pct(va)})` });
        }
      }
    }
  }
  const transients = [...extremes.values()].filter((t) => t.max > Math.max(t.before, t.after) + EPS || t.min < Math.min(t.before, t.after) - EPS);
  return { states, violations, transients };
}

/** `Argo CD` / `Flux`. */
export function engineName(e: Engine): string {
  return e === 'argocd' ? 'Argo CD' : 'Flux';
}

// ------------------------------------------------------------------------------------------------ shares

/**
 * The product's evaluation of a state: computeTraffic's user flows per entry point, a flow failing
 * when its Service has no ready pod (`no-pods`), when the Service does not exist, or when an
 * HTTPRoute reaches a Service of another namespace that no ReferenceGrant there permits (Gateway API:
 * such a backendRef is invalid and its requests get a 500; gateway-api docs, ReferenceGrant).
 */
export function evaluateShares(objects: readonly Located[], knownGateways: ReadonlySet<string> = new Set()): Map<string, EntryShares & { label: string; object: string; front: string }> {
  const out = new Map<string, EntryShares & { label: string; object: string; front: string }>();
  const ix = new ObjectIndex(objects);
  for (const e of computeTraffic(objects).entries) {
    const [kind, ref] = [e.entry.slice(0, e.entry.indexOf(' ')), e.entry.slice(e.entry.indexOf(' ') + 1)];
    const slash = ref.indexOf('/');
    const obj = slash < 0 ? ix.find(kind, '', ref) : ix.find(kind, ref.slice(0, slash), ref.slice(slash + 1));
    const shares = obj && unbound(obj.obj, ix, knownGateways) ? { failing: 1, versions: new Map<string, number>() } : sharesOf(e, ix);
    out.set(e.id, { ...shares, label: entryLabel(e), object: e.entry, front: obj ? frontOf(obj.obj, ix) : `namespace ${beforeSlash(ref)}` });
  }
  return out;
}

/**
 * Whether a route names a Gateway of `known` (one an end of the commit holds) that the state lacks
 * or that does not admit it (lib/manifests/gateway-refs.ts): its users reach nothing, every request fails. A
 * Gateway neither end holds is outside dist/ and taken to be there.
 */
function unbound(route: Manifest, ix: ObjectIndex, known: ReadonlySet<string>): boolean {
  if (!known.size) return false;
  return gatewayRefsOf(route).some((r) => known.has(gatewayKey(r.family, r.namespace, r.name)) && !admission(route, r, ix).ok);
}

function sharesOf(e: EntryTraffic, ix: ObjectIndex): EntryShares {
  let failing = 0;
  const versions = new Map<string, number>();
  for (const f of e.flows) {
    if (flowFails(f, e, ix)) { failing += f.share; continue; }
    if (f.note === 'external') continue;
    const k = `${f.app} ${f.version}`;
    versions.set(k, (versions.get(k) ?? 0) + f.share);
  }
  return { failing, versions };
}

function flowFails(f: Flow, e: EntryTraffic, ix: ObjectIndex): boolean {
  if (f.share <= 0) return false;
  if (f.note === 'no-pods') return true;
  // a backend that is not a host outside dist/ but a Service missing from the state
  if (f.note === 'external') return f.service.includes('/');
  const route = /^(HTTPRoute|GRPCRoute) ([^/]+)\//.exec(e.entry);
  if (f.hop === 1 && route) {
    const svc = f.service.replace(/^Service /, '');
    const [ns, name] = svc.split('/');
    if (ns !== route[2] && !grantPermits(ix, route[1], route[2], ns, name)) return true;
  }
  return false;
}

/** Whether a ReferenceGrant in `toNs` lets routes of a kind in `fromNs` reference Service `name`. */
function grantPermits(ix: ObjectIndex, kind: string, fromNs: string, toNs: string, name: string): boolean {
  return ix.ofKind('ReferenceGrant', toNs).some((g) =>
    listAt(g.obj, 'spec', 'from').some((f) => at(f, 'kind') === kind && at(f, 'namespace') === fromNs && at(f, 'group') === 'gateway.networking.k8s.io')
    && listAt(g.obj, 'spec', 'to').some((t) => at(t, 'kind') === 'Service' && (at(t, 'group') ?? '') === '' && (at(t, 'name') === undefined || at(t, 'name') === name)));
}

/** `app version` of every workload whose pods carry `canary.cdk8s.io/track: canary`. */
export function canaryVersions(objects: readonly Located[]): Set<string> {
  const ix = new ObjectIndex(objects);
  const out = new Set<string>();
  for (const o of objects) {
    if (!isWorkload(o.obj)) continue;
    const p = podTemplatePath(o.obj)!;
    const labels = at(o.obj, ...p, 'metadata', 'labels');
    if (!isRecord(labels) || labels['canary.cdk8s.io/track'] !== 'canary') continue;
    const v = ix.versionOf(o.obj);
    out.add(`${v.app} ${v.version}`);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ units

/** Objects that live in the cluster as the release folders define them (the wiring roots excluded). */
function clusterObjects(objects: readonly Located[]): Located[] {
  return objects.filter((o) => o.release !== 'argocd' && o.release !== 'flux' && !o.obj.metadata.annotations?.[ARGO_HOOK]);
}

/** Folders (dist-relative, two levels: `<release>/<folder>`) that hold objects. */
function foldersOf(objects: readonly Located[]): Set<string> {
  return new Set(objects.filter((o) => o.release !== 'argocd' && o.release !== 'flux').map((o) => o.file.split('/').slice(0, 2).join('/')));
}

/** A path in the repository (`dist/guestbook`) as a dist-relative prefix, given the folders that exist. */
function distRelative(repoPath: string, folders: ReadonlySet<string>): string | undefined {
  const segs = repoPath.replace(/^\.\//, '').split('/').filter(Boolean);
  for (let i = 0; i < segs.length; i++) {
    const rest = segs.slice(i).join('/');
    if ([...folders].some((f) => f === rest || f.startsWith(`${rest}/`))) return rest;
  }
  return undefined;
}

/** The units of an engine, read from the wiring of the new tree (the old one for units that went away). */
export function unitsOf(engine: Engine, before: readonly Located[], after: readonly Located[]): SyncUnit[] {
  const folders = new Set([...foldersOf(before), ...foldersOf(after)]);
  const byName = new Map<string, SyncUnit>();
  const unitsOfSide = (side: readonly Located[]) => (engine === 'argocd' ? argoUnits(side, folders) : fluxUnits(side, folders));
  // keyed by where the unit deploys too: a pull cluster's Application argocd/shop is not the hub's
  const key = (u: SyncUnit) => `${u.destination ?? ''}\n${u.name}`;
  const afterUnits = unitsOfSide(after);
  for (const u of afterUnits) if (!byName.has(key(u))) byName.set(key(u), u);
  // a unit only in the wiring before: its Application or Kustomization is deleted by the commit
  for (const u of unitsOfSide(before)) {
    if (byName.has(key(u))) continue;
    // its cluster no longer gets these folders while another cluster does (a cluster removed from
    // the project): the objects leave that cluster only
    const overlaps = (x: SyncUnit) => x.folders.some((f) => u.folders.includes(f));
    const leavesCluster = u.cascade && afterUnits.some(overlaps) && !afterUnits.some((x) => overlaps(x) && (x.destination ?? '') === (u.destination ?? ''));
    byName.set(key(u), { ...u, removal: leavesCluster ? 'cluster' : u.cascade ? 'cascade' : 'orphan' });
  }
  return [...byName.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.destination! < y.destination! ? -1 : 1));
}

function argoUnits(objects: readonly Located[], folders: ReadonlySet<string>): SyncUnit[] {
  const out: SyncUnit[] = [];
  for (const o of objects.filter((x) => x.release === 'argocd')) {
    const spec = at(o.obj, 'spec');
    if (o.obj.kind === 'Application') {
      const paths = [at(spec, 'source', 'path'), ...listAt(spec, 'sources').map((s) => at(s, 'path'))].filter((p): p is string => typeof p === 'string');
      const prefixes = paths.map((p) => distRelative(p, folders)).filter((p): p is string => p !== undefined && p !== 'argocd');
      if (!prefixes.length) continue;
      const unitFolders = [...folders].filter((f) => prefixes.some((p) => f === p || f.startsWith(`${p}/`))).sort();
      const opts = listAt(spec, 'syncPolicy', 'syncOptions').map(String);
      const cascade = listAt(o.obj, 'metadata', 'finalizers').map(String).some(isResourcesFinalizer);
      const destination = `${wiringFolder(o)} ${String(at(spec, 'destination', 'server') ?? at(spec, 'destination', 'name') ?? '')}`;
      // an Application an ApplicationSet generates (expanded in a cluster's view, ./clusters.ts) is
      // that ApplicationSet's: another ApplicationSet cannot adopt it, it deletes it and makes its own
      // (argo-cd issues #26584, #12172), so the same name under another ApplicationSet is another unit
      const owner = o.obj.metadata.annotations?.[APPLICATION_SET_ANNOTATION];
      const name = owner !== undefined ? `Application (ApplicationSet ${owner}) ${o.obj.metadata.name}` : `Application ${o.obj.metadata.namespace ?? ''}/${o.obj.metadata.name}`;
      out.push({ engine: 'argocd', name, folders: unitFolders, dependsOn: [], pruneLast: opts.includes('PruneLast=true'), cascade, destination });
    } else if (o.obj.kind === 'ApplicationSet' && String(at(spec, 'template', 'spec', 'source', 'path') ?? '').includes('{{.release}}')) {
      // a list generator of releases (possibly in a matrix with the clusters): one Application per
      // parameter set, named by the template (`{{.release}}`, `{{.release}}{{.suffix}}`): a second
      // cluster renames `shop` to `shop-east`, and the ApplicationSet deletes `shop`
      const opts = listAt(spec, 'template', 'spec', 'syncPolicy', 'syncOptions').map(String);
      const cascade = applicationSetCascades(o.obj);
      const fill = (t: unknown, p: Record<string, unknown>) => String(t ?? '').replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k: string) => String(p[k] ?? ''));
      const apps = new Map<string, { rel: string; destination: string }>();
      for (const p of generatorParams(listAt(spec, 'generators'))) {
        if (typeof p.release !== 'string') continue;
        const dest = at(spec, 'template', 'spec', 'destination', 'server') ?? at(spec, 'template', 'spec', 'destination', 'name');
        apps.set(fill(at(spec, 'template', 'metadata', 'name') ?? '{{.release}}', p), { rel: p.release, destination: `${wiringFolder(o)} ${fill(dest, p)}` });
      }
      for (const [app, { rel, destination }] of [...apps].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
        const unitFolders = [...folders].filter((f) => f.startsWith(`${rel}/`)).sort();
        if (unitFolders.length) out.push({ engine: 'argocd', name: `Application (ApplicationSet ${o.obj.metadata.name}) ${app}`, folders: unitFolders, dependsOn: [], pruneLast: opts.includes('PruneLast=true'), cascade, destination });
      }
    } else if (o.obj.kind === 'ApplicationSet') {
      // git directory generators (possibly inside a matrix): each matched directory is one Application
      const gens = JSON.stringify(spec);
      const dirs = [...gens.matchAll(/"path":"([^"]+)"(,"exclude":true)?/g)].map((m) => ({ path: m[1], exclude: m[2] !== undefined }));
      const opts = listAt(spec, 'template', 'spec', 'syncPolicy', 'syncOptions').map(String);
      const matched = new Set<string>();
      for (const d of dirs.filter((x) => x.path.includes('*'))) {
        const rel = d.path.split('/').filter(Boolean);
        const depth = rel.length;
        // the pattern's own depth below the dist root: `dist/*` -> 1, `dist/*/*` -> 2
        const stars = rel.filter((s) => s === '*').length;
        for (const f of folders) {
          const unit = f.split('/').slice(0, stars).join('/');
          if (unit && unit !== 'argocd' && unit !== 'flux' && depth > 0) matched.add(unit);
        }
      }
      for (const d of dirs.filter((x) => x.exclude)) {
        const p = distRelative(d.path, folders);
        if (p) matched.delete(p);
      }
      const cascade = applicationSetCascades(o.obj);
      for (const m of [...matched].sort()) {
        out.push({ engine: 'argocd', name: `Application (ApplicationSet ${o.obj.metadata.name}) ${m}`, folders: [...folders].filter((f) => f === m || f.startsWith(`${m}/`)).sort(), dependsOn: [], pruneLast: opts.includes('PruneLast=true'), cascade });
      }
    }
  }
  return out;
}

function fluxUnits(objects: readonly Located[], folders: ReadonlySet<string>): SyncUnit[] {
  const out: SyncUnit[] = [];
  for (const o of objects.filter((x) => x.release === 'flux' && x.obj.kind === 'Kustomization')) {
    const p = at(o.obj, 'spec', 'path');
    const rel = typeof p === 'string' ? distRelative(p, folders) : undefined;
    if (!rel || rel === 'flux') continue;
    const ns = o.obj.metadata.namespace ?? '';
    out.push({
      engine: 'flux', name: `Kustomization ${ns}/${o.obj.metadata.name}`,
      folders: [...folders].filter((f) => f === rel || f.startsWith(`${rel}/`)).sort(),
      dependsOn: listAt(o.obj, 'spec', 'dependsOn').map((d) => `Kustomization ${(at(d, 'namespace') as string | undefined) ?? ns}/${at(d, 'name')}`),
      pruneLast: false,
      cascade: kustomizationCascades(o.obj),
      // the cluster's API server when the wiring names it (a cluster renamed with its Secret is still
      // the same cluster), else its kubeconfig Secret
      destination: `${wiringFolder(o)} ${o.obj.metadata.annotations?.[FLUX_SERVER] ?? String(at(o.obj, 'spec', 'kubeConfig', 'secretRef', 'name') ?? '')}`,
    });
  }
  return out;
}

/** The dist-relative folder a wiring object is read from (`argocd`, a pull cluster's `argocd/<cluster>`). */
function wiringFolder(o: Located): string {
  return o.file.split('/').slice(0, -1).join('/');
}

/**
 * The parameter sets of ApplicationSet generators: a `list` generator's elements, a `matrix`'s
 * products of its two generators' sets (argo-cd docs operator-manual/applicationset/Generators-Matrix.md).
 * Other generators give none.
 */
export function generatorParams(gens: readonly unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const g of gens) {
    const list = listAt(g, 'list', 'elements').filter(isRecord);
    out.push(...list);
    const parts = listAt(g, 'matrix', 'generators').map((x) => generatorParams([x]));
    if (parts.length) out.push(...parts.reduce((acc, ps) => acc.flatMap((a) => ps.map((p) => ({ ...a, ...p }))), [{}] as Record<string, unknown>[]));
  }
  return out;
}

/** Argo CD's resources finalizer, foreground or background (argo-cd docs user-guide/app_deletion.md). */
function isResourcesFinalizer(f: string): boolean {
  return f === 'resources-finalizer.argocd.argoproj.io' || f.startsWith('resources-finalizer.argocd.argoproj.io/');
}

/**
 * Whether the Applications an ApplicationSet deletes take their objects with them: the ApplicationSet
 * controller gives them the resources finalizer unless `spec.syncPolicy.preserveResourcesOnDeletion`
 * (argo-cd docs operator-manual/applicationset/Application-Deletion.md), and a template may list it.
 */
export function applicationSetCascades(o: Manifest): boolean {
  if (listAt(o, 'spec', 'template', 'metadata', 'finalizers').map(String).some(isResourcesFinalizer)) return true;
  return at(o, 'spec', 'syncPolicy', 'preserveResourcesOnDeletion') !== true;
}

/**
 * Whether deleting a Flux Kustomization deletes its objects: `spec.deletionPolicy` Delete or
 * WaitForTermination, or MirrorPrune (the default) with `spec.prune` (flux kustomize-controller API,
 * KustomizationSpec.DeletionPolicy).
 */
function kustomizationCascades(o: Manifest): boolean {
  const policy = at(o, 'spec', 'deletionPolicy') ?? 'MirrorPrune';
  if (policy === 'Orphan') return false;
  if (policy === 'MirrorPrune') return at(o, 'spec', 'prune') === true;
  return true;
}

// ------------------------------------------------------------------------------------------------ states

/** A workload's pods in a state. */
type Pods = 'ready' | 'none' | 'old' | 'mixed';

interface Live {
  readonly obj: Located;
  /** For a workload rolling from an older pod template. */
  readonly old?: Located;
  readonly pods: Pods;
}

type Cluster = Map<string, Live>;

/** One task of a unit: apply an object (create/update) or delete it. */
interface Task {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly prune: boolean;
  readonly target?: Located;
  readonly live?: Located;
  readonly wave: number;
}

/** Every state an engine passes through for the commit, unit after unit. */
export function* syncStates(engine: Engine, before: readonly Located[], after: readonly Located[], given?: readonly SyncUnit[]): Generator<SyncState> {
  const units = given ?? unitsOf(engine, before, after);
  const b = clusterObjects(before);
  const a = clusterObjects(after);
  const inUnit = (u: SyncUnit, l: Located) => u.folders.some((f) => l.file.startsWith(`${f}/`));
  const changed = units.filter((u) => {
    // a deleted unit acts on what it deployed; one that leaves its objects does nothing
    if (u.removal) return u.removal === 'cascade' && b.some((l) => inUnit(u, l));
    const x = new Map(b.filter((l) => inUnit(u, l)).map((l) => [identityOf(l.obj), JSON.stringify(l.obj)]));
    const y = new Map(a.filter((l) => inUnit(u, l)).map((l) => [identityOf(l.obj), JSON.stringify(l.obj)]));
    return x.size !== y.size || [...y].some(([k, v]) => x.get(k) !== v);
  });
  for (const order of unitOrders(changed)) {
    // every unit applied in this order; other units at their old state until their turn
    let cluster: Cluster = new Map(b.map((l) => [identityOf(l.obj), { obj: l, pods: 'ready' as Pods }]));
    let start: SyncState['start'] = 'order';
    for (const u of order) {
      const ub = b.filter((l) => inUnit(u, l));
      const ua = a.filter((l) => inUnit(u, l));
      const gen = u.removal ? (engine === 'argocd' ? argoDelete(cluster, ub) : fluxDelete(cluster, ub)) : engine === 'argocd' ? argoSync(u, cluster, ub, ua) : fluxSync(u, cluster, ub, ua);
      for (const s of gen) {
        cluster = s.cluster;
        for (const step of expand(s.cluster)) {
          yield { engine, unit: u.name, step: `${s.step}${step.note}`, objects: step.objects, ...(start ? { start } : {}) };
          start = undefined;
        }
      }
      start ??= 'unit';
    }
  }
}

/**
 * Orders in which changed units are applied: Flux's dependsOn order (every topological order of up
 * to 4 units, else one); Argo CD units are independent: name order and its reverse.
 */
function unitOrders(units: readonly SyncUnit[]): SyncUnit[][] {
  if (units.length <= 1) return [units.slice()];
  const names = new Set(units.map((u) => u.name));
  const deps = (u: SyncUnit) => u.dependsOn.filter((d) => names.has(d));
  const out: SyncUnit[][] = [];
  const walk = (done: SyncUnit[], left: SyncUnit[]) => {
    if (out.length >= 24) return;
    if (!left.length) { out.push(done); return; }
    const ready = left.filter((u) => deps(u).every((d) => done.some((x) => x.name === d)));
    if (!ready.length) { out.push([...done, ...left]); return; }
    for (const u of units.length <= 4 ? ready : ready.slice(0, 1)) walk([...done, u], left.filter((x) => x !== u));
  };
  walk([], units.slice());
  if (units.every((u) => deps(u).length === 0) && units.length > 4) out.push(units.slice().reverse());
  return out;
}

interface Step { readonly step: string; readonly cluster: Cluster }

function waveOf(o: Manifest): number {
  const w = o.metadata.annotations?.[ARGO_WAVE];
  const n = w === undefined ? 0 : parseInt(w, 10);
  return Number.isFinite(n) ? n : 0;
}

function syncOptions(o: Manifest | undefined): string[] {
  return (o?.metadata.annotations?.[ARGO_SYNC_OPTIONS] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function tasksOf(before: readonly Located[], after: readonly Located[]): { tasks: Task[]; unchanged: Set<string> } {
  const bm = new Map(before.map((l) => [identityOf(l.obj), l]));
  const am = new Map(after.map((l) => [identityOf(l.obj), l]));
  const tasks: Task[] = [];
  const unchanged = new Set<string>();
  for (const [id, t] of am) {
    const l = bm.get(id);
    if (l && JSON.stringify(l.obj) === JSON.stringify(t.obj)) { unchanged.add(id); continue; }
    tasks.push({ id, kind: t.obj.kind, name: t.obj.metadata.name, prune: false, target: t, ...(l ? { live: l } : {}), wave: waveOf(t.obj) });
  }
  for (const [id, l] of bm) if (!am.has(id)) tasks.push({ id, kind: l.obj.kind, name: l.obj.metadata.name, prune: true, live: l, wave: waveOf(l.obj) });
  return { tasks, unchanged };
}

function describe(ts: readonly Task[]): string {
  return ts.map((t) => `${t.prune ? 'deleted' : t.live ? 'updated' : 'created'} ${refOf((t.target ?? t.live)!.obj)}`).join(', ');
}

/** Applies tasks to a cluster: new workloads without ready pods, changed pod templates rolling, Namespace deletion cascading. */
function applyTasks(cluster: Cluster, ts: readonly Task[]): Cluster {
  const next = new Map(cluster);
  for (const t of ts) {
    if (t.prune) {
      next.delete(t.id);
      if (t.kind === 'Namespace' && !t.live!.obj.metadata.namespace) {
        for (const [id, l] of next) if (l.obj.obj.metadata.namespace === t.name) next.delete(id);
      }
      continue;
    }
    const target = t.target!;
    const cur = next.get(t.id);
    if (!isWorkload(target.obj)) { next.set(t.id, { obj: target, pods: 'ready' }); continue; }
    if (!cur) { next.set(t.id, { obj: target, pods: 'none' }); continue; }
    const p = podTemplatePath(target.obj)!;
    const samePods = JSON.stringify(at(cur.obj.obj, ...p)) === JSON.stringify(at(target.obj, ...p)) && JSON.stringify(at(cur.obj.obj, 'spec', 'triggers')) === JSON.stringify(at(target.obj, 'spec', 'triggers'));
    if (samePods) next.set(t.id, { ...cur, obj: target });
    else next.set(t.id, { obj: target, old: cur.old ?? cur.obj, pods: cur.pods === 'none' ? 'none' : 'old' });
  }
  return next;
}

/** Every workload of a cluster ready with its current pods (a health wait completed). */
function settle(cluster: Cluster): Cluster {
  return new Map([...cluster].map(([id, l]) => [id, { obj: l.obj, pods: 'ready' as Pods }]));
}

/** A cluster's objects, in the pod phases a step passes through: rolling workloads show old, then old and new pods. */
function expand(cluster: Cluster): { note: string; objects: Located[] }[] {
  const rolling = [...cluster.values()].some((l) => l.pods === 'old');
  const starting = [...cluster.values()].some((l) => l.pods === 'none');
  const phase = (mixed: boolean) => {
    const out: Located[] = [];
    for (const l of cluster.values()) {
      if (l.pods === 'none') out.push(withReplicas(l.obj, 0));
      else if (l.pods === 'old' && l.old) { out.push(l.old); if (mixed) out.push(l.obj); }
      else out.push(l.obj);
    }
    return out;
  };
  const notes = starting ? '; new pods not ready yet' : '';
  if (!rolling) return [{ note: notes, objects: phase(false) }];
  return [
    { note: `${notes}; rolling: old pods only`, objects: phase(false) },
    { note: `${notes}; rolling: old and new pods`, objects: phase(true) },
  ];
}

function withReplicas(l: Located, n: number): Located {
  const spec = isRecord(l.obj.spec) ? l.obj.spec : {};
  return { ...l, obj: { ...l.obj, spec: { ...spec, replicas: n } } };
}

/** Every subset of tasks taking effect before the rest (capped): their intermediate clusters. */
function* partial(cluster: Cluster, ts: readonly Task[], label: string): Generator<Step> {
  if (ts.length <= 1) return;
  const n = ts.length;
  if (n <= 8) {
    for (let mask = 1; mask < (1 << n) - 1; mask++) {
      const sub = ts.filter((_, i) => mask & (1 << i));
      yield { step: `${label}: only ${describe(sub)} so far`, cluster: applyTasks(cluster, sub) };
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    yield { step: `${label}: only ${describe(ts.slice(0, i))} so far`, cluster: applyTasks(cluster, ts.slice(0, i)) };
    yield { step: `${label}: only ${describe(ts.slice(n - i))} so far`, cluster: applyTasks(cluster, ts.slice(n - i)) };
  }
}

/** Argo CD: one Application's Sync phase, wave by wave. */
function* argoSync(u: SyncUnit, start: Cluster, before: readonly Located[], after: readonly Located[]): Generator<Step> {
  const { tasks } = tasksOf(before, after);
  const live = tasks.filter((t) => !(t.prune && syncOptions(t.live!.obj).includes('Prune=false')));
  // prune waves mirrored: the highest created wave is deleted first
  const pruneWaves = [...new Set(live.filter((t) => t.prune).map((t) => t.wave))].sort((x, y) => x - y);
  const mirrored = new Map(pruneWaves.map((w, i) => [w, pruneWaves[pruneWaves.length - 1 - i]]));
  let ts = live.map((t) => (t.prune ? { ...t, wave: mirrored.get(t.wave)! } : t));
  const applyWaves = [...ts.filter((t) => !t.prune).map((t) => t.wave), ...after.map((l) => waveOf(l.obj))];
  const last = Math.max(0, ...applyWaves, ...ts.filter((t) => t.prune).map((t) => t.wave)) + 1;
  ts = ts.map((t) => (t.prune && (u.pruneLast || syncOptions(t.live!.obj).includes('PruneLast=true')) ? { ...t, wave: last } : t));
  let cluster = start;
  for (const w of [...new Set(ts.map((t) => t.wave))].sort((x, y) => x - y)) {
    const wave = ts.filter((t) => t.wave === w);
    const label = `wave ${w}${w === last && wave.every((t) => t.prune) ? ' (prune last)' : ''}`;
    yield* partial(cluster, wave, label);
    cluster = applyTasks(cluster, wave);
    yield { step: `${label}: ${describe(wave)}`, cluster };
    cluster = settle(cluster);
    yield { step: `${label} healthy`, cluster };
  }
}

/**
 * Argo CD: an Application deleted with its resources finalizer. Its objects are deleted in reverse
 * sync-wave order, a wave's objects together, the next wave once they are gone (argo-cd PR #3959,
 * controller finalizeApplicationDeletion); objects marked `Delete=false` (or `Delete=confirm`,
 * which waits for a person) stay (argo-cd docs user-guide/sync-options.md).
 */
function* argoDelete(start: Cluster, before: readonly Located[]): Generator<Step> {
  const ts = tasksOf(before, []).tasks.filter((t) => !syncOptions(t.live!.obj).some((o) => o === 'Delete=false' || o === 'Delete=confirm'));
  let cluster = start;
  for (const w of [...new Set(ts.map((t) => t.wave))].sort((x, y) => y - x)) {
    const wave = ts.filter((t) => t.wave === w);
    const label = `Application deleted with its objects (resources finalizer), wave ${w}`;
    yield* partial(cluster, wave, label);
    cluster = applyTasks(cluster, wave);
    yield { step: `${label}: ${describe(wave)}`, cluster };
  }
}

/**
 * Flux: a Kustomization deleted while it deletes its objects (garbage collection of its inventory,
 * in the reverse of the apply order, one object after the other), except those marked
 * `kustomize.toolkit.fluxcd.io/prune: disabled`.
 */
function* fluxDelete(start: Cluster, before: readonly Located[]): Generator<Step> {
  const prunes = tasksOf(before, []).tasks.filter((t) => t.live!.obj.metadata.annotations?.[FLUX_PRUNE] !== 'disabled')
    .sort(fluxPruneOrder);
  let cluster = start;
  for (const t of prunes) {
    cluster = applyTasks(cluster, [t]);
    yield { step: `Kustomization deleted with its objects (garbage collection): ${describe([t])}`, cluster };
  }
}

/** Flux kind order of server-side apply and (reversed) of garbage collection: fluxcd/pkg ssa/sort.go. */
const FLUX_KIND_ORDER = ['CustomResourceDefinition', 'Namespace', 'ResourceQuota', 'StorageClass', 'ServiceAccount', 'PodSecurityPolicy', 'Role', 'ClusterRole',
  'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Service', 'LimitRange', 'PriorityClass', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget'];

/** Flux's garbage-collection order of prune tasks: the reverse of its apply order (kind, then name). */
function fluxPruneOrder(x: Task, y: Task): number {
  return fluxKindIndex(y.kind) - fluxKindIndex(x.kind) || (x.kind < y.kind ? 1 : x.kind > y.kind ? -1 : 0) || (x.id < y.id ? 1 : -1);
}

function fluxKindIndex(kind: string): number {
  const i = FLUX_KIND_ORDER.indexOf(kind);
  return i >= 0 ? i - FLUX_KIND_ORDER.length : 0;
}

/** Flux: one Kustomization: apply (Namespaces first), prune one by one, then the health checks. */
function* fluxSync(_u: SyncUnit, start: Cluster, before: readonly Located[], after: readonly Located[]): Generator<Step> {
  const { tasks } = tasksOf(before, after);
  const applies = tasks.filter((t) => !t.prune);
  const first = applies.filter((t) => t.kind === 'Namespace' || t.kind === 'CustomResourceDefinition');
  const rest = applies.filter((t) => !first.includes(t));
  const prunes = tasks.filter((t) => t.prune && t.live!.obj.metadata.annotations?.[FLUX_PRUNE] !== 'disabled')
    .sort(fluxPruneOrder);
  let cluster = start;
  if (first.length) {
    cluster = applyTasks(cluster, first);
    yield { step: `apply: ${describe(first)}`, cluster };
  }
  if (rest.length) {
    yield* partial(cluster, rest, 'apply');
    cluster = applyTasks(cluster, rest);
    yield { step: `apply: ${describe(rest)}`, cluster };
  }
  for (const t of prunes) {
    cluster = applyTasks(cluster, [t]);
    yield { step: `prune: ${describe([t])}`, cluster };
  }
  cluster = settle(cluster);
  yield { step: 'health checks passed', cluster };
}

/** A violation's lines for people: one per violation. */
export function violationLines(r: TransitionReport): string[] {
  return r.violations.map((v) => v.message);
}

/** `during sync (Argo CD): guestbook v1 up to 50% (before 5%, after 0%)` lines, per entry point. */
export function transientLines(r: TransitionReport, entry?: string): string[] {
  return r.transients.filter((t) => entry === undefined || t.entry === entry).map((t) => {
    const up = t.max > Math.max(t.before, t.after) + EPS;
    const what = t.what === 'failing' ? 'failing requests' : t.what;
    return `during sync (${engineName(t.engine)}): ${what} ${up ? `up to ${pct(t.max)}` : `down to ${pct(t.min)}`} (before ${pct(t.before)}, after ${pct(t.after)})`;
  });
}

/** The text before the first `/` (`HTTPRoute shop/shop` -> `HTTPRoute shop`), or all of it. */
function beforeSlash(s: string): string {
  const i = s.indexOf('/');
  return i < 0 ? s : s.slice(0, i);
}
