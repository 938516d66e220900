import * as fs from 'fs';
import * as path from 'path';
import { checksFolderOf } from '../checks/folder';
import { checksCheck } from '../checks/model';
import { argoCdGenerator } from '../gitops/argocd';
import { fluxGenerator } from '../gitops/flux';
import { GITOPS_ROOTS, GitOpsFolder, GitOpsRelease, ProjectGenerator, ProjectRoot } from '../gitops/layout';
import { withSyncWaves } from '../gitops/sync-waves';
import { declaredExternal } from '../lint/external';
import { lintRendered } from '../lint/report';
import { Located } from '../manifests/objects';
import { routerCheck } from '../routers/registry';
import { SpecError, SpecProblem } from '../spec/errors';
import { LoadedGroup, LoadedRelease, LoadedSpecs, loadSpecs, ReleaseCheck } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { defaultProjectConfig, loadProjectConfig, ProjectConfigModel } from '../spec/project-config';
import { workloadTypes } from '../workloads/registry';
import { buildRelease, FolderTransform, KubeObject, objectFileName, ReleaseFolder, releaseNamespaces, renderFolders, renderKustomizeRoot } from './build';
import { buildGroup, groupGitopsFolders } from './group';
import { generatedHeader } from './yaml';
import { writeTreeAtomic } from './write';

/** Where a project keeps its specs and its output. */
export interface ProjectPaths {
  readonly root: string;
  readonly releasesDir: string;
  readonly distDir: string;
}

export function projectPaths(root: string, distDir?: string): ProjectPaths {
  const r = path.resolve(root);
  return { root: r, releasesDir: path.join(r, 'releases'), distDir: path.resolve(r, distDir ?? 'dist') };
}

/** Checks every release gets beyond its schema: a known workload type and a router that can honour it. */
export const PROJECT_CHECKS: readonly ReleaseCheck[] = [
  (r) => workloadTypes().includes(r.model.workload.type) ? [] :
    [r.source.problem(['workload', 'type'], `workload type '${r.model.workload.type}' is not available in this version`, `use one of ${workloadTypes().join(', ')}`, r.model.workload.type)],
  routerCheck,
  (r) => GITOPS_ROOTS.includes(r.model.name) ?
    [r.source.problem(['name'], `release name '${r.model.name}' is reserved: dist/${r.model.name}/ holds the ${r.model.name === 'flux' ? 'Flux' : 'Argo CD'} wiring`, 'choose another release name (and rename the file)', r.model.name)] : [],
  checksCheck,
];

/** Post-processing of every folder (sync waves and the like), in order. */
export const FOLDER_TRANSFORMS: FolderTransform[] = [
  (folder) => withSyncWaves(folder),
];

/**
 * Project-level outputs: kustomize roots beside the release folders (dist/argocd/, dist/flux/), built
 * from every release's folders. Adding an engine is one generator here.
 */
export const PROJECT_GENERATORS: readonly ProjectGenerator[] = [argoCdGenerator, fluxGenerator];

/** Loads and validates every spec of a project (release groups too) and returns the releases; throws SpecError with all problems. */
export function loadProject(paths: ProjectPaths): LoadedRelease[] {
  return loadProjectSpecs(paths).releases;
}

/** Loads and validates every spec of a project: releases and release groups. */
export function loadProjectSpecs(paths: ProjectPaths): LoadedSpecs {
  return loadSpecs(paths.releasesDir, { checks: PROJECT_CHECKS, relativeTo: paths.root });
}

