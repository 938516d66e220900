import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { WorkloadModel } from '../spec/model';
import { MANAGED_BY, TRACK_LABEL } from './labels';
import { kubeObject } from './kube-object';
import { workloadEnv } from './pod';
import { serviceObject, sortedRecord, workloadObjects } from './web-app';

/**
 * The values one DeploymentConfig of an OpenShift app is rendered with: exactly the parameters of
 * the app's Template (`oc process -p NAME=value`). S3 names the first five; the others are what a
 * canary needs on top (track label, image, replicas, the Route's backends, one URL per call).
 */
export interface OpenShiftInstanceParams {
  /** APP_NAME: the `app` label, shared by the main app and its canary. */
  readonly appName: string;
  /** APP_VERSION: the `version` label (the main's version, `canary` on a canary) and the ImageStream tag. */
  readonly appVersion: string;
  /** PROJECT: the namespace. */
  readonly project: string;
  /** DOMAIN_NAME: the router domain. */
  readonly domainName: string;
  /** DC_NAME: name of the DeploymentConfig, Service, Route, ImageStream and (with `-config`) ConfigMap. */
  readonly dcName: string;
  /** TRACK: `stable` or `canary` (the track label Services select on). */
  readonly track: string;
  /** IMAGE: the image the pods run. */
  readonly image: string;
  /** REPLICAS (a number). */
  readonly replicas: number;
  /** ROUTE_WEIGHT: weight of the instance's own Service in its Route (a number, 0..256). */
  readonly routeWeight: number;
  /** ALTERNATE_BACKENDS: the Route's other backends (a JSON list). */
  readonly alternateBackends: readonly { readonly kind: 'Service'; readonly name: string; readonly weight: number }[];
  /** One URL per call: ConfigMap key -> value (parameter: the key in upper case). */
  readonly callUrls: Readonly<Record<string, string>>;
}

/** Inputs of one rendered DeploymentConfig (or Deployment) of an OpenShift app. */
export interface OpenShiftInstanceProps {
  /** Name of the release group (the part-of label). */
  readonly group: string;
  /** Pod-level settings of the app. */
  readonly workload: WorkloadModel;
  /** Static ConfigMap keys. */
  readonly config: Readonly<Record<string, string>>;
  /** Call keys in the order of the spec, with their Template parameter names. */
  readonly calls: readonly { readonly configKey: string; readonly parameter: string }[];
  readonly params: OpenShiftInstanceParams;
}

/**
 * One DeploymentConfig of an OpenShift app as S3's Template renders it, without its Route (the
 * router's part): ImageStream (tag APP_VERSION -> IMAGE), ConfigMap `<dc-name>-config` (injected with
 * envFrom), DeploymentConfig (ConfigChange + ImageChange triggers) or Deployment, and Service (port
 * `<port>-tcp`). Labels: app, version, track, plus managed-by and part-of.
 */
export class OpenShiftAppInstance extends Construct {
  /** Every object, in creation order. */
  public readonly objects: readonly ApiObject[];
  /** Labels of every object of the instance (the Route carries them too). */
  public readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: OpenShiftInstanceProps) {
    super(scope, id);
    const p = props.params;
    const w = props.workload;
    const selector = { app: p.appName, [TRACK_LABEL]: p.track };
    const podLabels = { ...selector, version: p.appVersion };
    const labels = { ...MANAGED_BY, 'app.kubernetes.io/part-of': props.group, ...podLabels };
    const configName = `${p.dcName}-config`;
    const data: Record<string, string> = { ...props.config };
    for (const c of props.calls) data[c.configKey] = p.callUrls[c.configKey];
    // no `data: {}` when the app calls nothing: the API server drops empty maps (a perpetual diff in Argo CD)
    const configMap = kubeObject(k8s.KubeConfigMap, this, 'config', { metadata: { name: configName, namespace: p.project, labels }, ...(Object.keys(data).length ? { data: sortedRecord(data) } : {}) });
    const wl = workloadObjects(this, {
      workload: w, name: p.dcName, namespace: p.project, labels, podLabels, selector,
      replicas: p.replicas, image: p.image, imageTag: p.appVersion, env: workloadEnv(w), configMapName: configName,
    });
    const service = serviceObject(this, 'service', { workload: w, name: p.dcName, namespace: p.project, labels, selector });
    this.objects = [...(wl.imageStream ? [wl.imageStream] : []), configMap, wl.workload, service];
    this.labels = labels;
  }
}
