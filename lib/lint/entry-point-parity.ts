/**
 * `entry-point-parity`: the entry points of one release that serve the same host and path through two
 * controllers (the Ingress pair and the HTTPRoute of a release moving off ingress-nginx with
 * `router.migrateTo.gatewayApi`) carry the same traffic: the same share per version for users and the
 * same version for every tester condition, computed from the objects as `traffic` computes it. DNS
 * may send a user to either at any moment of the migration.
 */
import { ingressPaths, Located, ObjectIndex, refOf } from '../manifests/objects';
import { computeTraffic, entryDifferences, entryPairs } from '../review/traffic';
import type { ExternalRefs } from './external';
import type { LintFinding } from './rules';

/** The rule (see the file's docstring). Only releases with both an Ingress host and an HTTPRoute hostname in common are traced. */
export function entryPointParityRule(ix: ObjectIndex, _ext: ExternalRefs): LintFinding[] {
  const ingressHosts = new Set(ix.ofKind('Ingress').flatMap((i) => ingressPaths(i.obj).map((p) => `${i.release}\0${p.host}`)));
  const candidates = new Set(ix.ofKind('HTTPRoute')
    .filter((r) => ((r.obj as { spec?: { hostnames?: unknown[] } }).spec?.hostnames ?? []).some((h) => ingressHosts.has(`${r.release}\0${String(h)}`)))
    .map((r) => r.release));
  if (!candidates.size) return [];
  const objects = ix.all.filter((o) => candidates.has(o.release));
  const byRef = new Map<string, Located>(objects.map((o) => [refOf(o.obj), o]));
  const out: LintFinding[] = [];
  for (const { first, second } of entryPairs(computeTraffic(objects).entries)) {
    const diff = entryDifferences(first, second);
    if (!diff.length) continue;
    const on = [first, second].find((e) => e.entry.startsWith('HTTPRoute ')) ?? second;
    const other = on === first ? second : first;
    const object = byRef.get(on.entry);
    if (!object) continue;
    out.push({
      rule: 'entry-point-parity', severity: 'error', object, field: ['spec', 'rules'], related: other.entry,
      message: `${on.entry} and ${other.entry} both serve ${first.host}${first.path} for release ${first.release}, but carry different traffic: ${diff.join('; ')}`,
      hint: 'while DNS moves between controllers both must send every request to the same version: regenerate dist/ from the spec (npm run synth), never edit one side by hand',
    });
  }
  return out;
}
