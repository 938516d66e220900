import { Command } from 'commander';
import { FleetPlanner, GROUP_PLANNERS, GroupPlanner, groupMove, isGroupName, MoveFlags, Planner, releaseMove } from '../../moves';
import { abort, abortFleet, nextWave, promote, promoteFleet, setWeight, setWeightFleet, start, startFleet, step, stepFleet } from '../../rollout';
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
    .option('-m, --message <text>', 'extra text for the commit message body')
    // --dry-run changes nothing and --no-commit writes without committing: together, which was meant is unclear
    .hook('preAction', (c) => {
      const o = c.opts<{ dryRun?: boolean; commit?: boolean }>();
      if (o.dryRun && o.commit === false) throw new UsageError('--dry-run and --no-commit: are given together (--dry-run changes nothing; --no-commit writes the spec and dist/ without committing); give one of them');
    });
}

/**
 * `start`, `step`, `set-weight`, `promote`, `abort`, and `next-wave` for releases with `fleet:`: each
 * move is one commit. On a fleet release the same commands move the current wave (lib/rollout/fleet.ts).
 */
export function register(program: Command, ctx: CliContext): void {
  const go = (name: string, plan: Planner | undefined, opts: MoveFlags, command: string, fleet?: FleetPlanner) => runMoveCommand(ctx, releaseMove(name, plan, fleet, `\`${command}\``), opts);
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
      const v = { version: opts.version ?? '', ...(opts.image !== undefined ? { image: opts.image } : {}) };
      return go(name, (r) => start(r.model, v), opts, 'start', (r) => startFleet(r.model, v));
    });

  moving(program.command('step <release>')
    .description('move the canary to the next weight of the ladder (after the last one, promote is next); for a release group at stage 3, the next weight of the entry ladder')
    .option('--force', 'move on despite soak time left or an analysis that fails or is inconclusive (recorded as a Soak-Override or Analysis-Override trailer)')
    .option('--verify-url <base>', "run `verify <release> --url BASE` first; when a check fails, exit 1 without moving"))
    .action(async (name: string, opts: MoveFlags & { verifyUrl?: string }) => {
      if (isGroup(name)) return goGroup(name, GROUP_PLANNERS.step, opts);
      if (opts.verifyUrl === undefined || await verifyGate(ctx, name, opts.verifyUrl)) await go(name, (r) => step(r.model), opts, 'step', (r) => stepFleet(r.model));
    });

  moving(program.command('set-weight <release> <weight>')
    .description('set any canary weight from 0 to the spec\'s weightTotal (a hold or a hotfix); for a release group at stage 3, the entry split 0..100'))
    .action((name: string, weight: string, opts: MoveFlags) => (isGroup(name) ? goGroup(name, GROUP_PLANNERS.setWeight(weight), opts) : go(name, (r) => setWeight(r.model, weight), opts, 'set-weight', (r) => setWeightFleet(r.model, weight))));

  moving(program.command('promote <release>')
    .description('production runs the canary\'s version; the canary is removed')
    .option('--force', 'promote despite soak time left or an analysis that fails or is inconclusive (recorded as a Soak-Override or Analysis-Override trailer)'))
    .action((name: string, opts: MoveFlags) => go(name, (r) => promote(r.model), opts, 'promote', (r) => promoteFleet(r.model)));

  moving(program.command('next-wave <release>')
    .description('a release with fleet: after promote in one wave, open the next wave: the promoted version as a canary in its clusters, at its ladder\'s first weight')
    .option('--force', 'open it despite the promoted wave\'s minimum soak time left or its analysis failing or inconclusive (recorded as a Soak-Override or Analysis-Override trailer)'))
    .action((name: string, opts: MoveFlags) => {
      if (isGroup(name)) throw new UsageError(`${name} is a release group; next-wave moves releases with fleet: (use next for a group)`);
      return go(name, undefined, opts, 'next-wave', (r) => nextWave(r.model));
    });

  moving(program.command('abort <release>')
    .description('all traffic back to production and the canary removed; for a release group at stage 2-4, back to the mains only, front first; for a fleet release, the current wave only (repeat to walk back wave by wave)')
    .option('--all-waves', 'fleet releases: roll back every wave that received the new version, in one commit'))
    .action((name: string, opts: MoveFlags & { allWaves?: boolean }) => {
      if (isGroup(name)) {
        if (opts.allWaves) throw new UsageError(`--all-waves applies to releases with fleet:; release group ${name} has none: drop --all-waves`);
        return goGroup(name, GROUP_PLANNERS.abort, opts);
      }
      const plain: Planner = (r) => {
        if (opts.allWaves) throw new UsageError(`--all-waves applies to releases with fleet:; release ${r.model.name} has none: drop --all-waves`);
        return abort(r.model);
      };
      return go(name, plain, opts, 'abort', (r) => abortFleet(r.model, !!opts.allWaves));
    });
}
