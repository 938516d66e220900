import * as fs from 'fs';
import * as path from 'path';
import { analysisCheck, groupAnalysisCheck } from '../analysis/validate';
import { checksFolderOf } from '../checks/folder';
import { checksCheck } from '../checks/model';
import { canaryTrackFolder, clusterOfFile, clusterScopes, fleetPath, generatorInputs, gitopsFilesOnDisk, GITOPS_ROOTS, GitOpsFolder, GitOpsRelease, ProjectGenerator, ProjectRoot } from '../gitops/layout';
import { isCanaryTrack, withSyncWaves } from '../gitops/sync-waves';
import { CHECKS_DIGEST_ANNOTATION, checksDigest } from '../checks/digest';
import { declaredExternal } from '../lint/external';
import { lintRendered, toProblems } from '../lint/report';
import { lintObjects } from '../lint/rules';
import { isGeneratedFile } from '../manifests/files';
import { gatewayRefsOf } from '../manifests/gateway-refs';
import { Located } from '../manifests/objects';
import { objectsOfTree } from '../manifests/tree';
import { namespaceRemovalMessage, namespaceRemovals } from '../review/namespaces';
import { wiringOwner } from '../review/transition-gate';
import { routerCheck } from '../routers/registry';
import { SpecError, SpecProblem, UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { parseImageReference } from '../spec/image';
import { LoadedGroup, LoadedRelease, LoadedSpecs, loadSpecs, LoadOptions, readSpec, readSpecs, ReleaseCheck, GroupCheck, specFiles, straySpecProblems } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { defaultProjectConfig, loadProjectConfig, ProjectConfigModel } from '../spec/project-config';
import { manifestsCheck } from '../workloads/manifests-source';
import { resolveGroupManifests } from '../workloads/manifests-group';
import { workloadTypes } from '../workloads/registry';
import { buildRelease, FolderTransform, KubeObject, objectFileName, ReleaseFolder, releaseNamespaces, renderFolders, renderKustomizeRoot } from './build';
import { fleetGitopsFolders, fleetStates, placeFolders, renderFleet } from './fleet';
import { buildGroup, groupGitopsFolders } from './group';
import { generatedNameProblems } from './name-check';
import { crossSpecProblems } from './project-checks';
import { beginTree, writeTreeAtomic } from './write';
import { generatedHeader } from './yaml';

/** Where a project keeps its specs and its output. */
export interface ProjectPaths {
  readonly root: string;
  readonly releasesDir: string;
  readonly distDir: string;
  /** The output folder as the user gave it (for messages). @default - distDir relative to root */
  readonly distArg?: string;
}

export function projectPaths(root: string, distDir?: string): ProjectPaths {
  const r = path.resolve(root);
  return { root: r, releasesDir: path.join(r, 'releases'), distDir: path.resolve(r, distDir ?? 'dist'), ...(distDir !== undefined ? { distArg: distDir } : {}) };
}

/** Checks every release gets beyond its schema: a known workload type and a router that can honour it. */
export const PROJECT_CHECKS: readonly ReleaseCheck[] = [
  (r) => workloadTypes().includes(r.model.workload.type) ? [] :
    [r.source.problem(['workload', 'type'], `workload type '${r.model.workload.type}' is not available in this version`, `use one of ${workloadTypes().join(', ')}`, r.model.workload.type)],
  manifestsCheck, // reads a manifests workload's folder: the checks after it see the completed model
  routerCheck,
  (r) => GITOPS_ROOTS.includes(r.model.name) ?
    [r.source.problem(['name'], `release name '${r.model.name}' is reserved: dist/${r.model.name}/ holds the ${r.model.name === 'flux' ? 'Flux' : 'Argo CD'} wiring`, 'choose another release name (and rename the file)', r.model.name)] : [],
  checksCheck,
  analysisCheck,
];
/** Checks every release group gets beyond its schema. */
export const PROJECT_GROUP_CHECKS: readonly GroupCheck[] = [groupAnalysisCheck];

/** Post-processing of every folder (sync waves and the like), in order. */
export const FOLDER_TRANSFORMS: FolderTransform[] = [
  (folder) => withSyncWaves(folder),
  withChecksDigest,
];

/** The canary workload of a release with checks carries their digest (lib/checks/digest.ts: a checks change must not be a hook-only change). */
function withChecksDigest(folder: ReleaseFolder, m: ReleaseModel): ReleaseFolder {
  const digest = checksDigest(m);
  if (!digest || !m.canary) return folder;
  const objects = folder.objects.map((o) => {
    if (!(isCanaryTrack(o) && (o.kind === 'Deployment' || o.kind === 'DeploymentConfig' || o.kind === 'StatefulSet'))) return o;
    const annotations = Object.fromEntries(Object.entries({ ...(o.metadata.annotations ?? {}), [CHECKS_DIGEST_ANNOTATION]: digest }).sort(([a], [b]) => (a < b ? -1 : 1)));
    return { ...o, metadata: Object.fromEntries(Object.entries({ ...o.metadata, annotations }).sort(([a], [b]) => (a < b ? -1 : 1))) as KubeObject['metadata'] };
  });
  return { ...folder, objects };
}

/**
 * Project-level outputs: kustomize roots beside the release folders (dist/argocd/, dist/flux/), built
 * from every release's folders. Adding an engine is one generator here.
 */
export const PROJECT_GENERATORS: readonly ProjectGenerator[] = [
  // loaded on first use: their generated bindings are large, and a rollout move seldom needs them
  lazyGenerator(() => (require('../gitops/argocd') as typeof import('../gitops/argocd')).argoCdGenerator),
  lazyGenerator(() => (require('../gitops/flux') as typeof import('../gitops/flux')).fluxGenerator),
];

function lazyGenerator(load: () => ProjectGenerator): ProjectGenerator {
  return (input) => load()(input);
}

/**
 * How a project's specs are loaded: the project checks, file names relative to the root, and the
 * clusters of cdk8s-canary.yaml for releases with a fleet (read from `config` when given, else from
 * the file on first need).
 */
export function projectSpecOptions(paths: ProjectPaths, config?: ProjectConfigModel): LoadOptions {
  let clusters = config?.clusters;
  return { checks: PROJECT_CHECKS, groupChecks: PROJECT_GROUP_CHECKS, relativeTo: paths.root, clusters: () => (clusters ??= loadProjectConfig(paths.root).clusters) };
}

/** Loads and validates every spec of a project (release groups too) and returns the releases; throws SpecError with all problems. */
export function loadProject(paths: ProjectPaths): LoadedRelease[] {
  return loadProjectSpecs(paths).releases;
}

/** Loads and validates every spec of a project: releases and release groups. */
export function loadProjectSpecs(paths: ProjectPaths): LoadedSpecs {
  checkRoot(paths);
  return loadSpecs(paths.releasesDir, projectSpecOptions(paths));
}

/**
 * Like `loadProjectSpecs`, but an invalid spec does not stop the others: returns the valid releases
 * and groups with the problems of the rest (read-only commands such as `status` report per spec).
 */
export function readProjectSpecs(paths: ProjectPaths): LoadedSpecs & { readonly problems: readonly SpecProblem[] } {
  checkRoot(paths);
  return readSpecs(paths.releasesDir, projectSpecOptions(paths)); // fleets resolve against cdk8s-canary.yaml's clusters
}

/** The folders of one release group at the stage its spec records (objects, not yet YAML); throws SpecError on a name Kubernetes refuses. */
export function groupFolders(group: LoadedGroup): ReleaseFolder[] {
  const r = resolveGroupManifests(group); // reads the folders of apps that bring their own manifests
  if (Array.isArray(r)) throw new SpecError(r);
  return checkedNames(buildGroup(r.group.model), group.source);
}

/** Folders whose every generated name and label passes Kubernetes' rules (lib/synth/name-check.ts); throws SpecError otherwise. */
function checkedNames(folders: ReleaseFolder[], src: LoadedRelease['source']): ReleaseFolder[] {
  const problems = generatedNameProblems(folders.flatMap((f) => f.objects), src);
  if (problems.length) throw new SpecError(problems);
  return folders;
}

/** One release group's files, relative to the dist root. */
export function renderGroup(group: LoadedGroup): Map<string, string> {
  return renderFolders(groupFolders(group), group.file);
}

/**
 * Loads the releases and cdk8s-canary.yaml together; throws one SpecError with the problems of both,
 * so one run shows everything to fix.
 */
export function loadProjectWithConfig(paths: ProjectPaths): { releases: LoadedRelease[]; groups: LoadedGroup[]; config: ProjectConfigModel } {
  const attempt = <T>(f: () => T): T | SpecError => {
    try { return f(); } catch (e) { if (e instanceof SpecError) return e; throw e; }
  };
  const config = attempt(() => loadProjectConfig(paths.root));
  const specs = attempt(() => loadProjectSpecs(paths));
  const errors = [config, specs].filter((x): x is SpecError => x instanceof SpecError);
  if (errors.length) throw new SpecError(errors.flatMap((e) => e.problems));
  const { releases, groups } = specs as LoadedSpecs;
  return { releases, groups, config: config as ProjectConfigModel };
}

/** The folders of one release (objects, not yet YAML); a fleet release's on every cluster of its fleet. */
export function releaseFolders(release: LoadedRelease): ReleaseFolder[] {
  if (!release.model.fleet) return checkedNames(buildRelease(release.model, FOLDER_TRANSFORMS), release.source);
  return fleetStates(release).flatMap((s) => {
    const local = checkedNames(buildRelease(s.release.model, FOLDER_TRANSFORMS), release.source);
    return s.clusters.flatMap((c) => placeFolders(local, c));
  });
}

/**
 * One release's files, relative to the dist root. A fleet release's are those of every cluster of
 * its fleet, or of the clusters in `clusters` only (what a wave move touches).
 */
export function renderRelease(release: LoadedRelease, clusters?: readonly string[]): Map<string, string> {
  if (!release.model.fleet) return renderFolders(releaseFolders(release), release.file);
  return renderFleet(release, (r) => renderFolders(buildRelease(r.model, FOLDER_TRANSFORMS), r.file), clusters);
}

export interface RenderOptions {
  /** How lint findings name the output folder (`dist/guestbook/...`). @default 'dist' */
  readonly distLabel?: string;
  /** Receives lint warnings (findings that do not stop synthesis). @default - warnings are dropped */
  readonly onWarning?: (p: SpecProblem) => void;
}

/** A release or release group on its way to dist/: what the renderer needs of it. */
export interface Renderable {
  readonly file: string;
  readonly source: LoadedRelease['source'];
  readonly model: { readonly name: string };
  /** Its folders (objects, not yet YAML). */
  folders(): ReleaseFolder[];
  /**
   * A fleet release: each distinct state's folders (paths without a cluster) and the clusters that
   * run it, so each is built and rendered once. @default - not a fleet release: `folders()`
   */
  fleet?(): { readonly clusters: readonly string[]; readonly folders: ReleaseFolder[] }[];
}

/** A loaded release or release group as a Renderable. */
export function renderable(spec: { release: LoadedRelease } | { group: LoadedGroup }): Renderable {
  if ('release' in spec) {
    const r = spec.release;
    const fleet = r.model.fleet ? () => fleetStates(r).map((s) => ({ clusters: s.clusters, folders: checkedNames(buildRelease(s.release.model, FOLDER_TRANSFORMS), r.source) })) : undefined;
    return { file: r.file, source: r.source, model: r.model, folders: () => releaseFolders(r), ...(fleet ? { fleet } : {}) };
  }
  const g = spec.group;
  return { file: g.file, source: g.source, model: g.model, folders: () => groupFolders(g) };
}

/**
 * Renders releases and groups one at a time and checks what no single one can see: two with one
 * name (`shop.yaml` and `shop.yml`), or generating the same object. Between them it keeps object
 * keys and file names, and the objects for the lint, not their YAML text.
 */
export class ProjectRenderer {
  /** Problems found so far (the caller throws them as one SpecError at the end). */
  public readonly problems: SpecProblem[] = [];
  /**
   * Every object rendered so far, for the lint (lib/lint): the objects themselves (a fleet release's
   * once for all its clusters). Kept as JSON text before, parsed again for the lint: that cost ~4% of
   * synth's CPU at 1000 releases and more peak memory, as the lint holds every object at once anyway
   * while the texts were not yet collected (issue 19, measured 140 -> 132 MB).
   */
  private rendered: Located[] = [];
  private readonly owners = new Map<string, string>();
  private readonly names = new Map<string, string>();
  /** The namespaces each release or group renders namespaced objects into (name -> namespaces). */
  public readonly namespaces = new Map<string, Set<string>>();
  /**
   * The namespaces of the Gateways each release's routes bind to (name -> namespaces): a change to a
   * Gateway involves the releases bound to it (lib/manifests/gateway-refs.ts).
   */
  public readonly gatewayRefs = new Map<string, Set<string>>();

  /** The files (relative to the dist root), or undefined when it clashes with an earlier one. */
  public render(r: Renderable): Map<string, string> | undefined {
    const other = this.names.get(r.model.name);
    if (other !== undefined) {
      this.problems.push(r.source.problem(['name'], `release name '${r.model.name}' is already used by ${other}`, 'give every release and release group a unique name (it is their dist/ folder)', r.model.name));
      return undefined;
    }
    this.names.set(r.model.name, r.file);
    this.whole = undefined; // scopes() walks what is rendered from now on
    // a fleet release: each state once, its objects and files placed on every cluster of that state
    let states: readonly { readonly clusters: readonly string[]; readonly folders: readonly ReleaseFolder[] }[];
    try {
      states = r.fleet ? r.fleet() : [{ clusters: [] as readonly string[], folders: r.folders() }];
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      this.problems.push(...e.problems);
      return undefined;
    }
    let clash = false;
    const files = new Map<string, string>();
    for (const state of states) {
      for (const f of state.folders) for (const o of f.objects) {
        if (o.metadata.namespace !== undefined && o.metadata.namespace !== f.namespace) {
          throw new Error(`internal: ${o.kind} ${o.metadata.namespace}/${o.metadata.name} of release ${r.model.name} is in folder ${f.path}; an object must live in its folder's namespace (Argo CD's AppProject admits exactly those)`);
        }
        const file = `${f.path}/${objectFileName(o)}`;
        if (!r.fleet) this.rendered.push({ obj: o, file, release: r.model.name });
        for (const c of state.clusters) this.rendered.push({ obj: o, file: fleetPath(file, c), release: r.model.name });
        if (o.metadata.namespace !== undefined) {
          const own = this.namespaces.get(r.model.name) ?? new Set<string>();
          own.add(o.metadata.namespace);
          this.namespaces.set(r.model.name, own);
          for (const g of gatewayRefsOf(o as Located['obj'])) this.gatewayRefs.set(r.model.name, (this.gatewayRefs.get(r.model.name) ?? new Set<string>()).add(g.namespace));
        }
        const key = objectKey(o);
        const owner = this.owners.get(key);
        if (owner !== undefined && owner !== r.file) {
          clash = true;
          this.problems.push(r.source.problem(['name'], `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} is generated by both ${owner} and this release`,
            o.kind === 'Namespace' ? 'set createNamespaces: false in one of the two releases' : 'give the object another name in one of the two releases'));
        } else this.owners.set(key, r.file);
      }
      const rendered = renderFolders(state.folders, r.file);
      if (!r.fleet) return clash ? undefined : rendered;
      for (const c of state.clusters) for (const [p, text] of rendered) files.set(fleetPath(p, c), text);
    }
    return clash ? undefined : files;
  }

  /**
   * Every object rendered so far, for the lint (lib/lint). Called once, at the end: it hands the
   * objects over and forgets them. Renders after it start a new list.
   */
  public objects(): Located[] {
    const out = this.rendered;
    this.rendered = [];
    return out;
  }

  /**
   * The objects rendered so far, one group per cluster when fleet releases placed objects on single
   * clusters (lib/gitops/layout.ts clusterScopes), each group read when it is reached: checks that
   * look across objects run per group, so two clusters' copies of one object never meet.
   */
  public *scopes(): Generator<Located[]> {
    if (this.whole) { yield this.whole; return; }
    const scopes = clusterScopes(this.rendered);
    if (scopes.length === 1) {
      // no fleet: one group, kept for the next walk
      this.whole = this.objects();
      yield this.whole;
      return;
    }
    for (const s of scopes) yield [...s.objects];
  }

  /** The objects of a project without fleet releases, once scopes() has walked them. */
  private whole?: Located[];
}

export interface RenderOptions {
  /** How lint findings name the output folder (`dist/guestbook/...`). @default 'dist' */
  readonly distLabel?: string;
  /** Receives lint warnings (findings that do not stop synthesis). @default - warnings are dropped */
  readonly onWarning?: (p: SpecProblem) => void;
}

/** Every file of dist/ for a set of releases and release groups, after cross-release checks and the lint (lib/lint). */
export function renderProject(releases: readonly LoadedRelease[], config: ProjectConfigModel = defaultProjectConfig(), groups: readonly LoadedGroup[] = [], options: RenderOptions = {}): Map<string, string> {
  const files = new Map<string, string>();
  const renderer = new ProjectRenderer();
  const specs = [...releases.map((release) => ({ release })), ...groups.map((group) => ({ group }))];
  for (const r of specs) for (const [p, c] of renderer.render(renderable(r)) ?? []) files.set(p, c);
  if (renderer.problems.length) throw new SpecError(renderer.problems);
  const cross = crossSpecProblems(releases, groups, config);
  if (cross.length) throw new SpecError(cross);
  const external = declaredExternal([...releases, ...groups].map((s) => s.source.parsedData));
  const lint = lintByCluster(renderer, (scope) => lintRendered(scope, files, { external, distLabel: options.distLabel ?? 'dist' }));
  for (const w of lint.warnings) options.onWarning?.(w);
  if (lint.errors.length) throw new SpecError(lint.errors);
  for (const [p, c] of renderProjectRoots(releases, config, groups)) files.set(p, c);
  return files;
}

/**
 * Runs a lint over the rendered objects cluster by cluster (one run without fleet releases) and
 * merges the findings, each once.
 */
/**
 * Runs a lint over the renderer's objects group by group (ProjectRenderer.scopes: one per cluster of
 * the fleet releases, or all at once without them); the problems, each once.
 */
export function lintByCluster(renderer: ProjectRenderer, lint: (scope: Located[]) => { errors: readonly SpecProblem[]; warnings: readonly SpecProblem[] }): { errors: SpecProblem[]; warnings: SpecProblem[] } {
  const errors = new Map<string, SpecProblem>();
  const warnings = new Map<string, SpecProblem>();
  const key = (p: SpecProblem) => `${p.file}:${p.line}:${p.col}:${p.path}:${p.message}`;
  for (const scope of renderer.scopes()) {
    const r = lint(scope);
    for (const p of r.errors) errors.set(key(p), p);
    for (const p of r.warnings) warnings.set(key(p), p);
  }
  return { errors: [...errors.values()], warnings: [...warnings.values()] };
}

/** The cluster a group of clusterScopes holds (the one fleet file's cluster), or undefined for the shared group. */
function clusterOfScope(scope: readonly Located[]): string | undefined {
  for (const l of scope) { const c = clusterOfFile(l.file); if (c !== undefined) return c; }
  return undefined;
}

/**
 * Clusters whose folders a fleet release would lose while they still run a canary (cdk8s-canary.yaml
 * or the fleet no longer lists them): the canary would vanish mid-rollout, with its objects. One
 * positioned problem each, at the release's `fleet`.
 */
export function droppedCanaryClusters(distDir: string, releases: readonly LoadedRelease[]): SpecProblem[] {
  const out: SpecProblem[] = [];
  for (const r of releases) {
    const dir = path.join(distDir, r.model.name);
    const kept = new Set((r.model.fleet?.clusters ?? []).map((c) => c.name));
    for (const c of subfolders(dir).filter((f) => !kept.has(f) && isClusterFolder(path.join(dir, f)))) {
      const canary = canaryOnDisk(path.join(dir, c));
      if (!canary) continue;
      out.push(r.source.problem(r.model.fleet ? ['fleet'] : ['name'],
        `cluster '${c}' still runs canary ${canary} of ${r.model.name} (dist/${r.model.name}/${c}/), but ${r.model.fleet ? 'the fleet no longer includes it' : 'the release no longer has a fleet'}; its folders, and the canary with them, would be deleted mid-rollout`,
        `put the cluster back until the rollout is done there (${cliCommand(`promote ${r.model.name}`)} or ${cliCommand(`abort ${r.model.name}`)}), then remove it`, c, true));
    }
  }
  return out;
}

/** Whether a folder is a fleet cluster's (it holds folders that hold a kustomization.yaml each). */
function isClusterFolder(dir: string): boolean {
  return subfolders(dir).some((f) => fs.existsSync(path.join(dir, f, 'kustomization.yaml')));
}

/** The canary version a cluster's folders run (a workload labelled as the canary track), or undefined. */
function canaryOnDisk(dir: string): string | undefined {
  for (const f of subfolders(dir)) {
    const folder = path.join(dir, f);
    for (const name of fs.readdirSync(folder).filter((n) => /^(deployment|deploymentconfig|statefulset)-.*\.yaml$/.test(n))) {
      const text = fs.readFileSync(path.join(folder, name), 'utf8');
      if (!/canary\.cdk8s\.io\/track: canary/.test(text)) continue;
      // the image's tag (or digest), split by the reference grammar: a registry port or a digest's
      // `sha256:` is no tag
      const line = /^[ \t]*(?:- )?image: "?([^\s"]+)/m.exec(text);
      const ref = line ? parseImageReference(line[1]) : undefined;
      return ref && !('error' in ref) ? (ref.tag ?? ref.digest ?? 'a canary') : 'a canary';
    }
  }
  return undefined;
}

