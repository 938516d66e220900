import { UsageError } from '../lib/spec/errors';
import {
  abort, commitMessage, describeNext, formatDuration, ladderPosition, Move, nextMoveOf, percent, promote, releaseNamed,
  setWeight, soakState, start, step, stateOf,
} from '../lib/rollout';
import { ReleaseModel } from '../lib/spec/model';
import { loaded, specText } from './support/specs';

/** The model of a test release with the given extra top-level lines. */
function model(extra = '', opts: { stable?: string } = {}): ReleaseModel {
  return loaded(specText('app', extra, opts)).model;
}

/** The model after a move (its state applied to the spec), to chain moves in pure tests. */
function apply(m: ReleaseModel, mv: Move): ReleaseModel {
  const spec = { ...m.spec, stable: mv.after.stable } as ReleaseModel['spec'];
  if (mv.after.canary) (spec as { canary?: unknown }).canary = mv.after.canary;
  else delete (spec as { canary?: unknown }).canary;
  return { ...m, spec };
}

describe('rollout state machine (pure)', () => {
  test('the default ladder [0, 25, 100]: start -> 0, step -> 25, step -> 100, then step refuses and names promote', () => {
    // GIVEN a release with no canary and the default ladder
    let m = model();
    expect(m.steps.map((s) => s.weight)).toEqual([0, 25, 100]);
    expect(nextMoveOf(stateOf(m.spec), m.steps)).toEqual({ kind: 'start', weight: 0 });
    // WHEN started THEN the canary runs at the first weight, step 1/3
    const s = start(m, { version: '1.1.0' });
    expect(s.after).toEqual({ stable: { version: '1.0.0' }, canary: { version: '1.1.0', weight: 0 } });
    expect(s).toMatchObject({ kind: 'start', changes: true, toWeight: 0, position: { index: 1, of: 3, onLadder: true }, next: { kind: 'step', weight: 25 } });
    m = apply(m, s);
    // WHEN stepped twice THEN 25 (2/3) and 100 (3/3), promote next
    const a = step(m);
    expect(a).toMatchObject({ fromWeight: 0, toWeight: 25, position: { index: 2, of: 3 }, next: { kind: 'step', weight: 100 } });
    m = apply(m, a);
    const b = step(m);
    expect(b).toMatchObject({ fromWeight: 25, toWeight: 100, position: { index: 3, of: 3 }, next: { kind: 'promote' } });
    m = apply(m, b);
    // THEN a third step fails and says promote is next
    expect(() => step(m)).toThrow(UsageError);
    expect(() => step(m)).toThrow('canary 1.1.0 of release app is at 100%, the last step of its ladder (3/3); promote is next: `npx cdk8s-canary promote app`');
    // AND promote makes stable run 1.1.0 with no canary
    const p = promote(m);
    expect(p.after).toEqual({ stable: { version: '1.1.0' } });
    expect(p).toMatchObject({ kind: 'promote', fromWeight: 100, next: { kind: 'start' } });
    expect(p.position).toBeUndefined();
  });

  test('start uses the ladder first weight (0: a ladder must start there, lib/spec/ladder.ts), and keeps an explicit image', () => {
    const m = model('steps: [0, 5, 50, 100]\n');
    const s = start(m, { version: '2.0.0', image: 'registry.example.com/app@sha256:' + 'a'.repeat(64) });
    expect(s.after.canary).toEqual({ version: '2.0.0', image: 'registry.example.com/app@sha256:' + 'a'.repeat(64), weight: 0 });
    expect(() => model('steps: [5, 50, 100]\n')).toThrow(/steps\[0\]: the first step must be 0/);
  });

  test('step from a weight off the ladder goes to the next rung above it', () => {
    // GIVEN a canary set to 30 on the ladder [0, 10, 50, 100]
    const m = model('steps: [0, 10, 50, 100]\ncanary:\n  version: 1.1.0\n  weight: 30\n');
    expect(ladderPosition(30, m.steps)).toEqual({ index: 2, of: 4, onLadder: false });
    // WHEN stepped THEN 50
    expect(step(m)).toMatchObject({ fromWeight: 30, toWeight: 50, position: { index: 3, of: 4, onLadder: true } });
    // AND from the first rung (0) the next rung is the second
    const low = model('steps: [0, 5, 50]\ncanary:\n  version: 1.1.0\n  weight: 0\n');
    expect(ladderPosition(0, low.steps)).toEqual({ index: 1, of: 3, onLadder: true });
    expect(step(low).toWeight).toBe(5);
    // AND above the last rung step refuses
    const high = model('steps: [0, 25, 50]\ncanary:\n  version: 1.1.0\n  weight: 80\n');
    expect(() => step(high)).toThrow('canary 1.1.0 of release app is at 80%, past the last step of its ladder (50%); promote is next');
  });

  test('set-weight takes any whole weight up to weightTotal; the current weight is a move that changes nothing', () => {
    const m = model('canary:\n  version: 1.1.0\n  weight: 25\n');
    expect(setWeight(m, '0')).toMatchObject({ toWeight: 0, changes: true });
    expect(setWeight(m, 100)).toMatchObject({ toWeight: 100, changes: true });
    expect(setWeight(m, '25')).toMatchObject({ toWeight: 25, changes: false });
    const fine = model('weightTotal: 1000\ncanary:\n  version: 1.1.0\n  weight: 5\n');
    expect(setWeight(fine, '750').toWeight).toBe(750);
    expect(percent(5, 1000)).toBe('0.5%');
  });

  test.each([
    ['150', 'weight must be a whole number from 0 to 100 (got "150")'],
    ['-1', 'weight must be a whole number from 0 to 100 (got "-1")'],
    ['12.5', 'weight must be a whole number from 0 to 100 (got "12.5"); pass the canary\'s share of traffic out of 100 (for fractions of a percent set weightTotal: 1000 in the spec)'],
    ['ten', 'weight must be a whole number from 0 to 100 (got "ten")'],
    ['', 'weight must be a whole number from 0 to 100 (got "")'],
  ])('fails set-weight %j with a message naming the value', (raw, message) => {
    const m = model('canary:\n  version: 1.1.0\n  weight: 25\n');
    expect(() => setWeight(m, raw)).toThrow(UsageError);
    expect(() => setWeight(m, raw)).toThrow(message);
  });

  test('fails every canary move when no canary runs, naming start', () => {
    const m = model();
    for (const f of [() => step(m), () => setWeight(m, 10), () => promote(m), () => abort(m)]) {
      expect(f).toThrow(/^release app has no canary running, so there is nothing to (step|set the weight of|promote|abort); start one first: `npx cdk8s-canary start app --version VERSION`$/);
    }
  });

  test('fails start while a canary runs, and for the version stable already runs', () => {
    const running = model('canary:\n  version: 1.1.0\n  weight: 25\n');
    expect(() => start(running, { version: '1.2.0' })).toThrow('release app already runs canary 1.1.0 at 25%; promote or abort it first: `npx cdk8s-canary promote app` or `npx cdk8s-canary abort app`');
    expect(() => start(model(), { version: '1.0.0' })).toThrow("canary version '1.0.0' is what stable already runs in release app; pass the new version with --version");
    // a different image of the same version is a real canary
    expect(start(model(), { version: '1.0.0', image: 'ghcr.io/example/app:1.0.0-hotfix' }).changes).toBe(true);
  });

  test('promote carries the canary image to stable, or drops stable\'s image so it follows the version', () => {
    const withImage = model('canary:\n  version: 1.1.0\n  image: ghcr.io/other/app:1.1.0\n  weight: 25\n');
    expect(promote(withImage).after).toEqual({ stable: { version: '1.1.0', image: 'ghcr.io/other/app:1.1.0' } });
    const stableImage = loaded(specText('app', 'canary:\n  version: 1.1.0\n  weight: 25\n').replace('  version: 1.0.0\n', '  version: 1.0.0\n  image: ghcr.io/pinned/app:1.0.0\n')).model;
    expect(promote(stableImage).after).toEqual({ stable: { version: '1.1.0' } });
  });

  test('abort removes the canary and keeps stable', () => {
    const m = model('canary:\n  version: 1.1.0\n  weight: 25\n');
    expect(abort(m)).toMatchObject({ kind: 'abort', after: { stable: { version: '1.0.0' } }, fromWeight: 25, changes: true });
    expect(abort(m).after.canary).toBeUndefined();
  });

  test('a move that leaves a rung with a minimum soak says so; set-weight and abort do not', () => {
    const m = model('steps: [0, {weight: 25, minSoak: 1h}, 100]\ncanary:\n  version: 1.1.0\n  weight: 25\n');
    expect(step(m).leavesSoak).toEqual({ index: 2, weight: 25, minSoakSeconds: 3600 });
    expect(promote(m).leavesSoak).toEqual({ index: 2, weight: 25, minSoakSeconds: 3600 });
    expect(setWeight(m, 50).leavesSoak).toBeUndefined();
    expect(abort(m).leavesSoak).toBeUndefined();
    const off = model('steps: [0, {weight: 25, minSoak: 1h}, 100]\ncanary:\n  version: 1.1.0\n  weight: 30\n');
    expect(step(off).leavesSoak).toBeUndefined();
  });

  test('fails for an unknown release, listing the known ones', () => {
    const rs = [{ model: { name: 'b' } }, { model: { name: 'a' } }];
    expect(releaseNamed(rs, 'a')).toBe(rs[1]);
    expect(() => releaseNamed(rs, 'guestbook')).toThrow("unknown release 'guestbook'; releases: a, b (see `npx cdk8s-canary status`)");
    const many = Array.from({ length: 12 }, (_, i) => ({ model: { name: `r${String(i).padStart(2, '0')}` } }));
    expect(() => releaseNamed(many, 'x')).toThrow(/r09, \.\.\. \(12 in all\)/);
  });
});

