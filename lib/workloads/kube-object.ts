import { ApiObject, ApiObjectProps, GroupVersionKind } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';

/**
 * Props of the generated bindings (cdk8s-plus-27's `k8s`, the CRDs of imports/) whose field is spelled
 * otherwise: acronyms the generator camel-cased. The generated `toJson_*` functions map them back
 * (e.g. `toJson_ServiceSpec`: `'clusterIP': obj.clusterIp`); `KubeJson` does the same on types.
 * Every such rename of cdk8s-plus-27's `k8s.js` and of the CRD bindings passed to `kubeObject` is
 * here (test/kube-object.test.ts reads them out of the generated code), except `ref`/`schema`, which
 * JSONSchemaProps alone spells `$ref`/`$schema` while other types keep them: a CustomResourceDefinition
 * is not made with `kubeObject`.
 */
export const FIELD_NAMES = {
  clientIp: 'clientIP',
  clusterIp: 'clusterIP',
  datasetUuid: 'datasetUUID',
  diskUri: 'diskURI',
  downwardApi: 'downwardAPI',
  externalId: 'externalID',
  hostIp: 'hostIP',
  hostIpc: 'hostIPC',
  hostPid: 'hostPID',
  insecureSkipTlsVerify: 'insecureSkipTLSVerify',
  loadBalancerIp: 'loadBalancerIP',
  nodeId: 'nodeID',
  nonResourceUrLs: 'nonResourceURLs',
  pdId: 'pdID',
  podCidr: 'podCIDR',
  podCidRs: 'podCIDRs',
  providerId: 'providerID',
  scaleIo: 'scaleIO',
  setHostnameAsFqdn: 'setHostnameAsFQDN',
  storagePolicyId: 'storagePolicyID',
  targetCpuUtilizationPercentage: 'targetCPUUtilizationPercentage',
  targetWwNs: 'targetWWNs',
  volumeId: 'volumeID',
  xKubernetesEmbeddedResource: 'x-kubernetes-embedded-resource',
  xKubernetesIntOrString: 'x-kubernetes-int-or-string',
  xKubernetesListMapKeys: 'x-kubernetes-list-map-keys',
  xKubernetesListType: 'x-kubernetes-list-type',
  xKubernetesMapType: 'x-kubernetes-map-type',
  xKubernetesPreserveUnknownFields: 'x-kubernetes-preserve-unknown-fields',
  xKubernetesValidations: 'x-kubernetes-validations',
  // the CRD bindings of imports/ (scripts/gen-imports.sh): Argo CD's Application and AppProject
  repoUrl: 'repoURL',
  keyId: 'keyID',
} as const;
type FieldNames = typeof FIELD_NAMES;

/** Whether T is IntOrString or Quantity (both a class around one `value`), not `any` nor a map. */
type IsUnion<T> = 0 extends 1 & T ? false : string extends keyof T ? false :
  [T] extends [k8s.IntOrString] ? ([k8s.IntOrString] extends [T] ? true : false) : false;

/**
 * A props type of cdk8s-plus-27's `k8s` bindings (`k8s.KubeDeploymentProps`, `k8s.Probe`...) in the
 * form Kubernetes reads it: what its generated `toJson_*` function makes of it. IntOrString and
 * Quantity are the string or number they hold, and the fields of `FieldNames` carry their Kubernetes
 * spelling (`clusterIP`, not `clusterIp`); everything else is as in the bindings.
 */
export type KubeJson<T> = 0 extends 1 & T ? T : T extends unknown ? (
  IsUnion<T> extends true ? string | number :
    T extends readonly (infer U)[] ? KubeJson<U>[] :
      T extends object ? { [K in keyof T as K extends keyof FieldNames ? FieldNames[K] : K]: KubeJson<T[K]> } :
        T) : never;

/** A class of cdk8s-plus-27's `k8s` bindings (`k8s.KubeDeployment`...): its group, version and kind, and its props type. */
export interface KubeType<P> {
  readonly GVK: GroupVersionKind;
  new (scope: Construct, id: string, props: P): ApiObject;
}

/**
 * A core Kubernetes object as a plain `ApiObject`, its props given in Kubernetes' own form and
 * checked against the props type of `type` (e.g. `kubeObject(k8s.KubeService, scope, 'svc', {...})`).
 * It renders to the same object as `new type(scope, id, props)` does with the same props in the
 * bindings' form: both go through `ApiObject.toJson()` (cdk8s's resolvers, keys sorted), and the
 * bindings then convert that result again with their `toJson_*` function, which lists the fields in
 * the same sorted order, unwraps IntOrString and Quantity, and spells the `FieldNames`. That second
 * pass spreads an object per field and cost ~15% of `synth`'s CPU at 1000 releases (issue 19); here
 * the props are already in that form, so it is not needed.
 */
export function kubeObject<P>(type: KubeType<P>, scope: Construct, id: string, props: KubeJson<P>): ApiObject {
  return new ApiObject(scope, id, { ...type.GVK, ...(props as object) } as ApiObjectProps);
}
