import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A temporary git repository (real git binary) with helpers to commit whole dist/ trees. */
export function tempRepo(): { root: string; git(...args: string[]): string; writeDist(files: ReadonlyMap<string, string>, dist?: string): void; commit(message: string): string; cleanup(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-git-'));
  const git = (...args: string[]) => execFileSync('git', args, {
    cwd: root, encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: root },
  }).trim();
  git('init', '-q', '-b', 'main');
  // a project root (the CLI finds its project by releases/), here with no specs: the review commands read dist/ only
  fs.mkdirSync(path.join(root, 'releases'));
  const writeDist = (files: ReadonlyMap<string, string>, dist = 'dist') => {
    fs.mkdirSync(path.join(root, path.dirname(dist), 'releases'), { recursive: true });
    fs.rmSync(path.join(root, dist), { recursive: true, force: true });
    for (const [rel, text] of files) {
      const p = path.join(root, dist, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    }
  };
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  return { root, git, writeDist, commit, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}
