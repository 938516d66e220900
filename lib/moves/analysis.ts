import * as fs from 'fs';
import * as path from 'path';
import { requireAnalysisModel, AnalysisModel } from '../analysis/model';
import { MissingCredentialError } from '../analysis/providers/provider';
import { AnalysisReport, AnalysisTarget, analysisTrailers, runAnalysis } from '../analysis/run';
import { Git, NotARepositoryError } from '../git';
import { describeWave, percent } from '../rollout';
import { fleetPosition } from '../spec/fleet';
import { unknownName } from '../synth/spec-index';
import { SpecError, UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { AnalysisRefusedError, MissingCredentialSpecError } from './analysis-errors';
import { GroupMove } from '../rollout/group';
import { groupAnalysisRule } from '../rollout/group-advance';

export { AnalysisRefusedError };
import { LoadedGroup, LoadedRelease, readSpec, specFiles } from '../spec/loader';
import { cacheCompiledValidators } from '../spec/schemas';
import { projectPaths, projectSpecOptions } from '../synth/project';

/**
 * The analysis of one release or release group, as the CLI runs it: what is analysed (the names of
 * both tracks), and where its window starts, read from git. `analyze`, the analysis gate of
 * `step`/`promote` and `advance` share it.
 */
export interface AnalysisSubject {
  readonly name: string;
  readonly kind: 'release' | 'group';
  /** Spec file, relative to the repository root. */
  readonly file: string;
  readonly analysis: AnalysisModel;
  readonly target: AnalysisTarget;
  /** Field paths of the lines whose last commit starts the window (the weight; a group's stage and weight). */
  readonly weightPaths: readonly (readonly (string | number)[])[];
  readonly source: LoadedRelease['source'];
  /** `canary 1.1.0 at 25%` for messages. */
  readonly describe: string;
}

/** Where an analysis window starts. */
export interface AnalysisWindow {
  /** Seconds since the epoch: the commit time plus startDelay. */
  readonly start: number;
  /** The commit that set the current weight. */
  readonly commit: { readonly sha: string; readonly time: number; readonly subject: string };
  readonly startDelaySeconds: number;
}

/** Loads releases/<name>.yaml (a release or a release group) with the project's checks; exit 2 when absent. */
export function loadNamedSpec(root: string, name: string): { release: LoadedRelease } | { group: LoadedGroup } {
  const paths = projectPaths(root);
  const files = specFiles(paths.releasesDir);
  const file = files.find((f) => path.basename(f).replace(/\.ya?ml$/, '') === name);
  if (!file) {
    const known = files.map((f) => path.basename(f).replace(/\.ya?ml$/, ''));
    throw unknownName(name, known, 'release or group', paths.releasesDir);
  }
  const r = readSpec(file, projectSpecOptions(paths)); // a fleet is resolved against cdk8s-canary.yaml's clusters
  if ('problems' in r) throw new SpecError(r.problems);
  return r;
}

/** The refusal of a spec with no `analysis:` section, at the spec's top level (where the section goes). */
function noAnalysis(spec: LoadedRelease | LoadedGroup, kind: 'release' | 'release group'): SpecError {
  return new SpecError([spec.source.problem(['analysis'], `${kind} ${spec.model.name} has no analysis section, so there is nothing to analyze`,
    'add analysis: {metrics: [...]} (see the README, "Metric analysis without a controller")')]);
}

/**
 * The subject of an analysis; throws SpecError (exit 2) when the spec has no `analysis:` section (at
 * its top level), UsageError (exit 2) when no canary runs (a group outside stages 2-4).
 */
export function analysisSubject(spec: { release: LoadedRelease } | { group: LoadedGroup }): AnalysisSubject {
  if ('release' in spec && spec.release.model.fleet) return fleetAnalysisSubject(spec.release);
  if ('release' in spec) {
    const r = spec.release;
    const m = r.model;
    if (!m.spec.analysis) throw noAnalysis(r, 'release');
    if (!m.canary) throw new UsageError(`release ${m.name} has no canary running, so there is nothing to analyze; start one first: ${cliCommand(`start ${m.name} --version VERSION`)}`);
    const pct = percent(m.canary.weight, m.weightTotal);
    return {
      name: m.name, kind: 'release', file: r.file, source: r.source,
      analysis: requireAnalysisModel(m.spec.analysis),
      target: {
        release: m.name,
        weight: pct.replace(/%$/, ''),
        stable: { namespace: m.stable.namespace, service: m.stable.serviceName, workload: m.stable.name, version: m.stable.version },
        canary: { namespace: m.canary.namespace, service: m.canary.serviceName, workload: m.canary.name, version: m.canary.version },
      },
      weightPaths: [['canary', 'weight']],
      describe: `canary ${m.canary.version} at ${pct}`,
    };
  }
  const g = spec.group;
  const m = g.model;
  if (!m.spec.analysis) throw noAnalysis(g, 'release group');
  if (m.stage < 2 || m.stage > 4) throw new UsageError(`release group ${m.name} is at stage ${m.stage}/6, where no canary runs (canaries run at stages 2-4), so there is nothing to analyze`);
  const entry = m.apps.find((a) => a.name === m.entry);
  if (!entry) throw new Error(`internal: entry ${m.entry} of group ${m.name} is not one of its apps`);
  const weight = m.stage === 2 ? 0 : m.stage === 4 ? 100 : (m.weight ?? 0);
  return {
    name: m.name, kind: 'group', file: g.file, source: g.source,
    analysis: requireAnalysisModel(m.spec.analysis),
    target: {
      release: m.name,
      weight: String(weight),
      stable: { namespace: entry.project, service: entry.name, workload: entry.name, version: entry.version },
      canary: { namespace: entry.project, service: entry.canaryName, workload: entry.canaryName, version: entry.newVersion ?? entry.version },
    },
    weightPaths: m.stage === 3 ? [['stage'], ['weight']] : [['stage']],
    describe: `stage ${m.stage}/6, ${entry.name} canary ${entry.newVersion ?? entry.version} at ${weight}%`,
  };
}

/**
 * The subject of a fleet release's analysis (README "Fleet"), in the context of its current wave:
 * - a wave running the canary: the canary against the stable track, in the wave's clusters
 *   (`{{clusters}}`; once per cluster when a template uses `{{cluster}}`), window from the weight commit;
 * - between waves (the wave promoted, the next not open): the wave's production track, which runs
 *   the promoted version, with the next wave's production track (still the old version) as the
 *   `compare: stable` baseline, window from the promote commit (the `fleet.promoted.wave` line).
 * Throws UsageError (exit 2) when no rollout is in progress, SpecError (exit 2, at the field) when the
 * wave has `analysis: false`.
 */
function fleetAnalysisSubject(r: LoadedRelease): AnalysisSubject {
  const m = r.model;
  const fleet = m.fleet!;
  if (!m.spec.analysis) throw noAnalysis(r, 'release');
  const pos = fleetPosition(m.spec, fleet);
  const n = fleet.waves.length;
  if (pos.phase === 'idle') throw new UsageError(`release ${m.name} has no rollout in progress (every cluster of its fleet runs ${m.stable.version}), so there is nothing to analyze; start one first: ${cliCommand(`start ${m.name} --version VERSION`)}`);
  const w = fleet.waves[pos.wave - 1];
  if (!w.analysis) {
    throw new SpecError([r.source.problem(['fleet', 'waves', w.index - 1, 'analysis'], `wave ${w.index}/${n} (${w.name}) of release ${m.name} turns the analysis off, so there is nothing to analyze there`,
      `remove analysis: false from the wave to let the analysis judge it, or judge this wave without analyze (its moves are a person's)`, false)]);
  }
  const analysis = requireAnalysisModel(m.spec.analysis, { fleet: true });
  const prod = { namespace: m.stable.namespace, service: m.stable.serviceName, workload: m.stable.name };
  if (pos.phase === 'canary') {
    const c = m.canary!;
    const pct = percent(c.weight, m.weightTotal);
    return {
      name: m.name, kind: 'release', file: r.file, source: r.source, analysis,
      target: {
        release: m.name,
        weight: pct.replace(/%$/, ''),
        stable: { ...prod, version: m.stable.version },
        canary: { namespace: c.namespace, service: c.serviceName, workload: c.name, version: c.version },
        fleet: { wave: w.name, clusters: w.clusters },
      },
      weightPaths: [['canary', 'weight']],
      describe: `canary ${c.version} at ${pct} in ${describeWave(w, n)}`,
    };
  }
  const p = fleet.promoted!;
  const next = fleet.waves[pos.wave];
  return {
    name: m.name, kind: 'release', file: r.file, source: r.source, analysis,
    target: {
      release: m.name,
      weight: '100',
      stable: { ...prod, version: m.stable.version },
      canary: { ...prod, version: p.version },
      fleet: { wave: w.name, clusters: w.clusters, baselineClusters: next.clusters },
    },
    weightPaths: [['fleet', 'promoted', 'wave']],
    describe: `${p.version} promoted in ${describeWave(w, n)}, before ${describeWave(next, n)} opens`,
  };
}

/**
 * The window of a subject: from the last commit that changed its weight line (git blame at HEAD,
 * the way the soak time is read), plus startDelay. Throws UsageError when the spec is not in git or
 * its weight line is not committed (the window would have no start).
 */
export async function analysisWindow(git: Git, root: string, s: AnalysisSubject): Promise<AnalysisWindow> {
  const specRel = path.relative(git.root, fs.realpathSync(path.resolve(root, s.file))).split(path.sep).join('/');
  if ((await git.status([specRel])).length) {
    throw new UsageError(`${s.file} differs from its last commit; the analysis window starts at the commit that set the weight, so commit the spec first (or git stash)`);
  }
  let best: AnalysisWindow['commit'] | undefined;
  for (const p of s.weightPaths) {
    const c = await git.lastCommitTouchingLine(specRel, s.source.locate(p).line);
    if (c && (!best || c.time > best.time)) best = c;
  }
  if (!best) throw new UsageError(`cannot tell from git when the weight of ${s.name} was set (${s.file} has no commit for that line); commit the spec first`);
  return { start: best.time + s.analysis.startDelaySeconds, commit: best, startDelaySeconds: s.analysis.startDelaySeconds };
}

/**
 * Opens the repository of `root` for an analysis and turns on the compiled-validator cache in its
 * git dir (as the moves do: loading a spec then costs ~10 ms instead of compiling the schemas).
 * Throws UsageError outside git: the window starts at a commit.
 */
export async function openForAnalysis(root: string): Promise<Git> {
  let git: Git;
  try {
    git = await Git.open(root);
  } catch (e) {
    if (e instanceof NotARepositoryError) throw new UsageError(`${e.message}; the analysis window starts at the commit that set the weight, so the specs must be in git`);
    throw e;
  }
  if (!process.env.CDK8S_CANARY_NO_CACHE) cacheCompiledValidators(path.join(git.gitDir, 'cdk8s-canary'));
  return git;
}

/** Runs a subject's analysis over its window now. */
export async function analyzeNow(s: AnalysisSubject, w: AnalysisWindow, now?: number): Promise<AnalysisReport> {
  try {
    return await runAnalysis(s.analysis, s.target, { windowStart: w.start, ...(now !== undefined ? { now } : {}) });
  } catch (e) {
    throw e instanceof MissingCredentialError ? credentialProblem(s, e) : e;
  }
}

/**
 * A credential missing from the environment, as bad input positioned in the spec that asks for it
 * (`releases/workshop.yaml:64:20: analysis.metrics[0].provider.prometheus.headers[0].valueFrom.env:
 * ...`), naming the release or group: `advance` runs many analyses, and the bare variable did not
 * say whose. Exit 2.
 */
export function credentialProblem(s: AnalysisSubject, e: MissingCredentialError): MissingCredentialSpecError {
  const whose = `the analysis of ${s.kind === 'group' ? 'release group' : 'release'} ${s.name}`;
  const d = e.detail;
  return new MissingCredentialSpecError(d
    ? s.source.problem(['analysis', ...(d.at ?? [])], `${whose} reads header ${d.header} (metric ${d.metric}) from an environment variable that is not set`, `export ${d.variable} (a CI secret) before running the analysis`, d.variable)
    : s.source.problem(['analysis'], `${whose}: ${e.message}`, 'export the variable before running the analysis'));
}

/** What the analysis gate adds to a move it lets pass. */
export interface AnalysisGateResult {
  readonly trailers: [string, string][];
  readonly warnings: string[];
  /** The analysis run, when one ran. */
  readonly report?: AnalysisReport;
}

/**
 * The analysis gate of `step` and `promote` (and of `advance`'s moves): when the release has an
 * `analysis:` section and its canary serves user traffic (weight above 0), the analysis runs over
 * its window now; the move goes on when it passes, its results as `Analysis:` trailers. On fail,
 * error or inconclusive the move is refused (AnalysisRefusedError: exit 1, 1, 3) unless `force`,
 * which records `Analysis-Override: <verdict> (--force)`. `precomputed` reuses a report (advance
 * already ran it). Other moves (start, set-weight, abort) pass untouched.
 */
export async function analysisGateCheck(git: Git, root: string, release: LoadedRelease, move: 'start' | 'step' | 'set-weight' | 'promote' | 'next-wave' | 'abort', opts: { force: boolean; precomputed?: AnalysisReport; now?: number }): Promise<AnalysisGateResult> {
  const m = release.model;
  const none: AnalysisGateResult = { trailers: [], warnings: [] };
  if (!m.spec.analysis) return none;
  if (m.fleet) {
    // a fleet: step and promote inside the current wave, and next-wave out of a promoted wave (its analysis)
    const pos = fleetPosition(m.spec, m.fleet);
    const gated = ((move === 'step' || move === 'promote') && pos.phase === 'canary') || (move === 'next-wave' && pos.phase === 'promoted');
    if (!gated) return none;
    const w = m.fleet.waves[pos.wave - 1];
    if (!w.analysis) return { trailers: [['Analysis', `skipped in wave ${w.index}/${m.fleet.waves.length} (${w.name}): analysis: false`]], warnings: [] };
    if (pos.phase === 'canary' && m.canary!.weight === 0) return { trailers: [['Analysis', 'skipped at 0% (no user traffic to judge; the smoke checks gate this move)']], warnings: [] };
  } else {
    if ((move !== 'step' && move !== 'promote') || !m.canary) return none;
    if (m.canary.weight === 0) return { trailers: [['Analysis', 'skipped at 0% (no user traffic to judge; the smoke checks gate this move)']], warnings: [] };
  }
  return gateOnSubject(git, root, analysisSubject({ release }), move, opts);
}

/**
 * The analysis gate of a release group's move (rules in lib/rollout/group-advance.ts
 * `groupAnalysisRule`): `step`, and `next` from stages 3 and 4, run the analysis of the entry app's
 * canary and refuse or pass as for a release; `next` from stage 2, from a 0% split or from stage 5
 * is recorded as skipped; other moves pass untouched.
 */
export async function groupAnalysisGateCheck(git: Git, root: string, group: LoadedGroup, mv: GroupMove, opts: { force: boolean; precomputed?: AnalysisReport; now?: number }): Promise<AnalysisGateResult> {
  const rule = groupAnalysisRule(group.model, mv);
  if (rule.kind === 'none') return { trailers: [], warnings: [] };
  if (rule.kind === 'skip') return { trailers: [['Analysis', rule.reason]], warnings: [] };
  return gateOnSubject(git, root, analysisSubject({ group }), mv.verb, opts);
}

/** Runs (or reuses) a subject's analysis and lets the move pass, refuses it, or records --force. */
async function gateOnSubject(git: Git, root: string, subject: AnalysisSubject, move: string, opts: { force: boolean; precomputed?: AnalysisReport; now?: number }): Promise<AnalysisGateResult> {
  let report = opts.precomputed;
  if (!report) {
    const window = await analysisWindow(git, root, subject);
    try {
      report = await analyzeNow(subject, window, opts.now);
    } catch (e) {
      throw e;
    }
  }
  const trailers = analysisTrailers(report);
  if (report.verdict === 'pass') return { trailers, warnings: [], report };
  // a fleet's analysis names the wave it judged (`canary 1.1.0 at 25% in wave 2/3 (eu)`)
  const name = subject.kind === 'group' ? `release group ${subject.name}` : subject.target.fleet ? `${subject.name} (${subject.describe})` : subject.name;
  const reasons = report.metrics.filter((x) => x.verdict !== 'pass').map((x) => `${x.name}: ${x.verdict}: ${x.reason}`);
  if (opts.force) {
    return { trailers: [...trailers, ['Analysis-Override', `${report.verdict} (--force)`]], warnings: [`the analysis of ${name} is ${report.verdict}, moving on anyway (--force): ${reasons.join('; ')}`], report };
  }
  const code = report.verdict === 'inconclusive' ? 3 : 1;
  const what = report.verdict === 'inconclusive' ? 'is inconclusive' : report.verdict === 'fail' ? 'failed' : 'could not be measured';
  throw new AnalysisRefusedError(`${move} refused: the analysis of ${name} ${what}; nothing was changed or committed\n${reasons.join('\n')}\n${report.verdict === 'fail' ? `abort it (${cliCommand(`abort ${subject.name}`)}), or pass --force to ${move} anyway` : `wait and retry, or pass --force to ${move} anyway`}`, code);
}

/**
 * `analyze <name>`: loads the release or group, reads its window from git and runs its analysis
 * now. Read-only (no lock).
 * @throws UsageError (exit 2): unknown name, no analysis section, no canary, spec not committed, a
 *   credential missing from the environment; SpecError: an invalid spec
 */
export async function analyzeRelease(root: string, name: string, now?: number): Promise<{ subject: AnalysisSubject; window: AnalysisWindow; report: AnalysisReport }> {
  const git = await openForAnalysis(root);
  const subject = analysisSubject(loadNamedSpec(root, name));
  const window = await analysisWindow(git, root, subject);
  try {
    return { subject, window, report: await analyzeNow(subject, window, now) };
  } catch (e) {
    throw e;
  }
}
