import { abortMove, applyOrder, describePosition, groupState, GroupState, nextMove, setWeightMove, stepMove } from '../lib/rollout/group';
import { GroupStage } from '../lib/spec/group';
import { at, ChangePattern, groupFromText, PATTERNS, s3Group, s3Text } from './support/groups';

const F = 'frontend-main';
const B = 'backend-main';
const FC = 'frontend-main-canary';
const BC = 'backend-main-canary';
const STAGES: readonly GroupStage[] = [1, 2, 3, 4, 5, 6];

function app(s: GroupState, name: string) {
  const a = s.apps.find((x) => x.app === name);
  if (!a) throw new Error(`no app ${name}`);
  return a;
}

/** S3's figures 1-6 as data: which canaries exist, the main Routes' shares, the main versions. */
function expected(stage: GroupStage, pattern: ChangePattern) {
  const newF = pattern === 'B' ? '1.1' : '1.2';
  const newB = pattern === 'F' ? '1.1' : '1.2';
  return {
    fCanary: stage >= 2 && stage <= 4,
    bCanary: stage >= 2 && stage <= 5,
    fRoute: stage === 3 ? [[F, 70], [FC, 30]] : stage === 4 ? [[F, 0], [FC, 100]] : [[F, 100]],
    bRoute: stage === 4 || stage === 5 ? [[B, 0], [BC, 100]] : [[B, 100]],
    fMain: stage >= 4 ? newF : '1.1',
    bMain: stage >= 4 ? newB : '1.1',
    fCanaryVersion: newF,
    bCanaryVersion: newB,
  };
}

describe('group stage machine (pure): S3 stages 1-6 for every change pattern', () => {
  for (const pattern of PATTERNS) {
    for (const stage of STAGES) {
      test(`pattern ${pattern}, stage ${stage}: canaries, Route shares, versions and calls match S3`, () => {
        // GIVEN the S3 group where ${pattern} changes, at this stage (70/30 at stage 3)
        const g = at(s3Group(pattern), stage, 30);
        const e = expected(stage, pattern);
        // WHEN its state is computed
        const s = groupState(g);
        const f = app(s, F);
        const b = app(s, B);
        // THEN exactly the canaries of the stage exist
        expect(f.canary !== undefined).toBe(e.fCanary);
        expect(b.canary !== undefined).toBe(e.bCanary);
        // AND the main Routes send traffic as S3's figure says
        expect(f.main.route?.map((x) => [x.service, x.percent])).toEqual(e.fRoute);
        expect(b.main.route?.map((x) => [x.service, x.percent])).toEqual(e.bRoute);
        // AND the mains run (and are labelled with) the version of the stage
        expect([f.main.version, f.main.versionLabel, b.main.version, b.main.versionLabel]).toEqual([e.fMain, e.fMain, e.bMain, e.bMain]);
        // AND the mains always call the callee's main Route
        expect(f.main.calls['backendmain.url']).toEqual({ app: B, dcName: B });
        if (f.canary) {
          // AND F's canary runs F's new image (or production's when F does not change), labelled version=canary,
          // has no Route of its own, and calls B's canary, which exists whenever F's does
          expect([f.canary.version, f.canary.versionLabel, f.canary.route]).toEqual([e.fCanaryVersion, 'canary', undefined]);
          expect(f.canary.calls['backendmain.url']).toEqual({ app: B, dcName: BC });
          expect(b.canary).toBeDefined();
        }
        if (b.canary) {
          // AND B's canary has its own Route (CANARY_URL_REQ), all to itself
          expect([b.canary.version, b.canary.versionLabel]).toEqual([e.bCanaryVersion, 'canary']);
          expect(b.canary.route?.map((x) => [x.service, x.percent])).toEqual([[BC, 100]]);
        }
        // AND every Route's shares sum to 100
        for (const a of s.apps) for (const i of [a.main, a.canary]) if (i?.route) expect(i.route.reduce((n, x) => n + x.percent, 0)).toBe(100);
      });
    }
  }

  test('a three-app chain: the middle canary calls the bottom canary, callees keep their canaries until stage 6', () => {
    // GIVEN web -> api -> db, all changing
    const g = groupFromText(s3Text([
      [['entry'], 'web'],
      [['apps'], [
        { name: 'web', image: 'quay.io/x/web', version: '1', newVersion: '2', calls: [{ app: 'api', configKey: 'api.url' }] },
        { name: 'api', image: 'quay.io/x/api', version: '1', newVersion: '2', calls: [{ app: 'db', configKey: 'db.url' }] },
        { name: 'db', image: 'quay.io/x/db', version: '1', newVersion: '2' },
      ]],
    ]));
    // THEN canaries are created bottom-up and folders are applied callers first
    expect(g.bottomUp).toEqual(['db', 'api', 'web']);
    expect(applyOrder(g)).toEqual(['web', 'api', 'db']);
    // AND at stage 2 api's canary calls db's canary and both callees get their own Route
    const s2 = groupState(at(g, 2));
    expect(app(s2, 'api').canary?.calls['db.url'].dcName).toBe('db-canary');
    expect(app(s2, 'api').canary?.route).toBeDefined();
    expect(app(s2, 'db').canary?.route).toBeDefined();
    expect(app(s2, 'web').canary?.route).toBeUndefined();
    // AND at stage 5 only web's canary is gone; at stage 6 none is left
    expect(groupState(at(g, 5)).apps.filter((a) => a.canary).map((a) => a.app)).toEqual(['api', 'db']);
    expect(groupState(at(g, 6)).apps.filter((a) => a.canary)).toEqual([]);
  });
});

