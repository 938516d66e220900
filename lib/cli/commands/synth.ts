import { Command } from 'commander';
import { synthRepository, validateRepository } from '../../moves/synth';
import { formatProblem, SpecProblem } from '../../spec/errors';
import { CliContext } from '../context';
import { EXIT_OK } from '../output';

/** `synth` and `validate`. */
export function register(program: Command, ctx: CliContext): void {
  const onWarning = (p: SpecProblem) => ctx.io.err(`warning: ${formatProblem(p)}`);
  program.command('synth')
    .description('validate and lint every release and write dist/ (atomically; nothing is written on error)')
    .option('-o, --output <dir>', 'output folder', process.env.CDK8S_OUTDIR ?? 'dist')
    .action(async (opts: { output: string }) => {
      // under the repository lock: a move or another synth never writes dist/ at the same time
      const r = await synthRepository(ctx.root(), opts.output, { onWarning });
      ctx.io.out(`synthesized ${r.releases.length} release(s)${r.groups.length ? ` and ${r.groups.length} release group(s)` : ''}, ${r.files} file(s) into ${opts.output}/`);
      ctx.setCode(EXIT_OK);
    });

  program.command('validate')
    .description('validate every release spec (schema, cross-field rules, router limits) and cdk8s-canary.yaml, lint the objects they generate, and check that syncing them from HEAD\'s dist/ is safe at every instant under Argo CD and Flux; writes nothing')
    .action(async () => {
      const r = await validateRepository(ctx.root(), { onWarning });
      const states = r.sync ? r.sync.states.argocd + r.sync.states.flux : 0;
      if (r.sync && states) ctx.io.out(`syncing from HEAD: ${r.sync.states.argocd} Argo CD and ${r.sync.states.flux} Flux state(s), no failing request, no canary above its share before and after`);
      ctx.io.out(`${r.releases} release(s)${r.groups ? ` and ${r.groups} release group(s)` : ''} valid`);
      ctx.setCode(EXIT_OK);
    });
}
