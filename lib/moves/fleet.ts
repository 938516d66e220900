/**
 * Fleet moves (`start`, `step`, `set-weight`, `promote`, `next-wave`, `abort` of a release with
 * `fleet:`) as a move target: the move is planned when the release is loaded (pure, lib/rollout/fleet),
 * so the target owns exactly the folders of the clusters it changes, `dist/<release>/<cluster>/`
 * for each cluster of the wave(s) it moves, and re-synthesizes only those. Every other cluster's
 * folders, and the Argo CD and Flux wiring, stay byte for byte as they are.
 */
import { cliCommand } from '../spec/hints';
import * as fs from 'fs';
import * as path from 'path';
import { editFleetSpecText, FleetMove, fleetCommitMessage, fleetStateOf, percent, sameFleetState } from '../rollout';
import { LoadedRelease, parseRelease } from '../spec/loader';
import { projectSpecOptions, ProjectPaths, renderRelease } from '../synth/project';
import { InvalidEditError, MoveRefusedError } from './errors';
import { rel } from './files';
import { MoveContext, MoveTarget } from './kind';

/** Computes a fleet move from the loaded release (lib/rollout/fleet; throws UsageError to refuse). */
export type FleetPlanner = (release: LoadedRelease) => FleetMove;

/**
 * The target of a fleet move of `release` (which has a resolved fleet): owns `<release>/<cluster>`
 * for the clusters the move changes, edits `stable`, `canary` and `fleet.promoted` in place.
 * @throws UsageError when the planner refuses
 */
export function fleetTarget(ctx: MoveContext, paths: ProjectPaths, release: LoadedRelease, plan: FleetPlanner): MoveTarget {
  const name = release.model.name;
  const specAbs = path.resolve(paths.root, release.file);
  const specRel = rel(paths.root, specAbs);
  const mv = plan(release);
  // the clusters in dist/ must be the fleet's: a cluster dropped from the fleet (or added) is a synth, never part of a move
  const dir = path.join(paths.distDir, name);
  const onDisk = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort() : [];
  const fleet = release.model.fleet!.clusters.map((c) => c.name).sort();
  if (onDisk.join() !== fleet.join()) {
    const extra = onDisk.filter((c) => !fleet.includes(c));
    const missing = fleet.filter((c) => !onDisk.includes(c));
    throw new MoveRefusedError(`${rel(paths.root, dir)}/ does not hold the clusters of ${specRel}'s fleet (${[extra.length ? `not in the fleet: ${extra.join(', ')}` : '', missing.length ? `missing: ${missing.join(', ')}` : ''].filter(Boolean).join('; ')}); run ${cliCommand(`synth`)} and commit dist/ first, so this move's commit holds only the move`);
  }
  return {
    name,
    label: `release ${name}`,
    specFile: specAbs,
    outputs: mv.clusters.map((c) => `${name}/${c}`),
    plan() {
      if (!mv.changes) {
        return { changes: false, reason: `canary ${mv.version} of ${name} is already at ${percent(mv.after.canary?.weight ?? 0, mv.waveMove.weightTotal)} in wave ${mv.wave.index}/${mv.waveCount} (${mv.wave.name})` };
      }
      return {
        changes: true,
        renderBefore: () => renderRelease(release, mv.clusters),
        edit(specBytes) {
          const bom = specBytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? '\ufeff' : '';
          const text = bom + editFleetSpecText(release.source, mv.before, mv.after);
          const parsed = parseRelease(specAbs, text, projectSpecOptions(paths));
          if ('problems' in parsed) throw new InvalidEditError(`the ${mv.kind} would make ${specRel} invalid:`, parsed.problems);
          if (!sameFleetState(fleetStateOf(parsed.release.model), mv.after)) {
            throw new Error(`internal: the edited ${specRel} does not hold the state the move computed; nothing was written (please report this with the spec file)`);
          }
          return {
            text,
            rendered: renderRelease(parsed.release, mv.clusters),
            subject: { kind: 'fleet', release, after: parsed.release, move: mv },
            message: fleetCommitMessage(mv, ctx.extraMessage),
            next: mv.next,
          };
        },
      };
    },
  };
}
