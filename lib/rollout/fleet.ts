/**
 * Fleet waves (a release with `fleet:`, lib/spec/fleet.ts): the moves of one version across the
 * waves of clusters. Each function takes the release's model (as loaded, with its fleet resolved) and
 * returns the move, or throws UsageError to refuse. Pure: no files, no git, no clock.
 *
 * Inside a wave the moves are the release moves of ./moves (start, step, set-weight, promote,
 * abort) on the wave's model: its clusters' state and its ladder. Around them:
 *
 *   idle --start--> wave 1 canary --step/set-weight--> ... --promote--> wave 1 promoted
 *        --next-wave--> wave 2 canary --> ... --promote (last wave)--> idle, stable = new version
 *
 * `abort` rolls back the current wave only: its canary (back to the previous wave promoted, or idle),
 * or, between waves, the promoted wave's clusters (back to the wave before). Repeating it walks the
 * waves back one commit each, last wave first. `abort --all-waves` rolls back every wave that received
 * the new version in one commit. Waves after the current one never received it, and no abort touches
 * them.
 */
import { cliCommand } from '../spec/hints';
import { UsageError } from '../spec/errors';
import { FleetModel, fleetPosition, FleetPosition, waveModel as modelOfWave, WaveModel } from '../spec/fleet';
import { ReleaseModel } from '../spec/model';
import { abort, CommitMessage, Move, promote, setWeight, start, StartOptions, step } from './moves';
import { percent, RolloutState, sameState, TrackState } from './state';
import { weightOf } from './weight';

/** What a fleet's moves change in the spec: `stable`, `canary` and `fleet.promoted`. */
export interface FleetRolloutState extends RolloutState {
  /** Waves 1..wave run this version as stable (`fleet.promoted`). */
  readonly promoted?: TrackState & { readonly wave: number };
}

export type FleetMoveKind = 'start' | 'step' | 'set-weight' | 'promote' | 'next-wave' | 'abort';

/** A computed fleet move. */
export interface FleetMove {
  readonly release: string;
  readonly kind: FleetMoveKind;
  readonly before: FleetRolloutState;
  readonly after: FleetRolloutState;
  /** False when nothing changes (set-weight to the current weight): no edit, no commit. */
  readonly changes: boolean;
  /** The move inside the wave, as the release moves compute it on the wave's model (for gates and soak). */
  readonly waveMove: Move;
  /** The wave the move acts on (the current wave). */
  readonly wave: WaveModel;
  /** Number of waves of the fleet. */
  readonly waveCount: number;
  /** Every wave whose clusters the move changes, in order (one, or several for `abort --all-waves`). */
  readonly waves: readonly WaveModel[];
  /** Their clusters: the dist/ folders the move re-synthesizes. */
  readonly clusters: readonly string[];
  /** The version walking the waves. */
  readonly version: string;
  /** The version the fleet runs outside the rollout (stable.version before the move). */
  readonly baseline: string;
  /** `next-wave`: the wave just left, when it has a minSoak (measured from the commit of its promote). */
  readonly leavesWaveSoak?: { readonly wave: WaveModel; readonly minSoakSeconds: number };
  /** Where the rollout stands after the move. */
  readonly position: FleetPosition;
  /** What comes next, one line (`next: step -> 50% (\`npx cdk8s-canary step shop\`)`). */
  readonly next: string;
}

/** The rollout state a fleet release's spec holds. Pure. */
export function fleetStateOf(m: ReleaseModel): FleetRolloutState {
  const t = (x: { version: string; image?: string }): TrackState => ({ version: x.version, ...(x.image !== undefined ? { image: x.image } : {}) });
  const s = m.spec;
  const p = fleetOf(m).promoted;
  return {
    stable: t(s.stable),
    ...(s.canary ? { canary: { ...t(s.canary), weight: s.canary.weight } } : {}),
    ...(p ? { promoted: { ...t(p), wave: p.wave } } : {}),
  };
}

/** Whether two fleet states are the same. */
export function sameFleetState(a: FleetRolloutState, b: FleetRolloutState): boolean {
  const p = (x: FleetRolloutState['promoted']) => (x ? `${x.version}\0${x.image ?? ''}\0${x.wave}` : '');
  return sameState(a, b) && p(a.promoted) === p(b.promoted);
}

