import { workshopWithCanary } from './support/analysis';
import { cli } from './support/cli';
import { repoState, tempRepo } from './support/cli-repo';

// Bad analysis sections: exit 2, a message naming FILE:LINE:COL and the field, how to fix it, and
// nothing written or committed, from synth (which writes dist/) and from analyze alike.
const ADDRESS = 'http://127.0.0.1:9090';
const METRIC = /    - name: error-rate[\s\S]*$/;

const cases: { name: string; edit: (s: string) => string; message: RegExp }[] = [
  {
    name: 'an unknown provider',
    edit: (s) => s.replace('        prometheus:\n', '        datadog:\n'),
    message: /releases\/workshop\.yaml:\d+:\d+: analysis\.metrics\[0\]\.provider\.datadog: unknown field 'datadog'.*prometheus, web/,
  },
  {
    name: 'two providers in one metric',
    edit: (s) => s.replace('      query: >-', '        web:\n          url: http://127.0.0.1/x\n      query: >-'),
    message: /analysis\.metrics\[0\]\.provider: .*(more than 1|at most 1|exactly one)/,
  },
  {
    name: 'an unknown template variable',
    edit: (s) => s.replace('namespace="{{canary.namespace}}",version="{{canary.version}}",code', 'namespace="{{canary.namepsace}}",version="{{canary.version}}",code'),
    message: /releases\/workshop\.yaml:\d+:\d+: analysis\.metrics\[0\]\.query: unknown template variable 'canary\.namepsace' at offset 44 \(got .*\); did you mean '\{\{canary\.namespace\}\}'\?/,
  },
  {
    name: 'an unparseable condition',
    edit: (s) => s.replace('successCondition: result[0] <= 0.01', 'successCondition: result[0] <='),
    message: /releases\/workshop\.yaml:\d+:\d+: analysis\.metrics\[0\]\.successCondition: condition cannot be parsed: at 1:\d+: .* \(got "result\[0\] <="\); write a CEL expression over result/,
  },
  {
    name: 'a condition that mixes int and double',
    edit: (s) => s.replace('successCondition: result[0] <= 0.01', 'successCondition: result[0] * 100 <= 1'),
    message: /analysis\.metrics\[0\]\.successCondition: condition cannot be evaluated: found no matching overload for '_\*_' applied to '\(double, int\)'.*write 100\.0 instead of 100/,
  },
  {
    name: 'a condition naming an unknown variable',
    edit: (s) => s.replace('successCondition: result[0] <= 0.01', 'successCondition: baseline[0] <= 0.01'),
    message: /analysis\.metrics\[0\]\.successCondition: condition uses an unknown variable .*baseline needs compare: stable/,
  },
  {
    name: 'a count of 0',
    edit: (s) => s.replace('      count: 3 ', '      count: 0 '),
    message: /releases\/workshop\.yaml:\d+:\d+: analysis\.metrics\[0\]\.count: .*(>= 1|at least 1|minimum).*\(got 0\); use a whole number of measurements from 1 to 100/,
  },
  {
    name: 'an interval of 0',
    edit: (s) => s.replace('      interval: 5m', '      interval: 0s'),
    message: /releases\/workshop\.yaml:\d+:\d+: analysis\.metrics\[0\]\.interval: interval must be longer than 0s \(got "0s"\); use a duration such as 30s/,
  },
  {
    name: 'a credential written into the spec',
    edit: (s) => s.replace('              valueFrom:\n                env: PROMETHEUS_AUTHORIZATION', '              value: Basic dXNlcjpwYXNz'),
    message: /analysis\.metrics\[0\]\.provider\.prometheus\.headers\[0\]\.value: header 'Authorization' carries a credential, and the spec is committed to git \(got "<hidden>"\); read it from the environment: valueFrom: \{env: PROMETHEUS_AUTHORIZATION\}/,
  },
  {
    name: 'a metric without any condition',
    edit: (s) => s.replace('      successCondition: result[0] <= 0.01\n', ''),
    message: /analysis\.metrics\[0\]: metric 'error-rate' has neither successCondition nor failureCondition, so it could never fail/,
  },
  {
    name: 'a baseline comparison without a minimum sample count',
    edit: (s) => s.replace('      minSamples: 100 ', '      compare: stable ').replace(/      sampleQuery: .*\n/, ''),
    message: /analysis\.metrics\[0\]\.compare: a baseline comparison needs a minimum sample count/,
  },
  {
    name: 'a Mann-Whitney comparison with fewer than 10 values per track',
    edit: (s) => s.replace('      successCondition: result[0] <= 0.01\n', '      compare: {against: stable, test: mannWhitney, minSamples: 5}\n'),
    message: /^releases\/workshop\.yaml:\d+:\d+: analysis\.metrics\[0\]\.compare\.minSamples: .*\(got 5\); use at least 10: with fewer values per track the normal approximation of the test is poor.*\n1 problem\(s\) found/m, // the string branch of compare says nothing about a mapping
  },
  {
    name: 'a comparison test that does not exist',
    edit: (s) => s.replace('      successCondition: result[0] <= 0.01\n', '      compare: {against: stable, test: tTest}\n'),
    message: /^releases\/workshop\.yaml:\d+:\d+: analysis\.metrics\[0\]\.compare\.test: must be one of 'mannWhitney' \(got "tTest"\).*\n1 problem\(s\) found/m,
  },
  {
    name: 'a Mann-Whitney comparison next to a condition',
    edit: (s) => s.replace('      successCondition: result[0] <= 0.01\n', '      successCondition: result[0] <= 0.01\n      compare: {against: stable, test: mannWhitney}\n'),
    message: /analysis\.metrics\[0\]\.successCondition: metric 'error-rate' is judged by compare test: mannWhitney, so a condition would be a second, conflicting verdict; remove the condition/,
  },
  {
    name: 'a prometheus metric without query',
    edit: (s) => s.replace(/      query: >-\n.*\n.*\n/, ''),
    message: /analysis\.metrics\[0\]: metric 'error-rate' has a prometheus provider but no query; add query: <PromQL>/,
  },
  {
    name: 'an address that is not a URL',
    edit: (s) => s.replace(ADDRESS, 'prometheus:9090'),
    message: /analysis\.metrics\[0\]\.provider\.prometheus\.address: .*use an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'a duplicate metric name',
    edit: (s) => s.replace(METRIC, (m) => `${m}${m.replace('- name: error-rate', '- name: error-rate')}`),
    message: /analysis\.metrics\[1\]\.name: duplicate metric name 'error-rate'/,
  },
];

