/**
 * The refusals a change of dist/ gets before it is written or committed: Namespaces removed while
 * something still lives in them (./namespaces), routes left bound to a Gateway that is gone or no
 * longer admits them (lib/manifests/gateway-refs.ts: the release that goes dark may be unchanged), and any state of
 * an Argo CD or Flux sync that breaks an invariant (./transition). `validate` runs it on the working tree against HEAD; the moves run it
 * before they commit. Pure: trees in, messages out.
 */
import { objectsOfTree } from '../manifests/tree';
import { namespaceRemovalMessage, namespaceRemovals } from './namespaces';
import { checkByCluster, clusterViews } from './clusters';
import { detachmentMessage, detachments, gatewayRefsOf } from '../manifests/gateway-refs';
import { TransitionReport, Violation } from './transition';

export interface GateResult {
  /** One message per refusal (empty: the change is safe to apply). */
  readonly refusals: readonly string[];
  /** The sync model's report (states per engine, transients). */
  readonly report: TransitionReport;
}

/** Checks the change from one dist tree to another (dist-relative paths -> YAML). */
export function gateTransition(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, distLabel = 'dist'): GateResult {
  const a = objectsOfTree(before).objects;
  const b = objectsOfTree(after).objects;
  // cluster by cluster: a fleet release's copies on two clusters never meet (./clusters.ts)
  const [va, vb] = clusterViews(a, b);
  const refusals = va.flatMap((v, i) => namespaceRemovals(v.objects, vb[i].objects).map((r) => namespaceRemovalMessage({
    ...r, file: v.origin(r.file), stillThere: r.stillThere.map((x) => ({ ...x, file: vb[i].origin(x.file) })),
  }, distLabel)));
  // a route the change unbinds from its Gateway (gone, or no longer admitting it) serves nobody once
  // synced, though the route (its release) may not change at all (lib/manifests/gateway-refs.ts)
  va.forEach((v, i) => {
    for (const d of detachments(v.objects, vb[i].objects)) refusals.push(detachmentMessage(d, distLabel, vb[i].origin));
  });
  const report = checkByCluster(a, b);
  const hint = unitDeletionHint(new Set(report.violations.filter((v) => isUnitDeletion(v.step)).map((v) => v.engine)));
  for (const v of report.violations) {
    const way = isUnitDeletion(v.step) ? hint : isRouteRenamedInPlace(v) ? routeRenameHint(v.object, v.handedTo!) : 'split the change into commits that are each safe (for example set-weight 0 before abort)';
    refusals.push(`unsafe during sync: ${v.message}; ${way}, see the README "What happens during a sync"`);
  }
  // each changed release is checked with those sharing its namespaces: a renamed release's old and
  // new names find the same state
  return { refusals: [...new Set(refusals)], report };
}

/**
 * Whether a violation is Argo CD pruning a route that another route of the same kind and namespace
 * takes over in the same sync (a route renamed in place: router.routeName, ingressName,
 * virtualServiceName): the old one goes in its mirrored prune wave, before or while the new one is
 * created (lib/review/transition.ts argoSync).
 */
function isRouteRenamedInPlace(v: Violation): boolean {
  if (v.engine !== 'argocd' || v.handedTo === undefined || v.handedTo === v.object || isUnitDeletion(v.step)) return false;
  const [kind, ref] = [beforeSpace(v.object), afterSpace(v.object)];
  const [kind2, ref2] = [beforeSpace(v.handedTo), afterSpace(v.handedTo)];
  return kind === kind2 && ref.split('/')[0] === ref2.split('/')[0] && v.step.includes(`deleted ${v.object}`);
}

const beforeSpace = (s: string) => s.slice(0, s.indexOf(' '));
const afterSpace = (s: string) => s.slice(s.indexOf(' ') + 1);

/**
 * The two-step for a route renamed in place under Argo CD: Application-wide PruneLast first
 * (`argocd.pruneLast`, lib/gitops/argocd.ts), so the old route is pruned after the new one serves;
 * the route renamed apart from its backends (pruned last together, the old route would lose its
 * Service while it still serves).
 */
function routeRenameHint(from: string, to: string): string {
  return `a route renamed in place (${from} becomes ${to}): Argo CD prunes the old route in its mirrored prune wave, before or while the same sync creates the new one; first set \`argocd.pruneLast: true\` in cdk8s-canary.yaml, commit that alone and let it sync, then make this change (rename the route in a commit of its own, not with the Deployment or Service it sends to), and set it back afterwards`;
}

/** Whether a sync step is an Application or Kustomization deleted with its objects (lib/review/transition.ts argoDelete, fluxDelete). */
function isUnitDeletion(step: string): boolean {
  return step.startsWith('Application deleted with its objects') || step.startsWith('Kustomization deleted with its objects');
}

