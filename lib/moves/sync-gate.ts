/**
 * The sync-safety gate (issue 13): a move is refused (exit 2, nothing written, no commit) when any
 * state an Argo CD or Flux sync of its commit passes through would fail requests or give the canary
 * more than the larger of its share before and after, or when it would remove a Namespace another
 * release lives in. The model (lib/review/transition.ts) reads the move's folders before and after,
 * and the wiring committed in dist/argocd/ and dist/flux/ (a move never changes it). README "What
 * happens during a sync".
 */
import * as path from 'path';
import { gateTransition } from '../review/transition-gate';
import { readTree } from '../synth/write';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';

/** The wiring roots of the dist folder that holds `outputPaths` (keys relative to that folder). */
function wiring(root: string, outputPaths: readonly string[]): Map<string, string> {
  const dist = path.dirname(outputPaths[0] ?? 'dist/x');
  const out = new Map<string, string>();
  for (const r of ['argocd', 'flux']) for (const [p, c] of readTree(path.join(root, dist, r))) out.set(`${r}/${p}`, c);
  return out;
}

export const syncGate: MoveGate = {
  name: 'sync-safety',

  check(ctx: GateContext): GateResult {
    const roots = wiring(ctx.root, ctx.outputPaths);
    const gate = gateTransition(new Map([...roots, ...ctx.distBefore]), new Map([...roots, ...ctx.distAfter]));
    if (gate.refusals.length) {
      throw new MoveRefusedError(`this move is not safe to sync:\n${gate.refusals.map((r) => `  ${r}`).join('\n')}`, 'sync-safety');
    }
    return {};
  },
};
