import { ReleaseSpec } from '../spec/generated/release';
import { LadderStep } from '../spec/model';

/** One track as the spec writes it: a version and, optionally, a full image reference. */
export interface TrackState {
  readonly version: string;
  readonly image?: string;
}

/** The canary as the spec writes it. */
export interface CanaryState extends TrackState {
  /** Share of traffic, out of the release's weightTotal. */
  readonly weight: number;
}

/**
 * The part of a release spec a rollout moves: `stable` and `canary`. Everything else in the spec
 * stays as it is.
 */
export interface RolloutState {
  readonly stable: TrackState;
  /** Undefined when no canary runs. */
  readonly canary?: CanaryState;
}

/** The rollout state a spec holds. Pure. */
export function stateOf(spec: ReleaseSpec): RolloutState {
  const track = (t: { version: string; image?: string }): TrackState => ({ version: t.version, ...(t.image !== undefined ? { image: t.image } : {}) });
  return {
    stable: track(spec.stable),
    ...(spec.canary ? { canary: { ...track(spec.canary), weight: spec.canary.weight } } : {}),
  };
}

/** Whether two states are the same. */
export function sameState(a: RolloutState, b: RolloutState): boolean {
  const t = (x?: TrackState) => (x ? `${x.version}\0${x.image ?? ''}` : '');
  return t(a.stable) === t(b.stable) && t(a.canary) === t(b.canary) && a.canary?.weight === b.canary?.weight;
}

/** Where a weight sits on the ladder. */
export interface LadderPosition {
  /** 1-based index of the highest rung at or below the weight; 0 when the weight is below the first rung. */
  readonly index: number;
  /** Number of rungs. */
  readonly of: number;
  /** Whether the weight is exactly a rung's weight (false after a `set-weight` off the ladder). */
  readonly onLadder: boolean;
}

/** The ladder position of a canary weight. Pure. */
export function ladderPosition(weight: number, steps: readonly LadderStep[]): LadderPosition {
  let index = 0;
  steps.forEach((s, i) => { if (s.weight <= weight) index = i + 1; });
  return { index, of: steps.length, onLadder: index > 0 && steps[index - 1].weight === weight };
}

/** The first rung strictly above a weight (with its 1-based index), or undefined at or past the last rung. */
export function nextRung(weight: number, steps: readonly LadderStep[]): { readonly index: number; readonly step: LadderStep } | undefined {
  const i = steps.findIndex((s) => s.weight > weight);
  return i < 0 ? undefined : { index: i + 1, step: steps[i] };
}

/** The rung the weight sits exactly on, when that rung has a minimum soak time. */
export function soakingRung(weight: number, steps: readonly LadderStep[]): { readonly index: number; readonly step: LadderStep & { readonly minSoakSeconds: number } } | undefined {
  const i = steps.findIndex((s) => s.weight === weight);
  if (i < 0) return undefined;
  const s = steps[i];
  return s.minSoakSeconds ? { index: i + 1, step: s as LadderStep & { minSoakSeconds: number } } : undefined;
}

/** The move a release expects next. */
export type NextMove =
  | { readonly kind: 'start'; readonly weight: number }
  | { readonly kind: 'step'; readonly weight: number; readonly index: number }
  | { readonly kind: 'promote' };

/** What comes next from a state: start without a canary, step while a rung is above, promote after the last. Pure. */
export function nextMoveOf(state: RolloutState, steps: readonly LadderStep[]): NextMove {
  if (!state.canary) return { kind: 'start', weight: steps[0]?.weight ?? 0 };
  const next = nextRung(state.canary.weight, steps);
  return next ? { kind: 'step', weight: next.step.weight, index: next.index } : { kind: 'promote' };
}

/** A weight as a percentage of the total, without trailing zeros: `25%`, `0.5%`. */
export function percent(weight: number, total: number): string {
  const p = (weight * 100) / total;
  return `${Number.isInteger(p) ? p : Number(p.toFixed(4))}%`;
}
