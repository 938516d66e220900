/**
 * `diff` shows what `validate` and the moves refuse, as a reviewer reads it in the PR comment: a
 * release whose route goes dark after the sync (the Istio Gateway it binds to, `gateways:
 * [edge/shared-gw]`, is removed by another release) gets a "Refused by validate" list with the gate's
 * own line, though the release itself does not change. For that, `diff`'s scope must read the bound
 * release: a VirtualService naming its Gateway as `namespace/name` (or in Istio's legacy form
 * `name.namespace.svc.cluster.local`) is connected to the Gateway's namespace
 * (lib/review/scope.ts, lib/manifests/gateway-refs.ts `istioGatewayOf`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli';
import { cleanupTempDirs, git, projectRepo } from './support/git-repo';
import { BOUND, EDGE_GW, istio } from './support/istio-gateway';
import { gatewayRefsOf, istioGatewayOf } from '../lib/manifests/gateway-refs';
import { Manifest } from '../lib/manifests/objects';

afterAll(() => cleanupTempDirs());

/** The gate's line for shop once edge (and its Gateway) is gone (test/sync-gateway-refs.test.ts matches validate's). */
const DARK = '- dark after sync: VirtualService shop/shop (dist/shop/shop/virtualservice-shop.yaml, spec.gateways[0]) binds to Istio Gateway edge/shared-gw, which the change removes (it was dist/edge/edge/gateway-shared-gw.yaml, generated for edge): every request to shop.example.com fails once Argo CD or Flux syncs it; keep the Gateway in edge (or move it to a release that stays, in one commit), or first bind shop to another Gateway (router.gateway or router.parentRefs in its spec) in a commit of its own';

/** The lines of one release's section of a diff's Markdown (from its `### name` line to the next). */
function section(markdown: string, release: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`### ${release}`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('### '));
  return lines.slice(start, end < 0 ? undefined : end);
}

/** GIVEN edge (creating Istio Gateway edge/shared-gw) and shop (bound to it), synthesized and committed on main. */
function sharedGatewayRepo(): string {
  return projectRepo({ copy: [], specs: { edge: istio('edge', EDGE_GW), shop: istio('shop', BOUND) } });
}

