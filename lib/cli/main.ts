import { Command, CommanderError, Option } from 'commander';
import * as advance from './commands/advance';
import * as analyze from './commands/analyze';
import * as group from './commands/group';
import * as migrate from './commands/migrate';
import * as review from './commands/review';
import * as rollout from './commands/rollout';
import * as scaffold from './commands/new';
import * as status from './commands/status';
import * as synth from './commands/synth';
import * as verify from './commands/verify';
import { strictOptions } from './args';
import { CliContext } from './context';
import { checkTestHooks } from '../crash-point';
import { findProjectRoot, findProjectRootForNew } from '../moves/project-root';
import { pendingRepair } from '../moves/places';
import { recoverRepository } from '../moves/recover';
import { CLI } from '../spec/hints';
import { escapeControls } from '../spec/errors';
import { packageVersion } from '../version';
import { EXIT_OK, EXIT_USAGE, Io, processIo, reportError } from './output';

/** Every command group: one file each in ./commands, one line here. */
const COMMANDS: readonly { register(program: Command, ctx: CliContext): void }[] = [
  scaffold,
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

/** Commands that run anywhere: they read no project. */
const PROJECTLESS = new Set(['help']);

/** Commands that only read: they never repair or change a file (an interrupted move is left to the next writer). */
export const READ_ONLY_COMMANDS: readonly string[] = ['status', 'diff', 'traffic', 'validate', 'verify'];

/**
 * Builds the command tree. Commands report their exit code through `ctx.setCode`.
 *
 * Program options (`-C DIR`, `-V/--version`) come before the command (commander's positional
 * options), so a command's own `--version` (`start NAME --version VERSION`) is the command's; `-C DIR` is
 * also accepted after the command. Before any command runs, the project root is found like git finds
 * its repository (walking up from `-C DIR` or the current directory to the folder holding
 * `releases/` or `cdk8s-canary.yaml`), and what an interrupted command left is repaired.
 */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('cdk8s-canary')
    .description('Git-native canary releases: release specs in releases/ -> Kubernetes YAML in dist/, one commit per move')
    .version(packageVersion(), '-V, --version', 'print the version of cdk8s-canary')
    .option('-C <dir>', 'run as if started in DIR (the project is found from there, as git does)')
    .enablePositionalOptions()
    // commander's own messages quote the arguments given: their control characters are escaped (not its line breaks)
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '').split('\n').map(escapeControls).join('\n')) })
    .exitOverride()
    .helpCommand(false);
  let root: string | undefined;
  const ctx: CliContext = {
    io,
    setCode,
    root: () => {
      if (root === undefined) throw new Error('internal: the project root is read before the command started');
      return root;
    },
  };
  for (const c of COMMANDS) c.register(program, ctx);
  program.command('help [command]')
    .description('display help for a command')
    .action(async (name: string | undefined) => {
      if (name === undefined) { program.outputHelp(); return; }
      const cmd = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
      if (cmd) { cmd.outputHelp(); return; }
      // commander's own "unknown command 'x' (Did you mean y?)", as for `cdk8s-canary x`
      await buildProgram(io, setCode).parseAsync([name], { from: 'user' });
    });
  for (const c of program.commands) {
    c.addOption(new Option('-C <dir>').hideHelp()).exitOverride();
    c.showHelpAfterError(`(${CLI} help ${c.name()} shows its arguments and options)`);
  }
  program.showHelpAfterError(`(${CLI} --help lists the commands)`);
  strictOptions(program);
  program.hook('preAction', async (_program, action) => {
    if (PROJECTLESS.has(action.name())) return;
    const start = (action.opts() as { C?: string }).C ?? (program.opts() as { C?: string }).C ?? '.';
    root = action.name() === 'new' ? findProjectRootForNew(start) : findProjectRoot(start);
    const readOnly = READ_ONLY_COMMANDS.includes(action.name());
    const output = (action.opts() as { output?: unknown }).output;
    // the usual case (nothing to repair) is told from the file system: the repair is loaded only when needed
    if (pendingRepair(root, output)) for (const note of await recoverRepository(root, output, { readOnly })) io.err(note);
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
