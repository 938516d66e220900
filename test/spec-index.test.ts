import * as fs from 'fs';
import * as path from 'path';
import { SpecError, UsageError } from '../lib/spec/errors';
import { projectPaths } from '../lib/synth/project';
import { loadProjectFor } from '../lib/synth/spec-cache';
import { loadNamedSpec, specIndex, validateNamed } from '../lib/synth/spec-index';
import { cleanupTempDirs, tempDir, writeFiles } from './support/git-repo';
import { specText } from './support/specs';

afterAll(cleanupTempDirs);

/** A project with `n` valid releases r0..r(n-1); `broken` names releases written invalid (stable.version 1.0.!). */
function project(n: number, broken: readonly string[] = []): string {
  const root = tempDir();
  for (let i = 0; i < n; i++) {
    const text = specText(`r${i}`, '');
    writeFiles(root, { [`releases/r${i}.yaml`]: broken.includes(`r${i}`) ? text.replace('version: 1.0.0', 'version: 1.0.!') : text });
  }
  return root;
}

describe('commands about one spec read that spec only (lib/synth/spec-index)', () => {
  test('loads the named release and not the others: another invalid spec does not stop it', () => {
    // GIVEN r1 is invalid
    const root = project(3, ['r1']);
    // WHEN r0 and r2 are loaded THEN they load
    expect('release' in loadNamedSpec(projectPaths(root), 'r0') && loadNamedSpec(projectPaths(root), 'r2')).toBeTruthy();
    // AND r1 fails with its own positioned problem
    expect(() => loadNamedSpec(projectPaths(root), 'r1')).toThrow(SpecError);
    expect(() => loadNamedSpec(projectPaths(root), 'r1')).toThrow(/releases\/r1\.yaml:\d+:\d+: stable\.version: .*\(got "1\.0\.!"\)/);
  });

  test('never parses another spec: an unreadable neighbour is not opened', () => {
    // GIVEN r9.yaml cannot be read (a folder named like a spec)
    const root = project(2);
    fs.mkdirSync(path.join(root, 'releases', 'r9.yaml'));
    // WHEN r0 is loaded THEN it loads; the index lists every name
    expect('release' in loadNamedSpec(projectPaths(root), 'r0')).toBe(true);
    expect([...specIndex(projectPaths(root)).keys()]).toEqual(['r0', 'r1', 'r9']);
  });

  test('fails for two specs with one name (a.yaml and a.yml) like loadProject', () => {
    const root = project(2);
    writeFiles(root, { 'releases/r0.yml': specText('r0', '') });
    expect(() => loadNamedSpec(projectPaths(root), 'r0')).toThrow(/releases\/r0\.yml:\d+:\d+: name: release name 'r0' is already used by releases\/r0\.yaml/);
  });

  test('fails for an unknown name, listing the names; a path is never a name', () => {
    const root = project(2);
    writeFiles(root, { 'outside.yaml': specText('outside', '') });
    for (const name of ['nope', '../outside', 'releases/../../outside', '.', '']) {
      expect(() => loadNamedSpec(projectPaths(root), name)).toThrow(UsageError);
      expect(() => loadNamedSpec(projectPaths(root), name)).toThrow(/^unknown release '.*'; (did you mean 'r[01]'\? )?releases: r0, r1 \(see `npx cdk8s-canary status`\)$/);
    }
  });

  test('fails for a mistyped name with a did-you-mean, release groups listed apart', () => {
    const root = project(2);
    writeFiles(root, { 'releases/fb.yaml': 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: ReleaseGroup\nname: fb\n' });
    expect(() => loadNamedSpec(projectPaths(root), 'r9')).toThrow("unknown release 'r9'; did you mean 'r0'? releases: r0, r1; release groups: fb (see `npx cdk8s-canary status`)");
  });

  test('a file named in another case is not the release (exact names, as releases/ lists them)', () => {
    const root = project(1);
    expect(() => loadNamedSpec(projectPaths(root), 'R0')).toThrow(/unknown release 'R0'/);
  });

  test('validateNamed reports the spec and cdk8s-canary.yaml together', () => {
    // GIVEN an invalid project config and an invalid spec
    const root = project(2, ['r1']);
    writeFiles(root, { 'cdk8s-canary.yaml': 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nnope: 1\n' });
    // WHEN r1 is validated THEN both files' problems are in one error
    let err: unknown;
    try { validateNamed(projectPaths(root), 'r1'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).problems.map((p) => p.file).sort()).toEqual(['cdk8s-canary.yaml', 'releases/r1.yaml']);
    // AND a valid spec still fails on the config alone
    expect(() => validateNamed(projectPaths(root), 'r0')).toThrow(/cdk8s-canary\.yaml/);
  });

  test('loadProjectFor (moves) returns the release and every name, parsing one spec', () => {
    const root = project(4, ['r3']);
    const r = loadProjectFor(projectPaths(root), 'r2');
    expect(r).toMatchObject({ names: ['r0', 'r1', 'r2', 'r3'], parsed: 1 });
    expect(r.release?.model.name).toBe('r2');
    expect(loadProjectFor(projectPaths(root), 'nope')).toEqual({ names: ['r0', 'r1', 'r2', 'r3'], parsed: 0 });
  });

  test('loadProjectFor lists releases/ only when the names are read (a move of a valid release does not)', () => {
    // GIVEN a project with two releases
    const root = project(2);
    // WHEN r0 is loaded, and a release is added before the names are read
    const r = loadProjectFor(projectPaths(root), 'r0');
    writeFiles(root, { 'releases/r9.yaml': specText('r9', '') });
    // THEN the names are listed when read: the new one is there
    expect(r.release?.model.name).toBe('r0');
    expect(r.names).toEqual(['r0', 'r1', 'r9']);
  });

  test('fails for a name releases/ lists that is no readable spec (a folder, a dangling link): unknown, not a release group', () => {
    // GIVEN releases/x.yaml is a folder and releases/y.yaml a link to nothing
    const root = project(2);
    fs.mkdirSync(path.join(root, 'releases/x.yaml'));
    fs.symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'releases/y.yaml'));
    // WHEN either is loaded for a move THEN the name is unknown, as before moves stopped listing releases/
    for (const name of ['x', 'y']) {
      expect(() => loadProjectFor(projectPaths(root), name)).toThrow(UsageError);
      expect(() => loadProjectFor(projectPaths(root), name)).toThrow(new RegExp(`unknown release '${name}'`));
    }
  });

  test('a spec file answering to its name with the case swapped (a case-insensitive file system, here a hard link) is still found by the listing', () => {
    // GIVEN releases/r1.yaml, and RELEASES/R1.YAML the same file under the swapped-case name, as a
    // case-insensitive file system answers
    const root = project(2);
    fs.linkSync(path.join(root, 'releases/r1.yaml'), path.join(root, 'releases/R1.YAML'));
    // WHEN r1 is loaded THEN it is found (the listing names r1.yaml exactly)
    expect(loadProjectFor(projectPaths(root), 'r1').release?.model.name).toBe('r1');
  });
});
