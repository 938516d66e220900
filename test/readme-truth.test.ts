/**
 * The README is true to the CLI beyond the blocks test/readme.test.ts runs (the ones marked
 * `checked`). The rules, each a test below:
 *
 * - **Every fenced block is accounted for.** A block of README.md is either marked `checked` (run by
 *   test/readme.test.ts) or claimed by exactly one entry of UNMARKED below, which names how this
 *   suite checks it (or, for the few that cannot run here, why not and what is checked instead). A new
 *   block that is neither fails here until it is marked or claimed.
 * - **Spec and settings examples** (`yaml`) are valid for the loader: the fragment is put into the spec
 *   it belongs to (a release, the S3 group, or cdk8s-canary.yaml) and parsed with the project's checks,
 *   as `validate` does. Where the README says the example is (part of) a committed file, it follows the
 *   *shown-subset rule* (test/support/readme-truth.ts `subsetDiff`): every key it shows, at every
 *   depth of mappings, has the same value in the real file; keys left out are not compared; lists and
 *   scalars are compared whole.
 * - **Output and messages** (commit messages, errors, transcripts not marked `checked`) are compared
 *   line by line with what the compiled CLI prints in a real git repository, with the matching rules of
 *   test/support/readme.ts (`...` wildcards, commit ids, clock values); a bare message block (no `$`
 *   line) must match lines of the command's output in order.
 *   (The CLI's calls run in-process, the code the compiled CLI runs without a Node start-up each;
 *   every call expecting a non-zero exit and every 4th other call of a repository run through
 *   bash and the `npx` shim, the compiled CLI as a process: see `shAsync`.)
 * - **Prose**: the layout table's paths exist (and every entry of lib/ and every top-level file and folder is in it), every repository
 *   path the README names exists, every flag shown with a command is in that command's `--help`,
 *   every cdk8s-canary.yaml option and spec field named is in the schema, and the Argo CD / Flux
 *   wiring the README describes is what synth writes.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseDocument, stringify } from 'yaml';
import { Command } from 'commander';
import { buildProgram } from '../lib/cli/main';
import { parseProjectConfig } from '../lib/spec/project-config';
import { parseSpec } from '../lib/spec/loader';
import { formatProblem } from '../lib/spec/errors';
import { lintTree } from '../lib/lint/report';
import { readTree } from '../lib/manifests/files';
import { projectPaths, projectSpecOptions } from '../lib/synth/project';
import { cleanupTempDirs } from './support/git-repo';
import { REPO } from './support/project';
import { outputMatches, runLine, runLineMixed, shCommands as shCommandsOf } from './support/readme';
import { ocProcess } from './support/oc-process';
import { withoutGitOps } from './support/groups';
import { startServer } from './support/http-server';
import {
  BLOCKS, block, BlockRef, firstLine, inlineCode, matchesRef, objectsUnder, projectCopy, README, readmeEnv, schemaHasPath, subsetDiff, yamlOf,
} from './support/readme-truth';

afterAll(async () => {
  await Promise.allSettled([...started.values()]); // a run still going (a filtered test run) writes into its folder
  cleanupTempDirs();
}, 120000);

let env: NodeJS.ProcessEnv;
beforeAll(() => { env = readmeEnv(); });

/** Runs one command line in `dir` as a README reader would (bash; `npx cdk8s-canary` is the compiled CLI); throws on an unexpected exit. */
function sh(dir: string, line: string, exit = 0): string[] {
  const r = runLine(dir, line, env);
  if (r.code !== exit) throw new Error(`$ ${line}\nexit ${r.code}, expected ${exit}:\n${r.output.join('\n')}`);
  return r.output;
}

/** One CLI call in this many of a repository's calls expecting exit 0 runs through bash and the shim, the compiled CLI; the others in-process. */
const SHIM_EVERY = 4;
const cliCalls = new Map<string, number>();

/**
 * `sh`, without blocking: the suite's CLI chains run side by side (see CHAINS). The `npx
 * cdk8s-canary ARGS` parts of plain words run in-process (`runLineMixed` of test/support/readme.ts:
 * the same code as the compiled CLI without a Node start-up per call, stdout and stderr in the order
 * printed, its exit code); the process itself stays checked in a sample, the same way: every call
 * expecting a non-zero exit (the exit code is the process's) and every SHIM_EVERY-th other CLI call of
 * a repository (the 4th, the 8th, ...) run with bash through the `npx` shim, bin/cdk8s-canary.js.
 */
async function shAsync(dir: string, line: string, exit = 0): Promise<string[]> {
  const viaShim = () => {
    const n = (cliCalls.get(dir) ?? 0) + 1;
    cliCalls.set(dir, n);
    return exit !== 0 || n % SHIM_EVERY === 0;
  };
  const r = await runLineMixed(dir, line, env, viaShim);
  if (r.code !== exit) throw new Error(`$ ${line}\nexit ${r.code}, expected ${exit}:\n${r.output.join('\n')}`);
  return r.output;
}

/** A transcript's commands run in `dir`, with what each printed (compared later by `expectTranscript`). */
async function recordTranscript(dir: string, text: string, exit = 0): Promise<{ command: string; expected: string[]; output: string[] }[]> {
  const steps: { command: string; expected: string[]; output: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [], output: [] });
    else if (steps.length) steps[steps.length - 1].expected.push(line);
  }
  for (const s of steps) {
    while (s.expected.length && s.expected[s.expected.length - 1].trim() === '') s.expected.pop();
    s.output = await shAsync(dir, s.command, exit);
  }
  return steps;
}

function expectTranscript(steps: { command: string; expected: string[]; output: string[] }[], where: string): void {
  expect(steps.length).toBeGreaterThan(0);
  for (const s of steps) {
    if (!outputMatches(s.expected, s.output)) throw new Error(`${where}: $ ${s.command}\nprinted:\n${s.output.join('\n')}\n\nthe README shows:\n${s.expected.join('\n')}`);
  }
}

/** A commit message block against the HEAD commit's message. */
function expectMessage(shown: string, body: readonly string[], where: string): void {
  const lines = shown.split('\n');
  if (!outputMatches(lines, body)) throw new Error(`${where}: the README shows:\n${lines.join('\n')}\n\nthe commit has:\n${body.join('\n')}`);
}

/**
 * The suite's runs of the CLI, started together in beforeAll (each in its own repository; they wait
 * on processes, so they run side by side) and awaited by the describe that checks them.
 */
const started = new Map<string, Promise<any>>();
function chain<T>(name: string): Promise<T> {
  const p = started.get(name);
  if (!p) throw new Error(`no chain ${name}`);
  return p;
}
beforeAll(() => {
  for (const [name, run] of Object.entries(CHAINS)) {
    const p = run();
    p.catch(() => undefined); // reported by the describe that awaits it
    started.set(name, p);
  }
});

/** The lines of a bare message block must appear, in order, among the output lines (`...` and ids as in transcripts). */
function expectLinesIn(expected: readonly string[], output: readonly string[], where: string): void {
  if (!outputMatches(['...', ...expected, '...'], output)) throw new Error(`${where}: the README shows:\n${expected.join('\n')}\n\nthe CLI printed:\n${output.join('\n')}`);
}

const SEC = {
  setup: 'Set-up (two commands)',
  rolling: 'Rolling out: one commit per move',
  s2: 'Scenario S2: validation gate before users see the canary',
  s3: 'Scenario S3: coordinated frontend + backend canary on OpenShift',
  s4: 'Scenario S4: Istio weighted routing',
  byo: 'Bring your own workload: manifests, kustomize, cdk8s',
  gw: 'Gateway API: HTTPRoute, GRPCRoute and versions',
  nginx: 'Moving off ingress-nginx',
  analysis: 'Metric analysis without a controller',
  argocd: 'Wire it to Argo CD',
  flux: 'Wire it to Flux',
  fleet: 'Fleet: one release across many clusters, in waves',
  sync: 'What happens during a sync',
  review: 'Reviewing a canary PR',
} as const;

/**
 * Every README block not marked `checked`, with how it is checked. `by` names the test of this file (or
 * another suite) that checks it; `not` says why it cannot run here and what is checked instead.
 */
