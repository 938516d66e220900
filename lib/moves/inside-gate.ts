/**
 * The inside gate: every path a move writes (its spec and its dist/ folders) must stay inside the
 * repository once symlinks are followed. A `dist` or `releases` symlink (or one deeper) leading out
 * would make the move write files anywhere the user can; `synth` refuses the same for its output
 * folder (checkOutputDir). Runs first, before any other gate and before anything is written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';

/** The real path of `p`, or of its nearest existing ancestor when `p` does not exist yet. */
function realNearest(p: string): string {
  let probe = path.resolve(p);
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  return fs.realpathSync(probe);
}

/** Where `p` really leads when that is outside `root` (both resolved through symlinks), else undefined. */
export function leadsOutside(root: string, p: string): string | undefined {
  const real = realNearest(p);
  const rel = path.relative(fs.realpathSync(root), real);
  return rel.startsWith('..') || path.isAbsolute(rel) ? real : undefined;
}

export const insideGate: MoveGate = {
  name: 'inside',

  check(ctx: GateContext): GateResult {
    for (const p of [ctx.specPath, ...ctx.outputPaths]) {
      const out = leadsOutside(ctx.root, path.join(ctx.root, p));
      if (out !== undefined) {
        throw new MoveRefusedError(`${p} leads outside the repository through a symlink (to ${out}); a move writes only inside the repository: replace the symlink by the folder itself`, 'inside');
      }
    }
    return {};
  },
};
