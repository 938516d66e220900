/**
 * A dist/ tree as each cluster sees it. A release with `fleet:` has one copy of its folders per
 * cluster (`<release>/<cluster>/<folder>/`, lib/gitops/layout.ts), and each copy is applied to its
 * own cluster by its own Argo CD Application or Flux Kustomizations. Traffic, the diff and the sync
 * model (./transition.ts) must never mix two clusters' copies, so they run on views:
 *
 * - the shared view: every release without a fleet (deployed to every cluster as one), with the
 *   wiring roots as they are;
 * - one view per cluster of a fleet release: that cluster's folders of every fleet release, placed
 *   as if they were a release of their own (`<release>/<folder>/`), and the wiring that applies
 *   them to that cluster, with its paths rewritten the same way (the fleet ApplicationSet's list
 *   elements become the Applications it generates).
 *
 * A tree without fleet folders has exactly one view, the tree itself. Pure.
 */
import { GITOPS_ROOTS } from '../gitops/layout';
import { at, isRecord, listAt, Located, Manifest } from '../manifests/objects';
import { APPLICATION_SET_ANNOTATION, applicationSetCascades, checkObjects, generatorParams, TransitionOptions, TransitionReport } from './transition';
import { columns, computeTraffic, entriesOf, entryLabel, EntryTraffic, renderTrafficText, summaryLine } from './traffic';

/** One cluster's view (or the shared one) of a tree's objects. */
export interface ClusterView {
  /** The cluster; undefined for the shared view. */
  readonly cluster?: string;
  /** Its objects, files as the view places them. */
  readonly objects: readonly Located[];
  /** The tree's path of a file of the view (`shop/shop/x.yaml` -> `shop/eu-1/shop/x.yaml`). */
  origin(file: string): string;
}

const CLUSTER_LABEL = 'canary.cdk8s.io/cluster';

/** Releases laid out per cluster: those with files four levels deep (`<release>/<cluster>/<folder>/<file>`). */
export function fleetReleasesOf(objects: readonly Pick<Located, 'file'>[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const seg = o.file.split('/');
    if (seg.length >= 4 && !GITOPS_ROOTS.includes(seg[0])) out.add(seg[0]);
  }
  return out;
}

/**
 * The views of one or more trees' objects (read with objectsOfTree). `sides` are read together so
 * that a cluster present on one side only still gets a view on both (empty there). A release laid
 * out per cluster on one side only (`fleet:` added or removed) is, on the side where it is not, on
 * every cluster: its objects and its Applications and Kustomizations for that cluster (labelled
 * `canary.cdk8s.io/cluster`) join each cluster's view as they are, not the shared view, so that each
 * cluster sees the release go from one layout to the other (its old units deleted, lib/review/transition.ts).
 */
export function clusterViews(...sides: readonly (readonly Located[])[]): ClusterView[][] {
  const perSide = sides.map((objects) => fleetReleasesOf(objects));
  const fleet = new Set(perSide.flatMap((f) => [...f]));
  const identity = (f: string) => f;
  if (!fleet.size) return sides.map((objects) => [{ objects, origin: identity }]);
  const clusters = new Set<string>();
  sides.forEach((objects, i) => {
    for (const o of objects) {
      const seg = o.file.split('/');
      if (perSide[i].has(seg[0]) && seg.length >= 3) clusters.add(seg[1]);
    }
  });
  const sorted = [...clusters].sort();
  return sides.map((objects, i) => {
    const own = perSide[i];
    // releases laid out per cluster on another side only: on every cluster here
    const everywhere = new Set([...fleet].filter((r) => !own.has(r)));
    const partOf = (o: Located) => o.obj.metadata.labels?.['app.kubernetes.io/part-of'];
    const everywhereWiring = (o: Located) => GITOPS_ROOTS.includes(o.release) && everywhere.has(partOf(o) ?? '') && o.obj.metadata.labels?.[CLUSTER_LABEL] !== undefined;
    // the shared view leaves out the fleet's own wiring (its paths lead to per-cluster folders)
    const shared: Located[] = objects.filter((o) => !fleet.has(o.release) && !(GITOPS_ROOTS.includes(o.release) && (isFleetWiring(o.obj, own) || everywhereWiring(o))));
    const views: ClusterView[] = [{ objects: shared, origin: identity }];
    for (const c of sorted) {
      const mine: Located[] = [];
      for (const o of objects) {
        if (own.has(o.release)) {
          const seg = o.file.split('/');
          if (seg[1] === c && seg.length >= 3) mine.push({ ...o, file: [seg[0], ...seg.slice(2)].join('/') });
        } else if (everywhere.has(o.release)) {
          mine.push(o);
        } else if (everywhereWiring(o)) {
          if (o.obj.metadata.labels?.[CLUSTER_LABEL] === c) mine.push(o);
        } else if (GITOPS_ROOTS.includes(o.release)) {
          mine.push(...wiringFor(o, c, own), ...everywhereApplications(o, c, everywhere));
        }
      }
      views.push({
        cluster: c,
        objects: mine,
        origin: (file) => {
          const seg = file.split('/');
          return own.has(seg[0]) ? [seg[0], c, ...seg.slice(1)].join('/') : file;
        },
      });
    }
    return views;
  });
}

