/** Release-group moves (`next`, and `step`, `set-weight`, `abort` on a group) as a `MoveKind`. */
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import {
  abortMove, describePosition, editGroupPosition, GroupMove, groupCommitMessage, nextLine, nextMove, positionOf, setWeightMove, stageLabel, stepMove,
} from '../rollout/group';
import { unknownNameMessage } from '../rollout/moves';
import { UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { GroupModel } from '../spec/group';
import { LoadedGroup, parseGroup } from '../spec/loader';
import { projectPaths, ProjectPaths, readProjectSpecs, renderGroup } from '../synth/project';
import { otherSpecsError } from '../synth/spec-cache';
import { InvalidEditError } from './errors';
import { rel } from './files';
import { MoveKind } from './kind';

/** Computes a group move (pure functions of lib/rollout/group; throw UsageError to refuse). */
export type GroupPlanner = (g: GroupModel) => GroupMove;

/** The planners of the moves that exist for groups, by command. */
export const GROUP_PLANNERS = {
  next: (g: GroupModel) => nextMove(g),
  step: (g: GroupModel) => stepMove(g),
  /** @throws UsageError when `weight` is not a whole number from 0 to 100 (lib/rollout/weight.ts) */
  setWeight: (weight: string) => (g: GroupModel) => setWeightMove(g, weight),
  abort: (g: GroupModel) => abortMove(g),
} as const;

/**
 * A move of the release group `name`: validates every spec, plans with `plan`, edits the group's
 * `stage`/`weight` lines in place, and owns `dist/<name>/`.
 */
export function groupMove(name: string, plan: GroupPlanner): MoveKind {
  return {
    load(ctx) {
      const { paths } = ctx;
      const group = groupNamed(paths, name);
      ctx.mark('load+validate');
      const specAbs = path.resolve(paths.root, group.file);
      const specRel = rel(paths.root, specAbs);
      return {
        name: group.model.name,
        label: `release group ${group.model.name}`,
        specFile: specAbs,
        outputs: [group.model.name],
        plan() {
          const mv = plan(group.model);
          if (!mv.changes) return { changes: false, reason: `group ${group.model.name} is already at ${describePosition(group.model, mv.to)}` };
          return {
            changes: true,
            renderBefore: () => renderGroup(group),
            edit() {
              const text = editGroupPosition(group.source, mv.to);
              const parsed = parseGroup(specAbs, text, { relativeTo: paths.root });
              if ('problems' in parsed) throw new InvalidEditError(`the move would make ${specRel} invalid:`, parsed.problems);
              const reached = positionOf(parsed.group.model);
              if (reached.stage !== mv.to.stage || reached.weight !== mv.to.weight) {
                throw new Error(`internal: the edited ${specRel} does not hold ${stageLabel(mv.to.stage)}; nothing was written (please report this with the spec file)`);
              }
              return {
                text,
                rendered: renderGroup(parsed.group),
                subject: { kind: 'group', group, after: parsed.group, move: mv },
                message: groupCommitMessage(group.model, mv, ctx.extraMessage),
                next: nextLine(parsed.group.model),
              };
            },
          };
        },
      };
    },
  };
}

/**
 * Whether `name` is a release group of the project at `root` (a spec file `releases/<name>.y(a)ml`
 * with `kind: ReleaseGroup`). Cheap: reads one file, no validation; the release commands use it to
 * hand group names over to the group moves.
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

/** The loaded group of that name (every spec validated); UsageError when the name is unknown or a release. */
export function groupNamed(paths: ProjectPaths, name: string): LoadedGroup {
  const { releases, groups, problems } = readProjectSpecs(paths);
  if (problems.length) throw otherSpecsError(problems, name);
  const g = groups.find((x) => x.model.name === name);
  if (g) return g;
  if (releases.some((r) => r.model.name === name)) {
    throw new UsageError(`${name} is a release, not a release group: \`next\` moves groups; move a release with ${cliCommand(`step ${name}`)} (or start, set-weight, promote, abort)`);
  }
  throw new UsageError(unknownNameMessage('release group', name, releases.map((x) => x.model.name), groups.map((x) => x.model.name)));
}
