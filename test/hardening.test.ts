import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { renderRelease } from '../lib/synth/project';
import { abort, editSpecText, setWeight } from '../lib/rollout';
import { escapeControls, formatProblem, SpecError } from '../lib/spec/errors';
import { parseImageReference } from '../lib/spec/image';
import { parseRelease as parseSpecText } from '../lib/spec/loader';
import { PROJECT_CHECKS } from '../lib/synth/project';
import { credentialHeaderValue, isSecretName, secretKind } from '../lib/spec/secrets';

/**
 * Issue 14's right values, in-process (the refusals themselves are in the bad-input catalogue).
 */

const SPEC = (canary: string, steps = '[0, 10, 50, 100]') => `apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: shop
namespaces:
  production: shop
workload:
  type: webapp
  image: ghcr.io/example/shop
stable:
  version: 1.0.0
${canary}steps: ${steps}
router:
  type: gatewayApi
  parentRefs:
    - name: public
`;

describe('secret scans are linear and share one name rule', () => {
  test('a 1 MB value built to stall the old patterns is scanned in well under a second', () => {
    // GIVEN values of about 1 MB made of what made the old URL and JWT patterns quadratic
    const inputs = ['a'.repeat(1_000_000), 'eyJ-'.repeat(250_000), 'a:'.repeat(500_000), `${'x://'.repeat(250_000)}`, 'eyJaaaaaaa.'.repeat(90_000)];
    for (const v of inputs) {
      // WHEN scanned
      const t = process.hrtime.bigint();
      const hit = secretKind(v);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      // THEN nothing is found, quickly (the quadratic scan took 10 s at 80 kB; bench: scripts/bench.js prints the figure)
      expect({ hit, fast: ms < 1000 }).toEqual({ hit: undefined, fast: true });
    }
  });

  test('finds what the old patterns found', () => {
    expect(secretKind('see https://deploy:hunter2@git.example.com/x')).toBe('a password in a URL');
    expect(secretKind('ssh://git@github.com/org/repo.git')).toBeUndefined();
    expect(secretKind(`t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc`)).toBe('a JSON web token');
    expect(secretKind('xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc')).toBeUndefined();
    expect(secretKind(`ghp_${'a'.repeat(36)}`)).toBe('a GitHub token');
    expect(secretKind('-----BEGIN RSA PRIVATE KEY-----\nMII')).toBe('a private key');
  });

  test('one secret-name rule: words and run-together names, not look-alikes', () => {
    for (const n of ['PASSWD', 'DB_PASS', 'DB_CREDENTIALS', 'dbPassword', 'API_KEY', 'apiKey', 'X-Auth-Token', 'MYSQLPASSWORD', 'private.key', 'AWS_SECRET_ACCESS_KEY', 'pwd']) expect({ n, secret: isSecretName(n) }).toEqual({ n, secret: true });
    for (const n of ['PASSTHROUGH', 'BYPASS', 'COMPASS_URL', 'LOG_LEVEL', 'GREETING', 'KEYBOARD', 'PASSAGE']) expect({ n, secret: isSecretName(n) }).toEqual({ n, secret: false });
  });

  test('credential-shaped header values, but not an environment variable reference', () => {
    expect(credentialHeaderValue('Bearer abc.def')).toBe(true);
    expect(credentialHeaderValue('basic dXNlcjpw')).toBe(true);
    expect(credentialHeaderValue('Bearer $PROM_TOKEN')).toBe(false);
    expect(credentialHeaderValue('Bearer ${PROM_TOKEN}')).toBe(false);
    expect(credentialHeaderValue('text/html')).toBe(false);
  });
});

