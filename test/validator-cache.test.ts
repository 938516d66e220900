import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { cleanupTempDirs, PROJECT_ROOT, tempDir } from './support/git-repo';

afterAll(cleanupTempDirs);

type Schemas = typeof import('../lib/spec/schemas');

/** A fresh copy of lib/spec/schemas (as a new process would have). */
function freshSchemas(): Schemas {
  let m: Schemas | undefined;
  jest.isolateModules(() => { m = require('../lib/spec/schemas') as Schemas; });
  return m as Schemas;
}

describe('compiled validator cache', () => {
  const base = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'releases/webapp.yaml'), 'utf8')) as Record<string, unknown>;
  const inputs: unknown[] = [
    base,
    { ...base, stable: { version: 'bad tag!' } },
    { ...base, steps: ['x', { weight: 5, minSoak: '1y' }] },
    { ...base, router: { type: 'nginx' } },
    { ...base, router: { type: 'istio', unknownField: 1 } },
    { ...base, canary: { version: '1', weight: -1 }, extra: true },
  ];

  test('a validator loaded from the cache reports the same errors (verbose, with hints) as a fresh compile', () => {
    // GIVEN a cache folder filled by one "process"
    const dir = tempDir();
    const first = freshSchemas();
    first.cacheCompiledValidators(dir);
    const compiled = first.validatorFor('release.schema.json');
    const files = fs.readdirSync(dir);
    expect(files).toEqual([expect.stringMatching(/^validator-[0-9a-f]{20}\.js$/)]);
    // WHEN another "process" loads it from there
    const second = freshSchemas();
    second.cacheCompiledValidators(dir);
    const loaded = second.validatorFor('release.schema.json');
    // THEN it is not the compiled function, and agrees on every input, errors included
    expect(loaded).not.toBe(compiled);
    for (const input of inputs) {
      const a = compiled(input);
      const errorsA = JSON.stringify(compiled.errors);
      const b = loaded(input);
      expect(b).toBe(a);
      expect(JSON.stringify(loaded.errors)).toBe(errorsA);
    }
    expect(inputs.filter((i) => !compiled(i))).toHaveLength(inputs.length - 1);
  });

  test('a corrupt cache file is ignored (compiled again)', () => {
    const dir = tempDir();
    const first = freshSchemas();
    first.cacheCompiledValidators(dir);
    first.validatorFor('release.schema.json');
    const file = path.join(dir, fs.readdirSync(dir)[0]);
    fs.writeFileSync(file, 'this is not javascript(');
    const second = freshSchemas();
    second.cacheCompiledValidators(dir);
    const v = second.validatorFor('release.schema.json');
    expect(v(base)).toBe(true);
    expect(v({ ...base, kind: 'Nope' })).toBe(false);
  });
});
