/**
 * The upstream gate: a move on a branch that is behind its upstream, where the upstream (as last
 * fetched: no network here) changed the move's spec, would be made on an old state of the release.
 * Someone else moved it (a step, a promote), and Argo CD or Flux already syncs that; the local commit
 * would diverge from it, and a later `git pull` would conflict on the spec line or, worse, merge a
 * second weight change. `--push` fetches and gives back in that case (push.ts); without it the move
 * was committed silently. Refused (exit 2) naming the upstream's commit, with `git pull` as the fix.
 * A branch behind on other files only, or without an upstream, is not concerned.
 */
import * as path from 'path';
import { MoveRefusedError } from './errors';
import { GateContext, GateResult, MoveGate } from './gate';
import { cliCommand } from '../spec/hints';

export const upstreamGate: MoveGate = {
  name: 'upstream',

  async check(ctx: GateContext): Promise<GateResult> {
    // one git call: fails (no upstream configured, or its ref not fetched yet) -> nothing to say
    const r = await ctx.git.tryRun(['log', '-1', '--format=%h%x00%s', 'HEAD..@{upstream}', '--', ctx.specPath]);
    if (r.code !== 0 || !r.stdout.trim()) return {};
    const up = await ctx.git.tryRun(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
    const [sha, subject] = r.stdout.trim().split('\0');
    const where = up.code === 0 ? up.stdout.trim() : 'its upstream';
    const name = path.basename(ctx.specPath).replace(/\.ya?ml$/, ''); // the file name is the release's (or group's)
    throw new MoveRefusedError(`this branch is behind ${where}, which changed ${ctx.specPath} (${sha} "${subject}"): the move would be made on an old state of ${name}; run \`git pull\` first, then ${cliCommand(`status ${name}`)}, and move again`, 'upstream');
  },
};
