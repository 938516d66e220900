import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { checksOf, resolveCheck } from '../lib/checks/model';
import { formatResult, judge, planRequest, runChecks } from '../lib/checks/runner';
import { verifyRelease } from '../lib/cli/commands/verify';
import { run } from '../lib/cli/main';
import { testerRoute } from '../lib/routers/tester';
import { loadProject, projectPaths } from '../lib/synth/project';
import { canaryBehindHeader, startServer } from './support/http-server';
import { bufferIo, REPO, tempProject, webappSpec } from './support/project';

const BIN = path.join(REPO, 'bin/cdk8s-canary.js');

/** The S2 shop: canary 1.1.0 behind the tester header X-Canary, four checks. */
function spec(opts: { canary?: boolean; header?: string; checks?: string } = {}): string {
  return webappSpec('shop', opts.checks ?? CHECKS, {
    canaryNamespace: 'shop-canary',
    ...(opts.canary === false ? {} : { canary: { version: '1.1.0', weight: 0 } }),
    router: opts.header ?? '  header:\n    name: X-Canary\n',
  });
}

const CHECKS = `checks:
  - name: health
    path: /healthz
    retries: 0
  - name: version
    path: /version
    expectBody: "{{canary.version}}"
    retries: 0
  - name: home
    path: /
    expectBodyRegex: "^<title>Workshop [0-9.]+</title>$"
    retries: 0
  - name: order
    method: POST
    path: /api/orders
    headers: { Content-Type: application/json }
    body: '{"item": "tea"}'
    expectStatus: 201
    retries: 0
`;

