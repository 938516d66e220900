import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { addReleaseCharts } from '../lib/synth/build';
import { apiObjectJson, chartsToJson, defaultResolversOnly } from '../lib/workloads/chart-json';
import { loadProjectSpecs, projectPaths } from '../lib/synth/project';
import { fleetStates } from '../lib/synth/fleet';
import { REPO } from './support/project';

/** A release's charts in a fresh App, in buildRelease's order (namespaces, then the checks chart). */
function releaseCharts(model: Parameters<typeof addReleaseCharts>[1]): Chart[] {
  const { charts, checks } = addReleaseCharts(new App({ outdir: 'cdk8s.out' }), model);
  return [...charts.values(), ...(checks ? [checks.chart] : [])];
}

describe('chartsToJson: what Chart.toJson gives, without its app-wide passes once per chart', () => {
  const { releases } = loadProjectSpecs(projectPaths(REPO));
  const models = releases.flatMap((r) => (r.model.fleet ? fleetStates(r).map((s) => s.release.model) : [r.model]));

  test('GIVEN every reference release (and fleet state) WHEN rendered both ways THEN the objects are equal, in order', () => {
    expect(models.length).toBeGreaterThanOrEqual(8);
    for (const m of models) {
      const ours = chartsToJson(releaseCharts(m));
      const cdk8s = releaseCharts(m).map((c) => c.toJson());
      expect(ours).toEqual(cdk8s);
      // key order too: the emitter writes keys as built
      expect(JSON.stringify(ours)).toBe(JSON.stringify(cdk8s));
    }
  });

  test('GIVEN a construct with a dependency WHEN rendered THEN cdk8s orders it (the fallback), dependency first', () => {
    const build = () => {
      const chart = new Chart(new App({ outdir: 'cdk8s.out' }), 'c', { disableResourceNameHashes: true });
      const a = new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      const b = new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
      a.addDependency(b);
      return chart;
    };
    const ours = chartsToJson([build()])[0] as { metadata: { name: string } }[];
    expect(ours.map((o) => o.metadata.name)).toEqual(['b', 'a']);
    expect(ours).toEqual(build().toJson());
  });

  test('fails a construct whose validation fails, with cdk8s\'s message', () => {
    const build = () => {
      const chart = new Chart(new App({ outdir: 'cdk8s.out' }), 'c', { disableResourceNameHashes: true });
      const bad = new Construct(chart, 'bad');
      bad.node.addValidation({ validate: () => ['replicas must be positive'] });
      new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      return chart;
    };
    expect(() => build().toJson()).toThrow('Validation failed with the following errors:\n  [c/bad] replicas must be positive');
    expect(() => chartsToJson([build()])).toThrow('Validation failed with the following errors:\n  [c/bad] replicas must be positive');
  });

  test('GIVEN a chart inside another chart WHEN rendered THEN each object is in its closest chart, as cdk8s has it', () => {
    const build = () => {
      const outer = new Chart(new App({ outdir: 'cdk8s.out' }), 'outer', { disableResourceNameHashes: true });
      new ApiObject(outer, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      const inner = new Chart(outer, 'inner', { disableResourceNameHashes: true });
      new ApiObject(inner, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
      return [outer, inner];
    };
    const ours = chartsToJson(build()) as { metadata: { name: string } }[][];
    expect(ours.map((objs) => objs.map((o) => o.metadata.name))).toEqual([['a'], ['b']]);
    expect(ours).toEqual(build().map((c) => c.toJson()));
  });
});

describe('apiObjectJson: ApiObject.toJson in one walk for plain JSON data, cdk8s itself otherwise', () => {
  const chart = () => new Chart(new App({ outdir: 'cdk8s.out' }), 'c', { disableResourceNameHashes: true, labels: { team: 'a' } });
  /** Both renderings of the same object, and whether the walk took cdk8s's own path. */
  function both(make: (c: Chart) => ApiObject): { ours: unknown; cdk8s: unknown; fellBack: boolean } {
    const o = make(chart());
    const spy = jest.spyOn(ApiObject.prototype, 'toJson'); // counts the calls, still cdk8s's
    const ours = apiObjectJson(o);
    const fellBack = spy.mock.calls.length > 0;
    spy.mockRestore();
    return { ours, cdk8s: make(chart()).toJson(), fellBack };
  }

  test('GIVEN plain data with every rule of sanitizeValue WHEN rendered THEN cdk8s\'s object, key order included, without calling it', () => {
    const r = both((c) => new ApiObject(c, 'o', {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'n', namespace: 'ns', labels: { b: '2', a: '1' }, annotations: {}, finalizers: [], extra: { empty: {}, list: [], keep: { x: 1 } } },
      zeta: { b: null, a: undefined, c: [1, null, undefined, { y: 1, x: [] }], d: {}, e: [], '10': 'ten', '9': 'nine' },
      data: { 'a.b/c': 'x', A: 'upper', a: 'lower' }, alpha: false, num: 0, str: '',
    }));
    expect(r.fellBack).toBe(false);
    expect(r.ours).toEqual(r.cdk8s);
    expect(JSON.stringify(r.ours)).toBe(JSON.stringify(r.cdk8s));
  });

  test('GIVEN metadata added after construction (labels, annotations, owner references, additional keys) WHEN rendered THEN cdk8s\'s object', () => {
    const r = both((c) => {
      const o = new ApiObject(c, 'o', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'n' }, spec: { replicas: 2 } });
      o.metadata.addLabel('z', 'last');
      o.metadata.addAnnotation('note', 'x');
      o.metadata.addFinalizers('f');
      o.metadata.addOwnerReference({ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' });
      o.metadata.add('generateName', 'g-');
      return o;
    });
    expect(r.fellBack).toBe(false);
    expect(JSON.stringify(r.ours)).toBe(JSON.stringify(r.cdk8s));
  });

  test('GIVEN a Lazy value, a class instance, a function, a JSON patch or CDK8S_DISABLE_SORT WHEN rendered THEN cdk8s renders it (the walk falls back), with the same result', () => {
    class Box { constructor(public readonly value: string) {} }
    const cases: ((c: Chart) => ApiObject)[] = [
      (c) => new ApiObject(c, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: Lazy.any({ produce: () => 'lazy' }) } }),
      (c) => new ApiObject(c, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: new Box('boxed') } }),
      (c) => new ApiObject(c, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: { resolve: () => 'token' } } }),
      (c) => { const o = new ApiObject(c, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'x' } }); o.addJsonPatch(JsonPatch.add('/data/b', 'y')); return o; },
      (c) => new ApiObject(c, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: { l: Lazy.any({ produce: () => 'v' }) as unknown as string } } }),
    ];
    for (const make of cases) {
      const r = both(make);
      expect(r.fellBack).toBe(true);
      expect(r.ours).toEqual(r.cdk8s);
    }
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const r = both((c) => new ApiObject(c, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { b: '1', a: '2' } }));
      expect(r.fellBack).toBe(true);
      expect(JSON.stringify(r.ours)).toBe(JSON.stringify(r.cdk8s));
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test('GIVEN an App with resolvers of its own WHEN its charts are rendered THEN cdk8s resolves every object (a resolver may change plain data)', () => {
    const upper = { resolve: (ctx: { value: unknown; replaceValue(v: unknown): void }) => { if (ctx.value === 'x') ctx.replaceValue('X'); } };
    const app = new App({ outdir: 'cdk8s.out', resolvers: [upper] });
    expect(defaultResolversOnly(app)).toBe(false);
    expect(defaultResolversOnly(new App({ outdir: 'cdk8s.out' }))).toBe(true);
    const c = new Chart(app, 'c', { disableResourceNameHashes: true });
    new ApiObject(c, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n' }, data: { a: 'x' } });
    expect(chartsToJson([c])).toEqual([[{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n' }, data: { a: 'X' } }]]);
  });
});
