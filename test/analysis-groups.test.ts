import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli';
import { git, GIT_ENV, repoState, tempRepo } from './support/cli-repo';
import { requestSeries } from './support/analysis';
import { S3_TEXT } from './support/groups';
import { prometheusAvailable, PrometheusServer, startPrometheus } from './support/prometheus';

// Release groups under analysis (scenario S3, the entry app frontend-main), against one real
// Prometheus (Debian's package) for the file. Scenarios are told apart by the entry's newVersion:
// the canary's series carry version="<newVersion>".
const avail = prometheusAvailable(); // throws in CI when Prometheus is missing: never a silent skip
const maybe = avail.ok ? describe : describe.skip;
if (!avail.ok) {
  // eslint-disable-next-line no-console
  console.warn(`skipping the release-group analysis tests: ${avail.reason}`);
}

const GROUP = 'frontend-backend';
const NOW = Math.floor(Date.now() / 1000);
/** The commit that set the group's stage (and weight): 30 minutes ago. */
const SET = NOW - 30 * 60;
const FROM = NOW - 60 * 60;
const TO = NOW - 5;

let prom: PrometheusServer;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  if (!avail.ok) return;
  prom = await startPrometheus([
    ...requestSeries('frontend-main', '1.1', FROM, TO, 30, 0.03), // the mains (stable)
    ...requestSeries('frontend-main', '1.2', FROM, TO, 10, 1), // canary 1.2: 9% errors
    ...requestSeries('frontend-main', '1.3', FROM, TO, 10, 0.02), // canary 1.3: 0.2% errors
    // (canary 1.4: no series at all)
  ]);
}, 60000);

afterAll(async () => {
  for (const c of cleanups.reverse()) c();
  if (prom) await prom.stop();
});

interface GroupAt {
  readonly stage: number;
  readonly weight?: number;
  /** The entry's newVersion: picks the scenario's series. */
  readonly canary: string;
  readonly steps?: string;
  readonly autoPromote?: boolean;
  /** When the commit that set the stage was made. @default SET */
  readonly committedAt?: number;
}

/** The S3 group at a stage with an analysis section pointed at the test Prometheus. */
function groupText(g: GroupAt): string {
  return `${S3_TEXT
    .replace('steps: [30]', `steps: ${g.steps ?? '[30]'}`)
    .replace('stage: 1\n', `stage: ${g.stage}\n${g.weight !== undefined ? `weight: ${g.weight}\n` : ''}`)
    .replace('newVersion: "1.2"', `newVersion: "${g.canary}"`)}analysis:
  startDelay: 1m
${g.autoPromote ? '  autoPromote: true\n' : ''}  metrics:
    - name: error-rate
      provider: { prometheus: { address: "${prom.url}" } }
      query: >-
        sum(increase(http_requests_total{namespace="{{canary.namespace}}",version="{{canary.version}}",code="500"}[{{window}}]))
        / sum(increase(http_requests_total{namespace="{{canary.namespace}}",version="{{canary.version}}"}[{{window}}]))
      successCondition: result[0] <= 0.01
      sampleQuery: sum(increase(http_requests_total{namespace="{{namespace}}",version="{{version}}"}[{{window}}]))
      minSamples: 100
`;
}

/** GIVEN a repository holding the group (and its dist/) as `g` says, committed at `g.committedAt`. */
async function groupRepo(g: GroupAt): Promise<string> {
  const repo = tempRepo();
  cleanups.push(repo.cleanup);
  repo.write(`releases/${GROUP}.yaml`, groupText(g));
  const s = await cli(repo.root, 'synth');
  if (s.code !== 0) throw new Error(`synth failed: ${s.err}`);
  git(repo.root, 'add', '-A');
  const date = `@${g.committedAt ?? SET} +0000`;
  execFileSync('git', ['commit', '-q', '-m', `${GROUP} at stage ${g.stage}`], { cwd: repo.root, env: { ...GIT_ENV, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date }, stdio: 'ignore' });
  return repo.root;
}

function lastCommit(root: string): { subject: string; body: string; count: number; spec: string } {
  return {
    subject: git(root, 'log', '-1', '--format=%s').trim(),
    body: git(root, 'log', '-1', '--format=%b'),
    count: Number(git(root, 'rev-list', '--count', 'HEAD').trim()),
    spec: fs.readFileSync(path.join(root, 'releases', `${GROUP}.yaml`), 'utf8'),
  };
}