/** The model of a release as one wave's clusters run it: their state and the wave's ladder. */
export function waveModel(m: ReleaseModel, wave: WaveModel): ReleaseModel {
  return modelOfWave(m, fleetOf(m), wave);
}

/** Where the rollout of a fleet release stands. */
export function positionOfFleet(m: ReleaseModel): FleetPosition {
  return fleetPosition(m.spec, fleetOf(m));
}

/** Deploys the canary in wave 1's clusters, at the first weight of wave 1's ladder. Refused unless idle. */
export function startFleet(m: ReleaseModel, opts: StartOptions): FleetMove {
  const pos = positionOfFleet(m);
  const fleet = fleetOf(m);
  if (pos.phase === 'promoted') {
    throw new UsageError(`release ${m.name} is between waves: waves 1..${pos.wave} of ${fleet.waves.length} run ${fleet.promoted!.version}; open the next wave (${cliCommand(`next-wave ${m.name}`)}) or roll back (${cliCommand(`abort ${m.name} [--all-waves]`)}) before starting another version`);
  }
  const w = fleet.waves[0];
  return wrap(m, 'start', w, [w], start(waveModel(m, w), opts), (after) => ({ ...after }));
}

/** Moves the canary of the current wave to the next weight of the wave's ladder. */
export function stepFleet(m: ReleaseModel): FleetMove {
  const w = canaryWave(m, 'step');
  return wrap(m, 'step', w, [w], step(waveModel(m, w)), keepPromoted(m));
}

/** Sets any weight of the current wave's canary. */
export function setWeightFleet(m: ReleaseModel, raw: number | string): FleetMove {
  weightOf(raw, m.weightTotal, `the canary's share of traffic out of ${m.weightTotal}`); // the value first, as for a release
  const w = canaryWave(m, 'set-weight');
  return wrap(m, 'set-weight', w, [w], setWeight(waveModel(m, w), raw), keepPromoted(m));
}

/**
 * The current wave runs the canary's version as stable; its canary is removed. Before the last wave
 * this records `fleet.promoted` (the later waves still run stable.version); the last wave's promote
 * sets `stable` and removes `fleet.promoted`: the release is done.
 */
export function promoteFleet(m: ReleaseModel): FleetMove {
  const w = canaryWave(m, 'promote');
  const n = fleetOf(m).waves.length;
  const base = stateOfSpec(m);
  return wrap(m, 'promote', w, [w], promote(waveModel(m, w)), (after) => (w.index === n ? { stable: after.stable } : { stable: base.stable, promoted: { ...after.stable, wave: w.index } }));
}

/** Opens the next wave: the promoted version as a canary in its clusters, at its ladder's first weight. */
export function nextWave(m: ReleaseModel): FleetMove {
  const fleet = fleetOf(m);
  const pos = positionOfFleet(m);
  if (pos.phase === 'idle') throw new UsageError(`release ${m.name} has no rollout in progress, so there is no wave to open; start one: ${cliCommand(`start ${m.name} --version VERSION`)} (it runs in wave 1, ${describeWave(fleet.waves[0], fleet.waves.length)})`);
  if (pos.phase === 'canary') {
    const w = fleet.waves[pos.wave - 1];
    throw new UsageError(`wave ${pos.wave}/${fleet.waves.length} (${w.name}) of release ${m.name} still runs canary ${m.spec.canary!.version} at ${percent(m.spec.canary!.weight, m.weightTotal)}; promote it first (${cliCommand(`promote ${m.name}`)}), or abort it`);
  }
  const p = fleet.promoted!;
  const left = fleet.waves[p.wave - 1];
  const w = fleet.waves[p.wave];
  const mv = start(waveModel(m, w), { version: p.version, ...(p.image !== undefined ? { image: p.image } : {}) });
  const out = wrap(m, 'next-wave', w, [w], mv, keepPromoted(m));
  return left.minSoakSeconds ? { ...out, leavesWaveSoak: { wave: left, minSoakSeconds: left.minSoakSeconds } } : out;
}

/**
 * Rolls back the current wave (one commit): its canary is removed (traffic back to stable.version
 * there), or, between waves, the last promoted wave goes back to stable.version. With `allWaves`,
 * every wave that received the new version goes back in the same commit. Waves after the current
 * one are never touched.
 */
