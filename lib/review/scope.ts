/**
 * What `diff` and `traffic NAME` read of dist/: not every file of both revisions, but the release
 * folders a change touched and those connected to them, so their cost grows with the change, not
 * with the repository.
 *
 * Folders are connected through namespaces: starting from the namespaces of the changed files, the
 * folders whose files name such a namespace (objects in it, `namespace: ns`, or hosts pointing into
 * it, `name.ns...`) are read, then the namespaces their objects live in or call into, and so on
 * until nothing new turns up (at most MAX_ROUNDS rounds; calls are followed 8 hops deep by the
 * traffic graph too). The search is `git grep -F` over dist/ at the revision (or in the working
 * tree), which git runs over its own object store without the YAML being parsed here. A name
 * matching too much only reads more folders; the Argo CD and Flux roots (dist/argocd/, dist/flux/)
 * list every release and carry no traffic, so only their changed files are read.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Git, listTreeAt, readBlobs } from '../git';
import { GITOPS_ROOTS, gitopsFilesOnDisk } from '../gitops/layout';
import { isRecord, mapAt, serviceOfHost } from '../manifests/objects';
import { objectsOfTree } from '../manifests/tree';
import { readTree } from '../manifests/files';
import { holdsSyncUnits, wiringChanges, wiringOwner } from './transition-gate';
import { targetOf } from './traffic/graph';

/** Rounds of widening at most (a chain of calls longer than this is cut, as the graph cuts it). */
const MAX_ROUNDS = 8;

/** One side of a diff: a commit, or the working tree when undefined. */
export type Revision = string | undefined;

/** The files of dist/ (paths relative to it) a diff of `base` and `head` needs, on both sides. */
export async function diffScope(git: Git, dist: string, base: string, head: Revision): Promise<{ before: Map<string, string>; after: Map<string, string>; folders: readonly string[] }> {
  const changed = await changedFiles(git, dist, base, head);
  const roots = new Set(GITOPS_ROOTS);
  const touched = new Set(changed.map(releaseOf).filter((r) => !roots.has(r)));
  const rootFiles = changed.filter((f) => roots.has(releaseOf(f)));
  // a release whose Application or Kustomization is deleted (renamed: the old one takes its objects,
  // lib/review/transition.ts) is read too, though its folders did not change, with all its wiring:
  // whether another cluster still gets its folders decides if the deletion takes the objects from one
  // cluster or hands them over (unitsOf), as validate reads it (the rule: transition-gate.ts wiringChanges)
  const rootBefore = await readFiles(git, dist, base, rootFiles);
  const rootAfter = await readFiles(git, dist, head, rootFiles);
  // the release and group folders at either end (owners of wiring files: wiringOwner)
  const releases = new Set([...await topFolders(git, dist, base), ...await topFolders(git, dist, head)].filter((r) => !roots.has(r)));
  if (rootFiles.length) {
    const owners = wiringChanges(new Map(rootFiles.map((f) => [f, { before: rootBefore.get(f), after: rootAfter.get(f) }])), releases);
    for (const r of owners === 'all' ? releases : owners) touched.add(r);
    const ownWiring = [...new Set([...await rootFilesAt(git, dist, base), ...await rootFilesAt(git, dist, head)])]
      .filter((f) => !rootFiles.includes(f) && (owners === 'all' || owners.has(wiringOwner(f, releases) ?? '')));
    for (const [f, c] of await readFiles(git, dist, base, ownWiring)) rootBefore.set(f, c);
    for (const [f, c] of await readFiles(git, dist, head, ownWiring)) rootAfter.set(f, c);
  }
  const reader = new FolderReader(git, dist);
  const folders = await connected(git, dist, reader, [base, head], touched);
  // the sync units of the releases read, and the shared ones (root Application, GitRepository, Flux
  // root Kustomization): without them the transition model has no Application or Kustomization to
  // play, and the report loses its "during sync" and UNSAFE lines (README "What happens during a
  // sync"); not the files that grow with the number of releases and hold no unit (AppProjects,
  // kustomize's lists), as the moves' sync gate reads them (lib/moves/sync-gate.ts)
  const readReleases = new Set(folders);
  const readAlready = new Set([...rootBefore.keys(), ...rootAfter.keys(), ...rootFiles]);
  const isUnitFile = (f: string): boolean => {
    if (readAlready.has(f)) return false;
    const name = f.split('/').pop() as string;
    if (name === 'kustomization.yaml' || name.startsWith('appproject-')) return false;
    const owner = wiringOwner(f, releases);
    return owner === undefined || readReleases.has(owner);
  };
  const unitsAt = async (rev: Revision): Promise<Map<string, string>> => {
    if (rev === undefined) return readFiles(git, dist, undefined, (await rootFilesAt(git, dist, undefined)).filter(isUnitFile));
    // one ls-tree per root and one cat-file --batch, however many files
    const ids = new Map<string, string>();
    for (const r of GITOPS_ROOTS) for (const [f, sha] of await listTreeAt(git, rev, `${inRepo(git, dist)}/${r}`)) if (isUnitFile(`${r}/${f}`)) ids.set(`${r}/${f}`, sha);
    const texts = await readBlobs(git, [...ids.values()]);
    return new Map([...ids].map(([f, sha]) => [f, texts.get(sha) as string]));
  };
  for (const [f, c] of await unitsAt(base)) if (holdsSyncUnits(c)) rootBefore.set(f, c);
  for (const [f, c] of await unitsAt(head)) if (holdsSyncUnits(c)) rootAfter.set(f, c);
  const read = async (rev: Revision, wiring: ReadonlyMap<string, string>) => {
    const files = await reader.read(rev, folders);
    for (const [f, c] of wiring) files.set(f, c);
    return files;
  };
  return { before: await read(base, rootBefore), after: await read(head, rootAfter), folders };
}