describe('image references by the distribution grammar', () => {
  test('splits name, tag and digest; refuses what the grammar refuses', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference('ghcr.io/example/webapp')).toEqual({ name: 'ghcr.io/example/webapp' });
    expect(parseImageReference('ghcr.io/example/webapp:latest')).toEqual({ name: 'ghcr.io/example/webapp', tag: 'latest' });
    expect(parseImageReference(`ghcr.io/example/webapp@${d}`)).toEqual({ name: 'ghcr.io/example/webapp', digest: d });
    expect(parseImageReference(`localhost:5000/a/b:1.0@${d}`)).toEqual({ name: 'localhost:5000/a/b', tag: '1.0', digest: d });
    expect(parseImageReference('redis:7.2-alpine')).toEqual({ name: 'redis', tag: '7.2-alpine' });
    for (const bad of ['x:1:2', 'ghcr.io/../webapp', 'Ghcr.io/Example', 'a@sha256:abc', 'a b', '', 'a//b', '-a']) expect({ bad, r: 'error' in parseImageReference(bad) }).toEqual({ bad, r: true });
  });

  test('names built to make the library\'s regular expression backtrack are refused at once', () => {
    const t = Date.now();
    for (let n = 20; n <= 200; n += 20) expect('error' in parseImageReference(`${'a'.repeat(n)}!`)).toBe(true);
    expect(Date.now() - t).toBeLessThan(1000);
    // and valid long names still parse (the library's expression matches them without backtracking)
    expect(parseImageReference(`${'a-'.repeat(100)}a:1`)).toEqual({ name: `${'a-'.repeat(100)}a`, tag: '1' });
  });
});

describe('messages escape control characters', () => {
  test('ESC, newline, DEL, NEL, LS and the bidi overrides become visible escapes; a message stays one line', () => {
    expect(escapeControls('a\x1b[31mb\nc\x7fd\u0085e\u2028f\u202eg')).toBe('a\\x1b[31mb\\nc\\x7fd\\x85e\\u2028f\\u202eg');
    const line = formatProblem({ file: 'releases/x.yaml', line: 1, col: 1, path: 'a\nb', message: 'unknown field \'a\nb\'', hint: 'remove it' });
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe('anchors and aliases on the fields moves edit', () => {
  const load = (text: string) => {
    const r = parseSpecText('releases/shop.yaml', text, { checks: PROJECT_CHECKS });
    if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
    return r.release;
  };

  test('fails on set-weight of an anchored weight, with its position', () => {
    const r = load(SPEC('canary:\n  version: 1.1.0\n  weight: &w 10\n', '[0, *w, 50, 100]'));
    const mv = setWeight(r.model, 20);
    expect(() => editSpecText(r.source, mv.before, mv.after)).toThrow(SpecError);
    try { editSpecText(r.source, mv.before, mv.after); } catch (e) {
      expect(formatProblem((e as SpecError).problems[0])).toMatch(/^releases\/shop\.yaml:13:14: canary\.weight: carries the YAML anchor &w/);
    }
  });

  test('abort is never blocked: the aliases of anchors in the canary section get their values', () => {
    // GIVEN a canary whose weight the ladder aliases
    const r = load(SPEC('canary:\n  version: 1.1.0\n  weight: &w 10\n', '[0, *w, 50, 100]'));
    // WHEN aborted
    const mv = abort(r.model);
    const text = editSpecText(r.source, mv.before, mv.after);
    // THEN the canary is gone, the ladder keeps its values, and the spec loads
    expect(parse(text)).toMatchObject({ steps: [0, 10, 50, 100] });
    expect(parse(text).canary).toBeUndefined();
    expect(load(text).model.steps.map((s) => s.weight)).toEqual([0, 10, 50, 100]);
    expect(text.split('\n').filter((l) => l.startsWith('steps:'))).toEqual(['steps: [0, 10, 50, 100]']);
  });
});

describe('output every reader parses as written', () => {
  test('a version such as 0o17 stays the string 0o17 through real kustomize (it was read as the integer 15)', () => {
    // GIVEN a release whose versions are words YAML 1.1/1.2 and Go readers take for numbers or booleans
    const r = parseSpecText('releases/shop.yaml', SPEC('canary:\n  version: "1e3"\n  weight: 10\n').replace('version: 1.0.0', 'version: "0o17"'), { checks: PROJECT_CHECKS });
    if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-0o17-'));
    try {
      // WHEN its folders are written and the release root built by kustomize
      for (const [p, c] of renderRelease(r.release)) { fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true }); fs.writeFileSync(path.join(dir, p), c); }
      const built = parseAllDocuments(execFileSync('kubectl', ['kustomize', path.join(dir, 'shop')], { encoding: 'utf8' })).map((d) => d.toJS());
      // THEN the images and version labels are the strings written in the spec
      const deploys = built.filter((o) => o.kind === 'Deployment');
      expect(deploys.map((d) => d.spec.template.spec.containers[0].image).sort()).toEqual(['ghcr.io/example/shop:0o17', 'ghcr.io/example/shop:1e3']);
      expect(deploys.map((d) => d.spec.template.metadata.labels.version).sort()).toEqual(['0o17', '1e3']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
