import { Command, CommanderError } from 'commander';
import * as advance from './commands/advance';
import * as analyze from './commands/analyze';
import * as group from './commands/group';
import * as migrate from './commands/migrate';
import * as review from './commands/review';
import * as rollout from './commands/rollout';
import * as status from './commands/status';
import * as synth from './commands/synth';
import * as verify from './commands/verify';
import { CliContext } from './context';
import { checkTestHooks } from '../crash-point';
import { recoverRepository } from '../moves/recover';
import { EXIT_OK, EXIT_USAGE, Io, processIo, reportError } from './output';

/** Every command group: one file each in ./commands, one line here. */
const COMMANDS: readonly { register(program: Command, ctx: CliContext): void }[] = [
  synth,
  status,
  rollout,
  migrate,
  verify,
  group,
  review,
  analyze,
  advance,
];

/** Builds the command tree. Commands report their exit code through `ctx.setCode`. */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('cdk8s-canary')
    .description('Git-native canary releases: release specs in releases/ -> Kubernetes YAML in dist/, one commit per move')
    .option('-C <dir>', 'repository root (default: the current directory)')
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .exitOverride()
    .showHelpAfterError();
  const ctx: CliContext = { io, setCode, root: () => (program.opts() as { C?: string }).C ?? process.cwd() };
  for (const c of COMMANDS) c.register(program, ctx);
  // Before any command runs: the root exists, and what an interrupted command left is repaired.
  program.hook('preAction', async (_root, action) => {
    for (const note of await recoverRepository(ctx.root(), (action.opts() as { output?: unknown }).output)) io.err(note);
  });
  return program;
}

/** Runs the CLI on argv (as process.argv); resolves to the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    checkTestHooks(); // a stray CDK8S_CANARY_CRASH_AT is refused before anything runs
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    return reportError(e, io);
  }
}
