import { Command } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { Git, NotARepositoryError, withRepositoryLock } from '../../git';
import {
  abortMove, applyOrder, describePosition, editGroupPosition, GroupMove, nextMove, nextTitleOrDone,
  positionOf, setWeightMove, stageLabel, stepMove,
} from '../../rollout/group';
import { SpecError, UsageError } from '../../spec/errors';
import { GROUP_STAGES, GroupModel } from '../../spec/group';
import { LoadedGroup, parseGroup } from '../../spec/loader';
import { loadProjectSpecs, projectPaths, ProjectPaths, renderGroup } from '../../synth/project';
import { readTree } from '../../synth/write';
import { CliContext } from '../context';
import { crashPoint } from '../../crash-point';
import { beginMove, MoveJournal } from '../journal';
import { diffNames, LOCK_NAME, MoveFiles, rel, restoreMoveFiles, writeMoveFiles } from '../move';
import { EXIT_OK } from '../output';

/** What the group commands need from git: the subset of lib/git's `Git` they use (tests may pass another). */
export interface GroupRepo {
  head(): Promise<{ readonly branch?: string; readonly commit?: string; readonly detached: boolean }>;
  /** Uncommitted changes in the given paths. */
  status(paths: readonly string[]): Promise<readonly { readonly path: string; readonly index: string; readonly worktree: string }[]>;
  add(paths: readonly string[]): Promise<void>;
  /** Commits exactly the given paths; returns the commit id. */
  commit(paths: readonly string[], message: string, trailers?: readonly (readonly [string, string])[]): Promise<string>;
  unstage(paths: readonly string[]): Promise<void>;
  /** The branch's upstream, if one is set. */
  upstream(branch: string): Promise<{ readonly remote: string; readonly branch: string } | undefined>;
  /** Pushes without force; a remote that moved is an outcome, not an exception. */
  push(remote: string, localRef: string, branch: string): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: 'remote-moved'; readonly detail: string }>;
  /** Moves the branch back to a commit keeping local changes (`git reset --keep`). */
  resetKeep(commit: string): Promise<void>;
  /** Runs `fn` holding the repository's move lock, so concurrent moves cannot interleave. @default - no lock */
  withLock?<T>(fn: () => Promise<T>): Promise<T>;
  /** Records a move about to write files, so a kill before its commit is undone by the next command (lib/cli/journal.ts); returns its removal. @default - no journal */
  journal?(entry: Omit<MoveJournal, 'pid' | 'host' | 'since'>): () => void;
}

/** Opens the repository containing a directory; throws UsageError when there is none. */
export type OpenRepo = (dir: string) => Promise<GroupRepo>;

/** Flags of the moving group commands. */
export interface GroupMoveFlags {
  /** False with `--no-commit`. */
  readonly commit: boolean;
  readonly dryRun?: boolean;
  readonly message?: string;
  /** `--push`: push after committing (one attempt, never forced). */
  readonly push?: boolean;
}

/** Computes a group move (pure functions of lib/rollout/group). */
export type GroupPlanner = (g: GroupModel) => GroupMove;

/** The planners of the moves that exist for groups, by command. */
export const GROUP_PLANNERS = {
  next: (g: GroupModel) => nextMove(g),
  step: (g: GroupModel) => stepMove(g),
  setWeight: (weight: string) => (g: GroupModel) => setWeightMove(g, parseWeight(weight)),
  abort: (g: GroupModel) => abortMove(g),
} as const;

function parseWeight(s: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`weight must be an integer between 0 and 100 (got ${JSON.stringify(s)})`);
  return Number(s);
}

/**
 * Whether `name` is a release group of the project (a spec file `releases/<name>.y(a)ml` with
 * `kind: ReleaseGroup`). Cheap: reads one file, no validation; the release commands use it to hand
 * group names over to the group moves.
 */
export function isGroupName(root: string, name: string): boolean {
  const paths = projectPaths(root);
  for (const ext of ['yaml', 'yml']) {
    const file = path.join(paths.releasesDir, `${name}.${ext}`);
    if (!fs.existsSync(file)) continue;
    try {
      const data = parseDocument(fs.readFileSync(file, 'utf8')).toJS() as { kind?: unknown } | null;
      return !!data && typeof data === 'object' && data.kind === 'ReleaseGroup';
    } catch {
      return false;
    }
  }
  return false;
}

/** Options of every moving group command. */
function moving(cmd: Command): Command {
  return cmd
    .option('--no-commit', 'edit the spec and synthesize dist/ only; do not commit')
    .option('--dry-run', 'print what the move would change; change nothing')
    .option('--push', 'push after committing (never forced; if the remote moved, the commit is undone locally)')
    .option('-m, --message <text>', 'extra text for the commit message body');
}

/**
 * `next <group>`. `step`, `set-weight`, `abort` and `status` work on groups too: the release
 * commands (rollout.ts, status.ts) hand group names over to `runGroupMove` and `groupStatus`.
 */
