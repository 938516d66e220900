/**
 * The analysis gate: `step` and `promote` of a release with an `analysis:` section (and of a fleet
 * release's current wave, plus its `next-wave`, in the wave's clusters) run its metric analysis first (lib/moves/analysis.ts `analysisGate`): a pass adds `Analysis:` trailers; fail,
 * error or inconclusive refuse (exit 1, 1, 3) unless `--force` (recorded as `Analysis-Override`).
 * A release group's `step` and `next` (from stage 3 on) judge its entry app's canary the same way
 * (lib/rollout/group-advance.ts says which moves exactly).
 * `advance` passes the report it already has (`precomputedAnalysisGate`), so the commit carries
 * exactly the values it decided on, aborts included. README "Metric analysis without a controller".
 */
import { AnalysisReport, analysisTrailers } from '../analysis/run';
import { analysisGateCheck as runAnalysisGate, groupAnalysisGateCheck } from './analysis';
import { GateContext, GateResult, MoveGate } from './gate';

export const analysisGate: MoveGate = {
  name: 'analysis',
  async check(ctx: GateContext): Promise<GateResult> {
    if (ctx.subject.kind === 'group') {
      const g = await groupAnalysisGateCheck(ctx.git, ctx.root, ctx.subject.group, ctx.subject.move, { force: ctx.force, now: ctx.now });
      return { trailers: g.trailers, warnings: g.warnings };
    }
    // a release move, or a fleet move (its current wave's analysis, or the promoted wave's for next-wave)
    if (ctx.subject.kind !== 'release' && ctx.subject.kind !== 'fleet') return {};
    const r = await runAnalysisGate(ctx.git, ctx.root, ctx.subject.release, ctx.subject.move.kind, { force: ctx.force, now: ctx.now });
    return { trailers: r.trailers, warnings: r.warnings };
  },
};

/**
 * The analysis gate of a move `advance` decided on: the report it ran is the verdict (no second
 * round of queries that could disagree); an abort carries the failing values as trailers.
 */
export function precomputedAnalysisGate(report: AnalysisReport): MoveGate {
  return {
    name: 'analysis',
    async check(ctx: GateContext): Promise<GateResult> {
      if (ctx.subject.kind === 'group') {
        if (ctx.subject.move.verb === 'abort') return { trailers: analysisTrailers(report) };
        const g = await groupAnalysisGateCheck(ctx.git, ctx.root, ctx.subject.group, ctx.subject.move, { force: ctx.force, precomputed: report });
        return { trailers: g.trailers, warnings: g.warnings };
      }
      if (ctx.subject.kind !== 'release' && ctx.subject.kind !== 'fleet') return {};
      if (ctx.subject.move.kind === 'abort') return { trailers: analysisTrailers(report) };
      const r = await runAnalysisGate(ctx.git, ctx.root, ctx.subject.release, ctx.subject.move.kind, { force: ctx.force, precomputed: report });
      return { trailers: r.trailers, warnings: r.warnings };
    },
  };
}
