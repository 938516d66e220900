import { Document, isMap, isNode, isPair, isScalar, LineCounter, Node, parseDocument, YAMLMap } from 'yaml';
import { SpecProblem, pathToString } from './errors';

/** Largest spec file accepted; a release spec is a few kilobytes. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** A parsed YAML file that remembers where every field is. */
export class SourceDocument {
  /** Reads and parses a spec file's bytes; returns problems instead of throwing. */
  public static parse(file: string, bytes: Buffer): SourceDocument | SpecProblem[] {
    const whole = (message: string, hint: string): SpecProblem[] => [{ file, line: 0, col: 0, path: '', message, hint }];
    if (bytes.length > MAX_SPEC_BYTES) {
      return whole(`file is too large (${bytes.length} bytes, limit ${MAX_SPEC_BYTES})`, 'a release spec is a few kilobytes: check that the right file is in releases/');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      const at = firstInvalidUtf8(bytes);
      return whole(`file is not valid UTF-8 (first bad byte at offset ${at})`, 're-save the file as UTF-8');
    }
    if (text.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(text)) {
      return whole('file is empty', 'write a release spec (see releases/ for examples) or delete the file');
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: true });
    if (doc.errors.length > 0) {
      return doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          file, line: pos.line, col: pos.col, path: '',
          message: `yaml syntax error: ${e.message.split('\n')[0].replace(/^./, (c) => c.toLowerCase()).replace(/\.$/, '')}`,
          hint: e.code === 'DUPLICATE_KEY' ? 'remove one of the duplicate keys' : 'fix the YAML syntax at this position',
        };
      });
    }
    return new SourceDocument(file, text, doc, lineCounter);
  }

  private constructor(
    public readonly file: string,
    public readonly text: string,
    public readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  /** The document as plain data. */
  public toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /**
   * Line and column of a field. For a missing field, the position of its nearest existing parent;
   * with `key`, the position of the field's key rather than its value.
   */
  public locate(path: readonly (string | number)[], key = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let best: Node | undefined = isNode(node) ? node : undefined;
    let keyNode: Node | undefined;
    for (const seg of path) {
      if (!isNode(node)) break;
      if (isMap(node)) {
        const pair = (node as YAMLMap).items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        keyNode = isNode(pair.key) ? pair.key : undefined;
        node = pair.value;
      } else {
        keyNode = undefined;
        node = (node as { get?: (k: unknown, keep: boolean) => unknown }).get?.(seg, true);
      }
      if (isNode(node)) best = node;
      else if (keyNode) best = keyNode;
    }
    const target = key && keyNode ? keyNode : best;
    const offset = target?.range?.[0] ?? 0;
    return this.lineCounter.linePos(offset);
  }

  /** A problem at a field. */
  public problem(path: readonly (string | number)[], message: string, hint: string, value?: unknown, atKey = false): SpecProblem {
    const { line, col } = this.locate(path, atKey);
    return { file: this.file, line, col, path: pathToString(path), message, hint, ...(value === undefined ? {} : { value }) };
  }
}

/** Offset of the first byte that breaks UTF-8 (linear scan). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const n = b < 0x80 ? 0 : (b & 0xe0) === 0xc0 && b >= 0xc2 ? 1 : (b & 0xf0) === 0xe0 ? 2 : (b & 0xf8) === 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return bytes.length;
}