export function register(program: Command, ctx: CliContext, openRepo: OpenRepo = openGitRepo): void {
  moving(program.command('next <group>')
    .description(`move a release group one stage forward (S3: 1 mains only -> ... -> ${GROUP_STAGES} canaries gone), one commit per stage; at stage 3 it climbs the entry ladder first`))
    .action((name: string, opts: GroupMoveFlags) => runGroupMove(ctx, name, GROUP_PLANNERS.next, opts, openRepo));
}

/**
 * Runs one group move end to end: load and validate every spec, compute the move, edit the group's
 * `stage`/`weight` lines in memory, validate the result, re-synthesize only dist/<group>, write the
 * spec and dist/<group>, `git add` exactly those two paths and commit. Refusals throw UsageError or
 * SpecError (exit 2) before anything is written; a failure after writing restores the files.
 */
export async function runGroupMove(ctx: CliContext, name: string, plan: GroupPlanner, flags: GroupMoveFlags, openRepo: OpenRepo = openGitRepo): Promise<void> {
  if (flags.push && !flags.commit) throw new UsageError('--push needs a commit; drop --no-commit or --push');
  const paths = projectPaths(ctx.root());
  const repo = await openRepo(paths.root);
  const move = async () => {
    const head = await repo.head(); // under the lock: the commit this move starts from
    if (head.detached) throw new UsageError(`HEAD is detached${head.commit ? ` at ${head.commit.slice(0, 7)}` : ''}; every move is a commit on a branch: check one out first (git switch main)`);
    if (!head.commit) throw new UsageError(`branch ${head.branch} has no commit yet; commit releases/ and dist/ first (git add releases dist && git commit)`);
    await moveGroupOnce(ctx, repo, paths, name, plan, flags, head.branch as string, head.commit);
  };
  if (flags.dryRun || !repo.withLock) await move();
  else await repo.withLock(move);
}

async function moveGroupOnce(ctx: CliContext, repo: GroupRepo, paths: ProjectPaths, name: string, plan: GroupPlanner, flags: GroupMoveFlags, branch: string, base: string): Promise<void> {
  const group = groupNamed(paths, name);
  const specAbs = path.resolve(paths.root, group.file);
  const specRel = rel(paths.root, specAbs);
  const distAbs = path.join(paths.distDir, group.model.name);
  const distRel = rel(paths.root, distAbs);
  const touched = [specRel, distRel];
  const dirty = await repo.status(touched);
  if (dirty.length) {
    throw new UsageError(`uncommitted changes in the paths this move would touch: ${dirty.slice(0, 5).map((e) => e.path).join(', ')}${dirty.length > 5 ? `, and ${dirty.length - 5} more` : ''}; commit or stash them first (git stash push -- ${touched.join(' ')})`);
  }
  const prefix = `${group.model.name}/`;
  const own = (files: Map<string, string>) => new Map([...files].map(([p, c]) => [p.slice(prefix.length), c]));
  const distBefore = readTree(distAbs);
  const stale = diffNames(distBefore, own(renderGroup(group)));
  if (stale.length) {
    throw new UsageError(`${distRel} is not what ${specRel} synthesizes (${stale.length} file(s) differ: ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}); run \`cdk8s-canary synth\` and commit dist/ first, so this move's commit holds only the move`);
  }

  const mv = plan(group.model);
  if (!mv.changes) {
    ctx.io.out(`nothing to do: group ${group.model.name} is already at ${describePosition(group.model, mv.to)}; no commit made`);
    ctx.setCode(EXIT_OK);
    return;
  }
  const specBytes = fs.readFileSync(specAbs);
  const newText = editGroupPosition(group.source, mv.to);
  const parsed = parseGroup(specAbs, newText, { relativeTo: paths.root });
  if ('problems' in parsed) {
    ctx.io.err(`the move would make ${specRel} invalid:`);
    throw new SpecError(parsed.problems);
  }
  const reached = positionOf(parsed.group.model);
  if (reached.stage !== mv.to.stage || reached.weight !== mv.to.weight) {
    throw new Error(`internal: the edited ${specRel} does not hold ${stageLabel(mv.to.stage)}; nothing was written (please report this with the spec file)`);
  }
  const distAfter = own(renderGroup(parsed.group));
  const changed = [...new Set([...distBefore.keys(), ...distAfter.keys()])].sort().filter((p) => distBefore.get(p) !== distAfter.get(p));
  const message = groupCommitMessage(group.model, mv, flags.message);

  if (flags.dryRun) {
    ctx.io.out(`dry run: would commit "${message.subject}"`);
    ctx.io.out(`  ${specRel}: stage ${mv.from.stage} -> ${mv.to.stage}${mv.to.weight !== undefined || mv.from.weight !== undefined ? `, weight ${mv.from.weight ?? '-'} -> ${mv.to.weight ?? '-'}` : ''}`);
    for (const p of changed) ctx.io.out(`  ${distRel}/${p}: ${!distBefore.has(p) ? 'added' : !distAfter.has(p) ? 'deleted' : 'changed'}`);
    ctx.io.out('nothing was written');
    ctx.setCode(EXIT_OK);
    return;
  }

  const endJournal = repo.journal?.({ head: base, release: group.model.name, subject: message.subject, paths: touched, commits: flags.commit }) ?? (() => undefined);
  const files: MoveFiles = { specAbs, specBefore: specBytes, specAfter: newText, distAbs, distBefore, distAfter };
  writeMoveFiles(files, endJournal);
  if (!flags.commit) {
    endJournal();
    ctx.io.out(`${message.subject} (not committed)`);
    ctx.io.out(`edited ${specRel} and ${distRel}/ (${changed.length} file(s)); review with \`git diff\`, then commit both paths`);
    ctx.setCode(EXIT_OK);
    return;
  }
  let sha: string;
  try {
    await repo.add(touched);
    crashPoint('move:before-commit');
    sha = await repo.commit(touched, `${message.subject}\n\n${message.body}`, message.trailers);
    crashPoint('move:committed');
  } catch (e) {
    restoreMoveFiles(files);
    await repo.unstage(touched).catch(() => undefined);
    endJournal();
    throw e;
  }
  endJournal();
  ctx.io.out(message.subject);
  ctx.io.out(`[${branch} ${sha.slice(0, 7)}] ${changed.length + 1} file(s): ${specRel}, ${distRel}/`);
  ctx.io.out(`next: ${nextTitleOrDone(parsed.group.model)}`);
  if (flags.push) {
    const up = (await repo.upstream(branch)) ?? { remote: 'origin', branch };
    const outcome = await repo.push(up.remote, 'HEAD', up.branch);
    if (!outcome.ok) {
      await repo.resetKeep(base);
      throw new Error(`${up.remote}/${up.branch} moved (${outcome.detail}); the move was not pushed and your branch is back at ${base.slice(0, 7)} as before the command: run \`git pull\`, check \`cdk8s-canary status ${name}\`, then move again`);
    }
    ctx.io.out(`pushed to ${up.remote}/${up.branch}`);
  }
  ctx.setCode(EXIT_OK);
}

