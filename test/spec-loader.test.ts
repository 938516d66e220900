import * as path from 'path';
import { formatProblem, SpecError } from '../lib/spec/errors';
import { loadRelease, parseRelease } from '../lib/spec/loader';
import { REPO, tempProject, webappSpec } from './support/project';

function problemsOf(text: string | Buffer, file = 'releases/shop.yaml'): string[] {
  const r = parseRelease(file, text, { relativeTo: '/' });
  if ('release' in r) return [];
  return r.problems.map(formatProblem);
}

describe('release spec loader', () => {
  test('loads the reference web app with every default resolved', () => {
    // GIVEN the committed releases/webapp.yaml
    // WHEN it is loaded
    const r = loadRelease(path.join(REPO, 'releases/webapp.yaml'), { relativeTo: REPO });
    // THEN the model carries the spec's values and the documented defaults
    expect(r.file).toBe('releases/webapp.yaml');
    expect(r.model.name).toBe('webapp');
    expect(r.model.namespaces).toEqual({ production: 'webapp', canary: 'webapp' });
    expect(r.model.stable).toMatchObject({ version: '1.0.0', image: 'ghcr.io/example/webapp:1.0.0', name: 'webapp', replicas: 2 });
    expect(r.model.canary).toBeUndefined();
    expect(r.model.steps.map((s) => s.weight)).toEqual([0, 10, 50, 100]);
    expect(r.model.weightTotal).toBe(100);
    expect(r.model.workload.podSecurity.profile).toBe('restricted');
  });

  test('the default ladder is S1\'s 25% ramp', () => {
    const r = parseRelease('releases/shop.yaml', webappSpec(), { relativeTo: '/' });
    expect('release' in r && r.release.model.steps.map((s) => s.weight)).toEqual([0, 25, 100]);
  });

  test('a ladder entry may carry a minimum soak time', () => {
    const r = parseRelease('releases/shop.yaml', webappSpec('shop', 'steps: [0, {weight: 25, minSoak: 1h30m}, 100]\n'), { relativeTo: '/' });
    expect('release' in r && r.release.model.steps[1]).toEqual({ weight: 25, minSoakSeconds: 5400 });
  });

  test('fails on a typo\'d field with its position, a suggestion and the allowed fields', () => {
    // GIVEN a spec where `replicas` is misspelt
    const text = webappSpec().replace('  port: 8080', '  port: 8080\n  replicaz: 3');
    // WHEN it is validated THEN the message names file, line, column, path and the fix
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^releases\/shop\.yaml:11:3: workload\.replicaz: unknown field 'replicaz'; did you mean 'replicas'\?/)]);
  });

  test('fails on a weight of 150 with the value seen and the allowed range', () => {
    const text = webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 150\n');
    expect(problemsOf(text)).toEqual([
      'releases/shop.yaml:22:11: canary.weight: weight is above the weight total 100 (got 150); use a weight between 0 and 100',
    ]);
  });

  test('fails on a weight that is not an integer', () => {
    const text = webappSpec('shop', 'canary:\n  version: 1.1.0\n  weight: 2.5\n');
    expect(problemsOf(text)).toEqual(['releases/shop.yaml:22:11: canary.weight: must be an integer (got 2.5); use a whole number between 0 and the weight total (100 unless weightTotal says otherwise)']);
  });

  test('fails on a name that is not a DNS-1123 label', () => {
    const text = webappSpec().replace('name: shop', 'name: My_Shop');
    const problems = problemsOf(text);
    expect(problems[0]).toMatch(/^releases\/shop\.yaml:4:7: name: has an invalid format \(got "My_Shop"\); use lowercase letters, digits and '-'/);
  });

  test('fails on a missing image, saying what to add', () => {
    const text = webappSpec().replace('  image: ghcr.io/example/shop\n', '');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^releases\/shop\.yaml:8:3: workload\.image: required field 'image' is missing; add 'image' \(Image repository; the tag is the version\)/)]);
  });

  test('reports every problem of a file, in line order', () => {
    const text = webappSpec().replace('  port: 8080', '  port: 99999\n  replicaz: 3').replace('version: 1.0.0', 'version: "-bad"');
    const problems = problemsOf(text);
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => Number(p.split(':')[1]))).toEqual([10, 11, 13]);
  });

  test('fails on an unknown router type with a suggestion', () => {
    const text = webappSpec().replace('type: gatewayApi', 'type: gatewayapi');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/router\.type: unknown router type \(got "gatewayapi"\); did you mean 'gatewayApi'\?/)]);
  });

  test('fails on an unknown workload type naming every type the schema has, with a suggestion', () => {
    // GIVEN workload.type misspelt (the webapp and guestbook types live in a definition of release.schema.json, manifests in its own file)
    const text = webappSpec().replace('  type: webapp', '  type: webap');
    // WHEN it is validated THEN the suggestion and the list cover all three types (it used to offer 'manifests' only)
    expect(problemsOf(text)).toEqual([
      `releases/shop.yaml:8:9: workload.type: unknown workload type (got "webap"); did you mean 'webapp'? (one of 'webapp', 'guestbook', 'manifests')`,
    ]);
  });

  test('fails on a missing router type with the types to choose from, and names a key that looks like it misspelt', () => {
    const text = webappSpec().replace('  type: gatewayApi', '  tpye: gatewayApi');
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/router\.type: required field 'type' is missing; add 'type', one of 'nginx', 'gatewayApi', 'istio', 'openshiftRoute', 'grpcRoute' \(is 'tpye' meant to be 'type'\?\)$/),
    ]);
  });

  test('fails on a missing workload type, naming all three types', () => {
    const text = webappSpec().replace('  type: webapp\n', '');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/workload\.type: required field 'type' is missing; add 'type', one of 'webapp', 'guestbook', 'manifests'$/)]);
  });

  test('fails on a field indented one space more than its siblings after a comment line, at the field itself (the YAML library reports the comment line)', () => {
    // GIVEN image indented by 3 spaces under workload, with a comment line above it
    const text = webappSpec().replace('  image: ghcr.io/example/shop', '  # the repository\n   image: ghcr.io/example/shop');
    // WHEN it is validated THEN the problem is at image (line 10, column 4) with its field path, the column of the field above and the fix
    expect(problemsOf(text)).toEqual([
      `releases/shop.yaml:10:4: workload.image: yaml syntax error: 'image' starts at column 4, not where the other fields of its mapping start; the field above it, 'type' on line 8, starts at column 3 (got "image: ghcr.io/example/shop"); indent 'image' exactly like the fields it belongs with (spaces only, two per level as \`new\` writes them)`,
    ]);
  });

  test('fails on a list item field indented past its siblings, naming the list path and the sibling\'s column after the dash', () => {
    const text = webappSpec().replace('      namespace: gateway-system', '       namespace: gateway-system');
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/^releases\/shop\.yaml:17:8: router\.parentRefs\[0\]\.namespace: yaml syntax error: 'namespace' starts at column 8, not where the other fields of its mapping start; the field above it, 'name' on line 16, starts at column 7 /),
    ]);
  });

  test('fails on a list item field indented short of its siblings, at the field (not the start of its line)', () => {
    const text = webappSpec().replace('      namespace: gateway-system', '     namespace: gateway-system');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^releases\/shop\.yaml:17:6: yaml syntax error: sequence item without - indicator/)]);
  });

  test('fails on steps that do not increase', () => {
    const text = webappSpec('shop', 'steps: [0, 50, 25, 100]\n');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^releases\/shop\.yaml:20:16: steps\[2\]: steps must increase strictly \(previous step is 50\) \(got 25\)/)]);
  });

  test('fails when the release name differs from the file name', () => {
    expect(problemsOf(webappSpec('shop'), 'releases/other.yaml')).toEqual([expect.stringMatching(/name: release name does not match the file name 'other\.yaml' \(got "shop"\); rename the file to shop\.yaml or set name: other/)]);
  });

  test('fails on an inlined secret value and says to reference a Secret', () => {
    const text = webappSpec().replace('  port: 8080', '  port: 8080\n  env:\n    - name: DB_PASSWORD\n      value: hunter2');
    const [p] = problemsOf(text);
    expect(p).toMatch(/workload\.env\[0\]\.value: env var 'DB_PASSWORD' looks like a secret but is inlined \(got "<hidden>"\); store it in a Secret and use secretKeyRef/);
    expect(p).not.toContain('hunter2');
  });

  test('fails on YAML syntax errors with their position', () => {
    expect(problemsOf('name: [unclosed\n')[0]).toMatch(/^releases\/shop\.yaml:\d+:\d+: yaml syntax error: /);
  });

  test('fails on duplicate keys', () => {
    expect(problemsOf(webappSpec() + 'name: again\n')[0]).toMatch(/yaml syntax error: map keys must be unique; remove one of the duplicate keys/);
  });

  test('fails on an empty file and on a file of comments only', () => {
    expect(problemsOf('')).toEqual(['releases/shop.yaml:1:1: file is empty; write a release spec (see releases/ for examples) or delete the file']);
    expect(problemsOf('# nothing\n')).toEqual(['releases/shop.yaml:1:1: file is empty; write a release spec (see releases/ for examples) or delete the file']);
  });

  test('fails on a file that is not UTF-8, naming the line, column and byte', () => {
    const bytes = Buffer.concat([Buffer.from('kind: Release\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(problemsOf(bytes)).toEqual(['releases/shop.yaml:2:10: file is not valid UTF-8 (byte 0xe9 at offset 23); re-save the file as UTF-8']);
  });

  test('fails on a huge file without parsing it', () => {
    expect(problemsOf(Buffer.alloc(2 * 1024 * 1024, 0x20))[0]).toMatch(/file is too large \(2097152 bytes, limit 1048576\)/);
  });

  test('loadRelease throws a SpecError carrying every problem', () => {
    const p = tempProject({ 'releases/shop.yaml': webappSpec().replace('  port: 8080', '  port: 0') });
    try {
      expect(() => loadRelease(path.join(p.root, 'releases/shop.yaml'), { relativeTo: p.root })).toThrow(SpecError);
      try { loadRelease(path.join(p.root, 'releases/shop.yaml'), { relativeTo: p.root }); } catch (e) {
        expect((e as SpecError).problems).toHaveLength(1);
        expect((e as SpecError).problems[0]).toMatchObject({ file: 'releases/shop.yaml', line: 10, col: 9, path: 'workload.port', value: 0 });
      }
    } finally { p.cleanup(); }
  });
});
