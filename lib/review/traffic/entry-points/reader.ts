/**
 * The interface every traffic reader implements: one file per router kind (like `lib/routers/`),
 * listed in `registry.ts`. A reader turns router objects into weighted backends (a `Split`); the
 * graph (`../graph.ts`) expands backends into workloads and versions and follows their calls.
 *
 * Adding a reader (GRPCRoute, an Istio mesh entry point, ...) is one new file implementing
 * `TrafficReader` and one line in each list of `registry.ts` it takes part in.
 */
import { Located, ObjectIndex } from '../../../manifests/objects';

/** A weighted backend of a router, before it is expanded to workloads. */
export interface Backend {
  readonly namespace: string;
  readonly name: string;
  /** An Istio subset: only the Service's pods that also carry these labels. */
  readonly subset?: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  /** Share of the entry's requests (0..1). */
  readonly share: number;
  /** The router object that sends requests here. */
  readonly via: string;
  /** A host outside dist/ (kept as written). */
  readonly externalHost?: string;
}

/** How a router splits the requests of one route. */
export interface Split {
  readonly backends: readonly Backend[];
  /** `Kind namespace/name` of every object that shapes the split, the router object first. */
  readonly objects: readonly string[];
  /** What a reviewer should know (weight 0 everywhere, mirrors, redirects, ...). */
  readonly notes: readonly string[];
}

/** Requests meeting a condition (header, cookie, query, method): a tester path. */
export interface TesterSplit {
  /** As shown, e.g. `header x-canary: always`, `cookie c=never`. */
  readonly condition: string;
  readonly split: Split;
}

/** One entry point as a reader sees it: the object, its host and path, and how it splits requests. */
export interface EntryPoint {
  readonly obj: Located;
  /** Host(s) as shown, comma-joined; `*` for any host. */
  readonly host: string;
  /** Path as shown: a prefix as itself, `= /x` for an exact match, `~ re` for a regular expression. */
  readonly path: string;
  /** What users get (requests meeting no tester condition). */
  readonly split: Split;
  readonly testers: readonly TesterSplit[];
}

/** A call from a workload to a host (a URL or host name in its env or ConfigMaps). */
export interface Call {
  readonly host: string;
  /** Path of the URL, `/` when none. */
  readonly path: string;
  /** Namespace of the calling workload: where a bare Service name resolves. */
  readonly fromNamespace: string;
}

/** Reads one router kind's objects. Both methods are optional: a reader may only find entry points, or only resolve calls. */
export interface TrafficReader {
  /** Short name, e.g. `nginx`, `gateway-api`. */
  readonly name: string;
  /** Every entry point (a way in from outside the cluster) among the indexed objects, in a stable order. */
  entryPoints?(ix: ObjectIndex): EntryPoint[];
  /** Where a workload's call goes when this reader's objects take it; `undefined` to let the next reader try. */
  resolveCall?(ix: ObjectIndex, call: Call): Split | undefined;
}
