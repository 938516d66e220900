import { SourceDocument } from './document';
import { SpecProblem } from './errors';

/**
 * Strings that cannot reach a cluster intact, anywhere in the spec: a NUL (an env var or argument
 * ends at it; YAML readers refuse it), a lone UTF-16 surrogate (written to a UTF-8 file it becomes
 * U+FFFD), and the characters kustomize (so Argo CD and Flux) cannot carry however dist/ escapes
 * them: DEL, the C1 controls, U+FFFE and U+FFFF make it fail; NEL, LS and PS come out as spaces or
 * raw line breaks (test/yaml-emitter.test.ts shows each).
 */
export function unrepresentableProblems(src: SourceDocument, spec: unknown): SpecProblem[] {
  const out: SpecProblem[] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    if (typeof v === 'string') {
      const bad = /[\x7f-\x9f\u2028\u2029\ufffe\uffff]/.exec(v);
      if (v.includes('\0')) out.push(src.problem(at, 'holds a NUL character, which no container, env var or YAML reader takes', 'remove the \\0 escape', v));
      else if (/[\ud800-\udfff]/u.test(v)) out.push(src.problem(at, 'holds a lone UTF-16 surrogate, which cannot be written as UTF-8', 'remove the \\u escape of the surrogate', v));
      else if (bad) {
        const code = `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        const name: Record<string, string> = { 'U+007F': ' (DEL)', 'U+0085': ' (NEL)', 'U+2028': ' (LINE SEPARATOR)', 'U+2029': ' (PARAGRAPH SEPARATOR)' };
        out.push(src.problem(at, `holds ${code}${name[code] ?? ''}, a character kustomize (and so Argo CD and Flux) cannot carry: it fails on it or turns it into a space or a line break`, 'remove it (for a line break write \\n)', v));
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if (k.includes('\0')) out.push(src.problem([...at, k], 'key holds a NUL character', 'remove it', k, true)); walk(x, [...at, k]); }
  };
  walk(spec, []);
  return out;
}

