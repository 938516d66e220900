import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The Kubernetes objects of several charts of one cdk8s App, each chart's exactly as its
 * `Chart.toJson()` gives them (test/chart-json.test.ts compares the two on every reference release,
 * fleet state and group stage).
 *
 * Why not `Chart.toJson()` itself: it runs cdk8s's app-wide passes (dependency inference over every
 * construct of the App, then `Node.validate()` of every construct) once per chart it renders
 * (cdk8s `App._synthChart`); a release's App has two to four charts, so those passes ran two to
 * four times per release (issue 19: about 0.3 s of CPU of synth at 1000 releases). Here validation
 * runs once per App, then each chart's `ApiObject`s are rendered with their own `toJson()` (resolvers,
 * key order and JSON patches as cdk8s does them), in construct order: the order of cdk8s's dependency
 * topology (`DependencyGraph.topology()`) when no construct has a dependency, since then every
 * construct is a root of that graph, in `findAll()` order.
 *
 * When a construct of the App has a dependency (`addDependency`) or a chart lies inside another
 * chart, cdk8s's order and its chart-to-chart dependencies matter: this falls back to
 * `Chart.toJson()` for every chart.
 *
 * @param charts charts of one App, in the order wanted
 * @returns one array of plain JSON objects per chart, in the same order
 * @throws Error with cdk8s's own message ("Validation failed with the following errors: ...") when a
 *   construct's validation fails, as `Chart.toJson()` would
 */
export function chartsToJson(charts: readonly Chart[]): unknown[][] {
  if (charts.length === 0) return [];
  const app = App.of(charts[0]);
  if (charts.some((c) => App.of(c) !== app)) throw new Error('internal: chartsToJson takes charts of one App');
  const all = app.node.findAll();
  const plain = all.every((c) => c.node.dependencies.length === 0 && !(Chart.isChart(c) && c.node.scope !== undefined && insideChart(c.node.scope)));
  if (!plain) return charts.map((c) => c.toJson());
  const errors: string[] = [];
  for (const c of all) for (const e of c.node.validate()) errors.push(`[${c.node.path}] ${e}`);
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  const wanted = new Map<Chart, unknown[]>(charts.map((c) => [c, []]));
  for (const c of all) {
    if (!ApiObject.isApiObject(c)) continue;
    wanted.get(Chart.of(c))?.push(c.toJson());
  }
  return charts.map((c) => wanted.get(c) as unknown[]);
}

/** Whether a construct is a chart or lies inside one. */
function insideChart(c: IConstruct): boolean {
  for (let x: IConstruct | undefined = c; x; x = x.node.scope) if (Chart.isChart(x)) return true;
  return false;
}
