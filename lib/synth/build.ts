import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { addChecksChart } from '../checks/folder';
import { canaryTrackFolder, releaseRootResources } from '../gitops/layout';
import { isCanaryTrack, isRouteKind } from '../gitops/sync-waves';
import { routerFor } from '../routers/registry';
import { ReleaseModel } from '../spec/model';
import { appSelector, trackSelector } from '../workloads/labels';
import { workloadFor, workloadHasOwnServices } from '../workloads/registry';
import { appService, namespaceObject } from '../workloads/web-app';
import { chartsToJson } from '../workloads/chart-json';
import { generatedHeader, toYaml } from './yaml';

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** The objects of one dist folder (one release, one namespace). */
export interface ReleaseFolder {
  /** Path relative to the dist root: `<release>/<namespace>`. */
  readonly path: string;
  readonly release: string;
  readonly namespace: string;
  readonly objects: readonly KubeObject[];
  /**
   * Set on a folder of smoke checks: the path of the folder whose objects they verify. The GitOps
   * wiring applies it once that folder is ready and waits for it (Flux `dependsOn` + `wait`), or syncs
   * it with that folder (Argo CD: a second source of its Application, so the PostSync hook runs after
   * that folder is healthy). @default - an ordinary folder
   */
  readonly verifies?: string;
}

/** Post-processing applied to every folder's objects (sync waves, for instance). Pure. */
export type FolderTransform = (folder: ReleaseFolder, release: ReleaseModel) => ReleaseFolder;

/** Namespaces a release has folders for: production first, then canary. Stable across states. */
export function releaseNamespaces(m: ReleaseModel): string[] {
  return [...new Set([m.namespaces.production, m.namespaces.canary])];
}

/**
 * Builds a release's objects: one cdk8s App per release and one Chart per namespace, so synthesis
 * cost grows linearly with the number of releases. Names are explicit; nothing depends on
 * construct-path hashes.
 */
export function buildRelease(m: ReleaseModel, transforms: readonly FolderTransform[] = []): ReleaseFolder[] {
  const { charts, checks } = addReleaseCharts(new App({ outdir: 'cdk8s.out' }), m);
  const json = chartsToJson([...charts.values(), ...(checks ? [checks.chart] : [])]) as KubeObject[][];
  const folders: ReleaseFolder[] = [...charts.keys()].map((ns, i) => ({ path: `${m.name}/${ns}`, release: m.name, namespace: ns, objects: json[i] }));
  const track = canaryTrackFolder(m);
  if (track) {
    // the canary's own objects (workload, Service) leave the production folder for the canary track's
    const prod = folders[0];
    const canaryOwn = (o: KubeObject) => isCanaryTrack(o) && !isRouteKind(o.kind) && o.kind !== 'Namespace';
    folders[0] = { ...prod, objects: prod.objects.filter((o) => !canaryOwn(o)) };
    folders.splice(1, 0, { path: track.path, release: m.name, namespace: track.namespace, objects: prod.objects.filter(canaryOwn) });
  }
  if (checks) folders.push({ path: checks.path, release: m.name, namespace: checks.namespace, objects: json[charts.size], verifies: checks.verifies });
  return folders.map((f) => transforms.reduce((folder, t) => t(folder, m), f));
}

/**
 * Adds a release's constructs under `scope` (an App, or a construct of one): a Chart per namespace
 * (its id the namespace) with the workloads, Services and traffic objects, and the smoke-check
 * Chart when the release has checks. `buildRelease` gives each release an App of its own; a cdk8s
 * app may put several releases in one App, each under a scope of its own (`scripts/bench.js`
 * measures that way against the conventional `app.synth()`).
 */
export function addReleaseCharts(scope: Construct, m: ReleaseModel): { readonly charts: ReadonlyMap<string, Chart>; readonly checks?: ReturnType<typeof addChecksChart> } {
  const charts = new Map<string, Chart>();
  for (const ns of releaseNamespaces(m)) charts.set(ns, new Chart(scope, ns, { disableResourceNameHashes: true }));
  const chartFor = (ns: string): Chart => {
    const c = charts.get(ns);
    if (!c) throw new Error(`internal: namespace ${ns} is not one of release ${m.name}'s namespaces (${[...charts.keys()].join(', ')})`);
    return c;
  };
  if (m.createNamespaces) for (const [ns, chart] of charts) namespaceObject(chart, `namespace-${ns}`, m, ns);

  const router = routerFor(m.router.type);
  workloadFor(m.workload.type)({ release: m, chartFor, serviceLayout: router.serviceLayout });
  if (workloadHasOwnServices(m.workload.type)) {
    // the workload brings its Services (manifests: the folder's Service, and its canary copy)
  } else if (router.serviceLayout === 'per-track') {
    appService(chartFor(m.stable.namespace), `service-${m.stable.serviceName}`, { release: m, name: m.stable.serviceName, namespace: m.stable.namespace, selector: trackSelector(m, 'stable'), appProtocol: router.serviceAppProtocol });
    if (m.canary) {
      appService(chartFor(m.canary.namespace), `service-${m.canary.serviceName}`, { release: m, name: m.canary.serviceName, namespace: m.canary.namespace, selector: trackSelector(m, 'canary'), appProtocol: router.serviceAppProtocol });
    }
  } else {
    appService(chartFor(m.namespaces.production), `service-${m.workload.sharedServiceName}`, { release: m, name: m.workload.sharedServiceName, namespace: m.namespaces.production, selector: appSelector(m), appProtocol: router.serviceAppProtocol });
  }
  router.addTraffic({ release: m, chartFor });
  const checks = addChecksChart(scope, m, router.serviceLayout);
  return { charts, ...(checks ? { checks } : {}) };
}

/** File name of an object inside its folder: `<kind>-<name>.yaml`. */
export function objectFileName(o: KubeObject): string {
  return `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
}

/**
 * Renders folders as files (relative path -> content): one file per object plus a
 * kustomization.yaml listing them, so any folder can be handed to Argo CD, Flux or
 * `kubectl kustomize` on its own.
 */
export function renderFolders(folders: readonly ReleaseFolder[], source: string): Map<string, string> {
  const files = new Map<string, string>();
  const header = generatedHeader(source);
  for (const f of folders) renderKustomizeRoot(files, f.path, f.objects, header, `release ${f.release}`);
  // `dist/<release>/kustomization.yaml`: the release as one kustomize root of its folders, what its
  // one Argo CD Application syncs (lib/gitops/layout.ts argoCdUnit); Flux applies each folder on its own
  for (const release of [...new Set(folders.map((f) => f.release))]) {
    const resources = releaseRootResources(folders.filter((f) => f.release === release).map((f) => f.path), release);
    files.set(`${release}/kustomization.yaml`, header + toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }));
  }
  return files;
}

/**
 * Adds one kustomize root to `files`: `<dir>/<kind>-<name>.yaml` per object and a
 * `<dir>/kustomization.yaml` listing them, sorted.
 */
export function renderKustomizeRoot(files: Map<string, string>, dir: string, objects: readonly KubeObject[], header: string, owner: string): void {
  const names: string[] = [];
  for (const o of objects) {
    const name = objectFileName(o);
    const path = `${dir}/${name}`;
    if (files.has(path)) throw new Error(`two objects of ${owner} render to ${path}: ${o.kind} ${o.metadata.name} is defined twice; give one of them another name`);
    files.set(path, header + toYaml(o));
    names.push(name);
  }
  names.sort();
  files.set(`${dir}/kustomization.yaml`, header + toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names }));
}