describe('diff shows the dark-after-sync refusals of validate', () => {
  test('fails the review when the release creating the Gateway is removed: the bound release, unchanged, is listed with the gate\'s line', async () => {
    const dir = sharedGatewayRepo();
    // WHEN a PR removes edge and synthesizes
    git(dir, 'switch', '-q', '-c', 'drop-edge');
    fs.rmSync(path.join(dir, 'releases/edge.yaml'));
    expect((await cli(dir, 'synth')).code).toBe(0);
    expect(git(dir, 'status', '--porcelain', '--', 'dist/shop')).toBe(''); // shop does not change
    const v = await cli(dir, 'validate');
    const d = await cli(dir, 'diff');
    // THEN validate refuses, and diff shows shop with the same line first in its section
    expect(v.code).toBe(2);
    expect(v.err).toContain(DARK.slice(2));
    expect(d).toMatchObject({ code: 0, err: '' });
    expect(section(d.out, 'shop')).toEqual(['### shop', '', '**Refused by validate**', '', DARK]); // shop is the last section
    // AND --json carries it in the release's `refused`
    const json = JSON.parse((await cli(dir, 'diff', '--json')).out) as { releases: { release: string; refused: string[] }[] };
    expect(json.releases.find((r) => r.release === 'shop')?.refused).toEqual([DARK.slice(2)]);
    expect(json.releases.filter((r) => r.refused.length).map((r) => r.release)).toEqual(['shop']);
  });

  test('GIVEN the Gateway kept (edge changes only its replicas) WHEN diff THEN nothing is refused and shop is not listed', async () => {
    const dir = sharedGatewayRepo();
    git(dir, 'switch', '-q', '-c', 'scale-edge');
    fs.writeFileSync(path.join(dir, 'releases/edge.yaml'), istio('edge', EDGE_GW).replace(/^ {2}replicas: 2$/m, '  replicas: 3'));
    expect((await cli(dir, 'synth')).code).toBe(0);
    expect((await cli(dir, 'validate')).code).toBe(0);
    const d = await cli(dir, 'diff');
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/^### edge$/m);
    expect(d.out).not.toMatch(/Refused by validate|dark after sync|^### shop$/m);
  });

  test('fails the review when the bound VirtualService names the Gateway in Istio\'s legacy form shared-gw.edge.svc.cluster.local', async () => {
    // GIVEN shop's VirtualService bound as Istio resolves `<name>.<namespace>.svc.cluster.local` (committed on main)
    const dir = sharedGatewayRepo();
    const vs = path.join(dir, 'dist/shop/shop/virtualservice-shop.yaml');
    const text = fs.readFileSync(vs, 'utf8');
    expect(text).toContain('- edge/shared-gw\n');
    fs.writeFileSync(vs, text.replace('- edge/shared-gw\n', '- shared-gw.edge.svc.cluster.local\n'));
    git(dir, 'commit', '-qam', 'shop: legacy gateway name');
    // WHEN edge's folder leaves dist/
    git(dir, 'switch', '-q', '-c', 'drop-edge');
    fs.rmSync(path.join(dir, 'dist/edge'), { recursive: true });
    const d = await cli(dir, 'diff');
    // THEN shop is listed with its route going dark
    expect(d.code).toBe(0);
    expect(section(d.out, 'shop').join('\n')).toContain('- dark after sync: VirtualService shop/shop (dist/shop/shop/virtualservice-shop.yaml, spec.gateways[0]) binds to Istio Gateway edge/shared-gw, which the change removes');
  });
});

describe('istioGatewayOf: a VirtualService gateways entry as Istio resolves it', () => {
  test.each([
    ['edge/shared-gw', { namespace: 'edge', name: 'shared-gw' }],
    ['shared-gw', { namespace: 'shop', name: 'shared-gw' }],
    ['./shared-gw', { namespace: 'shop', name: 'shared-gw' }],
    ['shared-gw.edge.svc.cluster.local', { namespace: 'edge', name: 'shared-gw' }],
    ['shared-gw.edge', { namespace: 'edge', name: 'shared-gw' }],
    ['mesh', undefined],
  ])('%s in namespace shop is %j', (entry, expected) => {
    expect(istioGatewayOf(entry, 'shop')).toEqual(expected);
  });

  test('gatewayRefsOf reads every form, the field path of each entry kept', () => {
    const vs: Manifest = {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'shop', namespace: 'shop' },
      spec: { hosts: ['shop.example.com'], gateways: ['mesh', 'shared-gw.edge.svc.cluster.local', './own-gw'] },
    };
    expect(gatewayRefsOf(vs)).toEqual([
      { family: 'istio', namespace: 'edge', name: 'shared-gw', field: ['spec', 'gateways', 1] },
      { family: 'istio', namespace: 'shop', name: 'own-gw', field: ['spec', 'gateways', 2] },
    ]);
  });
});

describe('traffic: a file of dist/ that is not Kubernetes objects is refused at its line', () => {
  test.each([
    ['not valid YAML', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [a, b\n', /^error: dist\/webapp\/webapp\/extra\.yaml:\d+:\d+: not valid YAML \(/],
    ['a document that is not an object', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\nowner: team-a\n', /^error: dist\/webapp\/webapp\/extra\.yaml:6:1: a document is not a Kubernetes object \(apiVersion, kind and metadata\.name are required\)$/],
  ])('fails on %s: exit 2, FILE:LINE:COL, and the fix', async (_name, text, says) => {
    // GIVEN webapp synthesized, and a file of dist/ edited by hand
    const dir = projectRepo();
    fs.writeFileSync(path.join(dir, 'dist/webapp/webapp/extra.yaml'), text);
    // WHEN traffic reads dist/
    const r = await cli(dir, 'traffic');
    // THEN it refuses with the place and how to fix it
    expect(r.code).toBe(2);
    const lines = r.err.split('\n');
    expect(lines[0]).toMatch(says);
    expect(lines[1]).toBe('dist/ holds only generated Kubernetes objects: fix or delete this file, or write dist/ again with `npx cdk8s-canary synth`');
    // AND the right file passes
    fs.writeFileSync(path.join(dir, 'dist/webapp/webapp/extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: webapp\n');
    expect((await cli(dir, 'traffic')).code).toBe(0);
  });
});
