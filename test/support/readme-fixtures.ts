/**
 * What a README session's repository and surroundings hold before its transcripts start, where the
 * README cannot show how it got there: a block marked `fixture=NAME` (test/readme.test.ts) gets the
 * set-up NAME below, once per session, after the session repository is made and before its first block.
 *
 * The metric-analysis fixtures stand for "a canary has been at its weight for half an hour, and
 * Prometheus has its requests": they start Debian's `prometheus` on 127.0.0.1 holding request
 * counters (test/support/prometheus.js), point the spec's `provider.prometheus.address` at it, and walk
 * the release (or group) to its weight with the real CLI, the weight commit dated 30 minutes before
 * the set-up started. Every series ends at that start: a point of a Mann-Whitney range query after it
 * has no data, so the values a transcript shows (means, U, p, n) do not depend on how long the set-up
 * took. Only the window's length and times do (matched by the rules in test/support/readme.ts).
 * The session's environment gets `TOKEN`, the CI secret the README's commands pass as
 * `PROMETHEUS_AUTHORIZATION="Bearer $TOKEN"` (the test server does not check it).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { requestSeries } from './analysis';
import { runCliInProcess } from './readme';
import { prometheusAvailable, Series, startPrometheus } from './prometheus';

/** A session's set-up: the environment its commands add, and how to undo what it started. */
export interface ReadmeFixture {
  readonly env: Readonly<Record<string, string>>;
  cleanup(): Promise<void>;
}

interface FixtureContext {
  /** The session repository (a committed copy of the project's releases/, dist/ and settings). */
  readonly dir: string;
  /** The session's environment (git identity, the `npx` shim on PATH). */
  readonly env: NodeJS.ProcessEnv;
  /** The README's text, for fixtures that take a spec fragment the README shows. */
  readonly readme: string;
}

interface FixtureDef {
  /** Why the fixture cannot run here, or undefined (in CI a missing Prometheus throws instead). */
  unavailable(): string | undefined;
  setUp(ctx: FixtureContext): Promise<ReadmeFixture>;
}

/** The address releases/workshop.yaml names; the fixtures replace it with the test server's. */
const EXAMPLE_ADDRESS = 'https://prometheus.example.com';
const TOKEN = 'readme-test-token';

/** Runs the compiled CLI in the session repository, its commits dated `at` (unix seconds). */
/** The CLI at a fixed commit time, in-process (`runCliInProcess`: a set-up step, not a README line). */
async function cliAt(ctx: FixtureContext, at: number, ...args: string[]): Promise<void> {
  const date = `@${at} +0000`;
  const r = await runCliInProcess(ctx.dir, args, { ...ctx.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, PROMETHEUS_AUTHORIZATION: `Bearer ${TOKEN}` });
  if (r.code !== 0) throw new Error(`README fixture: cdk8s-canary ${args.join(' ')} exited ${r.code}:\n${r.text}`);
}

