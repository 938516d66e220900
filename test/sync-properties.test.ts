/**
 * Property tests: for release specs generated over routers, namespace layouts, ladders, replica
 * counts and weight totals, every transition of a random move sequence (start, steps, a set-weight,
 * then promote or abort) keeps both invariants under Argo CD and Flux, in the product's transition
 * model; a sample of them also in the independent oracle.
 */
import fc from 'fast-check';
import { checkTransition } from '../lib/review/transition';
import { abort, editSpecText, promote, setWeight, start, step } from '../lib/rollout';
import { LoadedRelease } from '../lib/spec/loader';
import { defaultProjectConfig } from '../lib/spec/project-config';
import { renderProjectRoots, renderRelease } from '../lib/synth/project';
import { loaded } from './support/specs';
import { oracleCheck } from './support/sync-oracle';

type Router = 'nginx' | 'gatewayApi' | 'istio' | 'openshiftRoute';

interface Gen {
  readonly router: Router;
  readonly split: boolean;
  readonly total: number;
  readonly ladder: number[];
  readonly replicas: number;
  readonly canaryReplicas: number;
  readonly fixedLabels: boolean;
  readonly moves: ('step' | 'set')[];
  readonly setTo: number;
  readonly end: 'promote' | 'abort';
}

const gen: fc.Arbitrary<Gen> = fc.record({
  router: fc.constantFrom<Router>('nginx', 'gatewayApi', 'istio', 'openshiftRoute'),
  split: fc.boolean(),
  total: fc.constantFrom(100, 1000),
  rungs: fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 3 }),
  replicas: fc.integer({ min: 1, max: 4 }),
  canaryReplicas: fc.integer({ min: 1, max: 3 }),
  fixedLabels: fc.boolean(),
  moves: fc.array(fc.constantFrom<'step' | 'set'>('step', 'set'), { maxLength: 3 }),
  setPct: fc.integer({ min: 0, max: 100 }),
  end: fc.constantFrom<'promote' | 'abort'>('promote', 'abort'),
}).map((g) => {
  // Istio and Route weights are percentages; NGINX and Gateway API take any total
  const total = g.router === 'istio' || g.router === 'openshiftRoute' ? 100 : g.total;
  const ladder = [0, ...[...g.rungs].sort((a, b) => a - b).map((p) => Math.round(p * total / 100))].filter((w, i, xs) => xs.indexOf(w) === i);
  return {
    router: g.router, split: g.split && (g.router === 'nginx' || g.router === 'gatewayApi'), total, ladder, replicas: g.replicas,
    canaryReplicas: g.canaryReplicas, fixedLabels: g.fixedLabels, moves: g.moves, setTo: Math.round(g.setPct * total / 100), end: g.end,
  };
});

function specOf(g: Gen): string {
  const name = 'prop';
  const router = {
    nginx: '  type: nginx\n  host: prop.example.com\n  header:\n    name: X-Canary\n',
    gatewayApi: '  type: gatewayApi\n  parentRefs:\n    - name: public\n      namespace: gateway-system\n  hostnames:\n    - prop.example.com\n',
    istio: '  type: istio\n  gateway:\n    name: prop-gateway\n  hosts:\n    - prop.example.com\n',
    openshiftRoute: '  type: openshiftRoute\n  domain: apps.example.com\n',
  }[g.router];
  return `apiVersion: canary.cdk8s.io/v1alpha1
kind: Release
name: ${name}
namespaces:
  production: prop
${g.split ? '  canary: prop-canary\n' : ''}workload:
  type: webapp
  image: ghcr.io/example/prop
  port: 8080
  replicas: ${g.replicas}
  canaryReplicas: ${g.canaryReplicas}
${g.fixedLabels ? '  versionLabel:\n    stable: prod\n    canary: canary\n' : ''}stable:
  version: 1.0.0
${g.total !== 100 ? `weightTotal: ${g.total}\n` : ''}steps: [${g.ladder.join(', ')}]
router:
${router}`;
}

/** The trees of a generated walk: start, then the moves, then promote or abort. */
function walk(g: Gen): Map<string, string>[] {
  let r: LoadedRelease = loaded(specOf(g), 'prop');
  const roots = renderProjectRoots([r], defaultProjectConfig());
  const tree = (x: LoadedRelease) => new Map([...roots, ...renderRelease(x)]);
  const trees = [tree(r)];
  const apply = (mv: ReturnType<typeof start>) => { r = loaded(editSpecText(r.source, mv.before, mv.after), 'prop'); trees.push(tree(r)); };
  apply(start(r.model, { version: '2.0.0' }));
  for (const m of g.moves) {
    if (m === 'step') { try { apply(step(r.model)); } catch { /* at the top of the ladder */ } }
    else { const mv = setWeight(r.model, g.setTo); if (mv.changes) apply(mv); }
  }
  apply(g.end === 'promote' ? promote(r.model) : abort(r.model));
  return trees;
}

describe('sync safety over generated specs', () => {
  test('GIVEN any router, namespace layout, ladder, replica counts and weight total THEN every transition of a walk keeps both invariants under both engines', () => {
    let checked = 0;
    fc.assert(fc.property(gen, (g) => {
      const trees = walk(g);
      for (let i = 1; i < trees.length; i++) {
        const r = checkTransition(trees[i - 1], trees[i]);
        checked++;
        if (r.engines.length !== 2) throw new Error(`engines: ${r.engines.join(', ')}`);
        if (r.violations.length) throw new Error(`${specOf(g)}\nmove ${i}:\n${r.violations.map((v) => v.message).join('\n')}`);
      }
    }), { numRuns: 40, seed: 13 });
    expect(checked).toBeGreaterThan(100);
  });

  test('GIVEN generated specs THEN the independent oracle agrees: no violation', () => {
    fc.assert(fc.property(gen, (g) => {
      const trees = walk(g);
      for (let i = 1; i < trees.length; i++) {
        const v = oracleCheck(trees[i - 1], trees[i]).violations;
        if (v.length) throw new Error(`${specOf(g)}\nmove ${i}: ${JSON.stringify(v.slice(0, 3))}`);
      }
    }), { numRuns: 25, seed: 31 });
  });
});
