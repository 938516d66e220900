import * as fs from 'fs';
import * as path from 'path';

/**
 * The mappings of a schema of lib/spec/schema/ that refuse unknown keys (`additionalProperties:
 * false`), by JSON pointer (`#` for the top level, `/definitions/Wave`, ...): the places where a
 * misspelt key must be refused with a did-you-mean, each a case of the spec suites.
 */
export function strictMappings(schemaFile: string): Set<string> {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'spec', 'schema', schemaFile), 'utf8')) as unknown;
  const out = new Set<string>();
  const walk = (n: unknown, at: string): void => {
    if (Array.isArray(n)) n.forEach((x, i) => walk(x, `${at}/${i}`));
    else if (n && typeof n === 'object') {
      if ((n as Record<string, unknown>).additionalProperties === false) out.add(at || '#');
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    }
  };
  walk(schema, '');
  return out;
}

/** A misspelt key in one mapping of a schema: the whole file's text (`typo:` in it once) and the key meant. */
export interface TypoCase {
  /** JSON pointer of the mapping in the schema (see strictMappings). */
  readonly schema: string;
  readonly text: string;
  readonly typo: string;
  readonly meant: string;
}

/**
 * The one problem a TypoCase must give, as formatted: `FILE:LINE:COL path.typo: unknown field
 * 'typo'; did you mean 'meant'? (allowed: ...`, at the misspelt key.
 */
export function typoProblem(file: string, c: TypoCase): RegExp {
  const offset = c.text.indexOf(`${c.typo}:`);
  if (offset < 0 || c.text.indexOf(`${c.typo}:`, offset + 1) >= 0) throw new Error(`test bug: '${c.typo}:' must be in the text once`);
  const before = c.text.slice(0, offset);
  const at = `${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc(file)}:${at}: (?:[\\w.\\[\\]]+\\.)?${esc(c.typo)}: unknown field '${esc(c.typo)}'; did you mean '${esc(c.meant)}'\\? \\(allowed: `);
}