function gitAt(ctx: FixtureContext, at: number, ...args: string[]): void {
  const date = `@${at} +0000`;
  const r = spawnSync('git', args, { cwd: ctx.dir, encoding: 'utf8', env: { ...ctx.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
  if (r.status !== 0) throw new Error(`README fixture: git ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
}

/** Rewrites a spec of the session repository. */
function editSpec(ctx: FixtureContext, file: string, edit: (s: string) => string): void {
  const p = path.join(ctx.dir, 'releases', file);
  const before = fs.readFileSync(p, 'utf8');
  fs.writeFileSync(p, edit(before));
}

/** `text.replace(from, to)`, failing when `from` is not there. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  if (typeof from === 'string' ? !text.includes(from) : !from.test(text)) throw new Error(`README fixture: ${String(from)} not found`);
  return text.replace(from, to);
}

/** A deterministic noise in [-1, 1] per 15-second tick (relative to `from`) and seed. */
function noise(t: number, from: number, seed: number): number {
  const x = Math.sin((t - from) * 12.9898 + seed * 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/**
 * The common part: Prometheus holding `series(from, to)` (from = the set-up's start - 1 hour, to = the
 * start), `prepare` edits the specs (the address is the server's), synth and one commit 20 minutes
 * before the weight commit, then `walk(at)` makes the moves (the weight commit at start - 30 minutes).
 */
async function analysisFixture(ctx: FixtureContext, o: {
  series(from: number, to: number): Series[];
  prepare(address: string): void;
  walk(weightAt: number): Promise<void>;
}): Promise<ReadmeFixture> {
  const start = Math.floor(Date.now() / 1000);
  const weightAt = start - 30 * 60;
  const prom = await startPrometheus(o.series(start - 60 * 60, start));
  try {
    o.prepare(prom.url);
    await cliAt(ctx, weightAt - 20 * 60, 'synth');
    gitAt(ctx, weightAt - 20 * 60, 'add', '-A');
    gitAt(ctx, weightAt - 20 * 60, 'commit', '-q', '-m', 'analysis: the Prometheus on 127.0.0.1');
    await o.walk(weightAt);
  } catch (e) {
    await prom.stop();
    throw e;
  }
  return { env: { TOKEN }, cleanup: () => prom.stop() };
}

const withPrometheus = (): string | undefined => {
  const a = prometheusAvailable(); // throws in CI: never a silent skip
  return a.ok ? undefined : a.reason;
};

/** The workshop (S2) running `version` at 25% since 30 minutes ago, its metric as `edit` leaves it. */
function workshopAt(version: string, series: (from: number, to: number) => Series[], edit: (spec: string, readme: string) => string = (s) => s): FixtureDef {
  return {
    unavailable: withPrometheus,
    setUp: (ctx) => analysisFixture(ctx, {
      series,
      prepare: (address) => editSpec(ctx, 'workshop.yaml', (s) => replaceOnce(edit(s, ctx.readme), EXAMPLE_ADDRESS, address)),
      walk: async (at) => {
        await cliAt(ctx, at - 10 * 60, 'start', 'workshop', '--version', version);
        await cliAt(ctx, at, 'step', 'workshop'); // 0% -> 25%: never judged by the analysis (no user traffic at 0%)
      },
    }),
  };
}

/** The S3 group at stage 3, 30% of a [30, 60] ladder since 30 minutes ago, its entry canary `entryVersion`, judged by the workshop's `analysis:` section. */
function groupAt(entryVersion: string, series: (from: number, to: number) => Series[]): FixtureDef {
  return {
    unavailable: withPrometheus,
    setUp: (ctx) => analysisFixture(ctx, {
      series,
      prepare: (address) => {
        const workshop = fs.readFileSync(path.join(ctx.dir, 'releases/workshop.yaml'), 'utf8');
        const analysis = /^analysis:[\s\S]*$/m.exec(workshop)?.[0];
        if (!analysis) throw new Error('README fixture: releases/workshop.yaml has no analysis: section at its end');
        editSpec(ctx, 'frontend-backend.yaml', (s) => `${replaceOnce(replaceOnce(s, /^steps: \[30\]$/m, 'steps: [30, 60]'),
          /(- name: frontend-main\n[\s\S]*?newVersion: )"1\.2"/, `$1"${entryVersion}"`)}${replaceOnce(analysis, EXAMPLE_ADDRESS, address)}`);
      },
      walk: async (at) => {
        await cliAt(ctx, at - 10 * 60, 'next', 'frontend-backend'); // stage 2: canaries deployed, no user traffic
        await cliAt(ctx, at, 'next', 'frontend-backend'); // stage 3 at 30%: skipped by the analysis (from stage 2)
      },
    }),
  };
}

/** The body of the first ```yaml block after `heading` in the README. */
function yamlAfter(readme: string, heading: string): string {
  const at = readme.indexOf(heading);
  const m = at < 0 ? null : /```yaml[^\n]*\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error(`README fixture: no yaml block after ${heading}`);
  return m[1];
}

/** The fixtures by name. */
export const README_FIXTURES: Readonly<Record<string, FixtureDef>> = {
  /** Canary 1.1.0 answering 5% of its requests with a 500 (0.5 of 10.5 a second). */
  'workshop-analysis': workshopAt('1.1.0', (from, to) => requestSeries('workshop-canary', '1.1.0', from, to, 10, 0.5)),
  /**
   * The workshop's metric replaced by the one the README shows under "Baseline comparison as in
   * Kayenta"; canary 2.2.0 with about twice stable's errors (noisy around 2% and 1%).
   */
  'workshop-mann-whitney': workshopAt('2.2.0', (from, to) => [
    ...requestSeries('workshop', '1.0.0', from, to, 10, (t) => 0.1 * (1 + 0.6 * noise(t, from, 1))),
    ...requestSeries('workshop-canary', '2.2.0', from, to, 10, (t) => 0.2 * (1 + 0.6 * noise(t, from, 3))),
  ], (spec, readme) => replaceOnce(spec, /    - name: error-rate[\s\S]*$/, yamlAfter(readme, '### Baseline comparison as in Kayenta'))),
  /** The entry canary frontend-main 1.3 answering 0.2% errors: it passes. */
  'group-analysis': groupAt('1.3', (from, to) => requestSeries('frontend-main', '1.3', from, to, 10, 0.02)),
  /** The entry canary frontend-main 1.2 answering 9% errors: it fails. */
  'group-analysis-failing': groupAt('1.2', (from, to) => requestSeries('frontend-main', '1.2', from, to, 10, 1)),
};
