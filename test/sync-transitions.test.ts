/**
 * The core promise: every state an Argo CD or Flux sync passes through is safe. Each move of each
 * reference release and of the S3 group is checked twice: by the product's transition model
 * (lib/review/transition.ts, which computes traffic with the same code as `traffic`) and by an oracle
 * written independently (test/support/sync-oracle.ts). Trees are built in memory with the real
 * rollout state machine, spec edits and synthesis.
 */
import { diffTrees, renderDiffMarkdown } from '../lib/review/diff';
import { checkTransition, syncStates, Violation } from '../lib/review/transition';
import { objectsOfTree } from '../lib/manifests/tree';
import { renderProjectRoots } from '../lib/synth/project';
import { groupSequences, referenceProject, releaseSequences, Sequence, transitions } from './support/move-sequences';
import { oracleCheck } from './support/sync-oracle';

const sequences: Sequence[] = [...releaseSequences(), ...groupSequences()];
const all = transitions(sequences);

describe('every move of the reference releases and the group, under Argo CD and Flux', () => {
  test('GIVEN the reference set-ups THEN the sequences of the "Done when" are all there', () => {
    const names = sequences.map((s) => s.name);
    for (const r of ['guestbook', 'guestbook-gateway', 'webapp', 'workshop', 'sampleapp', 'mushop-storefront']) {
      expect(names).toContain(`${r}: start, step to the top, promote`);
      expect(names).toContain(`${r}: start, step, abort`);
    }
    expect(names).toContain('frontend-backend: every stage');
    expect(names.filter((n) => n.startsWith('frontend-backend: abort from'))).toHaveLength(3);
    expect(all.length).toBeGreaterThan(60);
  });

  test.each(all.map((t) => [t.label, t] as const))('%s: the product model finds no violation under both engines', (_label, t) => {
    const r = checkTransition(t.before, t.after);
    expect(r.engines).toEqual(['argocd', 'flux']);
    expect(r.states.argocd).toBeGreaterThan(0);
    expect(r.states.flux).toBeGreaterThan(0);
    expect(r.violations.map((v: Violation) => v.message)).toEqual([]);
  });

  test.each(all.map((t) => [t.label, t] as const))('%s: the independent oracle finds no violation under both engines', (_label, t) => {
    const r = oracleCheck(t.before, t.after);
    expect(r.states).toBeGreaterThan(0);
    expect(r.violations).toEqual([]);
  });
});

/** Replaces files of a tree (path -> new text, or undefined to delete). */
function patched(tree: ReadonlyMap<string, string>, edits: Record<string, string | undefined | ((s: string) => string)>): Map<string, string> {
  const out = new Map(tree);
  for (const [p, e] of Object.entries(edits)) {
    if (e === undefined) out.delete(p);
    else out.set(p, typeof e === 'function' ? e(out.get(p) ?? '') : e);
  }
  return out;
}

function find(label: string) {
  const t = all.find((x) => x.label === label);
  if (!t) throw new Error(`no transition ${label}`);
  return t;
}

describe('both models fail on the findings of issue 13 as they were generated before', () => {
  test('finding 1: GIVEN an Istio abort whose VirtualService goes to the bare Service THEN the canary gets its replica share (50% > 5%) during the sync', () => {
    const t = find('sampleapp: start, step, abort / abort');
    const bare = (s: string) => s.replace(/\n(\s+)subset: prod\n/, '\n');
    const after = patched(t.after, { 'sampleapp/sampleapp/virtualservice-sampleapp.yaml': bare, 'sampleapp/sampleapp/virtualservice-sampleapp-mesh.yaml': bare });
    const r = checkTransition(t.before, after);
    const v = r.violations.find((x) => x.invariant === 'canary-share');
    expect(v).toBeDefined();
    expect(v!.during).toBeCloseTo(0.5);
    expect(v!.before).toBeCloseTo(0.05);
    expect(v!.message).toMatch(/canary sampleapp 0\.2\.0 gets 50% of requests/);
    expect(oracleCheck(t.before, after).violations.some((x) => x.what === 'canary sampleapp 0.2.0' && Math.abs(x.during - 0.5) < 1e-9)).toBe(true);
  });

  test('finding 2: GIVEN one Argo CD Application per namespace folder THEN an abort across namespaces fails 25% of requests while the canary folder syncs first', () => {
    const t = find('guestbook-gateway: abort from 25 / abort');
    // the old wiring: one Application per folder, application-wide PruneLast
    const app = (name: string, p: string) => `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  source:\n    path: dist/${p}\n  syncPolicy:\n    syncOptions:\n      - PruneLast=true\n`;
    const old = (tree: Map<string, string>) => patched(tree, {
      'argocd/application-guestbook-gateway.yaml': undefined,
      'argocd/application-a.yaml': app('guestbook-gateway-guestbook-gw-canary', 'guestbook-gateway/guestbook-gw-canary'),
      'argocd/application-b.yaml': app('guestbook-gateway-guestbook-gw-prod', 'guestbook-gateway/guestbook-gw-prod'),
    });
    const r = checkTransition(old(t.before), old(t.after), { engines: ['argocd'] });
    const v = r.violations.find((x) => x.invariant === 'failing');
    expect(v?.message).toMatch(/Application argocd\/guestbook-gateway-guestbook-gw-canary.*25% of requests to guestbook-gw\.example\.com\/ \(HTTPRoute guestbook-gw-prod\/guestbook\) fail/);
    expect(oracleCheck(old(t.before), old(t.after)).violations.some((x) => x.engine === 'argocd' && x.what === 'failing')).toBe(true);
  });

  test('finding 2 (group): GIVEN one Application per project folder THEN aborting from stage 3 fails requests under Argo CD', () => {
    const t = find('frontend-backend: abort from stage 3 (30%) / abort');
    const app = (name: string, p: string) => `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  source:\n    path: dist/${p}\n`;
    const old = (tree: Map<string, string>) => patched(tree, {
      'argocd/application-frontend-backend.yaml': undefined,
      'argocd/application-a.yaml': app('frontend-backend-backend-main', 'frontend-backend/backend-main'),
      'argocd/application-b.yaml': app('frontend-backend-frontend-main', 'frontend-backend/frontend-main'),
    });
    const r = checkTransition(old(t.before), old(t.after), { engines: ['argocd'] });
    expect(r.violations.some((v) => v.invariant === 'failing' && v.entry.startsWith('frontend-main-frontend-main.'))).toBe(true);
  });

  test('GIVEN an application-wide PruneLast THEN an NGINX abort deletes the canary Ingress together with its Service: the model sees the order where requests fail', () => {
    const t = find('guestbook: start, step, abort / abort');
    const pl = (s: string) => s.replace('      - CreateNamespace=true', '      - CreateNamespace=true\n      - PruneLast=true');
    const r = checkTransition(patched(t.before, { 'argocd/application-guestbook.yaml': pl }), patched(t.after, { 'argocd/application-guestbook.yaml': pl }), { engines: ['argocd'] });
    expect(r.violations.some((v) => v.invariant === 'failing' && v.during > 0.2)).toBe(true);
  });
});

