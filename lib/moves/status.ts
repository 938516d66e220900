/**
 * Where each release and group stands and what its next move is: what `status` shows. Reads the
 * specs and, for a soak, when the canary entered its rung (git blame of the weight line); writes
 * nothing.
 */
import * as path from 'path';
import { Git } from '../git';
import { describePosition, nextTitleOrDone, positionOf } from '../rollout/group';
import { ladderPosition, nextMoveOf, percent, soakingRung, soakState, stateOf } from '../rollout';
import { GROUP_STAGES } from '../spec/group';
import { LoadedGroup, LoadedRelease } from '../spec/loader';
import { loadProjectSpecs, projectPaths } from '../synth/project';
import { fleetStatus, FleetStatus, statusWave } from './fleet-status';
import { loadNamedSpec } from '../synth/spec-index';
import { weightLineCommit } from './soak-gate';

/** One release in `status --json`. */
export interface ReleaseStatus {
  readonly name: string;
  readonly file: string;
  readonly router: string;
  /** The router the release is moving to (`router.migrateTo`, e.g. `gatewayApi`): both carry its traffic until `migrate`. @default - absent */
  readonly migratingTo?: string;
  readonly weightTotal: number;
  /** The ladder's weights. */
  readonly ladder: readonly number[];
  readonly stable: { readonly version: string; readonly image: string };
  readonly canary: { readonly version: string; readonly image: string; readonly weight: number; readonly percent: string } | null;
  /** Position on the ladder (1-based index of the highest step at or below the weight); null without a canary. */
  readonly step: { readonly index: number; readonly of: number; readonly onLadder: boolean } | null;
  /** The next move (`next-wave` for a fleet release between waves). */
  readonly next: { readonly move: 'start' | 'step' | 'promote' | 'next-wave'; readonly weight?: number };
  /** Minimum soak of the step the canary sits on (seconds), measured from the commit that entered it; null when none. Elapsed and remaining are absent when git cannot tell (uncommitted spec, no repository). */
  readonly soak: { readonly minSeconds: number; readonly elapsedSeconds?: number; readonly remainingSeconds?: number; readonly since?: string } | null;
  /**
   * A release with `fleet:` only: its waves, each cluster's state (the cluster x wave table) and the
   * next move; `ladder`, `step`, `soak` and `next` are then those of the current wave.
   */
  readonly fleet?: FleetStatus;
}

/** One group in `status --json`. */
export interface GroupStatus {
  readonly name: string;
  readonly file: string;
  readonly entry: string;
  readonly stage: { readonly index: number; readonly of: number; readonly description: string };
  /** Entry canary share at stage 3; null at other stages. */
  readonly weight: number | null;
  readonly ladder: readonly number[];
  readonly apps: readonly { readonly name: string; readonly project: string; readonly version: string; readonly newVersion: string | null }[];
  readonly next: string;
}

/** What `status [name]` reports. */
export interface ProjectStatus {
  /** The releases asked for (all of them without a name; none when the name is a group). */
  readonly releases: readonly ReleaseStatus[];
  /** The groups asked for. */
  readonly groups: readonly GroupStatus[];
  /**
   * Without a name: whether the project has release groups at all; with one: whether it names a
   * group (`status --json` then has `groups`).
   */
  readonly hasGroups: boolean;
  /** The releases folder, absolute. */
  readonly releasesDir: string;
}

/**
 * The status of every release and group of the project at `root` (every spec validated), or of the
 * one named: then only that spec is read, whatever the number of releases (lib/synth/spec-index.ts).
 * @throws SpecError when a spec read is invalid; UsageError for an unknown name
 */
export async function projectStatus(root: string, name?: string): Promise<ProjectStatus> {
  const paths = projectPaths(root);
  let releases: readonly LoadedRelease[];
  let groups: readonly LoadedGroup[];
  let hasGroups: boolean;
  if (name !== undefined) {
    const spec = loadNamedSpec(paths, name);
    releases = 'release' in spec ? [spec.release] : [];
    groups = 'group' in spec ? [spec.group] : [];
    hasGroups = groups.length > 0;
  } else {
    ({ releases, groups } = loadProjectSpecs(paths));
    hasGroups = groups.length > 0;
  }
  // git is asked only when a canary sits on a rung with a minimum soak (when did it get there?)
  let git: Promise<Git | undefined> | undefined;
  const openGit = () => (git ??= Git.open(paths.root).catch(() => undefined));
  const out: ReleaseStatus[] = [];
  for (const r of releases) out.push(await releaseStatus(r, paths.root, openGit));
  return { releases: out, groups: groups.map(groupStatus), hasGroups, releasesDir: paths.releasesDir };
}

/**
 * The status of one release; `git` (when given) dates the soak of the rung the canary is on (or of
 * a fleet's promoted wave). A function is called only when there is a soak to date.
 */
export async function releaseStatus(r: LoadedRelease, root: string, gitOrOpen: Git | undefined | (() => Promise<Git | undefined>)): Promise<ReleaseStatus> {
  if (r.model.fleet) {
    const fleet = await fleetStatus(r, root, gitOrOpen);
    const base = await releaseStatus(statusWave(r), root, gitOrOpen);
    return { ...base, ...(fleet.phase === 'promoted' ? { next: { move: 'next-wave' as const } } : {}), fleet };
  }
  const m = r.model;
  const st = stateOf(m.spec);
  const next = nextMoveOf(st, m.steps);
  let soak: ReleaseStatus['soak'] = null;
  const rung = m.canary ? soakingRung(m.canary.weight, m.steps) : undefined;
  if (rung) {
    soak = { minSeconds: rung.step.minSoakSeconds };
    const git = typeof gitOrOpen === 'function' ? await gitOrOpen() : gitOrOpen;
    const file = path.resolve(root, r.file);
    const dirty = git ? (await git.status([file])).length > 0 : true;
    const entered = git && !dirty ? await weightLineCommit(git, r, file) : undefined;
    if (entered) soak = { ...soakState(rung.step.minSoakSeconds, entered.time, Date.now() / 1000), since: entered.sha };
  }
  return {
    name: m.name,
    file: r.file,
    router: m.router.type,
    ...(m.router.type === 'nginx' && m.router.migrateTo ? { migratingTo: 'gatewayApi' } : {}),
    weightTotal: m.weightTotal,
    ladder: m.steps.map((s) => s.weight),
    stable: { version: m.stable.version, image: m.stable.image },
    canary: m.canary ? { version: m.canary.version, image: m.canary.image, weight: m.canary.weight, percent: percent(m.canary.weight, m.weightTotal) } : null,
    step: m.canary ? ladderPosition(m.canary.weight, m.steps) : null,
    next: next.kind === 'promote' ? { move: 'promote' } : { move: next.kind, weight: next.weight },
    soak,
  };
}

/** The status of a release group: stage k/6 and what `next` will do. */
export function groupStatus(g: LoadedGroup): GroupStatus {
  const m = g.model;
  const pos = positionOf(m);
  return {
    name: m.name,
    file: g.file,
    entry: m.entry,
    stage: { index: pos.stage, of: GROUP_STAGES, description: describePosition(m, pos) },
    weight: pos.weight ?? null,
    ladder: m.steps,
    apps: m.apps.map((a) => ({ name: a.name, project: a.project, version: a.version, newVersion: a.newVersion ?? null })),
    next: nextTitleOrDone(m),
  };
}
