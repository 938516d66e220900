import { Command } from 'commander';
import * as path from 'path';
// the modules themselves, not the barrels (lib/moves, lib/rollout): `status` initializes what it calls only (issue 19)
import { FleetStatus } from '../../moves/fleet-status';
import { projectStatus, ReleaseStatus } from '../../moves/status';
import { columns } from '../../review/traffic/render';
import { formatDuration } from '../../rollout/soak';
import { percent } from '../../rollout/state';
import { cliCommand } from '../../spec/hints';
import { CliContext } from '../context';
import { EXIT_OK, EXIT_USAGE } from '../output';
import { groupStatusLines } from './group';

/** `status [release] [--json]`. */
export function register(program: Command, ctx: CliContext): void {
  program.command('status [release]')
    .description('per release: router, stable version, canary version and weight, ladder position, and the next move; per release group: stage k/6 and what `next` will do; invalid specs are listed with their problems (exit 2)')
    .option('--json', 'print {"releases":[...],"groups":[...],"invalid":[...]} as JSON (lib/moves/status.schema.json)')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      // --json always prints the documented shape: an invalid named spec is listed under invalid (exit 2)
      const s = await projectStatus(ctx.root(), name, { invalidAsEntries: !!opts.json });
      if (opts.json) ctx.io.out(JSON.stringify({ releases: s.releases, groups: s.groups, invalid: s.invalid }, null, 2));
      else if (s.releases.length === 0 && s.groups.length === 0 && s.invalid.length === 0) ctx.io.out(`no release specs in ${path.relative(process.cwd(), s.releasesDir) || '.'}/`);
      else {
        s.releases.forEach((r, i) => { if (i) ctx.io.out(''); printStatus(ctx, r); });
        s.groups.forEach((g, i) => { if (i || s.releases.length) ctx.io.out(''); for (const l of groupStatusLines(g)) ctx.io.out(l); });
        for (const bad of s.invalid) {
          ctx.io.err(`${bad.file}: invalid, ${bad.problems.length} problem(s):`);
          for (const p of bad.problems) ctx.io.err(`  ${p.text}`);
        }
      }
      ctx.setCode(s.invalid.length ? EXIT_USAGE : EXIT_OK);
    });
}

function printStatus(ctx: CliContext, s: ReleaseStatus): void {
  const pct = (w: number) => percent(w, s.weightTotal);
  ctx.io.out(`${s.name} (${s.router}${s.migratingTo ? `, moving to ${s.migratingTo}: both carry the traffic until ${cliCommand(`migrate ${s.name}`)}` : ''}, ${s.file})`);
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
  if (s.fleet) { for (const l of fleetStatusLines(s.fleet)) ctx.io.out(l); return; }
  const waiting = s.next.move !== 'start' && s.soak?.remainingSeconds ? ` after the soak (${formatDuration(s.soak.remainingSeconds)})` : '';
  ctx.io.out(`  next    ${s.next.description}${waiting}: \`${s.next.command}\``);
}

/** The fleet lines of `status`: the current wave, a cluster x wave table, a wave's soak, the next move. */
export function fleetStatusLines(f: FleetStatus): string[] {
  const out: string[] = [];
  const where = f.wave ? `wave ${f.wave.index}/${f.wave.of} (${f.wave.name}), ${f.phase === 'canary' ? `canary ${f.version}` : `${f.version} promoted, next wave not open`}` : 'no rollout in progress';
  out.push(`  fleet   ${f.clusters.length} cluster(s) in ${f.waves.length} wave(s); ${where}`);
  const runs = (c: FleetStatus['clusters'][number]) => (c.canary ? `${c.stable} + canary ${c.canary.version} at ${c.canary.percent}` : c.stable);
  const state = (c: FleetStatus['clusters'][number]) => ({ promoted: 'new version', canary: 'canary', waiting: 'not reached', idle: '' })[c.state];
  out.push(...columns([['WAVE', 'CLUSTER', 'RUNS', 'STATE'], ...f.clusters.map((c) => [`${c.wave} ${c.waveName}`, c.name, runs(c), state(c)])], '    '));
  if (f.waveSoak) {
    const w = f.waveSoak;
    const left = w.remainingSeconds === undefined ? 'elapsed time unknown (uncommitted spec or no git)' : w.remainingSeconds > 0 ? `${formatDuration(w.remainingSeconds)} left` : 'done';
    out.push(`  soak    ${formatDuration(w.minSeconds)} minimum before the next wave: ${left}`);
  }
  out.push(`  ${f.next}`);
  return out;
}
