import { synthesizedRepo } from './support/cli-repo';
import { runCli } from './support/cli';
import { CatalogueRepo, catalogueRepo, expectRefusal, RefusalCase, refusalRows } from './support/refusal-case';
import { edit, GROUP, SHOP } from './support/catalogue-specs';
import { fleetConfig, fleetSpec } from './support/fleet';

/**
 * The bad-input catalogue, round 4: command-line values parsed strictly and alike in every command
 * (a weight's one grammar, an option given twice or empty, a short option's '=', values that fill a
 * spec field checked by that field's rules before the spec is edited), spec values `validate`
 * accepted but a move then refused (a ladder not starting at 0), and the fleet fields a mutation
 * round of label selectors and waves found. Every case: exit 2, a message naming the argument (or
 * FILE:LINE:COL and the field), the value seen and the fix, no stack trace, and the working tree,
 * dist/, the index and the history exactly as they were.
 */

/** The fleet release of the baseline: three waves over the five clusters of fleetConfig(). */
const FLEET = fleetSpec('fleet');

/** A case of this catalogue (test/support/refusal-case.ts). */
type Case = RefusalCase;

const weight = (w: string, name = 'shop'): Case => ({
  name: `set-weight ${name} ${JSON.stringify(w)}`, args: ['set-weight', name, w],
  says: new RegExp(`^error: weight must be a whole number from 0 to 100 \\(got ${JSON.stringify(w).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\); pass the ${name === 'fb' ? 'entry ' : ''}canary's share of traffic`),
});

