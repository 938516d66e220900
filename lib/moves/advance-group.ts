/**
 * The release-group branch of `advance` (advance.ts): which groups it looks at, the decision for
 * one group (its soak and the analysis of its entry app's canary; rules in
 * lib/rollout/group-advance.ts), and applying it as a group move (`step`, `next` or `abort`) with the
 * report as its analysis gate.
 */
import { soakState } from '../rollout';
import { decideGroupAdvance, groupAdvanceAnalyzes, groupAdvanceRuns, groupSoakingRung } from '../rollout/group-advance';
import { SpecError, UsageError } from '../spec/errors';
import { LoadedGroup } from '../spec/loader';
import { parseDuration } from '../spec/model';
import type { AdvanceTurn } from './advance';
import { analysisSubject, analysisWindow, analyzeNow } from './analysis';
import { precomputedAnalysisGate } from './analysis-gate';
import { applyMove, MoveFlags, MoveOutcome } from './engine';
import { MoveGate } from './gate';
import { MOVE_GATES } from './gates';
import { GROUP_PLANNERS, groupMove } from './group';
import { groupPositionCommit } from './group-soak-gate';
import { MoveSession } from './session';

/**
 * The groups an advance looks at: every group with an `analysis:` section and a canary (stages
 * 2-5), or those of `names` that are groups (the others named are skipped with the reason).
 */
export function advanceGroups(groups: readonly LoadedGroup[], names: readonly string[]): { running: LoadedGroup[]; skipped: { release: string; reason: string }[] } {
  const chosen = names.length ? groups.filter((g) => names.includes(g.model.name)) : groups;
  const skipped = names.length ? chosen.flatMap((g) => (!g.model.spec.analysis ? [{ release: g.model.name, reason: 'no analysis section (advance moves only canaries that metrics judge)' }]
    : !groupAdvanceRuns(g.model) ? [{ release: g.model.name, reason: `release group at stage ${g.model.stage}/6: no canary running` }] : [])) : [];
  return { running: chosen.filter((g) => groupAdvanceRuns(g.model)), skipped };
}

/** The decision for one group: its soak (or, at stage 5, the startDelay since the stage commit) and, while its entry canary serves users, its analysis now. */
export async function decideGroup(s: MoveSession, g: LoadedGroup): Promise<AdvanceTurn> {
  const m = g.model;
  const now = Date.now() / 1000;
  const rung = groupSoakingRung(m);
  const minWait = rung ? rung.minSoakSeconds : m.stage === 5 ? analysisStartDelay(g) : 0;
  let waitSeconds = 0;
  if (minWait > 0) {
    const entered = await groupPositionCommit(s.git, g, g.file);
    waitSeconds = soakState(minWait, entered?.time ?? now, now).remainingSeconds;
  }
  const base = { release: m.name, kind: 'group' as const };
  if (!groupAdvanceAnalyzes(m)) return { ...base, decision: decideGroupAdvance({ group: m, waitSeconds }) };
  try {
    const subject = analysisSubject({ group: g });
    const report = await analyzeNow(subject, await analysisWindow(s.git, s.paths.root, subject));
    return { ...base, report, decision: decideGroupAdvance({ group: m, waitSeconds, verdict: report.verdict }) };
  } catch (e) {
    // bad input (a missing credential, a spec the analysis cannot run on): exit 2, not an analysis that could not run
    if (e instanceof UsageError || e instanceof SpecError) throw e;
    return { ...base, failure: `the analysis could not run: ${e instanceof Error ? e.message : String(e)}`, decision: decideGroupAdvance({ group: m, waitSeconds, verdict: 'error' }) };
  }
}

function analysisStartDelay(g: LoadedGroup): number {
  const d = g.model.spec.analysis?.startDelay;
  return d ? parseDuration(d) : 0;
}

/**
 * Applies a group turn: `step` (the next rung), `next` (the promotion stages) or `abort`, through
 * the move engine with every gate of a move (soak, sync-safety) and the report as its analysis
 * gate, plus an `Advance:` trailer saying why.
 */
export function applyGroupTurn(s: MoveSession, t: AdvanceTurn, flags: MoveFlags): Promise<MoveOutcome> {
  const plan = t.decision.action === 'abort' ? GROUP_PLANNERS.abort : t.decision.action === 'step' ? GROUP_PLANNERS.step : GROUP_PLANNERS.next;
  return applyMove(s, groupMove(t.release, plan), flags, { gates: advanceGates(t) });
}

/**
 * The gates of a move advance decided on: every gate of a move, the analysis one replaced by the
 * report advance ran (when it ran one; else it stays, to record why it is skipped), then why.
 */
export function advanceGates(t: AdvanceTurn): MoveGate[] {
  const why: MoveGate = { name: 'advance', check: () => ({ trailers: [['Advance', t.decision.reason]] }) };
  const report = t.report;
  return [...MOVE_GATES.map((g) => (g.name === 'analysis' && report ? precomputedAnalysisGate(report) : g)), why];
}
