/**
 * `status` and an invalid cdk8s-canary.yaml: every move reads the project file, so status lists it
 * like an invalid spec (exit 2) instead of showing a next move that would be refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli-repo';
import { cleanupTempDirs, git, projectRepo } from './support/git-repo';

afterAll(() => cleanupTempDirs());

describe('status with an invalid cdk8s-canary.yaml', () => {
  test('fails listing cdk8s-canary.yaml under invalid, with its position and the fix (exit 2), in text and JSON', () => {
    // GIVEN a project whose cdk8s-canary.yaml gained an unknown field
    const dir = projectRepo();
    const config = fs.readFileSync(path.join(__dirname, '../cdk8s-canary.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), `${config}bogus: 1\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'config');
    // WHEN status runs THEN it exits 2 and names the file's problem
    const text = cli(dir, ['status', 'webapp']);
    expect(text.status).toBe(2);
    expect(text.stderr).toMatch(/^cdk8s-canary\.yaml: invalid, 1 problem\(s\):\n {2}cdk8s-canary\.yaml:\d+:1: bogus: unknown field 'bogus'; remove it/m);
    const json = cli(dir, ['status', '--json']);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout).invalid.map((x: { file: string }) => x.file)).toEqual(['cdk8s-canary.yaml']);
  });
});
