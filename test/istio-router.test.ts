import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { WAVES } from '../lib/gitops/sync-waves';
import { ISTIO_SYNC_WAVES, SYNC_WAVE_ANNOTATION } from '../lib/routers/istio';
import { formatProblem } from '../lib/spec/errors';
import { LoadedRelease, parseRelease } from '../lib/spec/loader';
import { buildRelease, KubeObject } from '../lib/synth/build';
import { PROJECT_CHECKS, releaseFolders, renderRelease } from '../lib/synth/project';
import { CRDS_DIR, validateObject, validateTree } from './support/kube-schemas';
import { REPO } from './support/project';

// ---------- helpers: real spec files, edited as YAML documents or as text ----------

const MUSHOP = 'releases/mushop-storefront.yaml';
const SAMPLEAPP = 'releases/sampleapp.yaml';
const textOf = (file: string): string => fs.readFileSync(path.join(REPO, file), 'utf8');

/** Loads a spec text as the loader and the synth do (schema, semantic and router checks). */
function load(file: string, text: string): LoadedRelease {
  const r = parseRelease(file, text, { checks: PROJECT_CHECKS, relativeTo: '/' });
  if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.release;
}

/** Problems of a spec text, formatted as the CLI prints them. */
function problemsOf(file: string, text: string): string[] {
  const r = parseRelease(file, text, { checks: PROJECT_CHECKS, relativeTo: '/' });
  return 'problems' in r ? r.problems.map(formatProblem) : [];
}

/** A spec text with fields set (`path` -> value) or removed (value undefined), comments kept. */
function edit(file: string, changes: [readonly (string | number)[], unknown][]): string {
  const doc = parseDocument(textOf(file));
  for (const [p, v] of changes) {
    if (v === undefined) doc.deleteIn(p);
    else doc.setIn(p, v);
  }
  return doc.toString();
}

/** 1-based line of the first line of `text` matching `re`. */
const lineOf = (text: string, re: RegExp): number => text.split('\n').findIndex((l) => re.test(l)) + 1;

interface State { readonly objects: KubeObject[]; of(kind: string, name?: string): any; all(kind: string): any[] }
function stateOf(release: LoadedRelease): State {
  const objects = buildRelease(release.model).flatMap((f) => f.objects);
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const of = (kind: string, name?: string) => {
    // (the mesh VirtualService, `<name>-mesh`, is looked up by name: finding 3 of issue 13)
    const found = all(kind).filter((o) => (name === undefined ? !(kind === 'VirtualService' && o.metadata.name.endsWith('-mesh')) : o.metadata.name === name));
    if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
    return found[0];
  };
  return { objects, of, all };
}
const state = (file: string, text: string): State => stateOf(load(file, text));

/** The weighted destinations of the last (canary) route of a VirtualService. */
const canaryRoute = (vs: any) => vs.spec.http[vs.spec.http.length - 1];
const weights = (vs: any): number[] => canaryRoute(vs).route.map((r: any) => r.weight ?? 100);

/** The files of a release state, as `npm run synth` writes them (for snapshots and kustomize). */
function filesOf(release: LoadedRelease): Record<string, string> {
  return Object.fromEntries([...renderRelease(release)].sort(([a], [b]) => a.localeCompare(b)));
}

