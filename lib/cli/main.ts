import { Command, CommanderError } from 'commander';
import { loadProject, projectPaths, synthProject } from '../synth/project';
import { EXIT_OK, EXIT_USAGE, Io, processIo, reportError } from './output';

/** Options every command accepts. */
export interface GlobalOptions {
  /** Repository root. */
  readonly C?: string;
}

/** Builds the command tree. Commands return exit codes through `setCode`. */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('cdk8s-canary')
    .description('Git-native canary releases: release specs in releases/ -> Kubernetes YAML in dist/, one commit per move')
    .option('-C <dir>', 'repository root (default: the current directory)')
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .exitOverride()
    .showHelpAfterError();

  const root = (): string => (program.opts() as GlobalOptions).C ?? process.cwd();

  program.command('synth')
    .description('validate every release and write dist/ (atomically; nothing is written on error)')
    .option('-o, --output <dir>', 'output folder', process.env.CDK8S_OUTDIR ?? 'dist')
    .action((opts: { output: string }) => {
      const paths = projectPaths(root(), opts.output);
      const r = synthProject(paths);
      io.out(`synthesized ${r.releases.length} release(s), ${r.files} file(s) into ${opts.output}/`);
      setCode(EXIT_OK);
    });

  program.command('validate')
    .description('validate every release spec (schema, cross-field rules, router limits); writes nothing')
    .action(() => {
      const releases = loadProject(projectPaths(root()));
      io.out(`${releases.length} release(s) valid`);
      setCode(EXIT_OK);
    });

  return program;
}

/** Runs the CLI on argv (as process.argv); resolves to the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(e, io);
  }
}
