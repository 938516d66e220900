import { closest } from '../spec/ajv-problems';
import { UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { ReleaseModel } from '../spec/model';
import { weightOf } from './weight';
import { LadderPosition, ladderPosition, nextMoveOf, NextMove, nextRung, percent, RolloutState, sameState, soakingRung, stateOf } from './state';

/**
 * The rollout state machine: each function takes a release (its model, as loaded) and returns the
 * move it would make, or throws UsageError when the move is refused. Pure: no files, no git, no
 * clock. The CLI turns a Move into one spec edit, one synthesis and one commit.
 */

export type MoveKind = 'start' | 'step' | 'set-weight' | 'promote' | 'abort';

/** A computed move: states before and after, and what the commit will say. */
export interface Move {
  readonly release: string;
  readonly kind: MoveKind;
  readonly before: RolloutState;
  readonly after: RolloutState;
  /** False when the move changes nothing (set-weight to the current weight): no edit, no commit. */
  readonly changes: boolean;
  /** The canary version the move is about (started, stepped, promoted or aborted). */
  readonly canaryVersion: string;
  /** Canary weight before the move; undefined for `start`. */
  readonly fromWeight?: number;
  /** Canary weight after the move; undefined when the canary is removed (promote, abort). */
  readonly toWeight?: number;
  readonly weightTotal: number;
  /** Ladder position after the move while a canary runs. */
  readonly position?: LadderPosition;
  /**
   * The ladder rung this move leaves when that rung has a minimum soak time: the caller reads from
   * git when the canary entered it and refuses the move until the time has passed (unless forced).
   */
  readonly leavesSoak?: { readonly index: number; readonly weight: number; readonly minSoakSeconds: number };
  /** What comes next after this move. */
  readonly next: NextMove;
}

/** Options of `start`. */
export interface StartOptions {
  /** Version the canary runs (also its image tag unless `image` is given). */
  readonly version: string;
  /** Full image reference. @default - `<workload.image>:<version>` */
  readonly image?: string;
}

/**
 * The release of a given name; throws UsageError naming the known ones, with a "did you mean" for a
 * likely typo. `groups` are the names of the project's release groups: they are suggested and listed
 * too, and a group's name gets its own message (`what` says which command refused it). Pure.
 */
export function releaseNamed<T extends { readonly model: { readonly name: string } }>(releases: readonly T[], name: string, groups: readonly string[] = [], what = 'this command'): T {
  const r = releases.find((x) => x.model.name === name);
  if (r) return r;
  if (groups.includes(name)) {
    throw new UsageError(`${name} is a release group, not a release: ${what} moves single releases; move a group with ${cliCommand(`next ${name}`)} (or step, set-weight, abort)`);
  }
  throw new UsageError(unknownNameMessage('release', name, releases.map((x) => x.model.name), groups));
}

/**
 * `unknown release 'webap'; did you mean 'webapp'? (releases: a, b; release groups: g)`: the message
 * for a name no spec has. `kind` is what was asked for (`release`, `release group`, `release or
 * group`). Pure.
 */
export function unknownNameMessage(kind: string, name: string, releases: readonly string[], groups: readonly string[]): string {
  const list = (xs: readonly string[]) => {
    const sorted = [...xs].sort();
    return sorted.length > 10 ? `${sorted.slice(0, 10).join(', ')}, ... (${sorted.length} in all)` : sorted.join(', ');
  };
  if (!releases.length && !groups.length) return `unknown ${kind} '${name}'; releases/ holds no spec yet: add one with ${cliCommand(`new ${name} --router TYPE`)}`;
  const guess = closest(name, [...releases, ...groups]);
  const known = [releases.length ? `releases: ${list(releases)}` : '', groups.length ? `release groups: ${list(groups)}` : ''].filter(Boolean).join('; ');
  return `unknown ${kind} '${name}'; ${guess ? `did you mean '${guess}'? ` : ''}${known} (see ${cliCommand('status')})`;
}

/** Deploys a canary at the ladder's first weight. Refused while a canary runs or for the stable version. */
export function start(m: ReleaseModel, opts: StartOptions): Move {
  const before = stateOf(m.spec);
  if (before.canary) {
    throw new UsageError(`release ${m.name} already runs canary ${before.canary.version} at ${percent(before.canary.weight, m.weightTotal)}; promote or abort it first: ${cliCommand(`promote ${m.name}`)} or ${cliCommand(`abort ${m.name}`)}`);
  }
  if (!opts.version) throw new UsageError(`start needs the version the canary runs: ${cliCommand(`start ${m.name} --version VERSION`)}`);
  if (opts.version === before.stable.version && (opts.image === undefined || opts.image === m.stable.image)) {
    throw new UsageError(`canary version '${opts.version}' is what stable already runs in release ${m.name}; pass the new version with --version (or a different image with --image)`);
  }
  const weight = m.steps[0]?.weight ?? 0;
  const after: RolloutState = { stable: before.stable, canary: { version: opts.version, ...(opts.image !== undefined ? { image: opts.image } : {}), weight } };
  return move(m, 'start', before, after, { canaryVersion: opts.version, toWeight: weight });
}

/** Moves the canary to the next ladder weight above its current one. Refused at or past the last rung. */
export function step(m: ReleaseModel): Move {
  const before = stateOf(m.spec);
  const canary = requireCanary(m, before, 'step');
  const next = nextRung(canary.weight, m.steps);
  if (!next) {
    const pos = ladderPosition(canary.weight, m.steps);
    const where = pos.onLadder ? `the last step of its ladder (${pos.index}/${pos.of})` : `past the last step of its ladder (${percent(m.steps[m.steps.length - 1].weight, m.weightTotal)})`;
    throw new UsageError(`canary ${canary.version} of release ${m.name} is at ${percent(canary.weight, m.weightTotal)}, ${where}; promote is next: ${cliCommand(`promote ${m.name}`)}`);
  }
  const after: RolloutState = { ...before, canary: { ...canary, weight: next.step.weight } };
  return move(m, 'step', before, after, { canaryVersion: canary.version, fromWeight: canary.weight, toWeight: next.step.weight, leaving: canary.weight });
}

/** Sets any weight from 0 to weightTotal (a hold or a hotfix). Setting the current weight changes nothing. */
export function setWeight(m: ReleaseModel, raw: number | string): Move {
  const before = stateOf(m.spec);
  const n = weightOf(raw, m.weightTotal, `the canary's share of traffic out of ${m.weightTotal}`);
  const canary = requireCanary(m, before, 'set-weight');
  const after: RolloutState = { ...before, canary: { ...canary, weight: n } };
  return move(m, 'set-weight', before, after, { canaryVersion: canary.version, fromWeight: canary.weight, toWeight: n });
}

/** Production runs the canary's version (and image); the canary is removed. */
export function promote(m: ReleaseModel): Move {
  const before = stateOf(m.spec);
  const canary = requireCanary(m, before, 'promote');
  const after: RolloutState = { stable: { version: canary.version, ...(canary.image !== undefined ? { image: canary.image } : {}) } };
  return move(m, 'promote', before, after, { canaryVersion: canary.version, fromWeight: canary.weight, leaving: canary.weight });
}

/** Traffic back to production and the canary removed. */
export function abort(m: ReleaseModel): Move {
  const before = stateOf(m.spec);
  const canary = requireCanary(m, before, 'abort');
  return move(m, 'abort', before, { stable: before.stable }, { canaryVersion: canary.version, fromWeight: canary.weight });
}

function requireCanary(m: ReleaseModel, s: RolloutState, what: MoveKind): NonNullable<RolloutState['canary']> {
  if (!s.canary) {
    throw new UsageError(`release ${m.name} has no canary running, so there is nothing to ${what === 'set-weight' ? 'set the weight of' : what}; start one first: ${cliCommand(`start ${m.name} --version VERSION`)}`);
  }
  return s.canary;
}

function move(
  m: ReleaseModel, kind: MoveKind, before: RolloutState, after: RolloutState,
  w: { canaryVersion: string; fromWeight?: number; toWeight?: number; leaving?: number },
): Move {
  const soak = w.leaving !== undefined ? soakingRung(w.leaving, m.steps) : undefined;
  return {
    release: m.name,
    kind,
    before,
    after,
    changes: !sameState(before, after),
    canaryVersion: w.canaryVersion,
    ...(w.fromWeight !== undefined ? { fromWeight: w.fromWeight } : {}),
    ...(w.toWeight !== undefined ? { toWeight: w.toWeight } : {}),
    weightTotal: m.weightTotal,
    ...(after.canary ? { position: ladderPosition(after.canary.weight, m.steps) } : {}),
    ...(soak ? { leavesSoak: { index: soak.index, weight: soak.step.weight, minSoakSeconds: soak.step.minSoakSeconds } } : {}),
    next: nextMoveOf(after, m.steps),
  };
}

/** A commit message: subject, optional body, trailers. */
export interface CommitMessage {
  readonly subject: string;
  readonly body?: string;
  readonly trailers: readonly (readonly [string, string])[];
}

/**
 * The commit message of a move: `<release>: canary <version> <a>% -> <b>%` for weight moves,
 * `start` / `promote` / `abort` wording for the others, and the trailers `Release`, `Move`,
 * `Canary-Version`, `Canary-Weight` (after the move, out of weightTotal; `none` once removed) and
 * `Step` (`i/n` on the ladder after the move; `none` once removed). Pure.
 */
export function commitMessage(mv: Move, extra?: string): CommitMessage {
  const pct = (w: number) => percent(w, mv.weightTotal);
  let subject: string;
  switch (mv.kind) {
    case 'start': subject = `${mv.release}: start canary ${mv.canaryVersion} at ${pct(mv.toWeight ?? 0)}`; break;
    case 'promote': subject = `${mv.release}: promote ${mv.canaryVersion} to stable (was ${mv.before.stable.version})`; break;
    case 'abort': subject = `${mv.release}: abort canary ${mv.canaryVersion} at ${pct(mv.fromWeight ?? 0)}, traffic back to ${mv.before.stable.version}`; break;
    default: subject = `${mv.release}: canary ${mv.canaryVersion} ${pct(mv.fromWeight ?? 0)} -> ${pct(mv.toWeight ?? 0)}`;
  }
  const trailers: [string, string][] = [
    ['Release', mv.release],
    ['Move', mv.kind],
    ['Canary-Version', mv.canaryVersion],
    ['Canary-Weight', mv.toWeight !== undefined ? String(mv.toWeight) : 'none'],
    ['Step', mv.position ? `${mv.position.index}/${mv.position.of}` : 'none'],
  ];
  if (mv.kind === 'promote') trailers.push(['Stable-Version', mv.after.stable.version]);
  const body = extra?.trim();
  return { subject, ...(body ? { body } : {}), trailers };
}

/** One line saying what comes next, e.g. `next: step -> 50%` or `next: promote`. Pure. */
export function describeNext(next: NextMove, total: number, release: string): string {
  switch (next.kind) {
    case 'start': return `next: start a canary: ${cliCommand(`start ${release} --version VERSION`)}`;
    case 'step': return `next: step -> ${percent(next.weight, total)}: ${cliCommand(`step ${release}`)}`;
    default: return `next: promote: ${cliCommand(`promote ${release}`)} (or ${cliCommand(`abort ${release}`)})`;
  }
}
