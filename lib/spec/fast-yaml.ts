import { Document } from 'yaml';

/**
 * The data of a YAML text written in the plain block style most specs use, read in one pass over
 * its lines; undefined for anything else, which the caller then reads with the `yaml` package (the
 * reader of record: every message's position, every edit, every text outside this style).
 *
 * Why: reading the 1000 specs of a synth with `yaml`'s `parseDocument` (its lexer, its parser's
 * syntax tree, its composer's nodes with their positions) was about a quarter of synth's CPU, plus
 * much of its garbage (issue 19). A spec read here gives the same value `parseDocument(text).toJS()`
 * gives, or nothing: test/plain-yaml.test.ts compares both on every reference spec, on each rule
 * below, and on generated variations.
 *
 * The style read (anything outside it is undefined, never a guess):
 * - printable ASCII and line feeds only (no tab, no carriage return, no other character);
 * - blank lines and comment lines anywhere; a comment after a value (` #`);
 * - block mappings (`key: value`, `key:` with its value on the lines below, more indented, or a
 *   sequence at the key's own indentation) with unique keys of letters, digits, `_`, `.`, `/` and
 *   `-` that start with a letter or `_` and that the YAML 1.2 core schema reads as text;
 * - block sequences (`- value`, `- key: value` starting a mapping, `-` with its value below);
 * - one-line values: plain text that the core schema reads as text (no indicator first, no `: `
 *   inside, no `:` last), whole numbers of up to 15 digits, `'single'` or `"double"` quoted text
 *   without escapes or quotes inside, `[a, b]` lists of plain text or numbers, `[]` and `{}`.
 * Not read here: anchors, aliases, tags, directives, `---`, block scalars (`|`, `>`), multi-line
 * values, flow mappings, `null`, `true`/`false`, `~`, other numbers (they take the `yaml` path, which
 * gives them their type).
 */
export function readPlainYaml(text: string): { readonly value: unknown } | undefined {
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    if (c === 10) {
      let ind = start;
      while (ind < i && text.charCodeAt(ind) === 32) ind++;
      let end = i;
      while (end > ind && text.charCodeAt(end - 1) === 32) end--;
      if (end > ind && text.charCodeAt(ind) !== 35 /* # */) lines.push({ ind: ind - start, text: text.slice(ind, end) });
      start = i + 1;
    } else if (c < 32 || c > 126) return undefined;
  }
  if (lines.length === 0) return undefined;
  const r = new Reader(lines);
  try {
    const value = r.block(lines[0].ind);
    return r.at === lines.length ? { value } : undefined;
  } catch (e) {
    if (e === NOT_PLAIN) return undefined;
    throw e;
  }
}

interface Line { ind: number; text: string }

/** Thrown inside the reader when the text leaves the style it reads. */
const NOT_PLAIN = new Error('not plain block YAML');

/** `key:` then the end of the line or a space. */
const KEY = /^([A-Za-z_][A-Za-z0-9_./-]*):(?: (.*))?$/;
/** A one-line plain value: no indicator first, no `: ` inside, no `:` last, no ` #` (cut before). */
const PLAIN_FIRST = /^[^-?:,[\]{}#&*!|>'"%@`]/;
const WHOLE_NUMBER = /^[0-9]{1,15}$/;
const QUOTED = /^(?:"([^"\\]*)"|'([^']*)')(?: +#.*)?$/;
const FLOW_ITEM = /^[A-Za-z0-9_./-]+$/;

class Reader {
  public at = 0;
  constructor(private readonly lines: Line[]) {}

  /** The block node whose first line is the current one, at indentation `ind`. */
  public block(ind: number): unknown {
    const l = this.lines[this.at];
    if (l.ind !== ind) throw NOT_PLAIN;
    if (isSeqItem(l.text)) return this.seq(ind);
    if (KEY.test(l.text)) return this.map(ind);
    throw NOT_PLAIN; // a scalar on a line of its own (multi-line values are not read here)
  }

