/**
 * scopeToChange (lib/review/transition-gate.ts): `validate` judges the change from HEAD's dist/ with
 * only the part of both trees the change involves. Its verdict must be the whole trees' verdict, for
 * every move of the reference releases and the group inside the whole reference project, for unsafe
 * changes too, and for a Namespace removed under another release.
 */
import * as fs from 'fs';
import * as path from 'path';
import { validateRepository } from '../lib/moves/synth';
import { gateTransition, scopeToChange, wiringOwner } from '../lib/review/transition-gate';
import { renderProject } from '../lib/synth/project';
import { cli } from './support/cli-repo';
import { cleanupTempDirs, projectRepo } from './support/git-repo';
import { groupSequences, referenceProject, releaseSequences, transitions } from './support/move-sequences';

const all = transitions([...releaseSequences(), ...groupSequences()]);
let project: Map<string, string>;

beforeAll(() => {
  const p = referenceProject();
  project = renderProject(p.releases, p.config, p.groups);
});

/** The whole project with the folders of the releases in `tree` replaced by the tree's. */
function inProject(tree: ReadonlyMap<string, string>): Map<string, string> {
  const own = new Set([...tree.keys()].map((p) => p.split('/')[0]).filter((r) => r !== 'argocd' && r !== 'flux'));
  const out = new Map([...project].filter(([p]) => !own.has(p.split('/')[0])));
  for (const [p, t] of tree) out.set(p, t);
  return out;
}

function verdicts(before: Map<string, string>, after: Map<string, string>) {
  const whole = gateTransition(before, after);
  const s = scopeToChange(before, after);
  const scoped = gateTransition(s.before, s.after);
  return { whole, scoped, kept: s.before.size + s.after.size };
}

describe('the sync check of validate reads only what the change involves', () => {
  test.each(all.map((t) => [t.label, t] as const))('GIVEN the whole project WHEN %s THEN the scoped check gives the whole check\'s verdict', (_label, t) => {
    const before = inProject(t.before);
    const after = inProject(t.after);
    const { whole, scoped, kept } = verdicts(before, after);
    expect(scoped.refusals).toEqual(whole.refusals);
    expect(scoped.report.states).toEqual(whole.report.states);
    expect(scoped.report.violations).toEqual(whole.report.violations);
    expect(scoped.report.transients).toEqual(whole.report.transients);
    // and it does read less: the other releases' folders stay out
    expect(kept).toBeLessThan(before.size + after.size);
  });

  test('GIVEN no change WHEN scoped THEN nothing is read and nothing is refused', () => {
    const s = scopeToChange(project, new Map(project));
    expect(s.before.size + s.after.size).toBe(0);
    expect(gateTransition(s.before, s.after).refusals).toEqual([]);
  });

  test('GIVEN an Istio abort to the bare Service (the canary pods get their replica share) WHEN scoped THEN the same unsafe states are found', () => {
    const t = all.find((x) => x.label === 'sampleapp: start, step, abort / abort');
    expect(t).toBeDefined();
    const before = inProject(t!.before);
    const bare = (c: string) => c.replace(/\n(\s+)subset: prod\n/, '\n');
    const after = new Map([...inProject(t!.after)].map(([p, c]) => [p, p.startsWith('sampleapp/') && p.includes('virtualservice-') ? bare(c) : c]));
    const { whole, scoped } = verdicts(before, after);
    expect(whole.refusals.join('\n')).toMatch(/unsafe during sync: .*canary sampleapp 0\.2\.0 gets 50% of requests/);
    expect(scoped.refusals).toEqual(whole.refusals);
    expect(scoped.report.violations).toEqual(whole.report.violations);
  });

  test('GIVEN wiring files of guestbook and guestbook-gateway THEN each belongs to its own release (the longest name wins)', () => {
    const releases = new Set(['guestbook', 'guestbook-gateway', 'webapp']);
    expect(wiringOwner('flux/kustomization-guestbook-gateway-guestbook-gw-prod.yaml', releases)).toBe('guestbook-gateway');
    expect(wiringOwner('flux/kustomization-guestbook-ns-prod.yaml', releases)).toBe('guestbook');
    expect(wiringOwner('argocd/application-guestbook-gateway.yaml', releases)).toBe('guestbook-gateway');
    expect(wiringOwner('argocd/application-guestbook.yaml', releases)).toBe('guestbook');
    expect(wiringOwner('argocd/appproject-cdk8s-canary.yaml', releases)).toBeUndefined();
  });

  test('GIVEN another release with an object in ns-prod WHEN guestbook drops its Namespace THEN the scoped check keeps that release and refuses as the whole check does', () => {
    const before = new Map(project);
    before.set('other/ns-prod/configmap-other.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: ns-prod\ndata:\n  a: b\n');
    const after = new Map(before);
    after.delete('guestbook/ns-prod/namespace-ns-prod.yaml');
    const { whole, scoped } = verdicts(before, after);
    expect(whole.refusals.join('\n')).toMatch(/ns-prod/);
    expect(scoped.refusals).toEqual(whole.refusals);
    expect(scopeToChange(before, after).after.has('other/ns-prod/configmap-other.yaml')).toBe(true);
  });
});

describe('validate against HEAD in a real repository', () => {
  afterAll(() => cleanupTempDirs());

  test('GIVEN two committed releases WHEN one spec starts a canary THEN validate models the sync of that change, and of nothing when nothing changed', async () => {
    const dir = projectRepo({ copy: ['webapp.yaml', 'guestbook.yaml'] });
    expect((await validateRepository(dir)).sync?.states).toEqual({ argocd: 0, flux: 0 });
    const spec = path.join(dir, 'releases/webapp.yaml');
    // start a canary at 0% by hand (what `start` writes)
    fs.appendFileSync(spec, 'canary:\n  version: 9.9.9\n  weight: 0\n');
    const r = await validateRepository(dir);
    expect(r.sync!.states.argocd).toBeGreaterThan(0);
    expect(r.sync!.states.flux).toBeGreaterThan(0);
    expect(r.sync!.violations).toEqual([]);
  });
});

describe('validate against HEAD: a Namespace removed under another release', () => {
  afterAll(() => cleanupTempDirs());

  test('fails when webapp leaves its namespace while blog, unchanged, still lives in it (the check reads blog although only webapp changed)', async () => {
    const webapp = fs.readFileSync(path.join(__dirname, '../releases/webapp.yaml'), 'utf8');
    const blog = webapp.replace('name: webapp\n', 'name: blog\ncreateNamespaces: false\n').replace('webapp.example.com', 'blog.example.com').replace('ghcr.io/example/webapp', 'ghcr.io/example/blog');
    const dir = projectRepo({ copy: ['webapp.yaml'], specs: { blog } });
    expect((await validateRepository(dir)).sync?.violations).toEqual([]);
    fs.writeFileSync(path.join(dir, 'releases/webapp.yaml'), webapp.replace('  production: webapp\n', '  production: webapp-2\n'));
    await expect(validateRepository(dir)).rejects.toThrow(/the change from HEAD's dist\/ is not safe to sync:\n {2}Namespace webapp would be removed from dist\/ .*generated for webapp\), but blog \(dist\/blog\/webapp\/.*\) still lives in it/);
    // AND the CLI prints one refusal per line (real line breaks, not an escaped \n), exit 2
    const r = cli(dir, ['validate']);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain('\\n');
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      "error: the change from HEAD's dist/ is not safe to sync:",
      expect.stringMatching(/^ {2}Namespace webapp would be removed from dist\/ /),
    ]);
  });
});