function subfolders(dir: string): string[] {
  try { return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(); } catch { return []; }
}

/** The folders Argo CD and Flux see for a release; the same as buildRelease's, without building. */
export function releaseGitopsFolders(m: ReleaseModel): GitOpsFolder[] {
  return m.fleet ? fleetGitopsFolders(m, gitopsFolders) : gitopsFolders(m);
}

/** The folders Argo CD and Flux see for a release without a fleet (or for one wave of a fleet release). */
export function gitopsFolders(m: ReleaseModel): GitOpsFolder[] {
  const checks = checksFolderOf(m);
  const track = canaryTrackFolder(m);
  return [...releaseNamespaces(m).map((ns) => ({ path: `${m.name}/${ns}`, namespace: ns })), ...(track ? [track] : []), ...(checks ? [checks] : [])];
}

/** The project-level roots (dist/argocd/, dist/flux/) as files relative to the dist root; release groups' folders included. */
export function renderProjectRoots(releases: readonly LoadedRelease[], config: ProjectConfigModel, groups: readonly LoadedGroup[] = []): Map<string, string> {
  const input = {
    config,
    releases: [
      ...releases.map((r): GitOpsRelease => ({ release: r, folders: releaseGitopsFolders(r.model) })),
      ...groups.map((g): GitOpsRelease => ({ release: g, folders: groupGitopsFolders(g.model) })),
    ],
  };
  // the hub's roots, and one pair per pull cluster (lib/gitops/layout.ts generatorInputs)
  const roots: ProjectRoot[] = generatorInputs(input).flatMap((i) => PROJECT_GENERATORS.flatMap((g) => g(i)));
  const files = new Map<string, string>();
  const header = generatedHeader(`${config.file} and releases/`);
  for (const root of roots) renderKustomizeRoot(files, root.path, root.objects, header, `the ${root.path}/ root`);
  return files;
}

