/**
 * The soak gate: a release may not leave a ladder rung with `minSoak` before that time has passed
 * since the commit that put the canary's weight line there (`git blame` of the line). `--force`
 * overrides it and records `Soak-Override: <left> of <min> left`. README "Soak times without a
 * controller".
 */
import { CommitInfo, Git } from '../git';
import { formatDuration, percent, soakState } from '../rollout';
import { LoadedRelease } from '../spec/loader';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';

/** The commit that put the canary weight line of a release's spec where it is (blame, at HEAD); undefined when git cannot tell. */
export function weightLineCommit(git: Git, release: LoadedRelease, specPath: string): Promise<CommitInfo | undefined> {
  return git.lastCommitTouchingLine(specPath, release.source.locate(['canary', 'weight']).line);
}

export const soakGate: MoveGate = {
  name: 'soak',

  async check(ctx: GateContext): Promise<GateResult> {
    if (ctx.subject.kind !== 'release') return {};
    const { release, move: mv } = ctx.subject;
    if (!mv.leavesSoak) return {};
    const entered = await weightLineCommit(ctx.git, release, ctx.specPath);
    const soak = soakState(mv.leavesSoak.minSoakSeconds, entered?.time ?? ctx.now, ctx.now);
    if (soak.remainingSeconds <= 0) return {};
    const at = `${percent(mv.leavesSoak.weight, mv.weightTotal)} (step ${mv.leavesSoak.index}/${release.model.steps.length})`;
    const since = entered ? ` since ${entered.sha.slice(0, 7)} "${entered.subject}"` : '';
    if (!ctx.force) {
      throw new MoveRefusedError(`canary ${mv.canaryVersion} of ${mv.release} has soaked ${formatDuration(soak.elapsedSeconds)} of its minimum ${formatDuration(soak.minSeconds)} at ${at}${since}; ${formatDuration(soak.remainingSeconds)} left: wait, or pass --force to move on now`, 'soak');
    }
    return {
      warnings: [`leaving ${at} with ${formatDuration(soak.remainingSeconds)} of its ${formatDuration(soak.minSeconds)} soak left (--force)`],
      trailers: [['Soak-Override', `${formatDuration(soak.remainingSeconds)} of ${formatDuration(soak.minSeconds)} left`]],
    };
  },
};
