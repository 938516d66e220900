import { Chart } from 'cdk8s';
import { LoadedRelease } from '../spec/loader';
import { SpecProblem } from '../spec/errors';
import { ReleaseModel } from '../spec/model';

/** Where a router adds its objects. */
export interface RouterContext {
  /** The release in its current state (canary present or not, weight). */
  readonly release: ReleaseModel;
  /** The chart (one per namespace) that objects of a namespace go to. */
  chartFor(namespace: string): Chart;
}

/**
 * A traffic router: given a release's Services and the current weight, it adds the traffic objects
 * to the charts, and says up front what in a spec it cannot honour.
 *
 * Adding a router (Traefik, Linkerd, ...) is one new file implementing this and one line in
 * `registry.ts`.
 */
export interface TrafficRouter {
  /** The `router.type` value in the spec. */
  readonly type: string;
  /**
   * How the workloads' Services are laid out for this router: `per-track` gives the stable and the
   * canary their own Service (Ingress, HTTPRoute and Route split between Services); `shared` gives
   * both tracks one Service and the router splits by subset (Istio).
   */
  readonly serviceLayout: 'per-track' | 'shared';
  /**
   * `appProtocol` of the workload Services' port when the router's backends need one (GRPCRoute:
   * `kubernetes.io/h2c`, so the Gateway speaks HTTP/2 to the pods). @default - none
   */
  readonly serviceAppProtocol?: string;
  /**
   * Problems with a release this router cannot honour (options it does not support, weights it
   * cannot express). An empty list means the release can be synthesized.
   */
  check(release: LoadedRelease): SpecProblem[];
  /** Adds the traffic objects of the release's current state. */
  addTraffic(ctx: RouterContext): void;
}