  private map(ind: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.at < this.lines.length) {
      const l = this.lines[this.at];
      if (l.ind < ind) break;
      if (l.ind > ind || isSeqItem(l.text)) throw NOT_PLAIN;
      const m = KEY.exec(l.text);
      if (!m) throw NOT_PLAIN;
      const key = m[1];
      if (key === '__proto__' || key.length > 1024 || Object.prototype.hasOwnProperty.call(out, key) || !readsAsText(key)) throw NOT_PLAIN;
      this.at++;
      const rest = m[2]?.trimStart();
      if (rest !== undefined && rest !== '' && !rest.startsWith('#')) {
        out[key] = inline(rest);
        this.noDeeper(ind);
      } else {
        out[key] = this.below(ind, true);
      }
    }
    return out;
  }

  private seq(ind: number): unknown[] {
    const out: unknown[] = [];
    while (this.at < this.lines.length) {
      const l = this.lines[this.at];
      if (l.ind < ind || (l.ind === ind && !isSeqItem(l.text))) break;
      if (l.ind > ind) throw NOT_PLAIN;
      let sp = 1;
      while (sp < l.text.length && l.text.charCodeAt(sp) === 32) sp++;
      const rest = l.text.slice(sp);
      if (rest === '' || rest.startsWith('#')) {
        this.at++;
        out.push(this.below(ind, false));
      } else if (isSeqItem(rest) || KEY.test(rest)) {
        // `- key: value` or `- - x`: a block node starting at the item's text
        this.lines[this.at] = { ind: l.ind + sp, text: rest };
        out.push(this.block(l.ind + sp));
      } else {
        this.at++;
        out.push(inline(rest));
        this.noDeeper(ind);
      }
    }
    return out;
  }

  /** The value of a `key:` or `-` whose line ends there: the more indented block below, or null. */
  private below(ind: number, inMap: boolean): unknown {
    const next = this.lines[this.at];
    if (next && next.ind > ind) return this.block(next.ind);
    // a mapping's key may hold a sequence at the key's own indentation
    if (inMap && next && next.ind === ind && isSeqItem(next.text)) return this.seq(ind);
    return null;
  }

  /** After a one-line value, the next line may not be more indented (it would continue the value). */
  private noDeeper(ind: number): void {
    const next = this.lines[this.at];
    if (next && next.ind > ind) throw NOT_PLAIN;
  }
}

const isSeqItem = (t: string) => t === '-' || t.startsWith('- ');

/** A one-line value after `key: ` or `- `. */
function inline(s: string): unknown {
  const c = s.charCodeAt(0);
  if (c === 34 || c === 39) { // " '
    const m = QUOTED.exec(s);
    if (!m) throw NOT_PLAIN;
    return m[1] ?? m[2];
  }
  const hash = s.indexOf(' #');
  const v = hash >= 0 ? s.slice(0, hash).trimEnd() : s;
  if (v === '{}') return {};
  if (c === 91) return flowSeq(v); // [
  if (!PLAIN_FIRST.test(v) || v.includes(': ') || v.endsWith(':') || v.includes('#')) throw NOT_PLAIN;
  if (WHOLE_NUMBER.test(v)) return Number.parseInt(v, 10);
  if (!readsAsText(v)) throw NOT_PLAIN;
  return v;
}

/** `[a, b, 25]`: plain text items and whole numbers. */
function flowSeq(v: string): unknown[] {
  if (!v.endsWith(']')) throw NOT_PLAIN;
  const inner = v.slice(1, -1).trim();
  if (inner === '') return [];
  return inner.split(',').map((raw) => {
    const item = raw.trim();
    if (!FLOW_ITEM.test(item) || item.startsWith('-')) throw NOT_PLAIN;
    if (WHOLE_NUMBER.test(item)) return Number.parseInt(item, 10);
    if (!readsAsText(item)) throw NOT_PLAIN;
    return item;
  });
}

/**
 * Whether the YAML 1.2 core schema (what `parseDocument` reads by default) takes a plain scalar for
 * text: none of its other tags' tests (null, booleans, numbers in every form) matches. The tests are
 * the `yaml` package's own.
 */
export function readsAsText(s: string): boolean {
  let ok = TEXT_MEMO.get(s);
  if (ok === undefined) {
    ok = !coreTests().some((t) => t.test(s));
    if (TEXT_MEMO.size >= 10_000) TEXT_MEMO.clear();
    TEXT_MEMO.set(s, ok);
  }
  return ok;
}
const TEXT_MEMO = new Map<string, boolean>();

let tests: readonly RegExp[] | undefined;
function coreTests(): readonly RegExp[] {
  if (!tests) {
    const schema = new Document(null, { version: '1.2' }).schema as unknown as { tags: { default?: boolean | string; tag: string; test?: RegExp }[] };
    tests = schema.tags.filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test).map((t) => t.test as RegExp);
  }
  return tests;
}
