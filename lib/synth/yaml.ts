import { Document } from 'yaml';
import { GENERATED_PREFIX } from '../manifests/files';

/** Header of every generated manifest. */
export function generatedHeader(source: string): string {
  return `${GENERATED_PREFIX} from ${source}. Do not edit: change the spec and run \`npm run synth\`.\n`;
}

/**
 * Options of the `yaml` package under which it writes, for every plain value it gets right, the
 * same bytes as `toYaml` (test/yaml-emitter.test.ts compares the two).
 */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true } as const;

/**
 * Deterministic YAML for Kubernetes objects (plain JSON data), written so that every reader of the
 * GitOps chain reads back exactly the same data: go-yaml v2 and v3 (kustomize, Argo CD, Flux,
 * sigs.k8s.io/yaml), YAML 1.1 and YAML 1.2 readers.
 * - Key order as built, block style, sequences indented under their key, no line folding (a diff
 *   shows whole values).
 * - A string is written plain only when it is made of printable characters and no reader would take
 *   it for something else: not `yes`/`no`/`on`/`off`/`y`/`n` (YAML 1.1 booleans), `~`/`null`,
 *   numbers in any base or form Go or YAML know (`0o17`, `0x1F`, `1_000`, `1e3`, `.5`, `12:30`,
 *   `.inf`, `.nan`), dates, `<<` (the merge key) or `=`, nor something a plain scalar cannot start
 *   or hold (`- `, `: `, ` #`, `&`, `*`, `!`, `%`, quotes...).
 * - Multi-line strings of printable characters are block literals (`|`, `|-`): a script reads as a
 *   script.
 * - Everything else is double-quoted, with every character that is not printable for YAML escaped:
 *   C0 controls, DEL, the C1 controls (NEL, U+0085, among them: unescaped, go-yaml reads it as a line
 *   break), U+2028 and U+2029 (line and paragraph separators, which break kustomize), the BOM and
 *   the non-characters U+FFFE and U+FFFF. YAML escapes: https://yaml.org/spec/1.2.2/#57-escaped-characters
 * Throws for what JSON cannot hold (lone UTF-16 surrogates: the loader refuses them first).
 */
export function toYaml(obj: unknown): string {
  if (Array.isArray(obj)) {
    if (obj.length === 0) return '[]\n';
    return emitted(() => emitSeq(obj, '', ''));
  }
  if (isRecord(obj)) {
    if (Object.keys(obj).length === 0) return '{}\n';
    return emitted(() => emitMap(obj, '', ''));
  }
  return `${scalar(obj, '')}\n`;
}

/**
 * The text the emitters below append to, line by line (each line with its line feed): one string
 * built by concatenation, not an array of lines joined at the end with each nested item's first line
 * rewritten (issue 19: the emitter's garbage at 1000 releases).
 */
let text = '';

function emitted(emit: () => void): string {
  const outer = text;
  text = '';
  try {
    emit();
    return text;
  } finally {
    text = outer;
  }
}

/** The same as `toYaml`, or undefined for a value that is not plain JSON data (kept for callers that probe). */
export function fastYaml(obj: unknown): string | undefined {
  try { return toYaml(obj); } catch (e) { if (e instanceof NotJson) return undefined; throw e; }
}

/** A value JSON cannot hold (a function, a symbol, a class instance, a lone surrogate). */
export class NotJson extends Error {}

/** Strings `yaml` will not write plain (its plain-string rule): indicators, ': ', ' #', edge spaces. */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Characters a plain or single-quoted scalar may hold: printable, no tab, no line break of any reader. */
const PRINTABLE = /^[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]*$/u;
/** Characters a block literal may hold: printable, tab and \n. */
const BLOCK_PRINTABLE = /^[\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]*$/u;
/** Only strings made of these characters can be read as a number, boolean, null, date, merge or value key. */
const MAYBE_NOT_A_STRING = /^[-+.0-9a-zA-Z_:~<= ]+$/;
/**
 * What readers take for something other than a string, beyond the `yaml` package's own schemas:
 * Go's integer syntax (strconv with base 0: 0x, 0o, 0b, underscores), YAML 1.2 floats (`1e3`),
 * infinities and NaN in every spelling, YAML 1.1 sexagesimals and dates, the 1.1 booleans and nulls,
 * and the merge (`<<`) and value (`=`) keys.
 */
