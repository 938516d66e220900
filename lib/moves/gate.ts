/**
 * Pre-commit gates: an ordered list of checks a move runs after it computed the new spec and dist/
 * and before it writes anything. Each gate may
 * - refuse the move: throw `MoveRefusedError` (exit 2; nothing written, no commit), saying what,
 *   why and how to go on (`--force`, wait, fix);
 * - let it pass, adding commit trailers (e.g. `Soak-Override: 20m of 1h left`, `Analysis: ...`)
 *   and warnings (shown to the user before the commit, e.g. on stderr).
 *
 * Gates run in order; a refusal stops the rest. They also run for `--dry-run` (`ctx.dryRun` says
 * so: a gate may skip expensive work there), so a dry run shows the refusal a real move would meet.
 *
 * Adding a gate: implement `MoveGate` in a new file of lib/moves (or of your own module) and add it
 * to `MOVE_GATES` (gates.ts) at its place in the order; a gate ignores the `subject.kind`s it does
 * not apply to by returning `{}`.
 */
import { Git, Trailer } from '../git';
import { MoveSubject } from './kind';

/** What a gate sees. Every path is relative to the project root; dist/ maps are keyed relative to the dist folder. */
export interface GateContext {
  readonly git: Git;
  /** The project root (where the spec and dist/ folders are). */
  readonly root: string;
  /** The move, as its kind computed it (release, group, ...), before and after. */
  readonly subject: MoveSubject;
  /** The spec file the move edits (`releases/webapp.yaml`). */
  readonly specPath: string;
  readonly specBefore: string;
  readonly specAfter: string;
  /** The dist/ folders the move owns (`dist/webapp`; a fleet wave's `dist/shop/prod-eu-1`, ...). */
  readonly outputPaths: readonly string[];
  /** The dist folder itself (`dist`, or the `--dist` given), where the wiring roots argocd/ and flux/ are. */
  readonly distPath: string;
  /** The files of the owned folders before the move (equal to what is committed: the engine checked). Keys `webapp/ns/x.yaml`. */
  readonly distBefore: ReadonlyMap<string, string>;
  /** The files of the owned folders after the move. */
  readonly distAfter: ReadonlyMap<string, string>;
  /** `--force`: the user asks to override what a gate may let them override; a gate that yields records it in a trailer. */
  readonly force: boolean;
  /** `--dry-run`: nothing will be written whatever the gates say. */
  readonly dryRun: boolean;
  /** Now, in seconds since the epoch (one clock for every gate of a move). */
  readonly now: number;
}

/** What a gate adds when it lets a move pass. */
export interface GateResult {
  /** Commit trailers, after the move's own, in gate order. @default - none */
  readonly trailers?: readonly Trailer[];
  /** Warnings for the user, without a `warning:` prefix. @default - none */
  readonly warnings?: readonly string[];
}

/** A pre-commit check of a move. */
export interface MoveGate {
  /** Short name (`soak`, `analysis`, `sync-safety`); a `MoveRefusedError` it throws carries it as `gate`. */
  readonly name: string;
  /** Checks the move; throws `MoveRefusedError` to refuse. */
  check(ctx: GateContext): GateResult | Promise<GateResult>;
}

/** Runs the gates in order; returns their trailers and warnings, concatenated in order. Throws the first refusal. */
export async function runGates(gates: readonly MoveGate[], ctx: GateContext): Promise<{ trailers: Trailer[]; warnings: string[] }> {
  const trailers: Trailer[] = [];
  const warnings: string[] = [];
  for (const g of gates) {
    const r = await g.check(ctx);
    trailers.push(...(r.trailers ?? []));
    warnings.push(...(r.warnings ?? []));
  }
  return { trailers, warnings };
}