describe('cdk8s-canary verify', () => {
  let p: ReturnType<typeof tempProject>;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => { p.cleanup(); await server?.close(); server = undefined; });
  const verify = async (...args: string[]) => {
    const b = bufferIo();
    const code = await run(['node', 'cdk8s-canary', '-C', p.root, 'verify', ...args], b.io);
    return { code, out: b.out, err: b.err };
  };

  test('passes against a server that shows the canary only to testers, sending the tester header', async () => {
    // GIVEN a release with a canary at 0% and a server serving the canary only behind X-Canary: always
    p = tempProject({ 'releases/shop.yaml': spec() });
    server = await startServer(canaryBehindHeader());
    // WHEN verified through the "router"
    const r = await verify('shop', '--url', server.url);
    // THEN exit 0, one PASS line per check (name, method, path, status, attempts, duration), a summary
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out[0]).toBe(`verify shop: canary 1.1.0 at ${server.url} as a tester (X-Canary: always)`);
    expect(r.out.slice(1, 5).map((l) => l.replace(/\d+ ms\)$/, 'N ms)'))).toEqual([
      'PASS health GET /healthz -> 200 (1 attempt(s), N ms)',
      'PASS version GET /version -> 200 (1 attempt(s), N ms)',
      'PASS home GET / -> 200 (1 attempt(s), N ms)',
      'PASS order POST /api/orders -> 201 (1 attempt(s), N ms)',
    ]);
    expect(r.out[5]).toBe('verify shop: all 4 check(s) passed');
    // AND every request carried the tester header; the POST carried its body and content type
    expect(server.seen.map((s) => s.headers['x-canary'])).toEqual(['always', 'always', 'always', 'always']);
    expect(server.seen[3]).toMatchObject({ method: 'POST', body: '{"item": "tea"}', headers: { 'content-type': 'application/json' } });
  });

  test('fails with exit 1 and one clear line per failed check when the canary answers wrong', async () => {
    // GIVEN a canary whose health check fails and that reports the stable version
    p = tempProject({ 'releases/shop.yaml': spec() });
    server = await startServer(canaryBehindHeader({ broken: true }));
    // WHEN verified
    const r = await verify('shop', '--url', server.url);
    // THEN exit 1, a FAIL line saying why for each failed check, PASS for the others, a summary on stderr
    expect(r.code).toBe(1);
    const lines = r.out.slice(1).map((l) => l.replace(/\d+ ms\)$/, 'N ms)'));
    expect(lines).toEqual([
      'FAIL health GET /healthz -> 500: expected status 200 (1 attempt(s), N ms)',
      "FAIL version GET /version -> 200: body does not contain '1.1.0' (1 attempt(s), N ms)",
      'PASS home GET / -> 200 (1 attempt(s), N ms)',
      'PASS order POST /api/orders -> 201 (1 attempt(s), N ms)',
    ]);
    expect(r.err).toEqual(['verify shop: 2 of 4 check(s) failed']);
  });

  test('fails when the tester header is missing: without it the router shows the stable version', async () => {
    // GIVEN a working canary WHEN verified with --direct (no tester header) against the router
    p = tempProject({ 'releases/shop.yaml': spec() });
    server = await startServer(canaryBehindHeader());
    const r = await verify('shop', '--url', server.url, '--direct');
    // THEN the version check fails: the checks reached the stable version
    expect(r.code).toBe(1);
    expect(r.out.find((l) => l.startsWith('FAIL'))).toMatch(/^FAIL version GET \/version -> 200: body does not contain '1\.1\.0' /);
    expect(server.seen.every((s) => s.headers['x-canary'] === undefined)).toBe(true);
  });

  test('passes behind an NGINX canary-by-cookie router, sending the tester cookie', async () => {
    // GIVEN an NGINX release whose testers are recognised by the cookie canary=always
    p = tempProject({ 'releases/shop.yaml': spec({ checks: 'checks:\n  - name: version\n    path: /version\n    expectBody: "{{canary.version}}"\n    retries: 0\n' })
      .replace(/router:\n[\s\S]*?(?=checks:)/, 'router:\n  type: nginx\n  host: shop.example.com\n  cookie: canary\n') });
    server = await startServer((req) => ({ status: 200, body: req.headers.cookie === 'canary=always' ? '1.1.0' : '1.0.0' }));
    // WHEN verified THEN the cookie was sent and the canary answered
    const r = await verify('shop', '--url', server.url);
    expect(r.out[0]).toBe(`verify shop: canary 1.1.0 at ${server.url} as a tester (cookie canary=always)`);
    expect(r.code).toBe(0);
    expect(server.seen.map((s) => s.headers.cookie)).toEqual(['canary=always']);
  });

  test('fails through the compiled binary with exit 1 and prints the failed check', async () => {
    p = tempProject({ 'releases/shop.yaml': spec() });
    server = await startServer(canaryBehindHeader({ broken: true }));
    const r = await promisify(execFile)(process.execPath, [BIN, '-C', p.root, 'verify', 'shop', '--url', server.url]).then(
      () => ({ code: 0, stdout: '', stderr: '' }), (e: { code: number; stdout: string; stderr: string }) => e);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL health GET \/healthz -> 500: expected status 200 \(1 attempt\(s\), \d+ ms\)$/m);
    expect(r.stderr).toBe('verify shop: 2 of 4 check(s) failed\n');
  });

  test('retries a failing check as the spec says, then passes', async () => {
    // GIVEN a canary that answers 503 twice, then 200, and a check with 2 retries
    p = tempProject({ 'releases/shop.yaml': spec({ checks: 'checks:\n  - name: health\n    path: /healthz\n    retries: 2\n' }) });
    let calls = 0;
    server = await startServer(() => (++calls <= 2 ? { status: 503, body: 'starting' } : { status: 200, body: 'ok' }));
    const [r] = loadProject(projectPaths(p.root));
    const b = bufferIo();
    // WHEN verified (10 ms between attempts instead of 2 s)
    const code = await verifyRelease({ io: b.io, root: () => p.root, setCode: () => undefined }, r, { url: server.url, retryDelayMs: 10 });
    // THEN it passes on the third attempt
    expect(code).toBe(0);
    expect(b.out[1]).toMatch(/^PASS health GET \/healthz -> 200 \(3 attempt\(s\), \d+ ms\)$/);
    expect(calls).toBe(3);
  });

  test('fails a check whose answer does not come within its timeout', async () => {
    p = tempProject({ 'releases/shop.yaml': spec({ checks: 'checks:\n  - name: slow\n    path: /slow\n    timeoutSeconds: 1\n    retries: 0\n' }) });
    server = await startServer(() => 'hang');
    const r = await verify('shop', '--url', server.url);
    expect(r.code).toBe(1);
    expect(r.out[1]).toMatch(/^FAIL slow GET \/slow -> no answer: no complete answer within 1s \(1 attempt\(s\), 1\d{3} ms\)$/);
  });

  test('fails with exit 1 when nothing listens at BASE', async () => {
    p = tempProject({ 'releases/shop.yaml': spec({ checks: 'checks:\n  - name: health\n    path: /healthz\n    retries: 0\n' }) });
    server = await startServer(() => ({ status: 200, body: '' }));
    const url = server.url;
    await server.close();
    server = undefined;
    const r = await verify('shop', '--url', url);
    expect(r.code).toBe(1);
    expect(r.out[1]).toMatch(/^FAIL health GET \/healthz -> no answer: request failed: connect ECONNREFUSED 127\.0\.0\.1:\d+ /);
  });

  describe('bad input: exit 2, no check run', () => {
    test.each([
      ['a release without checks', { checks: '' }, ['shop', '--url', 'http://127.0.0.1:9'], /^releases\/shop\.yaml:\d+:\d+: checks: release shop declares no checks, so there is nothing to verify; add a checks: list, e\.g\. checks: \[\{name: health, path: \/healthz\}\]/],
      ['a release without a canary', { canary: false }, ['shop', '--url', 'http://127.0.0.1:9'], /^error: release shop has no canary running, so there is nothing to verify; start one with `npx cdk8s-canary start shop --version VERSION`$/],
      ['a URL that is not one', {}, ['shop', '--url', 'shop.example.com'], /^error: --url is not a URL \(got "shop\.example\.com"\); use a base URL such as https:\/\/shop\.example\.com$/],
      ['a URL with a query', {}, ['shop', '--url', 'http://127.0.0.1:9/?a=1'], /^error: --url must have no query, fragment or credentials/],
      ['a malformed header', {}, ['shop', '--url', 'http://127.0.0.1:9', '-H', 'Host shop'], /^error: --header must be 'Name: value' on one line \(got "Host shop"\)/],
      ['an unknown release', {}, ['blog', '--url', 'http://127.0.0.1:9'], /^error: unknown release 'blog'; releases: shop \(see `npx cdk8s-canary status`\)$/],
      ['a router without a tester header', { header: '' }, ['shop', '--url', 'http://127.0.0.1:9'],
        /^error: BASE would reach the canary of release shop only by weight: router gatewayApi has no tester header or cookie \(router\.header or router\.cookie in the spec\); or pass --direct when BASE reaches the canary itself \(e\.g\. kubectl port-forward -n shop-canary deploy\/shop-canary 8080:8080\)$/],
      ['a pattern tester header without a value', { header: '  header:\n    name: X-Canary\n    pattern: "^beta-.*"\n' }, ['shop', '--url', 'http://127.0.0.1:9'],
        /^error: the tester header X-Canary of release shop matches the pattern "\^beta-\.\*", so verify cannot choose its value; pass --header 'X-Canary: <a value matching it>'$/],
      ['a pattern tester header with a value that does not match', { header: '  header:\n    name: X-Canary\n    pattern: "^beta-.*"\n' }, ['shop', '--url', 'http://127.0.0.1:9', '-H', 'x-canary: alpha'],
        /^error: --header 'x-canary: alpha' does not match the tester pattern "\^beta-\.\*" of release shop; pass a value that matches it$/],
    ])('fails on %s', async (_what, opts, args, message) => {
      p = tempProject({ 'releases/shop.yaml': spec(opts) });
      const r = await verify(...args);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toMatch(message);
    });

    test('fails with exit 2 and the position on a bad spec', async () => {
      p = tempProject({ 'releases/shop.yaml': spec().replace('    expectBody: "{{canary.version}}"', '    expectBody: "{{canary.tag}}"') });
      const r = await verify('shop', '--url', 'http://127.0.0.1:9');
      expect(r.code).toBe(2);
      expect(r.err[0]).toMatch(/^releases\/shop\.yaml:\d+:17: checks\[1\]\.expectBody: unknown placeholder '\{\{canary\.tag\}\}'/);
    });
  });
});

