import { App, Chart } from 'cdk8s';
import { Application, ApplicationSpecSyncPolicy } from '../../imports/argocd-application-argoproj.io';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { ClusterModel, IN_CLUSTER_SERVER, ProjectConfigModel } from '../spec/project-config';
import { ApplicationSet, ApplicationSetGenerator } from './applicationset';
import { namespaceResourceWhitelist, rootAppProject, rootProjectName } from './argocd-projects';
import {
  ArgoCdUnit, argoCdSuffix, argoCdUnit, argoCdUnits, assertUniqueNames, gitopsLabels, GitOpsRelease, ManifestObject,
  NamedObject, ProjectGenerator, ProjectInput, repoPath, rootPath,
} from './layout';
import { SYNC_WAVE_ANNOTATION } from './sync-waves';
import { chartsToJson } from '../workloads/chart-json';
import { kubeObject } from '../workloads/kube-object';

/** Folder of the Argo CD root under dist/. */
export const ARGOCD_ROOT = 'argocd';
/** Deleting an Application deletes what it deployed (like Flux's prune), not orphaning it. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/**
 * The finalizers of a generated Application: Argo CD's resources finalizer (deleting the Application
 * deletes its objects), or none with `argocd.preserveResourcesOnDeletion` (its objects stay, for a
 * rename: argo-cd docs user-guide/app_deletion.md).
 */
function finalizers(config: ProjectConfigModel): { finalizers?: string[] } {
  return config.argocd.preserveResourcesOnDeletion ? {} : { finalizers: [RESOURCES_FINALIZER] };
}

/** An ApplicationSet's own sync policy: with `argocd.preserveResourcesOnDeletion`, the same for the Applications it deletes. */
function applicationSetSyncPolicy(config: ProjectConfigModel): { syncPolicy?: { preserveResourcesOnDeletion: true } } {
  return config.argocd.preserveResourcesOnDeletion ? { syncPolicy: { preserveResourcesOnDeletion: true } } : {};
}
/** Retry of a failed sync: 5s, 10s, 20s... up to 3m, five times. */
export const SYNC_RETRY = { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } } as const;

/**
 * `dist/argocd/`: an AppProject admitting exactly this repository and the namespaces the releases
 * use, then either one Application per release folder (and cluster) or one ApplicationSet with a list
 * generator of the releases, plus (optionally) a root Application that keeps `dist/argocd/` itself synced.
 */
export const argoCdGenerator: ProjectGenerator = (input) =>
  input.config.argocd.enabled ? [{ path: rootPath(ARGOCD_ROOT, input), objects: argoCdObjects(input) }] : [];

/** The objects of `dist/argocd/`, in a stable order. */
export function argoCdObjects(input: ProjectInput): ManifestObject[] {
  const { config } = input;
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), ARGOCD_ROOT, { disableResourceNameHashes: true });
  kubeObject(AppProject, chart, 'appproject', {
    metadata: {
      name: config.argocd.project,
      namespace: config.argocd.namespace,
      labels: gitopsLabels(),
      // before the Applications that reference it, when the root Application syncs this folder
      annotations: { [SYNC_WAVE_ANNOTATION]: '-1' },
    },
    spec: {
      description: `cdk8s-canary releases synthesized into ${config.repository.path}/ of ${config.repository.url}`,
      sourceRepos: [config.repository.url],
      destinations: projectDestinations(input),
      ...(createsNamespaces(input) ? { clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] } : {}),
      namespaceResourceWhitelist: namespaceResourceWhitelist(input),
    },
  });
  if (config.argocd.selfManaged) rootAppProject(chart, config, rootPath(ARGOCD_ROOT, input));

  // names are checked first, in both modes: the ApplicationSet generates the same ones
  const rootName = `${config.argocd.project}-root`;
  // one Application per release (and cluster): every folder of it, ordered by the objects' waves; a
  // fleet release has one per cluster of its fleet, with that cluster's folders (lib/gitops/layout.ts)
  const units = input.releases.flatMap((r) => argoCdUnits(r).flatMap((u) => {
    if (u.cluster !== undefined) {
      const c = clusterNamed(config, u.cluster);
      return [{ r, c, u, name: `${r.release.model.name}-${c.name}`, what: `release ${r.release.model.name} on cluster ${c.name} (fleet)` }];
    }
    return config.clusters.map((c) => {
      const suffix = argoCdSuffix(config, c);
      return { r, c, u, name: `${u.path}${suffix}`, what: `release ${r.release.model.name}${suffix ? ` on cluster ${c.name}` : ''}` };
    });
  }));
  assertUniqueNames('Application', [
    ...units.map((x): NamedObject => ({ name: x.name, owner: { release: x.r.release }, what: x.what })),
    ...(config.argocd.selfManaged ? [{ name: rootName, owner: { config, at: ['argocd', 'project'] }, what: `the root Application that syncs ${rootPath(ARGOCD_ROOT, input)}/` }] : []),
  ]);
  if (config.argocd.mode === 'applications') for (const x of units) releaseApplication(chart, config, x.r, x.u, x.c, x.name);
  else {
    const plain = input.releases.filter((r) => !r.folders.some((f) => f.cluster !== undefined));
    if (plain.length || plain.length === input.releases.length) applicationSet(chart, { ...input, releases: plain });
    const fleet = units.filter((x) => x.u.cluster !== undefined);
    if (fleet.length) fleetApplicationSet(chart, input, fleet);
  }
  if (config.argocd.selfManaged) rootApplication(chart, config, rootName, rootPath(ARGOCD_ROOT, input));
  return chartsToJson([chart])[0] as ManifestObject[]; // Chart.toJson's objects, without its app-wide passes
}

