/**
 * `kubectl kustomize` (the real binary) builds every namespace folder of the S1 releases: the
 * committed dist/ and every rollout state rendered in memory.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Document, parseAllDocuments, parse } from 'yaml';
import { ROOT, stateOf } from './support/states';

/** Builds a folder with `kubectl kustomize`; returns the objects it printed. */
function kustomize(dir: string): { kind: string; metadata: { name: string; namespace?: string } }[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((d) => d.toJS()).filter(Boolean);
}

/** The folders (containing a kustomization.yaml) under a directory. */
function folders(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name))
    .filter((d) => fs.existsSync(path.join(d, 'kustomization.yaml')));
}

function expectBuilds(folder: string): void {
  const listed = (parse(fs.readFileSync(path.join(folder, 'kustomization.yaml'), 'utf8')) as { resources: string[] }).resources;
  const built = kustomize(folder);
  // THEN every listed file is one object in the build, and all of them live in the folder's namespace
  expect(built).toHaveLength(listed.length);
  const ns = path.basename(folder);
  for (const o of built) expect(o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace).toBe(ns);
}

describe('kubectl kustomize builds the S1 folders', () => {
  test.each([['guestbook'], ['guestbook-gateway']])('committed dist/%s', (release) => {
    const dirs = folders(path.join(ROOT, 'dist', release));
    expect(dirs).toHaveLength(2);
    for (const d of dirs) expectBuilds(d);
  });

  const withCanary = (weight: number) => (doc: Document) => { doc.set('canary', doc.createNode({ version: 'v1', weight })); };
  const promote = (doc: Document) => { doc.setIn(['stable', 'version'], 'v1'); doc.delete('canary'); };

  test.each([
    ['canary at 0%', withCanary(0)],
    ['canary at 25%', withCanary(25)],
    ['promoted', promote],
  ])('guestbook, %s', (_name, edit) => {
    // GIVEN the state's files written to a temporary dist
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1-kustomize-'));
    try {
      for (const [p, c] of stateOf('guestbook', edit).files) {
        fs.mkdirSync(path.dirname(path.join(tmp, p)), { recursive: true });
        fs.writeFileSync(path.join(tmp, p), c);
      }
      // WHEN each folder is built THEN it builds
      const dirs = folders(path.join(tmp, 'guestbook'));
      expect(dirs.map((d) => path.basename(d)).sort()).toEqual(['ns-canary', 'ns-prod']);
      for (const d of dirs) expectBuilds(d);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