/** Identity of an object in a cluster: group, kind, namespace, name. */
export function objectKey(o: KubeObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export interface SynthResult {
  readonly releases: readonly LoadedRelease[];
  readonly groups: readonly LoadedGroup[];
  readonly files: number;
}

/**
 * Loads, validates, renders, lints and atomically replaces the whole dist/. One spec at a time: each
 * is parsed, built and written into the new tree beside dist/; only its model, its spec text and its
 * objects (for the cross-resource lint) are kept, not its YAML, so memory grows slowly with the number
 * of releases. Every spec is validated even after a problem; on any problem the new tree is deleted
 * and dist/ is untouched.
 */
export function synthProject(paths: ProjectPaths, options: Pick<RenderOptions, 'onWarning'> = {}): SynthResult {
  checkProject(paths);
  const writer = beginTree(paths.distDir);
  try {
    const { releases, groups, config, renderer } = streamProject(paths, writer, options);
    // a fleet cluster dropped while it still runs a canary (its folders would be deleted mid-rollout)
    const dropped = droppedCanaryClusters(paths.distDir, releases);
    if (dropped.length) throw new SpecError(dropped);
    // a Namespace that leaves dist/ while another release still lives in it (issue 13, finding 5),
    // cluster by cluster (a Namespace file rendered again byte for byte is not parsed)
    const distLabel = path.relative(paths.root, paths.distDir) || '.';
    const onDisk = clusterScopes(namespacesOnDisk(paths.distDir, (f, text) => writer.read(f) === text));
    const removals = [...renderer.scopes()].flatMap((scope) => {
      const cluster = scope.length ? clusterOfScope(scope) : undefined;
      const before = onDisk.find((x) => x.cluster === cluster)?.objects ?? onDisk.find((x) => x.cluster === undefined)?.objects ?? [];
      return namespaceRemovals(before, scope);
    });
    if (removals.length) throw new UsageError([...new Set(removals.map((r) => namespaceRemovalMessage(r, distLabel)))]);
    for (const [p, c] of renderProjectRoots(releases, config, groups)) writer.add(p, c);
    for (const w of renamedUnitWarnings(paths, (f) => writer.read(f) !== undefined, new Set([...releases, ...groups].map((x) => x.model.name)))) options.onWarning?.(w);
    writer.commit();
    return { releases, groups, files: writer.count };
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/**
 * Warnings for the Argo CD Applications and Flux Kustomizations whose files leave dist/ while their
 * release (or group) stays: a rename of the unit (a cluster added, fleet: added, ...) deletes the old
 * one, and with it its objects, before the new one creates them again (lib/review/transition.ts).
 * `synth` is not the gate (`validate` and the moves are, with the sync model), so it only says so,
 * once per release. A cluster removed from the project also shows here (validate accepts that).
 */
function renamedUnitWarnings(paths: ProjectPaths, written: (file: string) => boolean, names: ReadonlySet<string>): SpecProblem[] {
  const out: SpecProblem[] = [];
  const warned = new Set<string>();
  const dist = path.relative(paths.root, paths.distDir) || '.';
  for (const f of gitopsFilesOnDisk(paths.distDir)) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    const unit = /^application-.+\.yaml$/.test(name) ? 'Argo CD Application' : /^kustomization-.+\.yaml$/.test(name) ? 'Flux Kustomization' : undefined;
    if (!unit || written(f) || f.split('/').some((seg) => seg.startsWith('.'))) continue;
    // the release the unit is part of, by its label: a file name's prefix is ambiguous when a release
    // named like another plus `-...` goes away (application-guestbook-gateway.yaml is not guestbook's)
    const owner = partOfLabel(path.join(paths.distDir, f)) ?? wiringOwner(f, names);
    if (owner === undefined || !names.has(owner) || warned.has(`${unit} ${owner}`)) continue;
    warned.add(`${unit} ${owner}`);
    out.push({ file: `${dist}/${f}`, line: 0, col: 0, path: '', message: `this ${unit} of ${owner} leaves dist/ while ${owner} stays`,
      hint: `if its objects stay under another name (a cluster added, fleet: added, a rename), deleting it deletes them first: run ${cliCommand('validate')} before you commit (it checks the change from HEAD), see the README "What happens during a sync"` });
  }
  return out;
}

/** The `app.kubernetes.io/part-of` label of a generated Application or Kustomization file, if it has one. */
function partOfLabel(file: string): string | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return undefined; }
  return /^ {4}app\.kubernetes\.io\/part-of: ([a-z0-9][-a-z0-9.]*)$/m.exec(text)?.[1];
}

