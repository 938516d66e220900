import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { addReleaseCharts } from '../lib/synth/build';
import { chartsToJson } from '../lib/synth/chart-json';
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
