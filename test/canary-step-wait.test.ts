import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { git } from './support/cli-repo';

/**
 * The wait steps of examples/github-actions/canary-step.yml, run offline: kubectl is a stub printing
 * what Argo CD / Flux would report, git is real. Both engines report the branch head they synced, so
 * when another release's run pushed a later commit first, the old exact match on `$SHA` never held
 * and the job timed out; the wait now accepts this commit or any later commit of the branch.
 */
describe('canary-step.yml waits for a synced revision that holds the step commit', () => {
  const steps: any[] = parse(fs.readFileSync(path.resolve(__dirname, '../examples/github-actions/canary-step.yml'), 'utf8')).jobs.step.steps;
  const script = (name: RegExp) => steps.find((s) => name.test(s.name ?? '')).run as string;
  let dir: string;
  let clone: string;
  let sha: string;
  let later: string;
  let unrelated: string;
  beforeAll(() => {
    // GIVEN origin/main at the step commit SHA and then a later commit (another release's move), and
    // the runner's clone that pushed SHA and has not fetched since
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-wait-'));
    const origin = path.join(dir, 'origin.git');
    git(dir, 'init', '-q', '--bare', '-b', 'main', origin);
    const other = path.join(dir, 'other');
    git(dir, 'clone', '-q', origin, other);
    const commit = (repo: string, msg: string) => { git(repo, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-q', '--allow-empty', '-m', msg); return git(repo, 'rev-parse', 'HEAD').trim(); };
    sha = commit(other, 'webapp: canary 1.1.0 0% -> 10%');
    git(other, 'push', '-q', 'origin', 'HEAD:main');
    clone = path.join(dir, 'runner');
    git(dir, 'clone', '-q', origin, clone);
    later = commit(other, 'workshop: canary 1.1.0 0% -> 25%');
    git(other, 'push', '-q', 'origin', 'HEAD:main');
    unrelated = git(other, 'commit-tree', '-m', 'never pushed', `${later}^{tree}`).trim(); // not on the branch
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // `get -o name` lists the object, `get -o jsonpath=` prints the revision, `wait --for=jsonpath=` on a
    // revision field holds only for that exact value (as kubectl's), other waits (Synced, Ready) hold
    fs.writeFileSync(path.join(bin, 'kubectl'), [
      '#!/bin/sh',
      'case "$*" in',
      '  *" -o name"*) echo "$FAKE_OBJ" ;;',
      '  *"-o jsonpath="*) printf "%s" "$FAKE_REV" ;;',
      '  *"Revision}="*|*"revision}="*) for a in "$@"; do case "$a" in --for=jsonpath=*) [ "${a#*\\}=}" = "$FAKE_REV" ] && exit 0;; esac; done; echo "error: timed out waiting for the condition" >&2; exit 1 ;;',
      '  *) exit 0 ;;',
      'esac',
      '',
    ].join('\n'), { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (step: RegExp, obj: string, rev: string, timeout: string) => spawnSync('bash', ['-e', '-c', script(step)], {
    cwd: clone, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, RELEASE: 'webapp', SHA: sha, BRANCH: 'main', TIMEOUT: timeout,
      ARGOCD_NAMESPACE: 'argocd', FLUX_NAMESPACE: 'flux-system', FLUX_SOURCE: 'cdk8s-canary', FAKE_OBJ: obj, FAKE_REV: rev },
  });

  test.each([
    ['Argo CD', /Wait for Argo CD/, 'application.argoproj.io/webapp', (r: string) => r],
    ['Flux', /Wait for Flux/, 'kustomization.kustomize.toolkit.fluxcd.io/webapp-webapp', (r: string) => `main@sha1:${r}`],
  ])('GIVEN %s reports a later commit of the branch WHEN the wait runs THEN it passes at once', (_e, step, obj, fmt) => {
    const r = run(step, obj, fmt(later), '20s');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test.each([
    ['Argo CD', /Wait for Argo CD/, 'application.argoproj.io/webapp', (r: string) => r],
    ['Flux', /Wait for Flux/, 'kustomization.kustomize.toolkit.fluxcd.io/webapp-webapp', (r: string) => `main@sha1:${r}`],
  ])('GIVEN %s reports the step commit itself WHEN the wait runs THEN it passes', (_e, step, obj, fmt) => {
    expect(run(step, obj, fmt(sha), '20s').status).toBe(0);
  });

  test('GIVEN Argo CD still reports a commit that does not hold the step WHEN the wait runs THEN it times out (exit 124)', () => {
    expect(run(/Wait for Argo CD/, 'application.argoproj.io/webapp', unrelated, '3s').status).toBe(124);
  });
});
