import * as path from 'path';
import { Command } from 'commander';
import { objectsOfTree } from '../../manifests/tree';
import { diffTrees, renderDiffMarkdown, DiffReport } from '../../review/diff';
import { distAtCommit, mergeBaseWithMain, openRepository, resolveCommit, shortCommit } from '../../review/git';
import { computeTraffic, entriesOf, renderTrafficText } from '../../review/traffic';
import { fleetReleasesOf, renderClusterTraffic, trafficByCluster } from '../../review/clusters';
import { UsageError } from '../../spec/errors';
import { readTree } from '../../synth/write';
import { CliContext } from '../context';
import { EXIT_OK } from '../output';

interface DistOpts { readonly dist: string }

type Side = { files: Map<string, string>; label: string; sha: string | null };

/** dist/ at a revision, or in the working tree when `rev` is undefined. */
async function distAt(ctx: CliContext, opts: DistOpts, rev: string | undefined, why?: string): Promise<Side> {
  const root = path.resolve(ctx.root());
  if (rev === undefined) return { files: readTree(path.resolve(root, opts.dist)), label: 'working tree', sha: null };
  const git = await openRepository(root);
  const sha = await resolveCommit(git, rev);
  const short = await shortCommit(git, sha);
  const named = why ? ` (${why})` : /^[0-9a-f]{4,40}$/.test(rev) && sha.startsWith(rev) ? '' : ` (${rev})`;
  return { files: await distAtCommit(git, sha, opts.dist), label: `\`${short}\`${named}`, sha };
}

/** `diff` and `traffic`: what a reviewer of a canary PR needs to see. */
export function register(program: Command, ctx: CliContext): void {
  program.command('diff')
    .description('summarize what changes in dist/ between two git revisions, by release: traffic moves, versions, objects added/removed, other fields (Markdown, for a PR comment)')
    .argument('[base]', 'base revision (default: the merge base of HEAD with main)')
    .argument('[head]', 'head revision (default: the working tree)')
    .option('--json', 'print the report as JSON')
    .option('--dist <dir>', 'dist folder, relative to the repository root', 'dist')
    .action(async (base: string | undefined, head: string | undefined, opts: DistOpts & { json?: boolean }) => {
      let baseSide: Side;
      if (base === undefined) {
        const mb = await mergeBaseWithMain(await openRepository(path.resolve(ctx.root())));
        baseSide = await distAt(ctx, opts, mb.sha, `merge base with ${mb.branch}`);
      } else baseSide = await distAt(ctx, opts, base);
      const headSide = await distAt(ctx, opts, head);
      const report: DiffReport = {
        base: { rev: baseSide.sha!, label: baseSide.label },
        head: { rev: headSide.sha, label: headSide.label },
        releases: diffTrees(baseSide.files, headSide.files),
      };
      const text = opts.json ? JSON.stringify(report, null, 2) : renderDiffMarkdown(report).replace(/\n$/, '');
      for (const line of text.split('\n')) ctx.io.out(line);
      ctx.setCode(EXIT_OK);
    });

  program.command('traffic')
    .description('share of requests each version receives at every entry point, computed from the manifests in dist/ (follows calls between apps)')
    .argument('[name]', 'a release or group (its dist/ folder); default: every entry point')
    .option('--json', 'print the report as JSON')
    .option('--rev <revision>', 'read dist/ at a git revision instead of the working tree')
    .option('--dist <dir>', 'dist folder, relative to the repository root', 'dist')
    .option('--cluster <name>', 'releases with fleet: the hops of one cluster in full (default: one line of user shares per cluster)')
    .action(async (name: string | undefined, opts: DistOpts & { json?: boolean; rev?: string; cluster?: string }) => {
      const side = await distAt(ctx, opts, opts.rev);
      const { objects, problems } = objectsOfTree(side.files);
      if (problems.length) throw new UsageError(problems.map((p) => `${opts.dist}/${p.file}: ${p.message}`).join('; '));
      if (fleetReleasesOf(objects).size || opts.cluster !== undefined) {
        // fleet releases: cluster by cluster, never two clusters' copies in one graph
        const entries = trafficByCluster(objects, name, opts.cluster);
        const clusters = new Set(objects.map((o) => o.file.split('/')).filter((s) => s.length >= 4 && fleetReleasesOf(objects).has(s[0])).map((s) => s[1]));
        if (opts.cluster !== undefined && !clusters.has(opts.cluster)) {
          throw new UsageError(`--cluster ${opts.cluster}: no fleet release has folders for that cluster in ${opts.dist}/ (${side.label}); ${clusters.size ? `clusters: ${[...clusters].sort().join(', ')}` : 'no release has fleet:'}`);
        }
        if (name !== undefined && !entries.length) throw new UsageError(`no entry point found for '${name}' in ${opts.dist}/ (${side.label})${opts.cluster ? ` on cluster ${opts.cluster}` : ''}`);
        const lines = opts.json ? JSON.stringify({ entries }, null, 2).split('\n')
          : !entries.length ? [`no entry point in ${opts.dist}/`]
          : opts.cluster !== undefined ? renderTrafficText(entries) : renderClusterTraffic(entries);
        for (const line of lines) ctx.io.out(line);
        ctx.setCode(EXIT_OK);
        return;
      }
      const report = computeTraffic(objects);
      const entries = name === undefined ? report.entries : entriesOf(report, name, objects);
      if (name !== undefined && !entries.length) {
        const known = [...new Set(report.entries.map((e) => e.release))].sort();
        throw new UsageError(`no entry point found for '${name}' in ${opts.dist}/ (${side.label}); ${known.length ? `releases with entry points: ${known.join(', ')}` : 'no release has an entry point (Ingress, HTTPRoute, VirtualService or Route)'}`);
      }
      const lines = opts.json ? JSON.stringify({ entries }, null, 2).split('\n') : entries.length ? renderTrafficText(entries) : [`no entry point in ${opts.dist}/`];
      for (const line of lines) ctx.io.out(line);
      ctx.setCode(EXIT_OK);
    });
}
