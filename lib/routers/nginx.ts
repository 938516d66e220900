import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SpecProblem } from '../spec/errors';
import { NginxRouterOptions } from '../spec/generated/release';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';
import { releaseLabels } from '../workloads/labels';
import { kubeObject } from '../workloads/kube-object';
import { addMigrationRoute, migrationProblems } from './nginx-migration';
import { RouterContext, TrafficRouter } from './router';

/** ingress-nginx's default annotation prefix (`--annotations-prefix`). */
export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io';

/** The canary annotations, all written by this router from the spec (suffix -> the spec field that sets it). */
export const CANARY_ANNOTATIONS: Readonly<Record<string, string>> = {
  'canary': 'nothing: the canary Ingress always carries canary: "true" and the production Ingress never carries it',
  'canary-weight': 'canary.weight',
  'canary-weight-total': 'weightTotal',
  'canary-by-header': 'router.header.name',
  'canary-by-header-value': 'router.header.value',
  'canary-by-header-pattern': 'router.header.pattern',
  'canary-by-cookie': 'router.cookie',
};

/**
 * The only non-canary annotations ingress-nginx honours on a canary Ingress: load balancing and
 * session affinity. It ignores every other one there (the canary inherits the production Ingress's
 * settings), so the router rejects them instead of emitting dead config.
 */
export const CANARY_INGRESS_HONOURED: readonly string[] = [
  'load-balance', 'upstream-hash-by', 'upstream-hash-by-subset', 'upstream-hash-by-subset-size',
  'affinity', 'affinity-mode', 'affinity-canary-behavior',
  'session-cookie-name', 'session-cookie-path', 'session-cookie-domain', 'session-cookie-expires', 'session-cookie-max-age',
  'session-cookie-secure', 'session-cookie-samesite', 'session-cookie-conditional-samesite-none', 'session-cookie-partitioned',
  'session-cookie-change-on-failure',
];

/** Characters ingress-nginx's annotation validation accepts in canary-by-header(-value) (its BasicChars, minus '/' and ':' which a header name cannot hold). */
const HEADER_NAME_CHARS = /^[-._~A-Za-z0-9]+$/;
const HEADER_VALUE_CHARS = /^[-._~A-Za-z0-9/:]+$/;
/** Characters ingress-nginx accepts in canary-by-header-pattern (its IsValidRegex). */
const HEADER_PATTERN_CHARS = /^[-._~A-Za-z0-9/:^$[\](){}*+?|&=\\]+$/;

const ann = (suffix: string): string => `${NGINX_PREFIX}/${suffix}`;

/**
 * ingress-nginx canary: a production Ingress in the production namespace routing the host/path to
 * the stable Service, and, while a canary runs, a canary Ingress for the same host/path in the
 * canary namespace routing to the canary Service, with `canary: "true"` and `canary-weight: "<n>"`
 * (plus `canary-weight-total` when the release's weightTotal is not 100, `canary-by-header` and
 * `canary-by-cookie` when the spec asks). Without a canary there is no canary Ingress at all, so
 * the production Ingress never changes across states and never carries `canary: "false"` (which
 * the admission webhook treats as a second main Ingress for the same host/path).
 * With `router.migrateTo.gatewayApi` the release also gets the equivalent HTTPRoute (./nginx-migration.ts).
 */
export class NginxRouter implements TrafficRouter {
  public readonly type = 'nginx';
  public readonly serviceLayout = 'per-track' as const;

  public check(release: LoadedRelease): SpecProblem[] {
    const src = release.source;
    const opts = release.model.router as NginxRouterOptions;
    const out: SpecProblem[] = [];
    for (const key of Object.keys(opts.annotations ?? {})) {
      const suffix = nginxSuffix(key);
      if (suffix !== undefined && suffix.endsWith('-snippet')) {
        out.push(src.problem(['router', 'annotations', key], 'snippet annotations inject raw NGINX configuration; ingress-nginx disables them by default since CVE-2021-25742 (allow-snippet-annotations: false), and the Ingress would be rejected or let a spec read the controller\'s secrets',
          'remove it and use the dedicated annotations (or a ConfigMap the cluster admin owns) for what it set', key, true));
        continue;
      }
      if (suffix !== undefined && (suffix in CANARY_ANNOTATIONS || suffix.startsWith('canary'))) {
        out.push(src.problem(['router', 'annotations', key], 'canary annotations are not allowed on the production ingress',
          'remove it: the router writes the canary annotations on the canary Ingress only, from canary.weight, weightTotal, router.header and router.cookie', key, true));
      }
    }
    for (const key of Object.keys(opts.canaryAnnotations ?? {})) {
      const suffix = nginxSuffix(key);
      if (suffix === undefined) continue; // not read by ingress-nginx: metadata for other tools
      if (suffix in CANARY_ANNOTATIONS) {
        out.push(src.problem(['router', 'canaryAnnotations', key], 'this canary annotation is generated from the spec',
          `remove it and set ${CANARY_ANNOTATIONS[suffix]}`, key, true));
      } else if (!CANARY_INGRESS_HONOURED.includes(suffix)) {
        out.push(src.problem(['router', 'canaryAnnotations', key], 'ingress-nginx ignores this annotation on a canary ingress (a canary inherits everything but load-balancing and session-affinity settings from the production ingress)',
          'move it to router.annotations (the production Ingress) or remove it; allowed here: load-balance, upstream-hash-by*, affinity*, session-cookie-*', key, true));
      }
    }
    const h = opts.header;
    if (h) {
      if (!HEADER_NAME_CHARS.test(h.name)) {
        out.push(src.problem(['router', 'header', 'name'], 'ingress-nginx rejects this canary-by-header name', "use letters, digits, '-', '.', '_' or '~'", h.name));
      }
      if (h.value !== undefined && !HEADER_VALUE_CHARS.test(h.value)) {
        out.push(src.problem(['router', 'header', 'value'], 'ingress-nginx rejects this canary-by-header-value', "use letters, digits, '-', '.', '_', '~', '/' or ':' (no spaces), or a pattern", h.value));
      }
      if (h.pattern !== undefined) {
        let compiles = true;
        try { new RegExp(h.pattern); } catch { compiles = false; }
        if (!HEADER_PATTERN_CHARS.test(h.pattern) || !compiles) {
          out.push(src.problem(['router', 'header', 'pattern'], compiles ? 'ingress-nginx rejects this canary-by-header-pattern (character not allowed)' : 'canary-by-header-pattern is not a valid regular expression',
            "use a regular expression of letters, digits, '-', '.', '_', '~', '/', ':' and ^$[](){}*+?|&=\\", h.pattern));
        }
      }
    }
    const m = release.model;
    if (m.namespaces.production === m.namespaces.canary && ingressNameOf(m) === canaryIngressNameOf(m)) {
      out.push(src.problem(['router', opts.canaryIngressName !== undefined ? 'canaryIngressName' : 'ingressName'], 'the production and the canary ingress have the same name in the same namespace',
        'give the canary ingress another name (router.canaryIngressName) or the canary its own namespace', canaryIngressNameOf(m)));
    }
    out.push(...migrationProblems(release));
    return out;
  }

