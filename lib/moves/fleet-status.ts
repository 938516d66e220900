/**
 * Where a fleet release stands (`status`): the release's status as its current wave sees it (ladder,
 * step, rung soak), plus a cluster x wave table (which wave each cluster is in and what it runs) and
 * the soak of a promoted wave before the next one opens. Reads the spec and `git blame`; writes nothing.
 */
import * as path from 'path';
import { Git } from '../git';
import { describeFleetNext, fleetStateOf, percent, positionOfFleet, soakState, waveModel } from '../rollout';
import { waveState } from '../spec/fleet';
import { LoadedRelease } from '../spec/loader';

/** One cluster in `status --json` (`fleet.clusters`). */
export interface FleetClusterStatus {
  readonly name: string;
  /** Its wave (1-based) and the wave's name. */
  readonly wave: number;
  readonly waveName: string;
  /** The stable version it runs. */
  readonly stable: string;
  /** Its canary, or null. */
  readonly canary: { readonly version: string; readonly weight: number; readonly percent: string } | null;
  /** `promoted` (runs the new version), `canary` (runs the canary), `waiting` (not reached), `idle` (no rollout). */
  readonly state: 'promoted' | 'canary' | 'waiting' | 'idle';
}

/** The `fleet` part of a release's `status --json`. */
export interface FleetStatus {
  /** `idle`, `canary` (the current wave runs a canary) or `promoted` (between waves). */
  readonly phase: 'idle' | 'canary' | 'promoted';
  /** The current wave, or null when idle. */
  readonly wave: { readonly index: number; readonly of: number; readonly name: string } | null;
  /** The version walking the waves, or null when idle. */
  readonly version: string | null;
  readonly waves: readonly { readonly index: number; readonly name: string; readonly clusters: readonly string[]; readonly minSoakSeconds: number | null }[];
  readonly clusters: readonly FleetClusterStatus[];
  /** Between waves, when the promoted wave has a minSoak: how long before `next-wave` may open the next. */
  readonly waveSoak: { readonly minSeconds: number; readonly elapsedSeconds?: number; readonly remainingSeconds?: number; readonly since?: string } | null;
  /** What comes next, one line. */
  readonly next: string;
}

/** The model `status` shows ladder and step for: the current wave's (the next wave's between waves). */
export function statusWave(r: LoadedRelease): LoadedRelease {
  const fleet = r.model.fleet!;
  const pos = positionOfFleet(r.model);
  const w = fleet.waves[pos.phase === 'promoted' ? pos.wave : Math.max(0, pos.wave - 1)];
  return { ...r, model: waveModel(r.model, w) };
}

/**
 * The fleet part of a release's status; `git` (when given) dates a promoted wave's soak. A function
 * is called only when there is a soak to date.
 */
export async function fleetStatus(r: LoadedRelease, root: string, gitOrOpen: Git | undefined | (() => Promise<Git | undefined>)): Promise<FleetStatus> {
  const m = r.model;
  const fleet = m.fleet!;
  const pos = positionOfFleet(m);
  const st = fleetStateOf(m);
  const clusters: FleetClusterStatus[] = fleet.waves.flatMap((w) => w.clusters.map((name) => {
    const s = waveState(m.spec, fleet, w.index);
    const state: FleetClusterStatus['state'] = pos.phase === 'idle' ? 'idle' : s.canary ? 'canary' : fleet.promoted && w.index <= fleet.promoted.wave ? 'promoted' : 'waiting';
    return {
      name, wave: w.index, waveName: w.name, stable: s.stable.version,
      canary: s.canary ? { version: s.canary.version, weight: s.canary.weight, percent: percent(s.canary.weight, m.weightTotal) } : null,
      state,
    };
  }));
  let waveSoak: FleetStatus['waveSoak'] = null;
  const left = pos.phase === 'promoted' ? fleet.waves[pos.wave - 1] : undefined;
  if (left?.minSoakSeconds) {
    waveSoak = { minSeconds: left.minSoakSeconds };
    const git = typeof gitOrOpen === 'function' ? await gitOrOpen() : gitOrOpen;
    const file = path.resolve(root, r.file);
    const dirty = git ? (await git.status([file])).length > 0 : true;
    const entered = git && !dirty ? await git.lastCommitTouchingLine(file, r.source.locate(['fleet', 'promoted', 'wave']).line) : undefined;
    if (entered) waveSoak = { ...soakState(left.minSoakSeconds, entered.time, Date.now() / 1000), since: entered.sha };
  }
  const current = pos.wave ? fleet.waves[pos.wave - 1] : undefined;
  return {
    phase: pos.phase,
    wave: current ? { index: current.index, of: fleet.waves.length, name: current.name } : null,
    version: pos.phase === 'canary' ? st.canary!.version : pos.phase === 'promoted' ? fleet.promoted!.version : null,
    waves: fleet.waves.map((w) => ({ index: w.index, name: w.name, clusters: w.clusters, minSoakSeconds: w.minSoakSeconds ?? null })),
    clusters,
    waveSoak,
    next: describeFleetNext(m, pos, st),
  };
}
