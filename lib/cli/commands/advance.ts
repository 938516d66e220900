import { Command } from 'commander';
import { shownValue } from '../../analysis/run';
import { runAdvance } from '../../moves';
import { CliContext } from '../context';
import { moveLines, printEvent } from '../move-output';
import { EXIT_FAILURE, EXIT_OK } from '../output';

/** `advance [release...]`: the controller-free loop of a scheduled CI job (lib/moves/advance.ts). */
export function register(program: Command, ctx: CliContext): void {
  program.command('advance')
    .description('for every running canary with an analysis section (releases and release groups, or those named): abort when its analysis fails, step (or promote at the last rung with analysis.autoPromote; for a group, next through the promotion stages) when its soak is over and the analysis passes, else nothing with the reason; a fleet release in its current wave, and between waves it opens the next wave (next-wave) only when that wave has autoOpen, the promoted wave has soaked its minSoak and its analysis passes; one lock, at most one commit per release; exit 0 done, 1 an analysis could not run or a move failed, 2 bad input')
    .argument('[release...]', 'releases and release groups to look at (default: all)')
    .option('--dry-run', 'say what would be done; change nothing')
    .option('--push', 'push the moves (never forced; if the remote moved, the moves are re-run on it, and a release someone else moved is left alone)')
    .option('-m, --message <text>', 'extra text for the commit message bodies')
    .action(async (names: string[], opts: { push?: boolean; dryRun?: boolean; message?: string }) => {
      const r = await runAdvance(ctx.root(), names, opts, { onEvent: (e) => printEvent(ctx, e) });
      for (const s of r.skipped) ctx.io.out(`${s.release}: nothing to do: ${s.reason}`);
      for (const t of r.turns) {
        if (t.failure) ctx.io.err(`${t.release}: ${t.failure}`);
        for (const m of t.report?.metrics ?? []) ctx.io.out(`${t.release}: ${m.name} ${shownValue(m)} (${m.condition.replace(/\s+/g, ' ')}) ${m.verdict}${m.verdict === 'pass' ? '' : `: ${m.reason}`}`);
        if (t.decision.action === 'wait') { ctx.io.out(`${t.release}: nothing to do: ${t.decision.reason}`); continue; }
        ctx.io.out(`${t.release}: ${t.decision.action}: ${t.decision.reason}`);
        if (t.outcome) for (const line of moveLines(t.outcome)) ctx.io.out(line);
        if (t.moveError) ctx.io.err(`${t.release}: the ${t.decision.action} failed: ${t.moveError}`);
      }
      if (r.pushedTo) ctx.io.out(`pushed to ${r.pushedTo}`);
      const n = (a: string) => r.turns.filter((t) => t.decision.action === a).length;
      if (!r.turns.length && !names.length) ctx.io.out('advance: no running canary has an analysis section; nothing to do');
      else ctx.io.out(`advance: ${r.turns.length} running canar${r.turns.length === 1 ? 'y' : 'ies'} with analysis: ${n('abort')} abort, ${n('step')} step, ${n('promote')} promote, ${n('next-wave') ? `${n('next-wave')} next-wave, ` : ''}${n('wait')} waiting${opts.dryRun ? ' (dry run: nothing written)' : ''}`);
      ctx.setCode(r.failed ? EXIT_FAILURE : EXIT_OK);
    });
}
