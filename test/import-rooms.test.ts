/**
 * The rooms of lib/ and what each imports, as the code has them (2026-12-01). A room is a folder of
 * lib/ (`lib/spec`), a file directly in lib/ (`lib/crash-point`), or the generated bindings
 * (`imports`). Every import between rooms (static `import`/`export ... from`, `import('...')` and
 * `require('...')`, type-only imports included) must be an edge of ROOM_IMPORTS, so a new cross-room
 * import fails here: either it is wrong, or it is a new edge to add here on purpose (and to the
 * picture of the code's shape). The map has no edge the code does not use, so it stays the truth.
 *
 * Where it differs from the picture's table ("Rooms and what each may import"): routers and checks
 * read workloads' labels and gitops' folder layout; synth also runs lint, review's Namespace and
 * wiring checks, the rollout state and analysis checks; review reads git revisions (lib/git) and
 * synth's tree reader; lint follows traffic through review; workloads use the manifest reader, the
 * pod-security lint and synth's YAML reader; gitops renders with workloads' kube-object; and lib/index
 * re-exports the CLI's `run`.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

/** What each room imports from other rooms. */
const ROOM_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  'lib/spec': [],
  'lib/git': [],
  'lib/manifests': [],
  'lib/version': [],
  'lib/crash-point': ['lib/spec'],
  'lib/rollout': ['lib/spec'],
  'lib/analysis': ['lib/spec'],
  'lib/gitops': ['imports', 'lib/spec', 'lib/workloads'], // workloads/kube-object (issue 19: render without cdk8s's toJson)
  'lib/checks': ['lib/gitops', 'lib/spec', 'lib/workloads'],
  'lib/routers': ['imports', 'lib/spec', 'lib/workloads'],
  'lib/workloads': ['imports', 'lib/lint', 'lib/manifests', 'lib/rollout', 'lib/spec', 'lib/synth'],
  'lib/lint': ['lib/manifests', 'lib/review', 'lib/spec'],
  'lib/review': ['lib/git', 'lib/gitops', 'lib/manifests', 'lib/spec', 'lib/synth'],
  'lib/synth': ['imports', 'lib/analysis', 'lib/checks', 'lib/crash-point', 'lib/gitops', 'lib/lint', 'lib/manifests', 'lib/review', 'lib/rollout', 'lib/routers', 'lib/spec', 'lib/workloads'],
  'lib/construct': ['lib/lint', 'lib/manifests', 'lib/spec', 'lib/synth', 'lib/workloads'],
  'lib/moves': ['lib/analysis', 'lib/checks', 'lib/crash-point', 'lib/git', 'lib/lint', 'lib/manifests', 'lib/review', 'lib/rollout', 'lib/routers', 'lib/spec', 'lib/synth'],
  'lib/cli': ['lib/analysis', 'lib/checks', 'lib/crash-point', 'lib/moves', 'lib/review', 'lib/rollout', 'lib/spec', 'lib/version'],
  'lib/index': ['lib/cli', 'lib/construct', 'lib/spec', 'lib/synth', 'lib/workloads'],
};

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The room of a file or an import target (absolute path). */
function roomOf(abs: string): string {
  const rel = path.relative(ROOT, abs).split(path.sep);
  if (rel[0] !== 'lib') return rel[0];
  return rel.length === 2 ? `lib/${rel[1].replace(/\.(ts|js|json)$/, '')}` : `lib/${rel[1]}`;
}

/** The relative module specifiers a file imports, re-exports, `import()`s or `require()`s. */
export function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|\brequire\(\s*'([^']+)'\s*\)|^\s*import\s+'([^']+)'/gm)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4])
    .filter((s) => s.startsWith('.'));
}

/** Every cross-room import of lib/: `from room -> to room` with the files that make it. */
function edges(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of tsFiles(LIB)) {
    const from = roomOf(file);
    for (const s of specifiers(fs.readFileSync(file, 'utf8'))) {
      const to = roomOf(path.resolve(path.dirname(file), s));
      if (to === from) continue;
      const k = `${from} -> ${to}`;
      out.set(k, [...(out.get(k) ?? []), `${path.relative(ROOT, file)} imports '${s}'`]);
    }
  }
  return out;
}

describe('the rooms of lib/ import only what the map says', () => {
  const found = edges();

  test('the scan sees imports of every kind (static, type-only, import() and require())', () => {
    expect(specifiers("import { a } from '../spec/model';\nimport type { B } from './b';\nexport * from '../c';\nconst x = require('../gitops/argocd');\nconst y = await import('../analysis/model');\n// import { z } from '../no';"))
      .toEqual(['../spec/model', './b', '../c', '../gitops/argocd', '../analysis/model']);
    expect(found.size).toBeGreaterThan(40);
  });

  test('every room of lib/ is in the map', () => {
    const rooms = new Set(tsFiles(LIB).map(roomOf));
    expect([...rooms].filter((r) => !(r in ROOM_IMPORTS))).toEqual([]);
  });

  test('every cross-room import is an edge of the map (a new one fails: add it here on purpose, or remove it)', () => {
    const unexpected = [...found].filter(([k]) => {
      const [from, to] = k.split(' -> ');
      return !(ROOM_IMPORTS[from] ?? []).includes(to);
    }).map(([k, files]) => `${k}: ${files.join('; ')}`);
    expect(unexpected).toEqual([]);
  });

  test('every edge of the map is used (a removed import narrows the map)', () => {
    const unused = Object.entries(ROOM_IMPORTS).flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`)).filter((k) => !found.has(k));
    expect(unused).toEqual([]);
  });

  test('the leaves stay leaves: lib/spec, lib/git and lib/manifests import nothing of the project', () => {
    expect([...found.keys()].filter((k) => /^lib\/(spec|git|manifests) -> /.test(k))).toEqual([]);
  });

  test('only gitops, routers, workloads and synth use the generated bindings (imports/)', () => {
    expect([...found.keys()].filter((k) => k.endsWith(' -> imports')).map((k) => k.split(' -> ')[0]).sort())
      .toEqual(['lib/gitops', 'lib/routers', 'lib/synth', 'lib/workloads']);
  });
});
