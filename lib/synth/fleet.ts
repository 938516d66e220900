/**
 * Synthesis of a fleet release (`fleet:`, lib/spec/fleet.ts): every cluster of the fleet gets the
 * release's folders under `<release>/<cluster>/` (lib/gitops/layout.ts), synthesized from the state
 * its wave is in (promoted, running the canary, or not reached). Clusters in the same state get the
 * same objects: each distinct state is built once, and its files are placed under every cluster
 * that runs it. Pure.
 */
import { fleetPath, GitOpsFolder, onCluster } from '../gitops/layout';
import { clusterStateKey, FleetModel, waveModel, waveState, WaveModel } from '../spec/fleet';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { ReleaseFolder } from './build';

/** The clusters of a fleet release that share one state, and the release as their folders are synthesized from. */
export interface FleetState {
  /** The clusters in this state, wave by wave. */
  readonly clusters: readonly string[];
  /** The waves those clusters are in. */
  readonly waves: readonly WaveModel[];
  /** The release as these clusters run it: the spec of their wave (lib/spec/fleet.ts waveSpec), without a fleet. */
  readonly release: LoadedRelease;
}

/**
 * The distinct states of a fleet release's clusters, each with the release as those clusters run it.
 * `only` limits it to some clusters (what a wave move touches). Throws when the release has no fleet.
 */
export function fleetStates(release: LoadedRelease, only?: readonly string[]): FleetState[] {
  const fleet = requireFleet(release);
  const byKey = new Map<string, { clusters: string[]; waves: WaveModel[]; wave: WaveModel }>();
  for (const w of fleet.waves) {
    const clusters = only ? w.clusters.filter((c) => only.includes(c)) : w.clusters;
    if (!clusters.length) continue;
    const key = clusterStateKey(waveState(release.model.spec, fleet, w.index), w);
    const s = byKey.get(key) ?? { clusters: [], waves: [], wave: w };
    s.clusters.push(...clusters);
    s.waves.push(w);
    byKey.set(key, s);
  }
  return [...byKey.values()].map((s) => ({ clusters: s.clusters, waves: s.waves, release: waveRelease(release, fleet, s.wave) }));
}

/** The release as one wave's clusters run it (its model built from the wave's spec). */
export function waveRelease(release: LoadedRelease, fleet: FleetModel, wave: WaveModel): LoadedRelease {
  return { file: release.file, source: release.source, model: waveModel(release.model, fleet, wave) };
}

/**
 * A fleet release's files on its clusters: `render` gives the files of one state's release
 * (`<release>/...`, its root kustomization.yaml included), which are placed under every cluster of
 * that state (`<release>/<cluster>/...`).
 */
export function renderFleet(release: LoadedRelease, render: (r: LoadedRelease) => ReadonlyMap<string, string>, only?: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of fleetStates(release, only)) {
    const files = render(s.release);
    for (const c of s.clusters) for (const [p, text] of files) out.set(fleetPath(p, c), text);
  }
  return out;
}

/** A fleet release's folders on its clusters (objects shared between clusters of one state). */
export function placeFolders(folders: readonly ReleaseFolder[], cluster: string): ReleaseFolder[] {
  return folders.map((f) => ({ ...f, path: fleetPath(f.path, cluster), ...(f.verifies !== undefined ? { verifies: fleetPath(f.verifies, cluster) } : {}) }));
}

/** The GitOps folders of a fleet release: each wave's folders placed on each of its clusters. */
export function fleetGitopsFolders(m: ReleaseModel, folders: (m: ReleaseModel) => GitOpsFolder[]): GitOpsFolder[] {
  const fleet = requireFleet(m);
  return fleet.waves.flatMap((w) => {
    const local = folders(waveModel(m, fleet, w));
    return w.clusters.flatMap((c) => onCluster(local, c));
  });
}

function requireFleet(release: LoadedRelease | ReleaseModel): FleetModel {
  const m = 'model' in release ? release.model : release;
  if (!m.fleet) throw new Error(`internal: release ${m.name} has no resolved fleet (load it with the project's clusters)`);
  return m.fleet;
}
