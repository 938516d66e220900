import { Command } from 'commander';
import { AnalysisReport, shownValue } from '../../analysis/run';
import { MissingCredentialError } from '../../analysis/providers/provider';
import {
  analysisSubject, analysisWindow, analyzeNow, applyMove, ChangedOutcome, MoveFlags, MoveGate, MoveOutcome, MoveSession, precomputedAnalysisGate,
  pushWithRetry, releaseMove, soakGate, weightLineCommit, withMoveSession,
} from '../../moves';
import { abort, AdvanceDecision, decideAdvance, nextMoveOf, promote, releaseNamed, soakingRung, soakState, stateOf, step } from '../../rollout';
import { UsageError } from '../../spec/errors';
import { LoadedRelease } from '../../spec/loader';
import { cacheCompiledValidators } from '../../spec/schemas';
import { loadProjectSpecs } from '../../synth/project';
import { CliContext } from '../context';
import { moveLines, printEvent } from '../move-output';
import { EXIT_FAILURE, EXIT_OK } from '../output';

interface AdvanceFlags {
  readonly push?: boolean;
  readonly dryRun?: boolean;
  readonly message?: string;
}

/** One release's turn in an advance run. */
interface Turn {
  readonly release: LoadedRelease;
  readonly decision: AdvanceDecision;
  readonly report?: AnalysisReport;
  /** Why the analysis could not run (it then counts as an error). */
  readonly failure?: string;
}

/** `advance [release...]`: the controller-free loop of a scheduled CI job. */
export function register(program: Command, ctx: CliContext): void {
  program.command('advance')
    .description('for every running canary with an analysis section (or the releases named): abort when its analysis fails, step (or promote at the last rung with analysis.autoPromote) when its soak is over and the analysis passes, else nothing with the reason; one lock, at most one commit per release; exit 0 done, 1 an analysis could not run or a move failed, 2 bad input')
    .argument('[release...]', 'releases to look at (default: every release)')
    .option('--dry-run', 'say what would be done; change nothing')
    .option('--push', 'push the moves (never forced; if the remote moved, the moves are re-run on it, and a release someone else moved is left alone)')
    .option('-m, --message <text>', 'extra text for the commit message bodies')
    .action(async (names: string[], opts: AdvanceFlags) => ctx.setCode(await advance(ctx, names, opts)));
}

/**
 * Runs one advance: under the repository lock (none for --dry-run), loads every spec, decides per
 * running canary (lib/rollout/advance.ts) from its soak (git blame of the weight line) and its
 * analysis (run concurrently for all), applies the moves one commit each with the analysis report
 * as their gate, and pushes once. Idempotent: a move resets its release's window and soak, so the
 * next run waits; a second run at the same time fails at the lock, and a run elsewhere loses the
 * push race without moving a release twice.
 */
