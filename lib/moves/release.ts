/** Release moves (`start`, `step`, `set-weight`, `promote`, `abort`) as a `MoveKind`. */
import * as path from 'path';
import { commitMessage, describeNext, editSpecText, Move, percent, releaseNamed, sameState, stateOf } from '../rollout';
import { SpecError } from '../spec/errors';
import { LoadedRelease, parseRelease } from '../spec/loader';
import { cacheCompiledValidators } from '../spec/schemas';
import { projectSpecOptions, renderRelease } from '../synth/project';
import { loadProjectFor } from '../synth/spec-cache';
import { InvalidEditError } from './errors';
import { isGroupName } from './group';
import { rel } from './files';
import { FleetPlanner, fleetTarget } from './fleet';
import { MoveKind } from './kind';

/** Computes a move from the loaded release (a pure function of lib/rollout; throws UsageError to refuse). */
export type Planner = (release: LoadedRelease) => Move;

/**
 * A move of the release `name`: validates its spec (and no other: see spec-cache.ts), plans with
 * `plan`, edits the spec's rollout lines in place (comments and formatting kept), and owns
 * `dist/<name>/`. A release with `fleet:` is moved by `fleetPlan` instead, wave by wave (./fleet.ts).
 *
 * @param fleetPlan the move for a fleet release. @default - refused: the move does not apply to fleets
 * @param what the command, for the message when `name` is a release group or unknown. @default 'this command'
 */
export function releaseMove(name: string, plan: Planner | undefined, fleetPlan?: FleetPlanner, what = 'this command'): MoveKind {
  return {
    load(ctx) {
      const { paths } = ctx;
      cacheCompiledValidators(ctx.cacheDir);
      const project = loadProjectFor(paths, name);
      ctx.mark(`load+validate(${project.parsed} parsed)`);
      if (!project.release) {
        // not a valid release: a release group of that name, or an unknown name (project.names lists both kinds)
        const groups = project.names.filter((n) => n === name || isGroupName(paths.root, n));
        releaseNamed(project.names.filter((n) => !groups.includes(n)).map((n) => ({ model: { name: n } })), name, groups, what);
        throw new Error(`internal: release ${name} is listed but was not loaded`);
      }
      const release = project.release;
      if (release.model.fleet) {
        if (!fleetPlan) throw new SpecError([release.source.problem(['fleet'], `release ${name} has a fleet: ${what} does not apply to fleet releases`, 'move it wave by wave (start, step, promote, next-wave, abort), or remove fleet:', undefined, true)]);
        return fleetTarget(ctx, paths, release, fleetPlan);
      }
      if (!plan) {
        throw new SpecError([release.source.problem(['fleet'], `release ${name} has no fleet: in its spec, so there is no wave to open`,
          'next-wave moves releases that roll out across waves of clusters: add fleet: with waves (README, "Fleet: one release across many clusters, in waves")')]);
      }
      const specAbs = path.resolve(paths.root, release.file);
      const specRel = rel(paths.root, specAbs);
      return {
        name: release.model.name,
        label: `release ${release.model.name}`,
        specFile: specAbs,
        outputs: [release.model.name],
        plan() {
          const mv = plan(release);
          if (!mv.changes) return { changes: false, reason: `canary ${mv.canaryVersion} of ${mv.release} is already at ${percent(mv.toWeight ?? 0, mv.weightTotal)}` };
          return {
            changes: true,
            renderBefore: () => renderRelease(release),
            edit(specBytes) {
              const bom = specBytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? '\ufeff' : '';
              const text = bom + editSpecText(release.source, mv.before, mv.after);
              const parsed = parseRelease(specAbs, text, projectSpecOptions(paths));
              if ('problems' in parsed) throw new InvalidEditError(`the ${mv.kind} would make ${specRel} invalid:`, parsed.problems);
              if (!sameState(stateOf(parsed.release.model.spec), mv.after)) {
                throw new Error(`internal: the edited ${specRel} does not hold the state the move computed; nothing was written (please report this with the spec file)`);
              }
              return {
                text,
                rendered: renderRelease(parsed.release),
                subject: { kind: 'release', release, after: parsed.release, move: mv },
                message: commitMessage(mv, ctx.extraMessage),
                next: describeNext(mv.next, mv.weightTotal, mv.release),
              };
            },
          };
        },
      };
    },
  };
}
