import * as http from 'http';
import * as https from 'https';
import { CheckMethod, CheckModel, RETRY_DELAY_SECONDS } from './model';

/** Most of a response body kept for matching; the rest is read and dropped. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** One HTTP request, fully resolved. */
export interface HttpRequestPlan {
  readonly url: URL;
  readonly method: CheckMethod;
  /** Header names as given (sorted by lowercase name); values single-line. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
  readonly timeoutMs: number;
}

/** What came back: an answer, or why there was none. */
export type HttpOutcome =
  | { readonly status: number; readonly body: string }
  | { readonly error: string };

/** Sends one request; never throws (a network failure is an outcome). */
export type HttpSender = (req: HttpRequestPlan) => Promise<HttpOutcome>;

/** The verdict on one check after all its attempts. */
export interface CheckResult {
  readonly check: CheckModel;
  readonly passed: boolean;
  /** Status of the last answer; undefined when the last attempt got none. */
  readonly status?: number;
  /** Why it failed (last attempt); undefined when it passed. */
  readonly why?: string;
  readonly attempts: number;
  readonly durationMs: number;
}

export interface RunOptions {
  /** Base URL the check paths are appended to (its own path, if any, is kept as a prefix). */
  readonly baseUrl: URL;
  /** Headers added to every request (the router's tester header, `--header`); a check's own header of the same name wins. @default - none beyond the check's own */
  readonly headers?: readonly (readonly [string, string])[];
  /** Milliseconds between attempts. @default - RETRY_DELAY_SECONDS * 1000, as in the cluster */
  readonly retryDelayMs?: number;
  /** @default - sendHttp (Node's http/https) */
  readonly send?: HttpSender;
  /** Clock in milliseconds. @default - performance.now */
  readonly now?: () => number;
  /** Called with each result as soon as it is known (the CLI prints it). @default - nothing */
  readonly onResult?: (r: CheckResult) => void;
}

/**
 * The request of a check against a base URL: the check's path appended to the base's path, the
 * extra headers first (a check's header of the same name, case-insensitively, wins), a form
 * content type when a body has none (as curl's --data-raw does). Pure.
 */
export function planRequest(check: CheckModel, baseUrl: URL, extra: readonly (readonly [string, string])[] = []): HttpRequestPlan {
  let prefix = baseUrl.pathname;
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  const url = new URL(`${baseUrl.protocol}//${baseUrl.host}${prefix}${check.path}`);
  const byName = new Map<string, readonly [string, string]>();
  for (const h of [...extra, ...check.headers]) byName.set(h[0].toLowerCase(), h);
  if (check.body !== undefined && !byName.has('content-type')) byName.set('content-type', ['Content-Type', 'application/x-www-form-urlencoded']);
  const headers = [...byName.keys()].sort().map((k) => byName.get(k) as readonly [string, string]);
  return { url, method: check.method, headers, ...(check.body !== undefined ? { body: check.body } : {}), timeoutMs: check.timeoutSeconds * 1000 };
}

/**
 * Why an outcome fails a check, or undefined when it passes: the status first, then the body
 * substring, then the regular expression (matched line by line, as grep -E does in the cluster). Pure.
 */
export function judge(check: CheckModel, outcome: HttpOutcome): string | undefined {
  if ('error' in outcome) return outcome.error;
  if (outcome.status !== check.expectStatus) return `expected status ${check.expectStatus}`;
  if (check.expectBody !== undefined && !outcome.body.includes(check.expectBody)) return `body does not contain '${check.expectBody}'`;
  if (check.expectBodyRegex !== undefined) {
    const re = new RegExp(check.expectBodyRegex);
    if (!outcome.body.split('\n').some((line) => re.test(line))) return `no line of the body matches /${check.expectBodyRegex}/`;
  }
  return undefined;
}

/** One line per check: `PASS|FAIL name METHOD path -> status[: why] (n attempt(s), t ms)`. Pure. */
export function formatResult(r: CheckResult): string {
  const status = r.status === undefined ? 'no answer' : String(r.status);
  const why = r.passed ? '' : `: ${r.why}`;
  return `${r.passed ? 'PASS' : 'FAIL'} ${r.check.name} ${r.check.method} ${r.check.path} -> ${status}${why} (${r.attempts} attempt(s), ${Math.round(r.durationMs)} ms)`;
}

/** Runs one check with its retries. */
export async function runCheck(check: CheckModel, opts: RunOptions): Promise<CheckResult> {
  const send = opts.send ?? sendHttp;
  const now = opts.now ?? (() => performance.now());
  const delay = opts.retryDelayMs ?? RETRY_DELAY_SECONDS * 1000;
  const plan = planRequest(check, opts.baseUrl, opts.headers);
  const start = now();
  for (let attempt = 1; ; attempt++) {
    const outcome = await send(plan);
    const why = judge(check, outcome);
    const status = 'status' in outcome ? outcome.status : undefined;
    if (why === undefined || attempt > check.retries) {
      return { check, passed: why === undefined, ...(status !== undefined ? { status } : {}), ...(why !== undefined ? { why } : {}), attempts: attempt, durationMs: now() - start };
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Runs checks one after the other, in spec order (as the in-cluster Job does). */
export async function runChecks(checks: readonly CheckModel[], opts: RunOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) {
    const r = await runCheck(c, opts);
    opts.onResult?.(r);
    out.push(r);
  }
  return out;
}

/** Sends a request with Node's http/https; the time limit covers connecting, sending and reading. */
export const sendHttp: HttpSender = (req) => new Promise((resolve) => {
  const mod = req.url.protocol === 'https:' ? https : http;
  const headers: http.OutgoingHttpHeaders = { 'User-Agent': 'cdk8s-canary-verify', Accept: '*/*' };
  for (const [k, v] of req.headers) headers[k] = v;
  let settled = false;
  const done = (o: HttpOutcome) => { if (!settled) { settled = true; clearTimeout(timer); resolve(o); } };
  const r = mod.request(req.url, { method: req.method, headers }, (res) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    res.on('data', (c: Buffer) => { if (kept < MAX_BODY_BYTES) { chunks.push(c); kept += c.length; } });
    res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8') }));
    res.on('error', (e) => done({ error: `reading the answer failed: ${e.message}` }));
  });
  const timer = setTimeout(() => {
    done({ error: `no complete answer within ${req.timeoutMs / 1000}s` });
    r.destroy();
  }, req.timeoutMs);
  r.on('error', (e) => done({ error: `request failed: ${e.message}` }));
  if (req.body !== undefined) r.write(req.body);
  r.end();
});
