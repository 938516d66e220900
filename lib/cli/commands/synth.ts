import { Command } from 'commander';
import { formatProblem, SpecProblem } from '../../spec/errors';
import { loadProjectWithConfig, projectPaths, renderProject, synthProject } from '../../synth/project';
import * as path from 'path';
import { Git, NotARepositoryError, readTreeAt } from '../../git';
import { gateTransition } from '../../review/transition-gate';
import { UsageError } from '../../spec/errors';
import { CliContext } from '../context';
import { withCommandLock } from '../../moves';
import { EXIT_OK } from '../output';

/** `synth` and `validate`. */
export function register(program: Command, ctx: CliContext): void {
  const onWarning = (p: SpecProblem) => ctx.io.err(`warning: ${formatProblem(p)}`);
  program.command('synth')
    .description('validate and lint every release and write dist/ (atomically; nothing is written on error)')
    .option('-o, --output <dir>', 'output folder', process.env.CDK8S_OUTDIR ?? 'dist')
    .action(async (opts: { output: string }) => {
      // under the repository lock: a move or another synth never writes dist/ at the same time
      const r = await withCommandLock(ctx.root(), async () => synthProject(projectPaths(ctx.root(), opts.output), { onWarning }));
      ctx.io.out(`synthesized ${r.releases.length} release(s)${r.groups.length ? ` and ${r.groups.length} release group(s)` : ''}, ${r.files} file(s) into ${opts.output}/`);
      ctx.setCode(EXIT_OK);
    });

  program.command('validate')
    .description('validate every release spec (schema, cross-field rules, router limits) and cdk8s-canary.yaml, lint the objects they generate, and check that syncing them from HEAD\'s dist/ is safe at every instant under Argo CD and Flux; writes nothing')
    .action(async () => {
      const paths = projectPaths(ctx.root());
      const { releases, groups, config } = loadProjectWithConfig(paths);
      const files = renderProject(releases, config, groups, { onWarning }); // lints, and renders the Argo CD and Flux roots: their object names must not clash
      const head = await headDist(paths.root, path.relative(paths.root, paths.distDir) || 'dist');
      if (head) {
        const gate = gateTransition(head, files);
        if (gate.refusals.length) throw new UsageError(`the change from HEAD's dist/ is not safe to sync:\n${gate.refusals.map((r) => `  ${r}`).join('\n')}`);
        const states = gate.report.states.argocd + gate.report.states.flux;
        if (states) ctx.io.out(`syncing from HEAD: ${gate.report.states.argocd} Argo CD and ${gate.report.states.flux} Flux state(s), no failing request, no canary above its share before and after`);
      }
      ctx.io.out(`${releases.length} release(s)${groups.length ? ` and ${groups.length} release group(s)` : ''} valid`);
      ctx.setCode(EXIT_OK);
    });
}

/** dist/ at HEAD, or undefined outside a git repository or before the first commit. */
async function headDist(root: string, dist: string): Promise<Map<string, string> | undefined> {
  let git: Git;
  try { git = await Git.open(root); } catch (e) { if (e instanceof NotARepositoryError) return undefined; throw e; }
  const head = await git.tryRun(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.code !== 0) return undefined;
  return readTreeAt(git, head.stdout.trim(), path.relative(git.root, path.resolve(root, dist)).split(path.sep).join('/'));
}
