/**
 * The in-cluster script, run for real: POSIX sh and curl (as in the Job's image) against a server on
 * 127.0.0.1, compared with `verify`'s runner on the same server. The two must agree check by check.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckModel, resolveCheck } from '../lib/checks/model';
import { formatResult, runChecks } from '../lib/checks/runner';
import { renderCheckScript } from '../lib/checks/script';
import { Check } from '../lib/spec/generated/release';
import { canaryBehindHeader, Handler, startServer } from './support/http-server';

const CHECKS: Check[] = [
  { name: 'health', path: '/healthz', retries: 0 },
  { name: 'version', path: '/version', expectBody: '{{canary.version}}', retries: 0 },
  { name: 'home', path: '/', expectBodyRegex: '^<title>Workshop [0-9]+\\.[0-9]+\\.[0-9]+</title>$', retries: 0 },
  { name: 'order', method: 'POST', path: '/api/orders', headers: { 'Content-Type': 'application/json' }, body: `{"note": "it's"}`, expectStatus: 201, retries: 0 },
  { name: 'quote', path: "/version?q='$(touch${IFS}pwned)'", expectBody: '1.1.0', retries: 0 },
];
const resolved: CheckModel[] = CHECKS.map((c) => resolveCheck(c, { canary: '1.1.0', stable: '1.0.0' }));

/** The verdict part of a result line: without attempts and duration (units differ: s in sh, ms in node). */
const verdict = (line: string) => line.replace(/ \(\d+ attempt\(s\), \d+ ?m?s\)$/, '');

async function runScript(baseUrl: string, checks: readonly CheckModel[]): Promise<{ code: number; lines: string[]; scratch: string }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-script-'));
  const script = renderCheckScript({ release: 'shop', version: '1.1.0', baseUrl, checks, scratchDir: scratch });
  const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile('/bin/sh', ['-c', script], { cwd: scratch, timeout: 30000 }, (err, stdout) => resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stdout }));
  });
  return { code: r.code, lines: r.stdout.trim().split('\n'), scratch };
}

describe('the in-cluster check script (real sh and curl)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const dirs: string[] = [];
  afterEach(async () => { await server.close(); for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

  const both = async (handler: Handler) => {
    // The Job calls the canary Service directly; here the "canary" is the server with the tester header forced on.
    server = await startServer((req) => handler({ ...req, headers: { ...req.headers, 'x-canary': 'always' } }));
    const sh = await runScript(server.url, resolved);
    dirs.push(sh.scratch);
    const node = await runChecks(resolved, { baseUrl: new URL(server.url), retryDelayMs: 10 });
    return { sh, node: node.map(formatResult) };
  };

  test('passes a healthy canary, line for line as verify does, exit 0', async () => {
    // GIVEN a healthy canary WHEN the script and verify's runner check it
    const { sh, node } = await both(canaryBehindHeader());
    // THEN both pass every check with the same lines, and the script exits 0
    expect(sh.code).toBe(0);
    expect(sh.lines.slice(0, -1).map(verdict)).toEqual(node.map(verdict));
    expect(sh.lines.slice(0, -1).map(verdict)).toEqual([
      'PASS health GET /healthz -> 200',
      'PASS version GET /version -> 200',
      'PASS home GET / -> 200',
      'PASS order POST /api/orders -> 201',
      "PASS quote GET /version?q='$(touch${IFS}pwned)' -> 200",
    ]);
    expect(sh.lines[sh.lines.length - 1]).toBe('all 5 check(s) passed');
    // AND spec values were data, never shell code; the body and headers arrived intact
    expect(fs.existsSync(path.join(sh.scratch, 'pwned'))).toBe(false);
    const orders = server.seen.filter((s) => s.url === '/api/orders');
    expect(orders.map((s) => [s.body, s.headers['content-type']])).toEqual([[`{"note": "it's"}`, 'application/json'], [`{"note": "it's"}`, 'application/json']]);
  });

  test('fails a broken canary with exit 1 and the same verdicts as verify', async () => {
    // GIVEN a canary whose health check fails and that reports the stable version
    const { sh, node } = await both(canaryBehindHeader({ broken: true }));
    // THEN the script exits 1 and says which checks failed and why, exactly as verify does
    expect(sh.code).toBe(1);
    expect(sh.lines.slice(0, -1).map(verdict)).toEqual(node.map(verdict));
    expect(sh.lines.slice(0, -1).map(verdict).filter((l) => l.startsWith('FAIL'))).toEqual([
      'FAIL health GET /healthz -> 500: expected status 200',
      "FAIL version GET /version -> 200: body does not contain '1.1.0'",
      "FAIL quote GET /version?q='$(touch${IFS}pwned)' -> 200: body does not contain '1.1.0'",
    ]);
    expect(sh.lines[sh.lines.length - 1]).toBe('3 of 5 check(s) failed');
  });

  test('retries as the spec says (2 seconds apart)', async () => {
    // GIVEN a server that answers 503 once, then 200, and a check with one retry
    let calls = 0;
    server = await startServer(() => (++calls === 1 ? { status: 503, body: '' } : { status: 200, body: 'ok' }));
    // WHEN the script runs
    const retried = await runScript(server.url, [resolveCheck({ name: 'health', path: '/healthz', retries: 1 }, { canary: '1.1.0', stable: '1.0.0' })]);
    dirs.push(retried.scratch);
    // THEN it passes on the second attempt, after the delay
    expect(retried.code).toBe(0);
    expect(retried.lines[0]).toMatch(/^PASS health GET \/healthz -> 200 \(2 attempt\(s\), [23]s\)$/);
    expect(calls).toBe(2);
  });

  test('fails with curl\'s reason when nothing answers', async () => {
    // GIVEN a port nothing listens on (the server is closed first)
    server = await startServer(() => ({ status: 200, body: '' }));
    const url = server.url;
    await server.close();
    // WHEN the script runs THEN it exits 1 and the line carries curl's error
    const refused = await runScript(url, [resolveCheck({ name: 'health', path: '/healthz', retries: 0, timeoutSeconds: 2 }, { canary: '1.1.0', stable: '1.0.0' })]);
    dirs.push(refused.scratch);
    expect(refused.code).toBe(1);
    expect(refused.lines[0]).toMatch(/^FAIL health GET \/healthz -> no answer: curl: \(7\) .*127\.0\.0\.1.* \(1 attempt\(s\), \ds\)$/);
  });
});