/** The folders of one release group at the stage its spec records (objects, not yet YAML). */
export function groupFolders(group: LoadedGroup): ReleaseFolder[] {
  return buildGroup(group.model);
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

/** The folders of one release (objects, not yet YAML). */
export function releaseFolders(release: LoadedRelease): ReleaseFolder[] {
  return buildRelease(release.model, FOLDER_TRANSFORMS);
}

/** One release's files, relative to the dist root. */
export function renderRelease(release: LoadedRelease): Map<string, string> {
  return renderFolders(releaseFolders(release), release.file);
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
  const owners = new Map<string, { readonly file: string }>();
  const problems: SpecProblem[] = [];
  const objects: Located[] = [];
  const sources = [...releases.map((r) => ({ r, build: () => releaseFolders(r) })), ...groups.map((g) => ({ r: g, build: () => groupFolders(g) }))];
  for (const { r, build } of sources) {
    const folders = build();
    for (const f of folders) for (const o of f.objects) {
      if (o.metadata.namespace !== undefined && o.metadata.namespace !== f.namespace) {
        throw new Error(`internal: ${o.kind} ${o.metadata.namespace}/${o.metadata.name} of release ${r.model.name} is in folder ${f.path}; an object must live in its folder's namespace (Argo CD's AppProject admits exactly those)`);
      }
      objects.push({ obj: o, file: `${f.path}/${objectFileName(o)}`, release: r.model.name });
      const key = objectKey(o);
      const other = owners.get(key);
      if (other && other !== r) {
        problems.push(r.source.problem(['name'], `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} is generated by both ${other.file} and this release`,
          o.kind === 'Namespace' ? 'set createNamespaces: false in one of the two releases' : 'give the object another name in one of the two releases'));
      } else owners.set(key, r);
    }
    for (const [p, c] of renderFolders(folders, r.file)) files.set(p, c);
  }
  if (problems.length) throw new SpecError(problems);
  const lint = lintRendered(objects, files, { external: declaredExternal(sources.map((s) => s.r.source.toJS())), distLabel: options.distLabel ?? 'dist' });
  for (const w of lint.warnings) options.onWarning?.(w);
  if (lint.errors.length) throw new SpecError(lint.errors);
  for (const [p, c] of renderProjectRoots(releases, config, groups)) files.set(p, c);
  return files;
}

/** The folders Argo CD and Flux see for a release; the same as buildRelease's, without building. */
export function gitopsFolders(m: ReleaseModel): GitOpsFolder[] {
  const checks = checksFolderOf(m);
  return [...releaseNamespaces(m).map((ns) => ({ path: `${m.name}/${ns}`, namespace: ns })), ...(checks ? [checks] : [])];
}

/** The project-level roots (dist/argocd/, dist/flux/) as files relative to the dist root; release groups' folders included. */
export function renderProjectRoots(releases: readonly LoadedRelease[], config: ProjectConfigModel, groups: readonly LoadedGroup[] = []): Map<string, string> {
  const input = {
    config,
    releases: [
      ...releases.map((r): GitOpsRelease => ({ release: r, folders: gitopsFolders(r.model) })),
      ...groups.map((g): GitOpsRelease => ({ release: g, folders: groupGitopsFolders(g.model) })),
    ],
  };
  const roots: ProjectRoot[] = PROJECT_GENERATORS.flatMap((g) => g(input));
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

/** Loads, validates, renders, lints and atomically replaces the whole dist/. Nothing is written on error. */
export function synthProject(paths: ProjectPaths, options: Pick<RenderOptions, 'onWarning'> = {}): SynthResult {
  const { releases, groups, config } = loadProjectWithConfig(paths);
  const files = renderProject(releases, config, groups, { ...options, distLabel: path.relative(paths.root, paths.distDir) || '.' });
  writeTreeAtomic(paths.distDir, files);
  return { releases, groups, files: files.size };
}

/**
 * Re-synthesizes one release group's folders only (what a group move touches). Its folders (one per
 * project) are the same at every stage, so dist/argocd/ and dist/flux/ never change with a move.
 */
export function synthOneGroup(paths: ProjectPaths, group: LoadedGroup): Map<string, string> {
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
  const name = release.model.name;
  const files = renderRelease(release);
  const own = new Map([...files].map(([p, c]) => [p.slice(name.length + 1), c]));
  const before = existingFolders(path.join(paths.distDir, name));
  const after = gitopsFolders(release.model).map((f) => f.path.slice(name.length + 1)).sort();
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

/** Names of a release's folders in dist/ (hidden swap folders aside), sorted. */
function existingFolders(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}
