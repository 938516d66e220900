import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildProgram } from '../lib/cli/main';

// The scheduled examples of `advance --push`: they parse, their scripts are valid bash, and every
// cdk8s-canary call names a real command with options it has.
const GITHUB = path.resolve(__dirname, '../examples/github-actions/canary-advance.yml');
const GITLAB = path.resolve(__dirname, '../examples/gitlab-ci/canary-advance.gitlab-ci.yml');

/** Every `npx cdk8s-canary ...` call in a script: the command and its options. */
function calls(script: string): { command: string; options: string[] }[] {
  return [...script.matchAll(/npx cdk8s-canary ([a-z-]+)([^\n;|&>]*)/g)].map((m) => ({ command: m[1], options: [...m[2].matchAll(/(?:^|\s)(--?[a-z][a-z-]*)/g)].map((o) => o[1]) }));
}

/** Asserts each call names a command of the CLI and only options that command (or the program) takes. */
function expectRealCalls(script: string): number {
  const program = buildProgram({ out: () => undefined, err: () => undefined }, () => undefined);
  const found = calls(script);
  for (const c of found) {
    const cmd = program.commands.find((x) => x.name() === c.command);
    expect(cmd).toBeDefined();
    const known = [...(cmd?.options ?? []), ...program.options].flatMap((o) => [o.long, o.short]).filter(Boolean);
    for (const o of c.options) expect(known).toContain(o);
  }
  return found.length;
}

describe('scheduled advance examples', () => {
  test('GitHub Actions: every 5 minutes, one run at a time, full history, advance --push with the credential from a secret', () => {
    const wf = parse(fs.readFileSync(GITHUB, 'utf8'));
    expect(wf.on.schedule).toEqual([{ cron: '*/5 * * * *' }]);
    expect(wf.concurrency).toEqual({ group: 'canary-advance', 'cancel-in-progress': false });
    expect(wf.permissions).toEqual({ contents: 'write' });
    const steps: { name?: string; uses?: string; with?: Record<string, unknown>; run?: string; env?: Record<string, string> }[] = wf.jobs.advance.steps;
    expect(steps.find((s) => s.uses === 'actions/checkout@v4')?.with).toEqual({ 'fetch-depth': 0 });
    const adv = steps.find((s) => /Advance/.test(s.name ?? ''));
    expect(adv?.run).toMatch(/npx cdk8s-canary advance --push/);
    expect(adv?.env).toEqual({ PROMETHEUS_AUTHORIZATION: '${{ secrets.PROMETHEUS_AUTHORIZATION }}' });
    let n = 0;
    for (const s of steps.filter((x) => x.run)) {
      expect(() => execFileSync('bash', ['-n'], { input: s.run, stdio: ['pipe', 'ignore', 'pipe'] })).not.toThrow();
      n += expectRealCalls(s.run as string);
    }
    expect(n).toBe(2); // advance --push, diff
  });

  test('GitLab CI: on the schedule, one run at a time, full history, on the branch (not detached), advance --push', () => {
    const ci = parse(fs.readFileSync(GITLAB, 'utf8'));
    const job = ci['canary-advance'];
    expect(job.rules).toContainEqual({ if: '$CI_PIPELINE_SOURCE == "schedule"' });
    expect(job.resource_group).toBe('canary-advance');
    expect(job.variables).toEqual({ GIT_DEPTH: '0' });
    const script = (job.script as string[]).join('\n');
    expect(script).toMatch(/git checkout -B "\$CI_COMMIT_BRANCH"/);
    expect(script.indexOf('git checkout -B')).toBeLessThan(script.indexOf('cdk8s-canary advance'));
    expect(() => execFileSync('bash', ['-n'], { input: script, stdio: ['pipe', 'ignore', 'pipe'] })).not.toThrow();
    expect(expectRealCalls(script)).toBe(1);
  });

  test('the call check can fail: an unknown option or command is caught', () => {
    expect(() => expectRealCalls('npx cdk8s-canary advance --pushh')).toThrow();
    expect(() => expectRealCalls('npx cdk8s-canary advanse --push')).toThrow();
  });
});
