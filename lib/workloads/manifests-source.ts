/**
 * Resolving a `workload.type: manifests` release against its folder: which Deployment carries the
 * version, which containers the version sets, which Service fronts it, how its HPA and PDB relate,
 * which Secrets it reads. Every problem is positioned in the release spec (file:line:col and field)
 * and names the folder's object; nothing is written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAll } from '@swimlane/docker-reference';
import { podSecurityDeviations, violationsOf } from '../manifests/pod-security';
import { isGeneratedFile } from '../manifests/files';
import { at, isRecord, listAt, mapAt, matchesLabelSelector } from '../manifests/objects';
import { SourceDocument } from '../spec/document';
import { pathToString, SpecProblem } from '../spec/errors';
import { ManifestsWorkload, ReleaseSpec } from '../spec/generated/release';
import { LoadedRelease, ReleaseCheck } from '../spec/loader';
import { ManifestsFacts, SourceObject, toModel } from '../spec/model';
import { TRACK_LABEL } from './labels';
import { FolderObject, readManifestsFolder } from './manifests-folder';

/** Label the tool sets on every pod to the track's version label (Istio subsets select it). */
export const VERSION_LABEL = 'version';
/** Kinds that are cluster-scoped in Kubernetes itself: a release folder holds namespaced objects only. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass', 'PersistentVolume',
  'IngressClass', 'RuntimeClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'Node', 'CSIDriver', 'VolumeAttachment']);

/**
 * The project load check of manifests workloads: reads the release's folder (kubectl kustomize or
 * plain YAML), resolves it against the spec and returns the release with its model completed, or the
 * problems. Other workload types pass through.
 */
export const manifestsCheck: ReleaseCheck = (release) => {
  const spec = release.model.spec;
  if (spec.workload.type !== 'manifests') return [];
  if (release.model.workload.manifests) return []; // already read (a fleet wave's model is built from the release's)
  const w = spec.workload;
  const root = repositoryRoot(release);
  const read = readFolder(release.source, ['workload', 'path'], w.path, root);
  if ('problem' in read) return [read.problem];
  return resolveObjects(release, read.source, read.objects);
};

/**
 * Resolves a release against the objects of its workload (read from its folder, or built by a
 * CanaryRelease construct): the release with its model completed, or the problems.
 */
export function resolveObjects(release: LoadedRelease, source: 'kustomize' | 'plain', objects: readonly FolderObject[]): SpecProblem[] | { release: LoadedRelease } {
  const spec = release.model.spec;
  if (spec.workload.type !== 'manifests') throw new Error(`internal: release ${release.model.name} does not bring its own manifests`);
  const w = spec.workload;
  const r = factsOf({
    source: release.source,
    settings: w,
    field: (...rest) => ['workload', ...rest],
    canaryReplicasField: ['workload', 'canaryReplicas'],
    production: spec.namespaces.production,
    productionField: ['namespaces', 'production'],
    existingSecrets: spec.existingSecrets ?? [],
    secretsField: ['existingSecrets'],
    createNamespaces: spec.createNamespaces ?? true,
    profile: w.podSecurity?.profile ?? 'restricted',
    profileField: ['workload', 'podSecurity'],
    images: { ...(spec.stable.image ? { stable: spec.stable.image } : {}), ...(spec.canary?.image ? { canary: spec.canary.image } : {}) },
  }, source, objects);
  if (Array.isArray(r)) return r;
  return { release: { ...release, model: toModel(spec, release.model.file, r) } };
}

/** The repository root of a release: the folder above releases/. */
export function repositoryRoot(release: LoadedRelease): string {
  const file = release.path ?? path.resolve(release.file);
  return path.dirname(path.dirname(file));
}

/**
 * Reads the manifests folder a spec field names (relative to the repository root), after checking it
 * is inside the repository, a real folder and not generated output; problems positioned at `at`.
 */
export function readFolder(source: SourceDocument, at: readonly (string | number)[], rel: string, root: string): { source: 'kustomize' | 'plain'; objects: readonly FolderObject[] } | { problem: SpecProblem } {
  const where = checkFolderPath(source, at, rel, root);
  if ('problem' in where) return where;
  const read = readManifestsFolder(where.abs, rel);
  if ('error' in read) return { problem: source.problem(at, read.error, read.hint, rel) };
  return read;
}

