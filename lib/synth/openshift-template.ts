import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Template, TemplateParameters } from '../../imports/openshift-template-template.openshift.io';
import { BALANCE_ANNOTATION, RouteBackend, routeObject } from '../routers/openshift-route';
import { GroupAppModel, GroupModel, routeHost, routeUrl } from '../spec/group';
import { MANAGED_BY } from '../workloads/labels';
import { OpenShiftAppInstance, OpenShiftInstanceParams } from '../workloads/openshift-app';

/** Inputs of one rendered DeploymentConfig with its Route. */
export interface RenderedInstanceProps {
  readonly group: GroupModel;
  readonly app: GroupAppModel;
  readonly params: OpenShiftInstanceParams;
  /**
   * Whether the instance's Route is written. The Template always holds one; a canary no other canary
   * calls (S3: the frontend's, CANARY_URL_REQ=false) is reached through its main's Route only.
   * @default true
   */
  readonly withRoute?: boolean;
}

/** Objects of one DeploymentConfig of an app: the workload side and, unless left out, its Route. */
export function renderInstance(scope: Construct, id: string, props: RenderedInstanceProps): ApiObject[] {
  const { group: g, app, params: p } = props;
  const instance = new OpenShiftAppInstance(scope, id, { group: g.name, workload: app.workload, config: app.config, calls: app.calls, params: p });
  const objects = [...instance.objects];
  if (props.withRoute ?? true) {
    objects.push(routeObject(instance, 'route', {
      name: p.dcName, namespace: p.project, labels: instance.labels, balance: g.balance,
      host: routeHost(p.dcName, p.project, p.domainName),
      to: { kind: 'Service', name: p.dcName, weight: p.routeWeight },
      alternateBackends: p.alternateBackends,
      targetPort: app.workload.portName,
    }));
  }
  return objects;
}

/**
 * A `${{NAME}}` reference for a field whose type is not string (replicas, weights, lists): OpenShift's
 * processor substitutes the value unquoted and decodes it as JSON. The value is typed as the field, so
 * the one builder renders both the Template and the processed objects; this is the only place where
 * the static type and the runtime value differ.
 */
function nonString<T>(name: string): T {
  return `\${{${name}}}` as unknown as T;
}

/** The placeholders the Template's objects are rendered with. */
export function templatePlaceholders(app: GroupAppModel): OpenShiftInstanceParams {
  return {
    appName: '${APP_NAME}',
    appVersion: '${APP_VERSION}',
    project: '${PROJECT}',
    domainName: '${DOMAIN_NAME}',
    dcName: '${DC_NAME}',
    track: '${TRACK}',
    image: '${IMAGE}',
    replicas: nonString<number>('REPLICAS'),
    routeWeight: nonString<number>('ROUTE_WEIGHT'),
    alternateBackends: nonString<RouteBackend[]>('ALTERNATE_BACKENDS'),
    callUrls: Object.fromEntries(app.calls.map((c) => [c.configKey, `\${${c.parameter}}`])),
  };
}

/** The parameter values of one instance, as `oc process -p NAME=value` takes them. */
export function instanceParameterValues(app: GroupAppModel, p: OpenShiftInstanceParams): Record<string, string> {
  return {
    APP_NAME: p.appName,
    APP_VERSION: p.appVersion,
    PROJECT: p.project,
    DOMAIN_NAME: p.domainName,
    DC_NAME: p.dcName,
    TRACK: p.track,
    IMAGE: p.image,
    REPLICAS: String(p.replicas),
    ROUTE_WEIGHT: String(p.routeWeight),
    ALTERNATE_BACKENDS: JSON.stringify(p.alternateBackends),
    ...Object.fromEntries(app.calls.map((c) => [c.parameter, p.callUrls[c.configKey]])),
  };
}

/** The parameters of an app's main at stage 1: the Template's defaults. */
export function mainDefaults(g: GroupModel, app: GroupAppModel): OpenShiftInstanceParams {
  return {
    appName: app.name,
    appVersion: app.version,
    project: app.project,
    domainName: g.domain,
    dcName: app.name,
    track: 'stable',
    image: `${app.imageRepository}:${app.version}`,
    replicas: app.replicas,
    routeWeight: 100,
    alternateBackends: [],
    callUrls: Object.fromEntries(app.calls.map((c) => {
      const callee = g.apps.find((a) => a.name === c.app) as GroupAppModel;
      return [c.configKey, routeUrl(callee.name, callee.project, g.domain)];
    })),
  };
}

