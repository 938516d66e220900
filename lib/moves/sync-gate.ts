/**
 * The sync-safety gate (issue 13): a move is refused (exit 2, nothing written, no commit) when any
 * state an Argo CD or Flux sync of its commit passes through would fail requests or give the canary
 * more than the larger of its share before and after, or when it would remove a Namespace another
 * release lives in. The model (lib/review/transition.ts) reads the move's folders before and after,
 * and the wiring committed in dist/argocd/ and dist/flux/ (a move never changes it). README "What
 * happens during a sync".
 */
import * as fs from 'fs';
import * as path from 'path';
import { gateTransition, holdsSyncUnits, wiringOwner } from '../review/transition-gate';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';

/**
 * The wiring of the dist folder that holds `outputPaths` (keys relative to that folder) that the
 * move's sync can involve: the files of dist/argocd/ and dist/flux/ for the releases it moves and the
 * shared ones (root Application, AppProject, GitRepository, kustomizations), not those of every other
 * release, so the gate's cost does not grow with the number of releases. A wiring file belongs to a
 * release when its name, after the kind, starts with `<release>-` or is `<release>.yaml`.
 */
function wiring(root: string, outputPaths: readonly string[]): Map<string, string> {
  const dist = path.dirname(outputPaths[0] ?? 'dist/x');
  const moved = new Set(outputPaths.map((p) => path.basename(p)));
  let releases: Set<string>;
  try { releases = new Set(fs.readdirSync(path.join(root, dist), { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name)); } catch { releases = new Set(); }
  const out = new Map<string, string>();
  for (const r of ['argocd', 'flux']) {
    const dir = path.join(root, dist, r);
    let names: string[];
    try { names = fs.readdirSync(dir).filter((n) => !n.startsWith('.')); } catch { continue; }
    for (const n of names) {
      const owner = wiringOwner(n, releases);
      if (owner !== undefined && owner !== r && !moved.has(owner)) continue;
      if (!fs.statSync(path.join(dir, n)).isFile()) continue;
      const text = fs.readFileSync(path.join(dir, n), 'utf8');
      if (!holdsSyncUnits(text)) continue;
      out.set(`${r}/${n}`, text);
    }
  }
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
