/**
 * The README's examples against the real CLI (issue 20): the blocks marked `checked` run in
 * temporary repositories and their output is compared (see test/support/readme.ts for the markers),
 * and every `npx cdk8s-canary ...` the README shows anywhere parses as a real command with real options
 * and arguments. A section opts in by marking its blocks; nothing else is needed.
 *
 * How the lines run (the suite's time is mostly Node start-ups of the CLI): a line, or a part of a
 * line between ` && `, that is only `npx cdk8s-canary ARGS` of plain words runs the CLI in-process
 * (`runLineMixed` of test/support/readme.ts: `run` of lib/cli/main in the session's folder and
 * environment, stdout and stderr in the order printed, its exit code); everything else (pipes, git,
 * kubectl, variables, `VAR=... npx ...`) runs with bash as before. The process itself is still what a
 * reader runs in a sample: every line of a block that expects a non-zero exit (the exit code is the
 * process's) and every SHIM_EVERY-th other CLI call in README order run through bash and the `npx`
 * shim (the compiled CLI, bin/cdk8s-canary.js), compared the same way.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CommanderError } from 'commander';
import { buildProgram } from '../lib/cli/main';
import { cleanupTempDirs, tempDir } from './support/git-repo';
import { REPO } from './support/project';
import { cliInvocations, outputMatches, readmeBlocks, runLineMixed, shCommands, shimDir, transcript } from './support/readme';
import { README_FIXTURES, ReadmeFixture } from './support/readme-fixtures';

afterAll(cleanupTempDirs);

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const blocks = readmeBlocks(README);
const checked = blocks.filter((b) => b.attrs.checked !== undefined);

/** What a session repository copies from the project: the specs, dist/, the settings, and the app folders specs name. */
const SESSION_PATHS = ['releases', 'dist', 'cdk8s-canary.yaml', 'cdk8s.yaml', 'test/fixtures'];

/**
 * The session repository every session starts from (built once, in beforeAll): a git repository holding
 * the project's releases, dist/ and settings (what a clone has of them), committed, its objects in one
 * pack, without git's sample hooks (`--template=`: inert files, copied for nothing). A session gets a
 * copy of it (`sessionRepo`): the same files and commit, without a git init/add/commit and a loose
 * object per file each.
 */
let template: string;
function templateRepo(): string {
  const dir = tempDir('readme-template-');
  for (const p of SESSION_PATHS) if (fs.existsSync(path.join(REPO, p))) fs.cpSync(path.join(REPO, p), path.join(dir, p), { recursive: true });
  execFileSync('bash', ['-c', 'git init -q -b main --template= && git add -A && git commit -q -m "the reference releases" && git repack -adq'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return dir;
}

/** A session's own repository: a copy of the template (the project's releases, dist/ and settings, committed). */
function sessionRepo(): string {
  const dir = tempDir('readme-');
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  const home = tempDir('readme-home-');
  env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_CANARY_'))),
    PATH: `${shimDir(path.join(home, 'bin'))}:${process.env.PATH}`,
    HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Reader', GIT_AUTHOR_EMAIL: 'reader@example.com', GIT_COMMITTER_NAME: 'Reader', GIT_COMMITTER_EMAIL: 'reader@example.com',
    CDK8S_CHECK_UPGRADE: 'false', NO_COLOR: '1', LC_ALL: 'C',
  };
  template = templateRepo();
});

test('the README has checked examples, and every checked block is of a kind the test runs', () => {
  expect(checked.length).toBeGreaterThanOrEqual(8);
  for (const b of checked) {
    const runnable = b.attrs.file !== undefined || ['console', 'sh', 'bash'].includes(b.lang);
    if (!runnable) throw new Error(`README.md:${b.line}: a checked block needs file=PATH or the language console or sh`);
  }
});

/** One CLI call in this many (of blocks expecting exit 0) runs through bash and the shim, the compiled CLI; the others in-process. */
const SHIM_EVERY = 4;
let cliCalls = 0;

