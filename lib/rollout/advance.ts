/**
 * What `advance` does with one running canary, decided from its state, its soak and its analysis
 * verdict. Pure. The controller-free loop of a scheduled CI job:
 * - the analysis fails: abort (whatever the soak);
 * - the soak is over and the analysis passes: step, or promote at the last rung when the spec
 *   allows `autoPromote`;
 * - otherwise nothing, with the reason.
 * At 0% the canary serves no user traffic, so there is nothing for the metrics to judge: advance
 * leaves the first step to a person, gated by the smoke checks (`step --verify-url`).
 */
import { NextMove, percent } from './state';
import { formatDuration } from './soak';

/** The verdict of an analysis (lib/analysis): `error` means it could not be measured. */
export type AnalysisVerdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/** What advance knows about one canary. */
export interface AdvanceInput {
  readonly weight: number;
  readonly weightTotal: number;
  /** The next move of the ladder (step to a weight, or promote). */
  readonly next: NextMove;
  /** Soak time left on the current rung, seconds (0: none or over). */
  readonly soakRemainingSeconds: number;
  /** The analysis verdict; undefined when it was not run (at 0%). */
  readonly verdict?: AnalysisVerdict;
  readonly autoPromote: boolean;
  /** The release, to name the command in a reason. @default - `RELEASE` */
  readonly release?: string;
}

/** What advance does. `wait` makes no commit. */
export type AdvanceDecision =
  | { readonly action: 'abort' | 'step' | 'promote'; readonly reason: string }
  | { readonly action: 'wait'; readonly reason: string; readonly why: 'zero-weight' | 'inconclusive' | 'error' | 'soak' | 'last-rung' };

/** Whether advance runs the analysis at this weight (not at 0%: no user traffic to judge). */
export function advanceAnalyzes(weight: number): boolean {
  return weight > 0;
}

/**
 * What a verdict decides by itself, for a release or a group: fail -> abort; error, inconclusive or
 * no verdict -> wait, nothing moved; pass -> undefined (the soak and the ladder decide).
 */
export function verdictDecision(verdict: AnalysisVerdict | undefined): AdvanceDecision | undefined {
  switch (verdict) {
    case 'fail': return { action: 'abort', reason: 'the analysis failed' };
    case 'error': return { action: 'wait', why: 'error', reason: 'the analysis could not be measured (see above); nothing moved' };
    case 'inconclusive':
    case undefined: return { action: 'wait', why: 'inconclusive', reason: 'the analysis is inconclusive; nothing moved' };
    default: return undefined;
  }
}

/** The decision for one canary. */
export function decideAdvance(i: AdvanceInput): AdvanceDecision {
  if (!advanceAnalyzes(i.weight)) {
    return { action: 'wait', why: 'zero-weight', reason: 'at 0% the canary serves no user traffic, so there are no metrics to judge; take the first step yourself, gated by the smoke checks (step --verify-url URL)' };
  }
  const judged = verdictDecision(i.verdict);
  if (judged) return judged;
  if (i.soakRemainingSeconds > 0) {
    return { action: 'wait', why: 'soak', reason: `the analysis passes, but ${formatDuration(i.soakRemainingSeconds)} of soak time is left at ${percent(i.weight, i.weightTotal)}` };
  }
  if (i.next.kind === 'step') return { action: 'step', reason: `the analysis passes${i.soakRemainingSeconds === 0 ? '' : ''}; next rung ${percent(i.next.weight, i.weightTotal)}` };
  if (i.next.kind === 'promote') {
    return i.autoPromote
      ? { action: 'promote', reason: 'the analysis passes at the last rung and the spec allows autoPromote' }
      : { action: 'wait', why: 'last-rung', reason: 'the analysis passes at the last rung; promoting is a person\'s call (analysis.autoPromote is false): `npx cdk8s-canary promote ' + (i.release ?? 'RELEASE') + '`' };
  }
  return { action: 'wait', why: 'inconclusive', reason: 'no canary move is next' };
}