function wiringFor(o: Located, cluster: string, fleet: ReadonlySet<string>): Located[] {
  const obj = o.obj;
  const rewrite = (p: unknown) => (typeof p === 'string' ? withoutCluster(p, cluster, fleet) : p);
  if (obj.kind === 'ApplicationSet') {
    // the fleet ApplicationSet (lib/gitops/argocd.ts): one Application per list element
    const template = at(obj, 'spec', 'template');
    const path = at(template, 'spec', 'source', 'path');
    if (typeof path !== 'string' || !path.includes('{{.cluster}}')) return [];
    const elements = JSON.stringify(obj.spec).includes('"elements"') ? listAt(obj, 'spec', 'generators').flatMap((g) => listAt(g, 'list', 'elements')) : [];
    return elements.filter((e) => isRecord(e) && e.cluster === cluster && fleet.has(String(e.release))).map((e) => {
      const fill = (s: string) => s.replace(/\{\{\.(\w+)\}\}/g, (_, k: string) => String((e as Record<string, unknown>)[k] ?? ''));
      const spec = JSON.parse(fill(JSON.stringify(at(template, 'spec')))) as Record<string, unknown>;
      const source = spec.source as Record<string, unknown>;
      return generatedApplication(o, fill, cluster, { ...spec, source: { ...source, path: rewrite(source.path) } });
    });
  }
  if (obj.metadata.labels?.[CLUSTER_LABEL] !== cluster) return [];
  if (obj.kind === 'Application') {
    const path = at(obj, 'spec', 'source', 'path');
    if (typeof path !== 'string' || rewrite(path) === path) return [];
    return [{ ...o, obj: { ...obj, spec: { ...(obj.spec as object), source: { ...(at(obj, 'spec', 'source') as object), path: rewrite(path) } } } }];
  }
  if (obj.kind === 'Kustomization' && obj.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) {
    const path = at(obj, 'spec', 'path');
    if (typeof path !== 'string' || rewrite(path) === path) return [];
    return [{ ...o, obj: { ...obj, spec: { ...(obj.spec as object), path: rewrite(path) } } }];
  }
  return [];
}

/**
 * An Application an ApplicationSet generates on `cluster`, as the sync model reads it: its name and
 * spec filled from the template, the resources finalizer when the ApplicationSet deletes with it
 * (lib/review/transition.ts applicationSetCascades), and the ApplicationSet's name
 * (APPLICATION_SET_ANNOTATION: the same name under another ApplicationSet is another Application).
 */
function generatedApplication(o: Located, fill: (s: string) => string, cluster: string, spec: Record<string, unknown>): Located {
  const template = at(o.obj, 'spec', 'template');
  const app: Manifest = {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application',
    metadata: {
      name: fill(String(at(template, 'metadata', 'name'))), namespace: o.obj.metadata.namespace ?? '', labels: { [CLUSTER_LABEL]: cluster },
      annotations: { [APPLICATION_SET_ANNOTATION]: o.obj.metadata.name },
      ...(applicationSetCascades(o.obj) ? { finalizers: ['resources-finalizer.argocd.argoproj.io'] } : {}),
    },
    spec,
  };
  return { obj: app, file: `${o.release}/application-${app.metadata.name}.yaml`, release: o.release };
}

/**
 * The Applications an ApplicationSet of releases without a fleet (`dist/{{.release}}`, a list of
 * releases, in a matrix with the clusters or on one pull cluster) generates on `cluster` for the
 * releases of `everywhere` (laid out per cluster on the other side of a change: `fleet:` added or
 * removed). Their paths lead to the release's own folders, as that side has them.
 */
function everywhereApplications(o: Located, cluster: string, everywhere: ReadonlySet<string>): Located[] {
  const obj = o.obj;
  const template = at(obj, 'spec', 'template');
  const path = at(template, 'spec', 'source', 'path');
  if (obj.kind !== 'ApplicationSet' || typeof path !== 'string' || !path.includes('{{.release}}') || path.includes('{{.cluster}}')) return [];
  const fixed = at(template, 'metadata', 'labels', CLUSTER_LABEL);
  return generatorParams(listAt(obj, 'spec', 'generators'))
    .filter((p) => everywhere.has(String(p.release)) && (p.cluster ?? fixed) === cluster)
    .map((p) => {
      const fill = (t: string) => t.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k: string) => String(p[k] ?? ''));
      return generatedApplication(o, fill, cluster, JSON.parse(fill(JSON.stringify(at(template, 'spec')))) as Record<string, unknown>);
    });
}

