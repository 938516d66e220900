/** Rendering traffic for people: shares as percentages, one-line summaries, and the `traffic` text table. */
import { EntryTraffic, Flow } from './model';

/** Share per app and version over all hops, in order of first appearance. */
export function summarize(flows: readonly Flow[]): { app: string; versions: { version: string; share: number }[] }[] {
  const apps = new Map<string, Map<string, number>>();
  for (const f of flows) {
    const a = apps.get(f.app) ?? new Map<string, number>();
    a.set(f.version, (a.get(f.version) ?? 0) + f.share);
    apps.set(f.app, a);
  }
  return [...apps].map(([app, v]) => ({ app, versions: [...v].map(([version, share]) => ({ version, share: round(share) })) }));
}

/** A share as a percentage: `75%`, `0.5%`, `33.33%`. */
export function pct(share: number): string {
  return `${Math.round(share * 10000) / 100}%`;
}

/** `guestbook v0 75% / v1 25%; redis 7.2 100%`. */
export function summaryLine(flows: readonly Flow[]): string {
  return summarize(flows).map((a) => `${a.app} ${a.versions.map((v) => `${v.version} ${pct(v.share)}`).join(' / ')}`).join('; ') || 'no backends';
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** `host/path`, or `host = /exact`, `* /api`. */
export function entryLabel(e: Pick<EntryTraffic, 'host' | 'path'>): string {
  return e.path.startsWith('/') && e.host !== '*' ? `${e.host}${e.path}` : `${e.host} ${e.path}`;
}

/** Aligns rows of cells into columns (two spaces apart; the last column is not padded). */
export function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

function flowRows(flows: readonly Flow[]): string[][] {
  return flows.map((f) => [String(f.hop), f.app, f.version, pct(f.share), f.workload ?? (f.note === 'external' ? `external ${f.service}` : `${f.service} (no pods)`), f.hop > 1 ? `via ${f.via}` : `${f.service}${f.subset ? ` subset ${f.subset}` : ''}`]);
}

/** The text table `cdk8s-canary traffic` prints. */
export function renderTrafficText(entries: readonly EntryTraffic[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (out.length) out.push('');
    out.push(`${entryLabel(e)}  (${e.objects.join(', ')})`);
    out.push(`  users: ${summaryLine(e.flows)}`);
    out.push(...columns([['HOP', 'APP', 'VERSION', 'SHARE', 'WORKLOAD', 'VIA'], ...flowRows(e.flows)], '  '));
    for (const t of e.testers) out.push(`  tester-only, ${t.condition}: ${summaryLine(t.flows)}`);
    for (const n of e.notes) out.push(`  note: ${n}`);
  }
  return out;
}
