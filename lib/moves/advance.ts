/**
 * `advance`: the controller-free loop of a scheduled CI job, as one function below the CLI. Under
 * one repository lock (none for a dry run) it loads every spec, decides per running canary with an
 * `analysis:` section (lib/rollout/advance.ts) from its soak (git blame of the weight line) and its
 * analysis (run concurrently for all), applies the moves one commit each with the report as their
 * analysis gate (plus an `Advance:` trailer saying why), and pushes once with the race logic of
 * push.ts; release groups with an `analysis:` section take the same loop (advance-group.ts). A
 * fleet release moves in its current wave; between waves it is judged on the promoted wave
 * (decideWaveOpening: next-wave only for a wave with `autoOpen`). Every move gate runs (soak, sync
 * safety), the analysis gate being the report decided on.
 * Idempotent: a move re-opens its release's window and soak, so the next run waits; a
 * second run at the same time fails at the lock; a run in another clone loses the push race
 * without moving a release twice.
 */
import { AnalysisReport } from '../analysis/run';
import {
  abort, abortFleet, AdvanceDecision, AnalysisVerdict, decideAdvance, decideWaveOpening, describeWave, nextMoveOf, nextWave, promote, promoteFleet,
  releaseNamed, soakingRung, soakState, stateOf, step, stepFleet,
} from '../rollout';
import { fleetPosition } from '../spec/fleet';
import { SpecError, UsageError } from '../spec/errors';
import { LoadedRelease } from '../spec/loader';
import { cacheCompiledValidators } from '../spec/schemas';
import { loadProjectSpecs } from '../synth/project';
import { advanceGates, advanceGroups, applyGroupTurn, decideGroup } from './advance-group';
import { analysisSubject, analysisWindow, analyzeNow } from './analysis';
import { MissingCredentialSpecError } from './analysis-errors';
import { applyMove, ChangedOutcome, checkCommitMessageText, MoveFlags, MoveOutcome } from './engine';
import { checkPushTarget, pushWithRetry } from './push';
import { releaseMove } from './release';
import { MoveSession, SessionOptions, withMoveSession } from './session';
import { weightLineCommit } from './soak-gate';

/** Options of one advance. */
export interface AdvanceOptions {
  /** Say what would be done; change nothing (no lock). @default false */
  readonly dryRun?: boolean;
  /** Push the moves (never forced). @default false */
  readonly push?: boolean;
  /** Extra text for the commit bodies. @default - none */
  readonly message?: string;
}

/** One release's (or release group's) turn. */
export interface AdvanceTurn {
  /** The release's name, or the group's. */
  readonly release: string;
  /** `group` for a release group (advance-group.ts). @default 'release' */
  readonly kind?: 'release' | 'group';
  readonly decision: AdvanceDecision;
  /** The analysis run (absent at 0%, or when it could not run). */
  readonly report?: AnalysisReport;
  /** Why the analysis could not run. */
  readonly failure?: string;
  /** The move's outcome, when one was applied. */
  readonly outcome?: MoveOutcome;
  /** Why the move failed (files put back; other releases still moved). */
  readonly moveError?: string;
}

/** What an advance did. */
export interface AdvanceResult {
  /** Named releases skipped, with why (no canary, no analysis section). */
  readonly skipped: readonly { readonly release: string; readonly reason: string }[];
  readonly turns: readonly AdvanceTurn[];
  /** `origin/main` when pushed. */
  readonly pushedTo?: string;
  /** Whether an analysis could not run or a move failed (exit 1). */
  readonly failed: boolean;
}

/**
 * Runs one advance over `names` (releases and release groups; default: all of them) in the repository at `root`.
 * @throws UsageError / SpecError (exit 2): an unknown release, an invalid spec, a credential
 *   missing from the environment; lock and push errors as `withMoveSession` and `pushWithRetry`
 */
