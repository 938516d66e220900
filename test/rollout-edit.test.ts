import { abort, editSpecText, promote, RolloutState, scalarText, setWeight, start, stateOf, step } from '../lib/rollout';
import { LoadedRelease } from '../lib/spec/loader';
import { loaded, specText } from './support/specs';

/** Applies a state to a loaded spec and re-loads the result (validated like a file). */
function edit(r: LoadedRelease, after: RolloutState): { text: string; release: LoadedRelease } {
  const text = editSpecText(r.source, stateOf(r.model.spec), after);
  return { text, release: loaded(text, r.model.name) };
}

/** Lines that differ between two texts of equal line count, as [line number, old, new]. */
function changedLines(a: string, b: string): [number, string, string][] {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y).toHaveLength(x.length);
  return x.flatMap((l, i) => (l === y[i] ? [] : [[i + 1, l, y[i]] as [number, string, string]]));
}

const COMMENTED = specText('app', `# the ladder, in percent
steps: [0, 10, {weight: 50, minSoak: 1h}, 100]   # flow style stays flow style
canary:
  # the release under test
  version: "1.1.0"
  weight: 10 # ramp
`);

describe('in-place spec edits', () => {
  test('a weight move changes exactly one line and keeps its comment', () => {
    // GIVEN a commented spec with a flow-style ladder and a quoted version
    const r = loaded(COMMENTED);
    // WHEN stepped from 10 to 50
    const { text, release } = edit(r, step(r.model).after);
    // THEN only the weight line changed, its comment kept, and the result loads with weight 50
    expect(changedLines(COMMENTED, text)).toEqual([[COMMENTED.split('\n').indexOf('  weight: 10 # ramp') + 1, '  weight: 10 # ramp', '  weight: 50 # ramp']]);
    expect(release.model.canary?.weight).toBe(50);
  });

  test('start inserts a canary block right after stable, indented like the file; abort gives the original bytes back', () => {
    for (const indent of [2, 4]) {
      // GIVEN a spec without a canary indented by `indent`
      const original = specText('app', 'steps: [0, 25, 100]\n').replace(/^  (?=[a-z])/gm, ' '.repeat(indent));
      const r = loaded(original);
      // WHEN a canary starts
      const started = edit(r, start(r.model, { version: '1.1.0' }).after);
      // THEN the block follows stable, indented like stable's keys
      const pad = ' '.repeat(indent);
      expect(started.text).toContain(`stable:\n${pad}version: 1.0.0\ncanary:\n${pad}version: 1.1.0\n${pad}weight: 0\nrouter:`);
      expect(stateOf(started.release.model.spec).canary).toEqual({ version: '1.1.0', weight: 0 });
      // AND aborting it restores the file byte for byte
      const aborted = edit(started.release, abort(started.release.model).after);
      expect(aborted.text).toBe(original);
    }
  });

  test('start puts the canary block after stable\'s own indented comment lines (new\'s commented-out `# image:`), not between them and stable; abort and promote keep them with stable', () => {
    // GIVEN stable followed by its commented-out image field, as `new` writes it, then a top-level comment
    const original = specText('app', '').replace('stable:\n  version: 1.0.0\n', 'stable:\n  version: 1.0.0\n  # Full image reference. Default: <workload.image>:<version>.\n  # image:\n# canary:\n');
    const r = loaded(original);
    // WHEN a canary starts
    const started = edit(r, start(r.model, { version: '1.1.0' }).after);
    // THEN stable keeps its comments and the canary block comes after them, before the top-level comment
    expect(started.text).toContain('stable:\n  version: 1.0.0\n  # Full image reference. Default: <workload.image>:<version>.\n  # image:\ncanary:\n  version: 1.1.0\n  weight: 0\n# canary:\nrouter:');
    // AND abort restores the file byte for byte; promote leaves the comments under stable
    expect(edit(started.release, abort(started.release.model).after).text).toBe(original);
    const promoted = edit(started.release, promote(started.release.model).after);
    expect(promoted.text).toContain('stable:\n  version: 1.1.0\n  # Full image reference. Default: <workload.image>:<version>.\n  # image:\n# canary:\nrouter:');
  });

  test('start with an image writes it; promote moves version and image to stable and removes the canary lines', () => {
    const r = loaded(specText('app', ''));
    const started = edit(r, start(r.model, { version: '2.0', image: 'ghcr.io/other/app:2.0' }).after);
    // a version that would read as a number is quoted
    expect(started.text).toContain("canary:\n  version: \"2.0\"\n  image: ghcr.io/other/app:2.0\n  weight: 0\n");
    const promoted = edit(started.release, promote(started.release.model).after);
    expect(promoted.text).toBe(specText('app', '').replace('stable:\n  version: 1.0.0\n', 'stable:\n  version: "2.0"\n  image: ghcr.io/other/app:2.0\n'));
    expect(stateOf(promoted.release.model.spec)).toEqual({ stable: { version: '2.0', image: 'ghcr.io/other/app:2.0' } });
  });

  test('promote drops a pinned stable image when the canary has none, and keeps the version quoting style', () => {
    const text = specText('app', 'canary:\n  version: 1.1.0\n  weight: 100\n').replace("stable:\n  version: 1.0.0\n", "stable:\n  version: '1.0.0'\n  image: ghcr.io/pinned/app:1.0.0  # pinned\n");
    const r = loaded(text);
    const { text: out, release } = edit(r, promote(r.model).after);
    expect(out).toContain("stable:\n  version: '1.1.0'\nrouter:");
    expect(out).not.toContain('canary:');
    expect(stateOf(release.model.spec)).toEqual({ stable: { version: '1.1.0' } });
  });

  test('Windows line endings stay Windows line endings', () => {
    const crlf = specText('app', '').replace(/\n/g, '\r\n');
    const r = loaded(crlf);
    const { text } = edit(r, start(r.model, { version: '1.1.0' }).after);
    expect(text).toContain('stable:\r\n  version: 1.0.0\r\ncanary:\r\n  version: 1.1.0\r\n  weight: 0\r\nrouter:');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  test('a spec whose last key is stable and that lacks a final newline', () => {
    const text = specText('app', '').replace(/stable:\n  version: 1.0.0\n/, '') + 'stable:\n  version: 1.0.0';
    const r = loaded(text);
    const { text: out, release } = edit(r, start(r.model, { version: '1.1.0' }).after);
    expect(out.endsWith('stable:\n  version: 1.0.0\ncanary:\n  version: 1.1.0\n  weight: 0\n')).toBe(true);
    expect(release.model.canary?.version).toBe('1.1.0');
  });

  test('a flow-style stable mapping that gains a key falls back to a Document edit with the same result', () => {
    // GIVEN stable written as a flow mapping and a canary with an image
    const text = specText('app', 'canary: {version: 1.1.0, image: "ghcr.io/other/app:1.1.0", weight: 25}\n').replace('stable:\n  version: 1.0.0\n', '# stable runs this\nstable: {version: 1.0.0}\n');
    const r = loaded(text);
    // WHEN promoted THEN the state is right and the comment survived
    const { text: out, release } = edit(r, promote(r.model).after);
    expect(stateOf(release.model.spec)).toEqual({ stable: { version: '1.1.0', image: 'ghcr.io/other/app:1.1.0' } });
    expect(out).toContain('# stable runs this');
    // AND a weight change in a flow-style canary is still a one-line splice
    const w = edit(r, setWeight(r.model, 50).after);
    expect(changedLines(text, w.text)).toHaveLength(1);
  });

  test('a version written as a block scalar is edited through the Document fallback, correctly', () => {
    const text = specText('app', 'canary:\n  version: 1.1.0\n  weight: 50\n').replace('stable:\n  version: 1.0.0\n', 'stable:\n  version: >-\n    1.0.0\n');
    const r = loaded(text);
    const { release } = edit(r, promote(r.model).after);
    expect(stateOf(release.model.spec)).toEqual({ stable: { version: '1.1.0' } });
  });

  test.each([
    ['1.2.3', '1.2.3'], ['1.0', '"1.0"'], ['2', '"2"'], ['true', '"true"'], ['null', '"null"'], ['v1', 'v1'],
    ['ghcr.io/a/b:1.2', 'ghcr.io/a/b:1.2'], ['a@sha256:ab', 'a@sha256:ab'], ['1e3', '"1e3"'],
  ])('scalarText(%j) = %s (reads back as the same string)', (v, out) => {
    expect(scalarText(v)).toBe(out);
  });
});
