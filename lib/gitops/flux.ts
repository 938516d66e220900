import { App, Chart } from 'cdk8s';
import { Kustomization, KustomizationSpecDeletionPolicy, KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize-kustomize.toolkit.fluxcd.io';
import { GitRepository } from '../../imports/flux-source-source.toolkit.fluxcd.io';
import { ClusterModel, IN_CLUSTER_SERVER, ProjectConfigModel } from '../spec/project-config';
import { chartsToJson } from '../workloads/chart-json';
import { kubeObject } from '../workloads/kube-object';
import { assertFluxTenants, fluxServiceAccount } from './flux-tenants';
import {
  assertUniqueNames, folderDependencies, folderObjectName, fluxSuffix, gitopsLabels, GitOpsFolder, GitOpsRelease, ManifestObject, NamedObject,
  ProjectGenerator, ProjectInput, repoPath, rootPath,
} from './layout';

/** Folder of the Flux root under dist/. */
export const FLUX_ROOT = 'flux';

/**
 * `dist/flux/`: a GitRepository for this repository, one Kustomization per release folder (and
 * cluster) with prune, wait and dependsOn, and (optionally) a Kustomization that keeps `dist/flux/`
 * itself synced.
 */
export const fluxGenerator: ProjectGenerator = (input) =>
  input.config.flux.enabled ? [{ path: rootPath(FLUX_ROOT, input), objects: fluxObjects(input) }] : [];

/** The objects of `dist/flux/`, in a stable order. */
export function fluxObjects(input: ProjectInput): ManifestObject[] {
  const { config } = input;
  const flux = config.flux;
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), FLUX_ROOT, { disableResourceNameHashes: true });
  kubeObject(GitRepository, chart, 'gitrepository', {
    metadata: { name: flux.name, namespace: flux.namespace, labels: gitopsLabels() },
    spec: {
      url: config.repository.url,
      ref: { branch: config.repository.branch },
      interval: flux.sourceInterval,
      // fetch only the synthesized manifests, not the sources and tests
      sparseCheckout: [config.repository.path],
      ...(flux.secretRef ? { secretRef: { name: flux.secretRef.name } } : {}),
    },
  });

  // a fleet release's folder goes to its own cluster only, always named with the cluster (lib/gitops/layout.ts)
  const folders = input.releases.flatMap((r) => r.folders.flatMap((f) => config.clusters.filter((c) => f.cluster === undefined || f.cluster === c.name).map((c) => {
    const suffix = f.cluster !== undefined ? `-${c.name}` : fluxSuffix(config, c);
    return { r, f, c, suffix, name: folderObjectName(f, suffix), what: `folder ${f.path}${suffix ? ` on cluster ${c.name}` : ''}` };
  })));
  assertUniqueNames('Kustomization', [
    ...(flux.selfManaged ? [{ name: flux.name, owner: { config, at: ['flux', 'name'] }, what: `the Kustomization that syncs ${rootPath(FLUX_ROOT, input)}/` }] : []),
    ...folders.map((x): NamedObject => ({ name: x.name, owner: { release: x.r.release }, what: x.what })),
  ]);
  assertFluxTenants(input);
  // deleting the root (flux.name renamed, selfManaged turned off) orphans the release Kustomizations
  // instead of garbage-collecting them, and with them every release's objects (as the Argo CD root
  // Application has no resources finalizer)
  if (flux.selfManaged) kustomization(chart, config, flux.name, repoPath(config, rootPath(FLUX_ROOT, input)), { labels: gitopsLabels(), wait: false, deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN });
  for (const x of folders) folderKustomization(chart, config, x.r, x.f, x.c, x.name, x.suffix);
  return chartsToJson([chart])[0] as ManifestObject[]; // Chart.toJson's objects, without its app-wide passes
}

function folderKustomization(chart: Chart, config: ProjectConfigModel, r: GitOpsRelease, f: GitOpsFolder, c: ClusterModel, name: string, suffix: string): void {
  const deps = folderDependencies(r, f).map((d) => folderObjectName(d, suffix));
  kustomization(chart, config, name, repoPath(config, f.path), {
    labels: gitopsLabels(r.release.model.name, c.name),
    wait: true,
    dependsOn: deps,
    // a checks Job's pod template is immutable: edited checks of the same version replace the Job
    ...(f.verifies !== undefined ? { force: true } : {}),
    ...(c.kubeConfigSecretRef ? { kubeConfig: c.kubeConfigSecretRef } : {}),
    // which cluster the kubeconfig Secret reaches, for the sync model: a cluster renamed (its
    // Secret too) while its server stays is the same cluster (lib/review/transition.ts fluxUnits)
    ...(c.kubeConfigSecretRef && c.server !== IN_CLUSTER_SERVER ? { annotations: { [SERVER_ANNOTATION]: c.server } } : {}),
    serviceAccountName: fluxServiceAccount(config, r.release.model.name),
    ...(config.flux.deletionPolicy === 'Orphan' ? { deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN } : {}),
  });
}

/**
 * On a Kustomization applied to a remote cluster (`spec.kubeConfig`) whose `server` cdk8s-canary.yaml
 * gives: that API server URL. Flux reads only the Secret; the sync model (lib/review/transition.ts)
 * reads this to tell a cluster renamed (same server) from another cluster.
 */
export const SERVER_ANNOTATION = 'canary.cdk8s.io/server';

interface KustomizationOptions {
  readonly labels: Record<string, string>;
  /** @default - none */
  readonly annotations?: Record<string, string>;
  /** Wait for every applied object to be ready (kstatus) before reporting Ready. */
  readonly wait: boolean;
  /** Kustomizations (same namespace) that must be Ready first. @default - none */
  readonly dependsOn?: readonly string[];
  /** Remote cluster. @default - the cluster Flux runs in */
  readonly kubeConfig?: { readonly name: string; readonly key?: string };
  /** Recreate objects whose immutable fields changed (a Job). @default false */
  readonly force?: boolean;
  /** Account to impersonate (flux-tenants.ts). @default - kustomize-controller's own */
  readonly serviceAccountName?: string;
  /** What deleting the Kustomization does to its objects. @default - MirrorPrune (deleted, as prune is on) */
  readonly deletionPolicy?: KustomizationSpecDeletionPolicy;
}

function kustomization(chart: Chart, config: ProjectConfigModel, name: string, path: string, o: KustomizationOptions): void {
  const flux = config.flux;
  kubeObject(Kustomization, chart, `kustomization-${name}`, {
    metadata: { name, namespace: flux.namespace, labels: o.labels, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: flux.name },
      path: `./${path}`,
      interval: flux.interval,
      retryInterval: flux.retryInterval,
      timeout: flux.timeout,
      prune: true,
      wait: o.wait,
      ...(o.force ? { force: true } : {}),
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
      ...(o.deletionPolicy ? { deletionPolicy: o.deletionPolicy } : {}),
      ...(o.dependsOn && o.dependsOn.length ? { dependsOn: o.dependsOn.map((d) => ({ name: d })) } : {}),
      ...(o.kubeConfig ? { kubeConfig: { secretRef: { name: o.kubeConfig.name, ...(o.kubeConfig.key ? { key: o.kubeConfig.key } : {}) } } } : {}),
    },
  });
}
