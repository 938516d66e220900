/**
 * A release's `fleet:` (schema: ./schema/fleet.schema.json) resolved against the clusters of
 * cdk8s-canary.yaml: which clusters run the release, its ordered waves, and what each cluster runs
 * in the rollout state the spec records. Pure: spec and clusters in, a model or positioned problems
 * out.
 *
 * The rollout state of a fleet lives in three places of the spec, each with one meaning:
 * - `stable`: what every cluster the rollout has not reached runs (all of them between rollouts);
 * - `fleet.promoted` (written by the moves): waves 1..`wave` run `version` as stable;
 * - `canary`: the canary of the current wave, wave `promoted.wave + 1` (wave 1 without `promoted`).
 * So between `promote` of wave k and `next-wave`, `promoted.wave` is k and there is no canary; the
 * last wave's promote sets `stable` and removes `promoted`.
 *
 * Label selectors follow Kubernetes' `metav1.LabelSelector` (matchLabels AND matchExpressions with
 * In, NotIn, Exists, DoesNotExist; k8s.io/apimachinery pkg/labels), over the `labels` of the
 * clusters in cdk8s-canary.yaml.
 */
import { cliCommand } from './hints';
import { closest } from './ajv-problems';
import { SourceDocument } from './document';
import { SpecProblem } from './errors';
import { Fleet, LabelSelector, ReleaseSpec } from './generated/release';
import { ladderProblems } from './ladder';
import { LadderStep, ladderOf, parseDuration, ReleaseModel, toModel } from './model';
import { ClusterModel } from './project-config';

/** One wave, resolved. */
export interface WaveModel {
  /** 1-based position. */
  readonly index: number;
  /** `name`, or `wave-<index>`. */
  readonly name: string;
  /** Its clusters, in the order of cdk8s-canary.yaml. */
  readonly clusters: readonly string[];
  /** The ladder in its clusters: the wave's `steps`, or the release's. */
  readonly steps: readonly LadderStep[];
  /** `minSoak` in seconds: how long the wave runs the new version as stable before `next-wave`. */
  readonly minSoakSeconds?: number;
  /** Whether the release's smoke checks run in its clusters. */
  readonly checks: boolean;
  /** Whether the release's analysis gates the wave (its moves, the next-wave out of it, advance). */
  readonly analysis: boolean;
  /** Whether `advance` opens the wave by itself (`next-wave`) when the wave before it passes. */
  readonly autoOpen: boolean;
}

/** A fleet, resolved: its waves and clusters, and how far the rollout has come. */
export interface FleetModel {
  readonly waves: readonly WaveModel[];
  /** Every cluster of the fleet, wave by wave (config order inside a wave). */
  readonly clusters: readonly ClusterModel[];
  /** Waves 1..wave run this version as stable (`fleet.promoted`); absent before the first promote of a rollout. */
  readonly promoted?: { readonly version: string; readonly image?: string; readonly wave: number };
}

/** Where a fleet's rollout stands. */
export interface FleetPosition {
  /**
   * `idle`: no rollout (every cluster runs stable); `canary`: wave `wave` runs a canary; `promoted`:
   * wave `wave` (and those before it) run the new version, the next wave is not open yet.
   */
  readonly phase: 'idle' | 'canary' | 'promoted';
  /** The current wave (1-based); 0 when idle. */
  readonly wave: number;
}

/** A cluster's rollout state: what its folders are synthesized from. */
export interface ClusterState {
  readonly stable: { readonly version: string; readonly image?: string };
  readonly canary?: { readonly version: string; readonly image?: string; readonly weight: number };
}

/** Whether a Kubernetes label selector matches a set of labels (an empty selector matches everything). */
export function matchesSelector(labels: Readonly<Record<string, string>>, s: LabelSelector): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of s.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In': if (!has || !values.includes(labels[r.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[r.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/**
 * What Kubernetes refuses in a label selector beyond the schema (k8s.io/apimachinery
 * pkg/apis/meta/v1/validation ValidateLabelSelectorRequirement): `In` and `NotIn` need at least one
 * value, `Exists` and `DoesNotExist` take none. Without this, `In` with no values matched no cluster
 * and `Exists` with values ignored them.
 */
