/**
 * `validate` says when the dist/ on disk is not what the specs synthesize (a spec edited before
 * synth, or a hand edit of dist/ committed): a warning naming the files and `synth`, exit 0.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli-repo';
import { cleanupTempDirs, git, projectRepo } from './support/git-repo';

afterAll(() => cleanupTempDirs());

const WARNING = /^warning: dist\/ is not what the specs synthesize \((\d+) file\(s\): ([^)]*)\); run `npx cdk8s-canary synth` and commit dist\/ with the specs$/m;

describe('validate and a stale dist/', () => {
  test('GIVEN a synthesized, committed project WHEN validated THEN no warning', () => {
    const dir = projectRepo();
    const r = cli(dir, ['validate']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/warning: dist\//);
  });

  test('GIVEN a spec edited (a canary started by hand) WHEN validated before and after synth THEN the warning names the files until synth writes them', () => {
    const dir = projectRepo();
    fs.appendFileSync(path.join(dir, 'releases/webapp.yaml'), 'canary:\n  version: 1.1.0\n  weight: 0\n');
    const before = cli(dir, ['validate']);
    expect(before.status).toBe(0);
    const m = WARNING.exec(before.stderr);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(m![2]).toMatch(/dist\/webapp\//);
    expect(cli(dir, ['synth']).status).toBe(0);
    const after = cli(dir, ['validate']);
    expect(after.status).toBe(0);
    expect(after.stderr).not.toMatch(/warning: dist\//);
  });

  test('GIVEN a hand edit of dist/ committed (the canary Deployment deleted) WHEN validated THEN the warning names that file', () => {
    const dir = projectRepo();
    fs.appendFileSync(path.join(dir, 'releases/webapp.yaml'), 'canary:\n  version: 1.1.0\n  weight: 10\n');
    expect(cli(dir, ['synth']).status).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'canary');
    const file = fs.readdirSync(path.join(dir, 'dist/webapp/webapp-canary')).find((f) => /^deployment-.*-canary\.yaml$/.test(f));
    expect(file).toBeDefined();
    git(dir, 'rm', '-q', `dist/webapp/webapp-canary/${file}`);
    git(dir, 'commit', '-qm', 'hand edit');
    const r = cli(dir, ['validate']);
    expect(r.status).toBe(0);
    expect(WARNING.exec(r.stderr)?.slice(1)).toEqual(['1', `dist/webapp/webapp-canary/${file}`]);
  });
});
