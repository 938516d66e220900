/**
 * A release bound to a Gateway that another release creates (lib/manifests/gateway-refs.ts): an Istio
 * VirtualService's `spec.gateways` naming `edge/shared-gw`, or an HTTPRoute's `parentRefs` naming a
 * Gateway API Gateway that a `workload.type: manifests` release brings. When the other release stops
 * creating it (removed, the Gateway renamed, its router changed) or its listener stops admitting the
 * route's namespace (`allowedRoutes.namespaces`), the first release goes dark though it did not
 * change: `validate` refuses (the gate, and the sync model with the releases bound to a changed
 * Gateway in scope), and the lint flags the unbound route in the end state. The commands run
 * in-process (`runCli`): what they find is the subject here, not the process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from './support/cli';
import { cleanupTempDirs, git, projectRepo } from './support/git-repo';
import { readFiles } from './support/fleet';
import { webappSpec } from './support/project';
import { fixtureFiles, NGINX_ROUTER, podinfoSpec, synthesizedRepo } from './support/manifests-repo';
import { lintTree } from '../lib/lint/report';
import { gateTransition, scopeToChange } from '../lib/review/transition-gate';
import { checkTransition } from '../lib/review/transition';
import { BOUND, EDGE_GW, istio, WEBAPP as webapp } from './support/istio-gateway';

afterAll(() => cleanupTempDirs());

/** GIVEN edge (creating Istio Gateway edge/shared-gw) and shop (bound to it) committed; WHEN edge becomes `edge` (undefined: removed): synth, then validate. */
async function change(edge: string | undefined): Promise<{ synth: { status: number | null; stderr: string }; status: number | null; stderr: string; before: Map<string, string>; dir: string }> {
  const dir = projectRepo({ copy: [], specs: { edge: istio('edge', EDGE_GW), shop: istio('shop', BOUND) } });
  const before = readFiles(path.join(dir, 'dist'));
  if (edge === undefined) fs.rmSync(path.join(dir, 'releases/edge.yaml'));
  else fs.writeFileSync(path.join(dir, 'releases/edge.yaml'), edge);
  const s = await runCli(dir, ['synth']);
  // THEN shop itself does not change
  expect(git(dir, 'status', '--porcelain', '--', 'dist/shop')).toBe('');
  const r = await runCli(dir, ['validate']);
  return { synth: { status: s.status, stderr: s.stderr }, status: r.status, stderr: r.stderr, before, dir };
}

/** `tree` with the Istio Gateway edge/shared-gw's file edited by `edit` (removed when it returns undefined). */
function withGateway(tree: ReadonlyMap<string, string>, edit: (t: string) => string | undefined): Map<string, string> {
  const out = new Map(tree);
  const f = 'edge/edge/gateway-shared-gw.yaml';
  const t = edit(out.get(f)!);
  if (t === undefined) out.delete(f); else out.set(f, t);
  return out;
}

/** The lint's refusal of shop in the end state (synth and validate): FILE:LINE:COL of the generated VirtualService. */
const LINT_DANGLING = /warning: dist\/shop\/shop\/virtualservice-shop\.yaml:\d+:\d+: spec\.gateways\[0\]: VirtualService shop\/shop binds to Istio Gateway edge\/shared-gw, which nothing in dist\/ creates, though dist\/ creates its namespace edge \(edge\/edge\/namespace-edge\.yaml, for edge\); unless it is made outside dist\/, the route gets no traffic \(got "edge\/shared-gw"\); create the Gateway in the release that owns namespace edge, or bind to a Gateway that exists \(router\.gateway\); a Gateway made outside dist\/ \(kubectl, Helm\) needs nothing \(generated from releases\/shop\.yaml\)/;

const DARK = /dark after sync: VirtualService shop\/shop \(dist\/shop\/shop\/virtualservice-shop\.yaml, spec\.gateways\[0\]\) binds to Istio Gateway edge\/shared-gw, which the change removes \(it was dist\/edge\/edge\/gateway-shared-gw\.yaml, generated for edge\): every request to shop\.example\.com fails once Argo CD or Flux syncs it; keep the Gateway in edge \(or move it to a release that stays, in one commit\), or first bind shop to another Gateway \(router\.gateway or router\.parentRefs in its spec\) in a commit of its own/;

