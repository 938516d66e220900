/**
 * `synth` and `validate` at the repository level: the whole-project synthesis takes the same
 * repository lock as the moves, so a move and a synth never write dist/ at the same time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { blobId, Git, listTreeAt, NotARepositoryError, readBlobs } from '../git';
import { objectsOfTree } from '../manifests/tree';
import { gatewayKeyOf, gatewayRefsOf } from '../manifests/gateway-refs';
import { gateTransition, scopeToChange, wiringChanges, wiringOwner } from '../review/transition-gate';
import { TransitionReport } from '../review/transition';
import { resolveCommit } from '../review/git';
import { SpecProblem, UsageError } from '../spec/errors';
import { projectPaths, synthProject, SynthResult, validateProject } from '../synth/project';
import { withCommandLock } from './lock';

/** Options of the project checks (synth, validate). */
export interface ProjectCheckOptions {
  /** Where warnings (lint findings that do not fail) go. @default - dropped */
  readonly onWarning?: (p: SpecProblem) => void;
}

/** Options of `validate`. */
export interface ValidateOptions extends ProjectCheckOptions {
  /**
   * The revision whose dist/ the sync starts from: a PR's merge base (what Argo CD or Flux syncs from
   * when the PR lands), or the commit before a `git revert` already committed. Any revision git knows.
   * @default - HEAD (the change not committed yet)
   * @throws UsageError (exit 2) for a revision git does not know
   */
  readonly from?: string;
}

/**
 * Validates and lints every spec of the project at `root` and replaces the output folder (`output`,
 * relative to `root`) atomically, holding the repository lock. Nothing is written on error.
 * @throws SpecError / UsageError (exit 2); RepositoryBusyError (exit 1) when a move runs
 */
export function synthRepository(root: string, output: string, options: ProjectCheckOptions = {}): Promise<SynthResult> {
  return withCommandLock(root, async () => synthProject(projectPaths(root, output), options));
}

/**
 * Validates every spec and cdk8s-canary.yaml, lints what they generate (rendering the Argo CD and
 * Flux roots too: their object names must not clash), and checks the change from HEAD's dist/ to what
 * the specs generate with the transition model (lib/review/transition-gate.ts, cluster by cluster for
 * fleet releases): no Namespace removed
 * under another release, no state of an Argo CD or Flux sync with failing requests or a canary above
 * its share before and after. Outside a git repository, or before the first commit, that last check is
 * skipped (`sync` undefined), and `stale` compares dist/ on disk with the rendering. Writes nothing.
 * @returns how many releases and groups are valid, and the sync model's report
 * @throws SpecError (exit 2); UsageError (exit 2) naming every unsafe state
 */
export async function validateRepository(root: string, options: ValidateOptions = {}): Promise<{ releases: number; groups: number; sync?: TransitionReport; stale?: readonly string[]; from: string }> {
  const paths = projectPaths(root);
  const from = options.from ?? 'HEAD';
  const head = await headListing(paths.root, path.relative(paths.root, paths.distDir) || 'dist', options.from);
  // a rendered file with the bytes it has at HEAD is not kept: only what differs is held (issue 19)
  const { releases, groups, files, known, namespaces, gatewayRefs } = validateProject(paths, options, head && {
    known: (p, c) => head.ids.get(p) === blobId(c, head.format),
    readKnown: (p) => execFileSync('git', ['cat-file', 'blob', head.ids.get(p)!], { cwd: head.git.root, encoding: 'utf8', maxBuffer: 64 << 20 }),
  });
  if (!head) {
    // no commit yet (or no repository): dist/ on disk against what the specs synthesize, file by file
    const stale = [...files].filter(([p, text]) => readText(path.join(paths.distDir, p)) !== text).map(([p]) => p).sort();
    return { releases: releases.length, groups: groups.length, from, ...(stale.length ? { stale } : {}) };
  }
  const trees = await changeTrees(head, files, known, namespaces, gatewayRefs);
  const scope = scopeToChange(trees.before, trees.after);
  const gate = gateTransition(scope.before, scope.after);
  if (gate.refusals.length) throw new UsageError([`the change from ${from}'s dist/ is not safe to sync:`, ...gate.refusals.map((r) => `  ${r}`)]);
  const stale = await staleFiles(head, paths.distDir, files, known);
  return { releases: releases.length, groups: groups.length, sync: gate.report, ...(stale.length ? { stale } : {}), from };
}