export function abortFleet(m: ReleaseModel, allWaves = false): FleetMove {
  const fleet = fleetOf(m);
  const pos = positionOfFleet(m);
  const base = stateOfSpec(m);
  if (pos.phase === 'idle') {
    throw new UsageError(`release ${m.name} has no rollout in progress: every cluster of its fleet runs ${base.stable.version}, so there is nothing to abort`);
  }
  const w = fleet.waves[pos.wave - 1];
  const waves = allWaves ? fleet.waves.slice(0, pos.wave) : [w];
  if (pos.phase === 'canary') {
    const mv = abort(waveModel(m, w));
    return wrap(m, 'abort', w, waves, mv, (after) => (allWaves || !fleet.promoted ? { stable: after.stable } : { stable: after.stable, promoted: { ...trackOf(fleet.promoted), wave: fleet.promoted.wave } }));
  }
  // between waves: the promoted wave(s) run the new version as stable; roll them back to stable.version
  const p = fleet.promoted!;
  const wm = waveModel(m, w);
  const rollback: Move = {
    release: m.name, kind: 'abort', before: { stable: trackOf(p) }, after: { stable: base.stable }, changes: true,
    canaryVersion: p.version, weightTotal: m.weightTotal, next: { kind: 'start', weight: wm.steps[0]?.weight ?? 0 },
  };
  const keep = !allWaves && p.wave > 1;
  return wrap(m, 'abort', w, waves, rollback, () => (keep ? { stable: base.stable, promoted: { ...trackOf(p), wave: p.wave - 1 } } : { stable: base.stable }));
}

/** The commit message of a fleet move: the release move's wording plus the wave, and trailers naming the wave and its clusters. Pure. */
export function fleetCommitMessage(mv: FleetMove, extra?: string): CommitMessage {
  const pct = (w: number) => percent(w, mv.waveMove.weightTotal);
  const at = `wave ${mv.wave.index}/${mv.waveCount} (${mv.wave.name})`;
  const on = listClusters(mv.clusters);
  let subject: string;
  switch (mv.kind) {
    case 'start': subject = `${mv.release}: ${at}: start canary ${mv.version} at ${pct(mv.waveMove.toWeight ?? 0)} on ${on}`; break;
    case 'next-wave': subject = `${mv.release}: open ${at}: canary ${mv.version} at ${pct(mv.waveMove.toWeight ?? 0)} on ${on}`; break;
    case 'promote': subject = mv.wave.index === mv.waveCount
      ? `${mv.release}: ${at}: promote ${mv.version} to stable on ${on}; every wave runs ${mv.version} (was ${mv.baseline})`
      : `${mv.release}: ${at}: promote ${mv.version} on ${on} (later waves keep ${mv.baseline})`; break;
    case 'abort':
      if (mv.waves.length > 1) subject = `${mv.release}: abort ${mv.version} in waves 1-${mv.wave.index}/${mv.waveCount} (${on}), back to ${mv.baseline}`;
      else if (mv.before.canary) subject = `${mv.release}: ${at}: abort canary ${mv.version} at ${pct(mv.waveMove.fromWeight ?? 0)} on ${on}, traffic back to ${mv.baseline}`;
      else subject = `${mv.release}: ${at}: roll back ${mv.version} to ${mv.baseline} on ${on}`;
      break;
    default: subject = `${mv.release}: ${at}: canary ${mv.version} ${pct(mv.waveMove.fromWeight ?? 0)} -> ${pct(mv.waveMove.toWeight ?? 0)} on ${on}`;
  }
  const trailers: [string, string][] = [
    ['Release', mv.release],
    ['Move', mv.kind],
    ['Canary-Version', mv.version],
    ['Canary-Weight', mv.after.canary ? String(mv.after.canary.weight) : 'none'],
    ['Step', mv.after.canary && mv.waveMove.position ? `${mv.waveMove.position.index}/${mv.waveMove.position.of}` : 'none'],
    ['Fleet-Wave', `${mv.wave.index}/${mv.waveCount} ${mv.wave.name}`],
    ['Fleet-Clusters', mv.clusters.join(', ')],
  ];
  if (mv.waves.length > 1) trailers.push(['Fleet-Waves', mv.waves.map((w) => `${w.index} ${w.name}`).join(', ')]);
  if (mv.kind === 'promote') trailers.push(mv.wave.index === mv.waveCount ? ['Stable-Version', mv.version] : ['Fleet-Promoted', `${mv.version} in waves 1-${mv.wave.index}`]);
  const body = extra?.trim();
  return { subject, ...(body ? { body } : {}), trailers };
}

