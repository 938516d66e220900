import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadProject, projectPaths, renderProject } from '../lib/synth/project';
import { doubleQuoted, toYaml, YAML_OPTIONS } from '../lib/synth/yaml';
import { REPO } from './support/project';

/**
 * The YAML emitter (lib/synth/yaml.ts) writes what every reader of the GitOps chain reads back as
 * the same data: the `yaml` package as YAML 1.1 and 1.2, and real kustomize (go-yaml, as Argo CD and
 * Flux read it), over random Unicode. Where the `yaml` package is right, the bytes are its bytes.
 */

/** A reproducible random source (a fixed seed per test). */
function rng(seed: number): { next(): number; pick<T>(xs: readonly T[]): T; int(n: number): number } {
  let s = seed >>> 0;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  return { next, pick: (xs) => xs[Math.floor(next() * xs.length)], int: (n) => Math.floor(next() * n) };
}

/** Words readers take for something else, and shapes a plain scalar cannot have. */
const TRAPS = ['yes', 'No', 'ON', 'off', 'y', 'n', '~', 'null', 'NULL', 'true', 'False', '0o17', '0O17', '0x1F', '0b101', '017', '1_000', '1e3', '1E-3', '.5', '5.', '+1', '-1',
  '.inf', '-.Inf', '.NaN', 'inf', 'NaN', 'Infinity', '12:30', '1:20:30', '2001-12-14', '2001-12-14T21:59:43Z', '<<', '=', '-', '?', ':', '- a', '? a', ': a', 'a: b', 'a #b', '#a', 'a:', 'a ', ' a',
  '---', '...', '--- a', '%TAG', '@a', '`a', '&a', '*a', '!a', '|a', '>a', "'a", '"a', 'a"b', "a'b", '[a]', '{a}', 'a,b', 'a[b]', 'http://x:80/y', '25%', 'sha256:abc', '0.0.0.0', '1.2.3'];

/**
 * One random string: traps, ASCII, C0 controls, BMP and astral characters, and (unless `forKustomize`)
 * the line breaks of YAML 1.1 readers (NEL, LS, PS), DEL, the C1 controls, U+FFFE and U+FFFF. Those
 * kustomize cannot carry however they are escaped (it fails on them or turns them into spaces in its
 * own re-encoding; the test below shows it), so the loader refuses them in specs.
 */
function randomString(r: ReturnType<typeof rng>, forKustomize = false): string {
  if (r.next() < 0.15) return r.pick(TRAPS);
  const pieces: string[] = [];
  const n = r.int(12);
  for (let i = 0; i < n; i++) {
    const t = r.next();
    let c: number;
    if (t < 0.45) c = 0x20 + r.int(0x5f); // printable ASCII
    else if (t < 0.55) c = r.int(0x20); // C0 (tab, newline, carriage return, ESC...)
    else if (t < 0.6) c = forKustomize ? r.pick([0xa0, 0xfeff, 0x202e, 0x200b, 0x00ad]) : r.pick([0x7f, 0x85, 0xa0, 0x2028, 0x2029, 0xfeff, 0xfffe, 0xffff, 0x202e]);
    else if (t < 0.65) c = forKustomize ? r.pick([0x0a, 0x09, 0x20]) : 0x80 + r.int(0x20); // C1
    else if (t < 0.7) c = r.pick([0x0a, 0x0a, 0x0d, 0x09, 0x20]);
    else if (t < 0.9) { do c = 0xa0 + r.int(0xfffe - 0xa0); while ((c >= 0xd800 && c <= 0xdfff) || (forKustomize && (c === 0x2028 || c === 0x2029))); } // BMP
    else c = 0x10000 + r.int(0x100000); // astral
    pieces.push(String.fromCodePoint(c));
  }
  if (r.next() < 0.1) pieces.push(r.pick(['\n', '\n\n', ' ', ':', '#', '-']));
  return pieces.join('');
}

