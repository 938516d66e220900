import { Command } from 'commander';
import { newRelease } from '../../moves/new-release';
import { routerTypes } from '../../spec/scaffold';
import { CliContext } from '../context';
import { EXIT_OK } from '../output';

/** `new NAME --router TYPE`: a commented release spec from the schema. */
export function register(program: Command, ctx: CliContext): void {
  program.command('new <release>')
    .description('write releases/<release>.yaml: a new release spec from the schema, every field commented, ready to validate (then synth, commit, start); the first one of a project also writes cdk8s-canary.yaml')
    .option('--router <type>', `how traffic is split: ${routerTypes().join(', ')}`)
    .option('--image <repository>', 'image repository, without a tag (default: ghcr.io/example/<release>)')
    .option('--version <version>', 'the version production runs, also the image tag (default: 1.0.0)')
    .option('--namespace <namespace>', 'production namespace (default: the release name)')
    .action(async (name: string, opts: { router?: string; image?: string; version?: string; namespace?: string }) => {
      const r = await newRelease(ctx.root(), { name, ...opts });
      ctx.io.out(r.summary);
      for (const line of r.next) ctx.io.out(line);
      ctx.setCode(EXIT_OK);
    });
}