describe('the states themselves', () => {
  test('GIVEN argocd.mode: applicationSet THEN the model reads one Application per release from the list generator, and the abort is safe', () => {
    const t = find('guestbook-gateway: abort from 25 / abort');
    const p = referenceProject();
    const roots = renderProjectRoots(p.releases, { ...p.config, argocd: { ...p.config.argocd, mode: 'applicationSet' } }, p.groups);
    const swap = (tree: Map<string, string>) => new Map([...[...tree].filter(([k]) => !k.startsWith('argocd/')), ...[...roots].filter(([k]) => k.startsWith('argocd/'))]);
    const r = checkTransition(swap(t.before), swap(t.after), { engines: ['argocd'] });
    const units = new Set<string>();
    checkTransition(swap(t.before), swap(t.after), { engines: ['argocd'], onState: (st) => units.add(st.unit) });
    expect([...units]).toEqual(['Application (ApplicationSet cdk8s-canary) guestbook-gateway']);
    expect(r.states.argocd).toBeGreaterThan(3);
    expect(r.violations).toEqual([]);
  });

  test('GIVEN a Gateway API abort under Argo CD THEN the route moves in wave 3 and the canary objects are pruned after it, in the last wave', () => {
    const t = find('guestbook-gateway: abort from 25 / abort');
    const steps = [...syncStates('argocd', objectsOfTree(t.before).objects, objectsOfTree(t.after).objects)].map((s) => s.step);
    const route = steps.findIndex((s) => /^wave 3: updated HTTPRoute guestbook-gw-prod\/guestbook$/.test(s));
    const prune = steps.findIndex((s) => /prune last\): deleted/.test(s));
    expect(route).toBeGreaterThanOrEqual(0);
    expect(prune).toBeGreaterThan(route);
  });

  test('GIVEN an Istio promote under Flux THEN the canary folder is pruned only after the production folder is healthy (dependsOn)', () => {
    const t = find('mushop-storefront: from 50, step to the top, promote / promote');
    const states = [...syncStates('flux', objectsOfTree(t.before).objects, objectsOfTree(t.after).objects)];
    const units = [...new Set(states.map((s) => s.unit))];
    expect(units).toEqual(['Kustomization flux-system/mushop-storefront-mushop', 'Kustomization flux-system/mushop-storefront-mushop-canary']);
    const firstCanary = states.findIndex((s) => s.unit.endsWith('-canary'));
    expect(states[firstCanary - 1].step).toBe('health checks passed');
    expect(states.some((s) => /rolling: old and new pods/.test(s.step))).toBe(true);
  });

  test('GIVEN a new workload THEN its pods are not ready until its wave is healthy', () => {
    const t = find('guestbook: start, step, abort / start 0');
    const states = [...syncStates('argocd', objectsOfTree(t.before).objects, objectsOfTree(t.after).objects)];
    expect(states.some((s) => /new pods not ready yet/.test(s.step))).toBe(true);
  });
});

describe('diff shows what users see during the sync', () => {
  test('GIVEN sampleapp promoted from 100% THEN diff has a "during sync (Flux)" line: the route moves to the stable subset while production still rolls', () => {
    const t = find('sampleapp: start, step to the top, promote / promote');
    const md = renderDiffMarkdown({ base: { rev: 'x', label: 'base' }, head: { rev: null, label: 'head' }, releases: diffTrees(t.before, t.after) });
    expect(md).toContain('- `sampleapp.example.com/` (VirtualService sampleapp/sampleapp), during sync (Flux): sampleapp 0.1.0 up to 100% (before 0%, after 0%)');
    // Argo CD rolls production (wave 0) before the route moves (wave 3): no such line
    expect(md).not.toMatch(/during sync \(Argo CD\)/);
    expect(md).not.toMatch(/UNSAFE/);
  });

  test('GIVEN a step THEN diff has no "during sync" line: one object changes, atomically', () => {
    const t = find('sampleapp: start, step to the top, promote / step 5');
    const d = diffTrees(t.before, t.after);
    expect(d.flatMap((r) => r.duringSync)).toEqual([]);
    expect(d.flatMap((r) => r.traffic.map((m) => m.text))).toContain('sampleapp 0.1.0 100% / 0.2.0 0% -> 95% / 5%');
  });
});
