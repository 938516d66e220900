/**
 * Soak times, the analysis gate and `advance` for release groups (scenario S3), as pure rules. The
 * metrics judge the entry app's canary (the app users reach, where the split is), so:
 *
 * - **Soak.** A rung of the entry ladder may carry `minSoak` (`steps: [10, {weight: 30, minSoak:
 *   15m}]`): `step` and `next` may not leave that share at stage 3 before the time has passed since
 *   the commit that set it (`--force` overrides, recorded as `Soak-Override`).
 * - **The analysis gate** runs on the moves that raise the entry canary's share or carry the
 *   promotion on while it still serves users: `step` (stage 3) and `next` from stage 3 (the next
 *   rung, or stage 4: every main Route to its canary) and from stage 4 (stage 5: the entry Route
 *   back to its upgraded main). `next` from stage 2, and at stage 3 from a 0% split, is skipped
 *   (the entry canary serves no user traffic yet: the smoke checks gate it), as is `next` from
 *   stage 5 (the entry canary is gone: nothing left to judge); both are recorded in an `Analysis:`
 *   trailer. `next` from stage 1, `set-weight` and `abort` are never gated (as `start`,
 *   `set-weight` and `abort` of a release).
 * - **advance** aborts on a failing analysis (stages 3 and 4; abort is allowed at 2-4), climbs the
 *   ladder when the soak is over and the analysis passes, and walks the promotion stages (stage 3 at
 *   the top of the ladder -> 4 -> 5 -> 6) only when `analysis.autoPromote` is true.
 */
import { GroupModel } from '../spec/group';
import { cliCommand } from '../spec/hints';
import { AdvanceDecision, AnalysisVerdict, verdictDecision } from './advance';
import { GroupMove, positionOf, stageLabel } from './group';
import { formatDuration } from './soak';

/** The rung the entry canary soaks on: stage 3 at a weight whose step has a minSoak. */
export function groupSoakingRung(g: GroupModel): { readonly weight: number; readonly index: number; readonly minSoakSeconds: number } | undefined {
  const pos = positionOf(g);
  if (pos.stage !== 3 || pos.weight === undefined) return undefined;
  const min = g.minSoakSeconds.get(pos.weight);
  return min ? { weight: pos.weight, index: g.steps.indexOf(pos.weight) + 1, minSoakSeconds: min } : undefined;
}

/** The soak a group move leaves: `step` and `next` away from a stage-3 rung with a minSoak. */
export function groupMoveLeavesSoak(g: GroupModel, mv: GroupMove): ReturnType<typeof groupSoakingRung> {
  if ((mv.verb !== 'step' && mv.verb !== 'next') || !mv.changes) return undefined;
  return groupSoakingRung(g);
}

/** What the analysis gate does with a group move: run the analysis, record why it is skipped, or nothing. */
export type GroupAnalysisRule =
  | { readonly kind: 'run' }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'none' };

/** The analysis gate's rule for a group move (see the file's comment). */
export function groupAnalysisRule(g: GroupModel, mv: GroupMove): GroupAnalysisRule {
  if (!g.spec.analysis || (mv.verb !== 'step' && mv.verb !== 'next') || !mv.changes) return { kind: 'none' };
  const from = mv.from;
  switch (from.stage) {
    case 1: return { kind: 'none' };
    case 2: return { kind: 'skip', reason: `skipped at ${stageLabel(2)} (the canaries serve no user traffic yet; the smoke checks gate this move)` };
    case 3: return (from.weight ?? 0) > 0 ? { kind: 'run' } : { kind: 'skip', reason: `skipped at ${stageLabel(3)} with 0% (no user traffic to judge; the smoke checks gate this move)` };
    case 4: return { kind: 'run' };
    default: return { kind: 'skip', reason: `skipped at ${stageLabel(from.stage)} (the entry canary is gone: nothing left to judge)` };
  }
}

/** Whether advance looks at a group: it has an analysis section and a canary (stages 2-5). */
export function groupAdvanceRuns(g: GroupModel): boolean {
  return !!g.spec.analysis && g.stage >= 2 && g.stage <= 5;
}

/** Whether advance runs the group's analysis now: the entry canary serves users (stage 3 above 0%, stage 4). */
export function groupAdvanceAnalyzes(g: GroupModel): boolean {
  const pos = positionOf(g);
  return (pos.stage === 3 && (pos.weight ?? 0) > 0) || pos.stage === 4;
}

/** What advance knows about one group. */
export interface GroupAdvanceInput {
  readonly group: GroupModel;
  /**
   * Seconds left before the group may move on: the soak of its rung at stage 3; at stage 5 the
   * analysis' startDelay since the stage-5 commit (sync time). 0: none or over.
   */
  readonly waitSeconds: number;
  /** The analysis verdict; undefined when it was not run. */
  readonly verdict?: AnalysisVerdict;
}

/** What advance does with a group; `step` and `promote` mean `step` and `next` of the group. */
export function decideGroupAdvance(i: GroupAdvanceInput): AdvanceDecision {
  const g = i.group;
  const pos = positionOf(g);
  const auto = !!g.spec.analysis?.autoPromote;
  if (pos.stage === 2 || (pos.stage === 3 && (pos.weight ?? 0) === 0)) {
    return { action: 'wait', why: 'zero-weight', reason: `at ${stageLabel(pos.stage)}${pos.stage === 3 ? ' with 0%' : ''} the entry canary serves no user traffic, so there are no metrics to judge; take the next move yourself (${cliCommand(`next ${g.name}`)}), gated by the smoke checks` };
  }
  if (pos.stage === 5) {
    if (!auto) return { action: 'wait', why: 'last-rung', reason: `at ${stageLabel(5)} the promotion is under way; finishing it is a person's call (analysis.autoPromote is false): ${cliCommand(`next ${g.name}`)}` };
    if (i.waitSeconds > 0) return { action: 'wait', why: 'soak', reason: `${formatDuration(i.waitSeconds)} of the analysis' startDelay (sync time) is left at ${stageLabel(5)}` };
    return { action: 'promote', reason: `the promotion goes on (analysis.autoPromote): next to ${stageLabel(6)}` };
  }
  const judged = verdictDecision(i.verdict);
  if (judged) return judged;
  if (i.waitSeconds > 0) {
    return { action: 'wait', why: 'soak', reason: `the analysis passes, but ${formatDuration(i.waitSeconds)} of soak time is left at ${stageLabel(3)} with ${pos.weight}%` };
  }
  if (pos.stage === 3) {
    const above = g.steps.find((s) => s > (pos.weight ?? 0));
    if (above !== undefined) return { action: 'step', reason: `the analysis passes; next rung ${above}%` };
    return auto
      ? { action: 'promote', reason: `the analysis passes at the top of the ladder and the spec allows autoPromote: next to ${stageLabel(4)}` }
      : { action: 'wait', why: 'last-rung', reason: `the analysis passes at the top of the ladder; promoting is a person's call (analysis.autoPromote is false): ${cliCommand(`next ${g.name}`)}` };
  }
  // stage 4: every user on the canaries, mains upgraded
  return auto
    ? { action: 'promote', reason: `the analysis passes and the spec allows autoPromote: next to ${stageLabel(5)}` }
    : { action: 'wait', why: 'last-rung', reason: `the analysis passes at ${stageLabel(4)}; going on is a person's call (analysis.autoPromote is false): ${cliCommand(`next ${g.name}`)}` };
}
