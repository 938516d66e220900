import { parse, stringify } from 'yaml';
import { projectPaths, renderProject, loadProject } from '../lib/synth/project';
import { fastYaml, toYaml, YAML_OPTIONS } from '../lib/synth/yaml';
import { REPO } from './support/project';

/**
 * The direct YAML emitter (lib/synth/yaml.ts) must give exactly the bytes of the `yaml` package for
 * everything it accepts, and give up (undefined) on anything else.
 */
describe('fast YAML emitter', () => {
  const reference = (o: unknown) => stringify(o, YAML_OPTIONS);

  test('takes every object of the reference releases and matches the yaml package byte for byte', () => {
    // GIVEN every object the committed releases generate (rendered in memory)
    const files = renderProject(loadProject(projectPaths(REPO)));
    
    let fast = 0;
    for (const [file, content] of files) {
      const obj = parse(content, { version: '1.1' });
      // WHEN emitted directly THEN the bytes are the yaml package's
      const out = fastYaml(obj);
      if (out !== undefined) { fast++; expect({ file, out }).toEqual({ file, out: reference(obj) }); }
    }
    // AND nearly all take the fast path (the point of having it)
    expect(fast / files.size).toBeGreaterThan(0.9);
  });

  test('quotes what a YAML 1.1 reader would read as something else, like the yaml package', () => {
    const tricky = ['yes', 'no', 'on', 'off', 'y', 'n', 'Yes', 'NO', '12:30', '0b101', '1_000', '0777', '2001-12-14', 'true', 'null', '~', '1e3', '.5', '0x1F', '+1', '-', '', 'a b', 'a: b', 'a #b', 'a:', 'http://x:80/y', '25%', 'sha256:abc'];
    for (const s of tricky) {
      const o = { key: s, list: [s, { inner: s }] };
      const out = fastYaml(o);
      if (out !== undefined) expect({ s, out }).toEqual({ s, out: reference(o) });
      expect(toYaml(o)).toBe(reference(o));
    }
    expect(fastYaml({ v: 'yes' })).toBe('v: "yes"\n');
    expect(fastYaml({ v: '12:30' })).toBe('v: "12:30"\n');
  });

  test('matches the yaml package on 20000 random objects (or gives up)', () => {
    // GIVEN random nested objects of strings, numbers, booleans and nulls (a fixed seed: reproducible)
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const chars = 'aZ09_-./:=+@%, #\'"!&*?|>{}[]`~\n\tex';
    const words = ['yes', 'on', 'null', '1.5', '0x1f', '-1', '.inf', '1e3', '~', '12:30', '-', '---a', '...', 'a:', 'a: b', 'a #b', '0o7', '012', '+1', '.5', '5.', 'y'];
    const str = () => (rnd() < 0.2 ? pick(words) : Array.from({ length: Math.floor(rnd() * 8) }, () => pick([...chars])).join(''));
    const value = (d: number): unknown => {
      const t = rnd();
      if (d > 3 || t < 0.4) { const u = rnd(); return u < 0.6 ? str() : u < 0.8 ? Math.floor(rnd() * 2000 - 1000) : u < 0.9 ? rnd() < 0.5 : null; }
      if (t < 0.7) return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [str() || 'k', value(d + 1)]));
      return Array.from({ length: Math.floor(rnd() * 4) }, () => value(d + 1));
    };
    let fast = 0;
    for (let i = 0; i < 20000; i++) {
      const o = Object.fromEntries(Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => [str() || 'k', value(0)]));
      const out = fastYaml(o);
      // THEN whatever the emitter accepts, it writes exactly as the yaml package does
      if (out !== undefined) { fast++; if (out !== reference(o)) expect({ o, out }).toEqual({ o, out: reference(o) }); }
    }
    expect(fast).toBeGreaterThan(1000);
  });

  test('gives up on what it does not handle: floats, multi-line strings, non-plain objects', () => {
    expect(fastYaml({ a: 0.5 })).toBeUndefined();
    expect(fastYaml({ a: 'x\ny' })).toBeUndefined();
    expect(fastYaml({ a: new Date(0) })).toBeUndefined();
    expect(fastYaml([1, 2])).toBeUndefined();
    expect(toYaml({ a: 'x\ny' })).toBe(reference({ a: 'x\ny' }));
  });
});