describe('an Istio Gateway another release stops creating', () => {
  test('fails validate when the release creating the Gateway is removed: the release bound to it goes dark', async () => {
    const r = await change(undefined);
    expect(r.synth).toEqual({ status: 0, stderr: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(DARK);
    // AND the README's example is this line, whole
    const line = r.stderr.split('\n').find((l) => l.includes('dark after sync'))!.trim();
    expect(fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')).toContain(`\n   ${line}\n`);
  });

  test('fails validate when the Gateway is renamed (the gate: the Gateway shop was bound to is gone); synth warns (the lint: shop binds to a Gateway nothing in dist/ creates in a namespace another release creates)', async () => {
    const r = await change(istio('edge', EDGE_GW.replace('name: shared-gw', 'name: edge-gw')));
    expect(r.synth.status).toBe(0);
    expect(r.synth.stderr).toMatch(LINT_DANGLING);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(LINT_DANGLING);
    expect(r.stderr).toMatch(DARK);
    // AND the gate, on the trees a move would commit, names what goes dark
    const after = withGateway(r.before, (t) => t.replace('name: shared-gw', 'name: edge-gw'));
    expect(gateTransition(r.before, after).refusals.join('\n')).toMatch(/dark after sync: VirtualService shop\/shop \(dist\/shop\/shop\/virtualservice-shop\.yaml, spec\.gateways\[0\]\) binds to Istio Gateway edge\/shared-gw, which the change removes/);
  });

  test('fails validate when the release creating it moves to another router (Gateway API); synth warns', async () => {
    const r = await change(webapp.replace(/^name: webapp$/m, 'name: edge').replace(/^  production: webapp$/m, '  production: edge'));
    expect(r.synth.status).toBe(0);
    expect(r.synth.stderr).toMatch(LINT_DANGLING);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(LINT_DANGLING);
    expect(r.stderr).toMatch(DARK);
  });

  test('fails synth and validate when the Gateway stops admitting the bound release\'s namespace (server hosts `./*`); the gate refuses the same trees', async () => {
    const r = await change(istio('edge', EDGE_GW.replace('hosts: ["*"]', 'hosts: ["./*"]')));
    const lint = /dist\/shop\/shop\/virtualservice-shop\.yaml:\d+:\d+: spec\.gateways\[0\]: VirtualService shop\/shop binds to Istio Gateway edge\/shared-gw \(edge\/edge\/gateway-shared-gw\.yaml\), which does not take it: no server of it takes hosts shop\.example\.com from namespace shop \(server hosts: \.\/\*\); the route gets no traffic/;
    expect(r.synth.status).toBe(2);
    expect(r.synth.stderr).toMatch(lint);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(lint);
    const after = withGateway(r.before, (t) => t.replace('- "*"', '- ./*'));
    expect(after).not.toEqual(r.before);
    expect(gateTransition(r.before, after).refusals.join('\n')).toMatch(/dark after sync: VirtualService shop\/shop \(dist\/shop\/shop\/virtualservice-shop\.yaml, spec\.gateways\[0\]\) binds to Istio Gateway edge\/shared-gw, which the change makes refuse it \(no server of it takes hosts shop\.example\.com from namespace shop \(server hosts: \.\/\*\); dist\/edge\/edge\/gateway-shared-gw\.yaml\)/);
  });

  test('GIVEN a release bound to a Gateway made by hand in its own namespace (create: false, no namespace) THEN synth passes: the lint judges no Gateway outside dist/ there', async () => {
    const dir = projectRepo({ copy: [], specs: { shop: istio('shop', '    name: own-gw\n    create: false\n') } });
    expect(fs.readFileSync(path.join(dir, 'dist/shop/shop/virtualservice-shop.yaml'), 'utf8')).toMatch(/gateways:\n    - shop\/own-gw\n|gateways:\n    - own-gw\n/);
    expect((await runCli(dir, ['validate'])).status).toBe(0);
  });

  test('GIVEN the Gateway kept (edge changes only its replicas) THEN validate passes', async () => {
    const r = await change(istio('edge', EDGE_GW).replace(/^  replicas: 2$/m, '  replicas: 3'));
    expect(r.synth).toEqual({ status: 0, stderr: '' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('fails validate when the Gateway is renamed and the bound release follows it in the same commit: Argo CD syncs the two Applications apart, so the route is bound to a Gateway that is gone or not there yet', async () => {
    const dir = projectRepo({ copy: [], specs: { edge: istio('edge', EDGE_GW), shop: istio('shop', BOUND) } });
    const before = readFiles(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'releases/edge.yaml'), istio('edge', EDGE_GW.replace('name: shared-gw', 'name: edge-gw')));
    fs.writeFileSync(path.join(dir, 'releases/shop.yaml'), istio('shop', BOUND.replace('name: shared-gw', 'name: edge-gw')));
    expect((await runCli(dir, ['synth'])).status).toBe(0);
    const r = await runCli(dir, ['validate']);
    // THEN no route is left unbound at the end, but the sync model (shop played with edge, whose
    // Gateway it names) finds the host down in between, under both engines
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/dark after sync/);
    expect(r.stderr).toMatch(/unsafe during sync: Argo CD, Application argocd\/(edge|shop), [^\n]*: 100% of requests to shop\.example\.com\/ \(VirtualService shop\/shop\) fail/);
    expect(r.stderr).toMatch(/unsafe during sync: Flux, Kustomization flux-system\/(edge|shop)-\S+, [^\n]*: 100% of requests to shop\.example\.com\/ \(VirtualService shop\/shop\) fail/);
    // AND the model on the two trees says the same
    const t = checkTransition(before, readFiles(path.join(dir, 'dist')));
    expect(new Set(t.violations.filter((v) => v.object === 'VirtualService shop/shop').map((v) => v.engine))).toEqual(new Set(['argocd', 'flux']));
  });
});

/**
 * Gateway API: release gw brings podinfo and the Gateway edge/public (a `workload.type: manifests`
 * folder with a Gateway), webapp's HTTPRoute attaches to it (router.parentRefs edge/public).
 */
describe('a Gateway API Gateway another release creates', () => {
  const gateway = (namespaces: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
spec:
  gatewayClassName: example
  listeners:
    - name: http
      port: 80
      protocol: HTTP
      allowedRoutes:
        namespaces:
${namespaces}`;
  const ALL = '          from: All\n';
  const files = (namespaces: string): Record<string, string> => ({
    ...fixtureFiles('podinfo', 'apps/podinfo'),
    'apps/podinfo/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - hpa.yaml\n  - deployment.yaml\n  - service.yaml\n  - gateway.yaml\n',
    'apps/podinfo/gateway.yaml': gateway(namespaces),
    'releases/gw.yaml': podinfoSpec(NGINX_ROUTER, { name: 'gw', namespaces: '  production: edge\n' }),
    'releases/webapp.yaml': webapp.replace(/- name: public\n      namespace: gateway-system\n/, '- name: public\n      namespace: edge\n'),
  });

  /** GIVEN gw and webapp committed with the listener admitting `namespaces`; WHEN `edit` runs on the repository: synth, validate, and the two dist/ trees. */
  async function gwChange(namespaces: string, edit: (root: string) => void): Promise<{ synth: { status: number | null; stderr: string }; status: number | null; stderr: string; before: Map<string, string>; root: string }> {
    const repo = synthesizedRepo(files(namespaces));
    const before = readFiles(path.join(repo.root, 'dist'));
    expect([...before.values()].join('\n')).toMatch(/parentRefs:\n    - group: gateway\.networking\.k8s\.io\n      kind: Gateway\n      name: public\n      namespace: edge\n/);
    edit(repo.root);
    const s = await runCli(repo.root, ['synth']);
    const r = await runCli(repo.root, ['validate']);
    return { synth: { status: s.status, stderr: s.stderr }, status: r.status, stderr: r.stderr, before, root: repo.root };
  }

  test('fails validate when the release bringing the Gateway is removed: webapp\'s HTTPRoute goes dark', async () => {
    const r = await gwChange(ALL, (root) => fs.rmSync(path.join(root, 'releases/gw.yaml')));
    expect(r.synth.status).toBe(0);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dark after sync: HTTPRoute webapp\/webapp \(dist\/webapp\/webapp\/httproute-webapp\.yaml, spec\.parentRefs\[0\]\) binds to Gateway edge\/public, which the change removes \(it was dist\/gw\/edge\/gateway-public\.yaml, generated for gw\): every request to webapp\.example\.com fails once Argo CD or Flux syncs it/);
  });

  test.each([
    ['Same (the default: the Gateway\'s namespace only)', '          from: Same\n', /listener http admits routes from its own namespace edge only \(allowedRoutes\.namespaces\.from: Same\)/],
    ['a Selector that picks another namespace', '          from: Selector\n          selector:\n            matchLabels:\n              kubernetes.io/metadata.name: shop\n', /listener http admits routes from the namespaces its selector picks \(allowedRoutes\.namespaces\.from: Selector\), not webapp/],
    ['a Selector on a label dist/ gives webapp\'s Namespace another value', '          from: Selector\n          selector:\n            matchLabels:\n              pod-security.kubernetes.io/enforce: privileged\n', /listener http admits routes from the namespaces its selector picks \(allowedRoutes\.namespaces\.from: Selector\), not webapp/],
  ])('fails synth and validate when the listener\'s allowedRoutes.namespaces becomes %s: the route is not attached (NotAllowedByListeners)', async (_what, namespaces, why) => {
    const r = await gwChange(ALL, (root) => fs.writeFileSync(path.join(root, 'apps/podinfo/gateway.yaml'), gateway(namespaces)));
    const lint = new RegExp(`dist/webapp/webapp/httproute-webapp\\.yaml:\\d+:\\d+: spec\\.parentRefs\\[0\\]: HTTPRoute webapp/webapp binds to Gateway edge/public \\(gw/edge/gateway-public\\.yaml\\), which does not take it: ${why.source}; the route gets no traffic`);
    expect(r.synth.status).toBe(2);
    expect(r.synth.stderr).toMatch(lint);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(lint);
  });

  test.each([
    // the Namespace dist/ generates carries kubernetes.io/metadata.name (podinfo's own pod-security warnings aside)
    ['a Selector picking webapp\'s namespace by its name label', '              kubernetes.io/metadata.name: webapp\n'],
    // a label dist/ does not manage may be set outside it (kubectl label), and Argo CD and Flux leave it: not judged
    ['a Selector on a label dist/ does not give webapp\'s Namespace (shared-gateway-access, set with kubectl label)', '              shared-gateway-access: "true"\n'],
  ])('GIVEN %s THEN synth and validate pass', async (_what, label) => {
    const r = await gwChange(ALL, (root) => fs.writeFileSync(path.join(root, 'apps/podinfo/gateway.yaml'), gateway(`          from: Selector\n          selector:\n            matchLabels:\n${label}`)));
    expect(r.synth.status).toBe(0);
    expect(r.synth.stderr).not.toMatch(/gateway|error/i);
    expect(r.stderr).not.toMatch(/gateway|error/i);
    expect(r.status).toBe(0);
  });

  test('the gate refuses the trees where the listener stops admitting webapp (a move commits without synth\'s lint)', async () => {
    const r = await gwChange(ALL, () => undefined);
    const after = new Map(r.before);
    after.set('gw/edge/gateway-public.yaml', r.before.get('gw/edge/gateway-public.yaml')!.replace('from: All', 'from: Same'));
    expect(after.get('gw/edge/gateway-public.yaml')).toMatch(/from: Same/);
    expect(gateTransition(r.before, after).refusals.join('\n')).toMatch(/dark after sync: HTTPRoute webapp\/webapp \(dist\/webapp\/webapp\/httproute-webapp\.yaml, spec\.parentRefs\[0\]\) binds to Gateway edge\/public, which the change makes refuse it \(listener http admits routes from its own namespace edge only \(allowedRoutes\.namespaces\.from: Same\); dist\/gw\/edge\/gateway-public\.yaml\)/);
    // AND the lint on that end state says the same, at the route
    const lint = lintTree(after);
    expect(lint.errors.map((e) => `${e.file} ${e.path}: ${e.message}`)).toEqual([expect.stringMatching(/^dist\/webapp\/webapp\/httproute-webapp\.yaml spec\.parentRefs\[0\]: HTTPRoute webapp\/webapp binds to Gateway edge\/public \(gw\/edge\/gateway-public\.yaml\), which does not take it: listener http admits routes from its own namespace edge only/)]);
  });
});

describe('what validate reads for a change (scopeToChange): the releases bound to a changed Gateway, not every route on a Gateway outside dist/', () => {
  const top = (p: string) => p.split('/')[0];
  test('GIVEN the reference dist/ (five routes on gateway-system/public, outside dist/) WHEN webapp changes THEN none of the other four releases is read', () => {
    const before = readFiles(path.join(__dirname, '..', 'dist'));
    const after = new Map([...before].map(([p, t]) => [p, p === 'webapp/webapp/deployment-webapp.yaml' ? t.replace(/replicas: 2/, 'replicas: 3') : t]));
    expect([...after].filter(([p, t]) => before.get(p) !== t)).toHaveLength(1);
    const scope = scopeToChange(before, after);
    const read = new Set([...scope.after.keys()].map(top).filter((r) => r !== 'argocd' && r !== 'flux'));
    expect([...read]).toEqual(['webapp']);
  });

  test('GIVEN edge creating edge/shared-gw and shop bound to it WHEN either changes THEN the other is read too, and the scoped verdict is the whole one', () => {
    const dir = projectRepo({ copy: [], specs: { edge: istio('edge', EDGE_GW), shop: istio('shop', BOUND) } });
    const before = readFiles(path.join(dir, 'dist'));
    for (const [changed, other] of [['edge', 'shop'], ['shop', 'edge']]) {
      const f = `${changed}/${changed}/deployment-${changed}.yaml`;
      const after = new Map(before);
      after.set(f, before.get(f)!.replace(/replicas: 2/, 'replicas: 3'));
      expect(after.get(f)).not.toBe(before.get(f));
      const scope = scopeToChange(before, after);
      const read = new Set([...scope.after.keys()].map(top));
      expect(read.has(other)).toBe(true);
      expect(gateTransition(scope.before, scope.after).refusals).toEqual(gateTransition(before, after).refusals);
    }
    // AND the Gateway removed: the scoped gate refuses what the whole one does
    const gone = new Map([...before].filter(([p]) => p !== 'edge/edge/gateway-shared-gw.yaml'));
    const scope = scopeToChange(before, gone);
    expect(gateTransition(scope.before, scope.after).refusals).toEqual(gateTransition(before, gone).refusals);
    expect(gateTransition(before, gone).refusals.join('\n')).toMatch(/dark after sync: VirtualService shop\/shop/);
  });
});

describe('a Gateway made outside dist/ in a namespace another release creates', () => {
  test('GIVEN shop bound to Gateway team/public, made by the platform team with kubectl in namespace team, which release team creates THEN synth, validate and a move pass, with a warning (an error refused every synth of the project)', async () => {
    const dir = projectRepo({ copy: [], specs: { team: webappSpec('team'), shop: webappSpec('shop').replace('namespace: gateway-system', 'namespace: team') } });
    expect(fs.readFileSync(path.join(dir, 'dist/shop/shop/httproute-shop.yaml'), 'utf8')).toMatch(/name: public\n      namespace: team\n/);
    const warning = /^warning: dist\/shop\/shop\/httproute-shop\.yaml:\d+:\d+: spec\.parentRefs\[0\]: HTTPRoute shop\/shop binds to Gateway team\/public, which nothing in dist\/ creates, though dist\/ creates its namespace team \(team\/team\/namespace-team\.yaml, for team\); unless it is made outside dist\/, the route gets no traffic/m;
    const s = await runCli(dir, ['synth']);
    expect(s.status).toBe(0);
    expect(s.stderr).toMatch(warning);
    const v = await runCli(dir, ['validate']);
    expect(v.status).toBe(0);
    expect(v.stderr).toMatch(warning);
    const m = await runCli(dir, ['start', 'shop', '--version', '1.1.0']);
    expect(m.status).toBe(0);
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe('shop: start canary 1.1.0 at 0%');
  });
});