function kustomize(files: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-kustomize-'));
  try {
    for (const [rel, c] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), c);
    }
    const roots = Object.keys(files).filter((f) => f.endsWith('/kustomization.yaml')).map((f) => path.dirname(f));
    return roots.map((r) => execFileSync('kubectl', ['kustomize', path.join(dir, r)], { encoding: 'utf8' }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The three S4 states the issue names, built from the committed specs.
const mushop5050 = () => load(MUSHOP, textOf(MUSHOP));
const mushopRollback = () => load(MUSHOP, edit(MUSHOP, [[['canary'], undefined]]));
const sampleapp955 = () => load(SAMPLEAPP, edit(SAMPLEAPP, [[['canary'], { version: '0.2.0', weight: 5 }]]));

describe('istio router: S4 MuShop storefront', () => {
  test('at 50/50 the Gateway, the ordered routes of edge and the subsets are the walkthrough\'s', () => {
    // GIVEN the committed releases/mushop-storefront.yaml (canary 2.1.3-beta.1 at weight 50)
    // WHEN it is built
    const s = stateOf(mushop5050());
    // THEN the Gateway `gateway` serves port 80 HTTP for every host through the ingress gateway pods
    const gw = s.of('Gateway', 'gateway');
    expect(gw.metadata.namespace).toBe('mushop');
    expect(gw.spec).toEqual({ selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
    // AND the VirtualService `edge` is bound to it, with /api, /assets (rewritten to /), then the 50/50 split, in that order
    const vs = s.of('VirtualService', 'edge');
    expect(vs.metadata.namespace).toBe('mushop');
    expect(vs.spec.gateways).toEqual(['gateway']);
    expect(vs.spec.hosts).toEqual(['*']);
    expect(vs.spec.http).toEqual([
      { match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'mushop-api.mushop.svc.cluster.local' } }] },
      { match: [{ uri: { prefix: '/assets' } }], rewrite: { uri: '/' }, route: [{ destination: { host: 'mushop-assets.mushop.svc.cluster.local' } }] },
      {
        route: [
          { destination: { host: 'mushop-storefront.mushop.svc.cluster.local', port: { number: 80 }, subset: 'original' }, weight: 50 },
          { destination: { host: 'mushop-storefront.mushop.svc.cluster.local', port: { number: 80 }, subset: 'beta' }, weight: 50 },
        ],
      },
    ]);
    // AND the DestinationRule of the storefront host selects original=2.1.2 and beta=2.1.3-beta.1 by the version label
    const dr = s.of('DestinationRule');
    expect(dr.spec).toEqual({
      host: 'mushop-storefront.mushop.svc.cluster.local',
      exportTo: ['*'],
      subsets: [{ name: 'original', labels: { version: '2.1.2' } }, { name: 'beta', labels: { version: '2.1.3-beta.1' } }],
    });
    // AND the walkthrough's apiVersion is kept
    expect(new Set(s.objects.filter((o) => o.apiVersion.startsWith('networking.istio.io/')).map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1alpha3']));
  });

  test('the two Deployments share the storefront labels and differ only in version; one Service selects both', () => {
    const s = stateOf(mushop5050());
    const shared = { app: 'storefront', 'app.kubernetes.io/instance': 'mushop', 'app.kubernetes.io/name': 'storefront' };
    const stable = s.of('Deployment', 'mushop-storefront');
    const beta = s.of('Deployment', 'mushop-storefrontv2');
    expect(stable.spec.template.metadata.labels).toMatchObject({ ...shared, version: '2.1.2' });
    expect(beta.spec.template.metadata.labels).toMatchObject({ ...shared, version: '2.1.3-beta.1' });
    expect(stable.spec.template.spec.containers[0].image).toBe('iad.ocir.io/oracle/ateam/mushop-storefront:2.1.2');
    expect(beta.spec.template.spec.containers[0].image).toBe('iad.ocir.io/oracle/ateam/mushop-storefront:2.1.3-beta.1');
    // selectors never name a version: the Service keeps both tracks' endpoints, subsets pick by version
    expect(s.all('Service')).toHaveLength(1);
    const svc = s.of('Service', 'mushop-storefront');
    expect(svc.spec.selector).toEqual({ app: 'storefront' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    for (const d of [stable, beta]) expect(Object.keys(d.spec.selector.matchLabels)).not.toContain('version');
    // the namespace already holds the rest of MuShop: no Namespace object
    expect(s.all('Namespace')).toEqual([]);
  });

  test('rollback restores the default route (storefront, port 80, its stable subset) and leaves /api and /assets exactly as they were', () => {
    // GIVEN the 50/50 state and the same spec with the canary removed
    const before = stateOf(mushop5050()).of('VirtualService', 'edge');
    // WHEN the rollback state is built
    const s = stateOf(mushopRollback());
    const after = s.of('VirtualService', 'edge');
    // THEN the last route is one destination, the storefront Service host on port 80, through its stable subset: the bare
    // Service would spread requests over the aborted canary's pods (pruned last) by replica count (issue 13, finding 1)
    expect(canaryRoute(after)).toEqual({ route: [{ destination: { host: 'mushop-storefront.mushop.svc.cluster.local', port: { number: 80 }, subset: 'original' } }] });
    // AND every other route is unchanged, in the same order
    expect(after.spec.http.slice(0, -1)).toEqual(before.spec.http.slice(0, -1));
    expect(after.spec.gateways).toEqual(before.spec.gateways);
    // AND the canary Deployment is gone while the DestinationRule still declares both subsets (beta parked on the stable version)
    expect(s.all('Deployment').map((d) => d.metadata.name)).toEqual(['mushop-storefront']);
    expect(s.of('DestinationRule').spec.subsets).toEqual([{ name: 'original', labels: { version: '2.1.2' } }, { name: 'beta', labels: { version: '2.1.2' } }]);
  });
});

describe('istio router: S4 Jenkins sample app', () => {
  test('committed with no canary: 100% to the sampleapp Service on port 8080 through sampleapp-gateway', () => {
    // GIVEN the committed releases/sampleapp.yaml WHEN built
    const s = state(SAMPLEAPP, textOf(SAMPLEAPP));
    // THEN the objects carry the tutorial's names
    expect(s.of('Gateway').metadata.name).toBe('sampleapp-gateway');
    const vs = s.of('VirtualService', 'sampleapp');
    expect(vs.spec.gateways).toEqual(['sampleapp-gateway']);
    expect(vs.spec.http).toEqual([{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'sampleapp.sampleapp.svc.cluster.local', port: { number: 8080 }, subset: 'prod' } }] }]);
    expect(vs.spec.hosts).toEqual(['sampleapp.example.com']);
    expect(s.of('DestinationRule', 'sampleapp').spec.subsets).toEqual([{ name: 'prod', labels: { version: 'prod' } }, { name: 'canary', labels: { version: 'canary' } }]);
    // AND one Deployment sampleapp labelled version=prod, one Service sampleapp (port 8080, name http) selecting app=sampleapp
    expect(s.all('Deployment').map((d) => [d.metadata.name, d.spec.template.metadata.labels.version])).toEqual([['sampleapp', 'prod']]);
    const svc = s.of('Service', 'sampleapp');
    expect(svc.spec.selector).toEqual({ app: 'sampleapp' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('while the canary branch is live (step 5) the split is 95/5 between subsets prod and canary', () => {
    const s = stateOf(sampleapp955());
    const vs = s.of('VirtualService', 'sampleapp');
    expect(vs.spec.http).toEqual([{
      match: [{ uri: { prefix: '/' } }],
      route: [
        { destination: { host: 'sampleapp.sampleapp.svc.cluster.local', port: { number: 8080 }, subset: 'prod' }, weight: 95 },
        { destination: { host: 'sampleapp.sampleapp.svc.cluster.local', port: { number: 8080 }, subset: 'canary' }, weight: 5 },
      ],
    }]);
    const canary = s.of('Deployment', 'sampleapp-canary');
    expect(canary.spec.template.metadata.labels).toMatchObject({ app: 'sampleapp', version: 'canary' });
    expect(canary.spec.template.spec.containers[0].image).toBe('ghcr.io/example/sampleapp:0.2.0');
  });

  test('with fixed version labels the DestinationRule is the same in every state', () => {
    const drs = [textOf(SAMPLEAPP), edit(SAMPLEAPP, [[['canary'], { version: '0.2.0', weight: 0 }]]), edit(SAMPLEAPP, [[['canary'], { version: '0.2.0', weight: 100 }]])]
      .map((t) => state(SAMPLEAPP, t).of('DestinationRule'));
    expect(drs[1]).toEqual(drs[0]);
    expect(drs[2]).toEqual(drs[0]);
  });

  test('image tags may be a short git SHA', () => {
    // GIVEN versions that are short SHAs (tags of the Jenkins build)
    const s = state(SAMPLEAPP, edit(SAMPLEAPP, [[['stable', 'version'], '4f9c2e1'], [['canary'], { version: 'b7d01a3', weight: 5 }]]));
    // THEN they are the image tags, and the pods keep the fixed prod/canary labels the subsets select
    expect(s.of('Deployment', 'sampleapp').spec.template.spec.containers[0].image).toBe('ghcr.io/example/sampleapp:4f9c2e1');
    expect(s.of('Deployment', 'sampleapp-canary').spec.template.spec.containers[0].image).toBe('ghcr.io/example/sampleapp:b7d01a3');
    expect(s.of('Deployment', 'sampleapp-canary').spec.template.metadata.labels.version).toBe('canary');
  });
});

describe('istio router: weights', () => {
  test.each([MUSHOP, SAMPLEAPP])('weights are integers summing to exactly 100 at every step of the ladder of %s', (file) => {
    // GIVEN each rung of the release's ladder
    const ladder = load(file, textOf(file)).model.steps.map((s) => s.weight);
    expect(ladder.length).toBeGreaterThan(2);
    for (const w of ladder) {
      // WHEN the canary sits at that rung
      const vs = state(file, edit(file, [[['canary'], { version: '9.9.9', weight: w }]])).of('VirtualService');
      // THEN the canary route holds stable=100-w and canary=w, integers summing to 100
      expect(weights(vs)).toEqual([100 - w, w]);
      expect(weights(vs).every(Number.isInteger)).toBe(true);
      expect(weights(vs).reduce((a, b) => a + b, 0)).toBe(100);
    }
  });

  test('every weight from 0 to 100 sums to 100', () => {
    for (let w = 0; w <= 100; w++) {
      const vs = state(SAMPLEAPP, edit(SAMPLEAPP, [[['canary'], { version: '0.2.0', weight: w }]])).of('VirtualService');
      expect(weights(vs).reduce((a, b) => a + b, 0)).toBe(100);
    }
  });

  test('a weight step changes only weight lines', () => {
    // GIVEN the rendered files at 5% and at 100%
    const at = (w: number) => filesOf(load(SAMPLEAPP, edit(SAMPLEAPP, [[['canary'], { version: '0.2.0', weight: w }]])));
    const a = at(5);
    const b = at(100);
    // THEN they hold the same files and the only differing lines are weights
    expect(Object.keys(b)).toEqual(Object.keys(a));
    const changed: [string, string][] = [];
    for (const f of Object.keys(a)) {
      const la = a[f].split('\n');
      const lb = b[f].split('\n');
      expect(lb).toHaveLength(la.length);
      la.forEach((l, i) => { if (l !== lb[i]) changed.push([l.trim(), lb[i].trim()]); });
    }
    // (the edge VirtualService and the mesh one: finding 3 of issue 13)
    expect(changed).toEqual([['weight: 95', 'weight: 0'], ['weight: 5', 'weight: 100'], ['weight: 95', 'weight: 0'], ['weight: 5', 'weight: 100']]);
  });
});

describe('istio router: tester route and mirroring', () => {
  const withHeader = (header: object, canary = true) => edit(MUSHOP, [[['router', 'header'], header], ...(canary ? [] : [[['canary'], undefined]] as [string[], undefined][])]);

  test('the tester route sits after the pass-through routes and before the canary route, and sends its header to the canary subset', () => {
    // GIVEN testers marked with the header X-Canary (no value: the default 'always')
    const vs = state(MUSHOP, withHeader({ name: 'X-Canary' })).of('VirtualService');
    // THEN the routes are: /api, /assets, testers, canary split
    expect(vs.spec.http).toHaveLength(4);
    expect(vs.spec.http.map((r: any) => r.match?.[0]?.uri?.prefix ?? (r.match?.[0]?.headers ? 'testers' : 'canary'))).toEqual(['/api', '/assets', 'testers', 'canary']);
    // AND the header name is lowercased (Istio matches lowercase names only) and routes to the beta subset alone
    expect(vs.spec.http[2]).toEqual({
      match: [{ headers: { 'x-canary': { exact: 'always' } } }],
      route: [{ destination: { host: 'mushop-storefront.mushop.svc.cluster.local', port: { number: 80 }, subset: 'beta' } }],
    });
  });

  test('the tester route carries the canary route\'s URI match and a regex when the spec gives a pattern', () => {
    const text = edit(SAMPLEAPP, [[['router', 'header'], { name: 'x-tester', pattern: '^(alice|bob)$' }], [['canary'], { version: '0.2.0', weight: 0 }]]);
    const vs = state(SAMPLEAPP, text).of('VirtualService');
    expect(vs.spec.http[0].match).toEqual([{ uri: { prefix: '/' }, headers: { 'x-tester': { regex: '^(alice|bob)$' } } }]);
    expect(weights(vs)).toEqual([100, 0]);
  });

  test('without a canary there is no tester route', () => {
    const vs = state(MUSHOP, withHeader({ name: 'X-Canary', value: 'yes' }, false)).of('VirtualService');
    expect(vs.spec.http).toHaveLength(3);
    expect(JSON.stringify(vs.spec.http)).not.toContain('x-canary');
  });

  test('mirroring copies the given share of the canary route\'s requests to the canary subset', () => {
    // GIVEN mirror 10% on the sample app at 95/5
    const text = edit(SAMPLEAPP, [[['router', 'mirror'], { percentage: 10 }], [['canary'], { version: '0.2.0', weight: 5 }]]);
    const route = canaryRoute(state(SAMPLEAPP, text).of('VirtualService'));
    // THEN the canary route mirrors to the canary subset with mirrorPercentage 10, weights untouched
    expect(route.mirror).toEqual({ host: 'sampleapp.sampleapp.svc.cluster.local', port: { number: 8080 }, subset: 'canary' });
    expect(route.mirrorPercentage).toEqual({ value: 10 });
    expect(route.route.map((r: any) => r.weight)).toEqual([95, 5]);
  });

  test('without a canary nothing is mirrored', () => {
    const route = canaryRoute(state(SAMPLEAPP, edit(SAMPLEAPP, [[['router', 'mirror'], { percentage: 10 }]])).of('VirtualService'));
    expect(route.mirror).toBeUndefined();
    expect(route.mirrorPercentage).toBeUndefined();
  });

  test('a pass-through route may use a regex or an exact match, a port and the stable subset', () => {
    const text = edit(MUSHOP, [[['router', 'routes'], [
      { name: 'health', match: { exact: '/healthz' }, destination: { host: 'mushop-storefront', port: 80, subset: 'original' } },
      { match: { regex: '^/v[0-9]+/' }, destination: { host: 'mushop-api.mushop.svc.cluster.local', port: 3000 } },
    ]]]);
    const vs = state(MUSHOP, text).of('VirtualService');
    expect(vs.spec.http.slice(0, 2)).toEqual([
      { name: 'health', match: [{ uri: { exact: '/healthz' } }], route: [{ destination: { host: 'mushop-storefront', port: { number: 80 }, subset: 'original' } }] },
      { match: [{ uri: { regex: '^/v[0-9]+/' } }], route: [{ destination: { host: 'mushop-api.mushop.svc.cluster.local', port: { number: 3000 } } }] },
    ]);
  });

  test('without a gateway the VirtualService routes mesh traffic for the Service host', () => {
    const s = state(SAMPLEAPP, edit(SAMPLEAPP, [[['router', 'gateway'], undefined], [['router', 'hosts'], undefined]]));
    expect(s.all('Gateway')).toEqual([]);
    expect(s.all('VirtualService')).toHaveLength(1);
    expect(s.of('VirtualService').spec.gateways).toBeUndefined();
    expect(s.of('VirtualService').spec.hosts).toEqual(['sampleapp.sampleapp.svc.cluster.local']);
  });

  test('gateway.create: false binds to an existing Gateway in another namespace without emitting it', () => {
    const s = state(SAMPLEAPP, edit(SAMPLEAPP, [[['router', 'gateway'], { name: 'public', namespace: 'istio-system', create: false }]]));
    expect(s.all('Gateway')).toEqual([]);
    expect(s.of('VirtualService').spec.gateways).toEqual(['istio-system/public']);
  });

  test('the VirtualServices and the DestinationRule say exportTo: [\'*\'] whatever the mesh\'s default (a mesh defaulting to \'.\' would hide them from the ingress gateway and from callers in other namespaces)', () => {
    // GIVEN the sample app behind a gateway, with its mesh VirtualService, and no exportTo in the spec
    const s = state(SAMPLEAPP, textOf(SAMPLEAPP));
    // THEN every object Istio scopes by exportTo carries it
    const scoped = [...s.all('VirtualService'), ...s.all('DestinationRule')];
    expect(scoped.map((o) => o.metadata.name).sort()).toEqual(['sampleapp', 'sampleapp', 'sampleapp-mesh']);
    expect(scoped.map((o) => o.spec.exportTo)).toEqual([['*'], ['*'], ['*']]);
    expect(s.of('Gateway').spec.exportTo).toBeUndefined(); // a Gateway has no exportTo
  });

  test('GIVEN router.exportTo narrowed for a restricted mesh THEN each VirtualService and the DestinationRule carry that list, and pass strict validation', () => {
    const s = state(SAMPLEAPP, edit(SAMPLEAPP, [[['router', 'exportTo'], ['.', 'istio-system', 'web']]]));
    const scoped = [...s.all('VirtualService'), ...s.all('DestinationRule')];
    expect(scoped.map((o) => o.spec.exportTo)).toEqual([['.', 'istio-system', 'web'], ['.', 'istio-system', 'web'], ['.', 'istio-system', 'web']]);
    expect(s.objects.map((o) => validateObject(o)).flat()).toEqual([]);
  });

  test('an HTTPS server references its TLS Secret by name', () => {
    const s = state(SAMPLEAPP, edit(SAMPLEAPP, [[['router', 'gateway', 'servers'], [{ port: { number: 443, protocol: 'HTTPS' }, hosts: ['app.example.com'], tlsCredentialName: 'app-tls' }]]]));
    expect(s.of('Gateway').spec.servers).toEqual([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['app.example.com'], tls: { mode: 'SIMPLE', credentialName: 'app-tls' } }]);
    expect(s.objects.map((o) => validateObject(o)).flat()).toEqual([]);
  });
});

describe('istio router: make-before-break', () => {
  /** Subsets a VirtualService sends traffic to (weight > 0), by name. */
  const liveSubsets = (vs: any): string[] => vs.spec.http.flatMap((r: any) => r.route.filter((d: any) => (d.weight ?? 100) > 0 && d.destination.subset).map((d: any) => d.destination.subset));
  const versionsOfPods = (s: State): string[] => s.all('Deployment').map((d) => d.spec.template.metadata.labels.version);

  /**
   * The Istio objects move before the workloads (negative waves), so while a sync is under way the
   * pods of the old state are still there and any mix of old/new VirtualService and DestinationRule
   * may be in effect. Then no request may reach a subset that is undeclared or selects no pod.
   */
  function assertNo503(from: State, to: State): void {
    const pods = new Set(versionsOfPods(from));
    for (const vs of [from.of('VirtualService'), to.of('VirtualService')]) {
      for (const dr of [from.of('DestinationRule'), to.of('DestinationRule')]) {
        for (const name of liveSubsets(vs)) {
          const subset = dr.spec.subsets.find((x: any) => x.name === name);
          expect(subset).toBeDefined();
          expect(pods.has(subset.labels.version)).toBe(true);
        }
      }
    }
  }

  const transitions = (file: string, canaryVersion: string, ladder: number[]): [string, string, string][] => {
    const spec = textOf(file);
    const noCanary = edit(file, [[['canary'], undefined]]);
    const at = (w: number) => edit(file, [[['canary'], { version: canaryVersion, weight: w }]]);
    const promoted = edit(file, [[['canary'], undefined], [['stable', 'version'], canaryVersion]]);
    const out: [string, string, string][] = [['start', noCanary, at(ladder[0])]];
    for (let i = 1; i < ladder.length; i++) out.push([`step ${ladder[i - 1]} -> ${ladder[i]}`, at(ladder[i - 1]), at(ladder[i])]);
    for (const w of ladder) out.push([`rollback from ${w}`, at(w), noCanary], [`promote from ${w}`, at(w), promoted]);
    expect(spec).toBeTruthy();
    return out;
  };

  test.each([
    [MUSHOP, '2.1.3-beta.1', [0, 50, 100]],
    [SAMPLEAPP, '0.2.0', [0, 5, 100]],
  ])('no transition of %s sends a request to an undeclared or empty subset, in any apply order', (file, version, ladder) => {
    for (const [, a, b] of transitions(file as string, version as string, ladder as number[])) {
      assertNo503(state(file as string, a), state(file as string, b));
    }
  });

  test('the check above fails for a DestinationRule that drops the canary subset when no canary runs', () => {
    // GIVEN the rollback state with the beta subset removed (what "declare only what runs" would emit)
    const from = stateOf(mushop5050());
    const to = stateOf(mushopRollback());
    const dr = to.of('DestinationRule');
    (dr.spec as any).subsets = dr.spec.subsets.slice(0, 1);
    // THEN an old route still naming beta meets a DestinationRule without it
    expect(() => assertNo503(from, to)).toThrow();
  });

  test('the DestinationRule and the Gateway sync before the workloads, the VirtualServices after them (the routes\' wave)', () => {
    const s = stateOf(mushop5050());
    const wave = (o: any) => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION] ?? 0);
    expect(wave(s.of('DestinationRule'))).toBeLessThan(0);
    expect(wave(s.of('Gateway'))).toBeLessThan(0);
    // stable wave 0, canary wave 1 (lib/gitops/sync-waves.ts), then the routes: production rolled and the canary ready before traffic moves
    const deployments = releaseFolders(mushop5050()).flatMap((f) => f.objects).filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => [d.metadata.name, wave(d)])).toEqual([['mushop-storefront', 0], ['mushop-storefrontv2', 1]]);
    expect(s.all('VirtualService').map(wave)).toEqual([WAVES.route, WAVES.route]);
    expect(ISTIO_SYNC_WAVES).toEqual({ Gateway: '-2', DestinationRule: '-2', VirtualService: String(WAVES.route) });
  });
});

describe('istio router: api versions and schemas', () => {
  test('the three networking.istio.io versions share one schema in the upstream CRDs', () => {
    const docs = parseAllDocuments(fs.readFileSync(path.join(CRDS_DIR, 'istio-api/networking.istio.io-crds.yaml'), 'utf8')).map((d) => d.toJS());
    for (const kind of ['Gateway', 'VirtualService', 'DestinationRule']) {
      const crd = docs.find((d) => d.spec.names.kind === kind);
      const schemas = Object.fromEntries(crd.spec.versions.map((v: any) => [v.name, JSON.stringify(v.schema)]));
      expect(Object.keys(schemas).sort()).toEqual(['v1', 'v1alpha3', 'v1beta1']);
      expect(new Set(Object.values(schemas)).size).toBe(1);
    }
  });

  test.each(['v1', 'v1beta1', 'v1alpha3', undefined])('apiVersion %s: every object of every state passes strict validation', (v) => {
    // GIVEN both S4 releases in each of their states, with the router's apiVersion set (undefined: the default)
    const texts: [string, string][] = [];
    for (const [file, version] of [[MUSHOP, '2.1.3-beta.1'], [SAMPLEAPP, '0.2.0']]) {
      const api: [(string | number)[], unknown] = [['router', 'apiVersion'], v];
      texts.push([file, edit(file, [api, [['canary'], undefined]])], [file, edit(file, [api, [['canary'], { version, weight: 5 }]])]);
    }
    texts.push([MUSHOP, edit(MUSHOP, [[['router', 'apiVersion'], v], [['router', 'header'], { name: 'X-Canary' }], [['router', 'mirror'], { percentage: 2.5 }]])]);
    for (const [file, text] of texts) {
      // WHEN built
      const s = state(file, text);
      // THEN the Istio objects have the asked version and every object passes its upstream schema
      const istio = s.objects.filter((o) => o.apiVersion.startsWith('networking.istio.io/'));
      expect(istio.map((o) => o.kind).sort()).toEqual(['DestinationRule', 'Gateway', 'VirtualService', 'VirtualService']);
      expect(new Set(istio.map((o) => o.apiVersion))).toEqual(new Set([`networking.istio.io/${v ?? 'v1'}`]));
      expect(s.objects.flatMap((o) => validateObject(o))).toEqual([]);
    }
  });

  test('the validator catches a wrong Istio field (so the test above can fail)', () => {
    const vs = stateOf(mushop5050()).of('VirtualService');
    const bad = { ...vs, spec: { ...vs.spec, http: [{ ...vs.spec.http[0], route: [{ destination: { host: 'x', subset: 'a' }, weight: '50' }] }] } };
    expect(validateObject(bad).join('\n')).toMatch(/weight/);
    // AND an unknown top-level field (the harness adds only apiVersion, kind and metadata to Istio's root schema)
    expect(validateObject({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'x' }, specs: { host: 'x' } }).join('\n')).toMatch(/'specs'/);
  });

  test('the committed dist/ of both releases passes strict validation and builds with kubectl kustomize', () => {
    for (const dir of ['dist/mushop-storefront/mushop', 'dist/sampleapp/sampleapp']) {
      const r = validateTree(path.join(REPO, dir));
      expect(r.problems).toEqual([]);
      expect(r.objects).toBeGreaterThanOrEqual(5);
      const out = execFileSync('kubectl', ['kustomize', path.join(REPO, dir)], { encoding: 'utf8' });
      expect(parseAllDocuments(out).map((d) => d.toJS().kind)).toEqual(expect.arrayContaining(['DestinationRule', 'Gateway', 'VirtualService', 'Deployment', 'Service']));
    }
  });

  test('the committed dist/ is what the committed specs synthesize', () => {
    for (const [file, dir] of [[MUSHOP, 'mushop-storefront'], [SAMPLEAPP, 'sampleapp']]) {
      const files = filesOf(load(file, textOf(file)));
      for (const [rel, content] of Object.entries(files)) expect(fs.readFileSync(path.join(REPO, 'dist', rel), 'utf8')).toBe(content);
      expect(fs.readdirSync(path.join(REPO, 'dist', dir), { recursive: true }).filter((f) => String(f).endsWith('.yaml')).length).toBe(Object.keys(files).length);
    }
  });
});

