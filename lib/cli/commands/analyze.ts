import { Command } from 'commander';
import { AnalysisReport, shownValue } from '../../analysis/run';
import { formatDuration } from '../../rollout';
import { AnalysisSubject, AnalysisWindow, analyzeRelease } from '../../moves/analysis';
import { CliContext } from '../context';
import { EXIT_FAILURE, EXIT_OK } from '../output';

/** Exit code of `analyze` when the analysis is inconclusive (no data, too few samples, window too short). */
export const EXIT_INCONCLUSIVE = 3;

/** The exit code of a verdict: 0 pass, 1 fail or error (could not measure), 3 inconclusive. */
export function exitCodeOf(verdict: AnalysisReport['verdict']): number {
  return verdict === 'pass' ? EXIT_OK : verdict === 'inconclusive' ? EXIT_INCONCLUSIVE : EXIT_FAILURE;
}

/** `analyze <release> [--json]`. */
export function register(program: Command, ctx: CliContext): void {
  program.command('analyze')
    .description("run a release's (or release group's) metric analysis now and print, per metric, the query as sent, the value, the condition and the verdict: exit 0 pass, 1 fail (or a query failed), 3 inconclusive, 2 bad input")
    .argument('<release>', 'release or release group name (releases/<name>.yaml)')
    .option('--json', 'print the report as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const { subject, window, report } = await analyzeRelease(ctx.root(), name);
      if (opts.json) ctx.io.out(JSON.stringify(reportJson(subject, window, report), null, 2));
      else for (const line of reportLines(subject, window, report)) ctx.io.out(line);
      ctx.setCode(exitCodeOf(report.verdict));
    });
}

/** The report as printed: a header, one table row per metric, the reasons of what did not pass, the verdict. */
export function reportLines(s: AnalysisSubject, w: AnalysisWindow, r: AnalysisReport): string[] {
  const since = new Date(w.start * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const out = [
    `analyze ${s.name}: ${s.describe}; window from ${since} (${w.commit.sha.slice(0, 7)} "${w.commit.subject}"${w.startDelaySeconds ? ` + startDelay ${formatDuration(w.startDelaySeconds)}` : ''}), ${r.now > w.start ? formatDuration(r.now - w.start) : 'not open yet'}`,
  ];
  const rows = r.metrics.map((m) => [m.name, shownValue(m), m.condition.replace(/\s+/g, ' '), m.verdict, m.query.replace(/\s+/g, ' ').trim()]);
  out.push(...table(['METRIC', 'VALUE', 'CONDITION', 'VERDICT', 'QUERY'], rows));
  for (const m of r.metrics) if (m.verdict !== 'pass') out.push(`${m.name}: ${m.verdict}: ${m.reason}`);
  const n = (v: string) => r.metrics.filter((m) => m.verdict === v).length;
  out.push(`analyze ${s.name}: ${r.verdict} (${r.metrics.length} metric(s): ${n('pass')} pass, ${n('fail')} fail, ${n('inconclusive')} inconclusive, ${n('error')} error)`);
  return out;
}

/** The report of `analyze --json`. */
export function reportJson(s: AnalysisSubject, w: AnalysisWindow, r: AnalysisReport): unknown {
  return {
    release: s.name,
    kind: s.kind,
    verdict: r.verdict,
    canary: { version: s.target.canary.version, weight: s.target.weight },
    window: { start: new Date(w.start * 1000).toISOString(), startUnix: w.start, commit: w.commit.sha, subject: w.commit.subject, startDelaySeconds: w.startDelaySeconds, seconds: Math.max(0, r.now - w.start) },
    now: new Date(r.now * 1000).toISOString(),
    metrics: r.metrics.map((m) => ({
      name: m.name, provider: m.provider, query: m.query, condition: m.condition, value: shownValue(m), verdict: m.verdict, reason: m.reason,
      measurements: m.measurements.map((x) => ({ ...x, time: new Date(x.time * 1000).toISOString(), timeUnix: x.time })),
    })),
  };
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === head.length - 1 ? 0 : r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