/**
 * The files of the dist/ on disk that are not what the specs synthesize (dist-relative, sorted):
 * edited, missing or extra. Only the files that differ from HEAD on disk (`git status`) or in the
 * rendering are read. Not an error: a spec is edited, validated, then synthesized.
 */
async function staleFiles(head: HeadListing, distDir: string, differ: ReadonlyMap<string, string>, same: ReadonlySet<string>): Promise<string[]> {
  const dist = path.relative(head.git.root, distDir).split(path.sep).join('/');
  const status = await head.git.run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', dist]);
  const onDisk = new Set<string>();
  for (const rec of status.split('\0')) if (rec.length > 3) onDisk.add(rec.slice(3).slice(dist.length + 1));
  // `validate --from REV`: `same` means "as at REV", so the files HEAD changed since REV are read too
  const sinceRev = head.rev === undefined ? '' : await head.git.run(['diff', '--name-only', '-z', '--no-renames', head.rev, 'HEAD', '--', dist]);
  for (const p of sinceRev.split('\0')) if (p) onDisk.add(p.slice(dist.length + 1));
  const candidates = new Set([...onDisk, ...differ.keys(), ...[...head.ids.keys()].filter((p) => !differ.has(p) && !same.has(p))]);
  const out: string[] = [];
  for (const p of candidates) {
    if (p.split('/').some((seg) => seg.startsWith('.'))) continue; // swap leftovers of an atomic write
    let text: string | undefined;
    if (same.has(p)) { // rendered as at HEAD (or REV): stale when the disk is not
      if (onDisk.has(p) && (head.rev === undefined || (text = readText(path.join(distDir, p))) === undefined || blobId(text, head.format) !== head.ids.get(p))) out.push(p);
      continue;
    }
    text = readText(path.join(distDir, p));
    if (text !== differ.get(p)) out.push(p); // undefined on one side: missing on disk, or not rendered
  }
  return out.sort();
}

function readText(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8'); } catch { return undefined; }
}

interface HeadListing {
  readonly git: Git;
  /** The commit listed when it is not HEAD (`validate --from`). @default - HEAD */
  readonly rev?: string;
  /** dist-relative path -> blob id at HEAD */
  readonly ids: ReadonlyMap<string, string>;
  readonly format: 'sha1' | 'sha256';
}

/**
 * The blob ids of dist/ at HEAD (or at `rev`), or undefined outside a git repository or before the
 * first commit when no revision is asked for.
 * @throws UsageError (exit 2) for a `rev` git does not know, or outside a git repository
 */