/** The Template's parameters: name, description and default value (the main app at stage 1). */
export function templateParameters(g: GroupModel, app: GroupAppModel): TemplateParameters[] {
  const d = instanceParameterValues(app, mainDefaults(g, app));
  const param = (name: string, displayName: string, description: string): TemplateParameters =>
    ({ name, displayName, description, value: d[name], required: true });
  return [
    param('APP_NAME', 'Application name', 'Name of the application: the app label of every object, shared by the main app and its canary.'),
    param('APP_VERSION', 'Application version', `Version of the application: the version label of every object and the ImageStream tag the DeploymentConfig follows (the main's version, e.g. ${app.version}; 'canary' for the canary).`),
    param('PROJECT', 'Project', 'OpenShift project (namespace) the objects are created in; the canary lives in the same project as its main app.'),
    param('DOMAIN_NAME', 'Domain name', `Router domain: the Route host is <DC_NAME>-<PROJECT>.<DOMAIN_NAME> (e.g. ${g.domain}).`),
    param('DC_NAME', 'DeploymentConfig name', `Name of the DeploymentConfig, Service, Route, ImageStream and ConfigMap (<DC_NAME>-config): ${app.name} renders the main app, ${app.canaryName} its canary.`),
    param('TRACK', 'Track', "'stable' for the main app, 'canary' for its canary: the canary.cdk8s.io/track label the Service selects on."),
    param('IMAGE', 'Image', 'Image the pods run (repository:version); the ImageStream tag APP_VERSION points at it.'),
    param('REPLICAS', 'Replicas', 'Number of pods (a number: the Template uses ${{REPLICAS}}).'),
    param('ROUTE_WEIGHT', 'Route weight', "Weight (0-256) of this DeploymentConfig's own Service in its Route (a number: ${{ROUTE_WEIGHT}})."),
    param('ALTERNATE_BACKENDS', 'Route alternate backends', `JSON list of the Route's alternateBackends (at most 3), e.g. [{"kind":"Service","name":"${app.canaryName}","weight":30}] with ROUTE_WEIGHT=70 for a 70/30 split; [] for none.`),
    ...app.calls.map((c) => {
      const callee = g.apps.find((a) => a.name === c.app) as GroupAppModel;
      return param(c.parameter, `${callee.name} URL`, `URL of ${callee.name}'s Route, read from the ConfigMap key ${c.configKey} (the canary points it at ${callee.canaryName}'s Route: ${routeUrl(callee.canaryName, callee.project, g.domain)}).`);
    }),
  ];
}

/**
 * The app's Template (template.openshift.io/v1). Its objects are the very objects `renderInstance`
 * writes, rendered with `${...}` placeholders, so processing the Template with an instance's
 * parameter values gives that instance's objects (tests check this with an independent processor).
 */
export function openShiftAppTemplate(scope: Construct, id: string, g: GroupModel, app: GroupAppModel): ApiObject {
  const scratch = new Chart(new App({ outdir: 'cdk8s.out' }), 'template', { disableResourceNameHashes: true });
  renderInstance(scratch, 'instance', { group: g, app, params: templatePlaceholders(app) });
  return new Template(scope, id, {
    metadata: {
      name: app.name,
      namespace: app.project,
      labels: { ...MANAGED_BY, 'app.kubernetes.io/part-of': g.name, 'app': app.name },
      annotations: {
        'openshift.io/display-name': app.name,
        'description': `${app.name} of release group ${g.name}: renders the main app (DC_NAME=${app.name}) or its canary (DC_NAME=${app.canaryName}, APP_VERSION=canary, TRACK=canary). Routes carry ${BALANCE_ANNOTATION}: ${g.balance}.`,
      },
    },
    objects: scratch.toJson(),
    parameters: templateParameters(g, app),
  });
}