function isFleetWiring(obj: Manifest, fleet: ReadonlySet<string>): boolean {
  const part = obj.metadata.labels?.['app.kubernetes.io/part-of'];
  if (part !== undefined && fleet.has(part) && obj.metadata.labels?.[CLUSTER_LABEL] !== undefined) return true;
  const path = at(obj, 'spec', 'template', 'spec', 'source', 'path');
  return obj.kind === 'ApplicationSet' && typeof path === 'string' && path.includes('{{.cluster}}');
}

/** `./dist/shop/eu-1/shop` -> `./dist/shop/shop` for a fleet release's path on `cluster`; other paths unchanged. */
function withoutCluster(p: string, cluster: string, fleet: ReadonlySet<string>): string {
  const seg = p.split('/');
  for (let i = 0; i + 1 < seg.length; i++) {
    if (fleet.has(seg[i]) && seg[i + 1] === cluster) return [...seg.slice(0, i + 1), ...seg.slice(i + 2)].join('/');
  }
  return p;
}

/**
 * The sync model (./transition.ts) run cluster by cluster: for each view, the states Argo CD and Flux
 * pass through there, merged into one report (state counts added; a fleet cluster's violations and
 * transients say which cluster, `cluster eu-1: ...`). Without fleet folders: checkObjects itself.
 */
export function checkByCluster(before: readonly Located[], after: readonly Located[], options: TransitionOptions = {}): TransitionReport & { readonly perCluster: readonly { readonly cluster?: string; readonly report: TransitionReport }[] } {
  const [vb, va] = clusterViews(before, after);
  const perCluster = vb.map((v, i) => ({ ...(v.cluster !== undefined ? { cluster: v.cluster } : {}), report: checkObjects(v.objects, va[i].objects, options) }));
  const on = (c: string | undefined, m: string) => (c === undefined ? m : `cluster ${c}: ${m}`);
  return {
    engines: [...new Set(perCluster.flatMap((p) => p.report.engines))],
    states: { argocd: sum(perCluster.map((p) => p.report.states.argocd)), flux: sum(perCluster.map((p) => p.report.states.flux)) },
    violations: perCluster.flatMap((p) => p.report.violations.map((v) => ({ ...v, message: on(p.cluster, v.message) }))),
    transients: perCluster.flatMap((p) => p.report.transients),
    perCluster,
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** An entry point of one cluster's view (`cluster` undefined: every cluster, a release without a fleet). */
export type ClusterEntry = EntryTraffic & { readonly cluster?: string };

/**
 * Traffic cluster by cluster: computeTraffic on each view, entry files as the tree has them. `name`
 * keeps the entries of one release or group (as `traffic <name>`); `cluster` keeps one cluster's
 * (and the entries every cluster shares).
 */
export function trafficByCluster(objects: readonly Located[], name?: string, cluster?: string): ClusterEntry[] {
  const [views] = clusterViews(objects);
  const out: ClusterEntry[] = [];
  for (const v of views) {
    if (cluster !== undefined && v.cluster !== undefined && v.cluster !== cluster) continue;
    const report = computeTraffic(v.objects);
    const entries = name === undefined ? report.entries : entriesOf(report, name, v.objects);
    for (const e of entries) out.push({ ...e, file: v.origin(e.file), ...(v.cluster !== undefined ? { cluster: v.cluster } : {}) });
  }
  return out;
}

/**
 * The `traffic` text of entries from several clusters: entries every cluster shares as usual
 * (renderTrafficText); a fleet release's entry point once, with one line per cluster of its user
 * shares (`traffic --cluster C` shows one cluster's hops in full).
 */
export function renderClusterTraffic(entries: readonly ClusterEntry[]): string[] {
  const shared = entries.filter((e) => e.cluster === undefined);
  const out = shared.length ? renderTrafficText(shared) : [];
  const byId = new Map<string, ClusterEntry[]>();
  for (const e of entries.filter((x) => x.cluster !== undefined)) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
  for (const group of byId.values()) {
    if (out.length) out.push('');
    const e = group[0];
    out.push(`${entryLabel(e)}  (${e.objects.join(', ')}) on ${group.length} cluster(s)`);
    out.push(...columns([['CLUSTER', 'USERS'], ...group.map((x) => [x.cluster!, summaryLine(x.flows)])], '  '));
    const testers = [...new Set(group.flatMap((x) => x.testers.map((t) => `${t.condition}: ${summaryLine(t.flows)}`)))];
    for (const t of testers) out.push(`  tester-only, ${t} (in ${group.filter((x) => x.testers.some((y) => `${y.condition}: ${summaryLine(y.flows)}` === t)).map((x) => x.cluster).join(', ')})`);
  }
  return out;
}