maybe('advance on a release group (S3), its entry canary judged by a real Prometheus', () => {
  test('GIVEN the entry canary answering 9% errors at stage 3 WHEN advance THEN it commits the group abort whose trailers carry the failing value', async () => {
    const root = await groupRepo({ stage: 3, weight: 30, canary: '1.2' });
    const r = await cli(root, 'advance');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^frontend-backend: error-rate 0\.09\d* \(success: result\[0\] <= 0\.01\) fail: 1 of 1 measurement\(s\) failed/m);
    expect(r.out).toMatch(/^frontend-backend: abort: the analysis failed$/m);
    expect(r.out).toMatch(/advance: 1 running canary with analysis: 1 abort, 0 step, 0 promote, 0 waiting/);
    const c = lastCommit(root);
    expect(c.subject).toMatch(/^frontend-backend: abort, stage 1\/6: abort from stage 3\/6: traffic back to the mains front first/);
    expect(c.body).toMatch(/^Release-Group: frontend-backend$/m);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.09\d* \(result\[0\] <= 0\.01\) fail$/m);
    expect(c.body).toMatch(/^Advance: the analysis failed$/m);
    expect(c.spec).toMatch(/^stage: 1$/m);
    expect(c.spec).not.toMatch(/^weight:/m);
    expect(git(root, 'status', '--porcelain')).toBe('');
  });

  test('GIVEN a passing entry canary at stage 3 below the top of the ladder WHEN advance THEN it commits the next rung; run again at once THEN it waits (the window re-opened)', async () => {
    const root = await groupRepo({ stage: 3, weight: 30, canary: '1.3', steps: '[30, 60]' });
    const r = await cli(root, 'advance', GROUP);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^frontend-backend: step: the analysis passes; next rung 60%$/m);
    const c = lastCommit(root);
    expect(c.subject).toBe(`${GROUP}: stage 3/6: frontend-main's Route split 40/60 between frontend-main and frontend-main-canary`);
    expect(c.body).toMatch(/^Entry-Weight: 60%$/m);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.00199\d* \(result\[0\] <= 0\.01\) pass$/m);
    expect(c.spec).toMatch(/^weight: 60$/m);
    const again = await cli(root, 'advance');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^frontend-backend: nothing to do: the analysis is inconclusive; nothing moved$/m);
    expect(lastCommit(root).count).toBe(c.count);
  });

  test('GIVEN a passing entry canary on a rung whose minSoak is not over WHEN advance THEN it waits and says how long', async () => {
    const root = await groupRepo({ stage: 3, weight: 30, canary: '1.3', steps: '[{weight: 30, minSoak: 1h}, 60]' });
    const before = repoState(root);
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^frontend-backend: nothing to do: the analysis passes, but (29m|30m)( \d+s)? of soak time is left at stage 3\/6 with 30%$/m);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN no data for the entry canary WHEN advance THEN it does nothing and says inconclusive', async () => {
    const root = await groupRepo({ stage: 3, weight: 30, canary: '1.4' });
    const before = repoState(root);
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^frontend-backend: error-rate no data .* inconclusive: .*too few samples: canary 0 < minSamples 100/m);
    expect(r.out).toMatch(/^frontend-backend: nothing to do: the analysis is inconclusive; nothing moved$/m);
    expect(repoState(root)).toEqual(before);
  });

  test('GIVEN stage 2 (canaries deployed, no user traffic) WHEN advance THEN it leaves the next move to a person and queries nothing', async () => {
    const root = await groupRepo({ stage: 2, canary: '1.2' });
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/error-rate/);
    expect(r.out).toMatch(/^frontend-backend: nothing to do: at stage 2\/6 the entry canary serves no user traffic, so there are no metrics to judge; take the next move yourself \(`npx cdk8s-canary next frontend-backend`\)/m);
  });

  test('GIVEN the top of the ladder WHEN advance THEN it promotes (next to stage 4) only when the spec allows autoPromote; then stage 4 -> 5 -> 6, one stage per run', async () => {
    const held = await groupRepo({ stage: 3, weight: 30, canary: '1.3' });
    const h = await cli(held, 'advance');
    expect(h.out).toMatch(/^frontend-backend: nothing to do: the analysis passes at the top of the ladder; promoting is a person's call \(analysis\.autoPromote is false\): `npx cdk8s-canary next frontend-backend`$/m);
    const auto = await groupRepo({ stage: 3, weight: 30, canary: '1.3', autoPromote: true });
    const a = await cli(auto, 'advance');
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^frontend-backend: promote: the analysis passes at the top of the ladder and the spec allows autoPromote: next to stage 4\/6$/m);
    expect(lastCommit(auto).subject).toMatch(/^frontend-backend: stage 4\/6: all traffic on the canaries/);
    expect(lastCommit(auto).body).toMatch(/^Analysis: error-rate 0\.00\d+ \(result\[0\] <= 0\.01\) pass$/m);
    // stage 4 (committed 30 minutes ago): the entry canary still serves everyone, so it is judged again
    const four = await groupRepo({ stage: 4, canary: '1.3', autoPromote: true });
    const f = await cli(four, 'advance');
    expect(f.out).toMatch(/^frontend-backend: promote: the analysis passes and the spec allows autoPromote: next to stage 5\/6$/m);
    expect(lastCommit(four).subject).toMatch(/^frontend-backend: stage 5\/6: frontend-main's Route back to frontend-main/);
    // stage 5: the entry canary is gone; after startDelay (sync time) advance finishes the promotion
    const five = await groupRepo({ stage: 5, canary: '1.2', autoPromote: true });
    const v = await cli(five, 'advance');
    expect(v.out).not.toMatch(/error-rate/);
    expect(v.out).toMatch(/^frontend-backend: promote: the promotion goes on \(analysis\.autoPromote\): next to stage 6\/6$/m);
    const c = lastCommit(five);
    expect(c.subject).toMatch(/^frontend-backend: stage 6\/6: backend-main's Route back to backend-main/);
    expect(c.body).toMatch(/^Analysis: skipped at stage 5\/6 \(the entry canary is gone: nothing left to judge\)$/m);
    // AND right after a stage-5 commit it waits for the startDelay first
    // (committed 10 s before now, not before NOW: on a loaded machine the tests above take a while;
    // up to 20 s more for making the repository and running advance)
    const fresh = await groupRepo({ stage: 5, canary: '1.2', autoPromote: true, committedAt: Math.floor(Date.now() / 1000) - 10 });
    expect((await cli(fresh, 'advance')).out).toMatch(/^frontend-backend: nothing to do: (3\d|4\d|50)s of the analysis' startDelay \(sync time\) is left at stage 5\/6$/m);
  });

  test('GIVEN a failing entry canary at stage 4 WHEN advance THEN it aborts even without autoPromote (abort is allowed at stages 2-4)', async () => {
    const root = await groupRepo({ stage: 4, canary: '1.2' });
    const r = await cli(root, 'advance');
    expect(r.code).toBe(0);
    expect(lastCommit(root).subject).toMatch(/^frontend-backend: abort, stage 1\/6: abort from stage 4\/6/);
  });

  test('GIVEN a group named with a release that has no canary WHEN advance names both THEN the release is skipped with why, the group moves; an unknown name is bad input (exit 2)', async () => {
    const root = await groupRepo({ stage: 3, weight: 30, canary: '1.2' });
    fs.copyFileSync(path.join(__dirname, '../releases/webapp.yaml'), path.join(root, 'releases/webapp.yaml'));
    expect((await cli(root, 'synth')).code).toBe(0);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'webapp');
    const r = await cli(root, 'advance', 'webapp', GROUP);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^webapp: nothing to do: no canary running$/m);
    expect(r.out).toMatch(/^frontend-backend: abort: the analysis failed$/m);
    const bad = await cli(root, 'advance', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown release 'nope'/);
  });
});

