/**
 * The soak gate of release groups: `step` and `next` may not leave a stage-3 rung of the entry
 * ladder that has a `minSoak` before that time has passed since the commit that set the group there
 * (`git blame` of its `stage` and `weight` lines, the later one). `--force` overrides it and records
 * `Soak-Override: <left> of <min> left`, as for a release (soak-gate.ts). README "Metric analysis
 * without a controller", release groups.
 */
import { CommitInfo, Git } from '../git';
import { formatDuration, soakState } from '../rollout';
import { groupMoveLeavesSoak } from '../rollout/group-advance';
import { LoadedGroup } from '../spec/loader';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';

/**
 * The commit that set a group where it is: the later of the last commits of its `stage` line and,
 * at stage 3, its `weight` line (git blame at HEAD); undefined when git cannot tell.
 */
export async function groupPositionCommit(git: Git, group: LoadedGroup, specPath: string): Promise<CommitInfo | undefined> {
  const paths: (string | number)[][] = group.model.stage === 3 ? [['stage'], ['weight']] : [['stage']];
  let best: CommitInfo | undefined;
  for (const p of paths) {
    const c = await git.lastCommitTouchingLine(specPath, group.source.locate(p).line);
    if (c && (!best || c.time > best.time)) best = c;
  }
  return best;
}

export const groupSoakGate: MoveGate = {
  name: 'group-soak',

  async check(ctx: GateContext): Promise<GateResult> {
    if (ctx.subject.kind !== 'group') return {};
    const { group, move: mv } = ctx.subject;
    const rung = groupMoveLeavesSoak(group.model, mv);
    if (!rung) return {};
    const entered = await groupPositionCommit(ctx.git, group, ctx.specPath);
    const soak = soakState(rung.minSoakSeconds, entered?.time ?? ctx.now, ctx.now);
    if (soak.remainingSeconds <= 0) return {};
    const at = `${rung.weight}% (step ${rung.index}/${group.model.steps.length} of the entry ladder)`;
    const since = entered ? ` since ${entered.sha.slice(0, 7)} "${entered.subject}"` : '';
    if (!ctx.force) {
      throw new MoveRefusedError(`release group ${group.model.name} has soaked ${formatDuration(soak.elapsedSeconds)} of its minimum ${formatDuration(soak.minSeconds)} at ${at}${since}; ${formatDuration(soak.remainingSeconds)} left: wait, or pass --force to move on now`, 'soak');
    }
    return {
      warnings: [`leaving ${at} with ${formatDuration(soak.remainingSeconds)} of its ${formatDuration(soak.minSeconds)} soak left (--force)`],
      trailers: [['Soak-Override', `${formatDuration(soak.remainingSeconds)} of ${formatDuration(soak.minSeconds)} left`]],
    };
  },
};
