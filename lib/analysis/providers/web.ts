import { JSONPath } from 'jsonpath-plus';
import { WebModel } from '../model';
import { renderTemplate } from '../template';
import { AnalysisError, httpRequest, Measured, MeasureRequest, MetricProvider, parseNumber, redact, resolveHeaders } from './provider';

/**
 * Any HTTP endpoint answering JSON (Argo Rollouts' `web` provider): the url (values URL-encoded),
 * headers and body are templates; `jsonPath` (jsonpath-plus) picks the values out of the answer.
 * Each match must be a number or a numeric string, or a list of them; `null` and NaN count as no
 * data. Any other status than 2xx, a body that is not JSON or a non-numeric match: error.
 */
export const webProvider: MetricProvider<WebModel> = {
  async measure(req: MeasureRequest<WebModel>): Promise<Measured> {
    const p = req.provider;
    const values = req.query !== undefined ? { ...req.values, query: req.query } : req.values;
    const url = renderTemplate(p.url, values, encodeURIComponent);
    const body = p.body ? renderTemplate(p.body, values) : undefined;
    const what = `web provider (metric ${req.metric.name})`;
    const headers = { 'Accept': 'application/json', ...resolveHeaders(req.metric.name, p.headers, values, req.env) };
    const res = await httpRequest(what, url, { method: p.method, headers, ...(body !== undefined ? { body } : {}), timeoutSeconds: p.timeoutSeconds });
    const sent = `${p.method} ${redact(url)}`;
    if (res.status < 200 || res.status > 299) {
      throw new AnalysisError(`${what}: ${sent} answered HTTP ${res.status}${res.text.trim() ? ` (${res.text.trim().slice(0, 200)})` : ''}`);
    }
    let json: unknown;
    try { json = JSON.parse(res.text); } catch {
      throw new AnalysisError(`${what}: ${sent} did not answer JSON (${res.text.trim().slice(0, 100) || 'empty body'}); the web provider reads numbers from a JSON answer`);
    }
    const matches = JSONPath({ path: p.jsonPath, json: json as object, wrap: true }) as unknown[];
    const out: number[] = [];
    for (const m of matches.flatMap((x) => (Array.isArray(x) ? x : [x]))) {
      if (m === null) continue;
      const n = parseNumber(m);
      if (n === undefined) throw new AnalysisError(`${what}: ${sent} gave the non-numeric value ${JSON.stringify(m).slice(0, 100)} at ${p.jsonPath}; point jsonPath at a number`);
      if (!Number.isNaN(n)) out.push(n);
    }
    return { values: out, sent };
  },
};