/** The loaded group of that name; UsageError when the name is unknown or a release. */
export function groupNamed(paths: ProjectPaths, name: string): LoadedGroup {
  const { releases, groups } = loadProjectSpecs(paths);
  const g = groups.find((x) => x.model.name === name);
  if (g) return g;
  if (releases.some((r) => r.model.name === name)) {
    throw new UsageError(`${name} is a release, not a release group; \`next\` moves groups (use start, step, promote or abort for a release)`);
  }
  const known = groups.map((x) => x.model.name);
  throw new UsageError(`unknown release group '${name}'; ${known.length ? `groups: ${known.join(', ')}` : `no spec in ${rel(paths.root, paths.releasesDir)}/ has kind: ReleaseGroup`}`);
}

/** Subject, body and trailers of a group move's commit. */
export function groupCommitMessage(g: GroupModel, mv: GroupMove, extra?: string): { subject: string; body: string; trailers: [string, string][] } {
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

/** `status` lines of a release group. */
export function groupStatusLines(s: GroupStatus): string[] {
  return [
    `${s.name} (release group, ${s.file})`,
    `  ${s.stage.description}`,
    ...s.apps.map((a) => `  app     ${a.name} (${a.project}) ${a.version}${a.newVersion ? ` -> ${a.newVersion}` : ' (unchanged)'}${a.name === s.entry ? ', entry' : ''}`),
    `  ladder  ${s.ladder.map((w) => (s.weight === w ? `[${w}%]` : `${w}%`)).join(' ')} at the entry`,
    `  next    ${s.next}`,
  ];
}

/** The group commands' view of lib/git: its `Git` and the repository lock the release moves take. */
export const openGitRepo: OpenRepo = async (dir) => {
  let git: Git;
  try {
    git = await Git.open(dir);
  } catch (e) {
    if (e instanceof NotARepositoryError) throw new UsageError(e.message);
    throw e;
  }
  return {
    head: () => git.head(),
    status: (paths) => git.status(paths),
    add: (paths) => git.add(paths),
    commit: (paths, message, trailers = []) => git.commit(paths, message, trailers),
    unstage: (paths) => git.unstage(paths),
    upstream: (branch) => git.upstream(branch),
    push: (remote, ref, branch) => git.push(remote, ref, branch),
    resetKeep: (commit) => git.resetKeep(commit),
    withLock: (fn) => withRepositoryLock(git.gitDir, LOCK_NAME, async () => {
      git.assertIndexUnlocked();
      return fn();
    }),
    journal: (entry) => beginMove(git.gitDir, entry),
  };
};
