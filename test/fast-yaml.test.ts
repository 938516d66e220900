import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { SourceDocument } from '../lib/spec/document';
import { readPlainYaml, readPlainYamlDocuments } from '../lib/spec/fast-yaml';

/** What the `yaml` package reads (the reader of record), or undefined when it reports an error or a warning. */
function byYaml(text: string): { value: unknown } | undefined {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length || doc.warnings.length) return undefined;
  return { value: doc.toJS() };
}

/** Same value, same types, same key order. */
function expectSameAsYaml(text: string): void {
  const ours = readPlainYaml(text);
  if (ours === undefined) return;
  const theirs = byYaml(text);
  expect({ text, read: theirs !== undefined }).toEqual({ text, read: true });
  expect(JSON.stringify(ours.value)).toBe(JSON.stringify(theirs?.value));
  expect(ours.value).toStrictEqual(theirs?.value);
}

describe('readPlainYaml (js-yaml): the value yaml gives, or nothing', () => {
  test('GIVEN every spec and config of the repository and its examples WHEN read THEN the value is yaml\'s, and most take this path', () => {
    const root = path.join(__dirname, '..');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(e.name)) files.push(p);
      }
    };
    for (const d of ['releases', 'examples']) walk(path.join(root, d));
    files.push(path.join(root, 'cdk8s-canary.yaml'));
    let plain = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      if (readPlainYaml(text)) plain++;
      expectSameAsYaml(text);
    }
    expect(files.length).toBeGreaterThan(10);
    expect(plain).toBeGreaterThan(files.length / 2);
  });

  test('GIVEN the guestbook shape WHEN read THEN maps, nested maps, a flow list of numbers and plain text', () => {
    const text = '# a comment\napiVersion: canary.cdk8s.io/v1alpha1\nkind: Release\nname: gb\nworkload:\n  port: 8080\n  probes:\n    readiness:\n      path: /\nsteps: [0, 25, 100]   # the ladder\nrouter:\n  header:\n    name: X-Canary\n';
    expect(readPlainYaml(text)?.value).toStrictEqual({ apiVersion: 'canary.cdk8s.io/v1alpha1', kind: 'Release', name: 'gb', workload: { port: 8080, probes: { readiness: { path: '/' } } }, steps: [0, 25, 100], router: { header: { name: 'X-Canary' } } });
    expectSameAsYaml(text);
  });

  test('GIVEN sequences in every layout WHEN read THEN yaml\'s value', () => {
    for (const text of [
      'a:\n- 1\n- x\nb: 2\n',
      'a:\n  - 1\n  - x\nb: 2\n',
      'a:\n  - name: x\n    port: 80\n  - name: y\n    tags:\n    - t\n',
      '- - a\n  - b\n- c\n',
      '-\n  a: 1\n- \n- b # c\n',
      'a: []\nb: {}\nc: [ ]\nd:\ne: "q # not a comment"\nf: \'it is\'\n',
      'a: x:y\nb: a - b\nc: 1Gi\nd: yes\ne: no\nf: on\ng: 1:20\nh: 007\ni: v1.2.3\n',
    ]) {
      expect({ text, plain: readPlainYaml(text) !== undefined }).toEqual({ text, plain: true });
      expectSameAsYaml(text);
    }
  });

  test('GIVEN the forms left to yaml WHEN read THEN undefined (yaml reads them, with its types and its errors)', () => {
    for (const text of [
      // anchors, aliases, tags, merge keys, directives, complex keys
      'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: !t x\n', 'a: {b: 1}\nc:\n  <<: {d: 2}\n', '%YAML 1.1\n---\na: yes\n', '? a\n: b\n',
      // numbers js-yaml's core schema reads and YAML 1.2's does not
      'a: 1_000\n', 'a: 0b11\n', 'a: -0x1F\n', 'a: 0o17\n',
      // tabs, carriage returns, a byte-order mark
      'a:\tb\n', 'a: 1\r\n', '\uFEFFa: 1\n',
      // what js-yaml refuses or reads as no mapping
      'a: 1\na: 2\n', 'a:\n  b: 1\n c: 2\n', 'a: 1\n---\nb: 2\n', 'just text\n', '# only\n', '',
    ]) {
      expect({ text, plain: readPlainYaml(text) }).toEqual({ text, plain: undefined });
    }
  });

  test('GIVEN the YAML 1.2 core types WHEN read THEN the same types as yaml', () => {
    for (const text of [
      'a: true\nb: False\nc: null\nd: ~\ne:\nf: 1.5\ng: 1e3\nh: -1\ni: +1\nj: .inf\nk: -.Inf\nl: 007\nm: yes\nn: on\no: 1:20\np: 2001-12-14\n',
      'a: |\n  x\n  y\nb: >-\n  folded\n  text\nc: "x\\ty\\u00e9"\nd: \'it\'\'s\'\ne: caf\u00e9\nf: a\n  b\n',
      'a: {b: 1, c: [x, {d: e}]}\nf: [1.5, "2", null]\n"q": 1\n1: a\ntrue: b\n',
    ]) {
      expect({ text, plain: readPlainYaml(text) !== undefined }).toEqual({ text, plain: true });
      expectSameAsYaml(text);
    }
  });

  test('GIVEN 6000 generated documents WHEN read THEN whenever this reads one, yaml reads the same value without error or warning', () => {
    let seed = 19;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)];
    const keys = ['a', 'name', 'app.kubernetes.io/name', 'x_y', 'true', 'null', 'Null', '~', '', '1', '-1', '0x1', '1.5', 'on', 'y', 'k-1', 'a b', '"q"', "'r'", '__proto__', 'a'];
    const values = ['v', 'v1', '8080', '007', '0', '-0', '1.5', '1.', '1e3', '0x1F', '0o7', '0b1', '-0x1F', 'yes', 'No', 'true', 'False', 'TRUE', 'null', 'NULL', '~', '', 'a b', 'a: b', 'a:b', 'a #c', 'a#b', '"x"', "'y'", '"a # b"', '"\\t\\u00e9"', "'it''s'", '[0, 25, 100]', '[a, b]', '[a, [b, c]]', '{b: 1}', '{b: [1, 2], c: d}', '[]', '{}', '[a,]', '[a b]', '-1', '+1', '.5', '.inf', '-.INF', '.NaN', 'x:', '- x', '&a x', '*a', '!t x', '!!str 1', '|', '>-', '? x', '<<', 'ghcr.io/x/y:v1', '12:30', '2001-12-14', '1_000', '123456789012345', '1234567890123456', '12345678901234567890', 'caf\u00e9', '%x', '@x', '`x', '"x" y', 'a, b', 'x]'];
    const indents = [0, 0, 2, 2, 4, 1, 3];
    let plain = 0;
    for (let n = 0; n < 6000; n++) {
      const lines: string[] = [];
      const count = 1 + rnd(8);
      for (let i = 0; i < count; i++) {
        const ind = ' '.repeat(pick(indents));
        const kind = rnd(10);
        if (kind < 5) lines.push(`${ind}${pick(keys)}: ${pick(values)}`);
        else if (kind < 7) lines.push(`${ind}${pick(keys)}:`);
        else if (kind < 8) lines.push(`${ind}- ${pick(values)}`);
        else if (kind < 9) lines.push(`${ind}- ${pick(keys)}: ${pick(values)}`);
        else lines.push(pick([`${ind}# c`, '', `${ind}-`]));
      }
      const text = `${lines.join('\n')}\n`;
      if (readPlainYaml(text)) plain++;
      expectSameAsYaml(text);
    }
    // the test reaches js-yaml's path itself, not only what it leaves to yaml
    expect(plain).toBeGreaterThan(600);
  });

  test('GIVEN a spec read this way WHEN a problem is reported at a field THEN its position is the one yaml gives (the document is parsed then)', () => {
    const text = '# header\nname: shop\nworkload:\n  port: 8080\n  image: x\n';
    const fast = SourceDocument.parse('r.yaml', Buffer.from(text));
    expect(readPlainYaml(text)).toBeDefined();
    expect(fast).toBeInstanceOf(SourceDocument);
    const src = fast as SourceDocument;
    expect(src.parsedData).toStrictEqual({ name: 'shop', workload: { port: 8080, image: 'x' } });
    expect(src.problem(['workload', 'image'], 'm', 'h')).toMatchObject({ line: 5, col: 10, path: 'workload.image' });
    expect(src.locate(['workload', 'port'], true)).toEqual({ line: 4, col: 3 });
  });
});

