/**
 * One pass reports every problem it can (issue 20, item 1): unknown fields together with the rules
 * beyond the schema (which run on the spec without the unknown fields). Other schema errors still
 * stop before those rules, which need well-typed values.
 */
import { formatProblem } from '../lib/spec/errors';
import { parseGroup, parseRelease } from '../lib/spec/loader';
import { s3Text } from './support/groups';
import { specText } from './support/specs';

function problems(text: string): string[] {
  const r = parseRelease('releases/shop.yaml', text, { relativeTo: process.cwd() });
  return 'problems' in r ? r.problems.map(formatProblem) : [];
}

test('GIVEN a misspelt field and a weight above the total WHEN validated THEN both are reported, in file order', () => {
  const text = specText('shop', 'canary:\n  version: 2.0.0\n  weight: 150\n').replace('  port: 8080\n', '  port: 8080\n  replicaz: 2\n');
  expect(problems(text)).toEqual([
    expect.stringMatching(/^releases\/shop\.yaml:12:3: workload\.replicaz: unknown field 'replicaz'; did you mean 'replicas'\?/),
    'releases/shop.yaml:24:11: canary.weight: weight is above the weight total 100 (got 150); use a weight between 0 and 100',
  ]);
});

test('GIVEN two misspelt fields and a canary version equal to stable WHEN validated THEN all three are reported', () => {
  const text = specText('shop', 'canary:\n  version: 1.0.0\n  weight: 10\n  wieght: 5\n').replace('  port: 8080\n', '  port: 8080\n  replicaz: 2\n');
  const p = problems(text);
  expect(p).toHaveLength(3);
  expect(p.join('\n')).toMatch(/workload\.replicaz: unknown field[\s\S]*canary\.version: canary runs the same version as stable[\s\S]*canary\.wieght: unknown field 'wieght'; did you mean 'weight'\?/);
});

test('GIVEN a wrongly typed value beside a misspelt field WHEN validated THEN the schema errors are reported (the other rules need typed values)', () => {
  const text = specText('shop', 'canary:\n  version: 2.0.0\n  weight: high\n').replace('  port: 8080\n', '  port: 8080\n  replicaz: 2\n');
  const p = problems(text);
  expect(p).toEqual([expect.stringMatching(/workload\.replicaz: unknown field/), expect.stringMatching(/canary\.weight: must be an integer/)]);
});

test('GIVEN a release group with a misspelt field and newVersion equal to version WHEN validated THEN both are reported', () => {
  const text = s3Text().replace(/newVersion: "1\.2"/, 'newVersion: "1.1"').replace('stage: 1', 'stage: 1\ncolour: blue');
  const r = parseGroup('releases/frontend-backend.yaml', text, { relativeTo: process.cwd() });
  const p = 'problems' in r ? r.problems.map(formatProblem).join('\n') : '';
  expect(p).toMatch(/colour: unknown field 'colour'/);
  expect(p).toMatch(/newVersion: newVersion is the same as version '1\.1'/);
});

describe('secrets in comments are refused like secret values (they are committed too)', () => {
  test.each([
    ['a password in a URL', '# db: postgres://admin:s3cr3t@db.example.com/shop\n', 21, 1],
    ['a GitHub token after a value', 'description: shop # token ghp_abcdefghijklmnopqrstuvwxyz0123456789\n', 21, 19],
    // the cheap pass before the lexer reads each line from its first `#`: here one inside a value
    ['an AWS key after a value holding #', 'description: "a#b" # AKIAABCDEFGHIJKLMNOP\n', 21, 20],
    ['a Slack token on a later line of comments', '# plain\n# xoxb-0123456789-abcdef\n', 22, 1],
  ])('fails a comment holding %s, at its position, never echoed', (_what, extra, line, col) => {
    const text = specText('shop', extra);
    const p = problems(text);
    expect(p).toEqual([expect.stringMatching(new RegExp(`^releases/shop\\.yaml:${line}:${col}: comment looks like .*; comments are committed to git in clear text too \\(got "<hidden>"\\); remove it`))]);
    expect(p.join('\n')).not.toMatch(/s3cr3t|ghp_/);
  });

  test('GIVEN # inside a quoted value or a block scalar THEN it is not a comment and the rules for values apply', () => {
    expect(problems(specText('shop', 'description: "see # postgres://example.com/db"\n'))).toEqual([]);
  });

  test('fails a secret in a comment of cdk8s-canary.yaml', () => {
    const { parseProjectConfig } = require('../lib/spec/project-config') as typeof import('../lib/spec/project-config');
    const r = parseProjectConfig('cdk8s-canary.yaml', 'apiVersion: canary.cdk8s.io/v1alpha1\nkind: Project\n# clone with https://bot:hunter22@git.example.com/x.git\n');
    expect('problems' in r && r.problems.map(formatProblem)).toEqual([expect.stringMatching(/^cdk8s-canary\.yaml:3:1: comment looks like a password in a URL/)]);
  });
});

test('fails router.cookie written as a mapping (like router.header), saying what the string means', () => {
  const text = specText('shop').replace(/router:\n[\s\S]*$/, 'router:\n  type: nginx\n  host: shop.example.com\n  cookie: {name: canary}\n');
  expect(problems(text)).toEqual([
    "releases/shop.yaml:17:11: router.cookie: must be a string (got a mapping); write the cookie's name as a string, e.g. 'cookie: canary' (requests with canary=always reach the canary; unlike header there is no value or pattern to set)",
  ]);
});