/** What validateProject keeps of the files it renders. */
export interface ValidateSink {
  /**
   * Whether a rendered file is known already (e.g. the same bytes at HEAD): its text is then not
   * kept, only its path, in `unchanged`. @default - every file's text is kept
   */
  readonly known?: (path: string, text: string) => boolean;
  /** Reads a known file back (for the lint's positions). @default - positions of known files are not shown */
  readonly readKnown?: (path: string) => string | undefined;
}

/**
 * What `validate` checks, as synth does it, without writing: every spec validated, rendered one at a
 * time and linted, the roots rendered. The files (relative to the dist root) stay in memory, except
 * the texts the sink already knows; the specs' parsed documents are dropped as they are rendered, as
 * in synth (issue 19: peak memory).
 * @returns the valid specs, the files' texts (not the known ones), the paths of the known files, and
 *   the namespaces each release renders namespaced objects into, and those it binds routes to Gateways in
 * @throws SpecError (exit 2) with every problem; UsageError (exit 2) without a releases/ folder
 */
export function validateProject(paths: ProjectPaths, options: Pick<RenderOptions, 'onWarning'> = {}, sink: ValidateSink = {}): {
  releases: LoadedRelease[]; groups: LoadedGroup[]; files: Map<string, string>; known: Set<string>; namespaces: ReadonlyMap<string, ReadonlySet<string>>; gatewayRefs: ReadonlyMap<string, ReadonlySet<string>>;
} {
  checkRoot(paths);
  const files = new Map<string, string>();
  const known = new Set<string>();
  const add = (p: string, c: string) => { if (sink.known?.(p, c)) known.add(p); else files.set(p, c); };
  const read = (p: string) => files.get(p) ?? (known.has(p) ? sink.readKnown?.(p) : undefined);
  const { releases, groups, config, renderer, namespaces } = streamProject(paths, { add, read }, options);
  // as synth: a fleet cluster dropped while it still runs a canary
  const dropped = droppedCanaryClusters(paths.distDir, releases);
  if (dropped.length) throw new SpecError(dropped);
  for (const [p, c] of renderProjectRoots(releases, config, groups)) add(p, c);
  return { releases, groups, files, known, namespaces, gatewayRefs: renderer.gatewayRefs };
}

