import { ApiObject, Chart } from 'cdk8s';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { IN_CLUSTER_SERVER, ProjectConfigModel } from '../spec/project-config';
import { gitopsLabels, GitOpsRelease, ProjectInput, repoPath } from './layout';
import { SYNC_WAVE_ANNOTATION } from './sync-waves';
import { kubeObject } from '../workloads/kube-object';

/** An API group and kind, as Argo CD's resource whitelists name them (`''` is the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

const core = (kind: string): GroupKind => ({ group: '', kind });

/**
 * The namespaced kinds each part of a release can generate, in any rollout state (a canary's
 * objects, a checks Job and a cross-namespace ReferenceGrant come and go with the state, but the
 * AppProject is written once for all states). A new router or workload type adds its row here;
 * test/gitops-projects.test.ts renders every reference release in every state and fails on a kind
 * missing from its project's whitelist.
 */
export const GENERATED_KINDS = {
  /** Every release: its Services and the ConfigMap of `workload.config`. */
  release: [core('Service'), core('ConfigMap')],
  /** By `workload.kind`. */
  workloadKind: {
    Deployment: [{ group: 'apps', kind: 'Deployment' }],
    DeploymentConfig: [{ group: 'apps.openshift.io', kind: 'DeploymentConfig' }, { group: 'image.openshift.io', kind: 'ImageStream' }],
  } as Readonly<Record<string, readonly GroupKind[]>>,
  /** By `workload.type`, beyond the workload objects. */
  workloadType: {
    webapp: [],
    manifests: [], // plus the kinds of the release's own manifests (kindsOf)
    guestbook: [{ group: 'apps', kind: 'StatefulSet' }, { group: 'networking.k8s.io', kind: 'NetworkPolicy' }],
  } as Readonly<Record<string, readonly GroupKind[]>>,
  /** By `router.type`. */
  router: {
    nginx: [{ group: 'networking.k8s.io', kind: 'Ingress' }],
    gatewayApi: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }, { group: 'gateway.networking.k8s.io', kind: 'ReferenceGrant' }],
    grpcRoute: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }, { group: 'gateway.networking.k8s.io', kind: 'ReferenceGrant' }],
    istio: [{ group: 'networking.istio.io', kind: 'VirtualService' }, { group: 'networking.istio.io', kind: 'DestinationRule' }, { group: 'networking.istio.io', kind: 'Gateway' }],
    openshiftRoute: [{ group: 'route.openshift.io', kind: 'Route' }],
  } as Readonly<Record<string, readonly GroupKind[]>>,
  /** A release with smoke checks: their Job. */
  checks: [{ group: 'batch', kind: 'Job' }],
  /** A release group (scenario S3): OpenShift Templates, DeploymentConfigs, ImageStreams, Routes, Services, ConfigMaps. */
  group: [core('Service'), core('ConfigMap'), { group: 'apps.openshift.io', kind: 'DeploymentConfig' }, { group: 'image.openshift.io', kind: 'ImageStream' },
    { group: 'route.openshift.io', kind: 'Route' }, { group: 'template.openshift.io', kind: 'Template' }],
};

/** The kinds of objects a release brings in its own manifests folder (`workload.type: manifests`), Namespaces aside. */
function ownKinds(objects: readonly { apiVersion: string; kind: string }[] | undefined): GroupKind[] {
  return (objects ?? []).filter((o) => o.kind !== 'Namespace').map((o) => ({ group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '', kind: o.kind }));
}

/** The namespaced kinds one release or release group can generate (see GENERATED_KINDS), its own manifests' kinds included. */
export function kindsOf(r: GitOpsRelease): GroupKind[] {
  const m = r.release.model;
  if (!('workload' in m)) return [...GENERATED_KINDS.group, ...m.apps.flatMap((a) => ownKinds(a.manifests?.objects))];
  const known = (table: Readonly<Record<string, readonly GroupKind[]>>, key: string, what: string) => {
    const k = table[key];
    if (!k) throw new Error(`internal: no generated kinds are known for ${what} '${key}'; add them to GENERATED_KINDS (lib/gitops/argocd-projects.ts)`);
    return k;
  };
  return [
    ...GENERATED_KINDS.release,
    ...known(GENERATED_KINDS.workloadKind, m.workload.kind, 'workload.kind'),
    ...known(GENERATED_KINDS.workloadType, m.workload.type, 'workload.type'),
    ...known(GENERATED_KINDS.router, m.router.type, 'router.type'),
    ...(m.spec.checks?.length ? GENERATED_KINDS.checks : []),
    ...ownKinds(m.workload.manifests?.objects),
  ];
}

/** Unique group/kind pairs, sorted by group then kind. */
export function sortedKinds(kinds: readonly GroupKind[]): GroupKind[] {
  const byKey = new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k) as GroupKind);
}

/**
 * `spec.namespaceResourceWhitelist` of the releases' AppProject: exactly the namespaced kinds the
 * project's releases generate, so an Application of this project cannot deploy a RoleBinding, a
 * Secret or anything else a spec never produces (Argo CD allows every namespaced kind when the list
 * is absent). https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
 */
export function namespaceResourceWhitelist(input: ProjectInput): GroupKind[] {
  return sortedKinds(input.releases.flatMap(kindsOf));
}

/** Name of the AppProject of the root Application: `<argocd.project>-root`. */
export function rootProjectName(config: ProjectConfigModel): string {
  return `${config.argocd.project}-root`;
}

/**
 * The AppProject of the root Application (the app of apps that syncs `dist/argocd/`): this
 * repository only, the Argo CD namespace of the cluster Argo CD runs in only, no cluster-scoped
 * kind, and of the namespaced ones only Argo CD's own (Application, AppProject, and ApplicationSet
 * when `argocd.mode` is applicationSet). Argo CD's built-in `default` project allows everything
 * everywhere, which would let a commit to `dist/argocd/` deploy anything to any cluster. `root`: the
 * folder it syncs under the dist path (a pull cluster's own root is `argocd/<cluster>`).
 */
export function rootAppProject(chart: Chart, config: ProjectConfigModel, root = 'argocd'): ApiObject {
  return kubeObject(AppProject, chart, 'appproject-root', {
    metadata: {
      name: rootProjectName(config),
      namespace: config.argocd.namespace,
      labels: gitopsLabels(),
      annotations: { [SYNC_WAVE_ANNOTATION]: '-1' },
    },
    spec: {
      description: `the root Application of cdk8s-canary: syncs ${repoPath(config, root)}/ of ${config.repository.url} (Argo CD objects only)`,
      sourceRepos: [config.repository.url],
      destinations: [{ server: IN_CLUSTER_SERVER, namespace: config.argocd.namespace }],
      namespaceResourceWhitelist: sortedKinds([
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'AppProject' },
        ...(config.argocd.mode === 'applicationSet' ? [{ group: 'argoproj.io', kind: 'ApplicationSet' }] : []),
      ]),
    },
  });
}