/**
 * Every (server, namespace) some release folder deploys to, cluster by cluster, namespaces sorted: a
 * fleet release's folders count for their own cluster only, the others' for every cluster.
 */
export function projectDestinations(input: ProjectInput): { server: string; namespace: string }[] {
  const folders = input.releases.flatMap((r) => r.folders);
  return input.config.clusters.flatMap((c) => {
    const namespaces = [...new Set(folders.filter((f) => f.cluster === undefined || f.cluster === c.name).map((f) => f.namespace))].sort();
    return namespaces.map((namespace) => ({ server: c.server, namespace }));
  });
}

/** A cluster of cdk8s-canary.yaml by name (a fleet's clusters were resolved against them). */
function clusterNamed(config: ProjectConfigModel, name: string): ClusterModel {
  const c = config.clusters.find((x) => x.name === name);
  if (!c) throw new Error(`internal: cluster ${name} of a fleet is not in ${config.file}`);
  return c;
}

/** Whether any release puts Namespace objects in its folders (the only cluster-scoped kind generated). */
export function createsNamespaces(input: ProjectInput): boolean {
  return input.releases.some((r) => r.release.model.createNamespaces);
}

/**
 * Automated sync with prune and self-heal. No Application-wide `PruneLast`: the objects say how they
 * are pruned (lib/gitops/sync-waves.ts): a canary's workloads, Services and ReferenceGrants carry
 * `PruneLast=true` (deleted after every wave is synced and healthy, i.e. after the routes stopped
 * sending them traffic), a removed canary route is deleted in its mirrored prune wave, before them
 * (with an Application-wide PruneLast it would be deleted together with its backends, in any order),
 * and Namespaces carry `Prune=false`.
 */
export function syncPolicy(createNamespace: boolean, pruneLast = false): ApplicationSpecSyncPolicy {
  // Argo CD only creates a namespace the project allows (clusterResourceWhitelist), so the option
  // goes with the releases that create theirs; the others' namespaces are managed elsewhere.
  // `argocd.pruneLast` (a two-step's first commit, lib/review/transition-gate.ts): Application-wide
  // PruneLast=true, every removed object pruned after the sync's last wave is healthy (argo-cd docs
  // user-guide/sync-options.md "Prune Last")
  const options = [...(createNamespace ? ['CreateNamespace=true'] : []), ...(pruneLast ? ['PruneLast=true'] : [])];
  return {
    automated: { prune: true, selfHeal: true },
    ...(options.length ? { syncOptions: options } : {}),
    retry: SYNC_RETRY,
  };
}

/**
 * The Application of a release on a cluster: source `dist/<release>` (a kustomize root listing its
 * folders), or `dist/<release>/<cluster>` for a fleet release, with that cluster's API server as
 * destination (Argo CD `spec.destination.server`: the URL of a cluster registered in Argo CD).
 */
function releaseApplication(chart: Chart, config: ProjectConfigModel, r: GitOpsRelease, unit: ArgoCdUnit, c: ClusterModel, name: string): void {
  kubeObject(Application, chart, `application-${name}`, {
    metadata: {
      name,
      namespace: config.argocd.namespace,
      labels: gitopsLabels(r.release.model.name, c.name),
      ...finalizers(config),
    },
    spec: {
      project: config.argocd.project,
      // the release's smoke checks folder is one of its folders: its PostSync hook runs once every folder is healthy
      source: { repoURL: config.repository.url, targetRevision: config.repository.branch, path: repoPath(config, unit.path) },
      destination: { server: c.server, namespace: unit.namespace },
      syncPolicy: syncPolicy(r.release.model.createNamespaces, config.argocd.pruneLast),
    },
  });
}