/**
 * The loop synth and validate share: cdk8s-canary.yaml and every spec read and validated (all of
 * them, even after a problem, so one run shows everything to fix), each rendered into `sink` and its
 * parsed document compacted, then the checks across specs and the lint of every generated object.
 * @throws SpecError with every problem found
 */
function streamProject(paths: ProjectPaths, sink: { add(p: string, c: string): void; read(p: string): string | undefined }, options: Pick<RenderOptions, 'onWarning'>): {
  releases: LoadedRelease[]; groups: LoadedGroup[]; config: ProjectConfigModel; renderer: ProjectRenderer; namespaces: ReadonlyMap<string, ReadonlySet<string>>;
} {
  const renderer = new ProjectRenderer();
  const problems: SpecProblem[] = [];
  let config: ProjectConfigModel | undefined;
  try { config = loadProjectConfig(paths.root); } catch (e) { if (!(e instanceof SpecError)) throw e; problems.push(...e.problems); }
  // with a broken cdk8s-canary.yaml (reported once, above) a fleet cannot be resolved: its spec adds no problem of its own
  const specOptions: LoadOptions = config ? projectSpecOptions(paths, config) : { ...projectSpecOptions(paths), clusters: () => { throw new SpecError([]); } };
  const releases: LoadedRelease[] = [];
  const groups: LoadedGroup[] = [];
  for (const file of specFiles(paths.releasesDir)) {
    const r = readSpec(file, specOptions);
    if ('problems' in r) { problems.push(...r.problems); continue; }
    if (problems.length) continue; // keep validating, stop building
    const files = renderer.render(renderable(r));
    if (!files || renderer.problems.length) continue;
    for (const [p, c] of files) sink.add(p, c);
    ('release' in r ? r.release : r.group).source.compact();
    if ('release' in r) releases.push(r.release); else groups.push(r.group);
  }
  problems.push(...renderer.problems, ...straySpecProblems(paths.releasesDir, specOptions));
  if (config && !problems.length) problems.push(...crossSpecProblems(releases, groups, config));
  if (problems.length || !config) throw new SpecError(problems);
  const external = declaredExternal([...releases, ...groups].map((s) => s.source.parsedData));
  const distLabel = path.relative(paths.root, paths.distDir) || '.';
  // cluster by cluster with fleet releases (ProjectRenderer.scopes): two clusters' copies never meet
  const lint = lintByCluster(renderer, (scope) => toProblems(lintObjects(scope, { external }), (f) => sink.read(f), distLabel));
  for (const w of lint.warnings) options.onWarning?.(w);
  if (lint.errors.length) throw new SpecError(lint.errors);
  return { releases, groups, config, renderer, namespaces: renderer.namespaces };
}

