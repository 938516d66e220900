/**
 * The construct API: a cdk8s app that builds its workload in TypeScript canaries it with the
 * release spec the CLI moves. The objects it adds are exactly those `cdk8s-canary synth` writes to
 * dist/ for the same spec (test/construct-api.test.ts checks it byte for byte).
 */
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { declaredExternal } from '../lint/external';
import { lintRendered } from '../lint/report';
import { Located } from '../manifests/objects';
import { SpecError } from '../spec/errors';
import { LoadedRelease, loadRelease, ReleaseCheck } from '../spec/loader';
import { ReleaseModel, SourceObject } from '../spec/model';
import { objectFileName, ReleaseFolder, renderFolders } from '../synth/build';
import { PROJECT_CHECKS, releaseFolders } from '../synth/project';
import { Track } from '../workloads/labels';
import { manifestsCheck, resolveObjects } from '../workloads/manifests-source';

/**
 * Builds a workload's objects (a Deployment, the Service that fronts it, and any companions: HPA,
 * PDB, ServiceAccount, ConfigMaps...) into `scope`, as the folder of a `type: manifests` release
 * would hold them. Called once with `'stable'`, and again with `'canary'` while a canary runs: from
 * that second call only the named Deployment is used, as the base the canary is derived from (so a
 * canary may differ, e.g. by a feature flag); everything else comes from the stable call.
 */
export type WorkloadFactory = (scope: Construct, track: Track) => void;

export interface CanaryReleaseProps {
  /**
   * The release spec file, the one `cdk8s-canary start|step|promote|abort` edits: versions, weight,
   * router, namespaces. Relative paths are resolved against `root`.
   */
  readonly release: string;
  /**
   * The workload, built in TypeScript, for a spec with `workload.type: manifests` (it replaces the
   * folder `workload.path` names; the CLI reads that folder, so keep it the output of the same
   * code when the CLI moves the release). Not allowed for other workload types.
   * @default - the spec's own workload (its folder, for `type: manifests`)
   */
  readonly workload?: WorkloadFactory;
  /**
   * The repository root: relative `release` paths and `workload.path` start there.
   * @default - the folder above the spec's folder (specs live in `<root>/releases/`), or the current
   *   directory for resolving a relative `release`
   */
  readonly root?: string;
}

/**
 * A canary release as a construct: adds every object of the release's current state (workload and
 * its derived canary, Services, the router's objects, Namespaces, smoke-check Job) under this
 * construct, each with its namespace set, as `cdk8s-canary synth` writes them to dist/ (sync-wave
 * annotations included). Put it in a Chart without a default namespace.
 *
 * Errors: a spec, folder or workload problem throws SpecError (every problem, positioned as the CLI
 * prints it); a lint error (a Service selecting no pods, ...) throws SpecError too.
 */
export class CanaryRelease extends Construct {
  /** The release, every default resolved. */
  public readonly model: ReleaseModel;
  /** The release's folders (`<release>/<namespace>`), as dist/ holds them. */
  public readonly folders: readonly ReleaseFolder[];

  constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    const file = path.resolve(props.root ?? process.cwd(), props.release);
    const root = props.root ?? path.dirname(path.dirname(file));
    const loaded = loadRelease(file, { checks: checksFor(props.workload), relativeTo: root });
    this.model = loaded.model;
    this.folders = releaseFolders(loaded);
    const files = renderFolders(this.folders, loaded.file);
    const located: Located[] = this.folders.flatMap((f) => f.objects.map((obj) => ({ obj, file: `${f.path}/${objectFileName(obj)}`, release: f.release })));
    const lint = lintRendered(located, files, { external: declaredExternal([loaded.source.parsedData]) });
    if (lint.errors.length) throw new SpecError(lint.errors);
    for (const f of this.folders) {
      for (const o of f.objects) new ApiObject(this, `${f.path.replace(/\//g, '--')}--${objectFileName(o)}`, o as never);
    }
  }
}

/** The project checks, with the folder read replaced by the factory's objects when one is given. */
function checksFor(factory: WorkloadFactory | undefined): readonly ReleaseCheck[] {
  if (!factory) return PROJECT_CHECKS;
  const fromFactory: ReleaseCheck = (release) => {
    if (release.model.spec.workload.type !== 'manifests') {
      return [release.source.problem(['workload', 'type'], `a CanaryRelease workload builds the objects of a manifests workload, but this release's workload type is '${release.model.spec.workload.type}'`,
        'set workload.type: manifests (with path: the folder the CLI reads), or leave the construct\'s workload out', release.model.spec.workload.type)];
    }
    const stable = built(factory, 'stable');
    const r = resolveObjects(release, 'plain', stable.map((obj) => ({ obj, from: 'the CanaryRelease workload' })));
    if (Array.isArray(r) || !release.model.spec.canary) return r;
    return { release: withCanaryBase(r.release, built(factory, 'canary')) };
  };
  return PROJECT_CHECKS.map((c) => (c === manifestsCheck ? fromFactory : c));
}

/** The objects a factory builds for a track, as plain JSON (the way cdk8s renders them). */
function built(factory: WorkloadFactory, track: Track): SourceObject[] {
  const chart = new Chart(new App({ outdir: 'cdk8s.out' }), `workload-${track}`, { disableResourceNameHashes: true });
  factory(chart, track);
  return chart.toJson() as SourceObject[];
}

/** The release with the canary call's Deployment as the base of its canary. */
function withCanaryBase(release: LoadedRelease, canaryObjects: readonly SourceObject[]): LoadedRelease {
  const mf = release.model.workload.manifests;
  if (!mf) return release;
  const base = canaryObjects.find((o) => o.kind === 'Deployment' && o.metadata.name === mf.deployment);
  const stable = mf.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === mf.deployment) as SourceObject;
  if (!base) throw new Error(`the CanaryRelease workload built no Deployment ${mf.deployment} for the canary track; build the same Deployment for both tracks`);
  const selector = (o: SourceObject) => JSON.stringify((o as { spec?: { selector?: unknown } }).spec?.selector);
  if (selector(base) !== selector(stable)) {
    throw new Error(`the CanaryRelease workload built Deployment ${mf.deployment} with another selector for the canary track; keep the selector the same (it is immutable)`);
  }
  return { ...release, model: { ...release.model, workload: { ...release.model.workload, manifests: { ...mf, canaryBase: base } } } };
}
