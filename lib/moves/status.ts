/**
 * Where each release and group stands and what its next move is: what `status` shows. Reads the
 * specs and, for a soak, when the canary entered its rung (git blame of the weight line); writes
 * nothing.
 */
import * as path from 'path';
import { Git } from '../git';
import { describePosition, nextMove, positionOf } from '../rollout/group';
import { ladderPosition, NextMove, nextMoveOf, percent, soakingRung, soakState, stateOf } from '../rollout';
import { formatProblem, SpecError, SpecProblem, UsageError } from '../spec/errors';
import { GroupModel, GROUP_STAGES } from '../spec/group';
import { CLI } from '../spec/hints';
import { LoadedGroup, LoadedRelease } from '../spec/loader';
import { loadProjectConfig } from '../spec/project-config';
import { projectPaths, readProjectSpecs } from '../synth/project';
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
  readonly next: NextStatus;
  /** Minimum soak of the step the canary sits on (seconds), measured from the commit that entered it; null when none. Elapsed and remaining are absent when git cannot tell (uncommitted spec, no repository). */
  readonly soak: { readonly minSeconds: number; readonly elapsedSeconds?: number; readonly remainingSeconds?: number; readonly since?: string } | null;
  /**
   * A release with `fleet:` only: its waves, each cluster's state (the cluster x wave table) and the
   * next move; `ladder`, `step`, `soak` and `next` are then those of the current wave.
   */
  readonly fleet?: FleetStatus;
}

/**
 * What comes next, in the same shape for releases and groups (`status --json`, documented by
 * status.schema.json beside this file): the command to run (null when nothing is left to do) and
 * one line for people. `weight` is the canary weight the move leads to (a release's start and step;
 * a group's `next` while it climbs the entry ladder at stage 3).
 */
export interface NextStatus {
  /** `start`, `step`, `promote` (releases), `next-wave` (a fleet release between waves), `next` (groups), or `none` (a complete group). */
  readonly move: 'start' | 'step' | 'promote' | 'next-wave' | 'next' | 'none';
  readonly weight?: number;
  /** The command, as the README writes it: `npx cdk8s-canary step webapp`; null for `none`. */
  readonly command: string | null;
  /** For people: `step -> 50%`, `stage 2/6: canaries deployed ...`, `nothing: the group is complete ...`. */
  readonly description: string;
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
  readonly next: NextStatus;
}

/** A spec file that does not validate: `status` reports it beside the valid ones (and exits 2). */
export interface InvalidSpecStatus {
  readonly file: string;
  /** Each problem without the value seen (it may be a secret); `text` is the problem as `validate` prints it (values hidden). */
  readonly problems: readonly (Omit<SpecProblem, 'value'> & { readonly text: string })[];
}

/** What `status [name]` reports. */
export interface ProjectStatus {
  /** The releases asked for (all of them without a name; none when the name is a group). */
  readonly releases: readonly ReleaseStatus[];
  /** The groups asked for. */
  readonly groups: readonly GroupStatus[];
  /** Spec files that do not validate (only when no name was asked for; a named invalid spec throws). */
  readonly invalid: readonly InvalidSpecStatus[];
  /** The releases folder, absolute. */
  readonly releasesDir: string;
}

/**
 * The status of every release and group of the project at `root`, or of the one named: then only
 * that spec is read, whatever the number of releases (lib/synth/spec-index.ts). Without a name, one
 * invalid spec does not hide the others: its problems are listed in `invalid`.
 * @throws SpecError when the spec named is invalid (or two specs share its name); UsageError for an unknown name
 */
