import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { kubeObject } from './kube-object';

/** Label every namespace carries with its own name (set by the API server since Kubernetes 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Pods allowed in: the pods matching `podSelector` in one namespace. */
export interface PolicyPeer {
  /** Namespace of the allowed pods. */
  readonly namespace: string;
  /** Labels the allowed pods carry. */
  readonly podSelector: Readonly<Record<string, string>>;
}

export interface AllowOnlyFromProps {
  /** NetworkPolicy name. */
  readonly name: string;
  /** Namespace of the protected pods (and of the policy). */
  readonly namespace: string;
  /** Labels of the protected pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** The one TCP port the peers may connect to (number or container port name). */
  readonly port: number | string;
  /** Who may connect; duplicates (same namespace) are merged away. */
  readonly peers: readonly PolicyPeer[];
  /** Labels of the NetworkPolicy object. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * An ingress NetworkPolicy: the selected pods accept connections on one TCP port from exactly the
 * given pods of the given namespaces, and nothing else (a pod selected by an Ingress policy
 * denies every connection no rule allows). Each peer pairs a namespace selector on
 * `kubernetes.io/metadata.name` with a pod selector in one element, so both must match.
 */
export function allowOnlyFrom(scope: Construct, id: string, props: AllowOnlyFromProps): ApiObject {
  if (props.peers.length === 0) throw new Error(`internal: network policy ${props.name} needs at least one peer`);
  const seen = new Set<string>();
  const peers = props.peers.filter((p) => !seen.has(p.namespace) && seen.add(p.namespace));
    return kubeObject(k8s.KubeNetworkPolicy, scope, id, {
    metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
    spec: {
      podSelector: { matchLabels: { ...props.podSelector } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: peers.map((p) => ({
          namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } },
          podSelector: { matchLabels: { ...p.podSelector } },
        })),
        ports: [{ protocol: 'TCP', port: props.port }],
      }],
    },
  });
}