const READ_AS_OTHER: readonly RegExp[] = [
  /^[-+]?(?:0[xX][0-9a-fA-F_]*|0[oO][0-7_]*|0[bB][01_]*|[0-9][0-9_]*)$/,
  /^[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9_]+)?$/,
  /^[-+]?\.?(?:inf|infinity|nan)$/i,
  /^[-+]?[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt ])/,
  /^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:<<|=)$/,
];
/** The `yaml` package's own tests of non-string scalars, YAML 1.1 and 1.2 core (what its writer checks). */
let yamlSchemaTests: readonly RegExp[] | undefined;
/** Built on first use: making a YAML Document at start-up would cost every command, even `--help`. */
const YAML_SCHEMA_TESTS = (): readonly RegExp[] => (yamlSchemaTests ??= (['1.1', '1.2'] as const).flatMap((version) => {
  const schema = new Document(null, { version }).schema as unknown as { tags: TagLike[]; compat?: TagLike[] | null };
  return [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test).map((t) => t.test as RegExp);
}));
interface TagLike { default?: boolean | string; tag: string; test?: RegExp }

/** Whether a string can be written plain (see toYaml). */
export function plainOk(s: string): boolean {
  if (s.length > PLAIN_MEMO_LENGTH) return decidePlain(s);
  let ok = plainMemo.get(s);
  if (ok === undefined) {
    ok = decidePlain(s);
    if (plainMemo.size >= PLAIN_MEMO_SIZE) plainMemo.clear();
    plainMemo.set(s, ok);
  }
  return ok;
}

/**
 * Keys and short values repeat in every object (`metadata`, `name`, `app.kubernetes.io/part-of`...)
 * and most of them go through every reader's tests below: the answers are remembered, within bounds
 * (at most 20 000 strings of at most 128 characters, about 3 MB).
 */
const plainMemo = new Map<string, boolean>();
const PLAIN_MEMO_SIZE = 20_000;
const PLAIN_MEMO_LENGTH = 128;

function decidePlain(s: string): boolean {
  if (s.length === 0 || !PRINTABLE.test(s) || NOT_PLAIN.test(s) || s.startsWith('---') || s.startsWith('...')) return false;
  if (!MAYBE_NOT_A_STRING.test(s)) return true;
  return !READ_AS_OTHER.some((r) => r.test(s)) && !YAML_SCHEMA_TESTS().some((r) => r.test(s));
}

const ESCAPES: Readonly<Record<number, string>> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 34: '\\"', 92: '\\\\' };

