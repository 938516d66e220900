import * as fs from 'fs';
import * as path from 'path';
import { workshopWithCanary } from './support/analysis';
import { cli } from './support/cli';
import { tempRepo } from './support/cli-repo';
import { groupFromText, S3_TEXT } from './support/groups';
import { REPO } from './support/project';

// The README's analysis examples for release groups and the Mann-Whitney comparison are valid specs
// that resolve to what the README says.
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** The body of the first ```yaml block after `heading`. */
function yamlAfter(heading: string): string {
  const at = README.indexOf(heading);
  expect(at).toBeGreaterThan(0);
  const m = /```yaml\n([\s\S]*?)```/.exec(README.slice(at));
  if (!m) throw new Error(`no yaml block after ${heading}`);
  return m[1];
}

test('GIVEN the README\'s Mann-Whitney metric WHEN it replaces the workshop\'s metric THEN synth accepts it and analyze resolves Kayenta\'s fields as documented', async () => {
  const metric = yamlAfter('### Baseline comparison as in Kayenta: Mann-Whitney U');
  expect(metric).toMatch(/test: mannWhitney/);
  const spec = workshopWithCanary('1.1.0', 25, 'http://127.0.0.1:9', (s) => s.replace(/    - name: error-rate[\s\S]*$/, metric));
  const repo = tempRepo({ 'releases/workshop.yaml': spec });
  try {
    const r = await cli(repo.root, 'synth');
    expect([r.code, r.err]).toEqual([0, '']);
    const { analysisModelOf } = await import('../lib/analysis/model');
    const { parse } = await import('yaml');
    const m = analysisModelOf((parse(spec) as { analysis: never }).analysis);
    if ('problems' in m) throw new Error(JSON.stringify(m.problems));
    expect(m.metrics[0].test).toEqual({ kind: 'mannWhitney', stepSeconds: 60, direction: 'increase', confidenceLevel: 0.98, allowedIncrease: 1.2, allowedDecrease: 1, minSamples: 20 });
  } finally {
    repo.cleanup();
  }
});

test('GIVEN the README\'s group ladder with a soak time THEN the S3 group takes it: 15 minutes at 30%', () => {
  const ladder = /`(steps: \[10, \{weight: 30, minSoak: 15m\}, 60\])`/.exec(README)?.[1];
  expect(ladder).toBeDefined();
  const g = groupFromText(S3_TEXT.replace('steps: [30]', ladder as string));
  expect(g.steps).toEqual([10, 30, 60]);
  expect([...g.minSoakSeconds]).toEqual([[30, 900]]);
});
