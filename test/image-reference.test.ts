/**
 * The image reference grammar's lengths (lib/spec/image.ts): the tag's at most 128 characters and
 * the digest's at least 32 hex digits are checked apart from the regular expression (which stays
 * provably linear without bounded repetitions), with the same message as any other grammar error.
 */
import { parseImageReference } from '../lib/spec/image';

const GRAMMAR = /does not follow the reference grammar/;

describe('image reference lengths', () => {
  test('GIVEN a tag of 128 characters WHEN parsed THEN it is the tag', () => {
    expect(parseImageReference(`ghcr.io/org/app:${'a'.repeat(128)}`)).toEqual({ name: 'ghcr.io/org/app', tag: 'a'.repeat(128) });
  });

  test('fails a tag of 129 characters as a grammar error', () => {
    expect(parseImageReference(`ghcr.io/org/app:${'a'.repeat(129)}`)).toEqual({ error: expect.stringMatching(GRAMMAR) });
  });

  test('GIVEN a sha256 digest WHEN parsed THEN it is the digest', () => {
    expect(parseImageReference(`ghcr.io/org/app@sha256:${'0'.repeat(64)}`)).toEqual({ name: 'ghcr.io/org/app', digest: `sha256:${'0'.repeat(64)}` });
  });

  test('fails a digest of 31 hex digits as a grammar error', () => {
    expect(parseImageReference(`ghcr.io/org/app@sha256:${'0'.repeat(31)}`)).toEqual({ error: expect.stringMatching(GRAMMAR) });
  });

  test('fails an upper-case path with the lowercase message (the lengths apply to it too)', () => {
    expect(parseImageReference('ghcr.io/Org/app:1.0')).toEqual({ error: 'repository names must be lowercase' });
    expect(parseImageReference(`ghcr.io/Org/app:${'a'.repeat(129)}`)).toEqual({ error: expect.stringMatching(GRAMMAR) });
  });
});
