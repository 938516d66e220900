import * as fs from 'fs';
import * as path from 'path';
import { cli, git, GIT_ENV, tempRepo } from './cli-repo';
import { REPO } from './project';
import { counterPoints, Series } from './prometheus';

/** The reference release's spec as committed. */
export const WORKSHOP_SPEC = fs.readFileSync(path.join(REPO, 'releases/workshop.yaml'), 'utf8');
/** The Prometheus address the reference spec names (tests point it at their own server). */
export const WORKSHOP_ADDRESS = 'https://prometheus.example.com';
/** The credential the reference spec reads from the environment. */
export const AUTH_ENV = { PROMETHEUS_AUTHORIZATION: 'Bearer test-token' };

/**
 * The workshop spec with its canary at `weight`, running `version`, and its Prometheus address
 * replaced by `address`; `edit` changes the text further.
 */
export function workshopWithCanary(version: string, weight: number, address: string, edit: (s: string) => string = (s) => s): string {
  if (!WORKSHOP_SPEC.includes(WORKSHOP_ADDRESS)) throw new Error('releases/workshop.yaml no longer names the test address');
  const s = WORKSHOP_SPEC.replace(WORKSHOP_ADDRESS, address).replace('stable:\n  version: 1.0.0\n', `stable:\n  version: 1.0.0\ncanary:\n  version: ${version}\n  weight: ${weight}\n`);
  return edit(s);
}

/**
 * A git repository holding `spec` as releases/workshop.yaml (and, with `synth`, its dist/), committed
 * at `committedAt` (unix seconds): the commit that set the weight, where the analysis window starts.
 */
export function workshopRepo(spec: string, committedAt: number, opts: { synth?: boolean } = {}): { root: string; cleanup(): void } {
  const repo = tempRepo();
  repo.write('releases/workshop.yaml', spec);
  if (opts.synth) {
    const r = cli(repo.root, ['synth']);
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
  }
  git(repo.root, 'add', '-A');
  execGit(repo.root, ['commit', '-q', '-m', 'workshop: canary at its weight'], `@${committedAt} +0000`);
  return repo;
}

function execGit(cwd: string, args: string[], date: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('child_process').execFileSync('git', args, { cwd, env: { ...GIT_ENV, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date }, stdio: 'ignore' });
}

/** Request counters of the workshop app, by namespace, version and status code. */
export function requestSeries(namespace: string, version: string, from: number, to: number, okPerSecond: number | ((t: number) => number), errorsPerSecond: number | ((t: number) => number)): Series[] {
  return [
    { name: 'http_requests_total', labels: { namespace, version, code: '200' }, points: counterPoints(from, to, 15, okPerSecond) },
    { name: 'http_requests_total', labels: { namespace, version, code: '500' }, points: counterPoints(from, to, 15, errorsPerSecond) },
  ];
}
