/** cdk8s-canary.yaml with remote clusters (Argo CD and Flux reach each by its API server and a kubeconfig Secret) and `extra` settings. */
export function remoteClustersConfig(clusters: readonly string[], extra = ''): string {
  return `apiVersion: canary.cdk8s.io/v1alpha1
kind: Project
repository:
  url: https://github.com/example/shop.git
${extra}clusters:
${clusters.map((c) => `  - name: ${c}\n    server: https://${c}.example.com:6443\n    kubeConfigSecretRef: { name: ${c}-kubeconfig }\n`).join('')}`;
}
