/**
 * Secrets in YAML comments. A comment is committed to git like any value, so a credential in one
 * (`# db: postgres://admin:s3cr3t@db.example.com/shop`) is refused the same way: at its position,
 * never echoed. Comments come from the `yaml` package's lexer (what a YAML reader calls a comment,
 * not every `#`); the secret shapes are those of `secretKind` (./secrets.ts).
 */
import { Lexer } from 'yaml';
import { SpecProblem } from './errors';
import { secretKind } from './secrets';

/** The lexer's control tokens (document start, flow end, scalar): markers, not text. */
const CONTROL = new Set(['\x02', '\x18', '\x1f']);

/** Problems for comments of `text` (the file shown as `file`) that look like secrets; [] for most files. */
export function secretCommentProblems(file: string, text: string): SpecProblem[] {
  if (!text.includes('#') || !mayHold(text)) return [];
  const out: SpecProblem[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token.startsWith('#')) {
      const hit = secretKind(token);
      if (hit) {
        const before = text.slice(0, offset);
        const line = before.split('\n').length;
        const col = offset - (before.lastIndexOf('\n') + 1) + 1;
        out.push({ file, line, col, path: '', message: `comment looks like ${hit}; comments are committed to git in clear text too`, value: '<hidden>', hint: 'remove it from the comment (keep the credential in a Secret created outside git)' });
      }
    }
    if (!CONTROL.has(token)) offset += token.length; // the lexer's control tokens are not in the text
  }
  return out;
}

/**
 * Whether the text after the first `#` of some line looks like a secret: a cheap pass before the
 * lexer. A comment runs from its `#` to the end of its line, so it lies inside that line rest, and
 * every secret shape of `secretKind` is a search whose word boundaries fall the same inside it (a
 * comment starts with `#` and ends the line); a `#` inside a value only adds text, which the lexer
 * then settles. One pass over the text. Lexing every spec cost about 80 ms of synth at 1000 specs
 * (issue 19).
 */
function mayHold(text: string): boolean {
  for (let i = text.indexOf('#'); i !== -1;) {
    const end = text.indexOf('\n', i);
    if (secretKind(text.slice(i, end === -1 ? text.length : end))) return true;
    if (end === -1) return false;
    i = text.indexOf('#', end);
  }
  return false;
}
