import { PrometheusModel } from '../model';
import { AnalysisError, httpRequest, Measured, MeasureRequest, MetricProvider, parseNumber, resolveHeaders } from './provider';

/**
 * Prometheus (and the Prometheus-compatible APIs of Thanos Query, Mimir and Cortex): an instant
 * query, `POST <address>/api/v1/query` with `query` and `time` form fields, as documented at
 * https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries. The answer's
 * `vector` gives one value per series (ordered by their label sets, so `result[0]` is stable), a
 * `scalar` one value; NaN values (0/0 where nothing was served) are dropped, so they count as no
 * data. A range vector or a string is not a measurement: error. With `range` (compare test:
 * mannWhitney) it is a range query, `POST <address>/api/v1/query_range`, and every point counts.
 */
export const prometheusProvider: MetricProvider<PrometheusModel> = {
  async measure(req: MeasureRequest<PrometheusModel>): Promise<Measured> {
    const p = req.provider;
    const query = req.query ?? '';
    const what = `Prometheus (metric ${req.metric.name})`;
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json', ...resolveHeaders(req.metric.name, p.headers, req.values, req.env) };
    const r = req.range;
    const body = new URLSearchParams(r ? { query, start: r.start.toFixed(3), end: r.end.toFixed(3), step: `${r.step}s` } : { query, time: req.time.toFixed(3) }).toString();
    const url = `${p.address}/api/v1/${r ? 'query_range' : 'query'}`;
    const res = await httpRequest(what, url, { method: 'POST', headers, body, timeoutSeconds: p.timeoutSeconds });
    let json: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: unknown } } | undefined;
    try { json = JSON.parse(res.text); } catch { json = undefined; }
    if (res.status < 200 || res.status > 299) {
      const detail = json?.error ? `${json.errorType ?? 'error'}: ${json.error}` : res.text.trim().slice(0, 300);
      throw new AnalysisError(`${what} at ${url} answered HTTP ${res.status}${detail ? ` (${detail})` : ''} to the query ${JSON.stringify(query)}`);
    }
    if (!json || json.status !== 'success' || !json.data) {
      throw new AnalysisError(`${what} at ${url} did not answer with a Prometheus API result (${res.text.trim().slice(0, 200) || 'empty body'}); is the address the query API (for Mimir, include its /prometheus prefix)?`);
    }
    return { values: r ? seriesValues(json.data.resultType, json.data.result, what, query) : valuesOf(json.data.resultType, json.data.result, what, query), sent: query };
  },
};

function valuesOf(type: string | undefined, result: unknown, what: string, query: string): number[] {
  const num = (v: unknown): number => {
    const n = parseNumber(v);
    if (n === undefined) throw new AnalysisError(`${what}: the query ${JSON.stringify(query)} gave the non-numeric value ${JSON.stringify(v)}`);
    return n;
  };
  switch (type) {
    case 'scalar': {
      const n = num((result as [number, string])[1]);
      return Number.isNaN(n) ? [] : [n];
    }
    case 'vector': {
      const series = (result as { metric: Record<string, string>; value: [number, string] }[])
        .map((s) => ({ key: labelKey(s.metric), value: num(s.value[1]) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return series.map((s) => s.value).filter((n) => !Number.isNaN(n));
    }
    case 'matrix':
      throw new AnalysisError(`${what}: the query ${JSON.stringify(query)} gives a range vector, not a value per series; wrap it in a function such as rate(...[{{window}}]) or sum_over_time(...[{{window}}])`);
    default:
      throw new AnalysisError(`${what}: the query ${JSON.stringify(query)} gives a ${type ?? 'missing'} result, not numbers`);
  }
}

/**
 * The points of a range query (https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries):
 * every series' values, series ordered by their label sets and each in time order; NaN dropped.
 */
function seriesValues(type: string | undefined, result: unknown, what: string, query: string): number[] {
  if (type !== 'matrix') throw new AnalysisError(`${what}: the range query ${JSON.stringify(query)} gives a ${type ?? 'missing'} result, not series`);
  const num = (v: unknown): number => {
    const n = parseNumber(v);
    if (n === undefined) throw new AnalysisError(`${what}: the query ${JSON.stringify(query)} gave the non-numeric value ${JSON.stringify(v)}`);
    return n;
  };
  return (result as { metric: Record<string, string>; values: [number, string][] }[])
    .map((s) => ({ key: labelKey(s.metric), values: s.values.map((v) => num(v[1])) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .flatMap((s) => s.values)
    .filter((n) => !Number.isNaN(n));
}

function labelKey(metric: Record<string, string>): string {
  return Object.keys(metric).sort().map((k) => `${k}=${metric[k]}`).join(',');
}
