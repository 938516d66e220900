import { Document, isAlias, isMap, isNode, isPair, isScalar, isSeq, Node, parse, Pair, Scalar, visit, YAMLMap } from 'yaml';
import { SpecError } from '../spec/errors';
import { SourceDocument } from '../spec/document';
import { RolloutState, TrackState } from './state';

/**
 * In-place edits of a release spec. The parsed yaml Document (kept by the loader, with source
 * ranges) says where each field is; each change is spliced into the original text at that range, so
 * every other byte (comments, key order, blank lines, quoting, flow lists) stays as it was and a
 * weight step changes exactly one line. Layouts the splicer does not handle (a flow-style `stable:`
 * mapping that gains a key, for instance) fall back to editing the Document and printing it again,
 * which keeps comments and key order but may normalize spacing. Pure: text in, text out; the caller
 * validates the result.
 */
export function editSpecText(src: SourceDocument, before: RolloutState, after: RolloutState): string {
  const isAbort = before.canary !== undefined && after.canary === undefined && sameTrack(before.stable, after.stable);
  if (!isAbort) assertNoStateAnchors(src);
  try {
    const text = spliceEdit(src, before, after, isAbort);
    if (holds(text, after)) return text;
  } catch (e) {
    if (!(e instanceof CannotSplice)) throw e;
  }
  return documentEdit(src, after);
}

/** Whether a spliced text reads back with exactly the wanted stable and canary. */
function holds(text: string, want: RolloutState): boolean {
  let data: unknown;
  try { data = parse(text); } catch { return false; }
  if (!data || typeof data !== 'object') return false;
  const d = data as { stable?: unknown; canary?: unknown };
  const track = (t: unknown) => (t && typeof t === 'object' ? t as Record<string, unknown> : undefined);
  const same = (t: Record<string, unknown> | undefined, w: { version: string; image?: string; weight?: number } | undefined): boolean => {
    if (!t || !w) return !t && !w;
    const keys = Object.keys(t).filter((k) => ['version', 'image', 'weight'].includes(k));
    return t.version === w.version && t.image === w.image && t.weight === w.weight && keys.length === Object.keys(t).length;
  };
  return same(track(d.stable), want.stable) && same(track(d.canary), want.canary);
}

/** A layout the splicer does not handle; the Document fallback takes over. */
class CannotSplice extends Error {}

interface Splice { readonly start: number; readonly end: number; readonly text: string }

function spliceEdit(src: SourceDocument, before: RolloutState, after: RolloutState, isAbort = false): string {
  const text = src.text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const root = blockMap(src.doc.contents);
  const edits: Splice[] = [];
  // abort removes the canary section: aliases elsewhere of anchors inside it get their values written out
  if (isAbort) edits.push(...materializeAliasesInto(src, pairOf(root, 'canary')?.value));

  const stable = anyMap(pairOf(root, 'stable')?.value);
  editTrack(text, eol, stable, before.stable, after.stable, edits);

  const canaryPair = pairOf(root, 'canary');
  if (!before.canary && after.canary) {
    if (canaryPair) throw new CannotSplice('canary key present without a canary');
    const stablePair = pairOf(root, 'stable') as Pair<Scalar, YAMLMap>;
    const keyCol = column(text, rangeOf(stablePair.key)[0]);
    const firstChild = stable.flow ? undefined : (stable.items[0] as Pair<Scalar> | undefined);
    const step = firstChild ? column(text, rangeOf(firstChild.key)[0]) - keyCol : 2;
    const ind = ' '.repeat(keyCol);
    const child = ' '.repeat(keyCol + (step > 0 ? step : 2));
    const c = after.canary;
    const lines = [
      `${ind}canary:`,
      `${child}version: ${scalarText(c.version)}`,
      ...(c.image !== undefined ? [`${child}image: ${scalarText(c.image)}`] : []),
      `${child}weight: ${c.weight}`,
    ];
    // after stable's own trailing comment lines (indented under it, e.g. `new`'s commented-out
    // `# image:`): inserted before them, they would read as comments of the canary
    const at = pastIndentedComments(text, lineEndAfter(text, rangeOf(stable)[1]), keyCol);
    const lead = at > 0 && text[at - 1] !== '\n' ? eol : '';
    edits.push({ start: at, end: at, text: lead + lines.join(eol) + eol });
  } else if (before.canary && !after.canary) {
    if (!canaryPair) throw new CannotSplice('canary missing');
    edits.push(deletePairLines(text, canaryPair));
  } else if (before.canary && after.canary) {
    if (!canaryPair || !isMap(canaryPair.value)) throw new CannotSplice('canary is not a mapping');
    const canary = canaryPair.value as YAMLMap;
    editTrack(text, eol, canary, before.canary, after.canary, edits);
    if (before.canary.weight !== after.canary.weight) edits.push(setScalar(canary, 'weight', after.canary.weight));
  }

  return applySplices(text, edits);
}

