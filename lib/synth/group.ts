import { ApiObject, App, Chart } from 'cdk8s';
import { routeBackends, routeObject } from '../routers/openshift-route';
import { GitOpsFolder } from '../gitops/layout';
import { FLUX_PRUNE_ANNOTATION, NAMESPACE_SYNC_OPTIONS, SYNC_WAVE_ANNOTATION, WAVES } from '../gitops/sync-waves';
import { AppState, applyOrder, groupState, GroupPosition, InstanceState, positionOf } from '../rollout/group';
import { appOf, GroupAppModel, GroupModel, routeHost, routeUrl } from '../spec/group';
import { MANAGED_BY, TRACK_LABEL } from '../workloads/labels';
import { chartsToJson } from '../workloads/chart-json';
import { emit, manifestsObjects } from '../workloads/manifests';
import { groupAppRelease } from '../workloads/manifests-group';
import { OpenShiftInstanceParams } from '../workloads/openshift-app';
import { namespaceManifest } from '../workloads/web-app';
import { KubeObject, ReleaseFolder } from './build';
import { openShiftAppTemplate, renderInstance } from './openshift-template';

/** Argo CD's per-resource sync options annotation. */
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** What an object is for, as far as ordering goes. */
export type ObjectRole = 'namespace' | 'template' | 'main-support' | 'main-route' | 'main-workload' | 'canary' | 'canary-route';

/**
 * Argo CD sync wave of an object of a group. The waves are global to the group (they order objects of
 * different projects when one Application syncs the whole group) and keep their order inside each
 * project folder:
 *
 * - -3 Namespace (the project-wide Namespace wave), -1 Template, 0 the mains' ImageStream/ConfigMap/Service;
 * - 10.. canaries bottom-up: a callee's canary objects, then its own Route, then its caller's canary
 *   (10 + 2 * (deepest level - level), Route +1);
 * - 20.. main Routes top-down: the entry's first (20 + level), so at promotion no old caller ever
 *   reaches a new callee and at abort the split is undone first;
 * - 30.. main workloads top-down (30 + level): a main is upgraded only after its Route has moved its
 *   traffic to the canary.
 *
 * Canary objects also carry `PruneLast=true`: Argo CD deletes them after every Route has moved.
 */
export function groupSyncWave(role: ObjectRole, level: number, maxLevel: number): number {
  switch (role) {
    case 'namespace': return WAVES.namespace;
    case 'template': return -1;
    case 'main-support': return 0;
    case 'canary': return 10 + 2 * (maxLevel - level);
    case 'canary-route': return 11 + 2 * (maxLevel - level);
    case 'main-route': return 20 + level;
    case 'main-workload': return 30 + level;
  }
}

/** The Template parameter values of one instance of an app at a stage. */
export function instanceParams(g: GroupModel, app: GroupAppModel, inst: InstanceState): OpenShiftInstanceParams {
  const backends = inst.route
    ? routeBackends(app.project, inst.route.map((s) => ({ service: s.service, namespace: app.project, percent: s.percent })))
    : { to: { kind: 'Service' as const, name: inst.dcName, weight: 100 }, alternateBackends: [] };
  return {
    appName: app.name,
    appVersion: inst.versionLabel,
    project: app.project,
    domainName: g.domain,
    dcName: inst.dcName,
    track: inst.track,
    image: `${app.imageRepository}:${inst.version}`,
    replicas: inst.replicas,
    routeWeight: backends.to.weight,
    alternateBackends: backends.alternateBackends,
    callUrls: Object.fromEntries(Object.entries(inst.calls).map(([key, c]) => [key, routeUrl(c.dcName, appOf(g, c.app).project, g.domain)])),
  };
}

/**
 * Builds a release group at a position (default: the one its spec records): one cdk8s App, one Chart
 * per project, so the folders are `dist/<group>/<project>/`. Each project holds, per app, its
 * Template and the DeploymentConfigs (main, and canary while it runs) rendered as the Template would
 * render them, plus the sync-wave annotations that order a stage's objects.
 */
