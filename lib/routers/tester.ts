import { Router } from '../spec/generated/release';

/** Value a tester header or cookie carries when the spec gives none (ingress-nginx's 'always'). */
export const DEFAULT_TESTER_VALUE = 'always';

/** What a client adds to a request so the router sends it to the canary whatever the weight. */
export type TesterRoute =
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  | { readonly kind: 'header-pattern'; readonly name: string; readonly pattern: string }
  | { readonly kind: 'cookie'; readonly name: string; readonly value: string }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * How testers reach the canary through a router, from the spec's `router.header` / `router.cookie`:
 * NGINX (canary-by-header, else canary-by-cookie), the Gateway API's HTTPRoute (header, else cookie
 * rules), Istio and GRPCRoute (a header match). An OpenShift Route cannot match on headers. Pure.
 */
export function testerRoute(router: Router): TesterRoute {
  if (router.type === 'openshiftRoute') {
    return { kind: 'none', reason: 'an OpenShift Route cannot route by header or cookie; give the canary its own Route (router.canaryRoute: true) and point --url at it' };
  }
  const header = router.header;
  if (header?.pattern !== undefined) return { kind: 'header-pattern', name: header.name, pattern: header.pattern };
  if (header) return { kind: 'header', name: header.name, value: header.value ?? DEFAULT_TESTER_VALUE };
  const byCookie = router.type === 'nginx' || router.type === 'gatewayApi';
  if (byCookie && router.cookie) return { kind: 'cookie', name: router.cookie, value: DEFAULT_TESTER_VALUE };
  return { kind: 'none', reason: `router ${router.type} has no tester ${byCookie ? 'header or cookie' : 'header'} (router.header${byCookie ? ' or router.cookie' : ''} in the spec)` };
}