const UNMARKED: readonly (BlockRef & { readonly by?: string; readonly not?: string })[] = [
  { section: SEC.setup, startsWith: 'npm ci && npm run synth', by: 'the set-up commands name real npm scripts, and CI runs the same test command' },
  { section: SEC.rolling, startsWith: 'webapp: canary 1.1.0 10% -> 50%', by: 'a step commit message is what the CLI commits' },
  { section: SEC.s2, startsWith: 'checks:', by: 'the S2 checks are releases/workshop.yaml\'s' },
  { section: SEC.s2, startsWith: '$ npx cdk8s-canary verify workshop', by: 'verify prints what the README shows' },
  { section: SEC.s3, startsWith: 'kind: ReleaseGroup', by: 'the S3 group is releases/frontend-backend.yaml' },
  { section: SEC.s3, startsWith: 'oc process -n frontend-main', by: 'the oc process example gives the stage-2 canary DeploymentConfig' },
  { section: SEC.s4, startsWith: 'router:', by: 'spec fragments are valid where they belong' },
  { section: SEC.byo, startsWith: 'workload:', by: 'the manifests workload example is valid, and its warning and error are the CLI\'s' },
  { section: SEC.byo, startsWith: 'warning: dist/podinfo/podinfo/deployment-podinfo.yaml', by: 'the manifests workload example is valid, and its warning and error are the CLI\'s' },
  { section: SEC.byo, startsWith: 'releases/podinfo.yaml:9:3: workload:', by: 'the manifests workload example is valid, and its warning and error are the CLI\'s' },
  { section: SEC.byo, startsWith: '- name: catalog', by: 'spec fragments are valid where they belong' },
  { section: SEC.byo, startsWith: 'new CanaryRelease(chart', by: 'the CanaryRelease example names real props' },
  { section: SEC.gw, startsWith: 'router:', by: 'spec fragments are valid where they belong' },
  { section: SEC.nginx, startsWith: 'router:', by: 'spec fragments are valid where they belong' },
  { section: SEC.nginx, startsWith: 'releases/guestbook.yaml:47:11: router.cookie', by: 'the migration\'s refusals are the CLI\'s (positions: of a guestbook the README does not show)' },
  { section: SEC.nginx, startsWith: 'guestbook.example.com/  (Ingress ns-prod/guestbook-ingress', by: 'traffic shows both entry points while moving off ingress-nginx' },
  { section: SEC.nginx, startsWith: 'guestbook: off ingress-nginx, router gatewayApi only', by: 'the migrate commit message is what the CLI commits' },
  { section: SEC.analysis, startsWith: 'steps: [0, {weight: 25, minSoak: 15m}, 100]', by: 'the analysis example is releases/workshop.yaml\'s' },
  { section: SEC.analysis, startsWith: '- name: error-rate', by: 'test/readme-analysis-examples.test.ts (the Mann-Whitney metric replaces the workshop\'s and synthesizes)' },
  { section: SEC.argocd, startsWith: 'kubectl apply -k dist/argocd', by: 'the Argo CD bootstrap commands select what synth writes' },
  { section: SEC.flux, startsWith: 'kubectl apply -k dist/flux', by: 'the flux CLI bootstrap makes the objects synth writes' },
  { section: SEC.flux, startsWith: 'kubectl -n flux-system create serviceaccount team-a', by: 'the cdk8s-canary.yaml options the README names change what synth writes' },
  { section: SEC.fleet, startsWith: '# cdk8s-canary.yaml: the clusters', by: 'the fleet walk' },
  { section: SEC.fleet, startsWith: '# releases/shop.yaml (schema: lib/spec/schema/fleet.schema.json)', by: 'the fleet walk' },
  { section: SEC.fleet, startsWith: 'shop: wave 1/3 (canary): canary 1.1.0 0% -> 10% on canary-eu', by: 'the fleet walk' },
  { section: SEC.fleet, startsWith: '$ npx cdk8s-canary abort shop --all-waves', by: 'the fleet walk' },
  { section: SEC.fleet, startsWith: '$ npx cdk8s-canary status shop', by: 'the fleet walk' },
  { section: SEC.fleet, startsWith: '$ npx cdk8s-canary traffic shop', by: 'the fleet walk' },
  { section: SEC.fleet, startsWith: '# releases/shop.yaml, with the analysis', by: 'the fleet walk' },
  { section: SEC.fleet, startsWith: '$ npx cdk8s-canary advance', not: 'needs a real Prometheus holding per-cluster series: test/fleet-advance.test.ts runs this walk; here its spec is checked (the fleet walk)' },
  { section: SEC.fleet, startsWith: 'kubectl apply -k dist/flux/prod-ap-1', by: 'the fleet walk' },
  { section: SEC.sync, startsWith: 'error: Namespace shop would be removed from dist/', by: 'the Namespace refusal is the CLI\'s' },
  { section: SEC.sync, startsWith: 'error: the change from HEAD\'s dist/ is not safe to sync:', by: 'the rename refusal is what validate prints when a second cluster joins a one-cluster project' },
  { section: SEC.sync, startsWith: 'dark after sync: VirtualService shop/shop', by: 'test/sync-gateway-refs.test.ts (the same line, matched whole, when the release creating the Gateway is removed)' },
  { section: SEC.sync, startsWith: '- `sampleapp.example.com/` (VirtualService sampleapp/sampleapp), during sync (Flux)', by: 'GIVEN sampleapp promoted from 100% WHEN diff runs through the CLI (working tree, then HEAD~1 HEAD) THEN it shows the share during a Flux sync' },
  { section: SEC.review, startsWith: 'npx cdk8s-canary diff                      # merge base', by: 'test/readme.test.ts parses every npx cdk8s-canary command line' },
  { section: SEC.review, startsWith: 'npx cdk8s-canary traffic                    # every entry point', by: 'test/readme.test.ts parses every npx cdk8s-canary command line' },
  { section: SEC.review, startsWith: 'dist/guestbook/ns-prod/service-guestbook.yaml', by: 'the lint finding is what lib/lint reports on the committed dist/ with the Service\'s selector mistyped' },
];

describe('every README block is checked or accounted for', () => {
  const unmarked = BLOCKS.filter((b) => b.attrs.checked === undefined);

  test('each unmarked block is claimed by exactly one entry', () => {
    const problems = unmarked.flatMap((b) => {
      const n = UNMARKED.filter((r) => matchesRef(b, r)).length;
      return n === 1 ? [] : [`README.md:${b.line} (${b.section}: ${firstLine(b).slice(0, 60)}): claimed by ${n} entries`];
    });
    expect(problems).toEqual([]);
  });

  test('each entry claims a block (a stale entry fails)', () => {
    const stale = UNMARKED.filter((r) => !unmarked.some((b) => matchesRef(b, r))).map((r) => `${r.section}: ${r.startsWith}`);
    expect(stale).toEqual([]);
  });

  test('each entry\'s `by` names a test of this file or another suite', () => {
    const own = fs.readFileSync(__filename, 'utf8');
    const unknown = UNMARKED.filter((r) => r.by && !r.by.startsWith('test/'))
      .filter((r) => !own.includes(`test('${(r.by as string).replace(/'/g, "\\'")}'`) && !own.includes(`describe('${(r.by as string).replace(/'/g, "\\'")}'`))
      .map((r) => r.by);
    expect(unknown).toEqual([]);
    for (const r of UNMARKED.filter((x) => x.by?.startsWith('test/') || x.not)) {
      for (const f of `${r.by ?? ''} ${r.not ?? ''}`.match(/test\/[\w/.-]+\.ts/g) ?? []) expect(fs.existsSync(path.join(REPO, f))).toBe(true);
    }
  });

  test('the entries that say why a block cannot run here are few', () => {
    expect(UNMARKED.filter((r) => r.not).length).toBeLessThanOrEqual(7);
  });
});

