import * as fs from 'fs';
import * as path from 'path';
import { SpecError } from '../lib/spec/errors';
import { projectPaths } from '../lib/synth/project';
import { loadProjectFor } from '../lib/synth/spec-cache';
import { cleanupTempDirs, tempDir, writeFiles } from './support/git-repo';
import { specText } from './support/specs';

afterAll(cleanupTempDirs);

/** A project with `n` valid releases r0..r(n-1), files dated an hour ago. */
function project(n: number): { root: string; cache: string } {
  const root = tempDir();
  for (let i = 0; i < n; i++) writeFiles(root, { [`releases/r${i}.yaml`]: specText(`r${i}`, '') });
  age(root);
  return { root, cache: path.join(root, 'cache', 'valid-specs.json') };
}

function age(root: string, seconds = 3600): void {
  const t = new Date(Date.now() - seconds * 1000);
  for (const f of fs.readdirSync(path.join(root, 'releases'))) fs.utimesSync(path.join(root, 'releases', f), t, t);
}

describe('validation cache of a move (loadProjectFor)', () => {
  test('the first call validates every spec; later calls parse only the release moved', () => {
    const { root, cache } = project(5);
    const first = loadProjectFor(projectPaths(root), 'r2', cache);
    expect(first).toMatchObject({ names: ['r0', 'r1', 'r2', 'r3', 'r4'], parsed: 5 });
    expect(first.release?.model.name).toBe('r2');
    const second = loadProjectFor(projectPaths(root), 'r3', cache);
    expect(second.parsed).toBe(1);
    expect(second.release?.model.name).toBe('r3');
    // without a cache file everything is parsed every time
    expect(loadProjectFor(projectPaths(root), 'r3').parsed).toBe(5);
  });

  test('fails for a spec that changed after it was cached, even with the same size and an old date', () => {
    const { root, cache } = project(3);
    loadProjectFor(projectPaths(root), 'r0', cache);
    const f = path.join(root, 'releases/r1.yaml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('version: 1.0.0', 'version: 1.0.!'));
    const old = new Date(Date.now() - 1800 * 1000);
    fs.utimesSync(f, old, old);
    expect(() => loadProjectFor(projectPaths(root), 'r0', cache)).toThrow(SpecError);
    expect(() => loadProjectFor(projectPaths(root), 'r0', cache)).toThrow(/releases\/r1\.yaml:\d+:\d+: stable\.version: .*\(got "1\.0\.!"\)/);
  });

  test('a cache written by other code (another fingerprint) is ignored', () => {
    const { root, cache } = project(3);
    loadProjectFor(projectPaths(root), 'r0', cache);
    const c = JSON.parse(fs.readFileSync(cache, 'utf8'));
    fs.writeFileSync(cache, JSON.stringify({ ...c, fingerprint: 'other code' }));
    expect(loadProjectFor(projectPaths(root), 'r0', cache).parsed).toBe(3);
  });

  test('fails for two specs with one name (a.yaml and a.yml) like loadProject', () => {
    const { root, cache } = project(2);
    writeFiles(root, { 'releases/r0.yml': specText('r0', '') });
    age(root);
    expect(() => loadProjectFor(projectPaths(root), 'r1', cache)).toThrow(/release name 'r0' is already used by releases\/r0\.yaml/);
  });

  test('an unknown name gives no release and lists the names', () => {
    const { root, cache } = project(2);
    expect(loadProjectFor(projectPaths(root), 'nope', cache)).toEqual({ names: ['r0', 'r1'], parsed: 2 });
  });
});
