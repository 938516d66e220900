import { abortMove, nextMove, setWeightMove, stepMove } from '../lib/rollout/group';
import { decideGroupAdvance, groupAdvanceRuns, groupAnalysisRule, groupMoveLeavesSoak } from '../lib/rollout/group-advance';
import { groupFromText, s3Text } from './support/groups';

// The pure rules of release groups under analysis (lib/rollout/group-advance.ts): which moves the
// analysis gate judges, which soak a move leaves, and what advance does at each stage.
const ANALYSIS = { metrics: [{ name: 'e', provider: { prometheus: { address: 'http://127.0.0.1:9' } }, query: 'vector(0)', successCondition: 'result[0] < 1.0' }] };

function group(stage: number, weight?: number, autoPromote = false) {
  return groupFromText(s3Text([
    [['stage'], stage],
    ...(weight !== undefined ? [[['weight'], weight] as [string[], unknown]] : []),
    [['analysis'], { ...ANALYSIS, ...(autoPromote ? { autoPromote } : {}) }],
    [['steps'], [{ weight: 30, minSoak: '10m' }, 60]],
  ]));
}

describe('groupAnalysisRule: the moves the analysis gate judges', () => {
  test('GIVEN each stage WHEN step or next THEN stage 3 above 0% and stage 4 run the analysis; stage 2, 0% and stage 5 are skipped with why; stage 1 is not gated', () => {
    expect(groupAnalysisRule(group(1), nextMove(group(1)))).toEqual({ kind: 'none' });
    expect(groupAnalysisRule(group(2), nextMove(group(2)))).toEqual({ kind: 'skip', reason: expect.stringMatching(/^skipped at stage 2\/6 \(the canaries serve no user traffic yet/) });
    expect(groupAnalysisRule(group(3, 30), nextMove(group(3, 30)))).toEqual({ kind: 'run' });
    expect(groupAnalysisRule(group(3, 30), stepMove(group(3, 30)))).toEqual({ kind: 'run' });
    expect(groupAnalysisRule(group(3, 60), nextMove(group(3, 60)))).toEqual({ kind: 'run' }); // 3 -> 4: promotion
    expect(groupAnalysisRule(group(3, 0), nextMove(group(3, 0)))).toEqual({ kind: 'skip', reason: expect.stringMatching(/with 0% \(no user traffic/) });
    expect(groupAnalysisRule(group(4), nextMove(group(4)))).toEqual({ kind: 'run' });
    expect(groupAnalysisRule(group(5), nextMove(group(5)))).toEqual({ kind: 'skip', reason: expect.stringMatching(/^skipped at stage 5\/6 \(the entry canary is gone/) });
  });

  test('GIVEN set-weight, abort, or a group without analysis THEN nothing is gated', () => {
    expect(groupAnalysisRule(group(3, 30), setWeightMove(group(3, 30), 60))).toEqual({ kind: 'none' });
    expect(groupAnalysisRule(group(3, 30), abortMove(group(3, 30)))).toEqual({ kind: 'none' });
    const plain = groupFromText(s3Text([[['stage'], 3], [['weight'], 30]]));
    expect(groupAnalysisRule(plain, nextMove(plain))).toEqual({ kind: 'none' });
    expect(groupAdvanceRuns(plain)).toBe(false);
  });

  test('GIVEN the rung 30% with minSoak 10m THEN step and next leave its soak; set-weight and the rung 60% do not', () => {
    expect(groupMoveLeavesSoak(group(3, 30), stepMove(group(3, 30)))).toEqual({ weight: 30, index: 1, minSoakSeconds: 600 });
    expect(groupMoveLeavesSoak(group(3, 30), nextMove(group(3, 30)))).toEqual({ weight: 30, index: 1, minSoakSeconds: 600 });
    expect(groupMoveLeavesSoak(group(3, 30), setWeightMove(group(3, 30), 10))).toBeUndefined();
    expect(groupMoveLeavesSoak(group(3, 60), nextMove(group(3, 60)))).toBeUndefined();
  });
});

describe('decideGroupAdvance', () => {
  test('GIVEN a failing analysis at stage 3 or 4 THEN abort, whatever the soak', () => {
    expect(decideGroupAdvance({ group: group(3, 30), waitSeconds: 500, verdict: 'fail' }).action).toBe('abort');
    expect(decideGroupAdvance({ group: group(4), waitSeconds: 0, verdict: 'fail' }).action).toBe('abort');
  });

  test('GIVEN a pass THEN step below the top once the soak is over; at the top and at stage 4 next only with autoPromote', () => {
    expect(decideGroupAdvance({ group: group(3, 30), waitSeconds: 61, verdict: 'pass' })).toEqual({ action: 'wait', why: 'soak', reason: expect.stringMatching(/1m 1s of soak time is left at stage 3\/6 with 30%/) });
    expect(decideGroupAdvance({ group: group(3, 30), waitSeconds: 0, verdict: 'pass' })).toEqual({ action: 'step', reason: 'the analysis passes; next rung 60%' });
    expect(decideGroupAdvance({ group: group(3, 60), waitSeconds: 0, verdict: 'pass' }).action).toBe('wait');
    expect(decideGroupAdvance({ group: group(3, 60, true), waitSeconds: 0, verdict: 'pass' }).action).toBe('promote');
    expect(decideGroupAdvance({ group: group(4), waitSeconds: 0, verdict: 'pass' }).action).toBe('wait');
    expect(decideGroupAdvance({ group: group(4, undefined, true), waitSeconds: 0, verdict: 'pass' }).action).toBe('promote');
  });

  test('GIVEN inconclusive or error THEN wait; at stage 2 and 0% wait for a person; at stage 5 go on only with autoPromote after the wait', () => {
    expect(decideGroupAdvance({ group: group(3, 30), waitSeconds: 0, verdict: 'inconclusive' }).action).toBe('wait');
    expect(decideGroupAdvance({ group: group(3, 30), waitSeconds: 0, verdict: 'error' })).toMatchObject({ action: 'wait', why: 'error' });
    expect(decideGroupAdvance({ group: group(2), waitSeconds: 0 })).toMatchObject({ action: 'wait', why: 'zero-weight' });
    expect(decideGroupAdvance({ group: group(3, 0), waitSeconds: 0, verdict: 'pass' })).toMatchObject({ action: 'wait', why: 'zero-weight' });
    expect(decideGroupAdvance({ group: group(5), waitSeconds: 0 })).toMatchObject({ action: 'wait', why: 'last-rung' });
    expect(decideGroupAdvance({ group: group(5, undefined, true), waitSeconds: 30 })).toMatchObject({ action: 'wait', why: 'soak' });
    expect(decideGroupAdvance({ group: group(5, undefined, true), waitSeconds: 0 }).action).toBe('promote');
  });
});
