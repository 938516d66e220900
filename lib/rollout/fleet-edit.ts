/**
 * In-place edits of a fleet release's spec: `stable` and `canary` as ./edit.ts edits them, then
 * `fleet.promoted` the same way (spliced into the original text at the source ranges the yaml
 * Document gives, so comments, order and formatting stay; a wave step changes exactly one line).
 * Layouts the splicer does not handle (a flow-style `fleet:`) fall back to editing the Document.
 * Pure: text in, text out; the caller validates the result.
 */
import { Document, isMap, isPair, isScalar, parse, parseDocument, Pair, Scalar, YAMLMap } from 'yaml';
import { SourceDocument } from '../spec/document';
import { editSpecText, scalarText } from './edit';
import { FleetRolloutState } from './fleet';

type Promoted = FleetRolloutState['promoted'];

/** The spec text with the fleet state `after` (it holds `before`). */
export function editFleetSpecText(src: SourceDocument, before: FleetRolloutState, after: FleetRolloutState): string {
  const text = editSpecText(src, before, after);
  if (samePromoted(before.promoted, after.promoted)) return text;
  try {
    const edited = splicePromoted(text, after.promoted);
    if (samePromoted(promotedOf(edited), after.promoted)) return edited;
  } catch (e) {
    if (!(e instanceof CannotSplice)) throw e;
  }
  const doc = parseDocument(text) as Document;
  if (after.promoted) {
    const p = after.promoted;
    doc.setIn(['fleet', 'promoted'], doc.createNode({ version: p.version, ...(p.image !== undefined ? { image: p.image } : {}), wave: p.wave }));
  } else doc.deleteIn(['fleet', 'promoted']);
  return doc.toString({ lineWidth: 0 });
}

class CannotSplice extends Error {}

function samePromoted(a: Promoted, b: Promoted): boolean {
  return (a ? `${a.version}\0${a.image ?? ''}\0${a.wave}` : '') === (b ? `${b.version}\0${b.image ?? ''}\0${b.wave}` : '');
}

function promotedOf(text: string): Promoted {
  const d = parse(text) as { fleet?: { promoted?: { version?: unknown; image?: unknown; wave?: unknown } } } | null;
  const p = d?.fleet?.promoted;
  if (!p) return undefined;
  if (Object.keys(p).some((k) => !['version', 'image', 'wave'].includes(k))) return { version: '\0', wave: -1 };
  return { version: String(p.version), ...(p.image !== undefined ? { image: String(p.image) } : {}), wave: Number(p.wave) };
}

function splicePromoted(text: string, after: Promoted): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const doc = parseDocument(text);
  const root = doc.contents;
  if (!isMap(root) || root.flow) throw new CannotSplice('not a block mapping');
  const fleetPair = pairOf(root, 'fleet');
  const fleet = fleetPair?.value;
  if (!isMap(fleet) || fleet.flow) throw new CannotSplice('fleet is not a block mapping');
  const promotedPair = pairOf(fleet, 'promoted');
  if (!after) {
    if (!promotedPair) return text;
    return cutLines(text, promotedPair);
  }
  const lines = (ind: string) => [
    `${ind}version: ${scalarText(after.version)}`,
    ...(after.image !== undefined ? [`${ind}image: ${scalarText(after.image)}`] : []),
    `${ind}wave: ${after.wave}`,
  ];
  if (promotedPair) {
    // rewrite the mapping's lines (a version, image or wave change)
    const value = promotedPair.value;
    if (!isMap(value) || value.flow || !value.items.length) throw new CannotSplice('promoted is not a block mapping');
    const first = value.items[0] as Pair<Scalar>;
    const ind = ' '.repeat(column(text, first.key.range![0]));
    const start = lineStart(text, first.key.range![0]);
    const end = lineEndAfter(text, value.range![1]);
    return text.slice(0, start) + lines(ind).join(eol) + eol + text.slice(end);
  }
  const firstKey = (fleet.items[0] as Pair<Scalar>).key;
  const keyCol = column(text, firstKey.range![0]);
  const step = keyCol - column(text, (fleetPair!.key as Scalar).range![0]);
  const ind = ' '.repeat(keyCol);
  const child = ' '.repeat(keyCol + (step > 0 ? step : 2));
  const at = lineEndAfter(text, fleet.range![1]);
  const lead = at > 0 && text[at - 1] !== '\n' ? eol : '';
  return text.slice(0, at) + lead + [`${ind}promoted:`, ...lines(child)].join(eol) + eol + text.slice(at);
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String((p.key as Scalar).value) === key) as Pair | undefined;
}

/** Removes the whole lines a key and its value span. */
function cutLines(text: string, p: Pair): string {
  const keyStart = (p.key as Scalar).range![0];
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== '') throw new CannotSplice('key does not start its line');
  const v = p.value as { range?: [number, number, number] } | null;
  if (!v?.range) throw new CannotSplice('value without a range');
  return text.slice(0, start) + text.slice(lineEndAfter(text, v.range[1]));
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}