describe('readPlainYamlDocuments (js-yaml): the documents yaml gives, or nothing', () => {
  /** Every document's value as `yaml` reads the stream, or undefined on any error or warning. */
  function allByYaml(text: string): unknown[] | undefined {
    const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
    if (!Array.isArray(docs) || docs.some((d) => d.errors.length || d.warnings.length)) return undefined;
    return docs.map((d) => d.toJS() ?? null);
  }

  test('GIVEN every file of the repository\'s dist/ WHEN read THEN yaml\'s documents, and nearly all take this path', () => {
    const dist = path.join(__dirname, '..', 'dist');
    const files: string[] = [];
    const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (/\.ya?ml$/.test(e.name)) files.push(p); } };
    walk(dist);
    let plain = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const ours = readPlainYamlDocuments(text);
      if (!ours) continue;
      plain++;
      expect({ f, values: ours.values }).toStrictEqual({ f, values: allByYaml(text) });
    }
    expect(files.length).toBeGreaterThan(100);
    expect(plain).toBeGreaterThan(files.length * 0.9);
  });

  test('GIVEN streams of several documents, empty ones and comments WHEN read THEN yaml\'s documents in order', () => {
    for (const text of [
      'a: 1\n---\nb: 2\n',
      '---\na: 1\n---\n---\nb: [1, 2]\n...\n',
      '# only a comment\n',
      'kind: A\n---\n# nothing here\n---\nkind: B\n',
    ]) {
      const ours = readPlainYamlDocuments(text);
      expect({ text, read: ours !== undefined }).toEqual({ text, read: true });
      expect({ text, values: ours?.values }).toStrictEqual({ text, values: allByYaml(text) });
    }
  });

  test('GIVEN the forms left to yaml or refused by js-yaml WHEN read THEN nothing (yaml reads them)', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: 1\na: 2\n', 'a: [\n', '%YAML 1.1\n---\na: 1\n', 'a: 0x1F\n']) {
      expect({ text, ours: readPlainYamlDocuments(text) }).toEqual({ text, ours: undefined });
    }
  });
});
