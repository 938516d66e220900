/**
 * The findings of issue 13, each as a kind with its right value: mesh weights (3), checks that run
 * under Argo CD (4), Namespaces never deleted under another release (5), one entry point per object
 * (7); and the wiring: validate and diff use the transition model (end to end in real git).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { lintObjects } from '../lib/lint/rules';
import { Located } from '../lib/manifests/objects';
import { objectsOfTree } from '../lib/manifests/tree';
import { diffTrees, renderDiffMarkdown } from '../lib/review/diff';
import { namespaceRemovals } from '../lib/review/namespaces';
import { computeTraffic } from '../lib/review/traffic';
import { gateTransition } from '../lib/review/transition-gate';
import { MoveRefusedError } from '../lib/moves/errors';
import { MOVE_GATES } from '../lib/moves/gates';
import { syncGate } from '../lib/moves/sync-gate';
import { renderRelease } from '../lib/synth/project';
import { cli, git, tempRepo } from './support/cli-repo';
import { editSpec, render, stateOf } from './support/states';

const objects = (files: Map<string, string>): Located[] => objectsOfTree(files).objects;

describe('finding 3: Istio weights also hold inside the mesh', () => {
  test('GIVEN sampleapp at 5% THEN a VirtualService bound to mesh for the Service host carries the same 95/5 split', () => {
    const s = stateOf('sampleapp', (d) => d.setIn(['canary'], d.createNode({ version: '0.2.0', weight: 5 })));
    const mesh = s.objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'sampleapp-mesh') as any;
    expect(mesh.spec.gateways).toEqual(['mesh']);
    expect(mesh.spec.hosts).toEqual(['sampleapp.sampleapp.svc.cluster.local']);
    expect(mesh.spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['prod', 95], ['canary', 5]]);
    // and the edge VirtualService binds its own host, not '*' (finding 7)
    const edge = s.objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'sampleapp') as any;
    expect(edge.spec.hosts).toEqual(['sampleapp.example.com']);
  });

  test('GIVEN sampleapp at 5% THEN traffic shows the mesh callers as an entry point of their own, split 95/5', () => {
    const s = stateOf('sampleapp', (d) => d.setIn(['canary'], d.createNode({ version: '0.2.0', weight: 5 })));
    const mesh = computeTraffic(objects(s.files)).entries.find((e) => e.host === 'sampleapp.sampleapp.svc.cluster.local')!;
    expect(mesh.entry).toBe('VirtualService sampleapp/sampleapp-mesh');
    expect(mesh.notes).toContain('callers inside the mesh (gateway mesh)');
    expect(mesh.flows.map((f) => [f.version, Math.round(f.share * 100)])).toEqual([['0.1.0', 95], ['0.2.0', 5]]);
  });

  test('GIVEN router.mesh: false THEN no mesh VirtualService (edge only)', () => {
    const s = stateOf('sampleapp', (d) => d.setIn(['router', 'mesh'], false));
    expect(s.objects.filter((o) => o.kind === 'VirtualService').map((o) => o.metadata.name)).toEqual(['sampleapp']);
  });

  test('GIVEN MuShop (edge host *) THEN the mesh VirtualService has no pass-through routes and never the host *', () => {
    const s = stateOf('mushop-storefront');
    const mesh = s.objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'edge-mesh') as any;
    expect(mesh.spec.hosts).toEqual(['mushop-storefront.mushop.svc.cluster.local']);
    expect(mesh.spec.http).toHaveLength(1);
    expect(mesh.spec.http[0].route.map((r: any) => r.weight)).toEqual([50, 50]);
  });

  test('GIVEN a mesh VirtualService THEN a caller inside the mesh follows the weights (traffic through calls), not the replica ratio', () => {
    const s = stateOf('sampleapp', (d) => d.setIn(['canary'], d.createNode({ version: '0.2.0', weight: 5 })));
    const caller = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: caller\n  namespace: other\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: caller }\n  template:\n    metadata:\n      labels: { app: caller, version: "1" }\n    spec:\n      containers:\n        - name: c\n          image: x/caller:1\n          env:\n            - { name: UPSTREAM, value: "http://sampleapp.sampleapp.svc.cluster.local:8080/" }\n`;
    const svc = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: caller\n  namespace: other\nspec:\n  selector: { app: caller }\n  ports: [{ port: 80 }]\n';
    const ing = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: caller\n  namespace: other\nspec:\n  rules:\n    - host: caller.example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend: { service: { name: caller, port: { number: 80 } } }\n';
    const files = new Map([...s.files, ['o/other/d.yaml', caller], ['o/other/s.yaml', svc], ['o/other/i.yaml', ing]]);
    const e = computeTraffic(objects(files)).entries.find((x) => x.host === 'caller.example.com')!;
    const hop2 = e.flows.filter((f) => f.hop === 2 && f.app === 'sampleapp');
    expect(hop2.map((f) => [f.version, Math.round(f.share * 100)])).toEqual([['0.1.0', 95], ['0.2.0', 5]]);
  });
});

describe('finding 4: a change to the checks is never a hook-only change', () => {
  test('GIVEN a running workshop canary WHEN one check changes THEN a non-hook object changes too (the canary Deployment\'s checks digest)', () => {
    const withCanary = (d: any) => d.setIn(['canary'], d.createNode({ version: '1.1.0', weight: 0 }));
    const a = render('workshop', editSpec('workshop', withCanary));
    const b = render('workshop', editSpec('workshop', (d: any) => { withCanary(d); d.setIn(['checks', 0, 'path'], '/ready'); }));
    const changed = [...b.files].filter(([p, c]) => a.files.get(p) !== c).map(([p]) => p).sort();
    const nonHook = changed.filter((p) => !(parseAllDocuments(b.files.get(p)!)[0].toJS() as any).metadata?.annotations?.['argocd.argoproj.io/hook']);
    expect(nonHook).toEqual(['workshop/workshop-canary/deployment-workshop-canary.yaml']);
    const dep = parseAllDocuments(b.files.get(nonHook[0])!)[0].toJS() as any;
    expect(dep.metadata.annotations['canary.cdk8s.io/checks-digest']).toMatch(/^[0-9a-f]{16}$/);
    // the pod template does not change: pods do not restart
    const before = parseAllDocuments(a.files.get(nonHook[0])!)[0].toJS() as any;
    expect(dep.spec.template).toEqual(before.spec.template);
  });
});

describe('finding 5: a Namespace another release lives in is never removed', () => {
  const ns = (name: string, release: string, extra = '') => ({ file: `${release}/${name}/namespace-${name}.yaml`, release, obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(extra ? { annotations: { x: extra } } : {}) } } });
  const dep = (nsName: string, release: string) => ({ file: `${release}/${nsName}/deployment-${release}.yaml`, release, obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: release, namespace: nsName } } });

  test('GIVEN cart generated Namespace shop and payment lives there WHEN cart goes THEN the removal names payment', () => {
    const r = namespaceRemovals([ns('shop', 'cart'), dep('shop', 'cart'), dep('shop', 'payment')], [dep('shop', 'payment')]);
    expect(r).toEqual([{ namespace: 'shop', file: 'cart/shop/namespace-shop.yaml', release: 'cart', stillThere: [{ release: 'payment', file: 'payment/shop/deployment-payment.yaml' }] }]);
    expect(namespaceRemovals([ns('shop', 'cart'), dep('shop', 'cart')], [])).toEqual([]);
  });

  test('GIVEN a commit that removes a generated Namespace THEN diff says the cluster keeps it, and why', () => {
    const a = render('guestbook', editSpec('guestbook', () => undefined)).files;
    const b = new Map(a);
    b.delete('guestbook/ns-canary/namespace-ns-canary.yaml');
    const md = renderDiffMarkdown({ base: { rev: 'x', label: 'base' }, head: { rev: null, label: 'head' }, releases: diffTrees(a, b) });
    expect(md).toMatch(/- Namespace ns-canary `guestbook\/ns-canary\/namespace-ns-canary\.yaml`: kept in the cluster \(Argo CD Prune=false, Flux prune: disabled\); delete it by hand once nothing lives in it/);
  });

  test('GIVEN the committed Namespaces THEN both engines are told never to prune them', () => {
    const nss = objects(new Map([...renderRelease(render('guestbook', editSpec('guestbook', () => undefined)).release)])).filter((l) => l.obj.kind === 'Namespace');
    expect(nss.length).toBe(2);
    for (const n of nss) {
      expect(n.obj.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      expect(n.obj.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    }
  });

  const cart = `apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: cart
namespaces:
  production: shop
workload: { type: webapp, image: ghcr.io/example/cart, port: 8080 }
stable: { version: 1.0.0 }
router:
  type: gatewayApi
  parentRefs: [{ name: public, namespace: gateway-system }]
  hostnames: [cart.example.com]
`;
  const payment = cart.replace(/cart/g, 'payment').replace('namespaces:', 'createNamespaces: false\nnamespaces:');

  test('fails to synth and to validate (exit 2, naming payment) WHEN releases/cart.yaml is removed; diff shows the Namespace as kept', () => {
    const repo = tempRepo({ 'releases/cart.yaml': cart, 'releases/payment.yaml': payment });
    try {
      expect(cli(repo.root, ['synth']).status).toBe(0);
      git(repo.root, 'add', '-A');
      git(repo.root, 'commit', '-qm', 'synth');
      fs.rmSync(path.join(repo.root, 'releases/cart.yaml'));
      const v = cli(repo.root, ['validate']);
      expect(v.status).toBe(2);
      expect(v.stderr).toMatch(/Namespace shop would be removed from dist\/ \(it was dist\/cart\/shop\/namespace-shop\.yaml, generated for cart\), but payment \(dist\/payment\/shop\/[a-z-]+\.yaml\) still lives in it/);
      const before = fs.readFileSync(path.join(repo.root, 'dist/cart/shop/namespace-shop.yaml'), 'utf8');
      const s = cli(repo.root, ['synth']);
      expect(s.status).toBe(2);
      expect(s.stderr).toMatch(/but payment .* still lives in it; deleting a Namespace deletes everything in it: set createNamespaces: true in the spec of payment/);
      expect(fs.readFileSync(path.join(repo.root, 'dist/cart/shop/namespace-shop.yaml'), 'utf8')).toBe(before);
      // with payment owning the Namespace from now on, the removal of cart is fine; diff says the old Namespace object stays
      fs.writeFileSync(path.join(repo.root, 'releases/payment.yaml'), payment.replace('createNamespaces: false\n', ''));
      expect(cli(repo.root, ['synth']).status).toBe(0);
      const d = cli(repo.root, ['diff', 'HEAD']);
      expect(d.status).toBe(0);
      expect(d.stdout).not.toMatch(/UNSAFE/);
    } finally { repo.cleanup(); }
  });
});

describe('finding 7: two releases cannot claim one entry point', () => {
  const nginx = (name: string) => `apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: ${name}
namespaces:
  production: ${name}
workload: { type: webapp, image: ghcr.io/example/${name}, port: 8080 }
stable: { version: 1.0.0 }
router:
  type: nginx
  host: shop.example.com
`;

  test('fails to validate two NGINX releases with one host and path (exit 2, both objects and files named)', () => {
    const repo = tempRepo({ 'releases/a.yaml': nginx('a'), 'releases/b.yaml': nginx('b') });
    try {
      const v = cli(repo.root, ['validate']);
      expect(v.status).toBe(2);
      expect(v.stderr).toMatch(/dist\/b\/b\/ingress-b-ingress\.yaml:\d+:\d+: .*Ingress b\/b-ingress claims host shop\.example\.com path \/ .*which Ingress a\/a-ingress \(a\/a\/ingress-a-ingress\.yaml\) already claims.*\(generated from releases\/b\.yaml\)/);
    } finally { repo.cleanup(); }
  });

  test('fails the lint for two HTTPRoutes on one parent, hostname and path, and for two Istio Gateways with one host on the same pods', () => {
    const hr = (n: string) => ({ file: `${n}/${n}/h.yaml`, release: n, obj: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: n, namespace: n }, spec: { parentRefs: [{ name: 'public', namespace: 'gw' }], hostnames: ['x.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [] }] } } });
    const found = lintObjects([hr('a'), hr('b')]).filter((f) => f.rule === 'entry-point-clash');
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(/HTTPRoute b\/b claims parent gw\/public hostname x\.example\.com path PathPrefix \/, which HTTPRoute a\/a \(a\/a\/h\.yaml\) already claims/)]);
    const gw = (n: string, host: string) => ({ file: `${n}/${n}/g.yaml`, release: n, obj: { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: n, namespace: n }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host] }] } } });
    expect(lintObjects([gw('a', '*'), gw('b', '*')]).filter((f) => f.rule === 'entry-point-clash')).toHaveLength(1);
    expect(lintObjects([gw('a', '*'), gw('b', 'b.example.com')]).filter((f) => f.rule === 'entry-point-clash')).toHaveLength(0);
  });

  test('GIVEN the committed reference releases THEN no two claim one entry point', () => {
    const root = path.resolve(__dirname, '../dist');
    const tree = new Map<string, string>();
    for (const r of fs.readdirSync(root)) {
      if (r === 'argocd' || r === 'flux') continue;
      for (const f of fs.readdirSync(path.join(root, r), { recursive: true }) as string[]) {
        const p = path.join(root, r, f);
        if (fs.statSync(p).isFile()) tree.set(`${r}/${f}`, fs.readFileSync(p, 'utf8'));
      }
    }
    expect(lintObjects(objects(tree)).filter((f) => f.rule === 'entry-point-clash')).toEqual([]);
  });
});

describe('the gate: validate and diff use the transition model', () => {
  test('GIVEN an unsafe change (Istio abort to the bare Service) THEN the gate refuses it with the state and the share', () => {
    const a = stateOf('sampleapp', (d) => d.setIn(['canary'], d.createNode({ version: '0.2.0', weight: 5 })));
    const b = stateOf('sampleapp');
    const bare = (s: string) => s.replace(/\n(\s+)subset: prod\n/, '\n');
    const roots = new Map([...objectsOfTreeRoots()]);
    const after = new Map([...roots, ...b.files].map(([p, c]) => [p, p.includes('virtualservice-') ? bare(c) : c]));
    const g = gateTransition(new Map([...roots, ...a.files]), after);
    expect(g.refusals.join('\n')).toMatch(/unsafe during sync: Argo CD, Application argocd\/sampleapp, .*canary sampleapp 0\.2\.0 gets 50% of requests/);
  });
});

describe('the moves\' sync-safety gate', () => {
  const ctxOf = (before: Map<string, string>, after: Map<string, string>) => ({
    git: undefined as never, root: path.resolve(__dirname, '..'), subject: undefined as never, specPath: 'releases/sampleapp.yaml', specBefore: '', specAfter: '',
    outputPaths: ['dist/sampleapp'], distPath: 'dist', distBefore: before, distAfter: after, force: false, dryRun: false, now: 0,
  });

  test('fails a move whose sync would give the canary its replica share (exit 2 as MoveRefusedError, gate sync-safety)', () => {
    const a = stateOf('sampleapp', (d) => d.setIn(['canary'], d.createNode({ version: '0.2.0', weight: 5 }))).files;
    const bare = (c: string) => c.replace(/\n(\s+)subset: prod\n/, '\n');
    const b = new Map([...stateOf('sampleapp').files].map(([p, c]) => [p, p.includes('virtualservice-') ? bare(c) : c]));
    let err: unknown;
    try { syncGate.check(ctxOf(a, b)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MoveRefusedError);
    expect((err as MoveRefusedError).gate).toBe('sync-safety');
    expect((err as Error).message).toMatch(/^this move is not safe to sync:\n[\s\S]*unsafe during sync: Argo CD, Application argocd\/sampleapp, .*canary sampleapp 0\.2\.0 gets 50% of requests to sampleapp\.example\.com\//);
    expect(MOVE_GATES.map((g) => g.name)).toContain('sync-safety');
  });

  test('GIVEN the real abort THEN the gate lets it pass', () => {
    const a = stateOf('sampleapp', (d) => d.setIn(['canary'], d.createNode({ version: '0.2.0', weight: 5 }))).files;
    expect(syncGate.check(ctxOf(a, stateOf('sampleapp').files))).toEqual({});
  });
});

function objectsOfTreeRoots(): Map<string, string> {
  // the committed wiring (dist/argocd, dist/flux): the units the engines sync
  const root = path.resolve(__dirname, '../dist');
  const out = new Map<string, string>();
  for (const r of ['argocd', 'flux']) for (const f of fs.readdirSync(path.join(root, r))) out.set(`${r}/${f}`, fs.readFileSync(path.join(root, r, f), 'utf8'));
  return out;
}