/**
 * One ApplicationSet with a list generator of the releases (name, destination namespace), with a
 * matrix over the clusters when there are several: one object however many releases there are, and
 * the same Applications as the `applications` mode.
 */
function applicationSet(chart: Chart, input: ProjectInput): void {
  const { config } = input;
  const list: ApplicationSetGenerator = {
    list: { elements: input.releases.map((r) => { const u = argoCdUnit(r); return { release: u.path, namespace: u.namespace }; }) },
  };
  const single = config.clusters.length === 1;
  const generators: ApplicationSetGenerator[] = single ? [list] : [{
    matrix: {
      generators: [list, { list: { elements: config.clusters.map((c) => ({ cluster: c.name, server: c.server, suffix: argoCdSuffix(config, c) })) } }],
    },
  }];
  new ApplicationSet(chart, 'applicationset', {
    metadata: { name: config.argocd.project, namespace: config.argocd.namespace, labels: gitopsLabels() },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators,
      template: {
        metadata: {
          name: single ? '{{.release}}' : '{{.release}}{{.suffix}}',
          namespace: config.argocd.namespace,
          labels: gitopsLabels('{{.release}}', single ? config.clusters[0].name : '{{.cluster}}'),
          ...finalizers(config),
        },
        spec: {
          project: config.argocd.project,
          source: { repoUrl: config.repository.url, targetRevision: config.repository.branch, path: `${config.repository.path}/{{.release}}` },
          destination: { server: single ? config.clusters[0].server : '{{.server}}', namespace: '{{.namespace}}' },
          syncPolicy: syncPolicy(createsNamespaces(input), config.argocd.pruneLast),
        },
      },
      ...applicationSetSyncPolicy(config),
    },
  });
}

/**
 * The Applications of fleet releases in `applicationSet` mode: a second ApplicationSet,
 * `<project>-fleet`, with a list generator of one element per release and cluster of its fleet
 * (`release`, `cluster`, `server`, `namespace`): the same Applications as the `applications` mode.
 * A list, not Argo CD's cluster generator: that one selects clusters by the labels of Argo CD's cluster
 * Secrets, which live in the cluster and not in git, so which clusters a wave reaches would depend
 * on state outside the repository (argo-cd docs operator-manual/applicationset/Generators-Cluster.md).
 */
function fleetApplicationSet(chart: Chart, input: ProjectInput, units: readonly { r: GitOpsRelease; c: ClusterModel; u: ArgoCdUnit }[]): void {
  const { config } = input;
  const elements = units.map((x) => ({ release: x.r.release.model.name, cluster: x.c.name, server: x.c.server, namespace: x.u.namespace }));
  new ApplicationSet(chart, 'applicationset-fleet', {
    metadata: { name: `${config.argocd.project}-fleet`, namespace: config.argocd.namespace, labels: gitopsLabels() },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements } }],
      template: {
        metadata: {
          name: '{{.release}}-{{.cluster}}',
          namespace: config.argocd.namespace,
          labels: gitopsLabels('{{.release}}', '{{.cluster}}'),
          ...finalizers(config),
        },
        spec: {
          project: config.argocd.project,
          source: { repoUrl: config.repository.url, targetRevision: config.repository.branch, path: `${config.repository.path}/{{.release}}/{{.cluster}}` },
          destination: { server: '{{.server}}', namespace: '{{.namespace}}' },
          syncPolicy: syncPolicy(units.some((x) => x.r.release.model.createNamespaces), config.argocd.pruneLast),
        },
      },
      ...applicationSetSyncPolicy(config),
    },
  });
}

/** The app of apps: syncs `dist/argocd/` itself (a pull cluster's: `dist/argocd/<cluster>/`), in its own project limited to Argo CD's objects (argocd-projects.ts). */
function rootApplication(chart: Chart, config: ProjectConfigModel, name: string, root: string): void {
  kubeObject(Application, chart, `application-${name}`, {
    metadata: { name, namespace: config.argocd.namespace, labels: gitopsLabels() },
    spec: {
      project: rootProjectName(config),
      source: { repoURL: config.repository.url, targetRevision: config.repository.branch, path: repoPath(config, root) },
      destination: { server: IN_CLUSTER_SERVER, namespace: config.argocd.namespace },
      // no resources finalizer: deleting the root orphans the release Applications instead of deleting them
      syncPolicy: { automated: { prune: true, selfHeal: true }, retry: SYNC_RETRY },
    },
  });
}
