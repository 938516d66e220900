import { Command } from 'commander';
import { renderDiffMarkdown } from '../../review/diff';
import { diffRevisions, trafficAtRevision } from '../../review/revisions';
import { renderTrafficText } from '../../review/traffic';
import { renderClusterTraffic } from '../../review/clusters';
import { CliContext } from '../context';
import { EXIT_OK } from '../output';

interface DistOpts { readonly dist: string }

/** `diff` and `traffic`: what a reviewer of a canary PR needs to see. */
export function register(program: Command, ctx: CliContext): void {
  program.command('diff')
    .description('summarize what changes in dist/ between two git revisions, by release: traffic moves, versions, objects added/removed, other fields (Markdown, for a PR comment)')
    .argument('[base]', 'base revision (default: the merge base of HEAD with the branch Argo CD and Flux sync, cdk8s-canary.yaml repository.branch, else main)')
    .argument('[head]', 'head revision (default: the working tree)')
    .option('--json', 'print the report as JSON')
    .option('--dist <dir>', 'dist folder, relative to the repository root', 'dist')
    .action(async (base: string | undefined, head: string | undefined, opts: DistOpts & { json?: boolean }) => {
      const report = await diffRevisions(ctx.root(), { dist: opts.dist, ...(base !== undefined ? { base } : {}), ...(head !== undefined ? { head } : {}) });
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
      const { entries, fleet } = await trafficAtRevision(ctx.root(), { dist: opts.dist, ...(opts.rev !== undefined ? { rev: opts.rev } : {}), ...(name !== undefined ? { name } : {}), ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}) });
      // a fleet release's entry point: one line of user shares per cluster, unless one cluster is asked for
      const text = fleet && opts.cluster === undefined ? renderClusterTraffic : renderTrafficText;
      const lines = opts.json ? JSON.stringify({ entries }, null, 2).split('\n') : entries.length ? text(entries) : [`no entry point in ${opts.dist}/`];
      for (const line of lines) ctx.io.out(line);
      ctx.setCode(EXIT_OK);
    });
}