/** A double-quoted scalar on one line: printable characters as they are, everything else escaped. */
export function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    const named = ESCAPES[c];
    if (named !== undefined) out += named;
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) throw new NotJson(`a lone UTF-16 surrogate (\\u${c.toString(16)}) cannot be written as UTF-8`);
    else if (c === 0x2028 || c === 0x2029 || c === 0xfeff || c === 0xfffe || c === 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A string as a key or a one-line value. */
function quoted(s: string): string {
  if (plainOk(s)) return s;
  // like the `yaml` package: single quotes for a string with double quotes and no single ones
  if (s.includes('"') && !s.includes("'") && PRINTABLE.test(s)) return `'${s}'`;
  return doubleQuoted(s);
}

/**
 * The lines of a block literal for a multi-line value, or undefined when a literal cannot hold it
 * exactly (non-printable characters, a first line starting with white space or empty, trailing
 * white space on the last line, more than one trailing line break): those are double-quoted.
 */
function blockLiteral(s: string, indent: string): string[] | undefined {
  if (!s.includes('\n') || !BLOCK_PRINTABLE.test(s) || /^[ \t\n]/.test(s)) return undefined;
  let body = s;
  let chomp = '-';
  if (body.endsWith('\n')) {
    body = body.slice(0, -1);
    chomp = '';
    if (body.endsWith('\n')) return undefined;
  }
  const last = body.slice(body.lastIndexOf('\n') + 1);
  if (last !== '' && /^[ \t]+$/.test(last)) return undefined; // a last line of white space only would be eaten by chomping
  return [`|${chomp}`, ...body.split('\n').map((l) => (l === '' ? '' : `${indent}${l}`))];
}

function scalar(v: unknown, childIndent: string): string | string[] {
  switch (typeof v) {
    case 'string': return blockLiteral(v, childIndent) ?? quoted(v);
    case 'number':
      if (Number.isNaN(v)) return '.nan';
      if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
      return String(v);
    case 'boolean': return String(v);
    case 'object': if (v === null) return 'null'; break;
    default: break;
  }
  throw new NotJson(`cannot write ${typeof v === 'object' ? Object.prototype.toString.call(v) : typeof v} as YAML: generated objects are plain JSON data`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Values JSON drops from a mapping. */
const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** Whether a mapping has an entry JSON keeps (one that is not undefined, a function or a symbol). */
function hasEntries(obj: Record<string, unknown>): boolean {
  for (const k in obj) if (hasOwn(obj, k) && !skipped(obj[k])) return true;
  return false;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The indentation one level below `indent`, remembered: the emitter asks for it at every entry, and
 * a synth at 1000 releases made ~1.7 GB of short-lived strings and arrays (issue 19: most of the
 * garbage collector's time is in the young generation), so the emitter allocates only what it writes.
 */
function childIndent(indent: string): string {
  let c = CHILD_INDENTS.get(indent);
  if (c === undefined) { c = `${indent}  `; CHILD_INDENTS.set(indent, c); }
  return c;
}
const CHILD_INDENTS = new Map<string, string>();

/**
 * A mapping's entries at `indent`, its first line led by `first` instead (`- ` where the mapping is
 * a sequence item).
 */
function emitMap(obj: Record<string, unknown>, indent: string, first: string): void {
  let lead = first;
  // for...in, not Object.keys: no array per mapping; own keys only, in the same order
  for (const k in obj) {
    if (!hasOwn(obj, k)) continue;
    const v = obj[k];
    if (skipped(v)) continue;
    const key = quoted(k);
    if (key.length > 1024) throw new NotJson(`a mapping key of ${k.length} characters is longer than YAML's 1024 for an implicit key`);
    emitEntry(`${lead}${key}:`, v, indent);
    lead = indent;
  }
}
/** A sequence's items at `indent`, its first line led by `first` instead. */
function emitSeq(arr: readonly unknown[], indent: string, first: string): void {
  let lead = first;
  for (const v of arr) {
    const item = skipped(v) ? null : v;
    if (Array.isArray(item) && item.length > 0) emitSeq(item, childIndent(indent), `${lead}- `);
    else if (isRecord(item) && hasEntries(item)) emitMap(item, childIndent(indent), `${lead}- `);
    else emitEntry(`${lead}-`, item, indent);
    lead = indent;
  }
}
function emitEntry(prefix: string, v: unknown, indent: string): void {
  if (Array.isArray(v)) {
    if (v.length === 0) text += `${prefix} []\n`;
    else { text += `${prefix}\n`; const c = childIndent(indent); emitSeq(v, c, c); }
  } else if (isRecord(v)) {
    if (!hasEntries(v)) text += `${prefix} {}\n`;
    else { text += `${prefix}\n`; const c = childIndent(indent); emitMap(v, c, c); }
  } else {
    const s = scalar(v, childIndent(indent));
    if (typeof s === 'string') text += `${prefix} ${s}\n`;
    else { text += `${prefix} ${s[0]}\n`; for (let i = 1; i < s.length; i++) text += `${s[i]}\n`; }
  }
}
