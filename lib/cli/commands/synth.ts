import { setFlagsFromString } from 'v8';
import { Command } from 'commander';
import { synthRepository, validateRepository } from '../../moves/synth';
import { validateOne } from '../../moves/validate-one';
import { formatProblem, SpecProblem, UsageError } from '../../spec/errors';
import { cliCommand } from '../../spec/hints';
import { CliContext } from '../context';
import { EXIT_OK } from '../output';

/**
 * A whole-project synth or validate is a short batch process that allocates a lot and keeps little:
 * let V8 grow the young generation no further than its initial size and the old one by 60% per
 * collection (instead of doubling), so the heap follows what is live. 1000 releases then peak near
 * 130 MB instead of 200 MB, for ~10% more CPU; `--optimize-for-size` (used before) saves as much
 * memory but costs ~35% more CPU, as it also makes V8 optimize less (measured with scripts/bench.js
 * on this repository's synth). Both flags are read at every collection, so setting them when such a
 * command starts works, and no other command pays for loading node:v8.
 */
export function favourSmallHeap(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=60');
}

/** `synth` and `validate`. */
export function register(program: Command, ctx: CliContext): void {
  const onWarning = (p: SpecProblem) => ctx.io.err(`warning: ${formatProblem(p)}`);
  program.command('synth')
    .description('validate and lint every release and write dist/ (atomically; nothing is written on error)')
    .option('-o, --output <dir>', 'output folder', 'dist') // never $CDK8S_OUTDIR: only the cdk8s CLI's run of main.ts reads it
    .action(async (opts: { output: string }) => {
      favourSmallHeap();
      // under the repository lock: a move or another synth never writes dist/ at the same time
      const r = await synthRepository(ctx.root(), opts.output, { onWarning });
      ctx.io.out(`synthesized ${r.releases.length} release(s)${r.groups.length ? ` and ${r.groups.length} release group(s)` : ''}, ${r.files} file(s) into ${opts.output}/`);
      ctx.setCode(EXIT_OK);
    });

  program.command('validate [name]')
    .description('validate every release spec (schema, cross-field rules, router limits) and cdk8s-canary.yaml, lint the objects they generate, and check that syncing them from HEAD\'s dist/ (or --from REV\'s) is safe at every instant under Argo CD and Flux; with a name, that spec and cdk8s-canary.yaml only, without synthesizing (fast at any number of releases); writes nothing')
    .option('--from <rev>', 'check the sync from this revision\'s dist/ instead of HEAD\'s: a PR\'s merge base in CI, or the commit before a committed `git revert`')
    .action(async (name: string | undefined, opts: { from?: string }) => {
      if (name !== undefined && opts.from !== undefined) throw new UsageError(`validate ${name} checks one spec without synthesizing, so it has no sync to check from ${opts.from}: drop ${name} to check the whole project from ${opts.from}`);
      if (name !== undefined) {
        const one = validateOne(ctx.root(), name);
        ctx.io.out(`${one.kind} ${name} valid (${one.file})`);
        ctx.setCode(EXIT_OK);
        return;
      }
      favourSmallHeap();
      const r = await validateRepository(ctx.root(), { onWarning, ...(opts.from === undefined ? {} : { from: opts.from }) });
      const states = r.sync ? r.sync.states.argocd + r.sync.states.flux : 0;
      if (r.sync && states) ctx.io.out(`syncing from ${r.from}: ${r.sync.states.argocd} Argo CD and ${r.sync.states.flux} Flux state(s), no failing request, no canary above its share before and after`);
      ctx.io.out(`${r.releases} release(s)${r.groups ? ` and ${r.groups} release group(s)` : ''} valid`);
      if (r.stale) {
        const shown = r.stale.slice(0, 5).map((f) => `dist/${f}`).join(', ');
        ctx.io.err(`warning: dist/ is not what the specs synthesize (${r.stale.length} file(s): ${shown}${r.stale.length > 5 ? ', ...' : ''}); run ${cliCommand('synth')} and commit dist/ with the specs`);
      }
      ctx.setCode(EXIT_OK);
    });
}
