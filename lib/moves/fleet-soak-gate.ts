/**
 * Soak times of a fleet move, without a controller (README: Fleet):
 * - leaving a ladder rung with `minSoak` inside a wave (`step`, `promote`): measured from the commit
 *   that put the canary's weight line there, as for a release (./soak-gate.ts);
 * - opening the next wave (`next-wave`) after a wave with `minSoak`: measured from the commit that
 *   promoted it, the commit that last wrote the `fleet.promoted.wave` line (`git blame`).
 * `--force` overrides either and records `Soak-Override: <left> of <min> left`.
 */
import { CommitInfo, Git } from '../git';
import { formatDuration, percent, soakState } from '../rollout';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';
import { weightLineCommit } from './soak-gate';

export const fleetSoakGate: MoveGate = {
  name: 'fleet-soak',

  async check(ctx: GateContext): Promise<GateResult> {
    if (ctx.subject.kind !== 'fleet') return {};
    const { release, move: mv } = ctx.subject;
    let entered: CommitInfo | undefined;
    let minSeconds: number;
    let what: string;
    if (mv.waveMove.leavesSoak) {
      const s = mv.waveMove.leavesSoak;
      entered = await weightLineCommit(ctx.git, release, ctx.specPath);
      minSeconds = s.minSoakSeconds;
      what = `canary ${mv.version} of ${mv.release} in wave ${mv.wave.index}/${mv.waveCount} (${mv.wave.name}) has soaked {elapsed} of its minimum {min} at ${percent(s.weight, mv.waveMove.weightTotal)} (step ${s.index}/${mv.wave.steps.length})`;
    } else if (mv.leavesWaveSoak) {
      const w = mv.leavesWaveSoak.wave;
      entered = await promotedLineCommit(ctx.git, release.source.locate(['fleet', 'promoted', 'wave']).line, ctx.specPath);
      minSeconds = mv.leavesWaveSoak.minSoakSeconds;
      what = `wave ${w.index}/${mv.waveCount} (${w.name}) of ${mv.release} has run ${mv.version} for {elapsed} of its minimum soak {min} before the next wave opens`;
    } else {
      return {};
    }
    const soak = soakState(minSeconds, entered?.time ?? ctx.now, ctx.now);
    if (soak.remainingSeconds <= 0) return {};
    const since = entered ? ` since ${entered.sha.slice(0, 7)} "${entered.subject}"` : '';
    const text = what.replace('{elapsed}', formatDuration(soak.elapsedSeconds)).replace('{min}', formatDuration(soak.minSeconds));
    if (!ctx.force) throw new MoveRefusedError(`${text}${since}; ${formatDuration(soak.remainingSeconds)} left: wait, or pass --force to move on now`, 'soak');
    return {
      warnings: [`moving on with ${formatDuration(soak.remainingSeconds)} of a ${formatDuration(soak.minSeconds)} soak left (--force)`],
      trailers: [['Soak-Override', `${formatDuration(soak.remainingSeconds)} of ${formatDuration(soak.minSeconds)} left`]],
    };
  },
};

function promotedLineCommit(git: Git, line: number, specPath: string): Promise<CommitInfo | undefined> {
  return git.lastCommitTouchingLine(specPath, line);
}