export async function projectStatus(root: string, name?: string, options: { readonly invalidAsEntries?: boolean } = {}): Promise<ProjectStatus> {
  const paths = projectPaths(root);
  let releases: readonly LoadedRelease[];
  let groups: readonly LoadedGroup[];
  let invalid: InvalidSpecStatus[] = [];
  if (name !== undefined) {
    let spec;
    try {
      spec = loadNamedSpec(paths, name, 'release or group');
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      const files = [...new Set(e.problems.map((p) => p.file))];
      if (options.invalidAsEntries) return { releases: [], groups: [], invalid: invalidEntries(e.problems), releasesDir: paths.releasesDir };
      throw new SpecError(e.problems, `${files.join(', ')} is invalid, so its status cannot be read:`);
    }
    releases = 'release' in spec ? [spec.release] : [];
    groups = 'group' in spec ? [spec.group] : [];
  } else {
    const read = readProjectSpecs(paths);
    const bad = new Set(read.problems.map((p) => p.file));
    invalid = invalidEntries(read.problems);
    releases = read.releases.filter((r) => !bad.has(r.file));
    groups = read.groups.filter((g) => !bad.has(g.file));
  }
  // cdk8s-canary.yaml is read by every move: an invalid one is listed like an invalid spec (exit 2),
  // so a status never shows a next move that would then be refused for it
  try { loadProjectConfig(paths.root); } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    invalid = [...invalidEntries(e.problems), ...invalid.filter((x) => !e.problems.some((p) => p.file === x.file))];
  }
  // git is asked only when a canary sits on a rung with a minimum soak (when did it get there?)
  let git: Promise<Git | undefined> | undefined;
  const openGit = () => (git ??= Git.open(paths.root).catch(() => undefined));
  const out: ReleaseStatus[] = [];
  for (const r of releases) out.push(await releaseStatus(r, paths.root, openGit));
  return { releases: out, groups: groups.map(groupStatus), invalid, releasesDir: paths.releasesDir };
}

/** Problems grouped by file, as `status` lists invalid specs (sorted by file). */
function invalidEntries(problems: readonly SpecProblem[]): InvalidSpecStatus[] {
  return [...new Set(problems.map((p) => p.file))].sort().map((file) => ({
    file,
    problems: problems.filter((p) => p.file === file).map(({ value: _value, ...p }) => ({ ...p, text: formatProblem({ ...p, value: _value }) })),
  }));
}

/**
 * The status of one release; `git` (when given) dates the soak of the rung the canary is on (or of
 * a fleet's promoted wave). A function is called only when there is a soak to date.
 */
export async function releaseStatus(r: LoadedRelease, root: string, gitOrOpen: Git | undefined | (() => Promise<Git | undefined>)): Promise<ReleaseStatus> {
  if (r.model.fleet) {
    const fleet = await fleetStatus(r, root, gitOrOpen);
    const base = await releaseStatus(statusWave(r), root, gitOrOpen);
    return { ...base, ...(fleet.phase === 'promoted' ? { next: { move: 'next-wave' as const, command: `${CLI} next-wave ${r.model.name}`, description: `open wave ${(fleet.wave?.index ?? 0) + 1}/${fleet.waves.length}` } } : {}), fleet };
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
    next: { ...(next.kind === 'promote' ? { move: 'promote' as const } : { move: next.kind, weight: next.weight }), ...nextCommand(next, m.weightTotal, m.name) },
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
    next: groupNext(m),
  };
}

/** The command and description of a release's next move. */
function nextCommand(next: NextMove, total: number, release: string): Pick<NextStatus, 'command' | 'description'> {
  switch (next.kind) {
    case 'start': return { command: `${CLI} start ${release} --version VERSION`, description: `start a canary at ${percent(next.weight, total)}` };
    case 'step': return { command: `${CLI} step ${release}`, description: `step -> ${percent(next.weight, total)}` };
    default: return { command: `${CLI} promote ${release}`, description: `promote (or abort: ${CLI} abort ${release})` };
  }
}

/** A group's next move: `next` with what it does, or `none` with what to do instead once complete. */
function groupNext(m: GroupModel): NextStatus {
  try {
    const mv = nextMove(m);
    return { move: 'next', ...(mv.to.stage === 3 && mv.to.weight !== undefined ? { weight: mv.to.weight } : {}), command: `${CLI} next ${m.name}`, description: mv.title };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { move: 'none', command: null, description: `nothing: ${e.message}` };
  }
}
