import { Command } from 'commander';
import { migrationMove, MoveFlags } from '../../moves';
import { CliContext } from '../context';
import { runMoveCommand } from '../move-output';
import { moving } from './rollout';

/** `migrate <release>`: the final move off ingress-nginx (lib/moves/migrate.ts), one commit. */
export function register(program: Command, ctx: CliContext): void {
  moving(program.command('migrate <release>')
    .description('drop the ingress-nginx side of a release moving to the Gateway API (router.migrateTo.gatewayApi): the router becomes gatewayApi, the HTTPRoute stays as it is, the Ingresses go; point DNS at the Gateway first'))
    .action((name: string, opts: MoveFlags) => runMoveCommand(ctx, migrationMove(name), opts));
}
