/**
 * The rooms of lib/ and what each imports, as the code has them (2026-12-01). A room is a folder of
 * lib/ (`lib/spec`), a file directly in lib/ (`lib/crash-point`), or the generated bindings
 * (`imports`). Every import between rooms (static `import`/`export ... from`, `import('...')` and
 * `require('...')`, type-only imports included) must be an edge of ROOM_IMPORTS, so a new cross-room
 * import fails here: either it is wrong, or it is a new edge to add here on purpose (and to the
 * picture of the code's shape). The map has no edge the code does not use, so it stays the truth.
 * And the rooms import one way: no room reaches itself through other rooms (a cycle fails here, with
 * the imports that make it, even when its edges are in the map), so data flows spec -> model ->
 * constructs -> YAML -> git, and each room can be read knowing only the rooms below it.
 *
 * Where it differs from the picture's table ("Rooms and what each may import"): routers and checks
 * read workloads' labels and gitops' folder layout; synth also runs lint, review's Namespace and
 * wiring checks, the rollout state and analysis checks; review reads git revisions (lib/git) and
 * the gitops layout; lint follows traffic through review; workloads use the manifest reader (the Pod
 * Security Standards and the generated-file check are in lib/manifests, below both workloads and
 * lint); gitops renders with workloads' kube-object; and lib/index re-exports the CLI's `run`.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

/** What each room imports from other rooms. */
const ROOM_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  'lib/spec': [],
  'lib/git': [],
  'lib/manifests': ['lib/spec'], // files.ts: readTree's positioned UsageError
  'lib/version': [],
  'lib/crash-point': ['lib/spec'],
  'lib/rollout': ['lib/spec'],
  'lib/analysis': ['lib/spec'],
  'lib/gitops': ['imports', 'lib/spec', 'lib/workloads'], // workloads/kube-object (issue 19: render without cdk8s's toJson)
  'lib/checks': ['lib/gitops', 'lib/spec', 'lib/workloads'],
  'lib/routers': ['imports', 'lib/spec', 'lib/workloads'],
  'lib/workloads': ['imports', 'lib/manifests', 'lib/rollout', 'lib/spec'],
  'lib/lint': ['lib/manifests', 'lib/review', 'lib/spec'],
  'lib/review': ['lib/git', 'lib/gitops', 'lib/manifests', 'lib/spec'],
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

/**
 * The cycles of a graph of rooms: for each strongly connected component of more than one room
 * (Tarjan), its shortest cycle, as the rooms in import order from the first in sort order (the last
 * imports the first). [] when the rooms import one way.
 */
export function roomCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (u: string) => {
    index.set(u, index.size);
    low.set(u, index.get(u)!);
    stack.push(u);
    onStack.add(u);
    for (const v of graph.get(u) ?? []) {
      if (!index.has(v)) { visit(v); low.set(u, Math.min(low.get(u)!, low.get(v)!)); } else if (onStack.has(v)) low.set(u, Math.min(low.get(u)!, index.get(v)!));
    }
    if (low.get(u) !== index.get(u)) return;
    const scc: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) { onStack.delete(w); scc.unshift(w); if (w === u) break; }
    if (scc.length > 1) out.push(shortestCycle(graph, new Set(scc)));
  };
  for (const u of [...graph.keys()].sort()) if (!index.has(u)) visit(u);
  return out;
}

/** The shortest cycle inside `scc` (breadth first from each room back to itself). */
function shortestCycle(graph: ReadonlyMap<string, readonly string[]>, scc: ReadonlySet<string>): string[] {
  let best: string[] | undefined;
  for (const start of [...scc].sort()) {
    const prev = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0 && !prev.has(start)) {
      const u = queue.shift()!;
      for (const v of [...(graph.get(u) ?? [])].sort()) {
        if (!scc.has(v) || prev.has(v)) continue;
        prev.set(v, u);
        queue.push(v);
      }
    }
    const cycle = [start];
    for (let u = prev.get(start)!; u !== start; u = prev.get(u)!) cycle.splice(1, 0, u);
    if (best === undefined || cycle.length < best.length) best = cycle;
  }
  return best!;
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

  test('the cycle check finds a cycle of two or three rooms and passes a graph with none', () => {
    const g = (edges: string[]) => new Map(edges.map((e) => e.split(' -> ')).reduce((m, [a, b]) => m.set(a, [...(m.get(a) ?? []), b]), new Map<string, string[]>()));
    expect(roomCycles(g(['lib/workloads -> lib/synth', 'lib/synth -> lib/workloads', 'lib/synth -> lib/spec']))).toEqual([['lib/synth', 'lib/workloads']]);
    expect(roomCycles(g(['lib/lint -> lib/review', 'lib/review -> lib/synth', 'lib/synth -> lib/lint', 'lib/synth -> lib/workloads', 'lib/workloads -> lib/lint'])))
      .toEqual([['lib/lint', 'lib/review', 'lib/synth']]);
    expect(roomCycles(g(['lib/cli -> lib/moves', 'lib/moves -> lib/synth', 'lib/cli -> lib/synth', 'lib/synth -> lib/spec']))).toEqual([]);
  });

  test('no cycle between rooms: no room imports, through other rooms, a room that imports it', () => {
    const graph = new Map<string, string[]>();
    for (const k of found.keys()) {
      const [from, to] = k.split(' -> ');
      graph.set(from, [...(graph.get(from) ?? []), to]);
    }
    const cycles = roomCycles(graph).map((rooms) => rooms.map((from, i) => {
      const k = `${from} -> ${rooms[(i + 1) % rooms.length]}`;
      return `${k} (${found.get(k)!.join('; ')})`;
    }).join(', '));
    expect(cycles).toEqual([]);
  });

  test('the leaves stay leaves: lib/spec and lib/git import nothing of the project, lib/manifests only lib/spec', () => {
    expect([...found.keys()].filter((k) => /^lib\/(spec|git) -> /.test(k) || (/^lib\/manifests -> /.test(k) && k !== 'lib/manifests -> lib/spec'))).toEqual([]);
  });

  test('only gitops, routers, workloads and synth use the generated bindings (imports/)', () => {
    expect([...found.keys()].filter((k) => k.endsWith(' -> imports')).map((k) => k.split(' -> ')[0]).sort())
      .toEqual(['lib/gitops', 'lib/routers', 'lib/synth', 'lib/workloads']);
  });
});
