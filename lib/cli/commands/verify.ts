import * as path from 'path';
import { Command } from 'commander';
import { checksOf } from '../../checks/model';
import { formatResult, HttpSender, runChecks } from '../../checks/runner';
import { testerRoute } from '../../routers/tester';
import { UsageError } from '../../spec/errors';
import { LoadedRelease, loadRelease, specFiles } from '../../spec/loader';
import { PROJECT_CHECKS, projectPaths } from '../../synth/project';
import { CliContext } from '../context';
import { EXIT_FAILURE, EXIT_OK } from '../output';

export interface VerifyOptions {
  /** Base URL: the router's entry point (the tester header is added), or the canary itself with `direct`. */
  readonly url: string;
  /** Extra `Name: value` headers, e.g. a Host header or a credential from CI. @default - none */
  readonly header?: readonly string[];
  /** BASE reaches the canary itself (port-forward, the canary's own Route): add no tester header. @default - false */
  readonly direct?: boolean;
  /** Milliseconds between attempts. @default - the spec's 2 seconds */
  readonly retryDelayMs?: number;
  /** @default - Node's http/https */
  readonly send?: HttpSender;
}

/** `verify`. */
export function register(program: Command, ctx: CliContext): void {
  program.command('verify')
    .description("run a release's smoke checks against its canary from here (CI), as a tester: exit 0 all passed, 1 a check failed, 2 bad input")
    .argument('<release>', 'release name (releases/<release>.yaml)')
    .requiredOption('--url <base>', "base URL: the router's entry point, e.g. https://shop.example.com (the router's tester header or cookie is added)")
    .option('-H, --header <header>', "extra request header 'Name: value' (repeatable), e.g. a Host header or a value for a pattern tester header", collect, [])
    .option('--direct', 'BASE reaches the canary itself (kubectl port-forward, its own Route): send no tester header')
    .action(async (name: string, opts: { url: string; header: string[]; direct?: boolean }) => {
      const release = loadNamedRelease(ctx.root(), name);
      ctx.setCode(await verifyRelease(ctx, release, opts));
    });
}

/**
 * Runs a release's checks against BASE and prints one line per check and a summary. Returns the exit
 * code: 0 when every check passed, 1 when one failed. Throws UsageError (exit 2) for bad input: no
 * checks, no canary, a bad URL or header, no way to reach the canary at BASE. `step --verify-url`
 * runs this before it moves.
 */
export async function verifyRelease(ctx: CliContext, release: LoadedRelease, opts: VerifyOptions): Promise<number> {
  const m = release.model;
  if (!m.spec.checks?.length) throw new UsageError(`release ${m.name} declares no checks; add a checks: list to ${release.file}`);
  if (!m.canary) throw new UsageError(`release ${m.name} has no canary running, so there is nothing to verify; start one with \`cdk8s-canary start ${m.name} VERSION\``);
  const baseUrl = parseBaseUrl(opts.url);
  const extra = (opts.header ?? []).map(parseHeader);
  const tester = testerHeaders(release, extra, opts.direct ?? false);
  const headers = [...extra, ...tester.headers];
  ctx.io.out(`verify ${m.name}: canary ${m.canary.version} at ${baseUrl.href.replace(/\/$/, '')} ${tester.how}`);
  const results = await runChecks(checksOf(m), {
    baseUrl, headers,
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
    ...(opts.send ? { send: opts.send } : {}),
    onResult: (r) => ctx.io.out(formatResult(r)),
  });
  const failed = results.filter((r) => !r.passed).length;
  if (failed) {
    ctx.io.err(`verify ${m.name}: ${failed} of ${results.length} check(s) failed`);
    return EXIT_FAILURE;
  }
  ctx.io.out(`verify ${m.name}: all ${results.length} check(s) passed`);
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

/** Loads releases/<name>.yaml with the project's checks; exit 2 with the known names when absent. */
export function loadNamedRelease(root: string, name: string): LoadedRelease {
  const paths = projectPaths(root);
  const files = specFiles(paths.releasesDir);
  const file = files.find((f) => path.basename(f).replace(/\.ya?ml$/, '') === name);
  if (!file) {
    const known = files.map((f) => path.basename(f).replace(/\.ya?ml$/, ''));
    throw new UsageError(`no release '${name}' in ${path.relative(root, paths.releasesDir) || 'releases'}/; use one of ${known.length ? known.join(', ') : '(none: add a spec to releases/)'}`);
  }
  return loadRelease(file, { checks: PROJECT_CHECKS, relativeTo: paths.root });
}

/** Parses --url: an http(s) URL without query or fragment. */
export function parseBaseUrl(s: string): URL {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new UsageError(`--url is not a URL (got ${JSON.stringify(s)}); use a base URL such as https://shop.example.com`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must use http or https (got ${JSON.stringify(s)}); use a base URL such as https://shop.example.com`);
  if (u.search || u.hash || u.username || u.password) throw new UsageError(`--url must have no query, fragment or credentials (got ${JSON.stringify(s)}); the checks' paths carry queries, --header carries credentials`);
  return u;
}

/** Parses `Name: value`. */
export function parseHeader(s: string): readonly [string, string] {
  const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):(.*)$/s.exec(s);
  if (!m || /[\r\n]/.test(m[2])) throw new UsageError(`--header must be 'Name: value' on one line (got ${JSON.stringify(s)}); e.g. --header 'Host: shop.example.com'`);
  return [m[1], m[2].replace(/^[ \t]+/, '').trimEnd()];
}

/** The router's tester header or cookie for BASE, and how it was chosen (for the first line printed). */
function testerHeaders(release: LoadedRelease, extra: readonly (readonly [string, string])[], direct: boolean): { headers: (readonly [string, string])[]; how: string } {
  if (direct) return { headers: [], how: 'directly (--direct: no tester header)' };
  const given = (n: string) => extra.find(([k]) => k.toLowerCase() === n.toLowerCase());
  const t = testerRoute(release.model.router);
  switch (t.kind) {
    case 'header': {
      const own = given(t.name);
      return own ? { headers: [], how: `as a tester (${own[0]}: ${own[1]}, from --header)` } : { headers: [[t.name, t.value]], how: `as a tester (${t.name}: ${t.value})` };
    }
    case 'header-pattern': {
      const own = given(t.name);
      if (!own) throw new UsageError(`the tester header ${t.name} of release ${release.model.name} matches the pattern ${JSON.stringify(t.pattern)}, so verify cannot choose its value; pass --header '${t.name}: <a value matching it>'`);
      if (!new RegExp(t.pattern).test(own[1])) throw new UsageError(`--header '${own[0]}: ${own[1]}' does not match the tester pattern ${JSON.stringify(t.pattern)} of release ${release.model.name}; pass a value that matches it`);
      return { headers: [], how: `as a tester (${own[0]}: ${own[1]}, from --header)` };
    }
    case 'cookie': {
      if (given('Cookie')) throw new UsageError(`--header Cookie would replace the tester cookie ${t.name}=${t.value} of release ${release.model.name}; leave Cookie out, or add ${t.name}=${t.value} to it and pass --direct`);
      return { headers: [['Cookie', `${t.name}=${t.value}`]], how: `as a tester (cookie ${t.name}=${t.value})` };
    }
    case 'none':
      throw new UsageError(`BASE would reach the canary of release ${release.model.name} only by weight: ${t.reason}; or pass --direct when BASE reaches the canary itself (e.g. kubectl port-forward -n ${release.model.canaryTrack.namespace} deploy/${release.model.canaryTrack.name} 8080:${release.model.workload.port})`);
  }
}

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}
