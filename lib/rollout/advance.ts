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
import { cliCommand } from '../spec/hints';
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

/** What advance does. `wait` makes no commit. `next-wave` opens a fleet's next wave (decideWaveOpening). */
export type AdvanceDecision =
  | { readonly action: 'abort' | 'step' | 'promote' | 'next-wave'; readonly reason: string }
  | { readonly action: 'wait'; readonly reason: string; readonly why: 'zero-weight' | 'inconclusive' | 'error' | 'soak' | 'last-rung' | 'no-analysis' | 'not-auto-open' };

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

/** What advance knows about a fleet between waves: wave k promoted, wave k+1 not open yet. */
export interface WaveOpeningInput {
  readonly release: string;
  /** The verdict of the promoted wave's analysis (its clusters now run the new version as stable). */
  readonly verdict?: AnalysisVerdict;
  /** The promoted wave's minSoak left, seconds (0: none or over), counted from its promote commit. */
  readonly soakRemainingSeconds: number;
  /** The next wave's `autoOpen`. */
  readonly autoOpen: boolean;
  /**
   * The spec changed since the promote (the next wave was opened and rolled back, or someone edited
   * it): advance then leaves the opening to a person, so a wave that failed is never re-opened in a
   * loop. @default false
   */
  readonly changedSincePromote?: boolean;
  /** The spec file, for that reason. */
  readonly file?: string;
  /** `wave 1/3 (canary: canary-eu)`: the promoted wave, for reasons. */
  readonly promoted: string;
  /** `wave 2/3 (eu: prod-eu-1)`: the wave to open. */
  readonly next: string;
}

/**
 * The decision for a fleet between waves (README "Fleet"). Opening a wave exposes new clusters, so
 * like Kargo's auto-promotion (off unless a stage enables it) advance opens it only when the wave to
 * open says `autoOpen: true`; otherwise a person runs `next-wave`. Either way:
 * - the promoted wave's analysis fails: abort, which rolls back that wave only (one commit);
 * - it passes and the promoted wave's minSoak is over: next-wave when the next wave has autoOpen and
 *   the spec has not changed since the promote (a wave opened and rolled back is not re-opened);
 * - otherwise nothing, with the reason.
 */
export function decideWaveOpening(i: WaveOpeningInput): AdvanceDecision {
  switch (i.verdict) {
    case 'fail': return { action: 'abort', reason: `the analysis of ${i.promoted} failed after its promote: it is rolled back, ${i.next} stays closed` };
    case 'error': return { action: 'wait', why: 'error', reason: 'the analysis could not be measured (see above); nothing moved' };
    case 'inconclusive':
    case undefined: return { action: 'wait', why: 'inconclusive', reason: `the analysis of ${i.promoted} is inconclusive; nothing moved` };
    default: break;
  }
  if (i.soakRemainingSeconds > 0) {
    return { action: 'wait', why: 'soak', reason: `the analysis of ${i.promoted} passes, but ${formatDuration(i.soakRemainingSeconds)} of its minSoak is left before ${i.next} may open` };
  }
  if (i.autoOpen && i.changedSincePromote) {
    return { action: 'wait', why: 'not-auto-open', reason: `the analysis of ${i.promoted} passes after its minSoak, but ${i.file ?? 'the spec'} changed since its promote (${i.next} was opened and rolled back, or the spec edited), so opening it again is a person's call: ${cliCommand(`next-wave ${i.release}`)}` };
  }
  return i.autoOpen
    ? { action: 'next-wave', reason: `the analysis of ${i.promoted} passes after its minSoak, and ${i.next} has autoOpen` }
    : { action: 'wait', why: 'not-auto-open', reason: `the analysis of ${i.promoted} passes after its minSoak; opening ${i.next} is a person's call (its autoOpen is false): ${cliCommand(`next-wave ${i.release}`)}` };
}