/**
 * Re-synthesizes one release group's folders only (what a group move touches). Its folders (one per
 * project) are the same at every stage, so dist/argocd/ and dist/flux/ never change with a move.
 */
export function synthOneGroup(paths: ProjectPaths, group: LoadedGroup): Map<string, string> {
  checkOutputDir(paths);
  const files = renderGroup(group);
  const prefix = `${group.model.name}/`;
  const own = new Map([...files].map(([p, c]) => [p.slice(prefix.length), c]));
  writeTreeAtomic(path.join(paths.distDir, group.model.name), own);
  return files;
}

/**
 * Re-synthesizes one release's folders only (what a rollout move touches) and returns the files
 * written, relative to the dist root. The project-level roots (dist/argocd/, dist/flux/) list folders,
 * not versions or weights, so they are left alone unless the release's set of folders differs from
 * what dist/ holds (a new release, or changed namespaces): then they are re-rendered from every
 * release in releases/ (with this one in its place) and written too. Nothing is written on error.
 */
export function synthOneRelease(paths: ProjectPaths, release: LoadedRelease): Map<string, string> {
  checkOutputDir(paths);
  const name = release.model.name;
  const files = renderRelease(release);
  const own = new Map([...files].map(([p, c]) => [p.slice(name.length + 1), c]));
  const before = existingFolders(path.join(paths.distDir, name));
  const after = releaseGitopsFolders(release.model).map((f) => f.path.slice(name.length + 1)).sort();
  let roots = new Map<string, string>();
  if (before.join('\n') !== after.join('\n')) {
    const { releases: onDisk, groups } = loadProjectSpecs(paths);
    const releases = onDisk.some((r) => r.model.name === name) ? onDisk.map((r) => (r.model.name === name ? release : r)) : [...onDisk, release];
    roots = renderProjectRoots(releases, loadProjectConfig(paths.root), groups);
  }
  writeTreeAtomic(path.join(paths.distDir, name), own);
  for (const root of new Set([...roots.keys()].map((p) => p.split('/')[0]))) {
    const prefix = `${root}/`;
    writeTreeAtomic(path.join(paths.distDir, root), new Map([...roots].filter(([p]) => p.startsWith(prefix)).map(([p, c]) => [p.slice(prefix.length), c])));
  }
  return new Map([...files, ...roots]);
}

