/**
 * Move sequences of the committed reference releases and group, as dist/ trees, built in memory with
 * the real rollout state machine (lib/rollout), the real in-place spec edits, the real loader and the
 * real synthesis. Each tree holds the release's (or group's) folders plus the project's GitOps roots
 * (dist/argocd/, dist/flux/), which do not change with moves. Nothing is written.
 */
import * as path from 'path';
import { abort, editSpecText, promote, start, step } from '../../lib/rollout';
import { abortMove, editGroupPosition, GroupMove, nextMove, stepMove } from '../../lib/rollout/group';
import { GroupModel } from '../../lib/spec/group';
import { LoadedGroup, LoadedRelease, parseGroup, parseRelease } from '../../lib/spec/loader';
import { formatProblem } from '../../lib/spec/errors';
import { loadProjectWithConfig, PROJECT_CHECKS, projectPaths, renderGroup, renderProjectRoots, renderRelease } from '../../lib/synth/project';

export const ROOT = path.resolve(__dirname, '../..');

/** One commit of a sequence: its name and the dist tree after it. */
export interface Commit {
  readonly name: string;
  readonly tree: Map<string, string>;
}

/** A move sequence: the tree it starts from and the commits in order. */
export interface Sequence {
  readonly name: string;
  readonly start: Map<string, string>;
  readonly commits: readonly Commit[];
}

let project: ReturnType<typeof loadProjectWithConfig> | undefined;
let roots: Map<string, string> | undefined;

/** The committed project, loaded once. */
export function referenceProject(): ReturnType<typeof loadProjectWithConfig> {
  project ??= loadProjectWithConfig(projectPaths(ROOT));
  return project;
}

/** dist/argocd/ and dist/flux/ of the committed project (the same at every move). */
export function gitopsRoots(): Map<string, string> {
  if (!roots) { const p = referenceProject(); roots = renderProjectRoots(p.releases, p.config, p.groups); }
  return roots;
}

function loadRelease(file: string, text: string): LoadedRelease {
  const r = parseRelease(file, text, { checks: PROJECT_CHECKS, relativeTo: ROOT });
  if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.release;
}

function loadGroup(file: string, text: string): LoadedGroup {
  const r = parseGroup(file, text, { relativeTo: ROOT });
  if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.group;
}

/** A release's tree: its own folders plus the GitOps roots. */
export function releaseTree(r: LoadedRelease): Map<string, string> {
  return new Map([...gitopsRoots(), ...renderRelease(r)]);
}

/** A group's tree: its own folders plus the GitOps roots. */
export function groupTree(g: LoadedGroup): Map<string, string> {
  return new Map([...gitopsRoots(), ...renderGroup(g)]);
}

type ReleaseMove = { kind: 'start'; version: string } | { kind: 'step' | 'promote' | 'abort' };

/** Applies release moves one after another from a loaded release. */
export function releaseSequence(name: string, from: LoadedRelease, moves: readonly ReleaseMove[]): Sequence {
  let cur = from;
  const commits: Commit[] = [];
  for (const mv of moves) {
    const m = cur.model;
    const computed = mv.kind === 'start' ? start(m, { version: mv.version }) : mv.kind === 'step' ? step(m) : mv.kind === 'promote' ? promote(m) : abort(m);
    const text = editSpecText(cur.source, computed.before, computed.after);
    cur = loadRelease(cur.file, text);
    const w = computed.toWeight !== undefined ? ` ${computed.toWeight}` : '';
    commits.push({ name: `${mv.kind}${w}`, tree: releaseTree(cur) });
  }
  return { name, start: releaseTree(from), commits };
}

/** The moves that climb a release's ladder from its current weight to the top. */
export function stepsToTop(r: LoadedRelease, fromWeight: number): ReleaseMove[] {
  return r.model.steps.filter((s) => s.weight > fromWeight).map(() => ({ kind: 'step' as const }));
}

/** New versions used to start a canary, per reference release. */
export const NEW_VERSION: Readonly<Record<string, string>> = {
  guestbook: 'v1', 'guestbook-gateway': 'v2', 'grpc-greeter': 'v2', webapp: '1.1.0', workshop: '1.1.0', sampleapp: '0.2.0', 'mushop-storefront': '2.1.4',
};

/**
 * Every sequence the "Done when" names, per reference release: start, step to the top, promote;
 * start, step, abort (and abort right after start). Releases committed mid-rollout also get their
 * own continuation: step to the top and promote, or abort from the committed weight.
 */
export function releaseSequences(): Sequence[] {
  const out: Sequence[] = [];
  for (const r of referenceProject().releases) {
    const name = r.model.name;
    let base = r;
    if (r.model.canary) {
      const w = r.model.canary.weight;
      out.push(releaseSequence(`${name}: from ${w}, step to the top, promote`, r, [...stepsToTop(r, w), { kind: 'promote' }]));
      out.push(releaseSequence(`${name}: abort from ${w}`, r, [{ kind: 'abort' }]));
      const a = abort(r.model);
      base = loadRelease(r.file, editSpecText(r.source, a.before, a.after));
    }
    const v = NEW_VERSION[name] ?? 'next';
    out.push(releaseSequence(`${name}: start, step to the top, promote`, base, [{ kind: 'start', version: v }, ...stepsToTop(base, 0), { kind: 'promote' }]));
    out.push(releaseSequence(`${name}: start, step, abort`, base, [{ kind: 'start', version: v }, { kind: 'step' }, { kind: 'abort' }]));
    out.push(releaseSequence(`${name}: start, abort`, base, [{ kind: 'start', version: v }, { kind: 'abort' }]));
  }
  return out;
}

function groupAfter(g: LoadedGroup, mv: GroupMove): LoadedGroup {
  return loadGroup(g.file, editGroupPosition(g.source, mv.to));
}

/** The reference group: every stage in order, and abort from stages 2, 3 and 4. */
export function groupSequences(): Sequence[] {
  const out: Sequence[] = [];
  for (const g0 of referenceProject().groups) {
    const walk: { g: LoadedGroup; name: string }[] = [];
    let g = g0;
    for (;;) {
      let mv: GroupMove;
      try { mv = nextMove(g.model); } catch { break; }
      g = groupAfter(g, mv);
      walk.push({ g, name: `next -> stage ${mv.to.stage}${mv.to.weight !== undefined ? ` (${mv.to.weight}%)` : ''}` });
    }
    out.push({ name: `${g0.model.name}: every stage`, start: groupTree(g0), commits: walk.map((w) => ({ name: w.name, tree: groupTree(w.g) })) });
    for (const w of walk.filter((x) => x.g.model.stage >= 2 && x.g.model.stage <= 4)) {
      const ab = groupAfter(w.g, abortMove(w.g.model));
      out.push({ name: `${g0.model.name}: abort from ${w.name.replace('next -> ', '')}`, start: groupTree(w.g), commits: [{ name: 'abort', tree: groupTree(ab) }] });
    }
    // a ladder step at stage 3 when the ladder has more than one rung
    void stepMove;
  }
  return out;
}

/** Pairs (before, after, label) of every commit of some sequences. */
export function transitions(seqs: readonly Sequence[]): { label: string; before: Map<string, string>; after: Map<string, string> }[] {
  const out: { label: string; before: Map<string, string>; after: Map<string, string> }[] = [];
  for (const s of seqs) {
    let prev = s.start;
    for (const c of s.commits) { out.push({ label: `${s.name} / ${c.name}`, before: prev, after: c.tree }); prev = c.tree; }
  }
  return out;
}

export type { GroupModel };
