import { App, Chart } from 'cdk8s';
import { Application, ApplicationSpecSyncPolicy } from '../../imports/argocd-application-argoproj.io';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { ClusterModel, IN_CLUSTER_SERVER, ProjectConfigModel } from '../spec/project-config';
import { ApplicationSet, ApplicationSetGenerator } from './applicationset';
import { namespaceResourceWhitelist, rootAppProject, rootProjectName } from './argocd-projects';
import {
  argoCdSuffix, assertUniqueNames, folderObjectName, folderOrder, gitopsLabels, GitOpsFolder, GitOpsRelease, ManifestObject,
  NamedObject, ProjectGenerator, ProjectInput, repoPath,
} from './layout';
import { SYNC_WAVE_ANNOTATION } from './sync-waves';

/** Folder of the Argo CD root under dist/. */
export const ARGOCD_ROOT = 'argocd';
/** Deleting an Application deletes what it deployed (like Flux's prune), not orphaning it. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** Retry of a failed sync: 5s, 10s, 20s... up to 3m, five times. */
export const SYNC_RETRY = { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } } as const;

/**
 * `dist/argocd/`: an AppProject admitting exactly this repository and the namespaces the releases
 * use, then either one Application per release folder (and cluster) or one ApplicationSet with a git
 * directory generator, plus (optionally) a root Application that keeps `dist/argocd/` itself synced.
 */
export const argoCdGenerator: ProjectGenerator = (input) =>
  input.config.argocd.enabled ? [{ path: ARGOCD_ROOT, objects: argoCdObjects(input) }] : [];

