/**
 * The pre-commit gates every move runs, in order (see gate.ts). Add a gate here at its place:
 * cheap local checks first, gates that query something (metrics) last.
 */
import { MoveGate } from './gate';
import { analysisGate } from './analysis-gate';
import { soakGate } from './soak-gate';
import { syncGate } from './sync-gate';

// the sync-safety gate is local and cheap: before the analysis, which queries metrics
export const MOVE_GATES: readonly MoveGate[] = [soakGate, syncGate, analysisGate];
