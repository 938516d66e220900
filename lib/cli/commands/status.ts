import { Command } from 'commander';
import * as path from 'path';
import { Git } from '../../git';
import { describeNext, ladderPosition, nextMoveOf, percent, releaseNamed, soakingRung, soakState, formatDuration, stateOf } from '../../rollout';
import { LoadedRelease } from '../../spec/loader';
import { loadProjectSpecs, projectPaths } from '../../synth/project';
import { CliContext } from '../context';
import { EXIT_OK } from '../output';
import { GroupStatus, groupStatus, groupStatusLines } from './group';

/** One release in `status --json`. */
export interface ReleaseStatus {
  readonly name: string;
  readonly file: string;
  readonly router: string;
  readonly weightTotal: number;
  /** The ladder's weights. */
  readonly ladder: readonly number[];
  readonly stable: { readonly version: string; readonly image: string };
  readonly canary: { readonly version: string; readonly image: string; readonly weight: number; readonly percent: string } | null;
  /** Position on the ladder (1-based index of the highest step at or below the weight); null without a canary. */
  readonly step: { readonly index: number; readonly of: number; readonly onLadder: boolean } | null;
  readonly next: { readonly move: 'start' | 'step' | 'promote'; readonly weight?: number };
  /** Minimum soak of the step the canary sits on, measured from the commit that entered it; null when none. */
  readonly soak: { readonly minSeconds: number; readonly elapsedSeconds?: number; readonly remainingSeconds?: number; readonly since?: string } | null;
}

/** `status [release] [--json]`. */
export function register(program: Command, ctx: CliContext): void {
  program.command('status [release]')
    .description('per release: router, stable version, canary version and weight, ladder position, and the next move; per release group: stage k/6 and what `next` will do')
    .option('--json', 'print {"releases":[...],"groups":[...]} as JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const paths = projectPaths(ctx.root());
      const { releases: all, groups: allGroups } = loadProjectSpecs(paths);
      const group = name ? allGroups.find((g) => g.model.name === name) : undefined;
      const releases = group ? [] : name ? [releaseNamed(all, name)] : all;
      const groups: GroupStatus[] = (group ? [group] : name ? [] : allGroups).map(groupStatus);
      const git = releases.length ? await Git.open(paths.root).catch(() => undefined) : undefined;
      const out: ReleaseStatus[] = [];
      for (const r of releases) out.push(await statusOf(r, paths.root, git));
      // `groups` appears when the project has release groups
      if (opts.json) ctx.io.out(JSON.stringify({ releases: out, ...(allGroups.length ? { groups } : {}) }, null, 2));
      else if (out.length === 0 && groups.length === 0) ctx.io.out(`no release specs in ${path.relative(process.cwd(), paths.releasesDir) || '.'}/`);
      else {
        out.forEach((s, i) => { if (i) ctx.io.out(''); printStatus(ctx, s); });
        groups.forEach((g, i) => { if (i || out.length) ctx.io.out(''); for (const l of groupStatusLines(g)) ctx.io.out(l); });
      }
      ctx.setCode(EXIT_OK);
    });
}

async function statusOf(r: LoadedRelease, root: string, git: Git | undefined): Promise<ReleaseStatus> {
  const m = r.model;
  const st = stateOf(m.spec);
  const next = nextMoveOf(st, m.steps);
  let soak: ReleaseStatus['soak'] = null;
  const rung = m.canary ? soakingRung(m.canary.weight, m.steps) : undefined;
  if (rung) {
    soak = { minSeconds: rung.step.minSoakSeconds };
    const dirty = git ? (await git.status([path.resolve(root, r.file)])).length > 0 : true;
    const entered = git && !dirty ? await git.lastCommitTouchingLine(path.resolve(root, r.file), r.source.locate(['canary', 'weight']).line) : undefined;
    if (entered) soak = { ...soakState(rung.step.minSoakSeconds, entered.time, Date.now() / 1000), since: entered.sha };
  }
  return {
    name: m.name,
    file: r.file,
    router: m.router.type,
    weightTotal: m.weightTotal,
    ladder: m.steps.map((s) => s.weight),
    stable: { version: m.stable.version, image: m.stable.image },
    canary: m.canary ? { version: m.canary.version, image: m.canary.image, weight: m.canary.weight, percent: percent(m.canary.weight, m.weightTotal) } : null,
    step: m.canary ? ladderPosition(m.canary.weight, m.steps) : null,
    next: next.kind === 'promote' ? { move: 'promote' } : { move: next.kind, weight: next.weight },
    soak,
  };
}

function printStatus(ctx: CliContext, s: ReleaseStatus): void {
  const pct = (w: number) => percent(w, s.weightTotal);
  ctx.io.out(`${s.name} (${s.router}, ${s.file})`);
  ctx.io.out(`  stable  ${s.stable.version}  ${s.stable.image}`);
  if (s.canary && s.step) {
    const ladder = s.ladder.map((w, i) => (s.step?.onLadder && i + 1 === s.step.index ? `[${pct(w)}]` : pct(w))).join(' ');
    const where = s.step.onLadder ? `step ${s.step.index}/${s.step.of}` : `off the ladder, after step ${s.step.index}/${s.step.of}`;
    ctx.io.out(`  canary  ${s.canary.version} at ${s.canary.percent}  ${s.canary.image}`);
    ctx.io.out(`  ladder  ${ladder}  (${where})`);
  } else {
    ctx.io.out(`  canary  none`);
    ctx.io.out(`  ladder  ${s.ladder.map(pct).join(' ')}`);
  }
  if (s.soak) {
    const left = s.soak.remainingSeconds === undefined ? 'elapsed time unknown (uncommitted spec or no git)'
      : s.soak.remainingSeconds > 0 ? `${formatDuration(s.soak.remainingSeconds)} left` : 'done';
    ctx.io.out(`  soak    ${formatDuration(s.soak.minSeconds)} minimum: ${left}`);
  }
  const next = s.next.move === 'promote' ? { kind: 'promote' as const } : s.next.move === 'start' ? { kind: 'start' as const, weight: s.next.weight ?? 0 } : { kind: 'step' as const, weight: s.next.weight ?? 0, index: 0 };
  const waiting = s.next.move !== 'start' && s.soak?.remainingSeconds ? ` after the soak (${formatDuration(s.soak.remainingSeconds)})` : '';
  ctx.io.out(`  ${describeNext(next, s.weightTotal, s.name)}${waiting}`);
}
