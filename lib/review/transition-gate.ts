/**
 * The refusals a change of dist/ gets before it is written or committed: Namespaces removed while
 * something still lives in them (./namespaces), and any state of an Argo CD or Flux sync that breaks
 * an invariant (./transition). `validate` runs it on the working tree against HEAD; the moves run it
 * before they commit. Pure: trees in, messages out.
 */
import { objectsOfTree } from '../manifests/tree';
import { namespaceRemovalMessage, namespaceRemovals } from './namespaces';
import { checkObjects, TransitionReport } from './transition';

export interface GateResult {
  /** One message per refusal (empty: the change is safe to apply). */
  readonly refusals: readonly string[];
  /** The sync model's report (states per engine, transients). */
  readonly report: TransitionReport;
}

/** Checks the change from one dist tree to another (dist-relative paths -> YAML). */
export function gateTransition(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, distLabel = 'dist'): GateResult {
  const a = objectsOfTree(before).objects;
  const b = objectsOfTree(after).objects;
  const refusals = namespaceRemovals(a, b).map((r) => namespaceRemovalMessage(r, distLabel));
  const report = checkObjects(a, b);
  for (const v of report.violations) {
    refusals.push(`unsafe during sync: ${v.message}; split the change into commits that are each safe (for example set-weight 0 before abort), see the README "What happens during a sync"`);
  }
  return { refusals, report };
}
