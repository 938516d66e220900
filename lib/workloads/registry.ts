import { Chart } from 'cdk8s';
import { ReleaseModel } from '../spec/model';
import { guestbook } from './guestbook';
import { addManifestsWorkload } from './manifests';
import { WebAppTrack } from './web-app';

/** Where a workload kind adds its objects. */
export interface WorkloadContext {
  readonly release: ReleaseModel;
  chartFor(namespace: string): Chart;
  /** The router's Service layout (see TrafficRouter.serviceLayout). @default 'per-track' */
  readonly serviceLayout?: 'per-track' | 'shared';
}

/** Adds the workloads (Deployments, ConfigMaps, data stores) of a release's current state. */
export type WorkloadBuilder = (ctx: WorkloadContext) => void;

/** A generic web app: the stable track, and the canary track while a canary runs. */
export const webApp: WorkloadBuilder = (ctx) => {
  const m = ctx.release;
  new WebAppTrack(ctx.chartFor(m.stable.namespace), `stable-${m.stable.name}`, {
    release: m, track: 'stable', image: m.stable.image, name: m.stable.name, namespace: m.stable.namespace, replicas: m.stable.replicas,
  });
  if (m.canary) {
    new WebAppTrack(ctx.chartFor(m.canary.namespace), `canary-${m.canary.name}`, {
      release: m, track: 'canary', image: m.canary.image, name: m.canary.name, namespace: m.canary.namespace, replicas: m.canary.replicas,
    });
  }
};

const BUILDERS: Readonly<Record<string, WorkloadBuilder>> = {
  webapp: webApp,
  guestbook,
  manifests: addManifestsWorkload,
};

/** Workload types whose builder adds the Services itself (the folder's own Service and its canary copy). */
const OWN_SERVICES: ReadonlySet<string> = new Set(['manifests']);

/** Whether a workload type's builder adds its Services itself (otherwise the synth adds the generated ones). */
export function workloadHasOwnServices(type: string): boolean {
  return OWN_SERVICES.has(type);
}

/** The builder of a `workload.type`. */
export function workloadFor(type: string): WorkloadBuilder {
  const b = BUILDERS[type];
  if (!b) throw new Error(`no workload builder implements type ${type}`);
  return b;
}

/** Workload types implemented. */
export function workloadTypes(): string[] {
  return Object.keys(BUILDERS);
}