describe('commit messages', () => {
  const m = model('steps: [0, 10, 50, 100]\ncanary:\n  version: 1.1.0\n  weight: 10\n');

  test('a step: `<release>: canary <version> <a>% -> <b>%` with the trailers', () => {
    expect(commitMessage(step(m), '  checked dashboards  ')).toEqual({
      subject: 'app: canary 1.1.0 10% -> 50%',
      body: 'checked dashboards',
      trailers: [['Release', 'app'], ['Move', 'step'], ['Canary-Version', '1.1.0'], ['Canary-Weight', '50'], ['Step', '3/4']],
    });
  });

  test('start, set-weight, promote and abort wording', () => {
    const none = model('steps: [0, 10, 50, 100]\n');
    expect(commitMessage(start(none, { version: '1.1.0' }))).toMatchObject({ subject: 'app: start canary 1.1.0 at 0%', trailers: expect.arrayContaining([['Canary-Weight', '0'], ['Step', '1/4']]) });
    expect(commitMessage(setWeight(m, 30)).subject).toBe('app: canary 1.1.0 10% -> 30%');
    expect(commitMessage(setWeight(m, 30)).trailers).toContainEqual(['Step', '2/4']);
    expect(commitMessage(promote(m))).toEqual({
      subject: 'app: promote 1.1.0 to stable (was 1.0.0)',
      trailers: [['Release', 'app'], ['Move', 'promote'], ['Canary-Version', '1.1.0'], ['Canary-Weight', 'none'], ['Step', 'none'], ['Stable-Version', '1.1.0']],
    });
    expect(commitMessage(abort(m)).subject).toBe('app: abort canary 1.1.0 at 10%, traffic back to 1.0.0');
  });

  test('weights out of a finer total are shown as percentages in the subject and raw in the trailer', () => {
    const fine = model('weightTotal: 1000\nsteps: [0, 5, 1000]\ncanary:\n  version: 1.1.0\n  weight: 0\n');
    const mv = step(fine);
    expect(commitMessage(mv).subject).toBe('app: canary 1.1.0 0% -> 0.5%');
    expect(commitMessage(mv).trailers).toContainEqual(['Canary-Weight', '5']);
  });

  test('describeNext names the command', () => {
    expect(describeNext({ kind: 'step', weight: 50, index: 3 }, 100, 'app')).toBe('next: step -> 50%: `npx cdk8s-canary step app`');
    expect(describeNext({ kind: 'promote' }, 100, 'app')).toBe('next: promote: `npx cdk8s-canary promote app` (or `npx cdk8s-canary abort app`)');
  });
});

describe('soak arithmetic', () => {
  test('remaining time counts down from the entering commit and never goes negative', () => {
    expect(soakState(3600, 1000, 1000 + 600)).toEqual({ minSeconds: 3600, elapsedSeconds: 600, remainingSeconds: 3000 });
    expect(soakState(3600, 1000, 1000 + 7200).remainingSeconds).toBe(0);
    expect(soakState(60, 2000, 1000).elapsedSeconds).toBe(0); // a commit dated in the future counts as just entered
  });

  test.each([[0, '0s'], [30, '30s'], [60, '1m'], [2890, '48m 10s'], [3600, '1h'], [3630, '1h 1m'], [7199, '2h']])('formatDuration(%d) = %s', (s, out) => {
    expect(formatDuration(s)).toBe(out);
  });
});
