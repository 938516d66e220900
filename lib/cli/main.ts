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
import { escapeControls } from '../spec/errors';
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

/** Commands that only read: they never repair or change a file (an interrupted move is left to the next writer). */
export const READ_ONLY_COMMANDS: readonly string[] = ['status', 'diff', 'traffic', 'validate', 'verify'];

/** Builds the command tree. Commands report their exit code through `ctx.setCode`. */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('cdk8s-canary')
    .description('Git-native canary releases: release specs in releases/ -> Kubernetes YAML in dist/, one commit per move')
    .option('-C <dir>', 'repository root (default: the current directory)')
    // commander's own messages quote the arguments given: their control characters are escaped (not its line breaks)
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '').split('\n').map(escapeControls).join('\n')) })
    .exitOverride()
    .showHelpAfterError();
  const ctx: CliContext = { io, setCode, root: () => (program.opts() as { C?: string }).C ?? process.cwd() };
  for (const c of COMMANDS) c.register(program, ctx);
  // Before any command runs: the root exists, and what an interrupted command left is repaired.
  program.hook('preAction', async (_root, action) => {
    const readOnly = READ_ONLY_COMMANDS.includes(action.name());
    for (const note of await recoverRepository(ctx.root(), (action.opts() as { output?: unknown }).output, { readOnly })) io.err(note);
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
