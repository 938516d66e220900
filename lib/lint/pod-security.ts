import { at, mapAt, podTemplatePath, refOf } from '../manifests/objects';
import { podSecurityDeviations, WORKLOAD_SOURCE_LABEL } from '../manifests/pod-security';
import type { LintFinding, LintRule } from './rules';

/**
 * Lint rule `pod-security`: a warning for every deviation from the restricted Pod Security Standard
 * of a workload whose pod spec the user brought (label `canary.cdk8s.io/workload: manifests`). The
 * pods this project generates meet the profile their spec asks for by construction (test/security).
 */
export const podSecurityRule: LintRule = (ix) => {
  const out: LintFinding[] = [];
  for (const w of ix.all) {
    if (w.obj.metadata.labels?.[WORKLOAD_SOURCE_LABEL] !== 'manifests') continue;
    const base = podTemplatePath(w.obj);
    if (!base) continue;
    const annotations = mapAt(w.obj, ...base, 'metadata', 'annotations');
    for (const d of podSecurityDeviations(at(w.obj, ...base, 'spec'), annotations)) {
      const field = d.field[0] === 'metadata' ? [...base, ...d.field] : [...base, 'spec', ...d.field];
      out.push({
        rule: 'pod-security', severity: 'warning', object: w, field,
        message: `${refOf(w.obj)} deviates from the restricted Pod Security Standard: ${d.message}${d.profile === 'baseline' ? ' (baseline forbids it too)' : ''}`,
        hint: 'harden the pod spec in the release\'s manifests folder; the release declares the profile its Namespaces enforce (workload.podSecurity.profile)',
      });
    }
  }
  return out;
};