async function headListing(root: string, dist: string, rev?: string): Promise<HeadListing | undefined> {
  let git: Git;
  try { git = await Git.open(root); } catch (e) {
    if (e instanceof NotARepositoryError && rev === undefined) return undefined;
    if (e instanceof NotARepositoryError) throw new UsageError(`validate --from ${rev}: ${path.resolve(root)} is not inside a git repository; run it in your checkout`);
    throw e;
  }
  let commit: string;
  if (rev !== undefined) commit = await resolveCommit(git, rev);
  else {
    const head = await git.tryRun(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    if (head.code !== 0) return undefined;
    commit = head.stdout.trim();
  }
  const ids = await listTreeAt(git, commit, path.relative(git.root, path.resolve(root, dist)).split(path.sep).join('/'));
  const format = (await git.tryRun(['rev-parse', '--show-object-format'])).stdout.trim() === 'sha256' ? 'sha256' : 'sha1';
  return { git, ids, format, ...(rev === undefined ? {} : { rev: commit }) };
}

/**
 * HEAD's dist/ and the rendering, as text, for the releases the change involves: those with a file
 * that differs, and those rendering objects into one of their namespaces (all of them when a changed
 * release has a cluster-scoped object other than a Namespace), their wiring and the shared wiring
 * (not the other releases' Applications and Kustomizations, which would cost N). The texts not kept
 * by validateProject (the same bytes as at HEAD) are read from git; scopeToChange then narrows the
 * trees to exactly what the transition model reads.
 */
async function changeTrees(head: HeadListing, differ: ReadonlyMap<string, string>, same: ReadonlySet<string>, namespaces: ReadonlyMap<string, ReadonlySet<string>>, gatewayRefs: ReadonlyMap<string, ReadonlySet<string>> = new Map()): Promise<{ before: Map<string, string>; after: Map<string, string> }> {
  const top = (p: string) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '');
  const wiring = (p: string) => top(p) === 'argocd' || top(p) === 'flux';
  const changed = new Set<string>();
  for (const p of differ.keys()) if (!wiring(p)) changed.add(top(p));
  for (const p of head.ids.keys()) if (!differ.has(p) && !same.has(p) && !wiring(p)) changed.add(top(p)); // removed
  // a release whose Application or Kustomization is renamed (a cluster added, fleet: added) changes,
  // though none of its folders does: the old unit is deleted with its objects (transition model)
  const wiringPaths = [...new Set([...differ.keys(), ...head.ids.keys()])].filter((p) => wiring(p) && !same.has(p));
  if (wiringPaths.length) {
    const headTexts = await readBlobs(head.git, wiringPaths.filter((p) => head.ids.has(p)).map((p) => head.ids.get(p)!));
    const diffs = new Map(wiringPaths.map((p) => [p, { before: head.ids.has(p) ? headTexts.get(head.ids.get(p)!) : undefined, after: differ.get(p) }]));
    const all = new Set([...head.ids.keys(), ...differ.keys(), ...same].filter((p) => !wiring(p)).map(top));
    const viaWiring = wiringChanges(diffs, all);
    for (const r of viaWiring === 'all' ? all : viaWiring) changed.add(r);
  }
  if (!changed.size) return { before: new Map(), after: new Map() };
  // the namespaces the changed releases use, before (HEAD's objects) and after (the rendering); '' for
  // a cluster-scoped object other than a Namespace, as in the transition model
  const ofChanged = [...head.ids].filter(([p]) => changed.has(top(p)));
  const changedTexts = await readBlobs(head.git, ofChanged.map(([, id]) => id));
  const beforeChanged = new Map(ofChanged.map(([p, id]) => [p, changedTexts.get(id)!] as [string, string]));
  const afterChanged = new Map([...differ].filter(([p]) => changed.has(top(p))));
  for (const p of same) if (changed.has(top(p))) afterChanged.set(p, beforeChanged.get(p)!);
  const used = new Set<string>();
  const gateways = new Set<string>();
  const bound = new Set<string>();
  for (const tree of [beforeChanged, afterChanged]) {
    for (const l of objectsOfTree(tree).objects) {
      used.add(l.obj.metadata.namespace ?? (l.obj.kind === 'Namespace' ? l.obj.metadata.name : ''));
      // Gateways they create (the releases bound to them) and bind to (the release creating them;
      // lib/manifests/gateway-refs.ts)
      if (gatewayKeyOf(l.obj)) gateways.add(l.obj.metadata.namespace ?? '');
      for (const g of gatewayRefsOf(l.obj)) bound.add(g.namespace);
    }
  }
  const everything = used.has('');
  const involved = (r: string) => everything || changed.has(r) || [...(namespaces.get(r) ?? [])].some((ns) => used.has(ns) || bound.has(ns))
    || [...(gatewayRefs.get(r) ?? [])].some((ns) => gateways.has(ns));
  const releases = new Set([...head.ids.keys(), ...differ.keys(), ...same].filter((p) => !wiring(p)).map(top));
  const wanted = (p: string) => {
    if (!wiring(p)) return involved(top(p));
    const owner = wiringOwner(p, releases);
    return owner === undefined || involved(owner);
  };
  const ids = [...head.ids].filter(([p]) => wanted(p)).map(([, id]) => id);
  const texts = await readBlobs(head.git, ids);
  const before = new Map<string, string>();
  for (const [p, id] of head.ids) if (wanted(p)) before.set(p, texts.get(id)!);
  const after = new Map<string, string>();
  for (const [p, t] of differ) if (wanted(p)) after.set(p, t);
  for (const p of same) if (wanted(p)) after.set(p, before.get(p)!);
  return { before, after };
}