export async function advance(ctx: CliContext, names: readonly string[], opts: AdvanceFlags): Promise<number> {
  const flags: MoveFlags = { commit: true, ...(opts.dryRun ? { dryRun: true } : {}), ...(opts.message !== undefined ? { message: opts.message } : {}) };
  return withMoveSession(ctx.root(), { readOnly: !!opts.dryRun, onEvent: (e) => printEvent(ctx, e) }, async (s) => {
    cacheCompiledValidators(s.cacheDir);
    const { releases } = loadProjectSpecs(s.paths);
    const chosen = names.length ? [...new Set(names)].map((n) => releaseNamed(releases, n)) : releases;
    for (const r of chosen) {
      if (names.length && !r.model.canary) ctx.io.out(`${r.model.name}: nothing to do: no canary running`);
      else if (names.length && !r.model.spec.analysis) ctx.io.out(`${r.model.name}: nothing to do: no analysis section (advance moves only canaries that metrics judge)`);
    }
    const running = chosen.filter((r) => r.model.canary && r.model.spec.analysis);
    if (!running.length) {
      if (!names.length) ctx.io.out('advance: no running canary has an analysis section; nothing to do');
      return EXIT_OK;
    }
    const turns = await Promise.all(running.map((r) => decide(s, r)));
    s.mark('analysis');
    let code = EXIT_OK;
    const moved: { turn: Turn; outcome: ChangedOutcome }[] = [];
    for (const t of turns) {
      const name = t.release.model.name;
      if (t.failure) { ctx.io.err(`${name}: ${t.failure}`); code = EXIT_FAILURE; }
      for (const m of t.report?.metrics ?? []) ctx.io.out(`${name}: ${m.name} ${shownValue(m)} (${m.condition.replace(/\s+/g, ' ')}) ${m.verdict}${m.verdict === 'pass' ? '' : `: ${m.reason}`}`);
      if (t.decision.action === 'wait') {
        if (t.decision.why === 'error') code = EXIT_FAILURE;
        ctx.io.out(`${name}: nothing to do: ${t.decision.reason}`);
        continue;
      }
      ctx.io.out(`${name}: ${t.decision.action}: ${t.decision.reason}`);
      try {
        const outcome = await applyTurn(s, t, flags);
        for (const line of moveLines(outcome)) ctx.io.out(line);
        if (outcome.status !== 'unchanged') moved.push({ turn: t, outcome });
      } catch (e) {
        ctx.io.err(`${name}: the ${t.decision.action} failed: ${e instanceof Error ? e.message : String(e)}`);
        code = EXIT_FAILURE;
      }
    }
    const committed = moved.filter((m) => m.outcome.status === 'committed');
    if (opts.push && committed.length) {
      const pushed = await pushWithRetry(s, {
        name: committed.map((m) => m.outcome.name).join(', '),
        label: committed.length === 1 ? committed[0].outcome.label : `releases ${committed.map((m) => m.outcome.name).join(', ')}`,
        specPaths: committed.map((m) => m.outcome.specPath),
        redo: async () => {
          let last: MoveOutcome | undefined;
          for (const m of committed) last = await applyTurn(s, m.turn, flags);
          return last && last.status === 'committed' ? last : undefined;
        },
      });
      ctx.io.out(`pushed to ${pushed.where}`);
    }
    const n = (a: string) => turns.filter((t) => t.decision.action === a).length;
    ctx.io.out(`advance: ${turns.length} running canar${turns.length === 1 ? 'y' : 'ies'} with analysis: ${n('abort')} abort, ${n('step')} step, ${n('promote')} promote, ${n('wait')} waiting${opts.dryRun ? ' (dry run: nothing written)' : ''}`);
    return code;
  });
}

/** The decision for one release: its soak and (above 0%) its analysis, now. */
async function decide(s: MoveSession, r: LoadedRelease): Promise<Turn> {
  const m = r.model;
  const canary = m.canary as NonNullable<typeof m.canary>;
  const specPath = r.file;
  const rung = soakingRung(canary.weight, m.steps);
  let soakRemainingSeconds = 0;
  if (rung) {
    const entered = await weightLineCommit(s.git, r, specPath);
    const now = Date.now() / 1000;
    soakRemainingSeconds = soakState(rung.step.minSoakSeconds, entered?.time ?? now, now).remainingSeconds;
  }
  const base = { weight: canary.weight, weightTotal: m.weightTotal, next: nextMoveOf(stateOf(m.spec), m.steps), soakRemainingSeconds, autoPromote: !!m.spec.analysis?.autoPromote };
  if (canary.weight === 0) return { release: r, decision: decideAdvance(base) };
  try {
    const subject = analysisSubject({ release: r });
    const window = await analysisWindow(s.git, s.paths.root, subject);
    const report = await analyzeNow(subject, window);
    return { release: r, report, decision: decideAdvance({ ...base, verdict: report.verdict }) };
  } catch (e) {
    if (e instanceof MissingCredentialError) throw new UsageError(e.message);
    if (e instanceof UsageError) throw e;
    return { release: r, failure: `the analysis could not run: ${e instanceof Error ? e.message : String(e)}`, decision: decideAdvance({ ...base, verdict: 'error' }) };
  }
}

/** Applies a turn's move, its analysis report as the analysis gate (the soak gate still checks). */
function applyTurn(s: MoveSession, t: Turn, flags: MoveFlags): Promise<MoveOutcome> {
  const planner = t.decision.action === 'abort' ? abort : t.decision.action === 'promote' ? promote : step;
  const why: MoveGate = { name: 'advance', check: () => ({ trailers: [['Advance', t.decision.reason]] }) };
  const gates: MoveGate[] = [soakGate, ...(t.report ? [precomputedAnalysisGate(t.report)] : []), why];
  return applyMove(s, releaseMove(t.release.model.name, (rel) => planner(rel.model)), flags, { gates });
}

