/**
 * The traffic report's shapes: what `computeTraffic` returns and `renderTrafficText` / the diff
 * read. Shares are fractions of one entry point's requests (0..1).
 */

/** Requests reaching one version of one app, as a share of the entry point's requests. */
export interface Flow {
  /** 1 = the entry point's backends; 2 = what hop 1 calls; and so on. */
  readonly hop: number;
  readonly app: string;
  readonly version: string;
  /** Share of the entry point's requests, 0..1. */
  readonly share: number;
  /** `Kind namespace/name` of the workload; absent for an external host or a Service without pods. */
  readonly workload?: string;
  readonly image?: string;
  /** The Service (or external host) the requests go through. */
  readonly service: string;
  readonly subset?: string;
  /** How the requests get there (router object, or the env var / ConfigMap key of the caller). */
  readonly via: string;
  /** The caller, for hop > 1. */
  readonly from?: { readonly app: string; readonly version: string };
  /** `external`: a host not in dist/; `no-pods`: the Service selects no running workload. */
  readonly note?: 'external' | 'no-pods';
}

/** Requests meeting a condition (header, cookie): testers' paths, not user traffic. */
export interface TesterPath {
  readonly condition: string;
  readonly flows: readonly Flow[];
}

/** One way into the system and where its requests go. */
export interface EntryTraffic {
  /** Stable key across revisions: kind, namespace/name, host and path. */
  readonly id: string;
  /** `Kind namespace/name` of the object that defines the entry point. */
  readonly entry: string;
  readonly release: string;
  readonly file: string;
  readonly host: string;
  readonly path: string;
  /** Every object that shapes the split (canary Ingress, DestinationRule, ...), entry first. */
  readonly objects: readonly string[];
  readonly flows: readonly Flow[];
  readonly testers: readonly TesterPath[];
  readonly notes: readonly string[];
}

export interface TrafficReport {
  readonly entries: readonly EntryTraffic[];
}