  public addTraffic(ctx: RouterContext): void {
    const m = ctx.release;
    const opts = m.router as NginxRouterOptions;
    const name = ingressNameOf(m);
    kubeObject(k8s.KubeIngress, ctx.chartFor(m.stable.namespace), `ingress-${name}`, {
      metadata: {
        name,
        namespace: m.stable.namespace,
        labels: releaseLabels(m),
        ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: sorted(opts.annotations) } : {}),
      },
      spec: {
        ingressClassName: opts.ingressClassName ?? 'nginx',
        ...(opts.tlsSecretName ? { tls: [{ hosts: [opts.host], secretName: opts.tlsSecretName }] } : {}),
        rules: [ingressRule(m, m.stable.serviceName)],
      },
    });
    // Moving off ingress-nginx: the HTTPRoute with the same weights (./nginx-migration.ts).
    addMigrationRoute(ctx);
    if (!m.canary) return;
    const canaryName = canaryIngressNameOf(m);
    kubeObject(k8s.KubeIngress, ctx.chartFor(m.canary.namespace), `ingress-${canaryName}`, {
      metadata: { name: canaryName, namespace: m.canary.namespace, labels: releaseLabels(m), annotations: canaryIngressAnnotations(m) },
      // No tls: ingress-nginx takes the host's certificate from the production Ingress, and a Secret
      // named here would have to exist in the canary namespace.
      spec: { ingressClassName: opts.ingressClassName ?? 'nginx', rules: [ingressRule(m, m.canary.serviceName)] },
    });
  }
}

/**
 * The annotations of the canary Ingress in the release's current state, all strings, keys sorted.
 * Only `canary-weight` depends on the weight, so a weight step changes one line.
 */
export function canaryIngressAnnotations(m: ReleaseModel): Record<string, string> {
  if (!m.canary) throw new Error(`internal: release ${m.name} has no canary`);
  const opts = m.router as NginxRouterOptions;
  const a: Record<string, string> = { ...(opts.canaryAnnotations ?? {}) };
  a[ann('canary')] = 'true';
  a[ann('canary-weight')] = String(m.canary.weight);
  if (m.weightTotal !== 100) a[ann('canary-weight-total')] = String(m.weightTotal);
  if (opts.header) {
    a[ann('canary-by-header')] = opts.header.name;
    if (opts.header.value !== undefined) a[ann('canary-by-header-value')] = opts.header.value;
    else if (opts.header.pattern !== undefined) a[ann('canary-by-header-pattern')] = opts.header.pattern;
  }
  if (opts.cookie) a[ann('canary-by-cookie')] = opts.cookie;
  return sorted(a);
}

/** Name of the production Ingress. */
export function ingressNameOf(m: ReleaseModel): string {
  return (m.router as NginxRouterOptions).ingressName ?? `${m.name}-ingress`;
}

/** Name of the canary Ingress. */
export function canaryIngressNameOf(m: ReleaseModel): string {
  return (m.router as NginxRouterOptions).canaryIngressName ?? `${m.name}-canary-ingress`;
}

function ingressRule(m: ReleaseModel, serviceName: string): k8s.IngressRule {
  const opts = m.router as NginxRouterOptions;
  return {
    host: opts.host,
    http: {
      paths: [{
        path: opts.path ?? '/',
        pathType: opts.pathType ?? 'Prefix',
        backend: { service: { name: serviceName, port: { number: m.workload.servicePort } } },
      }],
    },
  };
}

/** The part of an annotation key after `nginx.ingress.kubernetes.io/`, or undefined for other prefixes. */
function nginxSuffix(key: string): string | undefined {
  return key.startsWith(`${NGINX_PREFIX}/`) ? key.slice(NGINX_PREFIX.length + 1) : undefined;
}

function sorted(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
}
