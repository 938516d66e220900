/**
 * The rules of a weight ladder (`steps`), one function for the release's ladder and a fleet wave's
 * own: every rule a move later applies to the ladder is checked here, so `validate` and `synth`
 * refuse a ladder a move would refuse, with its file:line and field path.
 */
import { SourceDocument } from './document';
import { SpecProblem } from './errors';
import type { Step } from './generated/release';
import type { LadderStep } from './model';

/**
 * The problems of a ladder: a rung above the weight total, rungs that do not increase strictly, and
 * a first rung other than 0. `start` (and `next-wave`, in a wave's clusters) deploys the canary at
 * the first rung and points the route at it in the same commit: Flux applies the route (production
 * folder) before the canary's pods are ready, and Argo CD applies one Application while another has
 * not synced, so a first rung above 0 sends requests to a canary that cannot serve them yet, which
 * the move's sync-safety gate refuses (README "What happens during a sync").
 *
 * @param steps the ladder as written (undefined: the default ladder, which is valid)
 * @param ladder the same ladder, normalized (model.ts `ladderOf`)
 * @param at the field path of `steps` (`['steps']`, `['fleet', 'waves', 1, 'steps']`)
 * @param total the release's weightTotal
 */
export function ladderProblems(src: SourceDocument, steps: readonly Step[] | undefined, ladder: readonly LadderStep[], at: readonly (string | number)[], total: number): SpecProblem[] {
  const out: SpecProblem[] = [];
  if (!steps) return out;
  ladder.forEach((s, i) => {
    const p = typeof steps[i] === 'object' ? [...at, i, 'weight'] : [...at, i];
    if (s.weight > total) out.push(src.problem(p, `weight is above the weight total ${total}`, `use a weight between 0 and ${total}`, s.weight));
    if (i === 0 && s.weight !== 0) {
      out.push(src.problem(p, 'the first step must be 0: start deploys the canary at the first step, and a sync would send it that share of requests before its pods are ready',
        `start the ladder at 0: [${[0, ...ladder.slice(0, 5).map((r) => r.weight)].join(', ')}${ladder.length > 5 ? ', ...' : ''}]; the canary takes traffic from the next step, once its pods run`, s.weight));
    }
    if (i > 0 && s.weight <= ladder[i - 1].weight) {
      out.push(src.problem(p, `steps must increase strictly (previous step is ${ladder[i - 1].weight})`, `use a weight above ${ladder[i - 1].weight} or remove this step`, s.weight));
    }
  });
  return out;
}
