/**
 * The pre-commit gates every move runs, in order (see gate.ts). Add a gate here at its place:
 * cheap local checks first, gates that query something (metrics) last.
 */
import { crossReleaseGate } from './cross-release-gate';
import { MoveGate } from './gate';
import { analysisGate } from './analysis-gate';
import { fleetSoakGate } from './fleet-soak-gate';
import { groupSoakGate } from './group-soak-gate';
import { insideGate } from './inside-gate';
import { soakGate } from './soak-gate';
import { syncGate } from './sync-gate';
import { upstreamGate } from './upstream-gate';

// cheap local checks first (upstream reads only refs already fetched: no network); a fleet wave's minSoak (next-wave) and a group rung's minSoak are soak
// gates too; the sync-safety gate before the analysis, which queries metrics
export const MOVE_GATES: readonly MoveGate[] = [insideGate, crossReleaseGate, soakGate, fleetSoakGate, groupSoakGate, upstreamGate, syncGate, analysisGate];