describe('YAML emitter', () => {
  test('writes every object of the reference releases exactly as the yaml package does (dist/ did not change)', () => {
    const files = renderProject(loadProject(projectPaths(REPO)));
    for (const [file, content] of files) {
      const obj = parse(content, { version: '1.1' });
      const out = toYaml(obj);
      expect({ file, out }).toEqual({ file, out: stringify(obj, YAML_OPTIONS) });
    }
  });

  test('quotes what any YAML 1.1, YAML 1.2 or Go reader would read as something else', () => {
    const cases: Record<string, string> = {
      '0o17': '"0o17"', yes: '"yes"', '1e3': '"1e3"', '.inf': '".inf"', '~': '"~"', '<<': '"<<"', '=': '"="', '0x_1F': '"0x_1F"', Infinity: '"Infinity"', '12:30': '"12:30"',
      '2001-12-14 x': '"2001-12-14 x"', '---': '"---"', 'a: b': '"a: b"', '"hi" there': '\'"hi" there\'',
      '\x7f': '"\\x7f"', '\u0085': '"\\x85"', '\u2028': '"\\u2028"', '\u2029': '"\\u2029"', '\ufeff': '"\\ufeff"', '\x1b[31m': '"\\e[31m"', 'a\tb': '"a\\tb"', '\0': '"\\0"',
      plain: 'plain', '1.0.0': '1.0.0', 'ghcr.io/a/b:1.0': 'ghcr.io/a/b:1.0', '25%': '25%', 'héllo wörld ✓': 'héllo wörld ✓',
    };
    for (const [s, want] of Object.entries(cases)) expect({ s, out: toYaml({ v: s }) }).toEqual({ s, out: `v: ${want}\n` });
    // the answers are remembered: asked again, as keys, and after the memo filled up and was cleared
    for (const [s, want] of Object.entries(cases)) expect({ s, out: toYaml({ [s]: 1 }) }).toEqual({ s, out: `${want}: 1\n` });
    for (let i = 0; i < 25_000; i++) toYaml({ [`k${i}`]: i % 2 ? 'yes' : `v${i}` });
    for (const [s, want] of Object.entries(cases)) expect({ s, out: toYaml({ v: s }) }).toEqual({ s, out: `v: ${want}\n` });
    // multi-line strings of printable characters are block literals, the rest double-quoted
    expect(toYaml({ script: 'set -e\necho hi\n' })).toBe('script: |\n  set -e\n  echo hi\n');
    expect(toYaml({ l: ['a\nb'] })).toBe('l:\n  - |-\n    a\n    b\n');
    expect(toYaml({ v: 'a\r\nb' })).toBe('v: "a\\r\\nb"\n');
    expect(toYaml({ v: 'a\u2028b\nc' })).toBe('v: "a\\u2028b\\nc"\n');
    expect(() => toYaml({ v: '\ud800' })).toThrow(/lone UTF-16 surrogate/);
  });

  test('kustomize cannot carry DEL, the C1 controls, U+FFFE, U+FFFF, NEL, LS or PS intact even escaped (why the loader refuses them)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-yaml-'));
    try {
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [p.yaml]\n');
      const build = (s: string) => {
        fs.writeFileSync(path.join(dir, 'p.yaml'), toYaml({ apiVersion: 'example.com/v1', kind: 'Probe', metadata: { name: 'p' }, v: s }));
        try { return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); } catch { return 'failed'; }
      };
      // GIVEN each character correctly escaped by the emitter (\x7f, \x80, \ufffe...) THEN kustomize fails on it
      expect(['\x7f', '\x80', '\x9f', '\ufffe', '\uffff'].map((c) => build(`a${c}b`))).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
      // a NEL comes out as a space, and LS and PS raw (go-yaml readers after it take them for line breaks)
      expect(build('a\x85b')).toContain('v: a b\n');
      expect(build('a\u2028b')).toContain('\u2028');
      // while C0 controls pass intact
      expect(parse(build('a\x1b\tb')).v).toBe('a\x1b\tb');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('reads back as the same data in the yaml package, YAML 1.1 and 1.2, for 5000 random objects', () => {
    // GIVEN random nested objects of random strings, numbers, booleans and nulls (fixed seed)
    const r = rng(42);
    const value = (d: number): unknown => {
      const t = r.next();
      if (d > 3 || t < 0.5) { const u = r.next(); return u < 0.7 ? randomString(r) : u < 0.85 ? r.int(2000) - 1000 : u < 0.95 ? r.next() < 0.5 : null; }
      if (t < 0.75) return Object.fromEntries(Array.from({ length: r.int(4) }, () => [randomString(r), value(d + 1)]));
      return Array.from({ length: r.int(4) }, () => value(d + 1));
    };
    let same = 0;
    for (let i = 0; i < 5000; i++) {
      const o = Object.fromEntries(Array.from({ length: 1 + r.int(4) }, () => [randomString(r), value(0)]));
      const out = toYaml(o);
      // THEN both versions of the YAML spec read the same data back
      for (const version of ['1.1', '1.2'] as const) {
        const back = parse(out, { version, uniqueKeys: false });
        if (JSON.stringify(back) !== JSON.stringify(o)) expect({ version, o, out }).toEqual({ version, o, out: '(reads back the same)' });
      }
      if (out === stringify(o, YAML_OPTIONS)) same++;
    }
    // AND most outputs are the yaml package's own bytes (the rest: what it gets wrong, and one-line double quotes)
    expect(same).toBeGreaterThan(500);
  });

  test('round-trips 3000 random Unicode strings through real kubectl kustomize, as values and as keys', () => {
    // GIVEN random strings as the values of a list and of a mapping, and as mapping keys (one kustomize call)
    const r = rng(7);
    const strings = [...new Set([...TRAPS, ...Array.from({ length: 3000 }, () => randomString(r, true))])];
    // (`<<` is the merge key to kustomize even quoted: keys are ConfigMap keys or label keys, where the loader refuses it)
    const keys = strings.filter((s) => s !== '' && !s.includes('\n') && s !== '<<').slice(0, 1500);
    const obj = {
      apiVersion: 'example.com/v1', kind: 'Probe', metadata: { name: 'probe' },
      spec: { values: strings, byIndex: Object.fromEntries(strings.map((s, i) => [`k${i}`, s])), keys: Object.fromEntries(keys.map((k, i) => [k, i])) },
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-yaml-'));
    try {
      fs.writeFileSync(path.join(dir, 'probe.yaml'), toYaml(obj));
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['probe.yaml'] }));
      // WHEN kustomize reads and re-writes it
      const built = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const back = parse(built) as typeof obj;
      // THEN every string is what was written
      const wrong = strings.map((s, i) => ({ s, list: back.spec.values[i], map: back.spec.byIndex[`k${i}`] })).filter((x) => x.list !== x.s || x.map !== x.s)
        .map((x) => ({ sent: doubleQuoted(x.s), list: typeof x.list === 'string' ? doubleQuoted(x.list) : x.list, map: typeof x.map === 'string' ? doubleQuoted(x.map) : x.map }));
      expect(wrong).toEqual([]);
      expect(Object.keys(back.spec.keys).sort()).toEqual([...keys].sort());
      expect(keys.every((k, i) => back.spec.keys[k] === i)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
