/**
 * Issue 19, fault 5: `cdk8s-canary synth` followed CDK8S_OUTDIR, so a user who had it set for another
 * cdk8s app got this project's dist/ written elsewhere. Only the cdk8s CLI's run of the app
 * (cdk8s.yaml: `node build/main.js --cdk8s-cli`) reads it now.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, GIT_ENV, tempRepo } from './support/cli-repo';
import { REPO } from './support/project';
import { specText } from './support/specs';

const MAIN = path.join(REPO, 'build', 'main.js');

describe('CDK8S_OUTDIR is honoured only when the cdk8s CLI runs the app', () => {
  const repo = tempRepo({ 'releases/shop.yaml': specText('shop') });
  afterAll(() => repo.cleanup());
  const other = () => path.join(repo.root, 'elsewhere');
  const reset = () => { for (const d of ['dist', 'elsewhere']) fs.rmSync(path.join(repo.root, d), { recursive: true, force: true }); };

  test.each([
    ['cdk8s-canary synth', [BIN, '-C', '.', 'synth']],
    ['npm run synth (node build/main.js)', [MAIN]],
  ])('%s with CDK8S_OUTDIR set writes dist/, not the variable\'s folder', (_, argv) => {
    reset();
    const r = spawnSync(process.execPath, argv, { cwd: repo.root, env: { ...GIT_ENV, CDK8S_OUTDIR: other() }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(repo.root, 'dist', 'shop', 'shop', 'kustomization.yaml'))).toBe(true);
    expect(fs.existsSync(other())).toBe(false);
  });

  test('the cdk8s CLI\'s run (node build/main.js --cdk8s-cli) writes where CDK8S_OUTDIR says', () => {
    reset();
    const r = spawnSync(process.execPath, [MAIN, '--cdk8s-cli'], { cwd: repo.root, env: { ...GIT_ENV, CDK8S_OUTDIR: 'elsewhere' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(other(), 'shop', 'shop', 'kustomization.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(repo.root, 'dist'))).toBe(false);
  });

  test('cdk8s.yaml runs the app with --cdk8s-cli', () => {
    expect(fs.readFileSync(path.join(REPO, 'cdk8s.yaml'), 'utf8')).toMatch(/^app: (npm run --silent build && )?node build\/main\.js --cdk8s-cli$/m);
  });
});