/** The folder of a manifests path, checked: inside the repository, a real folder, not generated output. */
function checkFolderPath(source: SourceDocument, at: readonly (string | number)[], rel: string, root: string): { abs: string } | { problem: SpecProblem } {
  const bad = (message: string, hint: string) => ({ problem: source.problem(at, message, hint, rel) });
  const normal = path.posix.normalize(rel);
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || normal === '..' || normal.startsWith('../')) {
    return bad('the manifests folder must be inside the repository', 'give a path relative to the repository root, such as apps/podinfo');
  }
  const abs = path.join(root, normal);
  let st: fs.Stats;
  try { st = fs.statSync(abs); } catch { return bad('no such folder', `create ${normal}/ with the app's manifests, or fix the path (it is relative to the repository root ${root})`); }
  if (!st.isDirectory()) return bad('not a folder', 'give the folder that holds the manifests (a kustomize root or plain YAML files), not a file');
  const realRoot = fs.realpathSync(root);
  const real = fs.realpathSync(abs);
  const inside = (child: string, parent: string) => { const r = path.relative(parent, child); return r === '' || (!r.startsWith('..') && !path.isAbsolute(r)); };
  if (!inside(real, realRoot)) return bad(`the manifests folder leads outside the repository (to ${real})`, 'keep the manifests in the repository: copy them instead of linking');
  if (real === realRoot) return bad('the manifests folder is the repository root', 'put the app\'s manifests in their own folder, such as apps/podinfo');
  for (const [kept, what] of [['dist', 'the output folder dist/'], ['releases', 'releases/'], ['.git', '.git']] as const) {
    const k = path.join(realRoot, kept);
    if (inside(real, k)) {
      return bad(`the manifests folder is inside ${what}`, kept === 'dist'
        ? 'dist/ is generated from the specs and replaced on every synth: keep the app\'s own manifests in a folder of their own, such as apps/<app>'
        : 'keep the app\'s manifests in a folder of their own, such as apps/<app>');
    }
  }
  if (holdsGeneratedFiles(real)) {
    return bad('the manifests folder holds files generated by cdk8s-canary (an output folder)', 'point workload.path at the app\'s own manifests, not at synthesized output');
  }
  return { abs };
}

function holdsGeneratedFiles(dir: string): boolean {
  return ['kustomization.yaml', ...fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).slice(0, 20)].some((f) => isGeneratedFile(path.join(dir, f)));
}

const isKind = (o: SourceObject, group: string, kind: string) => o.kind === kind && (group === '' ? o.apiVersion === 'v1' : o.apiVersion.startsWith(`${group}/`));
const names = (xs: readonly FolderObject[]) => xs.map((x) => x.obj.metadata.name).join(', ') || 'none';
const describe = (x: FolderObject) => `${x.obj.kind} ${x.obj.metadata.name} (${x.from})`;

/** The manifests settings of a release's workload or of a release group's app. */
export interface ManifestsSettings {
  readonly path: string;
  readonly deployment?: string;
  readonly containers?: readonly string[];
  readonly service?: string;
  readonly port?: number | string;
  readonly canaryReplicas?: number;
  readonly canaryAutoscaling?: { readonly minReplicas?: number; readonly maxReplicas?: number };
  readonly names?: { readonly canary?: string; readonly canaryService?: string };
}

/** What resolving a manifests folder needs of the spec around it (a release, or an app of a release group). */
export interface ResolveInput {
  readonly source: SourceDocument;
  readonly settings: ManifestsSettings;
  /** Spec path of a manifests setting (`workload.deployment`, `apps[1].manifests.deployment`). */
  readonly field: (...rest: (string | number)[]) => (string | number)[];
  readonly canaryReplicasField: readonly (string | number)[];
  /** The namespace the stable objects go to, and the spec field that sets it. */
  readonly production: string;
  readonly productionField: readonly (string | number)[];
  /** Secrets the spec declares as existing, and where they are declared. */
  readonly existingSecrets: readonly { readonly name: string; readonly keys?: readonly string[] }[];
  readonly secretsField: readonly (string | number)[];
  /** Whether the spec creates the Namespaces (which then enforce `profile`). */
  readonly createNamespaces: boolean;
  readonly profile: 'restricted' | 'baseline';
  readonly profileField: readonly (string | number)[];
  /** Full image references the spec gives per track (a release's stable.image / canary.image). */
  readonly images?: { readonly stable?: string; readonly canary?: string };
}

