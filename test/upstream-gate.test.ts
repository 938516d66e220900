import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, copyRepo, git, repoState, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * A move on a branch behind its upstream, where the upstream (as last fetched) changed the release's
 * spec: someone else started or stepped it and Argo CD / Flux already sync that. The move used to be
 * committed on the old state (a second canary, a diverging weight) without a word; only `--push`
 * noticed. It is now refused before anything is written, naming the upstream's commit.
 */
describe('a move on a branch behind its upstream', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  let remote: string;
  beforeAll(() => {
    // GIVEN a clone whose origin/main (fetched) started shop's canary, while its main is one commit behind
    base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop'), 'releases/blog.yaml': webappSpec('blog') });
    remote = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-remote-'));
    git(remote, 'init', '-q', '--bare', '-b', 'main');
    git(base.root, 'remote', 'add', 'origin', remote);
    git(base.root, 'push', '-q', '-u', 'origin', 'main');
    const started = cli(base.root, ['start', 'shop', '--version', '1.1.0', '--push']);
    if (started.status !== 0) throw new Error(started.stderr);
    git(base.root, 'reset', '-q', '--hard', 'HEAD~1');
  });
  afterAll(() => { base.cleanup(); fs.rmSync(remote, { recursive: true, force: true }); });

  test('fails start of the release the upstream moved: exit 2, "behind origin/main, which changed releases/shop.yaml", nothing written', () => {
    const repo = copyRepo(base.root);
    try {
      expect(git(repo.root, 'status', '-sb').split('\n')[0]).toBe('## main...origin/main [behind 1]');
      const before = repoState(repo.root);
      const r = cli(repo.root, ['start', 'shop', '--version', '1.2.0']);
      const sha = git(repo.root, 'rev-parse', '--short', 'origin/main').trim();
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: 2, stdout: '',
        stderr: `error: this branch is behind origin/main, which changed releases/shop.yaml (${sha} "shop: start canary 1.1.0 at 0%"): the move would be made on an old state of shop; run \`git pull\` first, then \`npx cdk8s-canary status shop\`, and move again\n`,
      });
      expect(repoState(repo.root)).toEqual(before);
      // THEN --dry-run shows the same refusal
      expect(cli(repo.root, ['start', 'shop', '--version', '1.2.0', '--dry-run']).stderr).toMatch(/^error: this branch is behind origin\/main, which changed releases\/shop\.yaml/);
    } finally {
      repo.cleanup();
    }
  });

  test('GIVEN the same branch WHEN another release moves (its spec unchanged upstream) THEN the move is committed as before', () => {
    const repo = copyRepo(base.root);
    try {
      const r = cli(repo.root, ['start', 'blog', '--version', '1.1.0']);
      expect(r.status).toBe(0);
      expect(git(repo.root, 'log', '-1', '--format=%s').trim()).toBe('blog: start canary 1.1.0 at 0%');
    } finally {
      repo.cleanup();
    }
  });

  test('GIVEN the same branch WHEN git pull, then the move THEN it moves the upstream\'s state (the canary started there)', () => {
    const repo = copyRepo(base.root);
    try {
      git(repo.root, 'pull', '-q', '--ff-only');
      const r = cli(repo.root, ['step', 'shop']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^shop: canary 1\.1\.0 0% -> 25%\n/);
    } finally {
      repo.cleanup();
    }
  });
});
