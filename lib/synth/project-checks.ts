import { LoadedGroup, LoadedRelease } from '../spec/loader';
import { SpecProblem } from '../spec/errors';
import { ProjectConfigModel } from '../spec/project-config';
import { reservedNamespaceProblems } from '../spec/reserved-namespaces';

/**
 * Checks across specs and cdk8s-canary.yaml that no single spec can make, run by `synth`,
 * `validate` and every move before anything is written:
 * - no release deploys into the namespaces Argo CD or Flux run in (a release owns, labels and
 *   prunes its namespaces; the static reserved names are refused by each spec's own checks);
 * - no two releases run pods with the same `app` label in one namespace (each one's Services would
 *   select the other's pods, and a canary weight would no longer mean anything);
 * - no release runs baseline pods in a namespace another spec creates with `enforce: restricted`
 *   (the API server would reject them).
 */
export function crossSpecProblems(releases: readonly LoadedRelease[], groups: readonly LoadedGroup[], config: ProjectConfigModel): SpecProblem[] {
  const out: SpecProblem[] = [];
  const gitops = { ...(config.argocd.enabled ? { argocd: config.argocd.namespace } : {}), ...(config.flux.enabled ? { flux: config.flux.namespace } : {}) };
  for (const s of [...releases, ...groups]) out.push(...reservedNamespaceProblems(s.source, s.model.spec, gitops));

  const byApp = new Map<string, LoadedRelease>();
  for (const r of releases) {
    const m = r.model;
    for (const ns of new Set([m.namespaces.production, m.namespaces.canary])) {
      const key = `${ns}\0${m.workload.appLabel}`;
      const first = byApp.get(key);
      if (!first) { byApp.set(key, r); continue; }
      // blame the release that sets the label explicitly (the other one has its default: its name)
      const explicit = (x: LoadedRelease) => (x.model.spec.workload as { appLabel?: string }).appLabel !== undefined;
      const [here, other] = explicit(first) && !explicit(r) ? [first, r] : [r, first];
      const at = (here.model.spec.workload as { appLabel?: string }).appLabel !== undefined ? ['workload', 'appLabel'] : ['name'];
      out.push(here.source.problem(at, `${other.file} also runs pods labelled app=${m.workload.appLabel} in namespace ${ns}: each release's Services would select the other's pods`,
        'give one of the two releases another workload.appLabel (or another namespace)', m.workload.appLabel));
    }
  }

  // namespaces created restricted, and by whom
  const restricted = new Map<string, string>();
  for (const r of releases) {
    if (r.model.createNamespaces && r.model.workload.podSecurity.profile === 'restricted') {
      for (const ns of new Set([r.model.namespaces.production, r.model.namespaces.canary])) restricted.set(ns, r.file);
    }
  }
  for (const g of groups) {
    if (!g.model.createNamespaces) continue;
    for (const p of new Set(g.model.apps.map((a) => a.project))) {
      if (!g.model.apps.some((a) => a.project === p && a.workload.podSecurity.profile === 'baseline')) restricted.set(p, g.file);
    }
  }
  for (const r of releases) {
    if (r.model.workload.podSecurity.profile !== 'baseline') continue;
    for (const ns of new Set([r.model.namespaces.production, r.model.namespaces.canary])) {
      const creator = restricted.get(ns);
      if (creator === undefined || creator === r.file) continue;
      out.push(r.source.problem(['workload', 'podSecurity', 'profile'], `namespace ${ns} is created by ${creator} with pod-security enforce: restricted, so the API server would reject this release's baseline pods there`,
        `run this release in a namespace of its own, or make its pods meet restricted (remove podSecurity.profile: baseline)`, 'baseline'));
    }
  }
  return out;
}
