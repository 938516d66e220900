import { HeaderModel, MetricModel, ProviderModel } from '../model';
import { renderTemplate, TemplateValues } from '../template';

/**
 * A metric provider: sends one query for one measurement and returns the numbers it got. One file
 * per provider (prometheus.ts, web.ts), one line in registry.ts, the way Argo Rollouts keeps
 * `metricproviders/<provider>/`.
 */
export interface MetricProvider<P extends ProviderModel = ProviderModel> {
  /** Runs one query. Throws AnalysisError for anything that is not an answer with numbers. */
  measure(request: MeasureRequest<P>): Promise<Measured>;
}

/** One query of one measurement. */
export interface MeasureRequest<P extends ProviderModel = ProviderModel> {
  readonly metric: MetricModel;
  readonly provider: P;
  /** The query to send, rendered (the metric's query or sampleQuery); undefined for a web metric without query. */
  readonly query?: string;
  /** Template values of this measurement (url, body and header templates of the web provider use them). */
  readonly values: TemplateValues;
  /** Time of the measurement, seconds since the epoch. */
  readonly time: number;
  /**
   * A series over the window instead of one value (compare test: mannWhitney): Prometheus runs a
   * range query from `start` to `end` every `step` seconds and gives every point; the web provider
   * gives the values at its jsonPath as they are. @default - an instant query at `time`
   */
  readonly range?: { readonly start: number; readonly end: number; readonly step: number };
  /** The environment credentials are read from. */
  readonly env: NodeJS.ProcessEnv;
}

/** What a query gave. */
export interface Measured {
  /** The numbers, in a stable order; NaN dropped. Empty: no data. */
  readonly values: readonly number[];
  /** What was sent, for reports: the PromQL, or METHOD URL. */
  readonly sent: string;
}

/**
 * A failure to measure (unreachable endpoint, HTTP error status, an answer without numbers): a
 * runtime failure, exit 1, and no move; never a verdict about the canary.
 */
export class AnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisError';
  }
}

/**
 * A credential header whose environment variable is not set: bad input (exit 2). `detail.at` is
 * the header's `valueFrom.env` field below `analysis` (when the model knows it), so the commands can
 * position the message in the spec file (lib/moves/analysis.ts `credentialProblem`).
 */
export class MissingCredentialError extends Error {
  constructor(message: string, public readonly detail?: { readonly metric: string; readonly header: string; readonly variable: string; readonly at?: readonly (string | number)[] }) {
    super(message);
    this.name = 'MissingCredentialError';
  }
}

/** Resolves a provider's headers: templates rendered, `valueFrom.env` read from `env`. */
export function resolveHeaders(metric: string, headers: readonly HeaderModel[], values: TemplateValues, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    if ('env' in h) {
      const v = env[h.env];
      if (v === undefined || v === '') {
        throw new MissingCredentialError(`metric ${metric}: header ${h.key} is read from the environment variable ${h.env}, which is not set; export it (a CI secret) before running the analysis`,
          { metric, header: h.key, variable: h.env, ...(h.at ? { at: h.at } : {}) });
      }
      out[h.key] = v;
    } else {
      out[h.key] = renderTemplate(h.value, values);
    }
  }
  return out;
}

/** Parses a sample value as Prometheus and JSON APIs write it: a number, or a string such as "0.5", "NaN", "+Inf". */
export function parseNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\+?Inf$/i.test(s)) return Infinity;
  if (/^-Inf$/i.test(s)) return -Infinity;
  if (/^NaN$/i.test(s)) return NaN;
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * fetch with a timeout; network failures and timeouts become AnalysisError naming the endpoint.
 * Returns the status and the body text.
 */
export async function httpRequest(what: string, url: string, init: { method: string; headers: Record<string, string>; body?: string; timeoutSeconds: number }): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, { method: init.method, headers: init.headers, ...(init.body !== undefined ? { body: init.body } : {}), signal: AbortSignal.timeout(init.timeoutSeconds * 1000), redirect: 'follow' });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${init.timeoutSeconds}s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new AnalysisError(`cannot reach ${what} at ${redact(url)} (${why}); check the address and that it is reachable from where the CLI runs`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new AnalysisError(`${what} at ${redact(url)} broke off its answer (${(e as Error).message})`);
  }
  return { status: res.status, text };
}

/** A URL for messages: no credentials, query cut to its keys. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().length > 200 ? `${u.origin}${u.pathname}` : u.toString();
  } catch {
    return url.slice(0, 200);
  }
}