/**
 * How to rename sync units over objects that stay: let the engines leave the objects first. Names
 * the setting of each engine whose units are deleted (an Argo CD-only project is not told about Flux),
 * as field paths: cdk8s-canary.yaml already has `argocd:` and `flux:` blocks to add them to.
 */
function unitDeletionHint(engines: ReadonlySet<string>): string {
  const settings = [...(engines.has('argocd') ? ['`argocd.preserveResourcesOnDeletion: true`'] : []), ...(engines.has('flux') ? ['`flux.deletionPolicy: Orphan`'] : [])];
  return `an Application or Kustomization goes away while its objects stay under another name (a cluster added to a one-cluster project, two clusters become one or a cluster renamed on the same server, fleet: added to or removed from a running release, a release renamed over its host): first set ${settings.join(' and ')} in cdk8s-canary.yaml, commit that alone and let it sync, then make this change`;
}

/**
 * The releases whose Argo CD or Flux wiring differs between two trees while their own folders may
 * not (a unit renamed: its old Application or Kustomization is deleted, lib/review/transition.ts
 * `SyncUnit.removal`), among `releases`: the owners of the wiring files that are deleted; `all` when a shared wiring file that defines units changed
 * beyond its list of releases (an ApplicationSet's template or clusters).
 * @param changedWiring dist-relative paths of the wiring files that differ, with their two texts
 *   (undefined: absent on that side)
 */