/**
 * The Namespace objects of the dist/ on disk (`<release>/<folder>/namespace-*.yaml`, a fleet's
 * `<release>/<cluster>/<folder>/namespace-*.yaml`), read as written.
 * A file whose bytes `unchanged` says are rendered again as they are is skipped unparsed: its
 * Namespace stays, so it cannot be a removal (2000 parses at 1000 releases otherwise).
 */
export function namespacesOnDisk(distDir: string, unchanged: (file: string, text: string) => boolean = () => false): Located[] {
  const out: Located[] = [];
  const dirs = (d: string) => { try { return fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name); } catch { return []; } };
  const read = (folder: string) => {
    let names: string[];
    try { names = fs.readdirSync(path.join(distDir, folder)); } catch { return; }
    for (const f of names.filter((n) => n.startsWith('namespace-') && n.endsWith('.yaml'))) {
      const file = `${folder}/${f}`;
      const text = fs.readFileSync(path.join(distDir, file), 'utf8');
      if (unchanged(file, text)) continue;
      for (const l of objectsOfTree(new Map([[file, text]])).objects) out.push(l);
    }
  };
  for (const release of dirs(distDir)) {
    if (GITOPS_ROOTS.includes(release)) continue;
    for (const folder of dirs(path.join(distDir, release))) {
      // a fleet release's cluster folder holds the namespace folders one level down
      const inner = dirs(path.join(distDir, release, folder));
      if (inner.length) for (const f of inner) read(`${release}/${folder}/${f}`);
      else read(`${release}/${folder}`);
    }
  }
  return out;
}

/** A release's folders in dist/ (hidden swap folders aside), relative to its folder (`<cluster>/<folder>` for a fleet's), sorted. */
function existingFolders(dir: string): string[] {
  return subfolders(dir).flatMap((f) => {
    const inner = subfolders(path.join(dir, f));
    return inner.length ? inner.map((i) => `${f}/${i}`) : [f];
  }).sort();
}

/**
 * The project root exists and has a releases/ folder, and the output folder is safe to replace
 * (`checkOutputDir`). Throws UsageError (exit 2) naming the option and the fix.
 */
export function checkProject(paths: ProjectPaths): void {
  checkRoot(paths);
  checkOutputDir(paths, true);
}

