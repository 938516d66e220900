import { SourceDocument } from './document';
import { SpecProblem, pathToString } from './errors';

/**
 * Why a namespace may not hold a release, or undefined. A release's namespaces get Namespace objects
 * (labelled with its Pod Security level) and are pruned with it, so they must be namespaces the
 * release owns: never Kubernetes' own (`default`, and `kube-*`: kube-system, kube-public,
 * kube-node-lease; the prefix is reserved), OpenShift's (`openshift`, `openshift-*`), or the ones
 * the GitOps engines run in (`gitops`: Argo CD's and Flux's namespaces of cdk8s-canary.yaml).
 */
export function reservedNamespaceReason(ns: string, gitops: { readonly argocd?: string; readonly flux?: string } = {}): string | undefined {
  if (ns === 'default') return "is Kubernetes' default namespace";
  if (ns.startsWith('kube-')) return 'is a Kubernetes system namespace (the kube- prefix is reserved)';
  if (ns === 'openshift' || ns.startsWith('openshift-')) return 'is reserved by OpenShift';
  if (ns === gitops.argocd) return 'is the namespace Argo CD runs in (argocd.namespace in cdk8s-canary.yaml)';
  if (ns === gitops.flux) return 'is the namespace Flux runs in (flux.namespace in cdk8s-canary.yaml)';
  return undefined;
}

/** The namespace fields of a release spec or group spec, with their paths. */
export function namespaceFields(spec: unknown): { readonly at: (string | number)[]; readonly ns: string }[] {
  const s = spec as { namespaces?: { production?: string; canary?: string }; apps?: { name: string; project?: string }[] };
  const out: { at: (string | number)[]; ns: string }[] = [];
  if (s.namespaces?.production) out.push({ at: ['namespaces', 'production'], ns: s.namespaces.production });
  if (s.namespaces?.canary) out.push({ at: ['namespaces', 'canary'], ns: s.namespaces.canary });
  (s.apps ?? []).forEach((a, i) => out.push(a.project ? { at: ['apps', i, 'project'], ns: a.project } : { at: ['apps', i, 'name'], ns: a.name }));
  return out;
}

/**
 * Problems for every reserved namespace a spec deploys to (see reservedNamespaceReason), each at its
 * field, with the value seen and the fix: another namespace in that field (`new` takes it as
 * `--namespace`, whose default is the release's name).
 */
export function reservedNamespaceProblems(src: SourceDocument, spec: unknown, gitops: { readonly argocd?: string; readonly flux?: string } = {}): SpecProblem[] {
  return namespaceFields(spec).flatMap(({ at, ns }) => {
    const why = reservedNamespaceReason(ns, gitops);
    return why ? [src.problem(at, `namespace '${ns}' ${why}; a release owns its namespaces (it labels them and prunes them when it goes)`, `deploy the release into a namespace of its own: set ${pathToString(at)} to another name (\`new NAME --namespace NS\` writes it; its default is the release's name)`, ns)] : [];
  });
}
