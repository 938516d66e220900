import { AnalysisSpec, Header, Metric } from '../spec/generated/release';
import { parseDuration } from '../spec/model';
import { compileCondition, Condition } from './condition';
import { FLEET_TEMPLATE_VARIABLES, parseTemplate, Template, TEMPLATE_VARIABLES, WEB_ONLY_VARIABLES } from './template';

/** Defaults of a metric (Argo Rollouts' where it has one: failureLimit 0, inconclusiveLimit 0, count 1). */
export const DEFAULT_COUNT = 1;
export const DEFAULT_INTERVAL_SECONDS = 60;
export const DEFAULT_FAILURE_LIMIT = 0;
export const DEFAULT_INCONCLUSIVE_LIMIT = 0;
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** What a measurement without data counts as. */
export type NoDataVerdict = 'inconclusive' | 'fail' | 'pass';

/** A request header: a literal (template) value, or one read from the environment when the query runs. */
export type HeaderModel =
  | { readonly key: string; readonly value: Template }
  | {
    readonly key: string;
    readonly env: string;
    /** Where it is written, below `analysis` (`metrics[0].provider.prometheus.headers[0].valueFrom.env`), for messages. @default - not known */
    readonly at?: readonly (string | number)[];
  };

/** A Prometheus HTTP API. */
export interface PrometheusModel {
  readonly kind: 'prometheus';
  readonly address: string;
  readonly headers: readonly HeaderModel[];
  readonly timeoutSeconds: number;
}

/** A JSON HTTP endpoint. */
export interface WebModel {
  readonly kind: 'web';
  readonly url: Template;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly headers: readonly HeaderModel[];
  readonly body?: Template;
  /** JSONPath in jsonpath-plus form (`{$.a}` already unwrapped to `$.a`). */
  readonly jsonPath: string;
  readonly timeoutSeconds: number;
}

export type ProviderModel = PrometheusModel | WebModel;

/** Defaults of `compare: {against: stable, test: mannWhitney}` (Kayenta's where it has one: direction either, confidence 0.98). */
export const DEFAULT_MW_STEP_SECONDS = 60;
export const DEFAULT_MW_CONFIDENCE = 0.98;
export const DEFAULT_MW_MIN_SAMPLES = 20;

/**
 * A Mann-Whitney U comparison of the canary's series with the stable track's (Kayenta's judge):
 * `compare: {against: stable, test: mannWhitney, ...}` resolved.
 */
export interface MannWhitneyModel {
  readonly kind: 'mannWhitney';
  /** Range query step, seconds. */
  readonly stepSeconds: number;
  /** Which significant change fails. */
  readonly direction: 'increase' | 'decrease' | 'either';
  /** Significant when the two-sided p-value is below 1 - confidenceLevel. */
  readonly confidenceLevel: number;
  /** Ratio of means (canary / stable) tolerated for a significant increase (>= 1) and decrease (<= 1). */
  readonly allowedIncrease: number;
  readonly allowedDecrease: number;
  /** Fewest values per track. */
  readonly minSamples: number;
}

/** One metric with defaults resolved, templates parsed and conditions compiled. */
export interface MetricModel {
  readonly name: string;
  readonly provider: ProviderModel;
  readonly query?: Template;
  readonly successCondition?: Condition;
  readonly failureCondition?: Condition;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly count: number;
  readonly intervalSeconds: number;
  readonly noData: NoDataVerdict;
  /** Set with either form of `compare` (both run the query for the stable track too). */
  readonly compare?: 'stable';
  /** `compare: {against: stable, test: mannWhitney}`: the test judges the metric (no conditions). */
  readonly test?: MannWhitneyModel;
  readonly sampleQuery?: Template;
  readonly minSamples?: number;
}

/** A release's analysis, resolved. */
export interface AnalysisModel {
  readonly startDelaySeconds: number;
  readonly autoPromote: boolean;
  readonly metrics: readonly MetricModel[];
  /** Whether a template uses `{{cluster}}` (a fleet release's analysis then runs once per cluster of the wave). */
  readonly perCluster: boolean;
}

/** Where an analysis section is. */
export interface AnalysisContext {
  /** The release has `fleet:`, so the fleet template variables (FLEET_TEMPLATE_VARIABLES) exist. @default false */
  readonly fleet?: boolean;
}

/** A problem in an analysis section: the field path below `analysis` and what is wrong. */
export interface AnalysisProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly hint: string;
  readonly value?: unknown;
}

/** Headers that carry credentials: never written as a value in a spec (it is committed). */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|dd-api-key|dd-application-key|x-auth-token)$|token|secret|password|apikey|api-key/i;

/**
 * Resolves an analysis section. Returns the model, or every problem a JSON Schema cannot see:
 * unknown template variables, conditions that do not compile, metrics without a condition,
 * duplicate names, a zero interval, credentials written as header values, a Prometheus metric
 * without query, compare without a sample minimum. Pure.
 */