/** The files of the folders of `names` (releases or groups) and of those connected to them, at one revision. */
export async function releaseScope(git: Git, dist: string, rev: Revision, names: readonly string[]): Promise<Map<string, string>> {
  const reader = new FolderReader(git, dist);
  return reader.read(rev, await connected(git, dist, reader, [rev], new Set(names)));
}

/** The files of dist/argocd/ and dist/flux/ (paths relative to dist/) at a revision (the working tree when undefined). */
async function rootFilesAt(git: Git, dist: string, rev: Revision): Promise<string[]> {
  if (rev === undefined) return gitopsFilesOnDisk(path.resolve(git.cwd, dist));
  const d = inRepo(git, dist);
  return (await lines(git, ['ls-tree', '-r', '-z', '--name-only', rev, '--', ...GITOPS_ROOTS.map((r) => `${d}/${r}`)])).map((p) => p.slice(d.length + 1));
}

/** The folders at the top of dist/ at a revision (the working tree when undefined). */
async function topFolders(git: Git, dist: string, rev: Revision): Promise<string[]> {
  if (rev === undefined) {
    try { return fs.readdirSync(path.resolve(git.cwd, dist), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { return []; }
  }
  const d = inRepo(git, dist);
  try { return await lines(git, ['ls-tree', '-d', '-z', '--name-only', `${rev}:${d}`]); } catch { return []; } // no dist/ at that revision
}

/** First segment of a path relative to dist/: the release or group folder (or a GitOps root). */
function releaseOf(file: string): string {
  return file.split('/')[0];
}

/** dist/ as a path from the repository's top folder, `/`-separated, no trailing slash. */
function inRepo(git: Git, dist: string): string {
  return path.relative(git.root, path.resolve(git.cwd, dist)).split(path.sep).join('/');
}

/** Paths (relative to dist/) that differ between `base` and `head` (the working tree, untracked files included). */
async function changedFiles(git: Git, dist: string, base: string, head: Revision): Promise<string[]> {
  const d = inRepo(git, dist);
  const strip = (p: string) => p.slice(d.length + 1);
  const names = head === undefined
    ? [...await lines(git, ['diff', '--name-only', '-z', '--no-renames', base, '--', d]), ...await lines(git, ['ls-files', '--others', '--exclude-standard', '-z', '--', d])]
    : await lines(git, ['diff-tree', '-r', '--name-only', '-z', '--no-renames', base, head, '--', d]);
  return [...new Set(names.filter((n) => n.startsWith(`${d}/`)).map(strip))].filter((p) => !p.split('/').some((s) => s.startsWith('.'))).sort();
}

async function lines(git: Git, args: readonly string[]): Promise<string[]> {
  return (await git.run(['-C', git.root, ...args])).split('\0').filter(Boolean);
}

/**
 * Release folders connected to `start` through namespaces; sorted. Forward: folders holding objects
 * in a namespace the folders read so far live in or call into (found by folder name: a release's
 * folders are named after their namespace, `dist/<release>/<namespace>[-<suffix>]/`). Backward:
 * folders whose callers (workloads, ConfigMaps, cross-namespace routes) name such a namespace,
 * found with `git grep` at the newer revision (an unchanged caller is the same on both sides).
 */
async function connected(git: Git, dist: string, reader: FolderReader, revs: readonly Revision[], start: ReadonlySet<string>): Promise<string[]> {
  const roots = new Set(GITOPS_ROOTS);
  const folders = new Set(start);
  const seenNs = new Set<string>();
  const newest = revs[revs.length - 1];
  const byNamespace = await folderNamespaces(git, dist, revs);
  let fresh = new Set(start);
  for (let round = 0; round < MAX_ROUNDS && fresh.size; round++) {
    // namespaces the new folders' objects live in or call into
    const ns = new Set<string>();
    for (const rev of revs) for (const n of namespacesOf(await reader.read(rev, [...fresh]))) if (!seenNs.has(n)) ns.add(n);
    for (const n of ns) seenNs.add(n);
    // a namespace dist/ has no folder for is outside: requests into it do not change with dist/
    for (const n of [...ns]) if (!byNamespace(n).length) ns.delete(n);
    fresh = new Set();
    if (!ns.size) break;
    const found = new Set<string>(await callersOf(git, dist, newest, [...ns]));
    for (const n of ns) for (const f of byNamespace(n)) found.add(f);
    for (const f of found) if (!roots.has(f) && !folders.has(f)) { folders.add(f); fresh.add(f); }
  }
  return [...folders].sort();
}

/** Release folders with a folder for namespace `ns` (`<ns>` or `<ns>-<suffix>`), on any revision. */
async function folderNamespaces(git: Git, dist: string, revs: readonly Revision[]): Promise<(ns: string) => string[]> {
  const d = inRepo(git, dist);
  const pairs: [string, string][] = [];
  for (const rev of revs) {
    if (rev === undefined) {
      const abs = path.join(git.root, d);
      for (const r of safeReaddir(abs)) for (const f of safeReaddir(path.join(abs, r))) pairs.push([r, f]);
    } else {
      for (const p of await lines(git, ['ls-tree', '-r', '-d', '--name-only', '-z', rev, '--', d])) {
        const segs = p.slice(d.length + 1).split('/');
        if (segs.length === 2) pairs.push([segs[0], segs[1]]);
      }
    }
  }
  return (ns) => [...new Set(pairs.filter(([, f]) => f === ns || f.startsWith(`${ns}-`)).map(([r]) => r))];
}

function safeReaddir(dir: string): string[] {
  try { return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name); } catch { return []; }
}

/**
 * Kinds (file name prefixes, `<kind>-<name>.yaml`) whose objects can send requests into another
 * namespace: workloads (env values), ConfigMaps (config data), and routes allowed to cross namespaces.
 */
const CALLER_FILES: readonly string[] = [
  'deployment', 'statefulset', 'daemonset', 'replicaset', 'replicationcontroller', 'deploymentconfig', 'rollout', 'job', 'cronjob', 'pod',
  'template', 'configmap', 'httproute', 'grpcroute', 'virtualservice', 'destinationrule',
];

/**
 * Release folders whose callers name one of the namespaces: `namespace: ns` (a backendRef, a Gateway
 * API parentRef), `.ns` in a host (a Service host; an Istio Gateway in the legacy form
 * `name.ns.svc.cluster.local`), or `ns/` at the start of a list item (an Istio VirtualService's
 * `gateways: [ns/name]`: the route goes dark when the Gateway there goes; lib/manifests/gateway-refs.ts
 * `istioGatewayOf`).
 */
async function callersOf(git: Git, dist: string, rev: Revision, namespaces: readonly string[]): Promise<Set<string>> {
  const d = inRepo(git, dist);
  const patterns = namespaces.flatMap((n) => ['-e', `namespace: ${n}`, '-e', `.${n}`, '-e', `- ${n}/`, '-e', `- "${n}/`, '-e', `- '${n}/`]);
  const specs = CALLER_FILES.map((k) => `${d}/**/${k}-*.yaml`);
  // one thread: git grep's threads share one lock on the object store, so at 1000 releases the
  // default (a thread per CPU) costs ~2x the CPU of one thread, for the same hits
  const r = await git.tryRun(['-C', git.root, 'grep', '--threads=1', '-l', '-z', '-F', ...(rev === undefined ? ['--untracked'] : []), ...patterns, ...(rev === undefined ? [] : [rev]), '--', ...specs], { globPathspecs: true });
  if (r.code !== 0 && r.code !== 1) throw new Error(`git grep failed: ${r.stderr}`);
  const out = new Set<string>();
  for (const hit of r.stdout.split('\0').filter(Boolean)) {
    const file = rev === undefined ? hit : hit.slice(rev.length + 1);
    if (file.startsWith(`${d}/`)) out.add(releaseOf(file.slice(d.length + 1)));
  }
  return out;
}

/** Namespaces objects live in, and those their hosts and references point into. */
function namespacesOf(files: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  const { objects } = objectsOfTree(files);
  // a Service host (`name.ns`, `name.ns.svc[.cluster.local]`), not a public one (`shop.example.com`)
  const hostNs = (value: unknown) => {
    const t = typeof value === 'string' ? targetOf(value) : undefined;
    const svc = t && t.host.includes('.') ? serviceOfHost(t.host, '') : undefined;
    if (svc?.namespace) out.add(svc.namespace);
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') hostNs(v);
    else if (Array.isArray(v)) v.forEach(walk);
    // a Gateway a route attaches to (parentRefs) is not where its requests go
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) { if (k === 'namespace' && typeof x === 'string') out.add(x); else if (k !== 'parentRefs') walk(x); }
  };
  for (const { obj } of objects) {
    if (obj.metadata.namespace) out.add(obj.metadata.namespace);
    // routers' backends in other namespaces, env values and config data that name hosts
    walk(obj.spec);
    for (const v of Object.values(mapAt(obj, 'data'))) hostNs(v);
  }
  return out;
}

