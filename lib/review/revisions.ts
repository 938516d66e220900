/**
 * What `diff` and `traffic` read: dist/ at git revisions (or in the working tree), turned into the
 * review reports. Reads only; unknown revisions and a folder outside any repository are usage
 * errors (exit 2).
 */
import * as fs from 'fs';
import * as path from 'path';
import { objectsOfTree } from '../manifests/tree';
import { closest } from '../spec/ajv-problems';
import { SpecError, UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { loadProjectConfig, PROJECT_CONFIG_FILE } from '../spec/project-config';
import { readTree } from '../manifests/files';
import { Git, NotARepositoryError } from '../git';
import { DiffReport, diffTrees } from './diff';
import { diffScope, releaseScope } from './scope';
import { distAtCommit, mergeBaseWithMain, openRepository, resolveCommit, shortCommit } from './git';
import { EntryTraffic } from './traffic/model';
import { computeTraffic, entriesOf } from './traffic/graph';
import { ClusterEntry, fleetReleasesOf, trafficByCluster } from './clusters';

/**
 * The `--dist` folder of `diff` and `traffic`: a folder inside the repository, named relative to
 * its root (git reads it at revisions as a path of the tree).
 * @throws UsageError when it is empty, the root itself, outside the repository (absolute or
 *   through ..) or holds a control character
 */
export function checkDistArg(root: string, dist: string): void {
  const refuse = (why: string) => new UsageError(`--dist ${dist}: ${why}; name the folder synth writes, relative to the repository root, e.g. --dist dist`);
  if (dist.trim() === '') throw new UsageError("--dist '': the folder name is empty; name the folder synth writes, relative to the repository root, e.g. --dist dist");
  const control = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/u.exec(dist);
  if (control) throw refuse(`the folder name holds the control character ${JSON.stringify(control[0]).slice(1, -1)}`);
  if (path.isAbsolute(dist)) throw refuse('the folder is an absolute path');
  const rel = path.relative(path.resolve(root), path.resolve(root, dist));
  if (rel === '') throw refuse('the folder is the repository root');
  if (rel.startsWith('..')) throw refuse('the folder is outside the repository');
}

/** dist/ on one side of a comparison. */
export interface DistSide {
  /** Files, keyed relative to the dist folder. */
  readonly files: Map<string, string>;
  /** For people: `` `abc1234` (main) `` or `working tree`. */
  readonly label: string;
  /** The commit; null for the working tree. */
  readonly sha: string | null;
}

/**
 * The dist folder (`dist`, relative to `root`) at a revision, or in the working tree when `rev` is
 * undefined. `why` names the revision in the label (e.g. `merge base with main`).
 */
export async function distAtRevision(root: string, dist: string, rev: string | undefined, why?: string): Promise<DistSide> {
  const abs = path.resolve(root);
  if (rev === undefined) {
    if (!fs.existsSync(path.resolve(abs, dist))) throw new UsageError(`no ${dist}/ folder in ${abs}: nothing is synthesized yet; run ${cliCommand('synth')} first`);
    return { files: readTree(path.resolve(abs, dist)), label: 'working tree', sha: null };
  }
  const git = await openRepository(abs);
  const sha = await resolveCommit(git, rev);
  const short = await shortCommit(git, sha);
  const named = why ? ` (${why})` : /^[0-9a-f]{4,40}$/.test(rev) && sha.startsWith(rev) ? '' : ` (${rev})`;
  return { files: await distAtCommit(git, sha, dist), label: `\`${short}\`${named}`, sha };
}

/**
 * What changes in dist/ between two revisions, by release (`diff`): `base` defaults to the merge base
 * of HEAD with the branch Argo CD and Flux sync (`repository.branch`, else main or master), `head` to
 * the working tree.
 */
export async function diffRevisions(root: string, opts: { readonly base?: string; readonly head?: string; readonly dist: string }): Promise<DiffReport> {
  checkDistArg(root, opts.dist);
  const git = await openRepository(path.resolve(root));
  if (opts.head === undefined && !fs.existsSync(path.resolve(root, opts.dist))) {
    throw new UsageError(`--dist ${opts.dist}: no ${opts.dist}/ folder in the working tree, so there is nothing to compare; name the folder synth writes (default dist), or run ${cliCommand('synth')} first`);
  }
  let base: Revision;
  if (opts.base === undefined) {
    const mb = await mergeBaseWithMain(git, gitopsBranch(root));
    base = await revision(git, mb.sha, `merge base with ${mb.branch}`);
  } else base = await revision(git, opts.base);
  const head = opts.head === undefined ? { sha: null, label: 'working tree' } : await revision(git, opts.head);
  // only the folders the change touched and those connected to them (scope.ts): releases with no
  // change are left out of the report anyway
  const scope = await diffScope(git, opts.dist, base.sha as string, head.sha ?? undefined);
  return {
    base: { rev: base.sha as string, label: base.label },
    head: { rev: head.sha, label: head.label },
    releases: diffTrees(scope.before, scope.after, opts.dist),
  };
}

/**
 * cdk8s-canary.yaml's `repository.branch` (what Argo CD and Flux sync; `main` without the file).
 * @throws SpecError when the file is invalid (a typo such as `brnach:` would silently compare with
 *   main instead), saying that a base revision given on the command line needs no branch
 */
function gitopsBranch(root: string): string {
  try {
    return loadProjectConfig(root).repository.branch;
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    throw new SpecError(e.problems, `diff compares with the merge base of the branch Argo CD and Flux sync (repository.branch in ${PROJECT_CONFIG_FILE}), and that file is invalid; fix it, or name the base revision (${cliCommand('diff BASE')}):`);
  }
}

/** A revision resolved to its commit, with its label (as `distAtRevision` makes it). */
async function revision(git: Git, rev: string, why?: string): Promise<{ sha: string; label: string }> {
  const sha = await resolveCommit(git, rev);
  const short = await shortCommit(git, sha);
  const named = why ? ` (${why})` : /^[0-9a-f]{4,40}$/.test(rev) && sha.startsWith(rev) ? '' : ` (${rev})`;
  return { sha, label: `\`${short}\`${named}` };
}

/**
 * The traffic of every entry point in dist/ at a revision (working tree by default), or of the
 * entries of one release or group (`name`). With fleet releases in dist/ (`fleet` in the result)
 * the traffic is computed cluster by cluster (./clusters.ts) and each fleet entry names its
 * `cluster`; `cluster` keeps one cluster's entries (and those every cluster shares).
 * @throws UsageError when a file of dist/ cannot be read as objects, `name` has no entry point, or
 *   `cluster` is no fleet cluster of dist/
 */
export async function trafficAtRevision(root: string, opts: { readonly dist: string; readonly rev?: string; readonly name?: string; readonly cluster?: string }): Promise<{ readonly entries: readonly (EntryTraffic | ClusterEntry)[]; readonly side: DistSide; readonly fleet: boolean }> {
  checkDistArg(root, opts.dist);
  if (opts.name !== undefined) {
    // one release: its folder and the folders connected to it (scope.ts), when git can search them
    const scoped = await scopedSide(root, opts.dist, opts.rev, opts.name);
    if (scoped) {
      const { objects, problems } = objectsOfTree(scoped.files);
      // fleet folders in scope (or --cluster): the whole tree, cluster by cluster, as below
      if (!problems.length && opts.cluster === undefined && !fleetReleasesOf(objects).size) {
        const entries = entriesOf(computeTraffic(objects), opts.name, objects);
        if (entries.length) return { entries, side: scoped, fleet: false };
      }
      // a problem or no entry point: the whole tree says which (and lists the releases that have one)
    }
  }
  const side = await distAtRevision(root, opts.dist, opts.rev);
  const { objects, problems } = objectsOfTree(side.files);
  // dist/ is generated: a file that is not objects was edited by hand (or is not synth's)
  if (problems.length) throw new UsageError([...problems.map((p) => `${opts.dist}/${p.file}:${p.line}:${p.col}: ${p.message}`), `${opts.dist}/ holds only generated Kubernetes objects: fix or delete ${problems.length > 1 ? 'these files' : 'this file'}, or write ${opts.dist}/ again with ${cliCommand('synth')}`]);
  const fleet = fleetReleasesOf(objects);
  if (fleet.size || opts.cluster !== undefined) {
    const clusters = new Set(objects.map((o) => o.file.split('/')).filter((s) => s.length >= 4 && fleet.has(s[0])).map((s) => s[1]));
    if (opts.cluster !== undefined && !clusters.has(opts.cluster)) {
      throw new UsageError(`--cluster ${opts.cluster}: no fleet release has folders for that cluster in ${opts.dist}/ (${side.label}); ${clusters.size ? `clusters: ${[...clusters].sort().join(', ')}` : 'no release has fleet:'}`);
    }
    const entries = trafficByCluster(objects, opts.name, opts.cluster);
    if (opts.name !== undefined && !entries.length) throw new UsageError(`no entry point found for '${opts.name}' in ${opts.dist}/ (${side.label})${opts.cluster ? ` on cluster ${opts.cluster}` : ''}`);
    return { entries, side, fleet: true };
  }
  const report = computeTraffic(objects);
  const entries = opts.name === undefined ? report.entries : entriesOf(report, opts.name, objects);
  if (opts.name !== undefined && !entries.length) {
    const known = [...new Set(report.entries.map((e) => e.release))].sort();
    const guess = closest(opts.name, known);
    throw new UsageError(`no entry point found for '${opts.name}' in ${opts.dist}/ (${side.label}); ${guess ? `did you mean '${guess}'? ` : ''}${known.length ? `releases with entry points: ${known.join(', ')}` : 'no release has an entry point (Ingress, HTTPRoute, VirtualService or Route)'}`);
  }
  return { entries, side, fleet: false };
}

type Revision = { sha: string | null; label: string };

/** dist/ of one release and what is connected to it, or undefined outside a git repository. */
async function scopedSide(root: string, dist: string, rev: string | undefined, name: string): Promise<DistSide | undefined> {
  let git: Git;
  try { git = await openRepository(path.resolve(root)); } catch (e) { if (e instanceof UsageError || e instanceof NotARepositoryError) return undefined; throw e; }
  if (rev === undefined) return { files: await releaseScope(git, dist, undefined, [name]), label: 'working tree', sha: null };
  const r = await revision(git, rev);
  return { files: await releaseScope(git, dist, r.sha, [name]), label: r.label, sha: r.sha };
}
