import { Document, isMap, isScalar, parse } from 'yaml';
import { SourceDocument } from '../spec/document';

/**
 * A spec's text with one top-level section (e.g. `router`) replaced by `value`, every other byte kept:
 * the lines from the section's key to the end of its value are spliced out and the new section,
 * rendered block style with two-space indentation like the reference specs, goes in their place.
 * Comments inside the old section go with it; comments and layout elsewhere stay. Falls back to a
 * Document edit (comments kept, spacing possibly normalized) when the splice would not read back as
 * the same document with the new section. Pure: text in, text out; the caller validates the result.
 *
 * @throws Error when the spec has no such top-level key
 */
export function replaceSpecSection(src: SourceDocument, key: string, value: unknown): string {
  const text = src.text;
  const root = src.doc.contents;
  const pair = isMap(root) ? root.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
  const keyRange = pair && isScalar(pair.key) ? pair.key.range : undefined;
  const valueRange = (pair?.value as { range?: [number, number, number] } | null | undefined)?.range;
  if (!keyRange) throw new Error(`internal: the spec has no top-level ${key}`);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const rendered = new Document({ [key]: value }).toString({ indent: 2, indentSeq: true, lineWidth: 0 }).replace(/\n/g, eol);
  const start = keyRange[0];
  // the end of the value node (its trailing comment and line break included), else the end of the key's line
  let end = valueRange ? valueRange[1] : keyRange[1];
  if (text[end - 1] !== '\n') {
    const lineEnd = text.indexOf('\n', end);
    end = lineEnd < 0 ? text.length : lineEnd + 1;
  }
  const spliced = text.slice(0, start) + rendered + text.slice(end);
  const wanted = { ...(src.doc.toJS() as Record<string, unknown>), [key]: value };
  try {
    if (JSON.stringify(parse(spliced)) === JSON.stringify(wanted)) return spliced;
  } catch {
    // fall through
  }
  const doc = src.doc.clone() as Document;
  doc.set(key, doc.createNode(value));
  return doc.toString();
}