/** `canary-eu`, `prod-eu-1, prod-eu-2`, or `prod-eu-1, prod-eu-2, ... (40 clusters)`. */
export function listClusters(names: readonly string[]): string {
  return names.length > 5 ? `${names.slice(0, 3).join(', ')}, ... (${names.length} clusters)` : names.join(', ');
}

/** `wave 2/3 (eu: prod-eu-1)`. */
export function describeWave(w: WaveModel, of: number): string {
  return `wave ${w.index}/${of} (${w.name}: ${listClusters(w.clusters)})`;
}

/** What comes next in a fleet after a state, one line. Pure. */
export function describeFleetNext(m: ReleaseModel, pos: FleetPosition, s: FleetRolloutState): string {
  const fleet = fleetOf(m);
  const n = fleet.waves.length;
  if (pos.phase === 'idle') return `next: start a canary in ${describeWave(fleet.waves[0], n)} (${cliCommand(`start ${m.name} --version VERSION`)})`;
  const w = fleet.waves[pos.wave - 1];
  if (pos.phase === 'promoted') {
    return `next: open ${describeWave(fleet.waves[pos.wave], n)} (${cliCommand(`next-wave ${m.name}`)})${w.minSoakSeconds ? ` once wave ${w.index} has soaked` : ''}`;
  }
  const c = s.canary!;
  const rung = w.steps.find((x) => x.weight > c.weight);
  if (rung) return `next: step -> ${percent(rung.weight, m.weightTotal)} in wave ${w.index}/${n} (${cliCommand(`step ${m.name}`)})`;
  return `next: promote wave ${w.index}/${n} (${cliCommand(`promote ${m.name}`)})${w.index === n ? ', the last one' : ''}, or abort`;
}

function wrap(m: ReleaseModel, kind: FleetMoveKind, wave: WaveModel, waves: readonly WaveModel[], mv: Move, after: (a: RolloutState) => FleetRolloutState): FleetMove {
  const fleet = fleetOf(m);
  const before = fleetStateOf(m);
  const a = after(mv.after);
  const s = { ...m.spec, stable: a.stable, canary: a.canary } as ReleaseModel['spec'];
  const position = fleetPosition(s, { ...(a.promoted ? { promoted: { version: a.promoted.version, wave: a.promoted.wave } } : {}) });
  return {
    release: m.name, kind, before, after: a, changes: !sameFleetState(before, a), waveMove: mv,
    wave, waveCount: fleet.waves.length, waves, clusters: waves.flatMap((w) => w.clusters),
    version: mv.canaryVersion, baseline: before.stable.version, position,
    next: describeFleetNext(m, position, a),
  };
}

function keepPromoted(m: ReleaseModel): (after: RolloutState) => FleetRolloutState {
  const p = fleetOf(m).promoted;
  return (after) => ({ ...after, ...(p ? { promoted: { ...trackOf(p), wave: p.wave } } : {}) });
}

function canaryWave(m: ReleaseModel, what: FleetMoveKind): WaveModel {
  const fleet = fleetOf(m);
  const pos = positionOfFleet(m);
  if (pos.phase === 'canary') return fleet.waves[pos.wave - 1];
  if (pos.phase === 'promoted') {
    const next = fleet.waves[pos.wave];
    throw new UsageError(`release ${m.name} runs no canary: wave ${pos.wave}/${fleet.waves.length} is promoted and ${describeWave(next, fleet.waves.length)} is not open yet, so there is nothing to ${what === 'set-weight' ? 'set the weight of' : what}; open it first: ${cliCommand(`next-wave ${m.name}`)}`);
  }
  throw new UsageError(`release ${m.name} has no canary running, so there is nothing to ${what === 'set-weight' ? 'set the weight of' : what}; start one first: ${cliCommand(`start ${m.name} --version VERSION`)} (it runs in ${describeWave(fleet.waves[0], fleet.waves.length)})`);
}

function stateOfSpec(m: ReleaseModel): FleetRolloutState {
  return fleetStateOf(m);
}

function trackOf(t: { version: string; image?: string }): TrackState {
  return { version: t.version, ...(t.image !== undefined ? { image: t.image } : {}) };
}

function fleetOf(m: ReleaseModel): FleetModel {
  if (!m.fleet) throw new Error(`internal: release ${m.name} has no fleet`);
  return m.fleet;
}