test('the set-up commands name real npm scripts, and CI runs the same test command', () => {
  const commands = shCommandsOf(block({ section: SEC.setup, startsWith: 'npm ci && npm run synth' }).text)
    .flatMap((l) => l.replace(/#.*$/, '').split('&&').map((c) => c.trim()));
  expect(commands).toEqual(['npm ci', 'npm run synth', 'npm test']);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  expect([pkg.scripts.synth, pkg.scripts.test, pkg.scripts.prepare]).toEqual([expect.any(String), expect.any(String), expect.stringContaining('build')]);
  const ci = fs.readFileSync(path.join(REPO, '.ci/run'), 'utf8').split('\n').map((l) => l.trim());
  for (const c of ['npm test', 'npm run synth']) expect(ci.some((l) => l === c || l.startsWith(`${c} `))).toBe(true);
  expect(ci.some((l) => l.startsWith('npm ci'))).toBe(true);
});

describe('the README\'s prose names real things', () => {
  /** The layout table: `| path | what |` rows between "## Layout" and the next section. */
  const layout = README.slice(README.indexOf('## Layout'), README.indexOf('\n## ', README.indexOf('## Layout') + 3))
    .split('\n').filter((l) => l.startsWith('| `')).map((l) => {
      const [, first, what] = l.split('|');
      return { paths: [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]), what };
    });
  const releaseDirs = fs.readdirSync(path.join(REPO, 'dist')).filter((d) => !['argocd', 'flux'].includes(d));
  /** The namespaces a release's (or group's) spec names. */
  const specNamespaces = (name: string): Set<string> => {
    const spec = parse(fs.readFileSync(path.join(REPO, 'releases', `${name}.yaml`), 'utf8'));
    return new Set<string>(spec.kind === 'ReleaseGroup' ? spec.apps.map((a: { project: string }) => a.project) : [spec.namespaces.production, spec.namespaces.canary ?? spec.namespaces.production]);
  };

  test('the layout table has rows', () => expect(layout.length).toBeGreaterThan(20));

  test('every path of the layout table exists (placeholders: every release folder of dist/ has the shapes shown)', () => {
    const missing: string[] = [];
    for (const { paths } of layout) for (const p of paths) {
      if (p.includes('<')) continue; // dist/<release>/...: the next test
      const glob = /^(.*)\/\*(\.[a-z.]+)$/.exec(p);
      if (glob) {
        if (!fs.readdirSync(path.join(REPO, glob[1])).some((f) => f.endsWith(glob[2]))) missing.push(p);
      } else if (!fs.existsSync(path.join(REPO, p))) missing.push(p);
    }
    expect(missing).toEqual([]);
  });

  test('every folder under dist/<release>/ is a namespace folder, a <namespace>-canary folder or a <canary namespace>-checks folder, each with its kustomization.yaml', () => {
    const shapes = layout.flatMap((r) => r.paths).filter((p) => p.startsWith('dist/<release>/'));
    expect(shapes).toEqual(['dist/<release>/<namespace>/', 'dist/<release>/<namespace>-canary/', 'dist/<release>/kustomization.yaml', 'dist/<release>/<canary namespace>-checks/']);
    const odd: string[] = [];
    for (const r of releaseDirs) {
      const dir = path.join(REPO, 'dist', r);
      if (!fs.existsSync(path.join(dir, 'kustomization.yaml'))) odd.push(`dist/${r}/kustomization.yaml missing`);
      const namespaces = specNamespaces(r);
      for (const f of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
        const base = f.replace(/-(canary|checks)$/, '');
        if (!namespaces.has(f) && !namespaces.has(base)) odd.push(`dist/${r}/${f}/ matches no row`);
        if (!fs.existsSync(path.join(dir, f, 'kustomization.yaml'))) odd.push(`dist/${r}/${f}/kustomization.yaml missing`);
      }
    }
    expect(odd).toEqual([]);
    // the rows' examples exist: a canary track folder in the production namespace, and a checks folder
    expect(fs.existsSync(path.join(REPO, 'dist/webapp/webapp-canary'))).toBe(true);
    expect(fs.existsSync(path.join(REPO, 'dist/workshop/workshop-canary-checks'))).toBe(true);
  });

  test('every file a layout row names in its description exists in that row\'s folder(s)', () => {
    const missing: string[] = [];
    for (const { paths, what } of layout) {
      const dirs = paths.filter((p) => p.endsWith('/') && !p.includes('<'));
      if (!dirs.length) continue;
      for (const m of what.matchAll(/`([\w./*-]+\.(?:ts|js|json))`/g)) {
        const name = m[1];
        const found = dirs.some((d) => {
          if (name.includes('*')) {
            const re = new RegExp(`^${name.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
            return fs.existsSync(path.join(REPO, d)) && fs.readdirSync(path.join(REPO, d)).some((f) => re.test(f));
          }
          return fs.existsSync(path.join(REPO, d, name)) || fs.existsSync(path.join(REPO, name))
            || (fs.existsSync(path.join(REPO, d)) && fs.readdirSync(path.join(REPO, d), { recursive: true }).some((f) => String(f).endsWith(`/${name}`)));
        });
        if (!found) missing.push(`${dirs.join(', ')}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every entry of lib/ and every top-level file and folder of the repository is in the layout table', () => {
    const shown = layout.flatMap((r) => r.paths);
    const covered = (p: string) => shown.some((s) => s === p || s === `${p}/` || (s.endsWith('*.schema.json') && p.startsWith(s.replace(/\*.*$/, ''))));
    const libEntries = fs.readdirSync(path.join(REPO, 'lib'), { withFileTypes: true }).map((e) => `lib/${e.name}`);
    const notShown = libEntries.filter((p) => !covered(p));
    // the repository's own top level: what git tracks, and what it would (untracked, not ignored)
    const top = new Map<string, boolean>();
    for (const f of execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean)) {
      const [first, ...rest] = f.split('/');
      top.set(first, (top.get(first) ?? false) || rest.length > 0);
    }
    expect([...top.keys()]).toEqual(expect.arrayContaining(['lib', 'test', 'package.json', 'README.md']));
    for (const [name, isFolder] of top) {
      if (isFolder ? !shown.some((s) => s.startsWith(`${name}/`)) : !covered(name)) notShown.push(isFolder ? `${name}/` : name);
    }
    expect(notShown).toEqual([]);
  });

  test('the layout table names nothing twice', () => {
    const shown = layout.flatMap((r) => r.paths);
    expect(shown.filter((p, i) => shown.indexOf(p) !== i)).toEqual([]);
  });

  test('every repository path the README names in code exists', () => {
    /** Paths that are not this repository's files: made by a README command, or another project's. */
    const notOurs = new Set(['releases/shop.yaml' /* written by `new shop` */, 'examples/helloworld/greeter_server' /* grpc-go's */]);
    const roots = /^(lib|test|scripts|examples|schemas|releases|bin|\.ci)\//;
    const missing = inlineCode()
      .map((c) => ({ ...c, p: c.text.replace(/[:)(,;]+$/, '') }))
      .filter((c) => roots.test(c.p) && !/[<>*{} ]|\.\.\./.test(c.p) && !notOurs.has(c.p))
      .filter((c) => !fs.existsSync(path.join(REPO, c.p.replace(/#.*$/, ''))))
      .map((c) => `README.md:${c.line}: ${c.p}`);
    expect(missing).toEqual([]);
  });
});

describe('the flags, settings and spec fields the README names are real', () => {
  const program = buildProgram({ out: () => undefined, err: () => undefined }, () => undefined);
  const commands = new Map<string, Command>(program.commands.map((c) => [c.name(), c]));
  /** Every option of a command as its `--help` shows it, plus the global ones. */
  const optionsOf = (c: Command): Set<string> => {
    const help = `${c.helpInformation()}\n${program.helpInformation()}`;
    return new Set([...help.matchAll(/(?:^|[\s,[])(--?[a-zA-Z][\w-]*)/gm)].map((m) => m[1]));
  };
  const anyOption = new Set([...commands.values()].flatMap((c) => [...optionsOf(c)]));
  /** Flags of other tools the README shows in inline code, with the tool. */
  const OTHER_TOOLS: Record<string, string> = {
    '--no-check-upgrade': 'cdk8s CLI', '--cdk8s-cli': 'main.ts (cdk8s.yaml app)', '--cascade': 'kubectl', '--mirror': 'git push',
    '--only': 'npm run bench', '--runs': 'npm run bench', '--n': 'npm run bench', '--with-tests': 'npm run bench',
    '--semi-space-growth-factor': 'V8', '--heap-growing-percent': 'V8', '--optimize-for-size': 'V8', '--single-threaded-gc': 'V8', '--min-semi-space-size': 'V8', '--update': 'git add', '--only ': 'git commit',
  };

  test('every flag shown with a command in inline code is in that command\'s --help', () => {
    const wrong: string[] = [];
    let seen = 0;
    for (const { line, text } of inlineCode()) {
      const words = text.replace(/^npx cdk8s-canary\s+/, '').split(/\s+/);
      const cmd = commands.get(words[0]);
      const flags = [...text.matchAll(/(?:^|[\s[/])(--?[a-zA-Z][\w-]*)(?=$|[\s=\]])/g)].map((m) => m[1]);
      if (!flags.length) continue;
      if (cmd) {
        seen++;
        const opts = optionsOf(cmd);
        for (const f of flags) if (!opts.has(f)) wrong.push(`README.md:${line}: \`${text}\`: ${words[0]} has no ${f}`);
      } else if (words[0].startsWith('-')) {
        seen++;
        for (const f of flags) if (!anyOption.has(f) && !OTHER_TOOLS[f]) wrong.push(`README.md:${line}: \`${text}\`: no command has ${f}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(seen).toBeGreaterThan(20);
  });

  test.each(['start', 'step', 'set-weight', 'promote', 'abort', 'next', 'next-wave', 'migrate'])('the moving command %s takes --dry-run, --no-commit, --push, -m/--message and -C', (name) => {
    expect(README).toMatch(/Every moving command takes `--dry-run` \(print the diff, change nothing\), `--no-commit` \(edit and\s+synthesize only\), `--push`, `-m\/--message TEXT` \(commit body\) and the global `-C DIR`/);
    const opts = optionsOf(commands.get(name) as Command);
    expect(['--dry-run', '--no-commit', '--push', '-m', '--message', '-C'].filter((o) => !opts.has(o))).toEqual([]);
  });

  test('the bench options the README gives are the ones scripts/bench.js reads', () => {
    const bench = fs.readFileSync(path.join(REPO, 'scripts/bench.js'), 'utf8');
    const shown = [...README.matchAll(/`(--only|--runs|--n|--with-tests)\b[^`]*`/g)].map((m) => m[1]);
    expect(new Set(shown)).toEqual(new Set(['--only', '--runs', '--n', '--with-tests']));
    for (const f of shown) expect(bench).toContain(`'${f}'`);
  });

  test('every cdk8s-canary.yaml setting the README names is in lib/spec/schema/project.schema.json', () => {
    const named = inlineCode().flatMap(({ line, text }) => {
      const m = /^((?:repository|argocd|flux)\.[A-Za-z][\w.[\]]*)(?:[:=\s].*)?$/.exec(text);
      return m ? [{ line, field: m[1] }] : [];
    });
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !schemaHasPath('project.schema.json', n.field)).map((n) => `README.md:${n.line}: ${n.field}`)).toEqual([]);
  });

  test('every spec field the README names (workload.*, router.*, canary.*, fleet.* ...) is in the release or group schema', () => {
    const named = inlineCode().flatMap(({ line, text }) => {
      const m = /^((?:workload|router|stable|canary|fleet|analysis|namespaces|existingSecrets|checks)(?:\.[A-Za-z][\w]*(?:\[\])?)+)(?:[:=\s].*)?$/.exec(text);
      // `canary.namespace` and the like are the analysis' template variables (README: "Template variables"), not fields
      const templateVariable = /^(stable|canary)\.(namespace|service|workload)$/.test(m?.[1] ?? '');
      return m && !text.includes('{{') && !templateVariable && !/\.(ts|json)$/.test(m[1]) ? [{ line, field: m[1] }] : [];
    });
    expect(named.length).toBeGreaterThan(20);
    const unknown = named.filter((n) => !schemaHasPath('release.schema.json', n.field) && !schemaHasPath('group.schema.json', n.field));
    expect(unknown.map((n) => `README.md:${n.line}: ${n.field}`)).toEqual([]);
  });

  test('the analysis table\'s fields are fields of a metric in lib/spec/schema/analysis.schema.json', () => {
    const table = README.slice(README.indexOf('| field (per metric) | meaning | default |'));
    const lines = table.split('\n').slice(2);
    const rows = lines.slice(0, lines.findIndex((l) => !l.startsWith('|')));
    const fields = rows.flatMap((l) => [...l.split('|')[1].matchAll(/`([\w.]+)(?::[^`]*)?`/g)].map((m) => m[1]));
    expect(fields.length).toBeGreaterThan(12);
    // `headers` is a field of each provider (the row says so)
    expect(fields.filter((f) => !['metrics[]', 'metrics[].provider.prometheus', 'metrics[].provider.web'].some((at) => schemaHasPath('analysis.schema.json', `${at}.${f}`)))).toEqual([]);
  });

  test('the crash points the README lists are lib/crash-point.ts\'s', () => {
    const listed = README.slice(README.indexOf('(points:'), README.indexOf(').', README.indexOf('(points:')));
    const points = [...listed.matchAll(/`([a-z]+:[a-z-]+)`/g)].map((m) => m[1]);
    expect(points.length).toBeGreaterThan(5);
    const src = fs.readFileSync(path.join(REPO, 'lib/crash-point.ts'), 'utf8');
    const known = new Set([...src.matchAll(/'([a-z]+:[a-z-]+)'/g)].map((m) => m[1]));
    expect(points.filter((p) => !known.has(p))).toEqual([]);
    expect([...known].filter((p) => !points.includes(p))).toEqual([]);
  });

  test('the lint rules of the README\'s table are the rules lib/lint reports', () => {
    const at = README.indexOf('| rule | checks |');
    const rows = README.slice(at).split('\n').slice(2);
    const shown = rows.slice(0, rows.findIndex((l) => !l.startsWith('|'))).flatMap((l) => [...l.split('|')[1].matchAll(/`([a-z-]+)`/g)].map((m) => m[1]));
    const src = fs.readdirSync(path.join(REPO, 'lib/lint')).map((f) => fs.readFileSync(path.join(REPO, 'lib/lint', f), 'utf8')).join('\n');
    const real = new Set([...src.matchAll(/(?:find\(|rule: )'([a-z-]+)'|checkServiceRef\([^;]*?'([a-z]+-[a-z-]+)'/g)].map((m) => m[1] ?? m[2]));
    expect(real.size).toBeGreaterThan(5);
    expect(shown.filter((r) => !real.has(r))).toEqual([]);
    expect([...real].filter((r) => !shown.includes(r) && r !== 'pod-security')).toEqual([]);
  });
});

/** A committed spec of the project, as data. */
const spec = (name: string): any => parse(fs.readFileSync(path.join(REPO, 'releases', `${name}.yaml`), 'utf8'));
/** The README's own first spec, releases/shop.yaml of "Your first release". */
const shop = (): any => parse(BLOCKS.find((b) => b.attrs.file === 'releases/shop.yaml')?.text ?? '');
/** A release around the README's manifests workload example. */
const podinfoSpec = () => ({
  ...shop(), name: 'podinfo', namespaces: { production: 'podinfo' }, workload: yamlOf({ section: SEC.byo, startsWith: 'workload:' }).workload,
  stable: { version: '6.7.1' }, router: { type: 'nginx', host: 'podinfo.example.com' },
});

describe('spec fragments are valid where they belong', () => {
  /** A folder standing for a repository: the project's specs and the apps the examples name. */
  let root: string;
  beforeAll(() => {
    root = projectCopy(env, ['releases', 'cdk8s-canary.yaml', 'test/fixtures']);
    fs.cpSync(path.join(REPO, 'test/fixtures/podinfo'), path.join(root, 'apps/podinfo'), { recursive: true });
    fs.cpSync(path.join(REPO, 'test/fixtures/catalog'), path.join(root, 'apps/catalog'), { recursive: true });
  });

  /** Validates a spec as `validate` does (schema, the spec's rules, the project checks); fails with the problems. */
  function expectValid(data: unknown, file: string): void {
    const r = parseSpec(path.join(root, 'releases', file), stringify(data), projectSpecOptions(projectPaths(root)));
    if ('problems' in r) throw new Error(r.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n'));
  }

  test('the S2 checks are releases/workshop.yaml\'s', () => {
    expect(subsetDiff({ checks: yamlOf({ section: SEC.s2, startsWith: 'checks:' }).checks }, spec('workshop'))).toEqual([]);
  });

  test('the S3 group is releases/frontend-backend.yaml', () => {
    const shown = yamlOf({ section: SEC.s3, startsWith: 'kind: ReleaseGroup' });
    expect(Object.keys(shown).length).toBeGreaterThanOrEqual(7);
    expect(subsetDiff(shown, spec('frontend-backend'))).toEqual([]);
  });

  test('the analysis example is releases/workshop.yaml\'s', () => {
    const shown = yamlOf({ section: SEC.analysis, startsWith: 'steps: [0, {weight: 25, minSoak: 15m}, 100]' });
    expect(Object.keys(shown)).toEqual(['steps', 'analysis']);
    expect(subsetDiff(shown, spec('workshop'))).toEqual([]);
  });

  test('the GRPCRoute router is releases/grpc-greeter.yaml\'s', () => {
    const routers = BLOCKS.filter((b) => b.section === SEC.gw && firstLine(b) === 'router:').map((b) => parse(b.text));
    const grpc = routers.find((r) => r.router.type === 'grpcRoute');
    expect(subsetDiff(grpc, spec('grpc-greeter'))).toEqual([]);
  });

  test('spec fragments are valid where they belong', () => {
    const routers = (section: string) => BLOCKS.filter((b) => b.section === section && firstLine(b) === 'router:').map((b) => parse(b.text).router);
    // S4's Istio router, in the MuShop storefront's spec
    const [istio] = routers(SEC.s4);
    expect(istio.type).toBe('istio');
    expectValid({ ...spec('mushop-storefront'), router: istio }, 'mushop-storefront.yaml');
    // the Gateway API routers, in the README's shop
    const gw = routers(SEC.gw);
    expect(gw.map((r) => r.type)).toEqual(['gatewayApi', 'grpcRoute']);
    expectValid({ ...shop(), router: gw[0] }, 'shop.yaml');
    expectValid({ ...shop(), router: gw[1] }, 'shop.yaml');
    // the migration's nginx router, in the S1 guestbook
    const [nginx] = routers(SEC.nginx);
    expect(nginx.migrateTo).toBeDefined();
    expectValid({ ...spec('guestbook'), router: nginx }, 'guestbook.yaml');
  });

  test('the manifests workload example is valid, and its warning and error are the CLI\'s', async () => {
    expectValid(podinfoSpec(), 'podinfo.yaml');
    const { synthOut, validateOut } = await chain<{ synthOut: string[]; validateOut: string[] }>('podinfo');
    // synth warns about the pod security deviation the README shows (its first one)
    expectLinesIn(block({ section: SEC.byo, startsWith: 'warning: dist/podinfo/podinfo/deployment-podinfo.yaml' }).text.split('\n'), synthOut, 'README "Pod security" warning');
    expectLinesIn(block({ section: SEC.byo, startsWith: 'releases/podinfo.yaml:9:3: workload:' }).text.split('\n'), validateOut, 'README "Bad input" error');
  });

  test('the release group app with its own manifests is valid in the S3 group', () => {
    // an item of `apps:` (indented as in the group), then the group-level existingSecrets
    const [item, rest] = block({ section: SEC.byo, startsWith: '- name: catalog' }).text.split('\nexistingSecrets:');
    const app = parse(item.replace(/^ {2}/gm, ''))[0];
    const secrets = parse(`existingSecrets:${rest}`).existingSecrets;
    expect(app.name).toBe('catalog');
    const group = spec('frontend-backend');
    group.apps[0].calls.push({ app: 'catalog', configKey: 'catalog.url' }); // "called by the entry app through its Route URL"
    expectValid({ ...group, apps: [...group.apps, app], existingSecrets: secrets }, 'frontend-backend.yaml');
  });

  test('the CanaryRelease example names real props', () => {
    const text = block({ section: SEC.byo, startsWith: 'new CanaryRelease(chart' }).text;
    const props = [...text.matchAll(/^ {2}(?:\/\/ )?(\w+):/gm)].map((m) => m[1]);
    expect(props).toEqual(['release', 'workload', 'root']);
    const src = fs.readFileSync(path.join(REPO, 'lib/construct/canary-release.ts'), 'utf8');
    const iface = /export interface CanaryReleaseProps \{([\s\S]*?)\n\}/.exec(src)?.[1] ?? '';
    for (const p of props) expect(iface).toMatch(new RegExp(`readonly ${p}\\??:`));
    expect(text).toMatch(/workload: \(scope, track\) =>/);
    // "The factory is called with 'stable', and with 'canary' while a canary runs"
    expect(src).toMatch(/export type WorkloadFactory = \(scope: Construct, track: Track\)/);
  });
});

describe('the Argo CD and Flux wiring is what the README says (a synth of the reference releases)', () => {
  let dir: string;
  let argocd: any[];
  let flux: any[];
  let releases: { name: string; spec: any }[];
  const URL = 'https://github.com/example/cdk8s-canary.git';
  beforeAll(async () => {
    dir = await chain<string>('wiring');
    argocd = objectsUnder(path.join(dir, 'dist/argocd')).map((o) => o.obj).filter((o) => o.apiVersion.startsWith('argoproj.io/'));
    flux = objectsUnder(path.join(dir, 'dist/flux')).map((o) => o.obj).filter((o) => o.apiVersion.includes('toolkit.fluxcd.io'));
    releases = fs.readdirSync(path.join(dir, 'releases')).map((f) => ({ name: f.replace(/\.yaml$/, ''), spec: parse(fs.readFileSync(path.join(dir, 'releases', f), 'utf8')) }));
  });
  const named = (objs: any[], kind: string, name: string) => {
    const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name} in ${objs.map((x) => `${x.kind} ${x.metadata.name}`).join(', ')}`);
    return o;
  };
  /** Objects of the release folders (dist/<release>/...), kustomize's own files left out. */
  const releaseObjects = () => releases.flatMap((r) => objectsUnder(path.join(dir, 'dist', r.name)).map((o) => ({ ...o, release: r.name })))
    .filter((o) => o.obj.apiVersion !== 'kustomize.config.k8s.io/v1beta1');

  test('dist/argocd/ holds the AppProject, one Application per release or group, and the root Application with its own AppProject', () => {
    const shown = argocd.map((o) => `${o.kind} ${o.metadata.name}`).sort();
    expect(shown).toEqual([
      ...releases.map((r) => `Application ${r.name}`), 'Application cdk8s-canary-root', 'AppProject cdk8s-canary', 'AppProject cdk8s-canary-root',
    ].sort());
  });

  test('each release\'s Application syncs dist/<release> automatically with prune, self-heal, CreateNamespace=true (unless createNamespaces: false) and retry, and deletes what it deployed', () => {
    expect(README).toMatch(/`CreateNamespace=true` unless the spec says\s+`createNamespaces: false`/);
    for (const { name, spec } of releases) {
      const app = named(argocd, 'Application', name);
      expect([name, app.spec.source.path, app.spec.source.repoURL, app.spec.project]).toEqual([name, `dist/${name}`, URL, 'cdk8s-canary']);
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect([name, app.spec.syncPolicy.syncOptions]).toEqual([name, spec.createNamespaces === false ? undefined : ['CreateNamespace=true']]);
      expect(app.spec.syncPolicy.retry.backoff).toBeDefined();
      expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    }
  });

  test('the root Application keeps dist/argocd/ in sync, in its own AppProject (this repository, the Argo CD namespace, Applications and AppProjects only), without a resources finalizer', () => {
    const root = named(argocd, 'Application', 'cdk8s-canary-root');
    expect([root.spec.source.path, root.spec.project, root.metadata.finalizers]).toEqual(['dist/argocd', 'cdk8s-canary-root', undefined]);
    const project = named(argocd, 'AppProject', 'cdk8s-canary-root');
    expect(project.spec.sourceRepos).toEqual([URL]);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual(['argocd']);
    expect(project.spec.namespaceResourceWhitelist.map((k: any) => k.kind).sort()).toEqual(['AppProject', 'Application']);
    expect(project.spec.clusterResourceWhitelist).toBeUndefined();
  });

  test('the releases\' AppProject admits exactly this repository, the namespaces the releases use and the kinds they generate (cluster-scoped: Namespace only)', () => {
    const project = named(argocd, 'AppProject', 'cdk8s-canary');
    const objs = releaseObjects();
    expect(project.spec.sourceRepos).toEqual([URL]);
    const namespaces = new Set(objs.map((o) => (o.obj.kind === 'Namespace' ? o.obj.metadata.name : o.obj.metadata.namespace)));
    expect(new Set(project.spec.destinations.map((d: any) => d.namespace))).toEqual(namespaces);
    // a checks Job is in dist/ only while a canary runs; its kind is admitted whenever a release has checks
    const kinds = new Set([...objs.filter((o) => o.obj.kind !== 'Namespace').map((o) => o.obj.kind), ...(releases.some((r) => r.spec.checks) ? ['Job'] : [])]);
    expect(new Set(project.spec.namespaceResourceWhitelist.map((k: any) => k.kind))).toEqual(kinds);
    for (const never of ['Secret', 'RoleBinding']) expect(kinds.has(never)).toBe(false);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });

  test('argocd.mode: applicationSet gives one ApplicationSet whose list generator names the releases and their destination namespaces (as the schema and cdk8s-canary.yaml say)', async () => {
    const appset = await chain<any>('appset');
    expect(appset.spec.generators).toHaveLength(1);
    const apps = argocd.filter((o) => o.kind === 'Application' && o.metadata.name !== 'cdk8s-canary-root');
    const byRelease = (xs: { release: string }[]) => [...xs].sort((a, b) => (a.release < b.release ? -1 : 1));
    expect(byRelease(appset.spec.generators[0].list.elements)).toEqual(byRelease(apps.map((a) => ({ release: a.metadata.name, namespace: a.spec.destination.namespace }))));
    expect(README).toMatch(/`argocd\.mode: applicationSet` replaces the per-release Applications with one ApplicationSet whose list\s+generator names the releases \(and their destination namespaces\)/);
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'lib/spec/schema/project.schema.json'), 'utf8'));
    expect(JSON.stringify(schema)).toMatch(/applicationSet: one ApplicationSet whose list generator names the releases/);
    expect(fs.readFileSync(path.join(REPO, 'cdk8s-canary.yaml'), 'utf8')).toMatch(/mode: applications +# or applicationSet: one ApplicationSet \(a list generator of the releases\)/);
  });

  test('the Argo CD bootstrap commands select what synth writes', () => {
    const text = block({ section: SEC.argocd, startsWith: 'kubectl apply -k dist/argocd' }).text;
    const [, ns, selector] = /kubectl -n (\S+) get applications -l (\S+)/.exec(text) ?? [];
    const [key, value] = selector.split('=');
    const apps = argocd.filter((o) => o.kind === 'Application');
    expect(apps.filter((a) => a.metadata.namespace !== ns || a.metadata.labels?.[key] !== value)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'dist/argocd/kustomization.yaml'))).toBe(true);
  });

  test('dist/flux/ holds a GitRepository fetching only dist/, one Kustomization per folder (prune, wait, 10m, retry 1m, timeout 5m) and the self-managing Kustomization cdk8s-canary (deletionPolicy Orphan)', () => {
    const repo = named(flux, 'GitRepository', 'cdk8s-canary');
    expect([repo.spec.url, repo.spec.ref, repo.spec.sparseCheckout]).toEqual([URL, { branch: 'main' }, ['dist']]);
    const folders = releases.flatMap((r) => fs.readdirSync(path.join(dir, 'dist', r.name), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `./dist/${r.name}/${e.name}`));
    const perFolder = flux.filter((o) => o.kind === 'Kustomization' && o.metadata.name !== 'cdk8s-canary');
    expect(perFolder.map((k) => k.spec.path).sort()).toEqual(folders.sort());
    for (const k of perFolder) {
      expect([k.spec.path, k.spec.prune, k.spec.wait, k.spec.interval, k.spec.retryInterval, k.spec.timeout]).toEqual([k.spec.path, true, true, '10m', '1m', '5m']);
    }
    const root = named(flux, 'Kustomization', 'cdk8s-canary');
    expect([root.spec.path, root.spec.prune, root.spec.deletionPolicy, root.spec.sourceRef]).toEqual(['./dist/flux', true, 'Orphan', { kind: 'GitRepository', name: 'cdk8s-canary' }]);
  });

  test('a canary folder (or <namespace>-canary) dependsOn its production folder, a checks folder its canary folder, and in the S3 group B\'s dependsOn F\'s', () => {
    const byPath = new Map(flux.filter((o) => o.kind === 'Kustomization').map((k) => [k.spec.path, k]));
    const deps = (p: string) => (byPath.get(p)?.spec.dependsOn ?? []).map((d: any) => byPath.get([...byPath.keys()].find((q) => byPath.get(q).metadata.name === d.name) as string)?.spec.path);
    let checked = 0;
    for (const { name, spec } of releases) {
      if (spec.kind === 'ReleaseGroup') {
        expect(deps(`./dist/${name}/backend-main`)).toEqual([`./dist/${name}/frontend-main`]);
        continue;
      }
      const prod = spec.namespaces.production;
      const canary = spec.namespaces.canary && spec.namespaces.canary !== prod ? spec.namespaces.canary : `${prod}-canary`;
      expect([name, deps(`./dist/${name}/${canary}`)]).toEqual([name, [`./dist/${name}/${prod}`]]);
      if (byPath.has(`./dist/${name}/${canary}-checks`)) expect(deps(`./dist/${name}/${canary}-checks`)).toEqual([`./dist/${name}/${canary}`]);
      checked++;
    }
    expect(checked).toBe(releases.length - 1);
  });

  test('the flux CLI bootstrap makes the objects synth writes', () => {
    const text = block({ section: SEC.flux, startsWith: 'kubectl apply -k dist/flux' }).text;
    const flag = (line: string, f: string) => new RegExp(`--${f}=(\\S+)`).exec(line)?.[1];
    const source = text.split('\n').find((l) => l.startsWith('flux create source git')) as string;
    const ks = text.split('\n').find((l) => l.startsWith('flux create kustomization')) as string;
    const repo = named(flux, 'GitRepository', source.split(/\s+/)[4]);
    expect([flag(source, 'url'), flag(source, 'branch')]).toEqual([repo.spec.url, repo.spec.ref.branch]);
    const root = named(flux, 'Kustomization', ks.split(/\s+/)[3]);
    expect([flag(ks, 'source'), flag(ks, 'path'), flag(ks, 'prune'), flag(ks, 'interval')])
      .toEqual([`${root.spec.sourceRef.kind}/${root.spec.sourceRef.name}`, root.spec.path, String(root.spec.prune), root.spec.interval]);
    // "(fetching only dist/)": the one thing flux create cannot say, which the self-managed GitRepository then adds
    expect(repo.spec.sparseCheckout).toEqual(['dist']);
  });

  test('sync waves are set as "Wire it to Argo CD" lists them (S3\'s group has its own, see S3); Namespaces are never pruned or deleted; the canary\'s objects and ReferenceGrants are PruneLast', () => {
    const ROUTES = ['HTTPRoute', 'GRPCRoute', 'Ingress', 'Route', 'VirtualService'];
    const wrong: string[] = [];
    for (const { file, obj, release } of releaseObjects()) {
      if (release === 'frontend-backend') continue;
      const istio = releases.find((r) => r.name === release)?.spec.router?.type === 'istio';
      const a = obj.metadata.annotations ?? {};
      const wave = Number(a['argocd.argoproj.io/sync-wave'] ?? 0);
      const canary = obj.metadata.labels?.['canary.cdk8s.io/track'] === 'canary' || (obj.kind === 'Service' && /-canary$/.test(obj.metadata.name));
      const expected = obj.kind === 'Namespace' ? -3
        : /^redis(-|$)/.test(obj.metadata.name) || ['NetworkPolicy', 'ImageStream'].includes(obj.kind) ? -1
          : ROUTES.includes(obj.kind) ? 3
            : istio && ['DestinationRule', 'Gateway'].includes(obj.kind) ? -2
              : ['DestinationRule', 'Gateway', 'ReferenceGrant'].includes(obj.kind) ? 2
                : canary ? 1 : 0;
      if (wave !== expected) wrong.push(`${release}/${file}: wave ${wave}, the README says ${expected}`);
      const options = String(a['argocd.argoproj.io/sync-options'] ?? '');
      if (obj.kind === 'Namespace' && (options !== 'Prune=false,Delete=false' || a['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled')) wrong.push(`${release}/${file}: Namespace not kept`);
      if ((canary || obj.kind === 'ReferenceGrant') && !options.includes('PruneLast=true')) wrong.push(`${release}/${file}: not PruneLast`);
    }
    expect(wrong).toEqual([]);
  });
});

/** The settings the README names, all at once (webapp and workshop a tenant's). */
const OPTIONS_CONFIG = `apiVersion: canary.cdk8s.io/v1alpha1
kind: Project
repository: { url: https://github.com/acme/deploy.git, branch: release }
argocd: { preserveResourcesOnDeletion: true }
flux:
  secretRef: { name: git-credentials }
  serviceAccountName: flux-apply
  tenants: [{ serviceAccountName: team-a, releases: [webapp, workshop] }]
  deletionPolicy: Orphan
`;

describe('the cdk8s-canary.yaml options the README names change what synth writes', () => {
  let objs: any[];
  let refused: string[];
  beforeAll(async () => { ({ objs, refused } = await chain<{ objs: any[]; refused: string[] }>('options')); });

  test('the cdk8s-canary.yaml options the README names change what synth writes', () => {
    const repo = objs.find((o) => o.kind === 'GitRepository');
    expect([repo.spec.url, repo.spec.ref.branch, repo.spec.secretRef]).toEqual(['https://github.com/acme/deploy.git', 'release', { name: 'git-credentials' }]);
    const ks = objs.filter((o) => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit'));
    const account = (k: any) => `${k.metadata.name}: ${k.spec.serviceAccountName}`;
    expect(ks.map(account).sort()).toEqual(ks.map((k) => `${k.metadata.name}: ${k.metadata.name === 'cdk8s-canary' ? undefined
      : /^(webapp|workshop)-/.test(k.metadata.name) ? 'team-a' : 'flux-apply'}`).sort());
    expect(ks.filter((k) => k.spec.deletionPolicy !== 'Orphan')).toEqual([]);
    const apps = objs.filter((o) => o.kind === 'Application');
    expect(apps.length).toBe(4);
    expect(apps.filter((a) => a.metadata.finalizers)).toEqual([]);
    // the RBAC commands: the tenant's account lives in the Flux namespace, as the Kustomizations name it
    const rbac = block({ section: SEC.flux, startsWith: 'kubectl -n flux-system create serviceaccount team-a' }).text;
    expect(rbac).toMatch(/--serviceaccount=flux-system:team-a/);
    expect(ks.every((k) => k.metadata.namespace === 'flux-system')).toBe(true);
  });

  test('fails with argocd.project: default, as the README says', () => {
    expect(refused.join('\n')).toMatch(/cdk8s-canary\.yaml:\d+:\d+: argocd\.project: .*default/);
  });
});

describe('commit messages and the oc process example are what the CLI writes (one repository of the reference releases)', () => {
  let walk: { dir: string; stepBody: string[]; migrationProblems: string[]; traffic: string[]; migrateBody: string[] };
  beforeAll(async () => { walk = await chain('moves'); });

  test('a step commit message is what the CLI commits', () => {
    expectMessage(block({ section: SEC.rolling, startsWith: 'webapp: canary 1.1.0 10% -> 50%' }).text, walk.stepBody, 'README "A step commit"');
  });

  test('the oc process example gives the stage-2 canary DeploymentConfig', () => {
    const line = shCommandsOf(block({ section: SEC.s3, startsWith: 'oc process -n frontend-main' }).text)[0];
    const [, project, name] = /^oc process -n (\S+) (\S+)/.exec(line) ?? [];
    const values = Object.fromEntries([...line.matchAll(/-p (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(values)).toEqual(['DC_NAME', 'APP_VERSION', 'TRACK', 'IMAGE', 'BACKENDMAIN_URL']);
    const objs = objectsUnder(path.join(walk.dir, 'dist/frontend-backend', project)).map((o) => o.obj);
    const template = objs.find((o) => o.kind === 'Template' && o.metadata.name === name);
    const dc = ocProcess(template, values).find((o) => o.kind === 'DeploymentConfig');
    const inDist = objs.find((o) => o.kind === 'DeploymentConfig' && o.metadata.name === values.DC_NAME);
    expect(inDist).toBeDefined();
    expect(dc).toEqual(withoutGitOps(inDist));
    // "then drop its Route (CANARY_URL_REQ=false)": stage 2 has no Route for F's canary
    expect(objs.filter((o) => o.kind === 'Route').map((o) => o.metadata.name)).toEqual([project]);
  });

  test('the migration\'s refusals are the CLI\'s (positions: of a guestbook the README does not show)', () => {
    const shown = block({ section: SEC.nginx, startsWith: 'releases/guestbook.yaml:47:11: router.cookie' }).text.split('\n');
    expect(shown).toHaveLength(2);
    expectLinesIn(shown.map((l) => l.replace(/^(releases\/guestbook\.yaml):\d+:\d+:/, '$1:...:')), walk.migrationProblems, 'README "Add the Gateway API side"');
  });

  test('traffic shows both entry points while moving off ingress-nginx', () => {
    // an indented line of only `...` stands for any lines, as an unindented one
    const shown = block({ section: SEC.nginx, startsWith: 'guestbook.example.com/  (Ingress ns-prod/guestbook-ingress' }).text.split('\n').map((l) => (l.trim() === '...' ? '...' : l));
    if (!outputMatches(shown, walk.traffic)) throw new Error(`the README shows:\n${shown.join('\n')}\n\ntraffic printed:\n${walk.traffic.join('\n')}`);
  });

  test('the migrate commit message is what the CLI commits', () => {
    expectMessage(block({ section: SEC.nginx, startsWith: 'guestbook: off ingress-nginx, router gatewayApi only' }).text, walk.migrateBody, 'README "Drop the NGINX side"');
  });
});

/** cdk8s-canary.yaml of the fleet: the README's clusters, and "prod-us-1 the same way" (as prod-eu-2, in the US). */
const fleetConfig = () => {
  const text = block({ section: SEC.fleet, startsWith: '# cdk8s-canary.yaml: the clusters' }).text;
  const eu2 = /^ {2}- name: prod-eu-2[^\n]*\n(?: {4}[^\n]*\n)+/m.exec(`${text}\n`)?.[0] ?? '';
  if (!/server: https:\/\/prod-eu-2/.test(eu2)) throw new Error('README: the fleet clusters have no prod-eu-2 with a server');
  const us1 = eu2.replace(/prod-eu-2/g, 'prod-us-1').replace(/region: eu/, 'region: us').replace(/ +#[^\n]*/, '');
  return `apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\n${text.replace(eu2, `${eu2}${us1}`)}\n`;
};
/** releases/shop.yaml of the fleet: the README's first release with its fleet section. */
const fleetShop = () => `${BLOCKS.find((b) => b.attrs.file === 'releases/shop.yaml')?.text}\n${block({ section: SEC.fleet, startsWith: '# releases/shop.yaml (schema: lib/spec/schema/fleet.schema.json)' }).text}\n`;
const fleetBlock = (startsWith: string) => block({ section: SEC.fleet, startsWith }).text;

describe('the fleet walk', () => {
  let walk: { dir: string; waveBody: string[]; transcripts: Record<string, Awaited<ReturnType<typeof recordTranscript>>> };
  beforeAll(async () => { walk = await chain('fleet'); });

  test('the fleet settings and spec are valid, and the pull cluster gets its own Flux root', () => {
    expect(parseProjectConfig('cdk8s-canary.yaml', fleetConfig())).toHaveProperty('config');
    const root = path.join(walk.dir, fleetBlock('kubectl apply -k dist/flux/prod-ap-1').split(/\s+/)[3]);
    const objs = objectsUnder(root).map((o) => o.obj);
    expect(objs.find((o) => o.kind === 'GitRepository')?.spec.url).toBe('https://git.ap.example.internal/fleet.git');
    expect(objs.filter((o) => o.kind === 'Kustomization' && o.spec?.kubeConfig)).toEqual([]);
    sh(walk.dir, `kubectl kustomize ${root} > /dev/null`);
  });

  test('the fleet analysis example is valid in the shop release', () => {
    const data = { ...parse(fleetShop()), ...parse(fleetBlock('# releases/shop.yaml, with the analysis')) };
    const r = parseSpec(path.join(walk.dir, 'releases/shop.yaml'), stringify(data), projectSpecOptions(projectPaths(walk.dir)));
    if ('problems' in r) throw new Error(r.problems.map((p) => `${p.line}:${p.col}: ${p.message}`).join('\n'));
  });

  test('a wave step\'s commit message is what the CLI commits', () => {
    expectMessage(fleetBlock('shop: wave 1/3 (canary): canary 1.1.0 0% -> 10% on canary-eu'), walk.waveBody, 'README "A commit, with the trailers"');
  });

  test.each(['$ npx cdk8s-canary status shop', '$ npx cdk8s-canary traffic shop', '$ npx cdk8s-canary abort shop --all-waves'])('in wave 2 at 10%%: %s prints what the README shows', (first) => {
    expectTranscript(walk.transcripts[first], `README.md:${block({ section: SEC.fleet, startsWith: first }).line}`);
  });
});

// A code fault this found: `diff` read only the changed release folders (lib/review/scope.ts), not
// their Applications and Kustomizations, so the sync model had no unit to play and printed no line.
test('GIVEN sampleapp promoted from 100% WHEN diff runs through the CLI (working tree, then HEAD~1 HEAD) THEN it shows the share during a Flux sync', async () => {
  const { workingTree, committed } = await chain<{ workingTree: string[]; committed: string[] }>('sampleapp');
  const shown = block({ section: SEC.sync, startsWith: '- `sampleapp.example.com/` (VirtualService sampleapp/sampleapp), during sync (Flux)' }).text.split('\n');
  expectLinesIn(shown, workingTree, 'README "diff adds, under Traffic" (diff of the working tree)');
  expectLinesIn(shown, committed, 'README "diff adds, under Traffic" (diff HEAD~1 HEAD)');
});

test('the lint finding is what lib/lint reports on the committed dist/ with the Service\'s selector mistyped', () => {
  // a valid spec cannot give a Service that selects no pods: the committed files, one line edited, linted as synth lints them
  const files = readTree(path.join(REPO, 'dist'));
  const file = 'guestbook/ns-prod/service-guestbook.yaml';
  const text = files.get(file) as string;
  expect(text).toMatch(/ {2}selector:\n {4}app: guestbook\n/);
  files.set(file, text.replace(/( {2}selector:\n {4}app: )guestbook\n/, '$1guestbok\n'));
  const lines = lintTree(files).errors.map(formatProblem);
  expectLinesIn(block({ section: SEC.review, startsWith: 'dist/guestbook/ns-prod/service-guestbook.yaml' }).text.split('\n'), lines, 'README "Lint"');
});

test('the rename refusal is what validate prints when a second cluster joins a one-cluster project', async () => {
  const out = await chain<string[]>('rename');
  expectLinesIn(block({ section: SEC.sync, startsWith: 'error: the change from HEAD\'s dist/ is not safe to sync:' }).text.split('\n'), out, 'README "A renamed Application"');
});

describe('the scenarios\' prose is what synth writes', () => {
  test('S2: the checks Job of canary 1.1.0 is where, and as, the README says', async () => {
    const { dir } = await chain<{ dir: string }>('verify');
    const folder = path.join(dir, 'dist/workshop/workshop-canary-checks');
    const job = objectsUnder(folder).map((o) => o.obj).find((o) => o.kind === 'Job');
    expect(job.metadata.name).toBe('workshop-checks-1-1-0');
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    expect([job.spec.backoffLimit, typeof job.spec.activeDeadlineSeconds]).toEqual([0, 'number']);
    const pod = job.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    const [c] = pod.containers;
    expect(c.image).toMatch(/^curlimages\/curl:8\.11\.1@sha256:[0-9a-f]{64}$/);
    expect({ ...pod.securityContext, ...c.securityContext }).toMatchObject({ runAsUser: 100, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(JSON.stringify(pod)).toContain('RuntimeDefault');
    expect(JSON.stringify(job)).toContain('http://workshop-canary.workshop-canary.svc.cluster.local:5000');
    // Argo CD: the checks folder is one of the release's folders in its one Application
    expect(parse(fs.readFileSync(path.join(dir, 'dist/workshop/kustomization.yaml'), 'utf8')).resources).toContain('workshop-canary-checks');
    // Flux: its own Kustomization, dependsOn the canary folder's, wait and force
    const ks = objectsUnder(path.join(dir, 'dist/flux')).map((o) => o.obj).find((o) => o.spec?.path === './dist/workshop/workshop-canary-checks');
    expect([ks.spec.dependsOn, ks.spec.wait, ks.spec.force]).toEqual([[{ name: 'workshop-workshop-canary' }], true, true]);
  });

  test('S3: the sync waves of stage 2 are the ones the README gives', async () => {
    const { dir } = await chain<{ dir: string }>('moves');
    const waves = Object.fromEntries(objectsUnder(path.join(dir, 'dist/frontend-backend')).map((o) => o.obj).filter((o) => o.kind !== 'Kustomization')
      .map((o) => [`${o.kind} ${o.metadata.namespace ?? o.metadata.name}/${o.metadata.name}`, Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0)]));
    expect(waves).toMatchObject({
      'Namespace frontend-main/frontend-main': -3, 'Template frontend-main/frontend-main': -1,
      'ImageStream frontend-main/frontend-main': 0, 'ConfigMap frontend-main/frontend-main-config': 0, 'Service frontend-main/frontend-main': 0,
      'DeploymentConfig backend-main/backend-main-canary': 10, 'Route backend-main/backend-main-canary': 11, 'DeploymentConfig frontend-main/frontend-main-canary': 12,
      'Route frontend-main/frontend-main': 20, 'Route backend-main/backend-main': 21,
      'DeploymentConfig frontend-main/frontend-main': 30, 'DeploymentConfig backend-main/backend-main': 31,
    });
  });

  test('S4: dist/<release>/<namespace>/ holds the Gateway, VirtualServices, DestinationRule, stable Deployment and Service; the canary Deployment is in <namespace>-canary/', () => {
    const files = (d: string) => fs.readdirSync(path.join(REPO, 'dist/mushop-storefront', d)).filter((f) => f !== 'kustomization.yaml').map((f) => f.replace(/-.*$/, '')).sort();
    expect(files('mushop')).toEqual(['deployment', 'destinationrule', 'gateway', 'service', 'virtualservice', 'virtualservice']);
    expect(files('mushop-canary')).toEqual(['deployment']);
  });
});

describe('verify prints what the README shows', () => {
  test('verify prints what the README shows', async () => {
    const { url, steps } = await chain<{ url: string; steps: Awaited<ReturnType<typeof recordTranscript>> }>('verify');
    // the README's URL stands for the test server's; durations in milliseconds match any
    const ms = (l: string) => l.split(url).join('https://workshop.example.com').replace(/\b\d+ ms\b/g, 'N ms');
    expectTranscript(steps.map((s) => ({ ...s, expected: s.expected.map(ms), output: s.output.map(ms) })), `README.md:${block({ section: SEC.s2, startsWith: '$ npx cdk8s-canary verify workshop' }).line}`);
  });
});

describe('the Namespace refusal is the CLI\'s', () => {
  test('the Namespace refusal is the CLI\'s', async () => {
    const out = await chain<string[]>('namespace');
    expectLinesIn(block({ section: SEC.sync, startsWith: 'error: Namespace shop would be removed from dist/' }).text.split('\n'), out, 'README "Namespaces are never deleted"');
  });
});

/** The suite's CLI runs by name (see `started`). */
const CHAINS: Record<string, () => Promise<unknown>> = {
  /** A synth of the reference releases. */
  wiring: async () => {
    const dir = projectCopy(env, ['releases', 'cdk8s-canary.yaml', 'test/fixtures']);
    await shAsync(dir, 'npx cdk8s-canary synth');
    return dir;
  },
  /** A synth of the reference releases with argocd.mode: applicationSet: its ApplicationSet. */
  appset: async () => {
    const dir = projectCopy(env, ['releases', 'test/fixtures'], { 'cdk8s-canary.yaml': 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nargocd: { mode: applicationSet }\n' });
    await shAsync(dir, 'npx cdk8s-canary synth');
    return objectsUnder(path.join(dir, 'dist/argocd')).map((o) => o.obj).find((o) => o.kind === 'ApplicationSet');
  },
  /** A synth with the settings the README names, then one with argocd.project: default. */
  options: async () => {
    const dir = projectCopy(env, ['releases/webapp.yaml', 'releases/workshop.yaml', 'releases/sampleapp.yaml'], { 'cdk8s-canary.yaml': OPTIONS_CONFIG });
    await shAsync(dir, 'npx cdk8s-canary synth');
    const objs = objectsUnder(path.join(dir, 'dist')).map((o) => o.obj);
    fs.writeFileSync(path.join(dir, 'cdk8s-canary.yaml'), OPTIONS_CONFIG.replace('argocd: {', 'argocd: { project: default,'));
    return { objs, refused: await shAsync(dir, 'npx cdk8s-canary synth', 2) };
  },
  /** The manifests workload example synthesized; then without canaryReplicas, validated. */
  podinfo: async () => {
    // a repository holding only this release and its folder (synth then has one release to render)
    const repo = projectCopy(env, [], { 'releases/podinfo.yaml': stringify(podinfoSpec()) });
    fs.cpSync(path.join(REPO, 'test/fixtures/podinfo'), path.join(repo, 'apps/podinfo'), { recursive: true });
    const synthOut = await shAsync(repo, 'npx cdk8s-canary synth');
    // laid out as the README's release spec (header, both namespaces): the example's `workload:` is on line 8
    const header = ['# yaml-language-server: $schema=../lib/spec/schema/release.schema.json', 'apiVersion: canary.cdk8s.io/v1alpha1', 'kind: Release', 'name: podinfo', 'namespaces:', '  production: podinfo', '  canary: podinfo'];
    const { stable, router } = podinfoSpec();
    const example = block({ section: SEC.byo, startsWith: 'workload:' }).text.replace(/^ {2}canaryReplicas: .*\n/m, '');
    fs.writeFileSync(path.join(repo, 'releases/podinfo.yaml'), `${header.join('\n')}\n${example}\n${stringify({ stable, router })}`);
    return { synthOut, validateOut: await shAsync(repo, 'npx cdk8s-canary validate', 2) };
  },
  /** webapp to 50%; the S3 group to stage 2; the guestbook through its migration to the Gateway API. */
  moves: async () => {
    const dir = projectCopy(env, ['releases', 'dist', 'cdk8s-canary.yaml', 'cdk8s.yaml', 'test/fixtures']);
    await shAsync(dir, 'npx cdk8s-canary start webapp --version 1.1.0 && npx cdk8s-canary step webapp && npx cdk8s-canary step webapp');
    const stepBody = await shAsync(dir, 'git log -1 --format=%B');
    await shAsync(dir, 'npx cdk8s-canary next frontend-backend');
    // the README's guestbook: its nginx router with the migration section (step 1), then start, step (25%), migrate
    const { router } = parse(block({ section: SEC.nginx, startsWith: 'router:' }).text);
    const original = fs.readFileSync(path.join(dir, 'releases/guestbook.yaml'), 'utf8');
    const withRouter = (extra: object) => {
      const guestbook = parseDocument(original);
      guestbook.set('router', guestbook.createNode({ ...guestbook.toJS().router, ...router, ...extra }));
      fs.writeFileSync(path.join(dir, 'releases/guestbook.yaml'), guestbook.toString());
    };
    // first with a tester cookie and a production annotation the HTTPRoute cannot carry: refused, named
    withRouter({ cookie: 'canary_tester', annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' } });
    const migrationProblems = await shAsync(dir, 'npx cdk8s-canary validate guestbook', 2);
    withRouter({});
    await shAsync(dir, 'npx cdk8s-canary synth && git add -A && git commit -qm "guestbook: add the Gateway API side"');
    await shAsync(dir, 'npx cdk8s-canary start guestbook --version v1 && npx cdk8s-canary step guestbook');
    const traffic = await shAsync(dir, 'npx cdk8s-canary traffic guestbook');
    await shAsync(dir, 'npx cdk8s-canary migrate guestbook');
    return { dir, stepBody, migrationProblems, traffic, migrateBody: await shAsync(dir, 'git log -1 --format=%B') };
  },
  /** sampleapp to 100%, its promote edited but not committed, and `diff` of it; then committed, `diff HEAD~1 HEAD`. */
  sampleapp: async () => {
    const dir = projectCopy(env, ['releases/sampleapp.yaml', 'dist/sampleapp', 'dist/argocd', 'dist/flux', 'cdk8s-canary.yaml']);
    await shAsync(dir, 'npx cdk8s-canary start sampleapp --version 0.2.0 && npx cdk8s-canary step sampleapp && npx cdk8s-canary step sampleapp && npx cdk8s-canary promote sampleapp --no-commit');
    const workingTree = await shAsync(dir, 'npx cdk8s-canary diff');
    await shAsync(dir, 'git add -A && git commit -qm "sampleapp: promote"');
    return { workingTree, committed: await shAsync(dir, 'npx cdk8s-canary diff HEAD~1 HEAD') };
  },
  /** The fleet: wave 1 to 10% (its commit), promoted, wave 2 opened and at 10%; status, traffic, diff; abort --all-waves. */
  fleet: async () => {
    const dir = projectCopy(env, [], { 'cdk8s-canary.yaml': fleetConfig(), 'releases/shop.yaml': fleetShop() });
    await shAsync(dir, 'npx cdk8s-canary synth && git add -A && git commit -qm "shop: first release"');
    await shAsync(dir, 'npx cdk8s-canary start shop --version 1.1.0 && npx cdk8s-canary step shop');
    const waveBody = await shAsync(dir, 'git log -1 --format=%B');
    await shAsync(dir, 'npx cdk8s-canary step shop && npx cdk8s-canary step shop && npx cdk8s-canary promote shop && npx cdk8s-canary next-wave shop && npx cdk8s-canary step shop');
    const transcripts: Record<string, Awaited<ReturnType<typeof recordTranscript>>> = {};
    for (const first of ['$ npx cdk8s-canary status shop', '$ npx cdk8s-canary traffic shop', '$ npx cdk8s-canary abort shop --all-waves']) {
      transcripts[first] = await recordTranscript(dir, fleetBlock(first));
    }
    return { dir, waveBody, transcripts };
  },
  /**
   * S2's workshop with canary 1.1.0 at 0%, verified against a server on 127.0.0.1 that answers only
   * testers (X-Canary: always): /healthz 200, /version the stable version (the check fails), / a title.
   */
  verify: async () => {
    const dir = projectCopy(env, ['releases/workshop.yaml']);
    await shAsync(dir, 'npx cdk8s-canary synth && git add -A && git commit -qm synth && npx cdk8s-canary start workshop --version 1.1.0');
    const server = await startServer((r) => (r.headers['x-canary'] !== 'always' ? { status: 404, body: 'not a tester' }
      : r.url === '/healthz' ? { status: 200, body: 'ok' }
        : r.url === '/version' ? { status: 200, body: '1.0.0' }
          : r.url === '/' ? { status: 200, body: '<html><title>Workshop</title></html>' } : { status: 404, body: '' }));
    try {
      const text = block({ section: SEC.s2, startsWith: '$ npx cdk8s-canary verify workshop' }).text;
      return { dir, url: server.url, steps: await recordTranscript(dir, text.replace('https://workshop.example.com', server.url), 1) };
    } finally {
      await server.close();
    }
  },
  /** webapp on one remote cluster, then a second cluster added: the Application webapp becomes webapp-east and webapp-west. */
  rename: async () => {
    const config = 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\nclusters:\n  - name: east\n    server: https://east.example.com:6443\n    kubeConfigSecretRef: { name: east-kubeconfig }\n';
    const dir = projectCopy(env, ['releases/webapp.yaml'], { 'cdk8s-canary.yaml': config });
    await shAsync(dir, 'npx cdk8s-canary synth && git add -A && git commit -qm synth');
    fs.appendFileSync(path.join(dir, 'cdk8s-canary.yaml'), '  - name: west\n    server: https://west.example.com:6443\n    kubeConfigSecretRef: { name: west-kubeconfig }\n');
    return shAsync(dir, 'npx cdk8s-canary validate', 2);
  },
  /** cart creates the Namespace shop, payment lives in it; removing cart is refused. */
  namespace: async () => {
    const release = (name: string, extra: string) => `${BLOCKS.find((b) => b.attrs.file === 'releases/shop.yaml')?.text}\n${extra}`
      .replace(/^name: shop$/m, `name: ${name}`).replace(/ghcr.io\/example\/shop/, `ghcr.io/example/${name}`).replace(/shop\.example\.com/, `${name}.example.com`);
    const dir = projectCopy(env, [], { 'releases/cart.yaml': release('cart', ''), 'releases/payment.yaml': release('payment', 'createNamespaces: false\n') });
    await shAsync(dir, 'npx cdk8s-canary synth && git add -A && git commit -qm synth && git rm -q releases/cart.yaml');
    return shAsync(dir, 'npx cdk8s-canary synth', 2);
  },
};