maybe('the analysis gate of a release group\'s step and next', () => {
  test('GIVEN a failing entry canary WHEN next (or step) at stage 3 THEN it is refused (exit 1, nothing changed); with --force it moves and records the override', async () => {
    const root = await groupRepo({ stage: 3, weight: 30, canary: '1.2', steps: '[30, 60]' });
    const before = repoState(root);
    for (const verb of ['next', 'step']) {
      const r = await cli(root, verb, GROUP);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^error: ${verb} refused: the analysis of release group frontend-backend failed; nothing was changed or committed\\nerror-rate: fail: 1 of 1 measurement\\(s\\) failed`, 'm'));
      expect(r.err).toMatch(/abort it \(`npx cdk8s-canary abort frontend-backend`\), or pass --force/);
      expect(repoState(root)).toEqual(before);
    }
    const forced = await cli(root, 'next', GROUP, '--force');
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/warning: the analysis of release group frontend-backend is fail, moving on anyway \(--force\)/);
    const c = lastCommit(root);
    expect(c.spec).toMatch(/^weight: 60$/m);
    expect(c.body).toMatch(/^Analysis: error-rate 0\.09\d* \(result\[0\] <= 0\.01\) fail$/m);
    expect(c.body).toMatch(/^Analysis-Override: fail \(--force\)$/m);
  });

  test('GIVEN no data WHEN next at stage 4 THEN it is refused with exit 3 (inconclusive); a passing canary lets next through with its trailers', async () => {
    const none = await groupRepo({ stage: 4, canary: '1.4' });
    const n = await cli(none, 'next', GROUP);
    expect(n.code).toBe(3);
    expect(n.err).toMatch(/next refused: the analysis of release group frontend-backend is inconclusive/);
    const good = await groupRepo({ stage: 4, canary: '1.3' });
    const g = await cli(good, 'next', GROUP);
    expect(g.code).toBe(0);
    expect(lastCommit(good).body).toMatch(/^Analysis: error-rate 0\.00\d+ \(result\[0\] <= 0\.01\) pass$/m);
  });

  test('GIVEN stage 2 WHEN next THEN the analysis is skipped and recorded (no user traffic); set-weight and abort are never gated', async () => {
    const two = await groupRepo({ stage: 2, canary: '1.2' });
    expect((await cli(two, 'next', GROUP)).code).toBe(0);
    expect(lastCommit(two).body).toMatch(/^Analysis: skipped at stage 2\/6 \(the canaries serve no user traffic yet; the smoke checks gate this move\)$/m);
    const three = await groupRepo({ stage: 3, weight: 30, canary: '1.2' });
    const w = await cli(three, 'set-weight', GROUP, '10');
    expect(w.code).toBe(0);
    expect(lastCommit(three).body).not.toMatch(/^Analysis/m);
    const a = await cli(three, 'abort', GROUP);
    expect(a.code).toBe(0);
    expect(lastCommit(three).body).not.toMatch(/^Analysis/m);
  });
});
