/**
 * The shape of the code (issue 19, "the house"): lib/cli/ only parses, calls one library function,
 * prints and picks the exit code; it holds no git call and no file write of its own. Nothing below
 * lib/cli/ prints or exits.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const LIB = path.resolve(__dirname, '../lib');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module a file loads: static imports, and `require(...)` / `import(...)` with a literal name (a lazy load is a load too). */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [
    ...[...text.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]),
    ...[...text.matchAll(/\b(?:require|import)\(\s*['"`]([^'"`]+)['"`]\s*\)/g)].map((m) => m[1]),
  ];
}

describe('lib/cli/ is a thin adapter', () => {
  const cliFiles = tsFiles(path.join(LIB, 'cli'));

  test('the import reader sees lazy loads too (so the check below can fail)', () => {
    const f = path.join(os.tmpdir(), `house-layering-${process.pid}.ts`);
    fs.writeFileSync(f, "import { a } from './x';\nconst cp = require('child_process');\nconst w = await import('../synth/write');\n");
    try {
      expect(imports(f)).toEqual(['./x', 'child_process', '../synth/write']);
    } finally {
      fs.rmSync(f);
    }
  });

  test('it has files to check', () => {
    expect(cliFiles.map((f) => path.relative(LIB, f))).toEqual(expect.arrayContaining(['cli/main.ts', 'cli/commands/rollout.ts', 'cli/commands/group.ts']));
  });

  test.each(cliFiles.map((f) => [path.relative(LIB, f), f]))('%s imports nothing that writes files or runs git', (_rel, file) => {
    const forbidden = imports(file).filter((m) =>
      /^(fs|fs\/promises|node:fs|child_process|node:child_process)$/.test(m)
      || /(^|\/)git(\/|$)/.test(m) // lib/git
      || /synth\/write$/.test(m)
      || /moves\/(journal|files|lock|engine|push|session)$/.test(m)); // the engine's internals: call runMove & co. through lib/moves
    expect(forbidden).toEqual([]);
    expect(fs.readFileSync(file, 'utf8').match(/crashPoint\(/g) ?? []).toEqual([]);
  });
});

describe('nothing below lib/cli/ prints or exits', () => {
  const below = tsFiles(LIB).filter((f) => !f.startsWith(path.join(LIB, 'cli') + path.sep));

  test.each(below.map((f) => [path.relative(LIB, f), f]))('%s', (_rel, file) => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text.match(/process\.exit\b|console\.\w+\(|process\.(stdout|stderr)\.write/g) ?? []).toEqual([]);
  });
});
