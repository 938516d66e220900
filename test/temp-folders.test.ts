/** Temporary folders of a test run live under one run folder that the global teardown removes. */
import * as os from 'os';
import * as path from 'path';

test('GIVEN a jest run WHEN a test asks for a temporary folder THEN it is inside the run folder', () => {
  const run = process.env.CDK8S_CANARY_TEST_TMP;
  expect(run).toMatch(/cdk8s-canary-jest-\d+-/);
  expect(path.relative(run as string, os.tmpdir())).toBe('');
});

test('GIVEN a run folder with files WHEN the global teardown runs (as after failed tests too) THEN the folder is gone', async () => {
  const fs = require('fs') as typeof import('fs');
  const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'teardown-'));
  fs.mkdirSync(path.join(fake, 's3-walk-x', 'releases'), { recursive: true });
  fs.writeFileSync(path.join(fake, 's3-walk-x', 'releases', 'a.yaml'), 'x');
  const saved = process.env.CDK8S_CANARY_TEST_TMP;
  process.env.CDK8S_CANARY_TEST_TMP = fake;
  try {
    await (require('./support/global-teardown.js') as () => Promise<void>)();
  } finally {
    process.env.CDK8S_CANARY_TEST_TMP = saved;
  }
  expect(fs.existsSync(fake)).toBe(false);
});
