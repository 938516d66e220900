/**
 * Effective traffic, computed from synthesized manifests (never from the spec): for every entry
 * point (Ingress host/path with its ingress-nginx canary, HTTPRoute rule, Istio VirtualService route
 * behind a Gateway, OpenShift Route), the share of requests each version of each app receives,
 * following calls from one app to the next through URLs in env vars and ConfigMaps (S3: F's canary
 * reads B's canary Route URL from its ConfigMap, so B's canary gets F-canary's share).
 *
 * The parts, under `traffic/`:
 * - `entry-points/`: one reader per router kind (`reader.ts` is the interface, `registry.ts` the
 *   ordered lists): reading entry points and resolving calls to router objects;
 * - `graph.ts`: following calls from backends to workloads, versions and the hosts they call;
 * - `render.ts`: percentages, summaries and the text table;
 * - `model.ts`: the report's shapes.
 */
export type { EntryTraffic, Flow, TesterPath, TrafficReport } from './traffic/model';
export { computeTraffic, entriesOf, targetOf } from './traffic/graph';
export { columns, entryLabel, pct, renderTrafficText, summarize, summaryLine } from './traffic/render';
export { entryDifferences, entryPairs } from './traffic/entry-pairs';
export type { EntryPair } from './traffic/entry-pairs';