export function selectorProblems(src: SourceDocument, s: LabelSelector, at: readonly (string | number)[]): SpecProblem[] {
  const out: SpecProblem[] = [];
  (s.matchExpressions ?? []).forEach((r, j) => {
    const here = [...at, 'matchExpressions', j];
    const needs = r.operator === 'In' || r.operator === 'NotIn';
    if (needs && !r.values?.length) {
      out.push(src.problem(r.values ? [...here, 'values'] : [...here, 'operator'], `operator ${r.operator} needs at least one value`, `add values: [...] (the label values of key ${r.key} to ${r.operator === 'In' ? 'select' : 'leave out'}), or use operator ${r.operator === 'In' ? 'Exists' : 'DoesNotExist'}`, r.values ? [] : r.operator));
    }
    if (!needs && r.values !== undefined) {
      out.push(src.problem([...here, 'values'], `operator ${r.operator} takes no values: it asks only whether the cluster has the label ${r.key}`, `remove values, or use operator ${r.operator === 'Exists' ? 'In' : 'NotIn'} to match these values`, r.values));
    }
  });
  return out;
}

/** `ring=prod, region in (eu, us)`: a selector as people write it. */
export function describeSelector(s: LabelSelector): string {
  const parts = [
    ...Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(s.matchExpressions ?? []).map((r) => (r.operator === 'Exists' ? r.key : r.operator === 'DoesNotExist' ? `!${r.key}` : `${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(', ')})`)),
  ];
  return parts.length ? parts.join(', ') : 'every cluster';
}

/** Where the fleet's rollout stands, from the spec's canary and `fleet.promoted`. Pure. */
export function fleetPosition(spec: Pick<ReleaseSpec, 'canary'>, fleet: Pick<FleetModel, 'promoted'>): FleetPosition {
  const p = fleet.promoted?.wave ?? 0;
  if (spec.canary) return { phase: 'canary', wave: p + 1 };
  return p > 0 ? { phase: 'promoted', wave: p } : { phase: 'idle', wave: 0 };
}

/** The wave of a cluster (1-based), or undefined when the fleet does not include it. */
export function waveOfCluster(fleet: FleetModel, cluster: string): WaveModel | undefined {
  return fleet.waves.find((w) => w.clusters.includes(cluster));
}

/** What the clusters of a wave run in the state the spec records. Pure. */
export function waveState(spec: Pick<ReleaseSpec, 'stable' | 'canary'>, fleet: Pick<FleetModel, 'promoted'>, wave: number): ClusterState {
  const track = (t: { version: string; image?: string }) => ({ version: t.version, ...(t.image !== undefined ? { image: t.image } : {}) });
  const p = fleet.promoted;
  if (p && wave <= p.wave) return { stable: track(p) };
  if (spec.canary && wave === (p?.wave ?? 0) + 1) return { stable: track(spec.stable), canary: { ...track(spec.canary), weight: spec.canary.weight } };
  return { stable: track(spec.stable) };
}

/** A key equal for two waves exactly when they synthesize the same objects. */
export function clusterStateKey(s: ClusterState, w: WaveModel): string {
  return JSON.stringify([s.stable.version, s.stable.image ?? null, s.canary?.version ?? null, s.canary?.image ?? null, s.canary?.weight ?? null, w.checks, w.steps]);
}

/**
 * The spec one wave's clusters are synthesized from: the release without `fleet`, with the wave's
 * state as `stable`/`canary`, its ladder as `steps`, and no `checks` where the wave turns them off.
 */
export function waveSpec(spec: ReleaseSpec, fleet: FleetModel, wave: WaveModel): ReleaseSpec {
  const s = waveState(spec, fleet, wave.index);
  const waveSteps = spec.fleet?.waves[wave.index - 1]?.steps;
  const { fleet: _fleet, canary: _canary, checks, steps, ...rest } = spec;
  return {
    ...rest,
    stable: { ...s.stable },
    ...(s.canary ? { canary: { ...s.canary } } : {}),
    ...(waveSteps ?? steps ? { steps: waveSteps ?? steps } : {}),
    ...(checks && wave.checks ? { checks } : {}),
  } as ReleaseSpec;
}

/**
 * The model one wave's clusters are synthesized from: `toModel` of the wave's spec (waveSpec), with
 * what the project's load checks completed kept (a manifests workload's folder facts, read once per
 * load: lib/workloads/manifests-source.ts). The result has no `fleet`.
 */
export function waveModel(model: ReleaseModel, fleet: FleetModel, wave: WaveModel): ReleaseModel {
  return toModel(waveSpec(model.spec, fleet, wave), model.file, model.workload.manifests);
}

/**
 * Resolves `spec.fleet` against the clusters of cdk8s-canary.yaml. Returns the model, or every
 * problem found, positioned in the spec: an unknown cluster, a selector that matches nothing, an
 * empty wave, a cluster in two waves, a fleet cluster in no wave, and `promoted`, `canary` and ladders
 * that do not fit the waves.
 */
