/**
 * Routes bound to a Gateway in the end state (rule `gateway-binding`, error unless said otherwise): a VirtualService's
 * `spec.gateways` entry or an HTTPRoute/GRPCRoute `parentRefs` entry that
 * - names a Gateway dist/ holds which does not take the route (an Istio server's `hosts` namespace
 *   part, a Gateway API listener's `allowedRoutes.namespaces` / `kinds` / `hostname`, a missing
 *   `sectionName`): the route is not attached and gets no traffic;
 * - names a Gateway dist/ does not hold, in a namespace another release creates (its Namespace
 *   object is in dist/, generated for another release than the route's): a **warning**, since
 *   nothing in dist/ creates that Gateway but the platform team may have made it there by hand or
 *   with Helm (dist/ does not know the cluster; an error refused every synth of such a project, with
 *   no way out but moving the Gateway). A Gateway elsewhere, e.g. `gateway-system/public`, or one
 *   made by hand in the route's own namespace, is not judged. A Gateway dist/ held and a change
 *   removes or renames is refused by the gate, which knows it existed.
 * The rules and their upstream sources: lib/manifests/gateway-refs.ts. A Gateway another release
 * stops creating is refused by `validate` and the moves as a change (lib/review/transition-gate.ts).
 */
import { admission, gatewayKey, gatewayRefsOf } from '../manifests/gateway-refs';
import { groupOf, refOf } from '../manifests/objects';
import type { LintFinding, LintRule } from './rules';

export const gatewayBindingRule: LintRule = (ix) => {
  const out: LintFinding[] = [];
  for (const kind of ['VirtualService', 'HTTPRoute', 'GRPCRoute']) {
    for (const route of ix.ofKind(kind)) {
      for (const ref of gatewayRefsOf(route.obj)) {
        const a = admission(route.obj, ref, ix);
        if (a.ok) continue;
        const gw = gatewayKey(ref.family, ref.namespace, ref.name);
        const field = ref.family === 'istio' ? 'router.gateway' : 'router.parentRefs';
        if (a.gateway) {
          out.push({
            rule: 'gateway-binding', severity: 'error', object: route, field: ref.field, related: refOf(a.gateway.obj), value: `${ref.namespace}/${ref.name}`,
            message: `${refOf(route.obj)} binds to ${gw} (${a.gateway.file}), which does not take it: ${a.why}; the route gets no traffic`,
            hint: ref.family === 'istio'
              ? `let a server of ${gw} take the route's hosts from namespace ${route.obj.metadata.namespace ?? ''} (its hosts '<namespace>/<host>', '*/<host>' or '<host>'), or bind to another Gateway (${field})`
              : `let a listener of ${gw} admit the route (allowedRoutes.namespaces.from: All, or a Selector matching namespace ${route.obj.metadata.namespace ?? ''}; allowedRoutes.kinds; hostname; sectionName), or attach to another Gateway (${field}); a Selector may pick a Namespace dist/ creates by a label set outside dist/ (kubectl label), not by one dist/ sets to another value`,
          });
          continue;
        }
        // a Gateway made by hand beside the release's own objects is the release's business; one in
        // a namespace another release creates would be that release's, and it does not make it
        const ns = ix.find('Namespace', '', ref.namespace);
        if (!ns || groupOf(ns.obj) !== '' || ref.namespace === route.obj.metadata.namespace || ns.release === route.release) continue;
        out.push({
          rule: 'gateway-binding', severity: 'warning', object: route, field: ref.field, related: refOf(ns.obj), value: `${ref.namespace}/${ref.name}`,
          message: `${refOf(route.obj)} binds to ${gw}, which nothing in dist/ creates, though dist/ creates its namespace ${ref.namespace} (${ns.file}, for ${ns.release}); unless it is made outside dist/, the route gets no traffic`,
          hint: `create the Gateway in the release that owns namespace ${ref.namespace}, or bind to a Gateway that exists (${field}); a Gateway made outside dist/ (kubectl, Helm) needs nothing`,
        });
      }
    }
  }
  return out;
};