const sessions = new Map<string, typeof checked>();
for (const b of checked) {
  const key = b.attrs.session ?? b.section;
  sessions.set(key, [...(sessions.get(key) ?? []), b]);
}

/** The fixture a session's blocks name (at most one), checked to exist. */
function fixtureOf(name: string, bs: typeof checked): string | undefined {
  const names = [...new Set(bs.map((b) => b.attrs.fixture).filter((f): f is string => f !== undefined))];
  if (names.length > 1) throw new Error(`README session ${name} names more than one fixture: ${names.join(', ')}`);
  if (names[0] !== undefined && !README_FIXTURES[names[0]]) throw new Error(`README.md:${bs.find((b) => b.attrs.fixture)?.line}: unknown fixture ${names[0]}; known: ${Object.keys(README_FIXTURES).join(', ')}`);
  return names[0];
}

describe.each([...sessions].map(([name, bs]) => [name, bs]))('README section "%s"', (name, bs) => {
  const fixture = fixtureOf(name, bs);
  const unavailable = fixture === undefined ? undefined : README_FIXTURES[fixture].unavailable();
  if (unavailable) {
    // eslint-disable-next-line no-console
    console.warn(`skipping the README session ${name}: ${unavailable}`);
    test.skip(`README session ${name} (needs ${fixture})`, () => undefined);
    return;
  }
  let dir: string;
  let sessionEnv: NodeJS.ProcessEnv;
  let setUp: ReadmeFixture | undefined;
  beforeAll(async () => {
    dir = sessionRepo();
    sessionEnv = env;
    if (fixture !== undefined) {
      setUp = await README_FIXTURES[fixture].setUp({ dir, env, readme: README });
      sessionEnv = { ...env, ...setUp.env };
    }
  }, 120000);
  afterAll(async () => { await setUp?.cleanup(); });

  test.each(bs.map((b) => [`README.md:${b.line} (${b.lang}${b.attrs.file ? ` ${b.attrs.file}` : ''})`, b]))('%s', async (_where, b) => {
    if (b.attrs.file !== undefined) {
      const target = path.join(dir, b.attrs.file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${b.text}\n`);
      return;
    }
    const exit = Number(b.attrs.exit ?? 0);
    const steps = b.lang === 'console' ? transcript(b.text) : shCommands(b.text).map((command) => ({ command, expected: undefined }));
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) {
      const r = await runLineMixed(dir, s.command, sessionEnv, () => exit !== 0 || cliCalls++ % SHIM_EVERY === 0);
      const where = `README.md:${b.line}: $ ${s.command}`;
      if (r.code !== exit) throw new Error(`${where}\nexit ${r.code}, expected ${exit}; it printed:\n${r.output.join('\n')}`);
      if (s.expected && !outputMatches(s.expected, r.output)) {
        throw new Error(`${where}\nprinted:\n${r.output.join('\n')}\n\nthe README shows:\n${s.expected.join('\n')}`);
      }
    }
  });
});

describe('every npx cdk8s-canary command the README shows parses against the real command tree', () => {
  let dir: string;
  // the template itself: parsing stops before any action runs, and the sessions copied it already
  beforeAll(() => { dir = template; });
  const calls = cliInvocations(README).filter((c) => c.args.length > 0);

  test('there are such commands', () => expect(calls.length).toBeGreaterThan(30));

  test.each(calls.map((c) => [`README.md:${c.line}: ${c.text}`, c.args]))('%s', async (_where, args) => {
    const err: string[] = [];
    let parsed = false;
    const program = buildProgram({ out: () => undefined, err: (l) => err.push(l) }, () => undefined);
    // after the project is found and the arguments and options are checked, stop before the action runs
    program.hook('preAction', () => { parsed = true; throw new Error('parsed'); });
    await program.parseAsync(['-C', dir, ...args], { from: 'user' }).catch((e: Error) => {
      if (e instanceof CommanderError && e.exitCode === 0) parsed = true; // --help, --version
      else if (!parsed) err.push(e.message);
    });
    if (!parsed) throw new Error(`does not parse: ${err.join('\n')}`);
  });
});
