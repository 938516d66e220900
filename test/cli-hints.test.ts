/**
 * Every hint the CLI prints names a command that works in the state it was printed in (issue 20,
 * items 5, 6, 12, 15 and 4). Each case brings a repository into a state, takes the backquoted
 * commands of the message (`npx cdk8s-canary ...`, `git ...`), runs them as written (placeholders
 * such as VERSION filled in) and checks they succeed and lead on. Moves offered as alternatives are
 * checked with --dry-run. The CLI runs in-process; git through bash, as a user would type it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { run } from '../lib/cli/main';
import { cleanupTempDirs, git, log, porcelain, projectRepo, tempDir } from './support/git-repo';
import { specText } from './support/specs';

afterAll(cleanupTempDirs);

interface Result { code: number; out: string; err: string }

async function cli(dir: string, args: readonly string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['node', 'cdk8s-canary', '-C', dir, ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The commands a message offers, in order: backquoted `npx cdk8s-canary ...` and `git ...`. */
function hintsOf(message: string): string[] {
  return [...message.matchAll(/`((?:npx cdk8s-canary|git) [^`]+)`/g)].map((m) => m[1]);
}

/** Shell words of a command line (single and double quotes). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

let filled = 0;
/** Values for placeholders: a new version each time (a hint may be followed twice in one repository). */
const FILL: Record<string, () => string> = { VERSION: () => `9.9.${filled++}`, TYPE: () => 'nginx' };

/** Runs one hint as written in `dir`; `dryRun` adds --dry-run to a move. Placeholders get values. */
async function follow(dir: string, hint: string, opts: { dryRun?: boolean } = {}): Promise<Result> {
  const line = hint.replace(/\b(VERSION|TYPE)\b/g, (k) => FILL[k]());
  if (line.startsWith('npx cdk8s-canary ')) {
    const args = words(line.slice('npx cdk8s-canary '.length));
    return cli(dir, opts.dryRun ? [...args, '--dry-run'] : args);
  }
  try {
    const out = execFileSync('bash', ['-c', line], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out, err: '' };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout, err: x.stderr };
  }
}

async function refused(dir: string, args: readonly string[]): Promise<string[]> {
  const r = await cli(dir, args);
  expect(r.code).toBe(2);
  const hints = hintsOf(r.err);
  expect(hints.length).toBeGreaterThan(0);
  return hints;
}

describe('release hints', () => {
  let dir: string;
  beforeAll(() => { dir = projectRepo({ copy: ['webapp.yaml'] }); });

  test('GIVEN no canary WHEN step is refused THEN its start hint starts one', async () => {
    const [hint] = await refused(dir, ['step', 'webapp']);
    expect(hint).toBe('npx cdk8s-canary start webapp --version VERSION');
    expect(await follow(dir, hint)).toMatchObject({ code: 0 });
  });

  test('GIVEN a canary WHEN start is refused THEN both of its hints (promote, abort) are accepted', async () => {
    const hints = await refused(dir, ['start', 'webapp', '--version', '3.0.0']);
    expect(hints).toEqual(['npx cdk8s-canary promote webapp', 'npx cdk8s-canary abort webapp']);
    for (const h of hints) expect(await follow(dir, h, { dryRun: true })).toMatchObject({ code: 0 });
  });

  test('GIVEN a move WHEN it prints its next line THEN that command is accepted, up to promote', async () => {
    for (let i = 0; i < 5; i++) {
      const s = JSON.parse((await cli(dir, ['status', 'webapp', '--json'])).out).releases[0];
      const [hint] = hintsOf(`\`${s.next.command}\``);
      if (s.next.move === 'promote') break;
      const r = await follow(dir, hint);
      expect(r.code).toBe(0);
      const [next] = hintsOf(r.out);
      expect(next).toMatch(/^npx cdk8s-canary (step|promote) webapp$/);
    }
    const top = await refused(dir, ['step', 'webapp']);
    expect(top).toEqual(['npx cdk8s-canary promote webapp']);
    expect(await follow(dir, top[0])).toMatchObject({ code: 0 });
  });

  test('GIVEN verify without a canary THEN its start hint works', async () => {
    fs.writeFileSync(path.join(dir, 'releases', 'webapp.yaml'), `${fs.readFileSync(path.join(dir, 'releases', 'webapp.yaml'), 'utf8')}checks:\n  - name: health\n    path: /healthz\n`);
    expect((await cli(dir, ['synth'])).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'checks');
    const [hint] = await refused(dir, ['verify', 'webapp', '--url', 'http://127.0.0.1:9']);
    const r = await follow(dir, hint, { dryRun: true });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  test('GIVEN an unknown name THEN the status it points to works', async () => {
    const hints = await refused(dir, ['promote', 'webap']);
    expect(hints).toEqual(['npx cdk8s-canary status']);
    expect(await follow(dir, hints[0])).toMatchObject({ code: 0 });
  });

  test('GIVEN a spec never committed WHEN start is refused THEN synth, the git commit it names, and start again work', async () => {
    fs.writeFileSync(path.join(dir, 'releases', 'shop.yaml'), specText('shop'));
    const hints = await refused(dir, ['start', 'shop', '--version', '2.0.0']);
    expect(hints).toEqual(['npx cdk8s-canary synth', 'git add releases/shop.yaml dist && git commit -m "shop: first release"']);
    for (const h of hints) expect(await follow(dir, h)).toMatchObject({ code: 0 });
    expect(porcelain(dir)).toBe('');
    expect((await cli(dir, ['start', 'shop', '--version', '2.0.0'])).code).toBe(0);
  });

  test('GIVEN a changed spec and an untracked file in its dist/ folder WHEN a move is refused THEN the stash it names clears the way', async () => {
    fs.appendFileSync(path.join(dir, 'releases', 'shop.yaml'), '# a local note\n');
    fs.writeFileSync(path.join(dir, 'dist', 'shop', 'shop', 'notes.yaml'), 'a: 1\n');
    const hints = await refused(dir, ['step', 'shop']);
    expect(hints).toEqual(['git stash push --include-untracked -- releases/shop.yaml dist/shop/shop/notes.yaml']);
    expect(await follow(dir, hints[0])).toMatchObject({ code: 0 });
    expect((await cli(dir, ['step', 'shop'])).code).toBe(0);
    git(dir, 'stash', 'drop', '-q');
  });

  test('GIVEN a dist/ folder that is not what its spec synthesizes THEN synth and a commit make the move possible', async () => {
    const f = path.join(dir, 'dist', 'shop', 'shop', 'httproute-shop.yaml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/weight: (\d+)/, (_m, w) => `weight: ${Number(w) + 1}`));
    git(dir, 'commit', '-qam', 'hand edit');
    const hints = await refused(dir, ['step', 'shop']);
    expect(hints).toEqual(['npx cdk8s-canary synth']);
    expect(await follow(dir, hints[0])).toMatchObject({ code: 0 });
    git(dir, 'commit', '-qam', 'synth');
    expect((await cli(dir, ['step', 'shop'])).code).toBe(0);
  });
});

describe('release group hints (S3)', () => {
  const GROUP = 'frontend-backend';
  let dir: string;
  beforeAll(() => { dir = projectRepo({ copy: ['frontend-backend.yaml'] }); });

  /** Edits the group as the stage-6 message says: version := newVersion, newVersion := `to`, stage: 1. */
  function editNextRelease(d: string, to: (app: { version: string; newVersion: string }) => string): void {
    const file = path.join(d, 'releases', `${GROUP}.yaml`);
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    const apps = doc.get('apps') as { items: unknown[] };
    apps.items.forEach((_a, i) => {
      const version = String(doc.getIn(['apps', i, 'version']));
      const newVersion = String(doc.getIn(['apps', i, 'newVersion']));
      doc.setIn(['apps', i, 'version'], newVersion);
      doc.setIn(['apps', i, 'newVersion'], to({ version, newVersion }));
    });
    doc.set('stage', 1);
    fs.writeFileSync(file, doc.toString());
  }

  test('GIVEN stage 1 WHEN step is refused THEN the next it names is accepted', async () => {
    const hints = await refused(dir, ['step', GROUP]);
    expect(hints).toEqual([`npx cdk8s-canary next ${GROUP}`]);
    expect(await follow(dir, hints[0], { dryRun: true })).toMatchObject({ code: 0 });
  });

  test('GIVEN stage 5 WHEN abort is refused THEN its next finishes the release', async () => {
    for (let i = 0; i < 4; i++) expect((await cli(dir, ['next', GROUP])).code).toBe(0);
    const hints = await refused(dir, ['abort', GROUP]);
    expect(hints).toEqual([`npx cdk8s-canary next ${GROUP}`]);
    expect(await follow(dir, hints[0])).toMatchObject({ code: 0 });
  });

  test.each([
    ['next', (a: { newVersion: string }) => `${a.newVersion}.1`],
    ['abort', (a: { version: string }) => a.version],
    ['step', (a: { newVersion: string }) => `${a.newVersion}.1`],
  ] as const)('GIVEN a complete group (stage 6) WHEN %s is refused THEN the edits it describes, synth, commit and next start the next release', async (verb, to) => {
    const copy = tempDir('hints-s3-');
    fs.cpSync(dir, copy, { recursive: true });
    const r = await cli(copy, [verb, GROUP]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/edit releases\/frontend-backend\.yaml: set each app's version to its newVersion \(frontend-main 1\.1 -> 1\.2, backend-main 1\.1 -> 1\.2\), set newVersion to .* and set stage: 1/);
    const hints = hintsOf(r.err);
    expect(hints).toEqual(['npx cdk8s-canary synth', `git add releases/${GROUP}.yaml dist && git commit -m "${GROUP}: next release"`, `npx cdk8s-canary next ${GROUP}`]);
    editNextRelease(copy, to as (a: { version: string; newVersion: string }) => string);
    const before = log(copy).length;
    for (const h of hints) expect(await follow(copy, h)).toMatchObject({ code: 0 });
    expect(log(copy)).toHaveLength(before + 2);
    const s = JSON.parse((await cli(copy, ['status', GROUP, '--json'])).out).groups[0];
    expect(s.stage.index).toBe(2);
  });
});
