import { analysisModelOf, AnalysisModel } from '../lib/analysis/model';
import { AnalysisTarget, runAnalysis } from '../lib/analysis/run';
import { Metric } from '../lib/spec/generated/release';
import { Handler, SeenRequest, startServer } from './support/http-server';

// The web provider against a real HTTP server on 127.0.0.1 (test/support/http-server.ts).
const TARGET: AnalysisTarget = {
  release: 'shop', weight: '25',
  stable: { namespace: 'shop', service: 'shop', workload: 'shop', version: '1.0.0' },
  canary: { namespace: 'shop canary', service: 'shop-canary', workload: 'shop-canary', version: '1.1.0' },
};
const NOW = 1_800_000_000;
const START = NOW - 600;

function model(metric: Partial<Metric>): AnalysisModel {
  const m = analysisModelOf({ metrics: [{ name: 'm', provider: { web: { url: 'http://127.0.0.1/' } }, successCondition: 'result[0] <= 0.01', ...metric } as Metric] });
  if ('problems' in m) throw new Error(JSON.stringify(m.problems));
  return m;
}

let server: { url: string; seen: SeenRequest[]; close(): Promise<void> };
let answer: Handler = () => ({ status: 200, body: '{}' });
beforeAll(async () => { server = await startServer((r) => answer(r)); });
afterAll(() => server.close());
beforeEach(() => { server.seen.length = 0; });

describe('web provider', () => {
  test('GIVEN an endpoint answering {data: {value: 0.004}} WHEN the analysis runs THEN the url is rendered (values URL-encoded), the value read at jsonPath, and the metric passes', async () => {
    answer = () => ({ status: 200, body: '{"data": {"value": 0.004}}' });
    const r = await runAnalysis(model({ provider: { web: { url: `${server.url}/rate?ns={{canary.namespace}}&from={{sinceUnix}}&to={{untilUnix}}&w={{window}}`, jsonPath: '{$.data.value}' } } }), TARGET, { windowStart: START, now: NOW });
    expect(server.seen.map((s) => s.url)).toEqual([`/rate?ns=shop%20canary&from=${START}&to=${NOW}&w=600s`]);
    expect(r.verdict).toBe('pass');
    expect(r.metrics[0].measurements[0].result).toEqual([0.004]);
    expect(r.metrics[0].query).toBe(`GET ${server.url}/rate?ns=shop%20canary&from=${START}&to=${NOW}&w=600s`);
  });

  test('GIVEN a POST with a body using {{query}} and a header from the environment WHEN the analysis runs THEN both are sent', async () => {
    answer = (req) => ({ status: 200, body: JSON.stringify({ series: [{ v: req.headers['dd-api-key'] === 'k-123' ? '0.5' : 'x' }, { v: 0.25 }] }) });
    const m = model({
      query: 'errors{service="{{service}}"}',
      successCondition: 'result.all(x, x < 0.6)',
      provider: { web: { url: `${server.url}/q`, method: 'POST', body: '{"q": "{{query}}", "track": "{{track}}"}', jsonPath: '$.series[*].v', headers: [{ key: 'DD-API-KEY', valueFrom: { env: 'DD_API_KEY' } }] } },
    });
    const r = await runAnalysis(m, TARGET, { windowStart: START, now: NOW, env: { DD_API_KEY: 'k-123' } });
    expect(server.seen[0].method).toBe('POST');
    expect(server.seen[0].body).toBe('{"q": "errors{service="shop-canary"}", "track": "canary"}');
    expect(r.metrics[0].measurements[0].result).toEqual([0.5, 0.25]);
    expect(r.verdict).toBe('pass');
  });

  test('GIVEN null at jsonPath WHEN the analysis runs THEN no data: inconclusive by default, fail with noData: fail', async () => {
    answer = () => ({ status: 200, body: '{"value": null}' });
    const url = `${server.url}/v`;
    const a = await runAnalysis(model({ provider: { web: { url, jsonPath: '$.value' } } }), TARGET, { windowStart: START, now: NOW });
    expect(a.verdict).toBe('inconclusive');
    expect(a.metrics[0].reason).toMatch(/no data \(noData: inconclusive\)/);
    const b = await runAnalysis(model({ noData: 'fail', provider: { web: { url, jsonPath: '$.value' } } }), TARGET, { windowStart: START, now: NOW });
    expect(b.verdict).toBe('fail');
  });

  test.each([
    [{ status: 500, body: 'upstream down' }, /answered HTTP 500 \(upstream down\)/],
    [{ status: 404, body: '' }, /answered HTTP 404$/],
    [{ status: 200, body: '{"value": "abc"}' }, /gave the non-numeric value "abc" at \$\.value; point jsonPath at a number/],
    [{ status: 200, body: '<html>' }, /did not answer JSON \(<html>\)/],
  ])('fails as an error (no verdict on the canary) when the endpoint answers %j', async (a, message) => {
    answer = () => a;
    const r = await runAnalysis(model({ provider: { web: { url: `${server.url}/v`, jsonPath: '$.value' } } }), TARGET, { windowStart: START, now: NOW });
    expect(r.verdict).toBe('error');
    expect(r.metrics[0].reason).toMatch(message);
  });

  test('fails with MissingCredentialError when a header variable is not set', async () => {
    const m = model({ provider: { web: { url: `${server.url}/v`, headers: [{ key: 'Authorization', valueFrom: { env: 'NOPE_TOKEN' } }] } } });
    await expect(runAnalysis(m, TARGET, { windowStart: START, now: NOW, env: {} })).rejects.toThrow(/environment variable NOPE_TOKEN, which is not set/);
    expect(server.seen).toHaveLength(0);
  });
});
