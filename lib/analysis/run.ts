import { fmt, judgeAnalysis, judgeMeasurement, judgeMetric, MeasurementVerdict, Verdict } from './judge';
import { describeMannWhitney, fmtP, MannWhitneyStats } from './mann-whitney';
import { AnalysisModel, MetricModel } from './model';
import { providerFor } from './providers/registry';
import { AnalysisError, MissingCredentialError } from './providers/provider';
import { renderTemplate, TemplateValues } from './template';

/** The names a track has in the cluster (template variables). */
export interface TrackNames {
  readonly namespace: string;
  readonly service: string;
  readonly workload: string;
  readonly version: string;
}

/** What is analysed: a release's (or a group entry's) canary and its stable track. */
export interface AnalysisTarget {
  readonly release: string;
  /** Current canary weight in percent, as text (`25`, `0.5`). */
  readonly weight: string;
  readonly stable: TrackNames;
  readonly canary: TrackNames;
  /** A fleet release's wave under analysis (the fleet template variables). @default - not a fleet */
  readonly fleet?: FleetTarget;
}

/** The clusters a fleet release's analysis is about (README "Fleet"). */
export interface FleetTarget {
  /** Name of the wave under analysis. */
  readonly wave: string;
  /** Its clusters: where the canary track runs. */
  readonly clusters: readonly string[];
  /**
   * Where the stable baseline of `compare: stable` runs when not in the same clusters: between waves,
   * the promoted wave runs the new version as stable and the next wave still runs the old one.
   * @default - the wave's own clusters (a canary inside a wave)
   */
  readonly baselineClusters?: readonly string[];
  /** The one cluster of a per-cluster run ({{cluster}}). @default - every cluster of the wave */
  readonly cluster?: string;
}