export function resolveFleet(src: SourceDocument, spec: ReleaseSpec, clusters: readonly ClusterModel[]): { fleet: FleetModel } | { problems: SpecProblem[] } {
  const f = spec.fleet as Fleet;
  const out: SpecProblem[] = [];
  const known = clusters.map((c) => c.name);
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const unknown = (at: (string | number)[], name: string) => {
    const guess = closest(name, known);
    out.push(src.problem(at, `unknown cluster '${name}'${guess ? `; did you mean '${guess}'?` : ''} (clusters of cdk8s-canary.yaml: ${known.join(', ')})`,
      `name a cluster listed under clusters: in cdk8s-canary.yaml, or add '${name}' there`, name));
  };
  const labelsShown = (cs: readonly ClusterModel[]) => cs.map((c) => `${c.name}${Object.keys(c.labels).length ? ` {${Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(', ')}}` : ''}`).join(', ');

  if (f.selector) out.push(...selectorProblems(src, f.selector, ['fleet', 'selector']));
  f.waves.forEach((w, i) => { if (w.selector) out.push(...selectorProblems(src, w.selector, ['fleet', 'waves', i, 'selector'])); });
  if (out.length) return { problems: out }; // a selector Kubernetes would refuse selects nothing to reason about

  // the fleet's own clusters
  let members: ClusterModel[] | undefined;
  if (f.clusters && f.selector) {
    out.push(src.problem(['fleet', 'selector'], 'fleet has both clusters and selector', 'keep one of fleet.clusters or fleet.selector'));
  } else if (f.clusters) {
    const seen = new Set<string>();
    members = [];
    f.clusters.forEach((n, i) => {
      if (seen.has(n)) { out.push(src.problem(['fleet', 'clusters', i], `cluster '${n}' is listed twice`, 'list every cluster once', n)); return; }
      seen.add(n);
      const c = byName.get(n);
      if (!c) unknown(['fleet', 'clusters', i], n); else members!.push(c);
    });
  } else if (f.selector) {
    members = clusters.filter((c) => matchesSelector(c.labels, f.selector!));
    if (!members.length) {
      out.push(src.problem(['fleet', 'selector'], `selector ${describeSelector(f.selector)} matches no cluster of cdk8s-canary.yaml (${labelsShown(clusters)})`,
        'change the selector, or add the labels to the clusters in cdk8s-canary.yaml'));
    }
  }
  const pool = members ?? clusters;
  const poolName = members ? (f.clusters ? 'fleet.clusters' : 'fleet.selector') : 'cdk8s-canary.yaml';

  // the waves
  const total = spec.weightTotal ?? 100;
  const releaseSteps = ladderOf(spec);
  const owner = new Map<string, number>();
  const waves: WaveModel[] = [];
  f.waves.forEach((w, i) => {
    const at = ['fleet', 'waves', i];
    const name = w.name ?? `wave-${i + 1}`;
    const label = `wave ${i + 1} (${name})`;
    let names: string[] = [];
    if (w.clusters && w.selector) {
      out.push(src.problem([...at, 'selector'], `${label} has both clusters and selector`, 'keep one of clusters or selector'));
    } else if (w.selector) {
      names = pool.filter((c) => matchesSelector(c.labels, w.selector!)).map((c) => c.name);
      if (!names.length) {
        out.push(src.problem([...at, 'selector'], `selector ${describeSelector(w.selector)} of ${label} matches no cluster of ${poolName} (${labelsShown(pool)})`,
          'change the selector, or label the clusters in cdk8s-canary.yaml'));
      }
    } else if (!w.clusters || w.clusters.length === 0) {
      out.push(src.problem(w.clusters ? [...at, 'clusters'] : at, `${label} is empty: it names no cluster`,
        'list its clusters (clusters: [name, ...]) or select them (selector: {matchLabels: {...}}), or remove the wave', w.clusters ? [] : undefined));
    } else {
      w.clusters.forEach((n, j) => {
        if (!byName.has(n)) { unknown([...at, 'clusters', j], n); return; }
        if (members && !members.some((c) => c.name === n)) {
          out.push(src.problem([...at, 'clusters', j], `cluster '${n}' is not one of the fleet's clusters (${poolName}: ${members.map((c) => c.name).join(', ')})`,
            `add it to ${poolName} or remove it from the wave`, n));
          return;
        }
        names.push(n);
      });
    }
    const mine: string[] = [];
    for (const n of names) {
      const prev = owner.get(n);
      if (mine.includes(n)) {
        out.push(src.problem([...at, 'clusters', w.clusters!.lastIndexOf(n)], `cluster '${n}' is listed twice in ${label}`, 'list every cluster once', n));
        continue;
      }
      if (prev !== undefined) {
        const j = w.clusters ? w.clusters.indexOf(n) : -1;
        out.push(src.problem(j >= 0 ? [...at, 'clusters', j] : [...at, 'selector'], `cluster '${n}' is in two waves: wave ${prev + 1} (${waves[prev]?.name ?? f.waves[prev].name ?? `wave-${prev + 1}`}) and ${label}`,
          'put every cluster in exactly one wave (narrow the selector, or remove the name from one wave)', n));
        continue;
      }
      owner.set(n, i);
      mine.push(n);
    }
    const steps = w.steps ? ladderOf({ steps: w.steps } as ReleaseSpec) : releaseSteps;
    out.push(...ladderProblems(src, w.steps, steps, [...at, 'steps'], total));
    if (w.minSoak !== undefined && i === f.waves.length - 1) {
      out.push(src.problem([...at, 'minSoak'], `the last wave's minSoak holds nothing back: no wave opens after ${label}`,
        'remove it; to soak before the final promote, put minSoak on the last rung of the ladder (steps: [..., {weight: 100, minSoak: 1h}])', w.minSoak));
    }
    if (w.checks === false && !spec.checks?.length) {
      out.push(src.problem([...at, 'checks'], `${label} turns checks off, but the release has no checks`, 'remove checks: false from the wave', false));
    }
    if (w.analysis === false && !spec.analysis) {
      out.push(src.problem([...at, 'analysis'], `${label} turns the analysis off, but the release has no analysis`, 'remove analysis: false from the wave', false));
    }
    if (w.autoOpen) {
      if (i === 0) {
        out.push(src.problem([...at, 'autoOpen'], `${label} is opened by start, a person's move: autoOpen holds nothing here`, 'remove autoOpen from the first wave; put it on a later wave that advance may open', true));
      } else if (!spec.analysis) {
        out.push(src.problem([...at, 'autoOpen'], `${label} has autoOpen, but the release has no analysis: advance opens a wave only when the analysis of the wave before it passes`, 'add an analysis: section to the release, or remove autoOpen', true));
      } else if (f.waves[i - 1].analysis === false) {
        out.push(src.problem([...at, 'autoOpen'], `${label} has autoOpen, but wave ${i} turns the analysis off (analysis: false), so nothing would judge it before ${label} opens`, `remove autoOpen, or let wave ${i}'s analysis run`, true));
      }
    }
    waves.push({
      index: i + 1, name,
      clusters: clusters.filter((c) => mine.includes(c.name)).map((c) => c.name),
      steps,
      ...(w.minSoak !== undefined ? { minSoakSeconds: parseDuration(w.minSoak) } : {}),
      checks: w.checks !== false,
      analysis: w.analysis !== false,
      autoOpen: w.autoOpen === true,
    });
  });
  const names = new Set<string>();
  waves.forEach((w, i) => {
    if (names.has(w.name)) out.push(src.problem(['fleet', 'waves', i, 'name'], `wave name '${w.name}' is used twice`, 'give every wave its own name', w.name));
    names.add(w.name);
  });
  if (members) {
    for (const c of members) {
      if (owner.has(c.name)) continue;
      out.push(src.problem(['fleet', 'waves'], `cluster '${c.name}' runs the release (${poolName}) but is in no wave, so no rollout would ever reach it`,
        `add '${c.name}' to a wave, or leave it out of ${poolName}`, c.name));
    }
  }

  // the rollout state: promoted waves and the current wave's canary
  const p = f.promoted;
  if (p) {
    if (p.wave >= f.waves.length) {
      out.push(src.problem(['fleet', 'promoted', 'wave'], `promoted.wave ${p.wave} leaves no wave to open (the fleet has ${f.waves.length})`,
        `once the last wave is promoted the release is done: set stable.version to ${p.version} and remove fleet.promoted (${cliCommand(`promote`)} does this)`, p.wave));
    }
    if (p.version === spec.stable.version && (p.image ?? '') === (spec.stable.image ?? '')) {
      out.push(src.problem(['fleet', 'promoted', 'version'], 'the promoted waves run the same version as stable', 'remove fleet.promoted, or set the version the promoted waves run', p.version));
    }
    if (spec.canary && (spec.canary.version !== p.version || (spec.canary.image ?? '') !== (p.image ?? ''))) {
      out.push(src.problem(['canary', 'version'], `the canary of wave ${p.wave + 1} runs another version than waves 1..${p.wave} (${p.version}): one version walks the waves`,
        `set canary.version to ${p.version}, or abort the rollout first (${cliCommand(`abort ${spec.name} --all-waves`)})`, spec.canary.version));
    }
  }
  if (out.length) return { problems: out };
  const order = waves.flatMap((w) => w.clusters);
  return {
    fleet: {
      waves,
      clusters: order.map((n) => byName.get(n)!),
      ...(p ? { promoted: { version: p.version, ...(p.image !== undefined ? { image: p.image } : {}), wave: p.wave } } : {}),
    },
  };
}
