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
  if (!text.includes('#')) return [];
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