describe('verify building blocks', () => {
  const check = (extra: object = {}) => resolveCheck({ name: 'c', path: '/v?x=1', ...extra }, { canary: '1.1.0', stable: '1.0.0' });

  test('a request joins the base path and the check path; the check header wins over an extra one of the same name', () => {
    const plan = planRequest(check({ headers: { 'x-canary': 'own', Accept: 'text/plain' } }), new URL('https://shop.example.com/prefix/'), [['X-Canary', 'always'], ['Host', 'shop']]);
    expect(plan.url.href).toBe('https://shop.example.com/prefix/v?x=1');
    expect(plan.headers).toEqual([['Accept', 'text/plain'], ['Host', 'shop'], ['x-canary', 'own']]);
    expect(plan.timeoutMs).toBe(5000);
  });

  test('a body without a content type is sent as a form, as curl --data-raw does', () => {
    expect(planRequest(check({ method: 'POST', body: 'a=1' }), new URL('http://h')).headers).toEqual([['Content-Type', 'application/x-www-form-urlencoded']]);
  });

  test('judging: status first, then the substring, then a line matching the regular expression', () => {
    const c = check({ expectStatus: 201, expectBody: '{{canary.version}}', expectBodyRegex: '^v[0-9]+$' });
    expect(c.expectBody).toBe('1.1.0');
    expect(judge(c, { status: 200, body: '1.1.0\nv1' })).toBe('expected status 201');
    expect(judge(c, { status: 201, body: '1.0.0\nv1' })).toBe("body does not contain '1.1.0'");
    expect(judge(c, { status: 201, body: '1.1.0 v1' })).toBe('no line of the body matches /^v[0-9]+$/');
    expect(judge(c, { status: 201, body: '1.1.0\nv1\n' })).toBeUndefined();
    expect(judge(c, { error: 'request failed: boom' })).toBe('request failed: boom');
  });

  test('placeholders in a regular expression are escaped', () => {
    expect(check({ expectBodyRegex: '^{{canary.version}}$' }).expectBodyRegex).toBe('^1\\.1\\.0$');
    expect(judge(check({ expectBodyRegex: '^{{canary.version}}$' }), { status: 200, body: '1x1x0' })).toBeDefined();
  });

  test('one line per result', () => {
    const c = check();
    expect(formatResult({ check: c, passed: false, why: 'expected status 200', status: 503, attempts: 3, durationMs: 4012.4 })).toBe('FAIL c GET /v?x=1 -> 503: expected status 200 (3 attempt(s), 4012 ms)');
    expect(formatResult({ check: c, passed: false, why: 'request failed: x', attempts: 1, durationMs: 1 })).toBe('FAIL c GET /v?x=1 -> no answer: request failed: x (1 attempt(s), 1 ms)');
  });

  test('the tester header or cookie of each router', () => {
    expect(testerRoute({ type: 'gatewayApi', parentRefs: [{ name: 'g' }], header: { name: 'X-Canary' } })).toEqual({ kind: 'header', name: 'X-Canary', value: 'always' });
    expect(testerRoute({ type: 'istio', header: { name: 'X-Beta', value: 'yes' } })).toEqual({ kind: 'header', name: 'X-Beta', value: 'yes' });
    expect(testerRoute({ type: 'nginx', host: 'h', cookie: 'canary' })).toEqual({ kind: 'cookie', name: 'canary', value: 'always' });
    expect(testerRoute({ type: 'nginx', host: 'h', cookie: 'canary', header: { name: 'X-Canary' } })).toEqual({ kind: 'header', name: 'X-Canary', value: 'always' });
    expect(testerRoute({ type: 'nginx', host: 'h', header: { name: 'X-Canary', pattern: '^b' } })).toEqual({ kind: 'header-pattern', name: 'X-Canary', pattern: '^b' });
    expect(testerRoute({ type: 'openshiftRoute', domain: 'd' })).toMatchObject({ kind: 'none', reason: expect.stringMatching(/cannot route by header or cookie/) });
    expect(testerRoute({ type: 'nginx', host: 'h' })).toMatchObject({ kind: 'none', reason: 'router nginx has no tester header or cookie (router.header or router.cookie in the spec)' });
  });

  test('checks run one after the other in spec order, each result reported as it comes', async () => {
    const server = await startServer(canaryBehindHeader());
    try {
      const p = tempProject({ 'releases/shop.yaml': spec() });
      try {
        const [r] = loadProject(projectPaths(p.root));
        const seen: string[] = [];
        const results = await runChecks(checksOf(r.model), { baseUrl: new URL(server.url), headers: [['X-Canary', 'always']], onResult: (x) => seen.push(x.check.name) });
        expect(seen).toEqual(['health', 'version', 'home', 'order']);
        expect(results.every((x) => x.passed)).toBe(true);
        expect(server.seen.map((s) => s.url)).toEqual(['/healthz', '/version', '/', '/api/orders']);
      } finally { p.cleanup(); }
    } finally { await server.close(); }
  });
});
