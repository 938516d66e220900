/**
 * Unified diffs of text files, as `git diff` prints them (for `--dry-run`). Line-based LCS; spec and
 * manifest files are small. Pure.
 */

/** A file before and after; undefined content means the file does not exist on that side. */
export interface FileChange {
  readonly path: string;
  readonly before?: string;
  readonly after?: string;
}

/** The unified diff of one file (`--- a/path`, `+++ b/path`, hunks with `context` lines); '' when equal. */
export function unifiedDiff(change: FileChange, context = 3): string {
  const { before, after } = change;
  if (before === after) return '';
  const a = splitLines(before ?? '');
  const b = splitLines(after ?? '');
  const ops = diffLines(a, b);
  const header = [
    `--- ${before === undefined ? '/dev/null' : `a/${change.path}`}`,
    `+++ ${after === undefined ? '/dev/null' : `b/${change.path}`}`,
  ];
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i].op === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // extend over changes separated by at most 2*context equal lines
    for (;;) {
      while (end < ops.length && ops[end].op !== ' ') end++;
      let eq = end;
      while (eq < ops.length && ops[eq].op === ' ') eq++;
      if (eq < ops.length && eq - end <= 2 * context) end = eq;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const aStart = ops[start].a;
    const bStart = ops[start].b;
    const aLen = slice.filter((o) => o.op !== '+').length;
    const bLen = slice.filter((o) => o.op !== '-').length;
    hunks.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`);
    for (const o of slice) hunks.push(`${o.op}${o.line}`);
    i = stop;
  }
  return [...header, ...hunks].join('\n') + '\n';
}

function range(start: number, len: number): string {
  const s = len === 0 ? start : start + 1;
  return len === 1 ? `${s}` : `${s},${len}`;
}

interface Op { readonly op: ' ' | '-' | '+'; readonly line: string; readonly a: number; readonly b: number }

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Edit script by longest common subsequence; a and b positions are 0-based line indexes. */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ op: ' ', line: a[k], a: k, b: k });
  if (x.length * y.length > 4_000_000) {
    x.forEach((l, k) => ops.push({ op: '-', line: l, a: pre + k, b: pre }));
    y.forEach((l, k) => ops.push({ op: '+', line: l, a: pre + x.length, b: pre + k }));
  } else {
    const n = x.length;
    const m = y.length;
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] === y[j]) { ops.push({ op: ' ', line: x[i], a: pre + i, b: pre + j }); i++; j++; }
      else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push({ op: '-', line: x[i], a: pre + i, b: pre + j }); i++; }
      else { ops.push({ op: '+', line: y[j], a: pre + i, b: pre + j }); j++; }
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ op: ' ', line: a[a.length - suf + k], a: a.length - suf + k, b: b.length - suf + k });
  return ops;
}