/**
 * Reads release folders (every file, paths relative to dist/) at revisions for one scope: each folder
 * once per revision, and the folders asked for together in one `git ls-tree` and one
 * `git cat-file --batch` (the widening reads a folder's objects, and the scope then returns them).
 */
class FolderReader {
  private readonly files = new Map<string, ReadonlyMap<string, string>>();

  constructor(private readonly git: Git, private readonly dist: string) {}

  public async read(rev: Revision, folders: readonly string[]): Promise<Map<string, string>> {
    const key = (f: string) => `${rev ?? ''}\0${f}`;
    const d = inRepo(this.git, this.dist);
    const missing = [...new Set(folders)].filter((f) => !this.files.has(key(f)));
    if (rev === undefined) {
      for (const f of missing) this.files.set(key(f), readTree(path.join(this.git.root, d, f)));
    } else if (missing.length) {
      const ids = new Map(missing.map((f) => [f, new Map<string, string>()]));
      const listing = await this.git.run(['-C', this.git.root, 'ls-tree', '-r', '-z', '--full-tree', rev, '--', ...missing.map((f) => `${d}/${f}`)]);
      for (const rec of listing.split('\0')) {
        const tab = rec.indexOf('\t');
        if (tab < 0) continue;
        const [, type, sha] = rec.slice(0, tab).split(' ');
        const segs = rec.slice(tab + 1).slice(d.length + 1).split('/');
        // hidden folders (a swap's leftovers) are skipped, as readTree and readTreeAt skip them
        if (type !== 'blob' || segs.some((x) => x.startsWith('.'))) continue;
        ids.get(segs[0])?.set(segs.slice(1).join('/'), sha);
      }
      const texts = await readBlobs(this.git, [...ids.values()].flatMap((m) => [...m.values()]));
      for (const [f, m] of ids) this.files.set(key(f), new Map([...m].map(([p, sha]) => [p, texts.get(sha) as string] as [string, string]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    }
    const out = new Map<string, string>();
    for (const f of folders) for (const [p, c] of this.files.get(key(f)) ?? []) out.set(`${f}/${p}`, c);
    return out;
  }
}

/** Given files (relative to dist/), those that exist at the revision. */
async function readFiles(git: Git, dist: string, rev: Revision, files: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const d = inRepo(git, dist);
  for (const f of files) {
    if (rev === undefined) {
      try { out.set(f, fs.readFileSync(path.join(git.root, d, f), 'utf8')); } catch { /* removed */ }
    } else {
      const r = await git.tryRun(['-C', git.root, 'cat-file', 'blob', `${rev}:${d}/${f}`]);
      if (r.code === 0) out.set(f, r.stdout);
    }
  }
  return out;
}
