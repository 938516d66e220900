/**
 * The sync-safety gate (issue 13): a move is refused (exit 2, nothing written, no commit) when any
 * state an Argo CD or Flux sync of its commit passes through would fail requests or give the canary
 * more than the larger of its share before and after, or when it would remove a Namespace another
 * release lives in. The model (lib/review/transition.ts) reads the move's folders before and after,
 * and the wiring committed in dist/argocd/ and dist/flux/ (a move never changes it). README "What
 * happens during a sync".
 */
import * as fs from 'fs';
import * as path from 'path';
import { gateTransition, holdsSyncUnits, wiringOwner } from '../review/transition-gate';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';

/**
 * The wiring of the dist folder (`distPath`; keys relative to it) that the move's sync can involve:
 * the files of dist/argocd/ and dist/flux/ for the releases it moves (`outputPaths`: their folders,
 * `<dist>/<release>/`, or for a fleet wave `<dist>/<release>/<cluster>/`) and the shared ones (root
 * Application, AppProject, GitRepository, kustomizations), not those of every other release, so the
 * gate's cost does not grow with the number of releases. A wiring file belongs to a release when its
 * name, after the kind, starts with `<release>-` or is `<release>.yaml`. The roots of pull clusters,
 * `dist/argocd/<cluster>/` and `dist/flux/<cluster>/`, are read the same way, file by file; of a fleet
 * release moved in a wave, only the wiring of the wave's clusters is read. Read
 * from the dist folder itself, not from the owned folders' parent: a fleet wave's folders are one
 * level deeper than a release's.
 */
export function syncWiring(root: string, distPath: string, outputPaths: readonly string[]): Map<string, string> {
  const segs = outputPaths.map((p) => path.relative(distPath, p).split(/[\\/]/));
  const moved = new Set(segs.map((s) => s[0]));
  // a fleet wave owns dist/<release>/<cluster>/ folders: of that release's wiring, only its moved
  // clusters' (`application-<release>-<cluster>.yaml`, `kustomization-<release>-<folder>-<cluster>.yaml`)
  // take part in the sync; the other clusters' folders are in neither side of the model
  const waveClusters = new Map<string, string[]>();
  for (const s of segs) if (s.length === 2) waveClusters.set(s[0], [...(waveClusters.get(s[0]) ?? []), s[1]]);
  const inWave = (owner: string, file: string): boolean => {
    const clusters = waveClusters.get(owner);
    if (!clusters || segs.some((s) => s[0] === owner && s.length === 1)) return true;
    const base = file.replace(/\.ya?ml$/, '');
    return clusters.some((c) => base.endsWith(`-${c}`));
  };
  let releases: Set<string>;
  try { releases = new Set(fs.readdirSync(path.join(root, distPath), { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name)); } catch { releases = new Set(); }
  // Most wiring files belong to a release that is not moved (30 000 files at 200 releases x 50
  // clusters): they are skipped before the exact owner (the longest release name, wiringOwner) is
  // looked for, a release's files at once. A name `<kind>-<rest>` whose rest starts with no moved
  // release's name and not with the engine's has an owner that is neither: the first release name
  // found at a `-` of the rest proves one (ownedElsewhere: where that name ends in `name`, or 0).
  const movedNames = [...moved];
  const ownedElsewhere = (name: string, engine: string): number => {
    const dash = name.indexOf('-');
    if (dash < 0) return 0;
    if (name.startsWith(engine, dash + 1)) return 0;
    for (let j = 0; j < movedNames.length; j++) if (name.startsWith(movedNames[j], dash + 1)) return 0;
    const stop = name.endsWith('.yaml') ? name.length - 5 : name.endsWith('.yml') ? name.length - 4 : name.length;
    for (let i = name.indexOf('-', dash + 1); i > 0 && i < stop; i = name.indexOf('-', i + 1)) if (releases.has(name.slice(dash + 1, i))) return i;
    return releases.has(name.slice(dash + 1, stop)) ? stop : 0;
  };
  const out = new Map<string, string>();
  const read = (dir: string, key: string, engine: string): void => {
    let names: string[];
    try { names = fs.readdirSync(path.join(root, distPath, dir)); } catch { return; }
    names.sort(); // by UTF-16 code unit; readdir lists them sorted already (libuv), so this only checks
    // names whose files a skipped release's range can hold (see below): the moved releases and the engine
    const keep = [...movedNames, engine];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name.startsWith('.')) continue;
      // a pull cluster's roots: a folder named after the cluster (no `.yaml`, a DNS label). Names
      // only, no stat per entry
      const yaml = name.endsWith('.yaml') || name.endsWith('.yml');
      if (!yaml && isFolder(path.join(root, distPath, dir, name))) { read(path.join(dir, name), `${key}${name}/`, engine); continue; }
      const end = ownedElsewhere(name, engine);
      if (end > 0) {
        // the names after it that start `<kind>-<that release>-` are owned by it or by a longer name
        // starting so, neither moved nor the engine's unless one of those starts so: skipped together
        // (a release's own few files by stepping over them, a longer run by a binary search)
        const from = name.indexOf('-') + 1;
        const length = end - from;
        if (!keep.some((m) => m.length > length && m.charCodeAt(length) === 45 && m.startsWith(name.slice(from, end)))) {
          const prefix = `${name.slice(0, end)}-`;
          let steps = 0;
          while (i + 1 < names.length && names[i + 1].startsWith(prefix) && ++steps <= 8) i++;
          if (steps > 8) i = rangeEnd(names, prefix, i + 1) - 1;
        }
        continue;
      }
      const owner = wiringOwner(name, releases);
      if (owner !== undefined && owner !== engine && (!moved.has(owner) || !inWave(owner, name))) continue;
      const file = path.join(root, distPath, dir, name);
      if (isFolder(file)) { read(path.join(dir, name), `${key}${name}/`, engine); continue; }
      if (!fs.statSync(file).isFile()) continue;
      const text = fs.readFileSync(file, 'utf8');
      if (!holdsSyncUnits(text)) continue;
      out.set(`${key}${name}`, text);
    }
  };
  for (const r of ['argocd', 'flux']) read(r, `${r}/`, r);
  return out;
}

/** In `sorted` (by UTF-16 code unit), the end of the run of names starting with `prefix` that begins at `from` or after it (binary search). */
export function rangeEnd(sorted: readonly string[], prefix: string, from: number): number {
  const bound = `${prefix}\uffff`; // every name starting with `prefix` sorts before it
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < bound) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function isFolder(file: string): boolean {
  try { return fs.lstatSync(file).isDirectory(); } catch { return false; }
}

export const syncGate: MoveGate = {
  name: 'sync-safety',

  check(ctx: GateContext): GateResult {
    const roots = syncWiring(ctx.root, ctx.distPath, ctx.outputPaths);
    const gate = gateTransition(new Map([...roots, ...ctx.distBefore]), new Map([...roots, ...ctx.distAfter]));
    if (gate.refusals.length) {
      throw new MoveRefusedError(['this move is not safe to sync:', ...gate.refusals.map((r) => `  ${r}`)], 'sync-safety');
    }
    return {};
  },
};