/** What the folder says, checked against the spec; problems positioned in the spec. */
export function factsOf(input: ResolveInput, source: 'kustomize' | 'plain', objects: readonly FolderObject[]): ManifestsFacts | SpecProblem[] {
  const w = input.settings;
  const F = input.field;
  const N = (...rest: (string | number)[]) => pathToString(F(...rest));
  const out: SpecProblem[] = [];
  const fail = (field: readonly (string | number)[], message: string, hint: string, value?: unknown) => { out.push(input.source.problem(field, message, hint, value)); return out; };
  const production = input.production;

  // Objects the release cannot emit as they are
  const seen = new Map<string, FolderObject>();
  for (const x of objects) {
    const o = x.obj;
    if (isKind(o, '', 'Secret')) {
      fail(F('path'), `${describe(x)} would be written to dist/ and committed with its values (secrets are referenced, never inlined)`,
        `remove it from the folder (and any secretGenerator), create it in the cluster outside git, and list it in existingSecrets`, w.path);
      continue;
    }
    if (CLUSTER_SCOPED.has(o.kind)) {
      fail(F('path'), `${describe(x)} is cluster-scoped; a release's folders hold the objects of its namespaces only`,
        o.kind === 'Namespace' ? 'remove it: the release creates its namespaces (createNamespaces), or set createNamespaces: false and create them elsewhere' : 'deploy it apart from the release (another Argo CD Application or Flux Kustomization)', w.path);
      continue;
    }
    if (o.metadata.namespace !== undefined && o.metadata.namespace !== production) {
      fail(input.productionField, `${describe(x)} is in namespace '${o.metadata.namespace}', but the release's production namespace is '${production}'`,
        `remove metadata.namespace from the folder's objects (the release places them), or set namespaces.production: ${o.metadata.namespace}`, production);
    }
    const key = `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.name}`;
    const other = seen.get(key);
    if (other) fail(F('path'), `${o.kind} ${o.metadata.name} is defined twice (${other.from} and ${x.from})`, 'keep one definition of each object', w.path);
    else seen.set(key, x);
  }
  if (out.length) return out;

  // The Deployment
  const deployments = objects.filter((x) => isKind(x.obj, 'apps', 'Deployment'));
  let dep: FolderObject | undefined;
  if (w.deployment !== undefined) {
    dep = deployments.find((x) => x.obj.metadata.name === w.deployment);
    if (!dep) return fail(F('deployment'), `no Deployment named '${w.deployment}' in ${w.path} (Deployments: ${names(deployments)})`, deployments.length ? `use one of ${names(deployments)}` : `add the Deployment to ${w.path}`, w.deployment);
  } else if (deployments.length !== 1) {
    return fail(F('path'), deployments.length ? `${w.path} holds ${deployments.length} Deployments (${names(deployments)}) and the release does not say which one carries the version` : `${w.path} holds no Deployment (apps/v1)`,
      deployments.length ? `add ${N('deployment')}: one of ${names(deployments)}` : 'add the app\'s Deployment to the folder (StatefulSets, DaemonSets and other kinds cannot be canaried yet)', w.path);
  } else dep = deployments[0];
  const d = dep.obj;
  const podSpec = at(d, 'spec', 'template', 'spec');
  const podLabels = mapAt(d, 'spec', 'template', 'metadata', 'labels');
  const selector = at(d, 'spec', 'selector');
  if (!isRecord(podSpec) || listAt(podSpec, 'containers').length === 0) return fail(F('path'), `${describe(dep)} has no containers in spec.template.spec`, 'give the Deployment a pod template with containers', w.path);
  if (!isRecord(selector) || (Object.keys(mapAt(selector, 'matchLabels')).length === 0 && listAt(selector, 'matchExpressions').length === 0)) {
    return fail(F('path'), `${describe(dep)} has no spec.selector`, 'give the Deployment a selector (apps/v1 requires one), e.g. matchLabels: {app: <name>}', w.path);
  }
  const selectorKeys = [...Object.keys(mapAt(selector, 'matchLabels')), ...listAt(selector, 'matchExpressions').map((e) => String(at(e, 'key')))];
  for (const k of [VERSION_LABEL, TRACK_LABEL]) {
    if (selectorKeys.includes(k)) {
      fail(F('path'), `the selector of ${describe(dep)} uses the label '${k}', which cdk8s-canary sets per ${k === TRACK_LABEL ? 'track' : 'version'} (a selector is immutable and must survive promotion)`,
        `remove '${k}' from spec.selector of the Deployment (its pods still get the label)`, w.path);
    }
  }
  if (!matchesLabelSelector(selector, podLabels)) {
    fail(F('path'), `the selector of ${describe(dep)} does not match its own pod template labels`, 'make spec.selector match spec.template.metadata.labels', w.path);
  }
  if (out.length) return out;

  // Containers whose image the version sets
  const allContainers = [...listAt(podSpec, 'containers'), ...listAt(podSpec, 'initContainers')].filter(isRecord);
  const containerNames = allContainers.map((c) => String(c.name));
  let containers: string[];
  if (w.containers !== undefined) {
    containers = [...w.containers];
    w.containers.forEach((c, i) => {
      if (!containerNames.includes(c)) fail(F('containers', i), `Deployment ${d.metadata.name} has no container named '${c}' (containers: ${containerNames.join(', ')})`, `use one of ${containerNames.join(', ')}`, c);
    });
    if (out.length) return out;
  } else {
    const main = listAt(podSpec, 'containers').filter(isRecord);
    if (main.length !== 1) {
      return fail(F('containers'), `Deployment ${d.metadata.name} has ${main.length} containers (${main.map((c) => String(c.name)).join(', ')}) and the release does not say which one(s) the version sets`,
        `add ${N('containers')}: [${String(main[0].name)}] (the app's container; sidecars keep their images)`);
    }
    containers = [String(main[0].name)];
  }
  const repos: string[] = [];
  for (const c of containers) {
    const image = String(allContainers.find((x) => x.name === c)?.image ?? '');
    const repo = repositoryOf(image);
    if (repo === undefined) return fail(F('containers'), `container ${c} of Deployment ${d.metadata.name} has no valid image reference (got '${image}')`, 'give it an image such as ghcr.io/org/app:1.0.0');
    repos.push(repo);
  }
  if (containers.length > 1) {
    for (const k of ['stable', 'canary'] as const) {
      const image = input.images?.[k];
      if (image !== undefined) fail([k, 'image'], `${k}.image names one image, but the version sets ${containers.length} containers (${containers.join(', ')})`, `remove ${k}.image: each container gets its own repository with the version as its tag`, image);
    }
  }

  // The Service that fronts it
  const services = objects.filter((x) => isKind(x.obj, '', 'Service'));
  const selects = (s: FolderObject) => {
    const sel = mapAt(s.obj, 'spec', 'selector');
    return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => podLabels[k] === v);
  };
  let svc: FolderObject | undefined;
  if (w.service !== undefined) {
    svc = services.find((s) => s.obj.metadata.name === w.service);
    if (!svc) return fail(F('service'), `no Service named '${w.service}' in ${w.path} (Services: ${names(services)})`, services.length ? `use one of ${names(services)}` : `add the Service to ${w.path}`, w.service);
    if (!selects(svc)) {
      const sel = mapAt(svc.obj, 'spec', 'selector');
      return fail(F('service'), `Service ${w.service} does not select the pods of Deployment ${d.metadata.name}: its selector ${labelText(sel)} does not match the pod labels ${labelText(podLabels)}`,
        `make the Service's spec.selector a subset of the Deployment's pod labels, or name another Service (candidates: ${names(services.filter(selects))})`, w.service);
    }
  } else {
    const candidates = services.filter(selects);
    if (candidates.length !== 1) {
      return fail(F('service'), candidates.length
        ? `${candidates.length} Services select the pods of Deployment ${d.metadata.name} (${names(candidates)}) and the release does not say which one fronts it`
        : `no Service in ${w.path} selects the pods of Deployment ${d.metadata.name} (pod labels ${labelText(podLabels)}; Services: ${names(services)})`,
      candidates.length ? `add ${N('service')}: one of ${names(candidates)}` : 'add a Service whose selector matches the pod labels, or fix its selector');
    }
    svc = candidates[0];
  }
  const ports = listAt(svc.obj, 'spec', 'ports').filter(isRecord);
  const portText = ports.map((p) => (p.name ? `${String(p.name)} (${String(p.port)})` : String(p.port))).join(', ') || 'none';
  let port: Record<string, unknown> | undefined;
  if (w.port !== undefined) {
    port = ports.find((p) => (typeof w.port === 'number' ? p.port === w.port : p.name === w.port));
    if (!port) return fail(F('port'), `Service ${svc.obj.metadata.name} has no port ${typeof w.port === 'number' ? 'numbered' : 'named'} ${w.port} (ports: ${portText})`, `use one of ${portText}`, w.port);
  } else {
    port = ports.length === 1 ? ports[0] : ports.find((p) => p.name === 'http');
    if (!port) return fail(F('port'), `Service ${svc.obj.metadata.name} has ${ports.length} ports (${portText}) and none is named http`, `add ${N('port')}: the name or number of the port users reach`);
  }

  // Scaling: the HPA and the canary's choice
  const hpas = objects.filter((x) => x.obj.kind === 'HorizontalPodAutoscaler' && x.obj.apiVersion.startsWith('autoscaling/')
    && at(x.obj, 'spec', 'scaleTargetRef', 'kind') === 'Deployment' && at(x.obj, 'spec', 'scaleTargetRef', 'name') === d.metadata.name);
  if (hpas.length > 1) return fail(F('path'), `${hpas.length} HorizontalPodAutoscalers scale Deployment ${d.metadata.name} (${names(hpas)})`, 'keep one: they would fight over its replicas', w.path);
  const hpa = hpas[0];
  if (w.canaryReplicas !== undefined && w.canaryAutoscaling !== undefined) {
    fail(F('canaryAutoscaling'), 'canaryReplicas and canaryAutoscaling both say how the canary scales', 'keep one: a fixed count (canaryReplicas) or the canary\'s own HPA (canaryAutoscaling)', undefined);
  }
  if (hpa && w.canaryReplicas === undefined && w.canaryAutoscaling === undefined) {
    fail(F(), `the replicas of Deployment ${d.metadata.name} are left to ${describe(hpa)}, and the release does not say how the canary scales`,
      `add ${pathToString(input.canaryReplicasField)}: <n> (a fixed count) or ${N('canaryAutoscaling')}: {} (its own HPA, a copy of the stable one)`);
  }
  if (!hpa && w.canaryAutoscaling !== undefined) {
    fail(F('canaryAutoscaling'), `no HorizontalPodAutoscaler in ${w.path} scales Deployment ${d.metadata.name}, so there is none to copy for the canary`, 'remove canaryAutoscaling and set canaryReplicas, or add the HPA to the folder', undefined);
  }
  const hpaBounds = hpa ? { name: hpa.obj.metadata.name, minReplicas: Number(at(hpa.obj, 'spec', 'minReplicas') ?? 1), maxReplicas: Number(at(hpa.obj, 'spec', 'maxReplicas')) } : undefined;
  if (hpaBounds && w.canaryAutoscaling) {
    const min = w.canaryAutoscaling.minReplicas ?? hpaBounds.minReplicas;
    const max = w.canaryAutoscaling.maxReplicas ?? hpaBounds.maxReplicas;
    if (min > max) fail(F('canaryAutoscaling'), `the canary HPA's minReplicas ${min} is above its maxReplicas ${max}`, 'set minReplicas <= maxReplicas', undefined);
  }

  // Names the derived canary objects take must be free
  const canaryName = w.names?.canary ?? `${d.metadata.name}-canary`;
  const canaryService = w.names?.canaryService ?? `${svc.obj.metadata.name}-canary`;
  const taken = (kind: string, name: string) => objects.find((x) => x.obj.kind === kind && x.obj.metadata.name === name);
  const clash = (field: (string | number)[], kind: string, name: string, option: string) => {
    const x = taken(kind, name);
    if (x) fail(field, `the canary's ${kind} would be named '${name}', which ${describe(x)} already uses`, `set ${N('names', option)} to another name, or rename the folder's object`, name);
  };
  clash(F('names', 'canary'), 'Deployment', canaryName, 'canary');
  clash(F('names', 'canaryService'), 'Service', canaryService, 'canaryService');
  if (hpa) {
    const x = taken('HorizontalPodAutoscaler', `${hpa.obj.metadata.name}-canary`);
    if (x) fail(F('path'), `the canary's HorizontalPodAutoscaler would be named '${hpa.obj.metadata.name}-canary', which ${describe(x)} already uses`, 'rename the folder\'s object', w.path);
  }

  // Secrets the pods read are referenced, never inlined: declared in existingSecrets
  const declared = new Map(input.existingSecrets.map((s) => [s.name, s.keys]));
  for (const r of secretRefs(podSpec)) {
    if (!declared.has(r.name)) {
      fail(input.secretsField, `Deployment ${d.metadata.name} reads Secret '${r.name}' (spec.template.spec.${r.field}), which is not declared in existingSecrets`,
        `create the Secret in the cluster outside git (in every namespace of the release) and add '- name: ${r.name}' to existingSecrets`, r.name);
    } else {
      const keys = declared.get(r.name);
      if (keys && r.key !== undefined && !keys.includes(r.key)) {
        fail(input.secretsField, `Deployment ${d.metadata.name} reads key '${r.key}' of Secret '${r.name}' (spec.template.spec.${r.field}), which is not one of its declared keys (${keys.join(', ')})`, `add '${r.key}' to the keys of ${r.name} in existingSecrets, or fix the key`, r.key);
      }
    }
  }

  // Pod security: the pod spec is the user's; a Namespace this release creates enforces the profile
  const profile = input.profile;
  if (input.createNamespaces) {
    const annotations = mapAt(d, 'spec', 'template', 'metadata', 'annotations');
    const violations = violationsOf(profile, podSecurityDeviations(podSpec, annotations));
    if (violations.length) {
      const shown = violations.slice(0, 4).map((v) => `${v.message} (spec.template.spec.${dotted(v.field)})`).join('; ') + (violations.length > 4 ? `; and ${violations.length - 4} more` : '');
      fail(input.profileField, `the pods of Deployment ${d.metadata.name} break the ${profile} Pod Security Standard that this release's Namespaces enforce: ${shown}`,
        profile === 'restricted'
          ? `declare ${pathToString(input.profileField)}.profile: baseline if the app needs it (the lint then warns about each deviation), or harden the pod spec`
          : 'fix the pod spec: the baseline profile rejects these pods', undefined);
    }
  }
  if (out.length) return out;

  const replicas = at(d, 'spec', 'replicas');
  return {
    source,
    objects: objects.map((x) => x.obj),
    deployment: d.metadata.name,
    containers,
    imageRepository: repos[0],
    service: svc.obj.metadata.name,
    servicePort: Number(port.port),
    portName: typeof port.name === 'string' && port.name ? port.name : String(port.port),
    ...(typeof replicas === 'number' ? { replicas } : {}),
    ...(hpaBounds ? { hpa: hpaBounds } : {}),
  };
}

