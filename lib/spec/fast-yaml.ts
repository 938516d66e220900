import { CORE_SCHEMA, load, loadAll } from 'js-yaml';

/**
 * The data of a spec's YAML text read by js-yaml with its YAML 1.2 core schema, or undefined when the
 * text holds one of the forms where js-yaml and the `yaml` package could give different values; the
 * caller then reads the text with `yaml`, the reader of record (every message's position, every
 * edit, every error).
 *
 * Why: reading the 1000 specs of a synth with `yaml`'s `parseDocument` (its lexer, syntax tree and
 * composer's nodes with their positions) was about a quarter of synth's CPU, plus much of its
 * garbage (issue 19): about 800 ms for 1000 specs, against about 50 ms with js-yaml's loader. The
 * `yaml` document is parsed only when a message needs a position or a move edits the spec.
 *
 * Left to `yaml` (undefined here): any text with
 * - an anchor, alias or tag (`&a`, `*a`, `!t`; the alias-expansion limit is `yaml`'s), a merge key
 *   (`<<`), a directive (`%YAML 1.1` switches `yaml` to YAML 1.1), a complex key (`? `);
 * - a digit next to `_` or a `0b`/`0o`/`0x` number (js-yaml's core schema still reads `1_000`,
 *   `0b11` and `-0x1F` as numbers, YAML 1.2's core schema as text), or a negative zero (`-0`,
 *   `-0.0`: js-yaml reads 0, `yaml` -0);
 * - a null or empty key (`null: x`, `~: x`, `: x`: js-yaml's key is 'null', `yaml`'s '');
 * - a tab, a carriage return, a byte-order mark or a NUL;
 * - anything js-yaml refuses (duplicate keys, syntax errors, several documents) or reads as no
 *   document at all.
 * test/fast-yaml.test.ts checks that whenever a value is returned, `yaml` reads the same value
 * without error or warning: every spec of the repository and thousands of generated documents.
 *
 * @param text - the file's text (UTF-8 decoded)
 * @returns the value, or undefined when `yaml` must read the text
 */
export function readPlainYaml(text: string): { readonly value: unknown } | undefined {
  if (LEFT_TO_YAML.test(text)) return undefined;
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  return value === undefined || value === null || typeof value !== 'object' ? undefined : { value };
}

/**
 * The documents of a YAML stream (`---`-separated, as a dist/ file may hold) read by js-yaml, on the
 * same terms as readPlainYaml: undefined when the text holds one of the forms left to `yaml` or
 * js-yaml refuses it. A document that is empty gives null, as `yaml`'s `toJS()` does; a text of
 * only comments and blank lines gives no document, as `yaml` reads it.
 *
 * Why: the sync gate of every move reads the moved release's dist/ files before and after, and its
 * wiring; with `yaml`'s parseAllDocuments that was about a third of a cold move's CPU at N=1000
 * (issue 19). lib/manifests/tree.ts falls back to `yaml` for anything that is not plainly a list of
 * Kubernetes objects, so every message keeps its line and column.
 *
 * @param text - the file's text (UTF-8 decoded)
 * @returns the documents in order, or undefined when `yaml` must read the text
 */
export function readPlainYamlDocuments(text: string): { readonly values: readonly unknown[] } | undefined {
  if (LEFT_TO_YAML.test(text)) return undefined;
  try {
    const values = loadAll(text, undefined, { schema: CORE_SCHEMA }).map((v) => (v === undefined ? null : v));
    // only comments and blank lines: `yaml` reads no document, js-yaml one null
    const blank = values.length === 1 && values[0] === null && text.split('\n').every((l) => { const t = l.trimStart(); return t === '' || t.startsWith('#'); });
    return { values: blank ? [] : values };
  } catch {
    return undefined;
  }
}

/** The forms listed above; a match on a value that only looks like one costs the `yaml` path, never a wrong value. */
const LEFT_TO_YAML = /[&*!]|<<|^%|\?\s|\d_|_\d|0[boxBOX]|-0\b|-\.\d|(?:null|Null|NULL|~)[ ]*:|(?:^|[{,-])[ ]*:(?:[ \n]|$)|[\t\r\uFEFF\0]/m;