export function wiringChanges(changedWiring: ReadonlyMap<string, { readonly before?: string; readonly after?: string }>, releases: ReadonlySet<string>): Set<string> | 'all' {
  const out = new Set<string>();
  for (const [p, t] of changedWiring) {
    const owner = wiringOwner(p, releases);
    if (owner !== undefined) {
      // a unit's file is named after it: a file gone is a unit deleted (a rename adds another file);
      // an edited one (an interval, a finalizer) deletes nothing, and checking every release for it
      // would cost the whole project (issue 19)
      if (t.before !== undefined && t.after === undefined && holdsSyncUnits(t.before)) out.add(owner);
      continue;
    }
    // of the shared files, only an ApplicationSet makes release units (the root Application and
    // Kustomization sync dist/argocd/ and dist/flux/ themselves); its list of releases (a release
    // added or removed changes its own folders too) and how it deletes are not renames, anything
    // else (its name template, its clusters) may be
    if (![t.before, t.after].some((x) => x !== undefined && /^kind:[ \t]*['"]?ApplicationSet\b/m.test(x))) continue;
    if (unitShape(t.before ?? '') !== unitShape(t.after ?? '')) return 'all';
  }
  return out;
}

/**
 * A wiring file's text without what does not name units: the list-generator elements that name
 * releases (their parameters), and the deletion settings (finalizers, preserveResourcesOnDeletion).
 */
function unitShape(text: string): string {
  return text.split('\n').filter((l) => {
    let rest = l.trimStart();
    if (rest.startsWith('- ')) rest = rest.slice(2).trimStart();
    return !/^(?:release|namespace|cluster|server|suffix|finalizers|preserveResourcesOnDeletion|syncPolicy):/.test(rest) && !rest.startsWith('resources-finalizer.argocd.argoproj.io');
  }).join('\n');
}

/**
 * Whether a wiring file can hold what the sync model reads from the wiring (lib/review/transition.ts
 * `unitsOf`: Argo CD Applications and ApplicationSets, Flux Kustomizations). Two shared files grow
 * with the number of releases and hold none of it, so the gates do not parse them: the
 * AppProject (one destination per namespace) and kustomize's own `kustomization.yaml` (one resource
 * per release; `kustomize.config.k8s.io`, which no engine syncs as an object).
 */
export function holdsSyncUnits(text: string): boolean {
  const kinds = [...text.matchAll(/^kind:[ \t]*['"]?([A-Za-z]+)/gm)].map((m) => m[1]);
  if (kinds.length && kinds.every((k) => k === 'AppProject')) return false;
  if (kinds.length && kinds.every((k) => k === 'Kustomization') && !/^apiVersion:[ \t]*['"]?kustomize\.toolkit\.fluxcd\.io\//m.test(text)) return false;
  return true;
}

/** The top folders of dist/ that hold the engines' wiring, not a release. */
const WIRING_FOLDERS = new Set(['argocd', 'flux']);

/**
 * The release (or group) a wiring file of dist/argocd/ or dist/flux/ belongs to, among `releases`:
 * generated wiring files are named `<kind>-<release>.yaml` or `<kind>-<release>-<folder>.yaml`.
 * The longest matching release name wins (`guestbook` and `guestbook-gateway` both exist in the
 * reference project). Undefined for the shared files (root Application, AppProject, GitRepository,
 * kustomizations).
 */
export function wiringOwner(file: string, releases: ReadonlySet<string>): string | undefined {
  const base = (file.split('/').pop() ?? file).replace(/\.ya?ml$/, '');
  const dash = base.indexOf('-');
  const rest = dash < 0 ? '' : base.slice(dash + 1); // after the kind (`application-`, `kustomization-`)
  if (releases.has(rest)) return rest;
  // the longest name first: `kustomization-guestbook-gateway-gw-prod` is guestbook-gateway's, not guestbook's
  for (let i = rest.lastIndexOf('-'); i > 0; i = rest.lastIndexOf('-', i - 1)) if (releases.has(rest.slice(0, i))) return rest.slice(0, i);
  return undefined;
}

/**
 * The part of two dist trees (dist-relative paths -> YAML) that `gateTransition` needs to judge the
 * change between them, so that the cost follows the size of the change, not of the project (issue 19:
 * `validate` at 1000 releases parsed all 28 000 files of both trees, 15 s of CPU and 330 MB, to find
 * nothing changed). It keeps:
 * - every file of the releases whose files differ (by text);
 * - the files of other releases that can share a namespace with them (their text holds the name of
 *   one of those namespaces; the transition model checks each changed release with every object in
 *   its namespaces and with the releases bound to its Gateways, lib/review/transition.ts `checkObjects`);
 * - the files holding a Gateway that their routes bind to (the release creating it is played too);
 * - the wiring of those releases and the shared wiring.
 * The model reads only what it would read from the whole trees, so its verdict is the same (test:
 * test/transition-scope.test.ts). When a changed release has a cluster-scoped object other than its
 * Namespaces, every file is kept.
 */
export function scopeToChange(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): { before: Map<string, string>; after: Map<string, string> } {
  const top = (p: string) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '');
  const changed = new Set<string>();
  for (const [p, t] of before) if (after.get(p) !== t && !WIRING_FOLDERS.has(top(p))) changed.add(top(p));
  for (const p of after.keys()) if (!before.has(p) && !WIRING_FOLDERS.has(top(p))) changed.add(top(p));
  // a release whose Application or Kustomization is renamed changes, though its folders do not
  const wiringDiff = new Map<string, { before?: string; after?: string }>();
  for (const p of new Set([...before.keys(), ...after.keys()])) {
    if (WIRING_FOLDERS.has(top(p)) && before.get(p) !== after.get(p)) wiringDiff.set(p, { before: before.get(p), after: after.get(p) });
  }
  const allReleases = new Set([...before.keys(), ...after.keys()].map(top).filter((r) => r && !WIRING_FOLDERS.has(r)));
  const viaWiring = wiringChanges(wiringDiff, allReleases);
  if (viaWiring === 'all') return { before: new Map(before), after: new Map(after) };
  for (const r of viaWiring) changed.add(r);
  if (!changed.size) return { before: new Map(), after: new Map() };
  const pick = (tree: ReadonlyMap<string, string>) => new Map([...tree].filter(([p]) => changed.has(top(p))));
  const namespaces = new Set<string>();
  const bound = new Set<string>();
  for (const tree of [before, after]) {
    for (const l of objectsOfTree(pick(tree)).objects) {
      namespaces.add(l.obj.metadata.namespace ?? (l.obj.kind === 'Namespace' ? l.obj.metadata.name : ''));
      // the Gateways their routes bind to: the model plays a route with the release creating its
      // Gateway (only a file holding a Gateway there is read: many routes name one Gateway outside dist/)
      for (const g of gatewayRefsOf(l.obj)) bound.add(g.namespace);
    }
  }
  if (namespaces.has('')) return { before: new Map(before), after: new Map(after) };
  const releases = new Set([...before.keys(), ...after.keys()].map(top).filter((r) => r && !WIRING_FOLDERS.has(r)));
  const keep = (p: string, text: string): boolean => {
    const r = top(p);
    if (changed.has(r)) return true;
    if (WIRING_FOLDERS.has(r)) {
      const owner = wiringOwner(p, releases);
      return (owner === undefined || kept.has(owner)) && holdsSyncUnits(text);
    }
    for (const ns of namespaces) if (text.includes(ns)) return true;
    if (bound.size && /^kind:[ \t]*['"]?Gateway['"]?[ \t]*$/m.test(text)) for (const ns of bound) if (text.includes(`namespace: ${ns}`)) return true;
    return false;
  };
  // first the releases' files (which releases are kept), then their wiring
  const kept = new Set<string>(changed);
  for (const tree of [before, after]) for (const [p, t] of tree) if (!WIRING_FOLDERS.has(top(p)) && keep(p, t)) kept.add(top(p));
  const scoped = (tree: ReadonlyMap<string, string>) => new Map([...tree].filter(([p, t]) => (WIRING_FOLDERS.has(top(p)) ? keep(p, t) : kept.has(top(p)) && keep(p, t))));
  return { before: scoped(before), after: scoped(after) };
}
