/**
 * `verify`: a release's smoke checks run from here (CI) against its canary, as a tester; `step
 * --verify-url` runs it before a move. The release is loaded, BASE and extra headers are parsed, the
 * router's tester header or cookie is chosen, and the checks run over HTTP (lib/checks/runner.ts).
 * Nothing is written. It lives here, beside the moves, because it joins specs, routers and checks.
 */
import * as path from 'path';
import { testerRoute } from '../routers/tester';
import { SpecError, UsageError } from '../spec/errors';
import { cliCommand } from '../spec/hints';
import { unknownName } from '../synth/spec-index';
import { LoadedRelease, loadRelease, specFiles } from '../spec/loader';
import { projectPaths, projectSpecOptions } from '../synth/project';
import { checksOf } from '../checks/model';
import { CheckResult, HttpSender, runChecks } from '../checks/runner';

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

/** Progress of a verify run, for the caller to show. */
export interface VerifyProgress {
  /** Before the first check: the canary's version, BASE as used, and how the tester is recognized (e.g. `as a tester (x-canary: always)`). */
  onStart?(info: { readonly release: string; readonly version: string; readonly base: string; readonly how: string }): void;
  /** After each check, in order. */
  onResult?(r: CheckResult): void;
}

/**
 * Runs a release's checks against BASE; returns one result per check, in the spec's order.
 *
 * @throws SpecError (exit 2) when the spec declares no checks (at its `checks` field); UsageError
 *   (exit 2) for other bad input: no canary, a bad URL or header, no way to reach the canary at BASE
 */
export async function verifyRelease(release: LoadedRelease, opts: VerifyOptions, progress: VerifyProgress = {}): Promise<CheckResult[]> {
  const m = release.model;
  if (!m.spec.checks?.length) {
    throw new SpecError([release.source.problem(['checks'], `release ${m.name} declares no checks, so there is nothing to verify`,
      'add a checks: list, e.g. checks: [{name: health, path: /healthz}] (README, "Scenario S2: validation gate before users see the canary")', m.spec.checks)]);
  }
  if (!m.canary) throw new UsageError(`release ${m.name} has no canary running, so there is nothing to verify; start one with ${cliCommand(`start ${m.name} --version VERSION`)}`);
  const baseUrl = parseBaseUrl(opts.url);
  const extra = (opts.header ?? []).map(parseHeader);
  const tester = testerHeaders(release, extra, opts.direct ?? false);
  progress.onStart?.({ release: m.name, version: m.canary.version, base: baseUrl.href.replace(/\/$/, ''), how: tester.how });
  return runChecks(checksOf(m), {
    baseUrl, headers: [...extra, ...tester.headers],
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
    ...(opts.send ? { send: opts.send } : {}),
    ...(progress.onResult ? { onResult: progress.onResult } : {}),
  });
}

/** Loads releases/<name>.yaml of the project at `root` with the project's checks; UsageError (exit 2) naming the known releases when absent. */
export function loadNamedRelease(root: string, name: string): LoadedRelease {
  const paths = projectPaths(root);
  const files = specFiles(paths.releasesDir);
  const file = files.find((f) => path.basename(f).replace(/\.ya?ml$/, '') === name);
  if (!file) {
    const known = files.map((f) => path.basename(f).replace(/\.ya?ml$/, ''));
    throw unknownName(name, known, 'release', paths.releasesDir);
  }
  return loadRelease(file, projectSpecOptions(paths));
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
