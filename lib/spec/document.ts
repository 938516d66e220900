import { Document, isMap, isNode, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, visit, YAMLMap } from 'yaml';
import { SpecProblem, pathToString } from './errors';
import { readPlainYaml } from './fast-yaml';

/** Largest spec file accepted; a release spec is a few kilobytes. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** Most times one anchor's contents may be repeated through aliases. */
export const MAX_ALIAS_COUNT = 100;

/** A parsed YAML file that remembers where every field is. */
export class SourceDocument {
  /** Reads and parses a spec file's bytes; returns problems instead of throwing. */
  public static parse(file: string, bytes: Buffer): SourceDocument | SpecProblem[] {
    // Problems of the whole file point at its first line, so editors and terminals can jump to it.
    const whole = (message: string, hint: string, line = 1, col = 1): SpecProblem[] => [{ file, line, col, path: '', message, hint }];
    if (bytes.length > MAX_SPEC_BYTES) {
      return whole(`file is too large (${bytes.length} bytes, limit ${MAX_SPEC_BYTES})`, 'a release spec is a few kilobytes: check that the right file is in releases/');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      const at = firstInvalidUtf8(bytes);
      const before = bytes.subarray(0, at);
      const line = before.filter((b) => b === 0x0a).length + 1;
      const col = at - (before.lastIndexOf(0x0a) + 1) + 1;
      return whole(`file is not valid UTF-8 (byte 0x${bytes[at].toString(16).padStart(2, '0')} at offset ${at})`, 're-save the file as UTF-8', line, col);
    }
    if (onlyComments(text)) {
      return whole('file is empty', 'write a release spec (see releases/ for examples) or delete the file');
    }
    // most specs are read by js-yaml, to the same value `yaml` would give; the `yaml` document
    // (positions, edits) is parsed when it is first needed (lib/spec/fast-yaml.ts)
    const plain = readPlainYaml(text);
    if (plain) return new SourceDocument(file, text, undefined, plain.value);
    const { doc, lineCounter } = parseText(text);
    if (doc.errors.length > 0 || doc.warnings.length > 0) {
      // The first syntax error only: the ones after it are usually its echoes.
      const e = doc.errors[0] ?? doc.warnings[0];
      let pos = lineCounter.linePos(e.pos[0]);
      if (e.code === 'RESOURCE_EXHAUSTION') {
        // where the stack ran out depends on the machine: point at the line's first bracket instead
        const lineText = text.split('\n')[pos.line - 1] ?? '';
        const bracket = lineText.search(/[[{]/);
        pos = { line: pos.line, col: bracket >= 0 ? bracket + 1 : 1 };
      }
      const known: Record<string, [string, string]> = {
        MULTIPLE_DOCS: ['the file holds more than one YAML document (a second --- line)', 'keep one release per file: move the second document into its own file'],
        DUPLICATE_KEY: ['map keys must be unique', 'remove one of the duplicate keys'],
        TAB_AS_INDENT: ['tabs are not allowed as indentation', 'indent with spaces'],
        // the parser ran out of stack: lists or mappings nested hundreds of levels deep
        RESOURCE_EXHAUSTION: ['lists or mappings nest too deep to read', 'a release spec nests a few levels: remove the extra [ { brackets or indentation levels'],
      };
      if (e.code === 'MISSING_CHAR' && /^Sequence item without/.test(e.message)) {
        // reported at the start of the line: point at the item's text instead
        const lineText = text.split('\n')[pos.line - 1] ?? '';
        pos = { line: pos.line, col: Math.max(lineText.search(/\S/), 0) + 1 };
      }
      if (e.code === 'BAD_INDENT' || e.code === 'BLOCK_AS_IMPLICIT_KEY') {
        const bad = badIndent(text, doc, lineCounter, e.pos[0], e.code === 'BLOCK_AS_IMPLICIT_KEY');
        if (bad) return [{ file, ...bad }];
      }
      const [message, hint] = known[e.code] ?? [e.message.split('\n')[0].replace(/^./, (c) => c.toLowerCase()).replace(/\.$/, ''),
        e.code === 'TAG_RESOLVE_FAILED' ? 'remove the tag: a release spec uses plain YAML values only' : 'fix the YAML syntax at this position'];
      return [{ file, line: pos.line, col: pos.col, path: '', message: `yaml syntax error: ${message}`, hint }];
    }
    // %YAML 1.1 switches the parser to YAML 1.1's types: `010` is then 8, `yes` true and `1:20` 80,
    // silently (a weight of 010 would be 8%). Specs are YAML 1.2, the version kubectl and Argo CD read.
    const version = doc.directives?.yaml;
    if (version?.explicit && version.version !== '1.2') {
      const at = text.search(/^%YAML/m);
      const pos = lineCounter.linePos(Math.max(at, 0));
      return [{ file, line: pos.line, col: pos.col, path: '', message: `the %YAML ${version.version} directive makes the parser read YAML ${version.version} types (010 is then 8, yes is true, 1:20 is 80)`, value: `%YAML ${version.version}`, hint: 'remove the %YAML line: a spec is YAML 1.2' }];
    }
    // A key that is a list, a mapping or an alias (`? [a, b]`, `*ref: x`) has no field name: the
    // YAML library would stringify it and print a process warning to stderr.
    const complexKey = firstComplexKey(doc);
    if (complexKey) {
      const [start, end] = complexKey.node.range ?? [0, 0];
      const pos = lineCounter.linePos(start);
      return [{ file, line: pos.line, col: pos.col, path: pathToString(complexKey.at), message: `yaml ${complexKey.what} used as a map key`, value: text.slice(start, end).trim(), hint: 'write the field name as plain text, e.g. name: value' }];
    }
    // Tags the YAML library resolves to values JSON has not (!!binary a Buffer, !!timestamp a Date,
    // !!set a Set, !!omap a Map, !!pairs a list of pairs): the schema would see them as mappings.
    const exotic = firstExoticTag(doc);
    if (exotic) {
      const [start, end] = exotic.node.range ?? [0, 0];
      const pos = lineCounter.linePos(start);
      const short = exotic.tag.replace(/^tag:yaml\.org,2002:/, '!!');
      return [{ file, line: pos.line, col: pos.col, path: pathToString(exotic.at), message: `yaml tag ${short} makes a value a spec cannot hold (only text, numbers, true/false, null, lists and mappings)`, value: text.slice(start, end).trim(), hint: `remove the tag ${short} and write the value as plain YAML` }];
    }
    // Aliases resolve only now: an undefined anchor, or an alias "bomb" that would expand into
    // millions of nodes, is reported at the first alias instead of crashing or hanging.
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      let first: Node | undefined;
      let at: (string | number)[] = [];
      visit(doc, {
        Alias(_key, node, ancestors) {
          first = node;
          at = ancestors.flatMap((a, i): (string | number)[] => {
            if (isPair(a) && isScalar(a.key)) return [String(a.key.value)];
            if (isSeq(a)) return [a.items.indexOf((ancestors[i + 1] ?? node) as never)];
            return [];
          });
          return visit.BREAK;
        },
      });
      const pos = lineCounter.linePos(first?.range?.[0] ?? 0);
      const msg = (e as Error).message;
      const path = pathToString(at);
      return [/excessive alias count/i.test(msg)
        ? { file, line: pos.line, col: pos.col, path, message: `yaml aliases expand too much (more than ${MAX_ALIAS_COUNT} uses of one anchor's contents)`, hint: 'write the values out instead of nesting aliases' }
        : { file, line: pos.line, col: pos.col, path, message: `yaml alias error: ${msg.replace(/^./, (c) => c.toLowerCase())}`, hint: 'define the anchor (&name) before its alias (*name)' }];
    }
    return new SourceDocument(file, text, { doc, lineCounter }, data);
  }

  private parsed?: { doc: Document.Parsed; lineCounter: LineCounter };

  private constructor(
    public readonly file: string,
    public readonly text: string,
    parsed: { doc: Document.Parsed; lineCounter: LineCounter } | undefined,
    /** The document as plain data, as parsed (before any edit). */
    public readonly parsedData: unknown,
  ) {
    this.parsed = parsed;
  }

  /** The YAML document (positions and source tokens kept, for messages and in-place edits). */
  public get doc(): Document.Parsed {
    return this.reparsed().doc;
  }

  private get lineCounter(): LineCounter {
    return this.reparsed().lineCounter;
  }

  /**
   * Drops the parsed document and keeps the text; the document is parsed again if it is needed
   * (a message about this file, an edit). A full synth keeps every release this way, so its memory
   * does not grow with the size of the YAML documents. Edits made to `doc` before are lost.
   */
  public compact(): void {
    this.parsed = undefined;
  }

  private reparsed(): { doc: Document.Parsed; lineCounter: LineCounter } {
    if (!this.parsed) this.parsed = parseText(this.text);
    return this.parsed;
  }

  /** The document as plain data (again, after edits). */
  public toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
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

/** Whether a text holds nothing but blank lines and comments (linear; a regular expression for it backtracks). */
export function onlyComments(text: string): boolean {
  return text.split(/\r?\n|\r/).every((l) => { const t = l.trim(); return t === '' || t.startsWith('#'); });
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

/** The tags of the YAML core schema (JSON's values); any other resolved tag makes a value JSON has not. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** The first node whose tag resolves to a value outside JSON's (see PLAIN_TAGS), with its path. */
function firstExoticTag(doc: Document.Parsed): { node: Node; at: (string | number)[]; tag: string } | undefined {
  let found: { node: Node; at: (string | number)[]; tag: string } | undefined;
  visit(doc, {
    Node(_key, node, ancestors) {
      if (!node.tag || PLAIN_TAGS.has(node.tag)) return undefined;
      found = { node, at: pathOf(ancestors, node), tag: node.tag };
      return visit.BREAK;
    },
  });
  return found;
}

/** The field path of a node from the ancestors a `visit` gives. */
function pathOf(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  return ancestors.flatMap((a, i): (string | number)[] => {
    if (isPair(a) && isScalar(a.key)) return [String(a.key.value)];
    if (isSeq(a)) return [a.items.indexOf((ancestors[i + 1] ?? node) as never)];
    return [];
  });
}

/**
 * A mapping item indented unlike the items before it. The YAML library reports it at the end of the
 * item before (often a comment line above it) or, when the line above holds a plain value, as that
 * value continuing into a nested mapping (`port: 8080` then `   replicas: 2`); this finds the item
 * itself, its field path (the key where the library read it, else as a sibling of the field above)
 * and the column of the field above it. Undefined when the error is something else.
 */
function badIndent(text: string, doc: Document.Parsed, lineCounter: LineCounter, from: number, afterValue: boolean): Omit<SpecProblem, 'file'> | undefined {
  const lines = text.split('\n');
  const blank = (l: string) => /^\s*(#.*)?\r?$/.test(l);
  // the key runs to the first ':' and is trimmed in code (a lazy key before `\s*` backtracked
  // polynomially on a long run of spaces: test/regex-safety)
  const keyLine = /^(\s*)(?:- )?([^\s:#'"{[][^:#]*):(?:\s|$)/;
  // the column of a line's key (after a list item's '- ')
  const keyCol = (l: string, ind: number) => ind + (l.slice(ind).startsWith('- ') ? 2 : 0);
  const start = lineCounter.linePos(from);
  // the first line after the reported position that holds content (not blank, not a comment)
  let n = start.line - 1;
  if (afterValue || (lines[n] !== undefined && lines[n].slice(0, start.col - 1).trim() !== '')) n++;
  while (n < lines.length && blank(lines[n])) n++;
  const own = n < lines.length ? keyLine.exec(lines[n]) : null;
  if (!own) return undefined;
  const indent = own[1].length;
  const key = own[2].trimEnd();
  // the content line above: the field it was meant to line up with (or its parent)
  let m = n - 1;
  while (m >= 0 && blank(lines[m])) m--;
  const above = m >= 0 ? keyLine.exec(lines[m]) : null;
  if (afterValue && (!above || keyCol(lines[m], above[1].length) >= indent)) return undefined;
  const offsetOf = (line: number, col: number) => lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0) + col;
  const pathOfKeyAt = (offset: number): (string | number)[] | undefined => {
    let at: (string | number)[] | undefined;
    visit(doc, {
      Pair(_k, pair, ancestors) {
        if (isScalar(pair.key) && pair.key.range?.[0] === offset) { at = [...pathOf(ancestors, pair), String(pair.key.value)]; return visit.BREAK; }
        return undefined;
      },
    });
    return at;
  };
  const aboveCol = above ? keyCol(lines[m], above[1].length) : 0;
  const sibling = above ? pathOfKeyAt(offsetOf(m, aboveCol)) : undefined;
  const at = pathOfKeyAt(offsetOf(n, keyCol(lines[n], indent))) ?? (sibling ? [...sibling.slice(0, -1), key] : []);
  const nearby = above ? `; the field above it, '${above[2].trimEnd()}' on line ${m + 1}, starts at column ${aboveCol + 1}` : '';
  return {
    line: n + 1, col: indent + 1, path: pathToString(at),
    message: `yaml syntax error: '${key}' starts at column ${indent + 1}, not where the other fields of its mapping start${nearby}`,
    value: lines[n].trim(),
    hint: `indent '${key}' exactly like the fields it belongs with (spaces only, two per level as \`new\` writes them)`,
  };
}

/** The first map key that is not a scalar (a list, a mapping or an alias), with the path of its map. */
function firstComplexKey(doc: Document.Parsed): { node: Node; at: (string | number)[]; what: string } | undefined {
  let found: { node: Node; at: (string | number)[]; what: string } | undefined;
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isNode(pair.key) || isScalar(pair.key)) return undefined;
      found = { node: pair.key, at: pathOf(ancestors, pair), what: isMap(pair.key) ? 'mapping' : isSeq(pair.key) ? 'list' : 'alias' };
      return visit.BREAK;
    },
  });
  return found;
}

function parseText(text: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  return { doc, lineCounter };
}