/** Version and image of one track. */
function editTrack(text: string, eol: string, map: YAMLMap, before: TrackState, after: TrackState, edits: Splice[]): void {
  if (before.version !== after.version) edits.push(setScalar(map, 'version', after.version));
  if (before.image === after.image) return;
  if (after.image === undefined) {
    const p = pairOf(map, 'image');
    if (!p || map.flow) throw new CannotSplice('cannot delete image');
    edits.push(deletePairLines(text, p));
  } else if (before.image === undefined) {
    if (map.flow || map.items.length === 0) throw new CannotSplice('cannot add image');
    const first = map.items[0] as Pair<Scalar>;
    const col = column(text, rangeOf(first.key)[0]);
    const at = lineEndAfter(text, rangeOf(map)[1]);
    const lead = at > 0 && text[at - 1] !== '\n' ? eol : '';
    edits.push({ start: at, end: at, text: `${lead}${' '.repeat(col)}image: ${scalarText(after.image)}${eol}` });
  } else {
    edits.push(setScalar(map, 'image', after.image));
  }
}

function setScalar(map: YAMLMap, key: string, value: string | number): Splice {
  const p = pairOf(map, key);
  if (!p || !isScalar(p.value)) throw new CannotSplice(`${key} is not a plain value`);
  const node = p.value as Scalar;
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') throw new CannotSplice(`${key} is a block scalar`);
  const [start, end] = rangeOf(node);
  return { start, end, text: typeof value === 'number' ? String(value) : scalarText(value, node.type) };
}

/** Removes the whole lines a key and its value span (trailing comment on the last line included). */
function deletePairLines(text: string, p: Pair): Splice {
  const keyStart = rangeOf(p.key as Node)[0];
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  if (text.slice(lineStart, keyStart).trim() !== '') throw new CannotSplice('key does not start its line');
  const valueEnd = isScalar(p.value) || isMap(p.value) ? rangeOf(p.value as Node)[1] : undefined;
  if (valueEnd === undefined) throw new CannotSplice('unexpected value');
  return { start: lineStart, end: lineEndAfter(text, valueEnd), text: '' };
}

/** From the start of a line, the start of the first line that is not a comment indented deeper than `col` (a blank line ends the run). */
function pastIndentedComments(text: string, from: number, col: number): number {
  let at = from;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end);
    const indent = line.search(/\S/);
    if (indent <= col || line[indent] !== '#') break;
    at = end < 0 ? text.length : end + 1;
  }
  return at;
}

/** Offset just past the end of the line containing offset-1 (i.e. where the next line starts). */
function lineEndAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function applySplices(text: string, edits: Splice[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].end > sorted[i - 1].start) throw new CannotSplice('overlapping edits');
  }
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function blockMap(n: unknown): YAMLMap {
  const m = anyMap(n);
  if (m.flow) throw new CannotSplice('not a block mapping');
  return m;
}

function anyMap(n: unknown): YAMLMap {
  if (!isMap(n)) throw new CannotSplice('not a mapping');
  return n as YAMLMap;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String((p.key as Scalar).value) === key) as Pair | undefined;
}

function rangeOf(n: Node): [number, number, number] {
  if (!n.range) throw new CannotSplice('node without a source range');
  return n.range;
}

