import { Command } from 'commander';
import { GROUP_PLANNERS, GroupStatus, groupMove, MoveFlags } from '../../moves';
import { GROUP_STAGES } from '../../spec/group';
import { CliContext } from '../context';
import { runMoveCommand } from '../move-output';
import { moving } from './rollout';

/**
 * `next <group>`. `step`, `set-weight`, `abort` and `status` work on groups too: the release
 * commands (rollout.ts, status.ts) hand group names over to the group moves (lib/moves/group.ts).
 */
export function register(program: Command, ctx: CliContext): void {
  moving(program.command('next <group>')
    .description(`move a release group one stage forward (S3: 1 mains only -> ... -> ${GROUP_STAGES} canaries gone), one commit per stage; at stage 3 it climbs the entry ladder first`)
    .option('--force', 'move on despite soak time left or an analysis that fails or is inconclusive (recorded as a Soak-Override or Analysis-Override trailer)'))
    .action((name: string, opts: MoveFlags) => runMoveCommand(ctx, groupMove(name, GROUP_PLANNERS.next), opts));
}

/** `status` lines of a release group. */
export function groupStatusLines(s: GroupStatus): string[] {
  return [
    `${s.name} (release group, ${s.file})`,
    `  ${s.stage.description}`,
    ...s.apps.map((a) => `  app     ${a.name} (${a.project}) ${a.version}${a.newVersion ? ` -> ${a.newVersion}` : ' (unchanged)'}${a.name === s.entry ? ', entry' : ''}`),
    `  ladder  ${s.ladder.map((w) => (s.weight === w ? `[${w}%]` : `${w}%`)).join(' ')} at the entry`,
    `  next    ${s.next.description}${s.next.command ? `: \`${s.next.command}\`` : ''}`,
  ];
}
