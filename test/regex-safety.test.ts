import * as fs from 'fs';
import * as path from 'path';
import { checkSync, Diagnostics } from 'recheck';
import * as ts from 'typescript';
import { REPO } from './support/project';

/**
 * Every regular expression in lib/ runs on user input (spec values up to 1 MB, command lines, git
 * output), so none may backtrack super-linearly (ReDoS): a quadratic pattern made every command hang
 * on a long description. recheck (automata theory, with fuzzing where that cannot decide) checks
 * each regular-expression literal and `new RegExp('...')` of lib/, and every `pattern` of the JSON
 * Schemas (ajv compiles them with the `u` flag).
 */

interface Found { readonly where: string; readonly source: string; readonly flags: string }

function regexesOfLib(): Found[] {
  const out: Found[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const sf = ts.createSourceFile(p, fs.readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
        const visit = (n: ts.Node) => {
          const where = `${path.relative(REPO, p)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
          if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
            const m = /^\/(.*)\/([a-z]*)$/s.exec(n.getText());
            if (m) out.push({ where, source: m[1], flags: m[2] });
          } else if (ts.isNewExpression(n) && n.expression.getText() === 'RegExp' && n.arguments?.[0] && ts.isStringLiteralLike(n.arguments[0])) {
            const f = n.arguments[1];
            out.push({ where, source: n.arguments[0].text, flags: f && ts.isStringLiteralLike(f) ? f.text : '' });
          }
          ts.forEachChild(n, visit);
        };
        visit(sf);
      }
    }
  };
  walk(path.join(REPO, 'lib'));
  const schemaDir = path.join(REPO, 'lib/spec/schema');
  for (const f of fs.readdirSync(schemaDir).filter((x) => x.endsWith('.json'))) {
    const walkJson = (v: unknown, at: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => walkJson(x, `${at}[${i}]`));
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'pattern' && typeof x === 'string') out.push({ where: `lib/spec/schema/${f} ${at}`, source: x, flags: 'u' });
          else walkJson(x, `${at}.${k}`);
        }
      }
    };
    walkJson(JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')), '');
  }
  return out;
}

// recheck's fuzzing (the checker of a pattern with lookarounds or bounded repeats) stops on wall-clock
// limits by default, so its verdict changed with the machine's load; with those off it stops on its
// character limits alone and, with its fixed random seed (0), decides the same way on every run.
const check = (source: string, flags: string): Diagnostics => checkSync(source, flags, {
  timeout: null, incubationTimeout: null, attackTimeout: null, seedingTimeout: null, randomSeed: 0,
});

describe('regular expressions run in linear time (no ReDoS)', () => {
  test('the checker finds the quadratic URL-credential pattern that made commands hang (it can fail)', () => {
    // GIVEN the pattern that took 120 s on a 1 MB description
    const r = check('[a-z][a-z0-9+.-]*:\\/\\/[^\\s/:@]+:[^\\s/@]+@', 'i');
    // THEN recheck calls it vulnerable
    expect(r.status).toBe('vulnerable');
  });

  test('every regular expression of lib/ and of the spec schemas is safe', () => {
    // GIVEN every regular expression written in lib/ (and the schemas' patterns)
    const all = regexesOfLib();
    expect(all.length).toBeGreaterThan(80);
    const unique = new Map<string, Found>();
    for (const r of all) if (!unique.has(`${r.flags}/${r.source}`)) unique.set(`${r.flags}/${r.source}`, r);
    // WHEN recheck analyses each THEN none is vulnerable (or undecided)
    const bad = [...unique.values()].map((r) => ({ ...r, d: check(r.source, r.flags) }))
      .filter((r) => r.d.status !== 'safe')
      .map((r) => `${r.where} /${r.source}/${r.flags}: ${r.d.status}${r.d.status === 'vulnerable' ? ` (${r.d.complexity.type})` : ''}`);
    expect(bad).toEqual([]);
  }, 240000);
});