/**
 * A string as YAML: plain when it reads back as the same string (`1.2.0`, `ghcr.io/a/b:1`), else
 * quoted (`'1.0'` would otherwise be a number). Keeps the original quoting style when given.
 */
export function scalarText(value: string, style?: Scalar.Type): string {
  if (style === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (style === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const plainSafe = /^[A-Za-z0-9_./][A-Za-z0-9_.\-/:@+]*$/.test(value) && !value.endsWith(':');
  if (plainSafe) {
    let back: unknown;
    try { back = parse(value); } catch { back = undefined; }
    if (back === value) return value;
  }
  return JSON.stringify(value);
}

function sameTrack(a: TrackState, b: TrackState): boolean {
  return a.version === b.version && a.image === b.image;
}

/** Anchors and aliases in the fields moves edit (`stable` and `canary`, the sections and everything in them), with their paths. */
export function stateAnchors(src: SourceDocument): { readonly path: (string | number)[]; readonly what: string }[] {
  const out: { path: (string | number)[]; what: string }[] = [];
  const walk = (n: unknown, at: (string | number)[]) => {
    if (isAlias(n)) { out.push({ path: at, what: `the YAML alias *${n.source}` }); return; }
    if (!isNode(n)) return;
    if (n.anchor) out.push({ path: at, what: `the YAML anchor &${n.anchor}` });
    if (isMap(n)) for (const p of n.items) walk(p.value, [...at, isScalar(p.key) ? String(p.key.value) : String(p.key)]);
    else if (isSeq(n)) n.items.forEach((x, i) => walk(x, [...at, i]));
  };
  const root = src.doc.contents;
  if (isMap(root)) for (const key of ['stable', 'canary']) { const p = pairOf(root, key); if (p) walk(p.value, [key]); }
  return out;
}

/**
 * Refuses anchors and aliases in the fields a move edits in place: with `weight: &w 10` and
 * `steps: [0, *w, 50]`, setting the weight would also rewrite the ladder; with `version: *v` the
 * edit would replace the alias, not the value it stands for. Abort is never refused (it writes
 * the values out instead, see materializeAliasesInto).
 */
function assertNoStateAnchors(src: SourceDocument): void {
  const found = stateAnchors(src);
  if (found.length === 0) return;
  throw new SpecError(found.map((f) => src.problem(f.path, `carries ${f.what}; moves edit this field in place, and an anchor's aliases elsewhere would change with it`,
    'write the value out here and at its aliases (remove the & anchor and the * aliases); abort still works as it is')));
}

/** Splices replacing every alias outside `section` whose anchor is inside it by the value it stands for (JSON is valid YAML). */
function materializeAliasesInto(src: SourceDocument, section: unknown): Splice[] {
  if (!isNode(section)) return [];
  const anchors = new Map<string, Node>();
  visit(section, { Node(_k, n) { if (n.anchor) anchors.set(n.anchor, n); } });
  if (anchors.size === 0) return [];
  const [start, end] = rangeOf(section);
  const out: Splice[] = [];
  visit(src.doc, {
    Alias(_k, a) {
      const target = anchors.get(a.source);
      if (!target || !a.range || (a.range[0] >= start && a.range[1] <= end)) return;
      out.push({ start: a.range[0], end: a.range[1], text: JSON.stringify(target.toJSON()) });
    },
  });
  return out;
}

/** Fallback: edit the Document and print it (comments and key order survive; spacing may not). */
function documentEdit(src: SourceDocument, after: RolloutState): string {
  const doc = src.doc.clone() as Document;
  const setTrack = (key: string, t: TrackState) => {
    doc.setIn([key, 'version'], t.version);
    if (t.image !== undefined) doc.setIn([key, 'image'], t.image);
    else if (doc.hasIn([key, 'image'])) doc.deleteIn([key, 'image']);
  };
  setTrack('stable', after.stable);
  if (after.canary) {
    if (!doc.has('canary')) doc.set('canary', doc.createNode({}));
    setTrack('canary', after.canary);
    doc.setIn(['canary', 'weight'], after.canary.weight);
  } else if (doc.has('canary')) {
    doc.delete('canary');
  }
  return doc.toString({ lineWidth: 0 });
}