export function analysisModelOf(spec: AnalysisSpec, context: AnalysisContext = {}): AnalysisModel | { problems: AnalysisProblem[] } {
  const problems: AnalysisProblem[] = [];
  const metrics: MetricModel[] = [];
  const names = new Set<string>();
  const fleetOnly = Object.keys(FLEET_TEMPLATE_VARIABLES);
  const known = [...Object.keys(TEMPLATE_VARIABLES), ...(context.fleet ? fleetOnly : [])];
  let perCluster = false;
  const template = (text: string, at: (string | number)[], extra: readonly string[] = []): Template | undefined => {
    const t = parseTemplate(text, [...known, ...extra]);
    if ('problems' in t) {
      for (const p of t.problems) {
        const v = /^unknown template variable '([^']+)'$/.exec(p.message)?.[1];
        if (v !== undefined && fleetOnly.includes(v)) {
          problems.push({ path: at, message: `template variable '${v}' exists only in releases with fleet: at offset ${p.offset}`, hint: `remove {{${v}}} (${FLEET_TEMPLATE_VARIABLES[v]}), or add fleet: with waves to the release (README "Fleet")`, value: text });
        } else {
          problems.push({ path: at, message: `${p.message} at offset ${p.offset}`, hint: p.hint, value: text });
        }
      }
      return undefined;
    }
    if (t.variables.includes('cluster')) perCluster = true;
    return t;
  };
  const headers = (hs: readonly Header[] | undefined, at: (string | number)[]): HeaderModel[] => (hs ?? []).flatMap((h, i): HeaderModel[] => {
    const here = [...at, 'headers', i];
    if ((h.value === undefined) === (h.valueFrom === undefined)) {
      problems.push({ path: here, message: `header '${h.key}' needs exactly one of value or valueFrom`, hint: 'give value: TEXT, or valueFrom: {env: NAME} for a credential' });
      return [];
    }
    if (h.value !== undefined) {
      if (CREDENTIAL_HEADER.test(h.key)) {
        problems.push({ path: [...here, 'value'], message: `header '${h.key}' carries a credential, and the spec is committed to git`, hint: `read it from the environment: valueFrom: {env: ${envNameFor(h.key)}} (a CI secret)`, value: '<hidden>' });
        return [];
      }
      const t = template(h.value, [...here, 'value']);
      return t ? [{ key: h.key, value: t }] : [];
    }
    return [{ key: h.key, env: (h.valueFrom as { env: string }).env, at: [...here, 'valueFrom', 'env'] }];
  });
  (spec.metrics).forEach((m: Metric, i) => {
    const at: (string | number)[] = ['metrics', i];
    if (names.has(m.name)) problems.push({ path: [...at, 'name'], message: `duplicate metric name '${m.name}'`, hint: 'give every metric a unique name', value: m.name });
    names.add(m.name);
    let provider: ProviderModel | undefined;
    if (m.provider.prometheus) {
      const p = m.provider.prometheus;
      let address = p.address;
      while (address.endsWith('/')) address = address.slice(0, -1); // a loop: /\/+$/ backtracks on long runs of '/'
      provider = { kind: 'prometheus', address, headers: headers(p.headers, [...at, 'provider', 'prometheus']), timeoutSeconds: p.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS };
      if (m.query === undefined) problems.push({ path: at, message: `metric '${m.name}' has a prometheus provider but no query`, hint: 'add query: <PromQL>' });
    } else if (m.provider.web) {
      const w = m.provider.web;
      const webAt = [...at, 'provider', 'web'];
      const url = template(w.url, [...webAt, 'url'], WEB_ONLY_VARIABLES);
      const body = w.body !== undefined ? template(w.body, [...webAt, 'body'], WEB_ONLY_VARIABLES) : undefined;
      if (w.body !== undefined && (w.method ?? 'GET') === 'GET') problems.push({ path: [...webAt, 'body'], message: 'a GET request has no body', hint: 'set method: POST (or PUT), or remove body' });
      if ((url?.variables.includes('query') || body?.variables.includes('query')) && m.query === undefined) {
        problems.push({ path: [...webAt, url?.variables.includes('query') ? 'url' : 'body'], message: '{{query}} is used but the metric has no query', hint: 'add query: to the metric, or remove {{query}}' });
      }
      const jsonPath = (w.jsonPath ?? '$').replace(/^\{(.*)\}$/s, '$1').trim();
      if (!jsonPath.startsWith('$')) problems.push({ path: [...webAt, 'jsonPath'], message: 'jsonPath must start at the root ($)', hint: 'write it like $.data.value or {$.data.value}', value: w.jsonPath });
      provider = url ? { kind: 'web', url, method: w.method ?? 'GET', headers: headers(w.headers, webAt), ...(body ? { body } : {}), jsonPath, timeoutSeconds: w.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS } : undefined;
    }
    const query = m.query !== undefined ? template(m.query, [...at, 'query']) : undefined;
    const sampleQuery = m.sampleQuery !== undefined ? template(m.sampleQuery, [...at, 'sampleQuery']) : undefined;
    const cmp = typeof m.compare === 'object' ? m.compare : undefined;
    if (cmp && (m.successCondition !== undefined || m.failureCondition !== undefined)) {
      problems.push({ path: [...at, m.successCondition !== undefined ? 'successCondition' : 'failureCondition'], message: `metric '${m.name}' is judged by compare test: ${cmp.test}, so a condition would be a second, conflicting verdict`, hint: 'remove the condition, and put an absolute threshold (e.g. result[0] <= 0.01) in a metric of its own' });
    } else if (!cmp && m.successCondition === undefined && m.failureCondition === undefined) {
      problems.push({ path: at, message: `metric '${m.name}' has neither successCondition nor failureCondition, so it could never fail`, hint: 'add successCondition (e.g. result[0] <= 0.01) or failureCondition, or compare: {against: stable, test: mannWhitney}' });
    }
    let test: MannWhitneyModel | undefined;
    if (cmp) {
      const stepSeconds = cmp.step !== undefined ? parseDuration(cmp.step) : DEFAULT_MW_STEP_SECONDS;
      if (stepSeconds <= 0) problems.push({ path: [...at, 'compare', 'step'], message: 'step must be longer than 0s', hint: 'use a duration such as 30s or 1m', value: cmp.step });
      test = {
        kind: 'mannWhitney', stepSeconds,
        direction: cmp.direction ?? 'either',
        confidenceLevel: cmp.confidenceLevel ?? DEFAULT_MW_CONFIDENCE,
        allowedIncrease: cmp.effectSize?.allowedIncrease ?? 1,
        allowedDecrease: cmp.effectSize?.allowedDecrease ?? 1,
        minSamples: cmp.minSamples ?? DEFAULT_MW_MIN_SAMPLES,
      };
    }
    const condition = (key: 'successCondition' | 'failureCondition'): Condition | undefined => {
      const text = m[key];
      if (text === undefined) return undefined;
      const c = compileCondition(text, m.compare === 'stable');
      if ('problem' in c) { problems.push({ path: [...at, key], message: c.problem.message, hint: c.problem.hint, value: text }); return undefined; }
      return c;
    };
    const successCondition = condition('successCondition');
    const failureCondition = condition('failureCondition');
    let intervalSeconds = DEFAULT_INTERVAL_SECONDS;
    if (m.interval !== undefined) {
      intervalSeconds = parseDuration(m.interval);
      if (intervalSeconds <= 0) problems.push({ path: [...at, 'interval'], message: 'interval must be longer than 0s', hint: 'use a duration such as 30s, 1m or 5m', value: m.interval });
    }
    if (m.compare === 'stable' && (m.sampleQuery === undefined || m.minSamples === undefined)) {
      problems.push({ path: [...at, 'compare'], message: 'a baseline comparison needs a minimum sample count, or a handful of requests could decide it', hint: 'add sampleQuery (requests a track served in {{window}}) and minSamples' });
    }
    if ((m.sampleQuery === undefined) !== (m.minSamples === undefined)) {
      problems.push({ path: [...at, m.sampleQuery === undefined ? 'minSamples' : 'sampleQuery'], message: 'sampleQuery and minSamples go together', hint: m.sampleQuery === undefined ? 'add sampleQuery' : 'add minSamples' });
    }
    if (m.provider.web && (m.compare || m.sampleQuery) && !(m.provider.web.url.includes('{{') || m.provider.web.body?.includes('{{'))) {
      problems.push({ path: [...at, 'provider', 'web', 'url'], message: 'compare and sampleQuery send one request per track and query, but this url and body use no variable, so every request gets the same answer', hint: 'use {{query}}, {{track}} or {{namespace}} in the url or body' });
    }
    if (provider && (m.query === undefined || query) && (m.sampleQuery === undefined || sampleQuery)) {
      metrics.push({
        name: m.name, provider,
        ...(query ? { query } : {}),
        ...(successCondition ? { successCondition } : {}),
        ...(failureCondition ? { failureCondition } : {}),
        failureLimit: m.failureLimit ?? DEFAULT_FAILURE_LIMIT,
        inconclusiveLimit: m.inconclusiveLimit ?? DEFAULT_INCONCLUSIVE_LIMIT,
        count: m.count ?? DEFAULT_COUNT,
        intervalSeconds,
        noData: m.noData ?? 'inconclusive',
        ...(m.compare ? { compare: 'stable' as const } : {}),
        ...(test ? { test } : {}),
        ...(sampleQuery ? { sampleQuery } : {}),
        ...(m.minSamples !== undefined ? { minSamples: m.minSamples } : {}),
      });
    }
  });
  if (problems.length) return { problems };
  return { startDelaySeconds: spec.startDelay ? parseDuration(spec.startDelay) : 0, autoPromote: spec.autoPromote ?? false, metrics, perCluster };
}

/** The analysis of a spec that passed validation; throws when it has problems (a bug: validation checks them). */
export function requireAnalysisModel(spec: AnalysisSpec, context: AnalysisContext = {}): AnalysisModel {
  const m = analysisModelOf(spec, context);
  if ('problems' in m) throw new Error(`internal: the analysis section has problems that validation missed: ${m.problems.map((p) => p.message).join('; ')}`);
  return m;
}

function envNameFor(key: string): string {
  return key.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '') === 'AUTHORIZATION' ? 'PROMETHEUS_AUTHORIZATION' : key.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
