import * as path from 'path';
import { SourceDocument } from './document';
import { SpecProblem } from './errors';
import { GroupManifests, ReleaseGroupSpec } from './generated/group';
import { imageProblems } from './image';
import { reservedNamespaceProblems } from './reserved-namespaces';
import { unrepresentableProblems } from './text-checks';
import { inlineSecretEnvProblems, secretConfigKeyProblems, secretValueProblems } from './secret-scan';
import { DEFAULT_RESOURCES, ManifestsModel, parseDuration, WorkloadModel } from './model';
import { canonicalResources } from './quantity';

/** The six stages of a coordinated canary (scenario S3). */
export type GroupStage = 1 | 2 | 3 | 4 | 5 | 6;
/** Number of stages. */
export const GROUP_STAGES = 6;
/** The entry ladder when a group gives none: S3's 90/10 split. */
export const DEFAULT_GROUP_STEPS: readonly number[] = [10];
/** Suffix of a canary's DC_NAME (S3: backend-main -> backend-main-canary). */
export const CANARY_SUFFIX = '-canary';
/** Template parameter names fixed by S3 (plus the ones this project adds); call keys must not map to them. */
export const RESERVED_PARAMETERS: readonly string[] = [
  'APP_NAME', 'APP_VERSION', 'PROJECT', 'DOMAIN_NAME', 'DC_NAME', 'TRACK', 'IMAGE', 'REPLICAS', 'ROUTE_WEIGHT', 'ALTERNATE_BACKENDS',
];

/** One call edge: the caller reads the callee's Route URL from `configKey` of its ConfigMap. */
export interface GroupCall {
  readonly app: string;
  readonly configKey: string;
  /** Template parameter carrying the URL (`backendmain.url` -> `BACKENDMAIN_URL`). */
  readonly parameter: string;
}

/** One app of a group, defaults resolved. */
export interface GroupAppModel {
  /** APP_NAME, the `app` label, and DC_NAME of the main. */
  readonly name: string;
  /** DC_NAME of the canary: `<name>-canary`. */
  readonly canaryName: string;
  /** PROJECT: namespace of the main and of the canary. */
  readonly project: string;
  readonly imageRepository: string;
  /** Production version (before promotion). */
  readonly version: string;
  /** Version this release brings; undefined when the app does not change. */
  readonly newVersion?: string;
  readonly replicas: number;
  readonly canaryReplicas: number;
  readonly calls: readonly GroupCall[];
  /** Static ConfigMap keys (same for the main and the canary). */
  readonly config: Readonly<Record<string, string>>;
  /** Pod-level settings in the shape the workload builders share with releases. */
  readonly workload: WorkloadModel;
  /** Longest call path from the entry (entry 0, its callees 1, ...). */
  readonly level: number;
  /** Index in the spec's `apps` (for positioned messages). */
  readonly index: number;
  /**
   * Names of the Services the app's Routes send to: `<name>` and `<name>-canary` for a generated app;
   * the folder's fronting Service and `<service>-canary` for an app that brings its own manifests.
   */
  readonly services: { readonly main: string; readonly canary: string };
  /** The app's own manifests settings, when it brings them (`apps[].manifests`). */
  readonly manifestsSpec?: GroupManifests;
  /** What its folder holds, once read (lib/workloads/manifests-group.ts); undefined before. */
  readonly manifests?: ManifestsModel;
}

/** A release group with every default resolved. */
export interface GroupModel {
  readonly name: string;
  readonly file: string;
  readonly spec: ReleaseGroupSpec;
  readonly domain: string;
  readonly entry: string;
  readonly balance: 'roundrobin' | 'leastconn' | 'source' | 'random';
  readonly createNamespaces: boolean;
  /** The entry ladder's weights (percent), increasing. */
  readonly steps: readonly number[];
  /** Minimum soak (seconds) of the rungs that have one, by weight (`steps: [{weight: 30, minSoak: 15m}]`). */
  readonly minSoakSeconds: ReadonlyMap<number, number>;
  readonly stage: GroupStage;
  /** Entry canary share (percent) at stage 3; undefined at other stages. */
  readonly weight?: number;
  /** Apps in spec order. */
  readonly apps: readonly GroupAppModel[];
  /** App names, callees before callers (canaries are created in this order). */
  readonly bottomUp: readonly string[];
  /** Deepest level of the call graph (S3: 1). */
  readonly maxLevel: number;
}

