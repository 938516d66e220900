/** Temporary folders of a test run live under one run folder that the global teardown removes. */
import * as os from 'os';
import * as path from 'path';

test('GIVEN a jest run WHEN a test asks for a temporary folder THEN it is inside the run folder', () => {
  const run = process.env.CDK8S_CANARY_TEST_TMP;
  expect(run).toMatch(/cdk8s-canary-jest-\d+-/);
  expect(path.relative(run as string, os.tmpdir())).toBe('');
});
