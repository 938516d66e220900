/**
 * The coordinated canary of a release group (scenario S3) as a pure state machine: what runs and
 * where traffic goes at each of the six stages, and the moves between them. No I/O: the CLI edits the
 * spec's `stage`/`weight`, re-synthesizes and commits.
 *
 *   1 mains only, 100% to the entry's main;
 *   2 canaries deployed bottom-up; a canary another canary calls gets its own Route;
 *   3 the entry Route split between the entry's main and its canary (the ladder: `steps`);
 *   4 promotion: every main Route 100% to its canary, then the mains upgraded (version label = new version);
 *   5 the entry Route back to its upgraded main, the entry's canary deleted;
 *   6 the other Routes back to their mains, their canaries deleted.
 *   abort (from 2, 3 or 4): back to 1, front first.
 */
import { isMap, isScalar } from 'yaml';
import { SourceDocument } from '../spec/document';
import { UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { appOf, GROUP_STAGES, GroupAppModel, GroupModel, GroupStage } from '../spec/group';
import { CommitMessage } from './moves';
import { weightOf } from './weight';

/** Where a group is: the stage, and the entry canary's share at stage 3. */
export interface GroupPosition {
  readonly stage: GroupStage;
  /** Percent of the entry Route sent to the entry's canary; stage 3 only. */
  readonly weight?: number;
}

/** Share of a Route's traffic, in percent. */
export interface Share {
  readonly service: string;
  readonly percent: number;
}

/** One DeploymentConfig (main or canary) at a stage. */
export interface InstanceState {
  /** DC_NAME. */
  readonly dcName: string;
  readonly track: 'stable' | 'canary';
  /** Value of the version label: the main's version, or `canary`. */
  readonly versionLabel: string;
  /** Version (image tag) the pods run. */
  readonly version: string;
  readonly replicas: number;
  /** The instance's own Route and its shares (first: the instance itself); undefined when it has none. */
  readonly route?: readonly Share[];
  /** ConfigMap URL key -> DC_NAME of the callee instance whose Route it points at. */
  readonly calls: Readonly<Record<string, { readonly app: string; readonly dcName: string }>>;
}

/** One app at a stage. */
export interface AppState {
  readonly app: string;
  readonly main: InstanceState;
  readonly canary?: InstanceState;
}

/** The whole group at a position. */
export interface GroupState extends GroupPosition {
  /** Apps in spec order. */
  readonly apps: readonly AppState[];
}

/** A move from one position to another, with what it does in words. */
export interface GroupMove {
  readonly verb: 'next' | 'step' | 'set-weight' | 'abort';
  readonly from: GroupPosition;
  readonly to: GroupPosition;
  /** One line: what the commit does (`stage 3/6: ...`). */
  readonly title: string;
  /** False for a move that changes nothing (set-weight to the current weight): no commit. */
  readonly changes: boolean;
}

/** The position a group's spec records. */
export function positionOf(g: GroupModel): GroupPosition {
  return g.stage === 3 ? { stage: 3, weight: g.weight ?? g.steps[0] } : { stage: g.stage };
}

/** Whether an app's canary exists at a stage: the entry's at 2-4, the others' at 2-5. */
export function canaryExists(g: GroupModel, app: GroupAppModel, stage: GroupStage): boolean {
  return stage >= 2 && stage <= (app.name === g.entry ? 4 : 5);
}

/** Version an app's main runs at a stage: the new version from stage 4 on (promotion). */
export function mainVersion(app: GroupAppModel, stage: GroupStage): string {
  return stage >= 4 ? app.newVersion ?? app.version : app.version;
}

/** Version an app's canary runs: the new one, or production's when the app does not change. */
export function canaryVersion(app: GroupAppModel): string {
  return app.newVersion ?? app.version;
}

/** Canary share (percent) of an app's main Route at a position; 0 with no canary in the Route. */
export function canaryShare(g: GroupModel, app: GroupAppModel, pos: GroupPosition): number | undefined {
  const entry = app.name === g.entry;
  if (pos.stage === 3 && entry) return pos.weight ?? 0;
  if (pos.stage === 4) return 100;
  if (pos.stage === 5 && !entry) return 100;
  return undefined;
}

/** The state of every app at a position (default: the one the spec records). Pure. */
export function groupState(g: GroupModel, pos: GroupPosition = positionOf(g)): GroupState {
  const apps = g.apps.map((app): AppState => {
    const hasCanary = canaryExists(g, app, pos.stage);
    const share = canaryShare(g, app, pos);
    const mainRoute: Share[] = share === undefined
      ? [{ service: app.services.main, percent: 100 }]
      : [{ service: app.services.main, percent: 100 - share }, { service: app.services.canary, percent: share }];
    const v = mainVersion(app, pos.stage);
    const main: InstanceState = {
      dcName: app.name,
      track: 'stable',
      versionLabel: v,
      version: v,
      replicas: app.replicas,
      route: mainRoute,
      calls: Object.fromEntries(app.calls.map((c) => [c.configKey, { app: c.app, dcName: c.app }])),
    };
    if (!hasCanary) return { app: app.name, main };
    const canary: InstanceState = {
      dcName: app.canaryName,
      track: 'canary',
      versionLabel: 'canary',
      version: canaryVersion(app),
      replicas: app.canaryReplicas,
      // a canary another canary calls gets its own Route (CANARY_URL_REQ); the entry's is reached through the entry Route
      ...(app.name !== g.entry ? { route: [{ service: app.services.canary, percent: 100 }] } : {}),
      // a canary calls the callee's canary (it exists whenever the caller's does: callees' canaries live longer)
      calls: Object.fromEntries(app.calls.map((c) => [c.configKey, { app: c.app, dcName: appOf(g, c.app).canaryName }])),
    };
    return { app: app.name, main, canary };
  });
  return { ...pos, apps };
}

/** `stage k/6`. */
export function stageLabel(stage: GroupStage): string {
  return `stage ${stage}/${GROUP_STAGES}`;
}

/** One line describing a position. */
export function describePosition(g: GroupModel, pos: GroupPosition = positionOf(g)): string {
  const entry = appOf(g, g.entry);
  const others = g.apps.filter((a) => a.name !== g.entry);
  const upgraded = g.apps.filter((a) => a.newVersion !== undefined);
  const list = (xs: readonly string[]) => xs.join(', ');
  switch (pos.stage) {
    case 1: return `${stageLabel(1)}: mains only (${list(g.apps.map((a) => `${a.name} ${a.version}`))}), 100% to ${entry.name}`;
    case 2: return `${stageLabel(2)}: canaries deployed bottom-up (${list(canaryOrder(g))}), no user traffic on them yet`;
    case 3: return `${stageLabel(3)}: ${entry.name}'s Route split ${100 - (pos.weight ?? 0)}/${pos.weight ?? 0} between ${entry.name} and ${entry.canaryName}`;
    case 4: return `${stageLabel(4)}: all traffic on the canaries; mains upgraded (${list(upgraded.map((a) => `${a.name} ${a.newVersion}`)) || 'none changes'})`;
    case 5: return `${stageLabel(5)}: ${entry.name}'s Route back to ${entry.name} (${mainVersion(entry, 5)}), ${entry.canaryName} deleted`;
    case 6: return `${stageLabel(6)}: ${others.length ? `${list(others.map((a) => `${a.name}'s Route back to ${a.name} (${mainVersion(a, 6)})`))}, ${list(others.map((a) => a.canaryName))} deleted` : 'done'}`;
  }
}

/** Canary DC names in creation order (bottom-up: callees first), with ' (own Route)' where one is created. */
function canaryOrder(g: GroupModel): string[] {
  return g.bottomUp.map((n) => appOf(g, n)).map((a) => `${a.canaryName}${a.name === g.entry ? '' : ' with its own Route'}`);
}

function move(g: GroupModel, verb: GroupMove['verb'], to: GroupPosition): GroupMove {
  const from = positionOf(g);
  return { verb, from, to, title: describePosition(g, to), changes: from.stage !== to.stage || from.weight !== to.weight };
}

/** The ladder step above a weight, if any. */
function stepAbove(g: GroupModel, weight: number): number | undefined {
  return g.steps.find((s) => s > weight);
}

/**
 * `next`: one stage forward. At stage 3 it first climbs the ladder (one step per call), then
 * promotes. Throws UsageError at stage 6 (nothing left).
 */
export function nextMove(g: GroupModel): GroupMove {
  const pos = positionOf(g);
  switch (pos.stage) {
    case 1: return move(g, 'next', { stage: 2 });
    case 2: return move(g, 'next', { stage: 3, weight: g.steps[0] });
    case 3: {
      const above = stepAbove(g, pos.weight ?? 0);
      return above !== undefined ? move(g, 'next', { stage: 3, weight: above }) : move(g, 'next', { stage: 4 });
    }
    case 4: return move(g, 'next', { stage: 5 });
    case 5: return move(g, 'next', { stage: 6 });
    case 6:
      throw new UsageError(`group ${g.name} is complete (${stageLabel(6)}): every main runs its new version and no canary is left; ${nextReleaseSteps(g)}`);
  }
}

/** `step`: the next weight of the entry ladder; stage 3 only. */
export function stepMove(g: GroupModel): GroupMove {
  const pos = positionOf(g);
  if (pos.stage !== 3) {
    throw new UsageError(`group ${g.name} is at ${stageLabel(pos.stage)}: step moves the entry weight at stage 3 only; ${whatInstead(g)}`);
  }
  const above = stepAbove(g, pos.weight ?? 0);
  if (above === undefined) {
    throw new UsageError(`the entry weight of group ${g.name} is at the top of the ladder (${pos.weight}%); ${cliCommand(`next ${g.name}`)} promotes (${stageLabel(4)})`);
  }
  return move(g, 'step', { stage: 3, weight: above });
}

/** `set-weight`: any entry weight 0..100 at stage 3 (a hold or a hotfix). */
export function setWeightMove(g: GroupModel, raw: number | string): GroupMove {
  const weight = weightOf(raw, 100, `the entry canary's share of traffic in percent, e.g. ${cliCommand(`set-weight ${g.name} 30`)}`);
  const pos = positionOf(g);
  if (pos.stage !== 3) {
    throw new UsageError(`group ${g.name} is at ${stageLabel(pos.stage)}: set-weight changes the entry split at stage 3 only; ${whatInstead(g)}`);
  }
  return move(g, 'set-weight', { stage: 3, weight });
}

/**
 * `abort`: traffic back to the mains and every canary deleted, front first (the entry Route, where the
 * split is, goes back first); the mains return to their production version. Allowed at stages 2-4.
 */
export function abortMove(g: GroupModel): GroupMove {
  const pos = positionOf(g);
  if (pos.stage === 1) throw new UsageError(`group ${g.name} is at ${stageLabel(1)}: no canary runs, nothing to abort`);
  if (pos.stage >= 5) {
    const entry = appOf(g, g.entry);
    const why = `group ${g.name} is at ${stageLabel(pos.stage)}: ${entry.name} already serves ${mainVersion(entry, pos.stage)} from its main and its canary is gone, so there is nothing to abort`;
    if (pos.stage === 5) throw new UsageError(`${why}; finish the release with ${cliCommand(`next ${g.name}`)}, then, to go back, release the previous versions as the next release (the group's message at stage 6 says how)`);
    throw new UsageError(`${why}; to go back, release the previous versions as the next release: ${nextReleaseSteps(g, 'the version to go back to')}`);
  }
  const back = [g.entry, ...g.bottomUp.slice().reverse().filter((n) => n !== g.entry)];
  return {
    verb: 'abort',
    from: pos,
    to: { stage: 1 },
    changes: true,
    title: `${stageLabel(1)}: abort from ${stageLabel(pos.stage)}: traffic back to the mains front first (${back.join(', ')}), canaries deleted, mains at ${g.apps.map((a) => `${a.name} ${a.version}`).join(', ')}`,
  };
}

/**
 * How to start a group's next release once it is complete (stage 6), as edits that validate: each
 * app's `version` becomes its `newVersion` (what its main runs now), `newVersion` the version the
 * release brings (or is removed, for an app that does not change), `stage: 1`; then synth and commit
 * (dist/ changes: the Templates' default versions), and `next` starts the canaries.
 */
export function nextReleaseSteps(g: GroupModel, what = 'the version the next release brings'): string {
  const changed = g.apps.filter((a) => a.newVersion !== undefined).map((a) => `${a.name} ${a.version} -> ${a.newVersion}`);
  return `edit ${g.file}: set each app's version to its newVersion (${changed.join(', ')}), set newVersion to ${what} (remove it for an app that does not change) and set stage: 1; `
    + `then run ${cliCommand('synth')}, \`git add ${g.file} dist && git commit -m "${g.name}: next release"\`, and ${cliCommand(`next ${g.name}`)}`;
}

/** What to run instead of a move refused at the current stage: `next` (saying what it does), or the next release's steps when complete. */
function whatInstead(g: GroupModel): string {
  if (positionOf(g).stage === GROUP_STAGES) return `the group is complete; ${nextReleaseSteps(g)}`;
  return `use ${cliCommand(`next ${g.name}`)} (${nextTitleOrDone(g)})`;
}

/** The line a group move ends with: what `next` does and the command, or, once complete, how to start the next release. */
export function nextLine(g: GroupModel): string {
  try {
    return `next: ${nextMove(g).title}: ${cliCommand(`next ${g.name}`)}`;
  } catch (e) {
    if (e instanceof UsageError) return `next: nothing, ${e.message}`;
    throw e;
  }
}

/** What `next` would do, or why it cannot. */
export function nextTitleOrDone(g: GroupModel): string {
  try {
    return nextMove(g).title;
  } catch (e) {
    if (e instanceof UsageError) return 'nothing: the group is complete';
    throw e;
  }
}

/**
 * Folders of the group in the order a GitOps engine should apply them within one commit: callers
 * first (the entry first). Promotion (stage 4) and abort need the entry's Route to move before a
 * callee's; creation (stage 2) is safe in any order because no user reaches a canary before stage 3.
 */
export function applyOrder(g: GroupModel): string[] {
  const projects: string[] = [];
  for (const n of g.bottomUp.slice().reverse()) {
    const p = appOf(g, n).project;
    if (!projects.includes(p)) projects.push(p);
  }
  return projects;
}

/**
 * The spec text with its `stage` (and `weight`) set to a position, edited in place: only those lines
 * change, so comments, key order and formatting survive and the commit's spec diff is one or two
 * lines. `weight` is written right after `stage` when it appears and its line is removed when it goes.
 */
export function editGroupPosition(source: SourceDocument, to: GroupPosition): string {
  const text = source.text;
  const root = source.doc.contents;
  if (!isMap(root)) throw new Error('internal: a validated group spec is a mapping');
  const pairOf = (key: string) => root.items.find((p) => isScalar(p.key) && p.key.value === key);
  const stage = pairOf('stage');
  if (!stage || !isScalar(stage.value) || !stage.value.range || !isScalar(stage.key) || !stage.key.range) throw new Error('internal: a validated group spec has a stage');
  const edits: { from: number; to: number; text: string }[] = [];
  const [vs, ve] = stage.value.range;
  edits.push({ from: vs, to: ve, text: String(to.stage) });
  const weight = pairOf('weight');
  if (weight && isScalar(weight.value) && weight.value.range && isScalar(weight.key) && weight.key.range) {
    const [ws, we] = weight.value.range;
    if (to.weight !== undefined) edits.push({ from: ws, to: we, text: String(to.weight) });
    else {
      const lineStart = text.lastIndexOf('\n', weight.key.range[0] - 1) + 1;
      const nl = text.indexOf('\n', we);
      edits.push({ from: lineStart, to: nl < 0 ? text.length : nl + 1, text: '' });
    }
  } else if (to.weight !== undefined) {
    const keyStart = stage.key.range[0];
    const indent = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
    const nl = text.indexOf('\n', ve);
    const at = nl < 0 ? text.length : nl + 1;
    edits.push({ from: at, to: at, text: `${nl < 0 ? '\n' : ''}${' '.repeat(indent)}weight: ${to.weight}\n` });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

/**
 * Subject, body and trailers of a group move's commit: `<group>: <title>` (`abort, ` before an
 * abort's title); the body says where the group was and the order to apply its folders; trailers
 * `Release-Group`, `Group-Stage` (`k/6`), `Entry-Weight` (at stage 3) and `Apply-Order`. Pure.
 */
export function groupCommitMessage(g: GroupModel, mv: GroupMove, extra?: string): CommitMessage & { body: string } {
  const order = applyOrder(g).map((p) => `${g.name}/${p}`).join(', ');
  const body = [
    `${g.name}: ${describePosition(g, mv.from)}`,
    `-> ${mv.title}`,
    '',
    `Apply the folders callers first (${order}); see README "Scenario S3" for the sync waves.`,
    ...(extra ? ['', extra] : []),
  ].join('\n');
  return {
    subject: `${g.name}: ${mv.verb === 'abort' ? 'abort, ' : ''}${mv.title}`,
    body,
    trailers: [
      ['Release-Group', g.name],
      ['Group-Stage', `${mv.to.stage}/${GROUP_STAGES}`],
      ...(mv.to.weight !== undefined ? [['Entry-Weight', `${mv.to.weight}%`] as [string, string]] : []),
      ['Apply-Order', order],
    ],
  };
}