export async function runAdvance(root: string, names: readonly string[], opts: AdvanceOptions, session: Omit<SessionOptions, 'readOnly'> = {}): Promise<AdvanceResult> {
  const flags: MoveFlags = { commit: true, ...(opts.dryRun ? { dryRun: true } : {}), ...(opts.message !== undefined ? { message: opts.message } : {}) };
  checkCommitMessageText(opts.message);
  return withMoveSession(root, { ...session, readOnly: !!opts.dryRun }, async (s) => {
    if (opts.push && !opts.dryRun) await checkPushTarget(s);
    cacheCompiledValidators(s.cacheDir);
    const { releases, groups } = loadProjectSpecs(s.paths);
    const grouped = advanceGroups(groups, names);
    const releaseNames = names.filter((n) => !groups.some((g) => g.model.name === n));
    const chosen = names.length ? [...new Set(releaseNames)].map((n) => releaseNamed(releases, n, groups.map((g) => g.model.name), '`advance`')) : releases;
    const skipped = names.length ? [...chosen.flatMap((r) => (!inProgress(r) ? [{ release: r.model.name, reason: r.model.fleet ? 'no rollout in progress' : 'no canary running' }]
      : !r.model.spec.analysis ? [{ release: r.model.name, reason: 'no analysis section (advance moves only canaries that metrics judge)' }] : [])), ...grouped.skipped] : [];
    const running = chosen.filter((r) => inProgress(r) && r.model.spec.analysis);
    const decided = await Promise.all([...running.map((r) => decide(s, r)), ...grouped.running.map((g) => decideGroup(s, g))]);
    s.mark('analysis');
    const turns: AdvanceTurn[] = [];
    let failed = decided.some((t) => t.failure || (t.decision.action === 'wait' && t.decision.why === 'error'));
    for (const t of decided) {
      if (t.decision.action === 'wait') { turns.push(t); continue; }
      try {
        turns.push({ ...t, outcome: await applyTurn(s, t, flags) });
      } catch (e) {
        if (e instanceof MissingCredentialSpecError) throw e;
        turns.push({ ...t, moveError: e instanceof Error ? e.message : String(e) });
        failed = true;
      }
    }
    const committed = turns.filter((t) => t.outcome?.status === 'committed');
    let pushedTo: string | undefined;
    if (opts.push && committed.length) {
      const outcomes = committed.map((t) => t.outcome as ChangedOutcome);
      const pushed = await pushWithRetry(s, {
        name: outcomes.map((o) => o.name).join(', '),
        label: outcomes.length === 1 ? outcomes[0].label : `releases ${outcomes.map((o) => o.name).join(', ')}`,
        specPaths: outcomes.map((o) => o.specPath),
        redo: async () => {
          let last: MoveOutcome | undefined;
          for (const t of committed) last = await applyTurn(s, t, flags);
          return last && last.status === 'committed' ? last : undefined;
        },
      });
      pushedTo = pushed.where;
    }
    s.reportTiming();
    return { skipped, turns, ...(pushedTo ? { pushedTo } : {}), failed };
  });
}

/** Whether a release has something for advance: a canary, or a fleet between two waves. */
function inProgress(r: LoadedRelease): boolean {
  return !!r.model.canary || (!!r.model.fleet && fleetPosition(r.model.spec, r.model.fleet).phase === 'promoted');
}

/**
 * The decision for one release: its soak and (above 0%) its analysis, now. A fleet release is judged
 * in its current wave (lib/moves/analysis.ts: the wave's clusters): its canary on the wave's ladder,
 * or, between waves, the promoted wave before the next one opens (decideWaveOpening).
 */
