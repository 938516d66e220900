import { SpecError, SpecProblem } from '../spec/errors';
import { configProblem, ProjectConfigModel } from '../spec/project-config';
import { ProjectInput } from './layout';

/**
 * The service account a release's Flux Kustomizations impersonate (`spec.serviceAccountName`): its
 * tenant's (`flux.tenants`), else `flux.serviceAccountName`, else none (kustomize-controller's own
 * account, cluster-admin in a default install). The account lives in the Flux namespace and needs,
 * in each namespace of the release, the right to manage the kinds the release generates, e.g.
 *
 *     kubectl -n <namespace> create rolebinding <tenant>-deployer --clusterrole=admin --serviceaccount=flux-system:<tenant>
 *
 * plus, for releases that create their namespaces, a ClusterRole with get/create/patch/delete on
 * namespaces bound to it. https://fluxcd.io/flux/installation/configuration/multitenancy/
 */
export function fluxServiceAccount(config: ProjectConfigModel, release: string): string | undefined {
  return config.flux.tenants.find((t) => t.releases.includes(release))?.serviceAccountName ?? config.flux.serviceAccountName;
}

/** `flux.tenants` names only existing releases and release groups, each in one tenant at most. Throws SpecError. */
export function assertFluxTenants(input: ProjectInput): void {
  const { config } = input;
  const known = new Set(input.releases.map((r) => r.release.model.name));
  const owner = new Map<string, number>();
  const problems: SpecProblem[] = [];
  config.flux.tenants.forEach((t, i) => t.releases.forEach((r, j) => {
    const at = ['flux', 'tenants', i, 'releases', j];
    if (!known.has(r)) problems.push(configProblem(config, at, `no release or release group is named '${r}'`, `use one of ${[...known].sort().join(', ') || '(none: releases/ is empty)'}, or remove it`, r));
    const first = owner.get(r);
    if (first !== undefined) problems.push(configProblem(config, at, `release '${r}' is already in flux.tenants[${first}]`, 'list every release in one tenant at most', r));
    else owner.set(r, i);
  }));
  if (problems.length) throw new SpecError(problems);
}