describe('istio router: snapshots, one per state', () => {
  test.each([
    ['mushop-storefront at 50/50', mushop5050],
    ['sampleapp at 95/5', sampleapp955],
    ['mushop-storefront after rollback', mushopRollback],
  ])('%s', (_name, release) => {
    const files = filesOf(release());
    // every state builds with real kustomize
    expect(kustomize(files).length).toBeGreaterThan(0);
    expect(files).toMatchSnapshot();
  });
});

describe('istio router: bad specs', () => {
  const expectProblems = (file: string, text: string, expected: string[]) => expect(problemsOf(file, text)).toEqual(expected);

  test('fails when weightTotal is not 100', () => {
    const text = textOf(SAMPLEAPP).replace('steps: [0, 5, 100]', 'steps: [0, 5, 100]\nweightTotal: 1000');
    const line = lineOf(text, /^weightTotal:/);
    expectProblems(SAMPLEAPP, text, [`releases/sampleapp.yaml:${line}:14: weightTotal: istio route weights are percentages and must sum to exactly 100 (got 1000); remove weightTotal or set it to 100`]);
  });

  test('fails when router.exportTo lists \'*\' next to other namespaces (Istio refuses it: "cannot have both public (*) and non-public exportTo values")', () => {
    const text = edit(SAMPLEAPP, [[['router', 'exportTo'], ['.', '*']]]);
    const line = lineOf(text, /^ +- ["']\*["']$/);
    const col = text.split('\n')[line - 1].search(/["']\*/) + 1;
    expectProblems(SAMPLEAPP, text, [`releases/sampleapp.yaml:${line}:${col}: router.exportTo[1]: '*' exports to every namespace already, and Istio refuses it next to other entries (got "*"); use ['*'] alone, or list '.' and the namespaces without '*'`]);
  });

  test('fails when router.exportTo names something that is not a namespace, \'.\' or \'*\'', () => {
    const text = edit(SAMPLEAPP, [[['router', 'exportTo'], ['Istio_System']]]);
    expect(problemsOf(SAMPLEAPP, text)).toEqual([expect.stringMatching(/^releases\/sampleapp\.yaml:\d+:\d+: router\.exportTo\[0\]: .*\(got "Istio_System"\); use '\.' \(the release's namespace\), '\*' \(all\) or a namespace name$/)]);
  });

  test('fails when weights are over 100', () => {
    // GIVEN a canary weight and a ladder rung above 100 (stable would get a negative weight)
    const text = textOf(SAMPLEAPP).replace('steps: [0, 5, 100]', 'steps: [0, 5, 120]\ncanary:\n  version: 0.2.0\n  weight: 150');
    const steps = lineOf(text, /^steps:/);
    const weight = lineOf(text, /^ {2}weight: 150/);
    // THEN both are reported with their position and the allowed range
    expectProblems(SAMPLEAPP, text, [
      `releases/sampleapp.yaml:${steps}:15: steps[2]: weight is above the weight total 100 (got 120); use a weight between 0 and 100`,
      `releases/sampleapp.yaml:${weight}:11: canary.weight: weight is above the weight total 100 (got 150); use a weight between 0 and 100`,
    ]);
  });

  test('fails when a route references an unknown subset of the release\'s Service', () => {
    const text = edit(MUSHOP, [[['router', 'routes', 0, 'destination'], { host: 'mushop-storefront.mushop.svc.cluster.local', subset: 'gamma' }]]);
    const [p] = problemsOf(MUSHOP, text);
    expect(p).toMatch(/^releases\/mushop-storefront\.yaml:\d+:\d+: router\.routes\[0\]\.destination\.subset: unknown subset 'gamma': the DestinationRule of mushop-storefront\.mushop\.svc\.cluster\.local declares original and beta \(got "gamma"\); use subset: original, or remove subset$/);
    expect(Number(p.split(':')[1])).toBe(lineOf(text, /subset: gamma/));
  });

  test('fails when a pass-through route sends to the release\'s own Service without a subset', () => {
    const text = edit(MUSHOP, [[['router', 'routes', 1, 'destination'], { host: 'mushop-storefront.mushop' }]]);
    expect(problemsOf(MUSHOP, text)).toEqual([expect.stringMatching(/router\.routes\[1\]\.destination\.host: a pass-through route to this release's own Service without a subset reaches canary pods by replica count, whatever the weight \(got "mushop-storefront\.mushop"\); add subset: original$/)]);
  });

  test('fails when a pass-through route sends to the canary subset', () => {
    const text = edit(MUSHOP, [[['router', 'routes', 1, 'destination'], { host: 'mushop-storefront', subset: 'beta' }]]);
    expect(problemsOf(MUSHOP, text)).toEqual([expect.stringMatching(/router\.routes\[1\]\.destination\.subset: pass-through routes never change with the canary's state, so they cannot send to the canary subset 'beta' \(got "beta"\); use router\.header for a route to the canary \(testers\), or remove subset$/)]);
  });

  test('fails on a duplicate route', () => {
    // GIVEN /api listed twice
    const text = edit(MUSHOP, [[['router', 'routes', 1, 'match'], { prefix: '/api' }], [['router', 'routes', 1, 'rewrite'], undefined]]);
    const [p, ...rest] = problemsOf(MUSHOP, text);
    expect(rest).toEqual([]);
    expect(p).toMatch(/^releases\/mushop-storefront\.yaml:\d+:\d+: router\.routes\[1\]\.match: duplicate route: routes\[1\] has the same prefix match as routes\[0\] \('\/api'\), so it is never reached \(got "\/api"\); remove one of the two routes or change its match$/);
  });

  test('fails on a route hidden behind an earlier, shorter prefix', () => {
    const text = edit(MUSHOP, [[['router', 'routes', 1, 'match'], { prefix: '/api/v2' }], [['router', 'routes', 1, 'rewrite'], undefined]]);
    expect(problemsOf(MUSHOP, text)).toEqual([expect.stringMatching(/router\.routes\[1\]\.match: routes\[1\] is never reached: routes\[0\] \(prefix '\/api'\) matches every request it would \(got "\/api\/v2"\); move routes\[1\] before routes\[0\], or narrow routes\[0\]'s match$/)]);
  });

  test('fails when a pass-through route catches every request, hiding the canary route', () => {
    const text = edit(MUSHOP, [[['router', 'routes', 1, 'match'], { prefix: '/' }], [['router', 'routes', 1, 'rewrite'], undefined]]);
    expect(problemsOf(MUSHOP, text)).toEqual([expect.stringMatching(/^releases\/mushop-storefront\.yaml:\d+:\d+: router: the canary route is never reached: routes\[1\] \(prefix '\/'\) matches every request it would; narrow routes\[1\]'s match or remove it: the canary route always comes after the pass-through routes$/)]);
  });

  test('fails on two routes with the same name', () => {
    const text = edit(MUSHOP, [[['router', 'routes', 0, 'name'], 'backend'], [['router', 'routes', 1, 'name'], 'backend']]);
    expect(problemsOf(MUSHOP, text)).toEqual([expect.stringMatching(/router\.routes\[1\]\.name: duplicate route name 'backend' \(also routes\[0\]\) \(got "backend"\); give every route a unique name$/)]);
  });

  test('fails when the canary runs in another namespace than production', () => {
    const text = textOf(SAMPLEAPP).replace('  production: sampleapp', '  production: sampleapp\n  canary: sampleapp-canary');
    const line = lineOf(text, /^ {2}canary: sampleapp-canary/);
    expectProblems(SAMPLEAPP, text, [`releases/sampleapp.yaml:${line}:11: namespaces.canary: istio splits traffic between subsets of one Service, so the canary must run in the production namespace 'sampleapp' (got "sampleapp-canary"); remove namespaces.canary or set it to sampleapp`]);
  });

  test('fails when the ladder does not start at 0', () => {
    const text = textOf(SAMPLEAPP).replace('steps: [0, 5, 100]', 'steps: [5, 100]');
    expectProblems(SAMPLEAPP, text, [`releases/sampleapp.yaml:${lineOf(text, /^steps:/)}:9: steps[0]: the first step must be 0: start deploys the canary at the first step, and a sync would send it that share of requests before its pods are ready (got 5); start the ladder at 0: [0, 5, 100]; the canary takes traffic from the next step, once its pods run`]);
  });

  test('fails when both subsets have the same name', () => {
    const text = textOf(SAMPLEAPP).replace('    canary: canary\n  match', '    canary: prod\n  match');
    expectProblems(SAMPLEAPP, text, [`releases/sampleapp.yaml:${lineOf(text, /^ {4}canary: prod/)}:13: router.subsets.canary: stable and canary subsets have the same name 'prod' (got "prod"); give the two subsets different names, e.g. prod and canary`]);
  });

  test('fails when stable and canary pods would carry the same version label', () => {
    const text = edit(MUSHOP, [[['canary'], { version: '2.1.2', image: 'iad.ocir.io/oracle/ateam/mushop-storefront:2.1.2-debug', weight: 50 }]]);
    expect(problemsOf(MUSHOP, text)).toEqual([expect.stringMatching(/canary\.version: stable and canary pods carry the same version label '2\.1\.2', so both subsets would select the same pods \(got "2\.1\.2"\); give the canary a new version, or set workload\.versionLabel/)]);
  });

  test('fails on a gateway that is not created but described', () => {
    const text = edit(MUSHOP, [[['router', 'gateway', 'create'], false]]);
    expect(problemsOf(MUSHOP, text)).toEqual([
      expect.stringMatching(/router\.gateway\.selector: selector describes a Gateway this release creates, but gateway\.create is false; remove selector, or remove create: false$/),
      expect.stringMatching(/router\.gateway\.servers: servers describes a Gateway this release creates, but gateway\.create is false; remove servers, or remove create: false$/),
    ]);
  });

  test('fails on an HTTPS server without its TLS Secret, and on two servers with one port name', () => {
    const text = edit(SAMPLEAPP, [[['router', 'gateway', 'servers'], [
      { port: { number: 80, protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 8080, protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 443, protocol: 'HTTPS' }, hosts: ['*'] },
    ]]]);
    expect(problemsOf(SAMPLEAPP, text)).toEqual([
      expect.stringMatching(/router\.gateway\.servers\[1\]\.port: port name 'http' is already used by servers\[0\] \(got "http"\); give every server its own port\.name, e\.g\. http and https$/),
      expect.stringMatching(/router\.gateway\.servers\[2\]\.port\.protocol: an HTTPS server needs the TLS Secret it serves \(got "HTTPS"\); add tlsCredentialName: <name of a kubernetes\.io\/tls Secret in the gateway namespace>$/),
    ]);
  });

  test('fails on a regex that does not compile', () => {
    const text = edit(SAMPLEAPP, [[['router', 'match'], { regex: '/(unclosed' }]]);
    expect(problemsOf(SAMPLEAPP, text)).toEqual([expect.stringMatching(/router\.match\.regex: invalid regular expression \(.*\) \(got "\/\(unclosed"\); fix the regular expression$/)]);
  });

  test('fails on schema errors with the Istio hints: unknown apiVersion, rewrite without a leading slash', () => {
    const text = edit(MUSHOP, [[['router', 'apiVersion'], 'v2'], [['router', 'routes', 1, 'rewrite'], 'assets']]);
    const problems = problemsOf(MUSHOP, text);
    expect(problems).toEqual([
      expect.stringMatching(/router\.apiVersion: must be one of 'v1', 'v1beta1', 'v1alpha3' \(got "v2"\); did you mean 'v1'\?$/),
      expect.stringMatching(/router\.routes\[1\]\.rewrite: .*\(got "assets"\); start the rewrite with '\/', e\.g\. '\/'$/),
    ]);
  });

  test('nothing is built for a release the router refused', () => {
    // the synth goes through the same checks: a refused spec never reaches addTraffic
    const text = textOf(SAMPLEAPP).replace('steps: [0, 5, 100]', 'steps: [0, 5, 100]\nweightTotal: 1000');
    expect(() => load(SAMPLEAPP, text)).toThrow(/weightTotal: istio route weights are percentages/);
  });
});
