import { createHash } from 'crypto';
import { ReleaseModel } from '../spec/model';

/** Annotation on a release's canary workload: a digest of its smoke checks. */
export const CHECKS_DIGEST_ANNOTATION = 'canary.cdk8s.io/checks-digest';

/**
 * The digest of a release's `checks:` (sha256 of their JSON, 16 hex digits), or undefined without
 * checks. Pure.
 *
 * Why: Argo CD does not count a change to a hook alone (the checks Job is a PostSync hook) as making
 * an Application OutOfSync, so an edited check would never run until something else changed
 * (argo-cd #3751, #5766: hooks run when a sync runs, and a sync runs for OutOfSync resources). The
 * digest, written on the canary workload's own metadata (not its pod template: pods do not restart),
 * changes whenever the checks do, so the Application syncs and the hook runs.
 */
export function checksDigest(m: ReleaseModel): string | undefined {
  if (!m.spec.checks?.length) return undefined;
  return createHash('sha256').update(JSON.stringify(m.spec.checks)).digest('hex').slice(0, 16);
}
