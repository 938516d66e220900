import { Command } from 'commander';
import { GROUP_PLANNERS, GroupPlanner, groupMove, isGroupName, MoveFlags, Planner, releaseMove } from '../../moves';
import { abort, promote, setWeight, start, step } from '../../rollout';
import { UsageError } from '../../spec/errors';
import { cliCommand } from '../../spec/hints';
import { CliContext } from '../context';
import { runMoveCommand } from '../move-output';
import { verifyGate } from './verify';

/** Options every moving command takes. */
export function moving(cmd: Command): Command {
  return cmd
    .option('--no-commit', 'edit the spec and synthesize dist/ only; do not commit')
    .option('--dry-run', 'print the diff the move would make; change nothing')
    .option('--push', 'push after committing (never forced; if the remote moved, the move is re-run on it)')
    .option('-m, --message <text>', 'extra text for the commit message body');
}

/** `start`, `step`, `set-weight`, `promote`, `abort`: each move is one commit. */
export function register(program: Command, ctx: CliContext): void {
  const go = (name: string, plan: Planner, opts: MoveFlags, command: string) => runMoveCommand(ctx, releaseMove(name, plan, `\`${command}\``), opts);
  // step, set-weight and abort also move release groups (kind: ReleaseGroup, see commands/group.ts)
  const goGroup = (name: string, plan: GroupPlanner, opts: MoveFlags) => runMoveCommand(ctx, groupMove(name, plan), opts);
  const isGroup = (name: string) => isGroupName(ctx.root(), name);

  moving(program.command('start <release>')
    .description('deploy a canary of a new version at the ladder\'s first weight (0 unless the spec says otherwise)')
    // not a commander requiredOption: a mistyped flag (`--verison`) is then reported as unknown, with a suggestion
    .option('--version <version>', 'version the canary runs (also its image tag unless --image is given); required')
    .option('--image <ref>', 'full image reference of the canary')
    // `start shop 1.1.0` (the version as an argument) gets the command it meant, not commander's "too many arguments"
    .allowExcessArguments(true))
    .action((name: string, opts: MoveFlags & { version?: string; image?: string }, cmd: Command) => {
      const extra = cmd.args.slice(1);
      if (extra.length) {
        throw new UsageError(extra.length === 1 && opts.version === undefined
          ? `start takes the version as a flag: ${cliCommand(`start ${name} --version ${extra[0]}`)}`
          : `too many arguments for 'start': ${extra.map((a) => JSON.stringify(a)).join(' ')}; it takes one release and --version VERSION`);
      }
      return go(name, (r) => start(r.model, { version: opts.version ?? '', ...(opts.image !== undefined ? { image: opts.image } : {}) }), opts, 'start');
    });

  moving(program.command('step <release>')
    .description('move the canary to the next weight of the ladder (after the last one, promote is next); for a release group at stage 3, the next weight of the entry ladder')
    .option('--force', 'move on despite soak time left or an analysis that fails or is inconclusive (recorded as a Soak-Override or Analysis-Override trailer)')
    .option('--verify-url <base>', "run `verify <release> --url BASE` first; when a check fails, exit 1 without moving"))
    .action(async (name: string, opts: MoveFlags & { verifyUrl?: string }) => {
      if (isGroup(name)) return goGroup(name, GROUP_PLANNERS.step, opts);
      if (opts.verifyUrl === undefined || await verifyGate(ctx, name, opts.verifyUrl)) await go(name, (r) => step(r.model), opts, 'step');
    });

  moving(program.command('set-weight <release> <weight>')
    .description('set any canary weight from 0 to the spec\'s weightTotal (a hold or a hotfix); for a release group at stage 3, the entry split 0..100'))
    .action((name: string, weight: string, opts: MoveFlags) => (isGroup(name) ? goGroup(name, GROUP_PLANNERS.setWeight(weight), opts) : go(name, (r) => setWeight(r.model, weight), opts, 'set-weight')));

  moving(program.command('promote <release>')
    .description('production runs the canary\'s version; the canary is removed')
    .option('--force', 'promote despite soak time left or an analysis that fails or is inconclusive (recorded as a Soak-Override or Analysis-Override trailer)'))
    .action((name: string, opts: MoveFlags) => go(name, (r) => promote(r.model), opts, 'promote'));

  moving(program.command('abort <release>')
    .description('all traffic back to production and the canary removed; for a release group at stage 2-4, back to the mains only, front first'))
    .action((name: string, opts: MoveFlags) => (isGroup(name) ? goGroup(name, GROUP_PLANNERS.abort, opts) : go(name, (r) => abort(r.model), opts, 'abort')));
}
