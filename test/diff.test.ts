import { unifiedDiff } from '../lib/review/unified-diff';

describe('unified diffs for --dry-run', () => {
  test('a one-line change with three lines of context, as git prints it', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\n';
    expect(unifiedDiff({ path: 'x.yaml', before, after: before.replace('d', 'D') })).toBe(
      '--- a/x.yaml\n+++ b/x.yaml\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n');
  });

  test('changes far apart make two hunks; close ones share a hunk', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const before = `${lines.join('\n')}\n`;
    const far = before.replace('l2\n', 'L2\n').replace('l18\n', 'L18\n');
    expect(unifiedDiff({ path: 'f', before, after: far }).match(/^@@ .* @@$/gm)).toEqual(['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@']);
    const near = before.replace('l5\n', 'L5\n').replace('l10\n', 'L10\n');
    expect(unifiedDiff({ path: 'f', before, after: near }).match(/^@@ .* @@$/gm)).toEqual(['@@ -2,12 +2,12 @@']);
  });

  test('new and deleted files diff against /dev/null; equal files give nothing', () => {
    expect(unifiedDiff({ path: 'n.yaml', after: 'x: 1\ny: 2\n' })).toBe('--- /dev/null\n+++ b/n.yaml\n@@ -0,0 +1,2 @@\n+x: 1\n+y: 2\n');
    expect(unifiedDiff({ path: 'o.yaml', before: 'x: 1\n' })).toBe('--- a/o.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-x: 1\n');
    expect(unifiedDiff({ path: 's', before: 'same\n', after: 'same\n' })).toBe('');
  });

  test('removed lines come before added lines in a change', () => {
    expect(unifiedDiff({ path: 'w', before: 'k: 1\nweight: 90\nweight: 10\n', after: 'k: 1\nweight: 50\nweight: 50\n' }))
      .toBe('--- a/w\n+++ b/w\n@@ -1,3 +1,3 @@\n k: 1\n-weight: 90\n-weight: 10\n+weight: 50\n+weight: 50\n');
  });
});
