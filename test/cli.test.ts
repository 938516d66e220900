import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../lib/cli/main';
import { readTree } from '../lib/manifests/files';
import { bufferIo, REPO, tempProject, webappSpec } from './support/project';

const BIN = path.join(REPO, 'bin/cdk8s-canary.js');

describe('cdk8s-canary CLI', () => {
  test('--help of the compiled binary lists the commands', () => {
    // GIVEN the compiled CLI WHEN asked for help THEN synth and validate are listed
    const out = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/Usage: cdk8s-canary/);
    expect(out).toMatch(/^\s+synth\b/m);
    expect(out).toMatch(/^\s+validate\b/m);
  });

  test('synth through the binary writes dist/ and says how much', () => {
    const p = tempProject({ 'releases/shop.yaml': webappSpec('shop') });
    try {
      const r = spawnSync(process.execPath, [BIN, '-C', p.root, 'synth'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      // 5 files of shop/shop, 1 release kustomization, 5 of dist/argocd/ (the releases' and the root's AppProjects) and 4 of dist/flux/ (test/gitops-*.test.ts)
      expect(r.stdout).toBe('synthesized 1 release(s), 17 file(s) into dist/\n');
      expect(fs.existsSync(path.join(p.root, 'dist/shop/shop/deployment-shop.yaml'))).toBe(true);
    } finally { p.cleanup(); }
  });

  test('fails with exit code 2 on a bad spec, prints file:line:col, and leaves dist/ untouched', () => {
    // GIVEN a project with a synthesized dist/ and then a spec with a weight of 150
    const p = tempProject({ 'releases/shop.yaml': webappSpec('shop') });
    try {
      expect(spawnSync(process.execPath, [BIN, '-C', p.root, 'synth']).status).toBe(0);
      const before = readTree(path.join(p.root, 'dist'));
      p.write('releases/shop.yaml', webappSpec('shop', 'canary:\n  version: 2.0.0\n  weight: 150\n'));
      // WHEN synthesized
      const r = spawnSync(process.execPath, [BIN, '-C', p.root, 'synth'], { encoding: 'utf8' });
      // THEN exit 2, a positioned message with the fix, and dist/ as it was
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('releases/shop.yaml:22:11: canary.weight: weight is above the weight total 100 (got 150); use a weight between 0 and 100');
      expect(r.stderr).toContain('1 problem(s) found; nothing was written');
      expect(readTree(path.join(p.root, 'dist'))).toEqual(before);
    } finally { p.cleanup(); }
  });

  test('validate reports how many releases are valid and writes nothing', async () => {
    const p = tempProject({ 'releases/shop.yaml': webappSpec('shop'), 'releases/blog.yaml': webappSpec('blog') });
    try {
      const b = bufferIo();
      expect(await run(['node', 'cdk8s-canary', '-C', p.root, 'validate'], b.io)).toBe(0);
      expect(b.out).toEqual(['2 release(s) valid']);
      expect(fs.existsSync(path.join(p.root, 'dist'))).toBe(false);
    } finally { p.cleanup(); }
  });

  test('fails with exit code 2 on an unknown command', async () => {
    const b = bufferIo();
    expect(await run(['node', 'cdk8s-canary', 'nonsense'], b.io)).toBe(2);
    expect(b.err.join('\n')).toMatch(/unknown command 'nonsense'/);
  });
});