async function decide(s: MoveSession, r: LoadedRelease): Promise<AdvanceTurn> {
  const m = r.model;
  const release = m.name;
  const now = Date.now() / 1000;
  const soakLeft = async (minSeconds: number, field: readonly (string | number)[]) => {
    const entered = await s.git.lastCommitTouchingLine(r.file, r.source.locate(field).line);
    return soakState(minSeconds, entered?.time ?? now, now).remainingSeconds;
  };
  let judge: (verdict?: AnalysisVerdict) => AdvanceDecision;
  let analyzes: boolean;
  if (m.fleet) {
    const fleet = m.fleet;
    const pos = fleetPosition(m.spec, fleet);
    const n = fleet.waves.length;
    const w = fleet.waves[pos.wave - 1];
    if (!w.analysis) {
      return { release, decision: { action: 'wait', why: 'no-analysis', reason: `${describeWave(w, n)} turns the analysis off (analysis: false): its moves are a person's` } };
    }
    if (pos.phase === 'canary') {
      const canary = m.canary!;
      const rung = soakingRung(canary.weight, w.steps);
      const base = {
        weight: canary.weight, weightTotal: m.weightTotal, next: nextMoveOf(stateOf(m.spec), w.steps),
        soakRemainingSeconds: rung ? await soakLeft(rung.step.minSoakSeconds, ['canary', 'weight']) : 0, autoPromote: !!m.spec.analysis?.autoPromote, release: m.name,
      };
      judge = (verdict) => {
        const d = decideAdvance({ ...base, ...(verdict ? { verdict } : {}) });
        return { ...d, reason: `${describeWave(w, n)}: ${d.reason}` };
      };
      analyzes = canary.weight > 0;
    } else {
      const next = fleet.waves[pos.wave];
      const soakRemainingSeconds = w.minSoakSeconds ? await soakLeft(w.minSoakSeconds, ['fleet', 'promoted', 'wave']) : 0;
      const promotedAt = await s.git.lastCommitTouchingLine(r.file, r.source.locate(['fleet', 'promoted', 'wave']).line);
      const lastEdit = await s.git.lastCommitTouching(r.file);
      const changedSincePromote = !!promotedAt && !!lastEdit && lastEdit.sha !== promotedAt.sha;
      judge = (verdict) => decideWaveOpening({
        release, ...(verdict ? { verdict } : {}), soakRemainingSeconds, autoOpen: next.autoOpen, changedSincePromote, file: r.file,
        promoted: describeWave(w, n), next: describeWave(next, n),
      });
      analyzes = true;
    }
  } else {
    const canary = m.canary as NonNullable<typeof m.canary>;
    const rung = soakingRung(canary.weight, m.steps);
    let soakRemainingSeconds = 0;
    if (rung) {
      const entered = await weightLineCommit(s.git, r, r.file);
      soakRemainingSeconds = soakState(rung.step.minSoakSeconds, entered?.time ?? now, now).remainingSeconds;
    }
    const base = { weight: canary.weight, weightTotal: m.weightTotal, next: nextMoveOf(stateOf(m.spec), m.steps), soakRemainingSeconds, autoPromote: !!m.spec.analysis?.autoPromote, release: m.name };
    judge = (verdict) => decideAdvance({ ...base, ...(verdict ? { verdict } : {}) });
    analyzes = canary.weight > 0;
  }
  if (!analyzes) return { release, decision: judge() };
  try {
    const subject = analysisSubject({ release: r });
    const report = await analyzeNow(subject, await analysisWindow(s.git, s.paths.root, subject));
    return { release, report, decision: judge(report.verdict) };
  } catch (e) {
    // bad input (a missing credential, a spec the analysis cannot run on): exit 2, not an analysis that could not run
    if (e instanceof UsageError || e instanceof SpecError) throw e;
    return { release, failure: `the analysis could not run: ${e instanceof Error ? e.message : String(e)}`, decision: judge('error') };
  }
}

/**
 * Applies a turn's move (a fleet release's on its current wave; a group's through advance-group.ts),
 * with every move gate (soak, sync safety; advanceGates), the analysis gate being the report the
 * decision was made on when one ran.
 */
function applyTurn(s: MoveSession, t: AdvanceTurn, flags: MoveFlags): Promise<MoveOutcome> {
  if (t.kind === 'group') return applyGroupTurn(s, t, flags);
  const a = t.decision.action;
  const planner = a === 'abort' ? abort : a === 'promote' ? promote : a === 'step' ? step : undefined;
  const fleetPlanner = a === 'abort' ? abortFleet : a === 'promote' ? promoteFleet : a === 'next-wave' ? nextWave : stepFleet;
  return applyMove(s, releaseMove(t.release, planner && ((rel) => planner(rel.model)), (rel) => fleetPlanner(rel.model)), flags, { gates: advanceGates(t) });
}
