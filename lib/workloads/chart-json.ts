import { ApiObject, ApiObjectMetadataDefinition, App, Chart, ImplicitTokenResolver, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
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
  const plainResolvers = defaultResolversOnly(app);
  for (const c of all) {
    if (!ApiObject.isApiObject(c)) continue;
    wanted.get(Chart.of(c))?.push(plainResolvers ? apiObjectJson(c) : c.toJson());
  }
  return charts.map((c) => wanted.get(c) as unknown[]);
}

/** Whether a construct is a chart or lies inside one. */
function insideChart(c: IConstruct): boolean {
  for (let x: IConstruct | undefined = c; x; x = x.node.scope) if (Chart.isChart(x)) return true;
  return false;
}

/**
 * What `o.toJson()` gives (cdk8s 2.70's `ApiObject.toJson`), computed in one walk when the object
 * provably needs none of its generic work: its class and its metadata's do not override `toJson`, it
 * has no JSON patch, and its props and metadata are plain JSON data (objects whose constructor is
 * `Object`, arrays without holes, strings, finite or not numbers, booleans, null, undefined). cdk8s
 * then runs its resolvers (`resolve()`: the App's default three, see `defaultResolversOnly`) over
 * every value, which change nothing in such data (no `Lazy`, no `resolve()` method, no union class),
 * and sanitizes the result: keys sorted, null and undefined entries dropped (empty lists and mappings
 * too inside metadata), top-level keys led by apiVersion, kind, metadata. This walk does the same
 * without the resolvers' per-value context objects, their `App.of` lookup up the construct tree per
 * value, and the two copies (issue 19: `resolve()` and `sanitizeValue` were ~35% of rendering at
 * 1000 releases). Anything else (a token, a class instance, a function, `CDK8S_DISABLE_SORT`) falls
 * back to `o.toJson()` itself. test/chart-json.test.ts compares both on every reference release and
 * on data built to reach each rule.
 */
export function apiObjectJson(o: ApiObject): unknown {
  const props = (o as unknown as { props?: unknown }).props;
  const patches = (o as unknown as { patches?: unknown }).patches;
  const meta = o.metadata as unknown as Record<string, unknown>;
  if (o.toJson !== ApiObject.prototype.toJson || process.env.CDK8S_DISABLE_SORT || !Array.isArray(patches) || patches.length !== 0
    || !isPlainObject(props) || Object.getPrototypeOf(meta) !== ApiObjectMetadataDefinition.prototype
    || meta.toJson !== ApiObjectMetadataDefinition.prototype.toJson || !isPlainObject(meta._additionalAttributes)) return o.toJson();
  // ApiObjectMetadataDefinition.toJson: these fields over the additional attributes, lists and
  // mappings left empty dropped
  const metadata = plain({ ...meta._additionalAttributes, name: meta.name, namespace: meta.namespace, annotations: meta.annotations, finalizers: meta.finalizers, ownerReferences: meta.ownerReferences, labels: meta.labels }, true);
  if (metadata === NOT_PLAIN) return o.toJson();
  // the props' own entries, sorted, then apiVersion, kind and metadata put first
  const rest: Record<string, unknown> = {};
  for (const k of sortedKeys(props)) {
    if (k === 'metadata') continue;
    const x = plain(props[k], false);
    if (x === NOT_PLAIN) return o.toJson();
    if (x !== undefined) rest[k] = x;
  }
  const result: Record<string, unknown> = {};
  if ('apiVersion' in rest) result.apiVersion = rest.apiVersion;
  if ('kind' in rest) result.kind = rest.kind;
  if (metadata !== undefined) result.metadata = metadata;
  for (const k in rest) if (k !== 'apiVersion' && k !== 'kind') result[k] = rest[k];
  return result;
}

/**
 * Whether an App resolves values with cdk8s's default resolvers only (no `resolvers` given to it):
 * Lazy values, objects with a `resolve()` method, and number-or-string union classes; none of them
 * changes plain JSON data.
 */
export function defaultResolversOnly(app: App): boolean {
  const r = app.resolvers;
  return r.length === 3 && r[0]?.constructor === LazyResolver && r[1]?.constructor === ImplicitTokenResolver && r[2]?.constructor === NumberStringUnionResolver;
}

/** Marks a value the fast walk does not handle: the caller falls back to cdk8s. */
const NOT_PLAIN: unique symbol = Symbol('not plain JSON data');

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && (v as object).constructor === Object;

/**
 * cdk8s's `sanitizeValue(resolve([], v))` for plain JSON data: a sorted copy, null and undefined
 * entries dropped (in arrays they stay as undefined, as `sanitizeValue` maps them), with
 * `filterEmpty` empty lists and mappings dropped too; NOT_PLAIN for anything else.
 */
function plain(v: unknown, filterEmpty: boolean): unknown {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case 'string': case 'number': case 'boolean': return v;
    case 'object': break;
    default: return NOT_PLAIN;
  }
  if (Array.isArray(v)) {
    // NumberStringUnionResolver reads `.value` of every non-plain-object value, an array included
    if (Object.getPrototypeOf(v) !== Array.prototype || (v as { value?: unknown }).value !== undefined) return NOT_PLAIN;
    if (filterEmpty && v.length === 0) return undefined;
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (item === undefined && !(i in v)) return NOT_PLAIN; // a hole: map() keeps it
      const x = plain(item, filterEmpty);
      if (x === NOT_PLAIN) return NOT_PLAIN;
      out[i] = x;
    }
    return out;
  }
  if ((v as object).constructor !== Object) return NOT_PLAIN;
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const k of sortedKeys(obj)) {
    const x = plain(obj[k], filterEmpty);
    if (x === NOT_PLAIN) return NOT_PLAIN;
    if (x !== undefined) { out[k] = x; any = true; }
  }
  return filterEmpty && !any ? undefined : out;
}

/**
 * `Object.keys(o).sort()`: the same order (UTF-16 code units, as the default sort compares), by
 * insertion for the few keys an object of a manifest has, where it is several times faster than
 * Array.prototype.sort; the default sort for more.
 */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) { keys[j + 1] = keys[j]; j--; }
    keys[j + 1] = k;
  }
  return keys;
}