/** Host of the Route of a DeploymentConfig: `<dc-name>-<project>.<domain>` (S3). */
export function routeHost(dcName: string, project: string, domain: string): string {
  return `${dcName}-${project}.${domain}`;
}

/** URL a caller's ConfigMap holds for a Route: `http://<host>`. */
export function routeUrl(dcName: string, project: string, domain: string): string {
  return `http://${routeHost(dcName, project, domain)}`;
}

/** Template parameter of a ConfigMap key: upper case, every character outside [A-Z0-9] as '_'. */
export function parameterOfKey(key: string): string {
  return key.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** The app of a group by name; throws for an unknown name (a bug: names are checked at load time). */
export function appOf(g: GroupModel, name: string): GroupAppModel {
  const a = g.apps.find((x) => x.name === name);
  if (!a) throw new Error(`internal: app ${name} is not part of group ${g.name}`);
  return a;
}

/**
 * Rules of a group spec that a JSON Schema cannot say: names, the call graph (known apps, no cycle,
 * the entry at the top, every app reached), versions, the stage/weight pair and DNS lengths.
 */
export function groupProblems(src: SourceDocument, spec: ReleaseGroupSpec, file: string): SpecProblem[] {
  const out: SpecProblem[] = [...secretValueProblems(src, spec), ...reservedNamespaceProblems(src, spec), ...unrepresentableProblems(src, spec)];
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  if (base !== spec.name) {
    out.push(src.problem(['name'], `group name does not match the file name '${path.basename(file)}'`, `rename the file to ${spec.name}.yaml${isDnsLabel(base) ? ` or set name: ${base}` : ''}`, spec.name));
  }
  const byName = new Map<string, number>();
  spec.apps.forEach((a, i) => {
    out.push(...imageProblems(src, ['apps', i, 'image'], a.image, 'repository', 'a group app always runs the tag of its version'));
    if (byName.has(a.name)) out.push(src.problem(['apps', i, 'name'], `duplicate app name '${a.name}'`, 'give every app of the group a unique name', a.name));
    else byName.set(a.name, i);
    if (a.name.length + CANARY_SUFFIX.length > 63) {
      out.push(src.problem(['apps', i, 'name'], `app name is too long for its canary '${a.name}${CANARY_SUFFIX}' (at most ${63 - CANARY_SUFFIX.length} characters)`, 'shorten the app name', a.name));
    }
    const project = a.project ?? a.name;
    const label = `${a.name}${CANARY_SUFFIX}-${project}`;
    if (label.length > 63) {
      out.push(src.problem(a.project ? ['apps', i, 'project'] : ['apps', i, 'name'], `the canary Route host '${label}.${spec.domain}' has a first label longer than 63 characters`,
        'shorten the app name or the project (the host is <dc-name>-<project>.<domain>)', a.project ?? a.name));
    }
    if (a.newVersion !== undefined && a.newVersion === a.version) {
      out.push(src.problem(['apps', i, 'newVersion'], `newVersion is the same as version '${a.version}'`, 'set the version this release brings, or remove newVersion when the app does not change', a.newVersion));
    }
    if ((a.image === undefined) === (a.manifests === undefined)) {
      out.push(src.problem(a.image === undefined ? ['apps', i] : ['apps', i, 'manifests'], a.image === undefined ? `app '${a.name}' has neither an image nor manifests` : `app '${a.name}' has both an image and manifests`,
        a.image === undefined ? 'add image: <repository> (the group generates the app) or manifests: {path: <folder>} (the app brings its own)' : 'keep one: image (the group generates the app) or manifests (the app brings its own; its image comes from its Deployment)'));
    }
    if (a.manifests) {
      for (const k of ['kind', 'port', 'replicas', 'env', 'config', 'resources', 'probes'] as const) {
        if (a[k] !== undefined) out.push(src.problem(['apps', i, k], `${k} describes a pod the group generates, but app '${a.name}' brings its own manifests`, `remove ${k}: set it in the app's manifests folder ${a.manifests.path}`, undefined, true));
      }
      for (const k of ['runAsUser', 'readOnlyRootFilesystem'] as const) {
        if (a.podSecurity?.[k] !== undefined) out.push(src.problem(['apps', i, 'podSecurity', k], `podSecurity.${k} sets a generated pod's security context, but app '${a.name}' brings its own manifests`, 'set it in the folder\'s pod spec; podSecurity.profile (the level its project enforces) stays', undefined, true));
      }
      if ((a.calls ?? []).length) {
        out.push(src.problem(['apps', i, 'calls'], `app '${a.name}' brings its own manifests, so the group cannot point its canary at the callees' canaries: its pods read their configuration from its own objects, which the group does not rewrite`,
          'remove calls: an app that brings its manifests must be a leaf of the call graph (called, calling none), or let the group generate it (image, config)', undefined, true));
      }
    }
    const keys = new Set<string>();
    const params = new Map<string, string>();
    (a.calls ?? []).forEach((c, j) => {
      if (keys.has(c.configKey)) out.push(src.problem(['apps', i, 'calls', j, 'configKey'], `duplicate config key '${c.configKey}'`, 'give every call its own key', c.configKey));
      keys.add(c.configKey);
      const p = parameterOfKey(c.configKey);
      if (RESERVED_PARAMETERS.includes(p)) {
        out.push(src.problem(['apps', i, 'calls', j, 'configKey'], `config key '${c.configKey}' maps to the reserved Template parameter ${p}`, 'use another key, e.g. backendmain.url', c.configKey));
      } else if (params.has(p) && params.get(p) !== c.configKey) {
        out.push(src.problem(['apps', i, 'calls', j, 'configKey'], `config keys '${params.get(p)}' and '${c.configKey}' map to the same Template parameter ${p}`, 'use keys that differ in letters or digits', c.configKey));
      }
      params.set(p, c.configKey);
      if (a.config && Object.prototype.hasOwnProperty.call(a.config, c.configKey)) {
        out.push(src.problem(['apps', i, 'config', c.configKey], `config key '${c.configKey}' is also the URL key of a call`, 'remove it from config: the call sets it', undefined, true));
      }
    });
    (a.env ?? []).forEach((e, j) => {
      const sources = ['value', 'secretKeyRef', 'configMapKeyRef'].filter((k) => (e as unknown as Record<string, unknown>)[k] !== undefined);
      if (sources.length !== 1) {
        out.push(src.problem(['apps', i, 'env', j], `env var '${e.name}' must have exactly one of value, secretKeyRef, configMapKeyRef`, sources.length ? `keep one of ${sources.join(', ')}` : 'add a value or a secretKeyRef', sources.length ? sources.join(', ') : undefined));
      }
    });
    out.push(...inlineSecretEnvProblems(src, a.env, ['apps', i, 'env']), ...secretConfigKeyProblems(src, a.config, ['apps', i, 'config']));
  });
  const names = [...byName.keys()];
  // call edges to known apps
  spec.apps.forEach((a, i) => (a.calls ?? []).forEach((c, j) => {
    if (c.app === a.name) out.push(src.problem(['apps', i, 'calls', j, 'app'], `app '${a.name}' calls itself`, 'remove this call', c.app));
    else if (!byName.has(c.app)) out.push(src.problem(['apps', i, 'calls', j, 'app'], `unknown app '${c.app}'`, `use one of ${names.map((n) => `'${n}'`).join(', ')}`, c.app));
  }));
  if (!byName.has(spec.entry)) {
    out.push(src.problem(['entry'], `entry is not one of the group's apps`, `use one of ${names.map((n) => `'${n}'`).join(', ')}`, spec.entry));
  }
  if (out.length) return out;
  const cycle = findCycle(spec);
  if (cycle) {
    const [i, j] = cycle.edge;
    out.push(src.problem(['apps', i, 'calls', j, 'app'], `call graph has a cycle: ${cycle.names.join(' -> ')}`,
      'remove one of these calls: a coordinated canary creates canaries bottom-up, which needs apps that call each other in one direction only', spec.apps[i].calls?.[j].app));
    return out;
  }
  const callers = spec.apps.filter((a) => (a.calls ?? []).some((c) => c.app === spec.entry)).map((a) => a.name);
  if (callers.length) {
    out.push(src.problem(['entry'], `entry app '${spec.entry}' is called by ${callers.map((c) => `'${c}'`).join(', ')}`,
      'make the entry the app users reach, at the top of the call graph (S3: the frontend)', spec.entry));
  }
  const reached = reachable(spec, spec.entry);
  spec.apps.forEach((a, i) => {
    if (!reached.has(a.name)) {
      out.push(src.problem(['apps', i, 'name'], `app '${a.name}' is not reached from the entry '${spec.entry}'`, `add it to the calls of an app the entry reaches, or remove it from the group`, a.name));
    }
  });
  const stage = spec.stage;
  if (spec.weight !== undefined && stage !== 3) {
    out.push(src.problem(['weight'], `weight is only used at stage 3 (the entry split); the group is at stage ${stage}`, 'remove weight (next, step, set-weight and abort maintain it)', spec.weight));
  }
  if (stage === 3 && spec.weight === undefined) {
    out.push(src.problem(['stage'], 'stage 3 needs the entry weight', `add weight: ${groupStepWeights(spec)[0]} (the first step of the ladder)`, stage));
  }
  if (stage >= 2 && !spec.apps.some((a) => a.newVersion !== undefined)) {
    out.push(src.problem(['stage'], `stage ${stage} needs at least one app with a newVersion`, 'set newVersion on the apps this release changes, or set stage: 1', stage));
  }
  const weights = groupStepWeights(spec);
  (spec.steps ?? []).forEach((s, i) => {
    const at = typeof s === 'number' ? ['steps', i] : ['steps', i, 'weight'];
    if (i > 0 && weights[i] <= weights[i - 1]) out.push(src.problem(at, `steps must increase strictly (previous step is ${weights[i - 1]})`, `use a weight above ${weights[i - 1]} or remove this step`, weights[i]));
  });
  return out;
}

/** The weights of a group's entry ladder (a rung is a number or {weight, minSoak}); [10] when it gives none. */
export function groupStepWeights(spec: ReleaseGroupSpec): readonly number[] {
  return spec.steps ? spec.steps.map((s) => (typeof s === 'number' ? s : s.weight)) : DEFAULT_GROUP_STEPS;
}

/** The first cycle of the call graph, as app names (first repeated at the end) and the spec edge closing it. */
export function findCycle(spec: ReleaseGroupSpec): { names: string[]; edge: [number, number] } | undefined {
  const index = new Map(spec.apps.map((a, i) => [a.name, i]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): { names: string[]; edge: [number, number] } | undefined => {
    state.set(name, 'open');
    stack.push(name);
    const i = index.get(name) as number;
    const calls = spec.apps[i].calls ?? [];
    for (let j = 0; j < calls.length; j++) {
      const next = calls[j].app;
      if (!index.has(next)) continue;
      if (state.get(next) === 'open') return { names: [...stack.slice(stack.indexOf(next)), next], edge: [i, j] };
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const a of spec.apps) {
    if (!state.has(a.name)) {
      const found = visit(a.name);
      if (found) return found;
    }
  }
  return undefined;
}

function reachable(spec: ReleaseGroupSpec, from: string): Set<string> {
  const seen = new Set<string>([from]);
  const todo = [from];
  while (todo.length) {
    const n = todo.pop() as string;
    for (const c of spec.apps.find((a) => a.name === n)?.calls ?? []) {
      if (!seen.has(c.app)) { seen.add(c.app); todo.push(c.app); }
    }
  }
  return seen;
}

/** Resolves every default of a validated, acyclic group spec. Pure. */
export function toGroupModel(spec: ReleaseGroupSpec, file: string): GroupModel {
  const level = new Map<string, number>();
  const byName = new Map(spec.apps.map((a) => [a.name, a]));
  // longest path from the entry (the graph is acyclic, so this terminates)
  const walk = (name: string, depth: number) => {
    if ((level.get(name) ?? -1) >= depth) return;
    level.set(name, depth);
    for (const c of byName.get(name)?.calls ?? []) walk(c.app, depth + 1);
  };
  walk(spec.entry, 0);
  const apps: GroupAppModel[] = spec.apps.map((a, index) => {
    const port = a.port ?? 8080;
    const replicas = a.replicas ?? 1;
    const workload: WorkloadModel = {
      type: a.manifests ? 'manifests' : 'webapp',
      kind: a.manifests ? 'Deployment' : a.kind ?? 'DeploymentConfig',
      imageRepository: a.image ?? '',
      port,
      servicePort: port,
      portName: `${port}-tcp`,
      appLabel: a.name,
      extraLabels: {},
      sharedServiceName: a.name,
      env: a.env ?? [],
      resources: a.resources ? canonicalResources(a.resources) : DEFAULT_RESOURCES,
      readiness: a.probes?.readiness ?? {},
      liveness: a.probes?.liveness ?? {},
      podSecurity: {
        profile: a.podSecurity?.profile ?? 'restricted',
        ...(a.podSecurity?.runAsUser !== undefined ? { runAsUser: a.podSecurity.runAsUser } : {}),
        readOnlyRootFilesystem: a.podSecurity?.readOnlyRootFilesystem ?? false,
      },
    };
    return {
      name: a.name,
      canaryName: `${a.name}${CANARY_SUFFIX}`,
      project: a.project ?? a.name,
      imageRepository: a.image ?? '',
      services: { main: a.name, canary: `${a.name}${CANARY_SUFFIX}` },
      ...(a.manifests ? { manifestsSpec: a.manifests } : {}),
      version: a.version,
      ...(a.newVersion !== undefined ? { newVersion: a.newVersion } : {}),
      replicas,
      canaryReplicas: a.canaryReplicas ?? replicas,
      calls: (a.calls ?? []).map((c) => ({ app: c.app, configKey: c.configKey, parameter: parameterOfKey(c.configKey) })),
      config: a.config ?? {},
      workload,
      level: level.get(a.name) ?? 0,
      index,
    };
  });
  // bottom-up: deepest level first, then spec order (deterministic)
  const bottomUp = [...apps].sort((x, y) => y.level - x.level || x.index - y.index).map((a) => a.name);
  return {
    name: spec.name,
    file,
    spec,
    domain: spec.domain,
    entry: spec.entry,
    balance: spec.balance ?? 'roundrobin',
    createNamespaces: spec.createNamespaces ?? true,
    steps: groupStepWeights(spec),
    minSoakSeconds: new Map((spec.steps ?? []).flatMap((s) => (typeof s === 'object' && s.minSoak ? [[s.weight, parseDuration(s.minSoak)] as [number, number]] : []))),
    stage: spec.stage as GroupStage,
    ...(spec.stage === 3 && spec.weight !== undefined ? { weight: spec.weight } : {}),
    apps,
    bottomUp,
    maxLevel: Math.max(0, ...apps.map((a) => a.level)),
  };
}

/** Whether a file's base name could be a release or group name (a DNS label), to suggest it as one. */
function isDnsLabel(s: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s);
}