/** When and with what the analysis runs. */
export interface AnalysisRun {
  /** Start of the window (seconds since the epoch): the commit that set the weight, plus startDelay. */
  readonly windowStart: number;
  /** Time of the last measurement. @default - now */
  readonly now?: number;
  /** Where credentials (valueFrom.env) are read. @default - process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** One measurement of one metric. */
export interface MeasurementReport {
  /** Seconds since the epoch. */
  readonly time: number;
  /** False when the time is before the window opened (not measured). */
  readonly taken: boolean;
  readonly result?: readonly number[];
  readonly baseline?: readonly number[];
  readonly samples?: { readonly canary: number; readonly stable?: number };
  readonly verdict?: Verdict;
  readonly reason?: string;
  /** The canary query as sent (PromQL, or METHOD URL). */
  readonly query?: string;
  /** The Mann-Whitney statistics, with compare test: mannWhitney (result and baseline are then the two series). */
  readonly test?: MannWhitneyStats;
}

/** One metric's outcome. */
export interface MetricReport {
  readonly name: string;
  readonly provider: 'prometheus' | 'web';
  /** The canary query of the last measurement, as sent (PromQL, or METHOD URL). */
  readonly query: string;
  /** The condition(s), as written. */
  readonly condition: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly measurements: readonly MeasurementReport[];
}

/** An analysis's outcome. */
export interface AnalysisReport {
  readonly verdict: Verdict;
  readonly windowStart: number;
  readonly now: number;
  readonly metrics: readonly MetricReport[];
}

/**
 * Runs every metric of an analysis: `count` measurements per metric, `interval` apart, the last at
 * `now`; each measurement queries at its own time over the window from `windowStart` to that time
 * (`{{window}}`). Measurement times at or before `windowStart` are not taken (the window holds no
 * traffic of this weight yet). All queries run concurrently. Failures to measure become the
 * verdict `error` with the reason; only a credential missing from the environment throws
 * (MissingCredentialError: bad input).
 */
export async function runAnalysis(model: AnalysisModel, target: AnalysisTarget, run: AnalysisRun): Promise<AnalysisReport> {
  const now = Math.floor(run.now ?? Date.now() / 1000);
  const env = run.env ?? process.env;
  // a fleet wave whose templates name {{cluster}}: every metric once per cluster, `name@cluster`, each must pass
  const f = target.fleet;
  const runs = f && model.perCluster
    ? f.clusters.map((c) => ({ target: { ...target, fleet: { ...f, cluster: c } }, suffix: `@${c}` }))
    : [{ target, suffix: '' }];
  const metrics = await Promise.all(runs.flatMap((r) => model.metrics.map(async (m) => {
    const out = await runMetric(m, r.target, run.windowStart, now, env);
    return r.suffix ? { ...out, name: `${out.name}${r.suffix}` } : out;
  })));
  return { verdict: judgeAnalysis(metrics.map((m) => m.verdict)), windowStart: run.windowStart, now, metrics };
}

async function runMetric(m: MetricModel, target: AnalysisTarget, windowStart: number, now: number, env: NodeJS.ProcessEnv): Promise<MetricReport> {
  const times = Array.from({ length: m.count }, (_, k) => now - (m.count - 1 - k) * m.intervalSeconds);
  const provider = providerFor(m.provider);
  const measureOne = async (time: number): Promise<MeasurementReport> => {
    let sent: string | undefined;
    if (time <= windowStart) return { time, taken: false };
    const valuesFor = (track: 'canary' | 'stable') => templateValues(target, track, windowStart, time, m.intervalSeconds, m.test?.stepSeconds);
    // compare test: mannWhitney: the query as a series, one point per step from one step after the window opened
    const range = m.test ? { start: Math.floor(windowStart) + m.test.stepSeconds, end: time, step: m.test.stepSeconds } : undefined;
    const query = async (track: 'canary' | 'stable', which: 'query' | 'sampleQuery') => {
      const values = valuesFor(track);
      const t = which === 'query' ? m.query : m.sampleQuery;
      const text = t ? renderTemplate(t, values) : undefined;
      const asSeries = which === 'query' && range;
      if (asSeries && range.start > range.end) { // the window is shorter than one step: no point yet
        if (track === 'canary') sent = text;
        return [];
      }
      const r = await provider.measure({ metric: m, provider: m.provider as never, ...(text !== undefined ? { query: text } : {}), values, time, env, ...(asSeries ? { range } : {}) });
      if (track === 'canary' && which === 'query') sent = r.sent;
      return r.values;
    };
    try {
      const [result, baseline, canarySamples, stableSamples] = await Promise.all([
        query('canary', 'query'),
        m.compare ? query('stable', 'query') : undefined,
        m.sampleQuery ? query('canary', 'sampleQuery') : undefined,
        m.sampleQuery && m.compare ? query('stable', 'sampleQuery') : undefined,
      ]);
      const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
      const samples = canarySamples ? { canary: sum(canarySamples), ...(stableSamples ? { stable: sum(stableSamples) } : {}) } : undefined;
      const v = judgeMeasurement(m, { result, ...(baseline ? { baseline } : {}), ...(samples ? { samples } : {}) });
      return { time, taken: true, result, ...(baseline ? { baseline } : {}), ...(samples ? { samples } : {}), verdict: v.verdict, reason: v.reason, ...(v.test ? { test: v.test } : {}), ...(sent !== undefined ? { query: sent } : {}) };
    } catch (e) {
      if (e instanceof MissingCredentialError || !(e instanceof AnalysisError)) throw e;
      return { time, taken: true, verdict: 'error', reason: e.message, ...(sent !== undefined ? { query: sent } : {}) };
    }
  };
  const measurements = await Promise.all(times.map(measureOne));
  const judged = measurements.filter((x) => x.taken) as (MeasurementReport & MeasurementVerdict)[];
  const verdict = judgeMetric(m, judged, measurements.length - judged.length);
  // the query of the last measurement taken (as sent), or what it would send
  let lastSent = [...measurements].reverse().find((x) => x.query !== undefined)?.query ?? '';
  if (!lastSent && m.query) lastSent = renderTemplate(m.query, templateValues(target, 'canary', windowStart, Math.max(now, windowStart + 1), m.intervalSeconds, m.test?.stepSeconds));
  return {
    name: m.name,
    provider: m.provider.kind,
    query: lastSent,
    condition: m.test ? describeMannWhitney(m.test) : [m.successCondition ? `success: ${m.successCondition.text}` : '', m.failureCondition ? `failure: ${m.failureCondition.text}` : ''].filter(Boolean).join('; '),
    verdict: verdict.verdict,
    reason: verdict.reason,
    measurements,
  };
}

/** The template values of one measurement of one track. */
export function templateValues(target: AnalysisTarget, track: 'canary' | 'stable', windowStart: number, time: number, intervalSeconds: number, stepSeconds = 60): TemplateValues {
  const t = target[track];
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const start = Math.floor(windowStart);
  return {
    release: target.release,
    namespace: t.namespace, service: t.service, workload: t.workload, version: t.version, track,
    stable: { ...target.stable },
    canary: { ...target.canary, weight: target.weight },
    weight: target.weight,
    window: `${Math.max(1, Math.floor(time - start))}s`,
    since: iso(start),
    until: iso(Math.floor(time)),
    sinceUnix: String(start),
    untilUnix: String(Math.floor(time)),
    interval: `${intervalSeconds}s`,
    step: `${stepSeconds}s`,
    ...(target.fleet ? fleetValues(target.fleet, track) : {}),
  };
}

/** The fleet template variables of one track (FLEET_TEMPLATE_VARIABLES): cluster names joined as an RE2 alternation. */
function fleetValues(f: FleetTarget, track: 'canary' | 'stable'): Record<string, string> {
  const pattern = (cs: readonly string[]) => cs.join('|');
  if (track === 'stable' && f.baselineClusters) return { wave: f.wave, cluster: pattern(f.baselineClusters), clusters: pattern(f.baselineClusters) };
  return { wave: f.wave, cluster: f.cluster ?? pattern(f.clusters), clusters: pattern(f.clusters) };
}

/** The value a metric shows in tables and trailers: its last measurement's canary values. */
export function shownValue(r: MetricReport): string {
  const last = [...r.measurements].reverse().find((x) => x.taken && x.result);
  if (last?.test) return `mean ${fmt(last.test.mean.canary)} vs stable ${fmt(last.test.mean.stable)}, p ${fmtP(last.test.pValue)} (n ${last.test.n.canary}/${last.test.n.stable})`;
  if (last?.result && r.condition.startsWith('mannWhitney')) return `${last.result.length}/${last.baseline?.length ?? 0} values`;
  if (!last || !last.result) return r.verdict === 'error' ? 'error' : 'no data';
  if (last.result.length === 0) return 'no data';
  const v = last.result.length === 1 ? fmt(last.result[0]) : `[${last.result.slice(0, 4).map(fmt).join(', ')}${last.result.length > 4 ? ', ...' : ''}]`;
  return last.baseline ? `${v} vs stable ${last.baseline.length === 1 ? fmt(last.baseline[0]) : `[${last.baseline.slice(0, 4).map(fmt).join(', ')}]`}` : v;
}

/** One line per metric for a commit's trailers: `error-rate 0.004 (result[0] <= 0.01) pass`. */
export function analysisTrailers(report: AnalysisReport): [string, string][] {
  return report.metrics.map((r) => ['Analysis', `${r.name} ${shownValue(r)} (${r.condition.replace(/^success: |^failure: /, '')}) ${r.verdict}`.replace(/\s+/g, ' ')]);
}
