/** `step --verify-url`: the validation gate in front of a weight step (real git, real HTTP on 127.0.0.1). */
import * as fs from 'fs';
import * as path from 'path';
import { readTree } from '../lib/manifests/files';
import { cli } from './support/cli';
import { cleanupTempDirs, git, log, porcelain, projectRepo } from './support/git-repo';
import { canaryBehindHeader, startServer } from './support/http-server';

afterAll(cleanupTempDirs);

/** The reference release workshop, started: canary 1.1.0 at 0%. */
const WORKSHOP_AT_0 = `${fs.readFileSync(path.join(__dirname, '../releases/workshop.yaml'), 'utf8')}canary:\n  version: 1.1.0\n  weight: 0\n`;

describe('step --verify-url', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  test('fails and makes no commit when the canary fails its checks', async () => {
    // GIVEN a repository whose workshop canary runs at 0%, and a canary that answers wrong
    const dir = projectRepo({ copy: [], specs: { workshop: WORKSHOP_AT_0 } });
    server = await startServer(canaryBehindHeader({ broken: true }));
    const history = log(dir);
    const status = porcelain(dir);
    const before = { dist: readTree(path.join(dir, 'dist')), spec: fs.readFileSync(path.join(dir, 'releases/workshop.yaml'), 'utf8') };
    // WHEN asked to step behind the gate
    const r = await cli(dir, 'step', 'workshop', '--verify-url', server.url);
    // THEN exit 1, the failed checks and the refusal printed, and nothing changed: no commit, same files
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL health GET \/healthz -> 500: expected status 200 \(3 attempt\(s\), \d+ ms\)$/m);
    expect(r.out).toMatch(/^FAIL version GET \/version -> 200: body does not contain '1\.1\.0' /m);
    expect(r.err).toBe(`verify workshop: 2 of 3 check(s) failed\nstep refused: the canary of workshop failed its checks at ${server.url}; nothing was changed or committed (fix the canary and retry, or abort it)`);
    expect(log(dir)).toEqual(history);
    expect(porcelain(dir)).toBe(status);
    expect(readTree(path.join(dir, 'dist'))).toEqual(before.dist);
    expect(fs.readFileSync(path.join(dir, 'releases/workshop.yaml'), 'utf8')).toBe(before.spec);
    // AND the checks reached the canary as a tester
    expect(server.seen.every((s) => s.headers['x-canary'] === 'always')).toBe(true);
  }, 30000);

  test('steps to 25% in one commit when every check passes', async () => {
    const dir = projectRepo({ copy: [], specs: { workshop: WORKSHOP_AT_0 } });
    server = await startServer(canaryBehindHeader());
    const history = log(dir);
    const r = await cli(dir, 'step', 'workshop', '--verify-url', server.url);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^verify workshop: all 3 check\(s\) passed$/m);
    // one new commit, which moved the weight to 25
    expect(log(dir).length).toBe(history.length + 1);
    expect(fs.readFileSync(path.join(dir, 'releases/workshop.yaml'), 'utf8')).toMatch(/^ {2}weight: 25$/m);
    expect(git(dir, 'show', '--stat', '--format=', 'HEAD')).not.toMatch(/workshop-canary-checks/);
    expect(porcelain(dir)).toBe('');
  }, 30000);

  test('fails with exit 2 and no commit on a bad URL', async () => {
    const dir = projectRepo({ copy: [], specs: { workshop: WORKSHOP_AT_0 } });
    const history = log(dir);
    const r = await cli(dir, 'step', 'workshop', '--verify-url', 'workshop.example.com');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: --url is not a URL (got "workshop.example.com"); use a base URL such as https://shop.example.com');
    expect(log(dir)).toEqual(history);
  });
});