/** The repository part of an image reference (tag and digest removed), or undefined when invalid. */
export function repositoryOf(image: string): string | undefined {
  try {
    const ref = parseAll(image);
    let repo = image;
    if (ref.digest) repo = repo.slice(0, repo.length - ref.digest.length - 1);
    if (ref.tag) repo = repo.slice(0, repo.length - ref.tag.length - 1);
    return repo;
  } catch {
    return undefined;
  }
}

/** Secrets a pod spec reads (env, envFrom, volumes, projected volumes, image pull secrets), with where. */
export function secretRefs(pod: unknown): { name: string; key?: string; field: string }[] {
  const out: { name: string; key?: string; field: string }[] = [];
  for (const field of ['initContainers', 'containers']) {
    listAt(pod, field).forEach((c, ci) => {
      listAt(c, 'env').forEach((e, ei) => {
        const r = at(e, 'valueFrom', 'secretKeyRef');
        if (isRecord(r) && typeof r.name === 'string' && r.optional !== true) out.push({ name: r.name, ...(typeof r.key === 'string' ? { key: r.key } : {}), field: `${field}[${ci}].env[${ei}]` });
      });
      listAt(c, 'envFrom').forEach((e, ei) => {
        const r = at(e, 'secretRef');
        if (isRecord(r) && typeof r.name === 'string' && r.optional !== true) out.push({ name: r.name, field: `${field}[${ci}].envFrom[${ei}]` });
      });
    });
  }
  listAt(pod, 'volumes').forEach((v, vi) => {
    const s = at(v, 'secret');
    if (isRecord(s) && typeof s.secretName === 'string' && s.optional !== true) out.push({ name: s.secretName, field: `volumes[${vi}]` });
    listAt(v, 'projected', 'sources').forEach((p) => {
      const r = at(p, 'secret');
      if (isRecord(r) && typeof r.name === 'string' && r.optional !== true) out.push({ name: r.name, field: `volumes[${vi}]` });
    });
  });
  listAt(pod, 'imagePullSecrets').forEach((s, i) => { const n = at(s, 'name'); if (typeof n === 'string') out.push({ name: n, field: `imagePullSecrets[${i}]` }); });
  return out;
}

function labelText(l: Readonly<Record<string, string>>): string {
  const e = Object.entries(l);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(',') : '(none)';
}

function dotted(p: readonly (string | number)[]): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i ? '.' : ''}${s}`)).join('');
}

/** Type guard: a spec whose workload is a folder of manifests. */
export function isManifestsSpec(spec: ReleaseSpec): spec is ReleaseSpec & { workload: ManifestsWorkload } {
  return spec.workload.type === 'manifests';
}