/** The project root exists and has a releases/ folder (UsageError, exit 2, otherwise). */
export function checkRoot(paths: ProjectPaths): void {
  if (!isDir(paths.root)) throw new UsageError(`-C ${paths.root}: no such directory; pass the repository root`);
  if (!isDir(paths.releasesDir)) {
    throw new UsageError(`no releases/ folder in ${paths.root}; run the command from the repository root or pass -C <root>`);
  }
}

/**
 * The output folder is replaced as a whole, so it must be a folder of generated files strictly
 * inside the repository: not the root, not .git or releases/ or a folder holding them, not reached
 * through a symlink that leaves the repository, and, with `scanForeign` (a whole synth, which
 * replaces the folder), holding only files this tool generated, dist/ included: a note or a
 * hand-written manifest there would be deleted. A move rewrites only paths that `git status` shows
 * clean, so it skips that walk.
 */
export function checkOutputDir(paths: ProjectPaths, scanForeign = false): void {
  const shown = paths.distArg ?? (path.relative(paths.root, paths.distDir) || '.');
  const refuse = (why: string) => new UsageError(`--output ${shown}: ${why}; use a folder of generated files inside the repository, such as dist`);
  const inside = (child: string, parent: string) => {
    const rel = path.relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  if (!inside(paths.distDir, paths.root)) throw refuse('the output folder is outside the repository');
  if (paths.distDir === paths.root) throw refuse('the output folder is the repository root');
  checkOutputName(paths, refuse);
  for (const kept of [path.join(paths.root, '.git'), paths.releasesDir]) {
    if (inside(paths.distDir, kept) || inside(kept, paths.distDir)) throw refuse(`the output folder would replace ${path.relative(paths.root, kept)}/`);
  }
  // Not inside another synth's output (`--output dist/argocd` would nest a whole tree in dist/):
  // an ancestor holding the generated Argo CD root is one.
  for (let up = path.dirname(paths.distDir); inside(up, paths.root) && up !== paths.root; up = path.dirname(up)) {
    const root = path.join(up, 'argocd', 'kustomization.yaml');
    if (fs.existsSync(root) && isGeneratedFile(root)) throw refuse(`the output folder is inside ${path.relative(paths.root, up).split(path.sep).join('/')}/, the output of a synth`);
  }
  // Symlinks: the real path of the nearest existing ancestor must stay inside the real root.
  let probe = paths.distDir;
  while (!fs.existsSync(probe) && probe !== paths.root) probe = path.dirname(probe);
  if (!inside(fs.realpathSync(probe), fs.realpathSync(paths.root))) throw refuse('the output folder leads outside the repository through a symlink');
  if (scanForeign && isDir(paths.distDir)) {
    const foreign = foreignFiles(paths.distDir).map((f) => path.relative(paths.root, f).split(path.sep).join('/'));
    if (foreign.length) {
      const shownFiles = `${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''}`;
      if (paths.distArg === undefined || paths.distDir === path.join(paths.root, 'dist')) {
        throw new UsageError(`${shown}/ holds ${foreign.length === 1 ? 'a file' : `${foreign.length} files`} cdk8s-canary did not generate, which synth would delete: ${shownFiles}; move ${foreign.length === 1 ? 'it' : 'them'} out of ${shown}/ (or delete ${foreign.length === 1 ? 'it' : 'them'}), then run the command again`);
      }
      throw refuse(`${shownFiles} ${foreign.length === 1 ? 'was' : 'were'} not generated by cdk8s-canary and would be deleted`);
    }
  }
}

/** Longest folder name most file systems take (NAME_MAX of ext4, xfs, btrfs, APFS), in bytes, less the swap suffix. */
const MAX_OUTPUT_NAME_BYTES = 255 - '.tmp-4294967295-zzzzzz'.length - 1;

/**
 * The output folder's own name and its ancestors: no control characters (git quotes them, Argo CD
 * and Flux paths cannot carry a line break), no name too long for the file system, and no existing
 * file (not a folder) on the way. UsageError through `refuse`, before anything is written.
 */
function checkOutputName(paths: ProjectPaths, refuse: (why: string) => Error): void {
  const rel = path.relative(paths.root, paths.distDir);
  const parts = rel.split(path.sep);
  const control = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u.exec(rel);
  if (control) throw refuse(`the output folder's name holds the control character ${JSON.stringify(control[0]).slice(1, -1)}`);
  const long = parts.find((p) => Buffer.byteLength(p) > MAX_OUTPUT_NAME_BYTES);
  if (long) throw refuse(`the folder name ${JSON.stringify(long.length > 40 ? `${long.slice(0, 37)}...` : long)} is ${Buffer.byteLength(long)} bytes long, more than the ${MAX_OUTPUT_NAME_BYTES} a folder name may have`);
  for (let i = 1; i <= parts.length; i++) {
    const p = path.join(paths.root, ...parts.slice(0, i));
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(p); } catch { break; }
    if (!st.isDirectory() && !st.isSymbolicLink()) throw refuse(`${parts.slice(0, i).join('/')} is a file, not a folder`);
  }
}

/** Hidden folders a tree swap leaves beside its target (removed by recovery, not user files). */
const SWAP_LEFTOVER = /^\..+\.(?:tmp|old)-\d+-[0-9a-z]+$/;

/**
 * Every file under an output folder that this tool did not write (sorted): a file is its own only
 * when it starts with the generated header; anything else (a note, a hand-written manifest, a
 * symlink, a FIFO) would be deleted by the next swap of the folder. Swap leftovers are skipped.
 */
export function foreignFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (!SWAP_LEFTOVER.test(e.name)) walk(p); continue; }
      if (!e.isFile() || !isGeneratedFile(p)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}
