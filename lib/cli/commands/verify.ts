import { Command } from 'commander';
import { formatResult } from '../../checks/runner';
import { loadNamedRelease, VerifyOptions, verifyRelease as runVerify } from '../../moves/verify';
import { LoadedRelease } from '../../spec/loader';
import { CliContext } from '../context';
import { EXIT_FAILURE, EXIT_OK } from '../output';

/** `verify`. */
export function register(program: Command, ctx: CliContext): void {
  program.command('verify')
    .description("run a release's smoke checks against its canary from here (CI), as a tester: exit 0 all passed, 1 a check failed, 2 bad input")
    .argument('<release>', 'release name (releases/<release>.yaml)')
    .requiredOption('--url <base>', "base URL: the router's entry point, e.g. https://shop.example.com (the router's tester header or cookie is added)")
    .option('-H, --header <header>', "extra request header 'Name: value' (repeatable), e.g. a Host header or a value for a pattern tester header", collect, [])
    .option('--direct', 'BASE reaches the canary itself (kubectl port-forward, its own Route): send no tester header')
    .action(async (name: string, opts: { url: string; header: string[]; direct?: boolean }) => {
      ctx.setCode(await verifyRelease(ctx, loadNamedRelease(ctx.root(), name), opts));
    });
}

/**
 * Runs a release's checks against BASE (lib/checks/verify.ts) and prints one line per check and a
 * summary. Returns the exit code: 0 when every check passed, 1 when one failed. Throws UsageError
 * (exit 2) for bad input. `step --verify-url` runs this before it moves.
 */
export async function verifyRelease(ctx: CliContext, release: LoadedRelease, opts: VerifyOptions): Promise<number> {
  const results = await runVerify(release, opts, {
    onStart: (s) => ctx.io.out(`verify ${s.release}: canary ${s.version} at ${s.base} ${s.how}`),
    onResult: (r) => ctx.io.out(formatResult(r)),
  });
  const failed = results.filter((r) => !r.passed).length;
  if (failed) {
    ctx.io.err(`verify ${release.model.name}: ${failed} of ${results.length} check(s) failed`);
    return EXIT_FAILURE;
  }
  ctx.io.out(`verify ${release.model.name}: all ${results.length} check(s) passed`);
  return EXIT_OK;
}

/**
 * The gate of `step --verify-url`: runs `verify` against BASE and says whether the move may go on.
 * When a check failed it prints why the move was refused and sets exit code 1; nothing is changed.
 */
export async function verifyGate(ctx: CliContext, name: string, url: string): Promise<boolean> {
  const code = await verifyRelease(ctx, loadNamedRelease(ctx.root(), name), { url });
  if (code === EXIT_OK) return true;
  ctx.io.err(`step refused: the canary of ${name} failed its checks at ${url}; nothing was changed or committed (fix the canary and retry, or abort it)`);
  ctx.setCode(code);
  return false;
}

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}