const CASES: readonly Case[] = [
  // one grammar for a weight, releases and groups alike (25.0 was taken as 25, ' 25' and -0 too)
  { ...weight('25.0'), says: /^error: weight must be a whole number from 0 to 100 \(got "25\.0"\); pass the canary's share of traffic out of 100 \(write it without the decimal point: 25\)$/ },
  { ...weight('25.0', 'fb'), says: /^error: weight must be a whole number from 0 to 100 \(got "25\.0"\); pass the entry canary's share of traffic in percent, e\.g\. `npx cdk8s-canary set-weight fb 30` \(write it without the decimal point: 25\)$/ },
  { ...weight(' 25'), says: /\(got " 25"\); pass the canary's share of traffic out of 100 \(write it without spaces: 25\)$/ },
  { ...weight('-0'), says: /\(got "-0"\); .* \(write it without the sign: 0\)$/ },
  { ...weight('+5'), says: /\(got "\+5"\); .* \(write it without the sign: 5\)$/ },
  { ...weight('25%'), says: /\(got "25%"\); .* \(write it without '%'\)$/ },
  { ...weight('025'), says: /\(got "025"\); .* \(write it without the leading zero: 25\)$/ },
  weight('1e1'), weight('0x10'), weight('２５'), weight('Infinity'), weight('99999999999999999999'),
  weight('1e1', 'fb'), weight('-0', 'fb'), weight('0x10', 'fleet'),
  // an option that takes a value: once, not empty, no '=' after a short option (last one won; '' and '=dist' were taken)
  { name: '--version given twice (the last one won)', args: ['start', 'fleet', '--version', '1.1.0', '--version', '1.2.0'],
    says: /^error: --version: is given twice \(got "1\.1\.0", then "1\.2\.0"\); give --version once$/ },
  { name: '--dry-run with --no-commit (which was meant is unclear)', args: ['step', 'fleet', '--dry-run', '--no-commit'], says: /^error: --dry-run and --no-commit: are given together \(--dry-run changes nothing; --no-commit writes the spec and dist\/ without committing\); give one of them$/ },
  { name: '-C given before and after the command', args: ['status', '-C', '.'], says: /^error: -C: is given twice \(got ".*", then "\."\); give -C once$/ },
  { name: 'an empty --version=', args: ['start', 'fleet', '--version='], says: /^error: --version: is empty \(got ""\); give it a value, or leave --version out$/ },
  { name: 'an empty --output= (it was read as the repository root)', args: ['synth', '--output='], says: /^error: -o\/--output: is empty \(got ""\); give it a value, or leave -o\/--output out$/ },
  { name: "-o=dist (synth wrote into a folder named '=dist')", args: ['synth', '-o=dist'], says: /^error: -o\/--output: takes its value after a space, so '=' became part of it \(got "=dist"\); write -o dist or --output=dist$/ },
  { name: '-m=text (the body began with =)', args: ['step', 'shop', '-m=held'], says: /^error: -m\/--message: takes its value after a space, so '=' became part of it \(got "=held"\); write -m held or --message=held$/ },
  { name: 'an empty --url= of verify', args: ['verify', 'shop', '--url='], says: /^error: --url: is empty \(got ""\); give it a value, or leave --url out$/ },
  // an option that took the next flag as its value (a commit with the body '--dry-run', a folder named '--help')
  { name: "-m --dry-run (it committed, with the body '--dry-run')", args: ['step', 'shop', '-m', '--dry-run'], says: /^error: -m\/--message: takes a value, but got the option --dry-run \(got "--dry-run"\); give -m\/--message its value first: --message VALUE --dry-run$/ },
  { name: "-o --help (synth wrote dist/ into a folder named '--help')", args: ['synth', '-o', '--help'], says: /^error: -o\/--output: takes a value, but got the option --help \(got "--help"\); give -o\/--output its value first: --output VALUE --help$/ },
  { name: "-o --dry-run, an option synth does not have (it wrote a folder '--dry-run')", args: ['synth', '-o', '--dry-run'], says: /^error: -o\/--output: takes a value, but got what reads as an option, --dry-run \(got "--dry-run"\); give -o\/--output its value first: --output VALUE --dry-run$/ },
  { name: "--output ' dist' (synth wrote into ' dist/')", args: ['synth', '--output', ' dist'], says: /^error: -o\/--output: has white space at its start or end \(got " dist"\); write the folder without it: "dist"$/ },
  // values that fill a spec field: refused naming the flag (the edited spec's line was in no file)
  { name: 'start --version with a space', args: ['start', 'fleet', '--version', ' 1.1'], says: /^error: --version: has an invalid format \(got " 1\.1"\); use a valid image tag: letters, digits, '_', '\.' and '-', not starting with '\.' or '-'$/ },
  { name: 'start --version with a line break (it went into the spec)', args: ['start', 'fleet', '--version', '1.1\nfoo: bar'], says: /^error: --version: has an invalid format \(got "1\.1\\nfoo: bar"\); use a valid image tag/ },
  { name: 'start --image without a tag', args: ['start', 'fleet', '--version', '1.1.0', '--image', 'ghcr.io/example/fleet'], says: /^error: --image: has neither a tag nor a digest, so it would run whatever :latest is at the time \(got "ghcr\.io\/example\/fleet"\); pin it: ghcr\.io\/example\/fleet:<tag> or ghcr\.io\/example\/fleet@sha256:<digest>$/ },
  { name: 'new --image with a tag', args: ['new', 'blog', '--router', 'nginx', '--image', 'ghcr.io/example/blog:1.0'], says: /^error: --image: is the image repository, without a tag or digest \(got "ghcr\.io\/example\/blog:1\.0"\); write 'ghcr\.io\/example\/blog': the version \(--version\) is the tag$/ },
  { name: 'new --namespace in capitals', args: ['new', 'blog', '--router', 'nginx', '--namespace', 'Blog'], says: /^error: --namespace: has an invalid format \(got "Blog"\); use lowercase letters, digits and '-'/ },
  // a ladder validate took and start then refused (sync-safety, without position): every router, every wave
  { name: 'a ladder starting at 25 on validate', files: { 'releases/blog.yaml': edit(SHOP, 'canary:\n  version: 1.1.0\n  weight: 10\n', '').replace(/shop/g, 'blog').replace('steps: [0, 10, 50, 100]', 'steps: [25, 100]') },
    at: { file: 'releases/blog.yaml', find: '25, 100', field: 'steps[0]' }, says: /the first step must be 0: start deploys the canary at the first step, and a sync would send it that share of requests before its pods are ready \(got 25\); start the ladder at 0: \[0, 25, 100\]; the canary takes traffic from the next step, once its pods run$/ },
  { name: 'a ladder starting at 25 on start', files: { 'releases/blog.yaml': edit(SHOP, 'canary:\n  version: 1.1.0\n  weight: 10\n', '').replace(/shop/g, 'blog').replace('steps: [0, 10, 50, 100]', 'steps: [{weight: 25, minSoak: 1h}, 100]') }, args: ['start', 'blog', '--version', '1.1.0'],
    at: { file: 'releases/blog.yaml', find: '25, minSoak', field: 'steps[0].weight' }, says: /the first step must be 0/ },
  { name: "a fleet wave's ladder starting at 10 (Gateway API)", files: { 'releases/fleet.yaml': edit(FLEET, '      clusters: [prod-eu-1]\n', '      clusters: [prod-eu-1]\n      steps: [10, 100]\n') },
    at: { file: 'releases/fleet.yaml', find: '10, 100', field: 'fleet.waves[1].steps[0]' }, says: /the first step must be 0/ },
  // fleet fields: what Kubernetes refuses in a selector, and a cluster twice in one wave
  { name: 'a selector requirement In without values (it matched nothing)', files: { 'releases/fleet.yaml': edit(FLEET, '{ key: tier, operator: DoesNotExist }', '{ key: tier, operator: In }') },
    at: { file: 'releases/fleet.yaml', find: 'In }', field: 'fleet.waves[2].selector.matchExpressions[0].operator' }, says: /operator In needs at least one value \(got "In"\); add values: \[\.\.\.\] \(the label values of key tier to select\), or use operator Exists$/ },
  { name: 'a selector requirement Exists with values (they were ignored)', files: { 'releases/fleet.yaml': edit(FLEET, '{ key: tier, operator: DoesNotExist }', '{ key: tier, operator: DoesNotExist, values: [first] }') },
    at: { file: 'releases/fleet.yaml', find: '[first]', field: 'fleet.waves[2].selector.matchExpressions[0].values' }, says: /operator DoesNotExist takes no values: it asks only whether the cluster has the label tier \(got a list of 1\); remove values, or use operator NotIn to match these values$/ },
  { name: 'a selector key that is no label key (it matched nothing)', files: { 'releases/fleet.yaml': edit(FLEET, '{ key: tier, operator: DoesNotExist }', '{ key: "ti er", operator: DoesNotExist }') },
    at: { file: 'releases/fleet.yaml', find: '"ti er"', field: 'fleet.waves[2].selector.matchExpressions[0].key' }, says: /has an invalid format \(got "ti er"\); use a Kubernetes label key/ },
  { name: 'a selector value that is no label value', files: { 'releases/fleet.yaml': edit(FLEET, '{ key: tier, operator: DoesNotExist }', '{ key: tier, operator: NotIn, values: ["fir st"] }') },
    at: { file: 'releases/fleet.yaml', find: '"fir st"', field: 'fleet.waves[2].selector.matchExpressions[0].values[0]' }, says: /has an invalid format \(got "fir st"\); use a Kubernetes label value/ },
  { name: 'a cluster label value with a space (the hint was a regular expression)', files: { 'cdk8s-canary.yaml': edit(fleetConfig(), 'labels: { ring: canary, region: eu }', 'labels: { ring: canary, region: "e u" }') },
    at: { file: 'cdk8s-canary.yaml', find: '"e u"', field: 'clusters[0].labels.region' }, says: /has an invalid format \(got "e u"\); use a Kubernetes label value: at most 63 letters, digits, '-', '_' or '\.', starting and ending with a letter or digit \(or empty\)$/ },
  { name: "a cluster listed twice in one wave (it said 'in two waves: wave 2 and wave 2')", files: { 'releases/fleet.yaml': edit(FLEET, 'clusters: [prod-eu-1]', 'clusters: [prod-eu-1, prod-eu-1]') },
    at: { file: 'releases/fleet.yaml', find: 'prod-eu-1]', field: 'fleet.waves[1].clusters[1]' }, says: /cluster 'prod-eu-1' is listed twice in wave 2 \(eu\) \(got "prod-eu-1"\); list every cluster once$/ },
];

describe('bad-input catalogue, round 4: command-line values, ladders, fleet fields (in-process and compiled CLI, real git)', () => {
  let repo: CatalogueRepo;
  beforeAll(() => {
    // GIVEN a release with a running canary, a release group, a fleet release and five clusters, synthesized and committed (put back after every case)
    repo = catalogueRepo(synthesizedRepo({ 'releases/shop.yaml': SHOP, 'releases/fb.yaml': GROUP, 'releases/fleet.yaml': FLEET, 'cdk8s-canary.yaml': fleetConfig() }));
  });
  afterAll(() => repo.cleanup());

  test('has distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test.each(refusalRows(CASES))('fails on %s (%s CLI): exit 2, the message, nothing changed', async (_name, via, c) => {
    await expectRefusal(repo, c, ['validate'], via);
  });

  test('the right values still work: a whole weight, each option once, --flag=value, a ladder from 0', async () => {
    try {
      // GIVEN the baseline WHEN well-formed values are passed THEN each command does its work
      const ok = async (args: readonly string[]) => {
        const r = await runCli(repo.root, args);
        expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: expect.any(String) });
        return r.stdout;
      };
      expect(await ok(['set-weight', 'shop', '25', '--dry-run'])).toMatch(/would commit "shop: canary 1\.1\.0 10% -> 25%"/);
      expect(await ok(['set-weight', 'shop', '0', '--dry-run'])).toMatch(/10% -> 0%/);
      expect(await ok(['start', 'fleet', '--version=1.1.0', '-m', 'first wave', '--dry-run'])).toMatch(/would commit "fleet: wave 1\/3 \(canary\): start canary 1\.1\.0 at 0% on canary-eu"/);
      expect(await ok(['start', 'fleet', '--version', '1.1.0', '--image', 'ghcr.io/example/fleet:1.1.0', '--dry-run'])).toMatch(/wave 1\/3 \(canary\): start canary 1\.1\.0/);
      expect(await ok(['step', 'shop', '--message=held at 50', '--force', '--dry-run'])).toMatch(/10% -> 50%/);
      expect(await ok(['validate', 'shop'])).toBe('release shop valid (releases/shop.yaml)\n');
    } finally {
      repo.reset();
    }
  });
});
