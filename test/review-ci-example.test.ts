import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const dir = path.resolve(__dirname, '../examples/github-actions');

describe('CI example for PR review (examples/github-actions/canary-pr-review.yml)', () => {
  const wf = parse(fs.readFileSync(path.join(dir, 'canary-pr-review.yml'), 'utf8'));
  const steps: any[] = wf.jobs.review.steps;
  const script = (name: RegExp) => steps.find((s) => name.test(s.name ?? ''))?.run as string;

  test('runs on pull requests with full history and may only write PR comments', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(steps[0]).toMatchObject({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
  });

  test('validates, checks dist/ is fresh, then posts cdk8s-canary diff from the merge base as one comment', () => {
    const names = steps.map((s) => s.name ?? s.uses);
    expect(script(/Validate/)).toBe('npx cdk8s-canary validate --from "$(git merge-base "origin/$BASE_REF" HEAD)"');
    expect(script(/Summarize/)).toMatch(/base=\$\(git merge-base "origin\/\$BASE_REF" HEAD\)/);
    expect(script(/Summarize/)).toMatch(/npx cdk8s-canary diff "\$base" HEAD/);
    expect(script(/Post the summary/)).toMatch(/gh pr comment "\$PR" --body-file canary-diff\.md/);
    expect(names.findIndex((n) => /Validate/.test(n))).toBeLessThan(names.findIndex((n) => /Summarize/.test(n)));
    expect(names[names.length - 1]).toMatch(/Post the summary/);
    // a refused PR still gets its summary (the UNSAFE lines say why), a cancelled run does not
    for (const n of [/Summarize/, /Post the summary/]) expect(steps.find((st) => n.test(st.name ?? '')).if).toBe('success() || failure()');
  });

  test('every run script of both examples is valid bash', () => {
    for (const f of ['canary-pr-review.yml', 'canary-step.yml']) {
      const wfx = parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      for (const job of Object.values(wfx.jobs) as any[]) {
        for (const s of job.steps.filter((x: any) => x.run)) {
          expect(() => execFileSync('bash', ['-n'], { input: s.run, stdio: ['pipe', 'ignore', 'pipe'] })).not.toThrow();
        }
      }
    }
  });

  test('the step example writes the move\'s diff to the job summary right after pushing it', () => {
    const step = parse(fs.readFileSync(path.join(dir, 'canary-step.yml'), 'utf8')).jobs.step.steps as any[];
    const i = step.findIndex((s) => /Commit and push/.test(s.name ?? ''));
    expect(step[i + 1].run).toBe('npx cdk8s-canary diff "$SHA~1" "$SHA" >> "$GITHUB_STEP_SUMMARY"');
  });
});