describe('bad analysis sections', () => {
  beforeAll(() => { process.env.PROMETHEUS_AUTHORIZATION = 'Bearer x'; });
  afterAll(() => { delete process.env.PROMETHEUS_AUTHORIZATION; });

  test.each(cases)('fails with exit 2 on $name, positioned, writing nothing', async ({ edit, message }) => {
    // GIVEN the reference workshop release with a canary and its analysis section broken one way
    const spec = edit(workshopWithCanary('1.1.0', 25, ADDRESS));
    expect(spec).not.toBe(workshopWithCanary('1.1.0', 25, ADDRESS)); // the edit applied
    const repo = tempRepo({ 'releases/workshop.yaml': spec });
    try {
      const before = repoState(repo.root);
      // WHEN synth (which would write dist/) and analyze run
      const s = await cli(repo.root, 'synth');
      const a = await cli(repo.root, 'analyze', 'workshop');
      // THEN both refuse with the positioned message, and nothing changed
      for (const r of [s, a]) {
        expect(r.code).toBe(2);
        expect(r.err).toMatch(message);
        expect(r.err).toMatch(/problem\(s\) found; nothing was written/);
      }
      expect(repoState(repo.root)).toEqual(before);
    } finally {
      repo.cleanup();
    }
  });

  test('fails with exit 2 when the release has no analysis section or no canary', async () => {
    const none = tempRepo({ 'releases/workshop.yaml': workshopWithCanary('1.1.0', 25, ADDRESS, (s) => s.replace(/\nanalysis:[\s\S]*$/, '\n')) });
    const idle = tempRepo({ 'releases/workshop.yaml': workshopWithCanary('1.1.0', 25, ADDRESS).replace(/canary:\n  version: 1\.1\.0\n  weight: 25\n/, '') });
    try {
      const a = await cli(none.root, 'analyze', 'workshop');
      expect(a.code).toBe(2);
      expect(a.err).toMatch(/^releases\/workshop\.yaml:\d+:1: analysis: release workshop has no analysis section, so there is nothing to analyze; add analysis: \{metrics: \[\.\.\.\]\}/m);
      const b = await cli(idle.root, 'analyze', 'workshop');
      expect(b.code).toBe(2);
      expect(b.err).toMatch(/error: release workshop has no canary running, so there is nothing to analyze/);
      const c = await cli(idle.root, 'analyze', 'nope');
      expect(c.code).toBe(2);
      expect(c.err).toMatch(/error: unknown release or group 'nope'; releases: workshop \(see `npx cdk8s-canary status`\)/);
    } finally {
      none.cleanup();
      idle.cleanup();
    }
  });

  test('fails with exit 2 when the spec has uncommitted changes (the window starts at a commit)', async () => {
    const repo = tempRepo({ 'releases/workshop.yaml': workshopWithCanary('1.1.0', 25, ADDRESS) });
    try {
      repo.write('releases/workshop.yaml', workshopWithCanary('1.1.0', 30, ADDRESS));
      const r = await cli(repo.root, 'analyze', 'workshop');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/error: releases\/workshop\.yaml differs from its last commit; .* commit the spec first/);
    } finally {
      repo.cleanup();
    }
  });
});
