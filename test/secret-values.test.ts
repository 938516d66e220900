import { secretKind } from '../lib/spec/secrets';
import { cli, copyRepo, repoState, synthesizedRepo } from './support/cli-repo';
import { webappSpec } from './support/project';

/**
 * Secrets are referenced, never inlined: values whose format says "credential" whatever the field is
 * called (a Stripe key in STRIPE_KEY, a Slack webhook URL in NOTIFY_URL) are refused like a GitHub
 * token is. These formats went through `validate` and into dist/ before.
 */

// Built from parts so that this file itself holds no string a secret scanner would flag.
const STRIPE = ['sk', 'live', '4eC39HqLyjWDarjtT1zdp7dc'].join('_');
const STRIPE_RESTRICTED = ['rk', 'test', '51H8aDeLkjhgfdsaQWERTY'].join('_');
const SLACK_HOOK = `https://hooks.slack.com/${'services'}/T0123ABCD/B0123ABCD/${'x'.repeat(24)}`;
const GITLAB = `glpat-${'A1b2C3d4E5f6G7h8I9j0'}`;
const NPM = `npm_${'a1B2c3D4e5'.repeat(3)}abcdef`;
const GOOGLE = `AIza${'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6q7'.slice(0, 35)}`;

describe('secret values by format', () => {
  test.each([
    ['a Stripe key', STRIPE],
    ['a Stripe key', STRIPE_RESTRICTED],
    ['a Slack webhook URL', SLACK_HOOK],
    ['a GitLab token', GITLAB],
    ['an npm token', NPM],
    ['a Google API key', GOOGLE],
  ])('fails to pass as plain text: %s (%#)', (what, value) => {
    expect(secretKind(value)).toBe(what);
    expect(secretKind(`prefix ${value} suffix`)).toBe(what);
  });

  test.each([
    'sk_live', 'task_live_cluster_settings', 'https://hooks.slack.com/', 'https://api.slack.com/services/x', 'glpat-short', 'npm_config_cache', 'AIzaShort',
  ])('passes look-alikes that are no credential: %s', (v) => {
    expect(secretKind(v)).toBeUndefined();
  });
});

describe('the CLI refuses them in a spec', () => {
  let base: ReturnType<typeof synthesizedRepo>;
  beforeAll(() => { base = synthesizedRepo({ 'releases/shop.yaml': webappSpec('shop') }); });
  afterAll(() => base.cleanup());

  test.each([
    ['STRIPE_KEY', STRIPE, 'a Stripe key'],
    ['NOTIFY_URL', SLACK_HOOK, 'a Slack webhook URL'],
  ])('fails when workload.env %s holds %#, positioned, hidden, nothing written', (name, value, what) => {
    const repo = copyRepo(base.root);
    try {
      // GIVEN a release whose env holds the value inline
      repo.write('releases/shop.yaml', webappSpec('shop').replace('  port: 8080\n', `  port: 8080\n  env:\n    - name: ${name}\n      value: "${value}"\n`));
      const before = repoState(repo.root);
      // WHEN synthesized
      const r = cli(repo.root, ['synth']);
      // THEN refused with exit 2 at the value, the value hidden, and nothing written
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`releases/shop.yaml:13:14: workload.env[0].value: value looks like ${what}; it would be committed to git in clear text (got "<hidden>"); store it in a Secret created outside git and reference it (secretKeyRef, existingSecrets), or for a git URL use a credentials Secret (flux.secretRef, an Argo CD repository Secret)\n1 problem(s) found; nothing was written\n`);
      expect(r.stderr).not.toContain(value);
      expect(repoState(repo.root)).toEqual(before);
    } finally {
      repo.cleanup();
    }
  });
});