describe('group moves', () => {
  test('next walks 1 -> 2 -> 3 (70/30) -> 4 -> 5 -> 6 and then refuses', () => {
    // GIVEN the reference group (ladder [30]) at stage 1
    let g = s3Group();
    const seen: string[] = [];
    // WHEN next is applied until it refuses
    for (;;) {
      let m;
      try { m = nextMove(g); } catch (e) { seen.push(`refused: ${(e as Error).message}`); break; }
      seen.push(`${m.to.stage}${m.to.weight !== undefined ? `@${m.to.weight}` : ''}: ${m.title}`);
      g = at(g, m.to.stage, m.to.weight);
    }
    // THEN the six stages of S3 come in order, one move each
    expect(seen.map((s) => s.split(':')[0])).toEqual(['2', '3@30', '4', '5', '6', 'refused']);
    expect(seen[0]).toMatch(/canaries deployed bottom-up \(backend-main-canary with its own Route, frontend-main-canary\)/);
    expect(seen[1]).toMatch(/frontend-main's Route split 70\/30 between frontend-main and frontend-main-canary/);
    expect(seen[2]).toMatch(/all traffic on the canaries; mains upgraded \(frontend-main 1\.2, backend-main 1\.2\)/);
    expect(seen[3]).toMatch(/frontend-main's Route back to frontend-main \(1\.2\), frontend-main-canary deleted/);
    expect(seen[4]).toMatch(/backend-main's Route back to backend-main \(1\.2\), backend-main-canary deleted/);
    expect(seen[5]).toMatch(/group frontend-backend is complete \(stage 6\/6\)/);
  });

  test('next climbs a longer ladder at stage 3 before promoting; step and set-weight work there', () => {
    // GIVEN a ladder 10, 30 at stage 3 on its first step
    const g = at(groupFromText(s3Text([[['steps'], [10, 30]]])), 3, 10);
    // THEN next and step go to 30, and from 30 next promotes while step refuses
    expect(nextMove(g).to).toEqual({ stage: 3, weight: 30 });
    expect(stepMove(g).to).toEqual({ stage: 3, weight: 30 });
    expect(nextMove(at(g, 3, 30)).to).toEqual({ stage: 4 });
    expect(() => stepMove(at(g, 3, 30))).toThrow(/at the top of the ladder \(30%\); `npx cdk8s-canary next frontend-backend` promotes \(stage 4\/6\)/);
    // AND set-weight holds any weight at stage 3
    expect(setWeightMove(g, 5).to).toEqual({ stage: 3, weight: 5 });
    expect(setWeightMove(g, 5).title).toMatch(/split 95\/5/);
  });

  test('fails to step or set-weight outside stage 3; setting the current weight is a move that changes nothing', () => {
    const g = s3Group();
    expect(() => stepMove(at(g, 2))).toThrow(/is at stage 2\/6: step moves the entry weight at stage 3 only; use `npx cdk8s-canary next frontend-backend`/);
    expect(() => setWeightMove(at(g, 4), 10)).toThrow(/set-weight changes the entry split at stage 3 only/);
    expect(setWeightMove(at(g, 3, 30), 30).changes).toBe(false);
    expect(setWeightMove(at(g, 3, 30), 40).changes).toBe(true);
    expect(() => setWeightMove(at(g, 3, 30), 101)).toThrow(/weight must be a whole number from 0 to 100 \(got "101"\)/);
  });

  test('abort from stages 2, 3 and 4 goes back to mains only, front first', () => {
    for (const stage of [2, 3, 4] as const) {
      // GIVEN the group at the stage WHEN aborted
      const m = abortMove(at(s3Group(), stage));
      // THEN it lands on stage 1 (mains at their production version) and says front first
      expect(m.to).toEqual({ stage: 1 });
      expect(m.title).toMatch(new RegExp(`abort from stage ${stage}/6: traffic back to the mains front first \\(frontend-main, backend-main\\)`));
      const s = groupState(at(s3Group(), m.to.stage));
      expect(s.apps.map((a) => [a.app, a.canary, a.main.version])).toEqual([[F, undefined, '1.1'], [B, undefined, '1.1']]);
    }
  });

  test('fails to abort with nothing to abort (stage 1) or after the entry was promoted (stages 5, 6)', () => {
    expect(() => abortMove(s3Group())).toThrow(/stage 1\/6: no canary runs, nothing to abort/);
    expect(() => abortMove(at(s3Group(), 5))).toThrow(/frontend-main already serves 1\.2 from its main and its canary is gone/);
    expect(() => abortMove(at(s3Group(), 6))).toThrow(/nothing to abort/);
  });

  test('describePosition names S3 facts at every stage', () => {
    const g = s3Group();
    expect(STAGES.map((s) => describePosition(g, s === 3 ? { stage: 3, weight: 30 } : { stage: s }))).toEqual([
      'stage 1/6: mains only (frontend-main 1.1, backend-main 1.1), 100% to frontend-main',
      'stage 2/6: canaries deployed bottom-up (backend-main-canary with its own Route, frontend-main-canary), no user traffic on them yet',
      "stage 3/6: frontend-main's Route split 70/30 between frontend-main and frontend-main-canary",
      'stage 4/6: all traffic on the canaries; mains upgraded (frontend-main 1.2, backend-main 1.2)',
      "stage 5/6: frontend-main's Route back to frontend-main (1.2), frontend-main-canary deleted",
      "stage 6/6: backend-main's Route back to backend-main (1.2), backend-main-canary deleted",
    ]);
  });
});
