/**
 * Every state a release passes through in one rollout, computed with the real moves of lib/rollout
 * and the real in-place spec edit, validated and rendered in memory (nothing is written): the state
 * as committed, then (when no canary runs) a canary started, each ladder step, a hold at another
 * weight, and promote and abort from the last step.
 */
import { parseAllDocuments } from 'yaml';
import { abort, editSpecText, Move, promote, setWeight, start, step } from '../../lib/rollout';
import { formatProblem } from '../../lib/spec/errors';
import { LoadedRelease, parseRelease } from '../../lib/spec/loader';
import { KubeObject } from '../../lib/synth/build';
import { PROJECT_CHECKS, renderRelease } from '../../lib/synth/project';

export interface RolloutState {
  readonly label: string;
  readonly release: LoadedRelease;
  readonly objects: KubeObject[];
}

function apply(r: LoadedRelease, mv: Move): LoadedRelease {
  const text = editSpecText(r.source, mv.before, mv.after);
  const p = parseRelease(r.file, text, { checks: PROJECT_CHECKS });
  if ('problems' in p) throw new Error(p.problems.map(formatProblem).join('\n'));
  return p.release;
}

function objectsOf(r: LoadedRelease): KubeObject[] {
  return [...renderRelease(r)].filter(([p]) => !p.endsWith('/kustomization.yaml')).flatMap(([, c]) => parseAllDocuments(c).map((d) => d.toJS() as KubeObject));
}

/** The states of one rollout of a release (see the file comment). */
export function rollout(release: LoadedRelease): RolloutState[] {
  const out: RolloutState[] = [{ label: 'as committed', release, objects: objectsOf(release) }];
  let r = release;
  if (!r.model.canary) {
    r = apply(r, start(r.model, { version: `${r.model.stable.version}-next` }));
    out.push({ label: 'started', release: r, objects: objectsOf(r) });
  }
  for (let i = 0; i < r.model.steps.length && r.model.canary && r.model.canary.weight < r.model.weightTotal; i++) {
    const mv = step(r.model);
    if (!mv.changes || !mv.after.canary) break;
    r = apply(r, mv);
    out.push({ label: `step to ${r.model.canary?.weight}`, release: r, objects: objectsOf(r) });
  }
  const held = apply(r, setWeight(r.model, 1));
  out.push({ label: 'held at 1', release: held, objects: objectsOf(held) });
  for (const [label, mv] of [['promoted', promote(r.model)], ['aborted', abort(r.model)]] as const) {
    const x = apply(r, mv);
    out.push({ label, release: x, objects: objectsOf(x) });
  }
  return out;
}