/** The objects of `dist/argocd/`, in a stable order. */
export function argoCdObjects(input: ProjectInput): ManifestObject[] {
  const { config } = input;
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), ARGOCD_ROOT, { disableResourceNameHashes: true });
  new AppProject(chart, 'appproject', {
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
  if (config.argocd.selfManaged) rootAppProject(chart, config);

  // names are checked first, in both modes: the ApplicationSet generates the same ones
  const rootName = `${config.argocd.project}-root`;
  // a checks folder has no Application of its own: it is a second source of the folder it verifies
  const folders = input.releases.flatMap((r) => r.folders.filter((f) => f.verifies === undefined).flatMap((f) => config.clusters.map((c) => {
    const suffix = argoCdSuffix(config, c);
    return { r, f, c, name: folderObjectName(f, suffix), what: `folder ${f.path}${suffix ? ` on cluster ${c.name}` : ''}` };
  })));
  assertUniqueNames('Application', [
    ...folders.map((x): NamedObject => ({ name: x.name, owner: { release: x.r.release }, what: x.what })),
    ...(config.argocd.selfManaged ? [{ name: rootName, owner: { config, at: ['argocd', 'project'] }, what: `the root Application that syncs ${ARGOCD_ROOT}/` }] : []),
  ]);
  if (config.argocd.mode === 'applications') for (const x of folders) folderApplication(chart, config, x.r, x.f, x.c, x.name);
  else {
    applicationSet(chart, input);
    // the ApplicationSet's template has one source: verified folders get their Application here
    for (const x of folders) if (checksFolderOf(x.r, x.f)) folderApplication(chart, config, x.r, x.f, x.c, x.name);
  }
  if (config.argocd.selfManaged) rootApplication(chart, config, rootName);
  return chart.toJson() as ManifestObject[];
}

/** Every (server, namespace) some release folder deploys to, cluster by cluster, namespaces sorted. */
export function projectDestinations(input: ProjectInput): { server: string; namespace: string }[] {
  const namespaces = [...new Set(input.releases.flatMap((r) => r.folders.map((f) => f.namespace)))].sort();
  return input.config.clusters.flatMap((c) => namespaces.map((namespace) => ({ server: c.server, namespace })));
}

/** Whether any release puts Namespace objects in its folders (the only cluster-scoped kind generated). */
export function createsNamespaces(input: ProjectInput): boolean {
  return input.releases.some((r) => r.release.model.createNamespaces);
}

function syncPolicy(createNamespace: boolean): ApplicationSpecSyncPolicy {
  return {
    automated: { prune: true, selfHeal: true },
    syncOptions: [
      // Argo CD only creates a namespace the project allows (clusterResourceWhitelist), so the option
      // goes with the releases that create theirs; the others' namespaces are managed elsewhere.
      ...(createNamespace ? ['CreateNamespace=true'] : []),
      // delete removed objects (an aborted canary's Deployment and Service) after every wave is synced
      // and healthy, i.e. after the routes stopped sending them traffic: make before break
      'PruneLast=true',
    ],
    retry: SYNC_RETRY,
  };
}

/** The checks folder that verifies a folder, if any. */
function checksFolderOf(r: GitOpsRelease, f: GitOpsFolder): GitOpsFolder | undefined {
  return r.folders.find((o) => o.verifies === f.path);
}

function folderApplication(chart: Chart, config: ProjectConfigModel, r: GitOpsRelease, f: GitOpsFolder, c: ClusterModel, name: string): void {
  const wave = folderOrder(r, f);
  const source = (p: string) => ({ repoUrl: config.repository.url, targetRevision: config.repository.branch, path: repoPath(config, p) });
  const checks = checksFolderOf(r, f);
  new Application(chart, `application-${name}`, {
    metadata: {
      name,
      namespace: config.argocd.namespace,
      labels: gitopsLabels(r.release.model.name, c.name),
      // a canary folder after its production folder, when the root Application syncs this folder
      ...(wave > 0 ? { annotations: { [SYNC_WAVE_ANNOTATION]: String(wave) } } : {}),
      finalizers: [RESOURCES_FINALIZER],
    },
    spec: {
      project: config.argocd.project,
      // with smoke checks, their folder is a second source: the Job's PostSync hook runs once this folder is healthy
      ...(checks ? { sources: [source(f.path), source(checks.path)] } : { source: source(f.path) }),
      destination: { server: c.server, namespace: f.namespace },
      syncPolicy: syncPolicy(r.release.model.createNamespaces),
    },
  });
}

/**
 * One ApplicationSet whose git directory generator finds `<path>/<release>/<namespace>` itself (with
 * a matrix over the clusters when there are several). New releases then need no new objects here,
 * but the AppProject still lists their namespaces: keep `dist/argocd/` synced (selfManaged). Folders
 * with smoke checks, and the checks folders, are left out: their Applications have two sources.
 */
function applicationSet(chart: Chart, input: ProjectInput): void {
  const { config } = input;
  const depth = config.repository.path.split('/').length;
  // folders with smoke checks (and the checks folders) get explicit Applications with two sources
  const explicit = input.releases.flatMap((r) => r.folders.filter((f) => f.verifies !== undefined || checksFolderOf(r, f))).map((f) => f.path).sort();
  const git: ApplicationSetGenerator = {
    git: {
      repoURL: config.repository.url,
      revision: config.repository.branch,
      directories: [{ path: `${config.repository.path}/*/*` }, ...explicit.map((p) => ({ path: repoPath(config, p), exclude: true }))],
    },
  };
  const single = config.clusters.length === 1;
  const generators: ApplicationSetGenerator[] = single ? [git] : [{
    matrix: {
      generators: [git, { list: { elements: config.clusters.map((c) => ({ cluster: c.name, server: c.server, suffix: argoCdSuffix(config, c) })) } }],
    },
  }];
  const release = `{{index .path.segments ${depth}}}`;
  new ApplicationSet(chart, 'applicationset', {
    metadata: { name: config.argocd.project, namespace: config.argocd.namespace, labels: gitopsLabels() },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators,
      template: {
        metadata: {
          name: single ? `${release}-{{.path.basename}}` : `${release}-{{.path.basename}}{{.suffix}}`,
          namespace: config.argocd.namespace,
          labels: gitopsLabels(release, single ? config.clusters[0].name : '{{.cluster}}'),
          finalizers: [RESOURCES_FINALIZER],
        },
        spec: {
          project: config.argocd.project,
          source: { repoUrl: config.repository.url, targetRevision: config.repository.branch, path: '{{.path.path}}' },
          destination: { server: single ? config.clusters[0].server : '{{.server}}', namespace: '{{.path.basename}}' },
          syncPolicy: syncPolicy(createsNamespaces(input)),
        },
      },
    },
  });
}

/** The app of apps: syncs `dist/argocd/` itself, in its own project limited to Argo CD's objects (argocd-projects.ts). */
function rootApplication(chart: Chart, config: ProjectConfigModel, name: string): void {
  new Application(chart, `application-${name}`, {
    metadata: { name, namespace: config.argocd.namespace, labels: gitopsLabels() },
    spec: {
      project: rootProjectName(config),
      source: { repoUrl: config.repository.url, targetRevision: config.repository.branch, path: repoPath(config, ARGOCD_ROOT) },
      destination: { server: IN_CLUSTER_SERVER, namespace: config.argocd.namespace },
      // no resources finalizer: deleting the root orphans the release Applications instead of deleting them
      syncPolicy: { automated: { prune: true, selfHeal: true }, retry: SYNC_RETRY },
    },
  });
}