export function buildGroup(g: GroupModel, pos: GroupPosition = positionOf(g)): ReleaseFolder[] {
  const state = groupState(g, pos);
  const app = new App({ outdir: 'cdk8s.out' });
  const charts = new Map<string, Chart>();
  for (const p of projectsOf(g)) charts.set(p, new Chart(app, p, { disableResourceNameHashes: true }));
  const chartFor = (p: string) => charts.get(p) as Chart;
  const annotate = (objects: readonly ApiObject[], wave: (o: ApiObject) => number, pruneLast = false) => {
    for (const o of objects) {
      o.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave(o)));
      if (pruneLast) o.metadata.addAnnotation(SYNC_OPTIONS, 'PruneLast=true');
    }
  };
  if (g.createNamespaces) {
    for (const [p, chart] of charts) {
      const baseline = g.apps.some((a) => a.project === p && a.workload.podSecurity.profile === 'baseline');
      const ns = namespaceManifest(chart, `namespace-${p}`, p, baseline ? 'baseline' : 'restricted', { ...MANAGED_BY, 'app.kubernetes.io/part-of': g.name });
      annotate([ns], () => groupSyncWave('namespace', 0, 0));
      // never pruned by either engine: deleting a Namespace deletes everything in it
      ns.metadata.addAnnotation(SYNC_OPTIONS, NAMESPACE_SYNC_OPTIONS);
      ns.metadata.addAnnotation(FLUX_PRUNE_ANNOTATION, 'disabled');
    }
  }
  for (const a of g.apps) {
    if (a.manifestsSpec) continue; // its objects are its own folder's, not a Template's
    annotate([openShiftAppTemplate(chartFor(a.project), `template-${a.name}`, g, a)], () => groupSyncWave('template', 0, 0));
  }
  for (const s of state.apps) {
    const a = appOf(g, s.app);
    if (a.manifestsSpec) {
      renderManifestsApp(chartFor(a.project), g, a, s, annotate);
      continue;
    }
    const main = renderInstance(chartFor(a.project), `main-${a.name}`, { group: g, app: a, params: instanceParams(g, a, s.main) });
    annotate(main, (o) => groupSyncWave(o.kind === 'Route' ? 'main-route' : isWorkload(o) ? 'main-workload' : 'main-support', a.level, g.maxLevel));
    if (s.canary) {
      const canary = renderInstance(chartFor(a.project), `canary-${a.name}`, { group: g, app: a, params: instanceParams(g, a, s.canary), withRoute: s.canary.route !== undefined });
      annotate(canary, (o) => groupSyncWave(o.kind === 'Route' ? 'canary-route' : 'canary', a.level, g.maxLevel), true);
    }
  }
  const json = chartsToJson([...charts.values()]) as KubeObject[][];
  return [...charts.keys()].map((p, i) => ({ path: `${g.name}/${p}`, release: g.name, namespace: p, objects: json[i] }));
}

function isWorkload(o: ApiObject): boolean {
  return o.kind === 'DeploymentConfig' || o.kind === 'Deployment';
}

/** Projects of a group, callers first (the order a GitOps engine should apply them in). */
export function projectsOf(g: GroupModel): string[] {
  return applyOrder(g);
}

/**
 * The group's folders as Argo CD and Flux see them (`<group>/<project>`, the same at every stage),
 * callers first: a project's folder depends on the folders of the projects whose apps call it, so
 * the entry's Route moves (promotion, abort) before a callee's. Creation (stage 2) is safe in this
 * order too: no user reaches a canary before stage 3.
 */
export function groupGitopsFolders(g: GroupModel): GitOpsFolder[] {
  return projectsOf(g).map((p) => {
    const callers = new Set(g.apps.filter((a) => a.project !== p && a.calls.some((c) => appOf(g, c.app).project === p)).map((a) => a.project));
    return { path: `${g.name}/${p}`, namespace: p, ...(callers.size ? { dependsOn: [...callers].sort().map((c) => `${g.name}/${c}`) } : {}) };
  });
}

/**
 * An app that brings its own manifests, at a stage: its folder's objects as the main (stable track,
 * the Service narrowed to it), the derived canary and its Service while the stage has one, and the
 * app's Routes as S3 has them (main Route `<app>` on the main Service with the stage's shares; the
 * canary's own Route when another canary calls it), with the group's sync waves.
 */
function renderManifestsApp(chart: Chart, g: GroupModel, a: GroupAppModel, s: AppState, annotate: (objects: readonly ApiObject[], wave: (o: ApiObject) => number, pruneLast?: boolean) => void): void {
  const view = groupAppRelease(g, a, s);
  const labels = (inst: InstanceState) => ({ ...MANAGED_BY, 'app.kubernetes.io/part-of': g.name, app: a.name, [TRACK_LABEL]: inst.track, version: inst.versionLabel });
  for (const x of manifestsObjects(view, 'per-track')) {
    const o = emit(chart, x.obj);
    if (x.track === 'canary') annotate([o], () => groupSyncWave('canary', a.level, g.maxLevel), true);
    else annotate([o], () => groupSyncWave(x.obj.kind === 'Deployment' && x.obj.metadata.name === view.stable.name ? 'main-workload' : 'main-support', a.level, g.maxLevel));
  }
  const route = (inst: InstanceState, name: string, role: 'main-route' | 'canary-route') => {
    if (!inst.route) return;
    const backends = routeBackends(a.project, inst.route.map((r) => ({ service: r.service, namespace: a.project, percent: r.percent })));
    const r = routeObject(chart, `route-${name}`, {
      name, namespace: a.project, labels: labels(inst), balance: g.balance, host: routeHost(name, a.project, g.domain),
      to: backends.to, alternateBackends: backends.alternateBackends, targetPort: a.workload.portName,
    });
    annotate([r], () => groupSyncWave(role, a.level, g.maxLevel), role === 'canary-route');
  };
  route(s.main, a.name, 'main-route');
  if (s.canary) route(s.canary, a.canaryName, 'canary-route');
}
