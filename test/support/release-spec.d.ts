/** How a test release differs from the minimal one of `webappSpec` (each option adds or sets its lines). */
export interface WebappSpecOptions {
  /** A comment line under the schema line. @default - none */
  readonly comment?: string;
  /** `namespaces.canary` (the rest of the line: a trailing comment may follow the name). @default - none: the canary runs in the production namespace */
  readonly canaryNamespace?: string;
  /** `workload.replicas`. @default - none: the schema's default */
  readonly replicas?: number;
  /** More lines of `workload`, indented by two, each ending in a newline (e.g. `  env: ...\n`). @default - none */
  readonly workload?: string;
  /** `stable.version` (as YAML: `'"2.0"'` for a quoted one). @default - 1.0.0 */
  readonly stable?: string;
  /** The `canary` section. @default - none: no canary running */
  readonly canary?: { readonly version: string; readonly weight: number };
  /** `weightTotal`. @default - none: the schema's default (100) */
  readonly weightTotal?: number;
  /** `steps`, as YAML: a flow list (`[0, 10, 50, 100]`) or block lines starting with a newline. @default - none: the schema's default ladder */
  readonly steps?: string;
  /** More lines of `router`, indented by two, each ending in a newline (e.g. `  header:\n    name: X-Canary\n`). @default - none */
  readonly router?: string;
}

/**
 * A minimal valid web-app release spec on Gateway API (`name` in namespace `name`, host
 * `<name>.example.com`); `extra` lines are appended verbatim at the top level. The one release
 * template the test support and scripts/bench.js build on (`specText`, `fleetSpec`).
 */
export function webappSpec(name?: string, extra?: string, opts?: WebappSpecOptions): string;
