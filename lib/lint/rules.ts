/**
 * Cross-object checks a reviewer would otherwise do by eye. Pure functions over synthesized objects:
 * each finding names the object it is on, the field, and the other object involved.
 */
import {
  at, groupOf, ingressClassOf, ingressPaths, isCanaryIngress, isClusterHost, isRecord, labelsText, listAt, Located, mapAt,
  Manifest, matchesLabelSelector, ObjectIndex, podLabelsOf, podTemplatePath, refOf, serviceHasPort, serviceOfHost, servicePorts,
} from '../manifests/objects';
import { istioGatewayOf } from '../manifests/gateway-refs';
import { entryPointParityRule } from './entry-point-parity';
import { ExternalRefs, NO_EXTERNALS } from './external';
import { gatewayBindingRule } from './gateway-refs';
import { podSecurityRule } from './pod-security';

export type Severity = 'error' | 'warning';

/** One thing wrong between two objects. */
export interface LintFinding {
  /** Rule id, e.g. `service-selector`. */
  readonly rule: string;
  readonly severity: Severity;
  /** The object the finding is on. */
  readonly object: Located;
  /** Field path inside that object. */
  readonly field: readonly (string | number)[];
  /** The other object involved (`Kind namespace/name`), when there is one. */
  readonly related?: string;
  /** What is wrong, naming both objects; lowercase start. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
  /** The value seen. */
  readonly value?: unknown;
}

export interface LintOptions {
  /** Secrets, ConfigMaps and Service hosts the release specs declare as provided outside dist/. @default - none */
  readonly external?: ExternalRefs;
}

/** A rule: objects in, findings out. */
export type LintRule = (ix: ObjectIndex, external: ExternalRefs) => LintFinding[];

/** Runs every rule; findings sorted by file, then rule. */
export function lintObjects(objects: readonly Located[], options: LintOptions = {}): LintFinding[] {
  const ix = new ObjectIndex(objects);
  const ext = options.external ?? NO_EXTERNALS;
  const out = LINT_RULES.flatMap((r) => r(ix, ext));
  return out.sort((a, b) => (a.object.file < b.object.file ? -1 : a.object.file > b.object.file ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}

const find = (rule: string, object: Located, field: readonly (string | number)[], message: string, hint: string, extra: { related?: string; value?: unknown; severity?: Severity } = {}): LintFinding =>
  ({ rule, severity: extra.severity ?? 'error', object, field, message, hint, ...(extra.related ? { related: extra.related } : {}), ...(extra.value !== undefined ? { value: extra.value } : {}) });

/** The workload whose pod labels agree with most of a selector's entries (for "did you mean"). */
function nearestWorkload(ix: ObjectIndex, namespace: string, selector: Readonly<Record<string, string>>): Located | undefined {
  let best: Located | undefined;
  let score = -1;
  for (const w of ix.workloads(namespace)) {
    const labels = podLabelsOf(w.obj);
    const s = Object.entries(selector).filter(([k, v]) => labels[k] === v).length * 2 + Object.keys(selector).filter((k) => k in labels).length;
    if (s > score) { best = w; score = s; }
  }
  return best;
}

function templateLabelsPath(w: Manifest): string {
  const p = podTemplatePath(w) ?? [];
  return [...p, 'metadata', 'labels'].join('.');
}

/** Every Service selector matches the pod labels of a workload in its namespace; named target ports exist. */
export const serviceSelectorRule: LintRule = (ix) => {
  const out: LintFinding[] = [];
  for (const s of ix.ofKind('Service')) {
    if (groupOf(s.obj) !== '' || at(s.obj, 'spec', 'type') === 'ExternalName') continue;
    const sel = mapAt(s.obj, 'spec', 'selector');
    if (!Object.keys(sel).length) continue;
    const ns = s.obj.metadata.namespace ?? '';
    const matched = ix.selectedWorkloads(s.obj);
    if (!matched.length) {
      const near = nearestWorkload(ix, ns, sel);
      out.push(near
        ? find('service-selector', s, ['spec', 'selector'],
          `${refOf(s.obj)} selects no pods: no workload in namespace ${ns} has the pod labels ${labelsText(sel)}; nearest is ${refOf(near.obj)} with pod labels ${labelsText(podLabelsOf(near.obj))}`,
          `make spec.selector of ${refOf(s.obj)} match ${templateLabelsPath(near.obj)} of ${refOf(near.obj)}`, { related: refOf(near.obj), value: labelsText(sel) })
        : find('service-selector', s, ['spec', 'selector'],
          `${refOf(s.obj)} selects no pods: namespace ${ns} runs no workload`,
          `deploy the workload into namespace ${ns} or move the Service to the namespace its pods run in`, { value: labelsText(sel) }));
      continue;
    }
    listAt(s.obj, 'spec', 'ports').forEach((p, i) => {
      const tp = at(p, 'targetPort');
      if (typeof tp !== 'string') return;
      const hasPort = (w: Located) => listAt(w.obj, ...(podTemplatePath(w.obj) ?? []), 'spec', 'containers').some((c) => listAt(c, 'ports').some((cp) => at(cp, 'name') === tp));
      const without = matched.filter((w) => !hasPort(w));
      for (const w of without) {
        out.push(find('service-target-port', s, ['spec', 'ports', i, 'targetPort'],
          `${refOf(s.obj)} sends port ${at(p, 'port')} to the container port named '${tp}', but ${refOf(w.obj)} has no container port of that name`,
          `name a container port '${tp}' in ${refOf(w.obj)} or use a port that exists`, { related: refOf(w.obj), value: tp }));
      }
    });
  }
  return out;
};

/** A NetworkPolicy's pod selector protects pods that exist. */
export const networkPolicyRule: LintRule = (ix) => {
  const out: LintFinding[] = [];
  for (const np of ix.ofKind('NetworkPolicy')) {
    const sel = at(np.obj, 'spec', 'podSelector');
    if (!isRecord(sel) || (!Object.keys(mapAt(sel, 'matchLabels')).length && !listAt(sel, 'matchExpressions').length)) continue;
    const ns = np.obj.metadata.namespace ?? '';
    if (ix.workloads(ns).some((w) => matchesLabelSelector(sel, podLabelsOf(w.obj)))) continue;
    const near = nearestWorkload(ix, ns, mapAt(sel, 'matchLabels'));
    out.push(find('networkpolicy-selector', np, ['spec', 'podSelector'],
      `${refOf(np.obj)} protects no pods: its podSelector ${labelsText(mapAt(sel, 'matchLabels'))} matches no workload in namespace ${ns}${near ? `; nearest is ${refOf(near.obj)} with pod labels ${labelsText(podLabelsOf(near.obj))}` : ''}`,
      near ? `make spec.podSelector match ${templateLabelsPath(near.obj)} of ${refOf(near.obj)}` : `deploy the protected workload into namespace ${ns}`,
      { ...(near ? { related: refOf(near.obj) } : {}) }));
  }
  return out;
};

/** Where a backend Service reference leads: the Service, or why not. */
function checkServiceRef(ix: ObjectIndex, ext: ExternalRefs, from: Located, field: readonly (string | number)[], rule: string, namespace: string, name: string, port: number | string | undefined, what: string): LintFinding[] {
  const svc = ix.service(namespace, name);
  if (!svc) {
    if (ext.services.has(name) || ext.services.has(`${name}.${namespace}`) || ext.services.has(`${name}.${namespace}.svc.cluster.local`)) return [];
    const elsewhere = ix.ofKind('Service').filter((s) => s.obj.metadata.name === name && groupOf(s.obj) === '');
    const similar = ix.ofKind('Service', namespace).filter((s) => groupOf(s.obj) === '').map((s) => s.obj.metadata.name);
    return [find(rule, from, field,
      `${refOf(from.obj)} ${what} Service ${namespace}/${name}, which does not exist${elsewhere.length ? ` (${elsewhere.map((e) => refOf(e.obj)).join(', ')} is in another namespace)` : ''}`,
      similar.length ? `use one of the Services of namespace ${namespace} (${similar.join(', ')}) or generate Service ${name}` : `generate Service ${name} in namespace ${namespace}, or name it in the release spec if it is provided outside dist/`,
      { value: name, ...(elsewhere.length ? { related: refOf(elsewhere[0].obj) } : {}) })];
  }
  if (port !== undefined && !serviceHasPort(svc.obj, port)) {
    return [find(rule, from, field,
      `${refOf(from.obj)} ${what} port ${port} of ${refOf(svc.obj)}, which has no such port (ports: ${servicePorts(svc.obj)})`,
      `use a port ${refOf(svc.obj)} exposes`, { related: refOf(svc.obj), value: port })];
  }
  return [];
}

/** Every Ingress, HTTPRoute, GRPCRoute (weighted and mirror backends) and OpenShift Route backend Service exists (with the port asked for). */
export const backendServiceRule: LintRule = (ix, ext) => {
  const out: LintFinding[] = [];
  for (const ing of ix.ofKind('Ingress')) {
    const ns = ing.obj.metadata.namespace ?? '';
    for (const p of ingressPaths(ing.obj)) {
      if (!p.service) continue;
      out.push(...checkServiceRef(ix, ext, ing, p.field, 'backend-service', ns, p.service.name, p.service.port, `sends ${p.host}${p.path} to`));
    }
  }
  for (const hr of [...ix.ofKind('HTTPRoute'), ...ix.ofKind('GRPCRoute')].filter((h) => groupOf(h.obj) === 'gateway.networking.k8s.io')) {
    const ns = hr.obj.metadata.namespace ?? '';
    const kind = hr.obj.kind;
    listAt(hr.obj, 'spec', 'rules').forEach((r, i) => {
      // weighted backendRefs, and the backends of RequestMirror filters
      const refs: { b: unknown; field: (string | number)[] }[] = listAt(r, 'backendRefs').map((b, j) => ({ b, field: ['spec', 'rules', i, 'backendRefs', j] }));
      listAt(r, 'filters').forEach((f, k) => { if (isRecord(at(f, 'requestMirror', 'backendRef'))) refs.push({ b: at(f, 'requestMirror', 'backendRef'), field: ['spec', 'rules', i, 'filters', k, 'requestMirror', 'backendRef'] }); });
      for (const { b, field } of refs) {
        if (((at(b, 'kind') as string | undefined) ?? 'Service') !== 'Service' || ((at(b, 'group') as string | undefined) ?? '') !== '') continue;
        const name = String(at(b, 'name'));
        const target = (at(b, 'namespace') as string | undefined) ?? ns;
        const port = at(b, 'port') as number | undefined;
        out.push(...checkServiceRef(ix, ext, hr, [...field, 'name'], 'backend-service', target, name, port, field.includes('requestMirror') ? 'mirrors requests to' : 'sends traffic to'));
        if (target !== ns && ix.service(target, name) && !referenceGrantAllows(ix, kind, ns, target, name)) {
          out.push(find('backend-reference-grant', hr, [...field, 'namespace'],
            `${refOf(hr.obj)} refers to Service ${target}/${name} in another namespace, but no ReferenceGrant in namespace ${target} allows ${kind}s of namespace ${ns} to reach it`,
            `add a ReferenceGrant in namespace ${target} from ${kind} (namespace ${ns}) to Service ${name}`, { related: `Service ${target}/${name}`, value: target }));
        }
      }
    });
  }
  for (const rt of ix.ofKind('Route').filter((r) => groupOf(r.obj) === 'route.openshift.io')) {
    const ns = rt.obj.metadata.namespace ?? '';
    const refs: { b: unknown; field: (string | number)[] }[] = [{ b: at(rt.obj, 'spec', 'to'), field: ['spec', 'to', 'name'] }];
    listAt(rt.obj, 'spec', 'alternateBackends').forEach((b, i) => refs.push({ b, field: ['spec', 'alternateBackends', i, 'name'] }));
    for (const { b, field } of refs) {
      if (!isRecord(b) || (b.kind ?? 'Service') !== 'Service' || typeof b.name !== 'string') continue;
      const name = b.name;
      if (ix.service(ns, name)) continue;
      const elsewhere = ix.ofKind('Service').find((s) => s.obj.metadata.name === name && groupOf(s.obj) === '');
      if (elsewhere) {
        out.push(find('route-namespace', rt, field,
          `${refOf(rt.obj)} sends traffic to Service ${name}, but that Service is ${refOf(elsewhere.obj)} in another namespace; a Route reaches only Services of its own namespace ${ns}`,
          `move the Route to namespace ${elsewhere.obj.metadata.namespace} or the Service (and its workload) to namespace ${ns}`, { related: refOf(elsewhere.obj), value: name }));
      } else {
        out.push(...checkServiceRef(ix, ext, rt, field, 'backend-service', ns, name, undefined, 'sends traffic to'));
      }
    }
  }
  return out;
};

function referenceGrantAllows(ix: ObjectIndex, kind: string, fromNs: string, toNs: string, name: string): boolean {
  return ix.ofKind('ReferenceGrant', toNs).some((g) =>
    listAt(g.obj, 'spec', 'from').some((f) => at(f, 'kind') === kind && at(f, 'namespace') === fromNs && at(f, 'group') === 'gateway.networking.k8s.io')
    && listAt(g.obj, 'spec', 'to').some((t) => at(t, 'kind') === 'Service' && (at(t, 'group') ?? '') === '' && (at(t, 'name') === undefined || at(t, 'name') === name)));
}

/** Istio: destinations exist, subsets are defined, and every subset matches pods of its Service. */
export const istioRule: LintRule = (ix, ext) => {
  const out: LintFinding[] = [];
  const drs = ix.ofKind('DestinationRule').filter((d) => groupOf(d.obj) === 'networking.istio.io');
  const vss = ix.ofKind('VirtualService').filter((d) => groupOf(d.obj) === 'networking.istio.io');
  const hostKey = (host: string, ns: string) => {
    const s = serviceOfHost(host, ns);
    return s ? `${s.namespace}/${s.name}` : host;
  };
  // (service key, subset) -> does a destination that receives traffic use it?
  const used = new Map<string, { vs: Located; live: boolean }>();
  for (const vs of vss) {
    const ns = vs.obj.metadata.namespace ?? '';
    listAt(vs.obj, 'spec', 'http').forEach((h, i) => {
      const route = listAt(h, 'route');
      const dests: { d: unknown; field: (string | number)[]; live: boolean }[] = route.map((r, j) => ({
        d: at(r, 'destination'), field: ['spec', 'http', i, 'route', j, 'destination'],
        live: route.length === 1 || Number(at(r, 'weight') ?? 0) > 0,
      }));
      if (at(h, 'mirror') !== undefined) dests.push({ d: at(h, 'mirror'), field: ['spec', 'http', i, 'mirror'], live: true });
      for (const { d, field, live } of dests) {
        const host = at(d, 'host');
        if (typeof host !== 'string' || !isClusterHost(host)) continue;
        const svcRef = serviceOfHost(host, ns);
        if (!svcRef) continue;
        const port = at(d, 'port', 'number') as number | undefined;
        if (!ext.services.has(host)) out.push(...checkServiceRef(ix, ext, vs, [...field, 'host'], 'istio-destination', svcRef.namespace, svcRef.name, port, 'routes to'));
        const subset = at(d, 'subset');
        if (typeof subset !== 'string') continue;
        const key = `${svcRef.namespace}/${svcRef.name}#${subset}`;
        const prev = used.get(key);
        used.set(key, { vs, live: live || (prev?.live ?? false) });
        const defined = drs.some((dr) => hostKey(String(at(dr.obj, 'spec', 'host')), dr.obj.metadata.namespace ?? '') === `${svcRef.namespace}/${svcRef.name}`
          && listAt(dr.obj, 'spec', 'subsets').some((s) => at(s, 'name') === subset));
        if (!defined) {
          const dr = drs.find((x) => hostKey(String(at(x.obj, 'spec', 'host')), x.obj.metadata.namespace ?? '') === `${svcRef.namespace}/${svcRef.name}`);
          out.push(find('istio-subset', vs, [...field, 'subset'],
            dr ? `${refOf(vs.obj)} routes to subset '${subset}' of ${host}, which ${refOf(dr.obj)} does not define (subsets: ${listAt(dr.obj, 'spec', 'subsets').map((s) => at(s, 'name')).join(', ') || 'none'})`
              : `${refOf(vs.obj)} routes to subset '${subset}' of ${host}, but no DestinationRule for that host exists`,
            dr ? `add subset '${subset}' to ${refOf(dr.obj)} or route to one of its subsets` : `add a DestinationRule for ${host} with subset '${subset}'`,
            { value: subset, ...(dr ? { related: refOf(dr.obj) } : {}) }));
        }
      }
    });
  }
  for (const dr of drs) {
    const ns = dr.obj.metadata.namespace ?? '';
    const host = at(dr.obj, 'spec', 'host');
    if (typeof host !== 'string' || !isClusterHost(host)) continue;
    const svcRef = serviceOfHost(host, ns);
    if (!svcRef) continue;
    const svc = ix.service(svcRef.namespace, svcRef.name);
    if (!svc) {
      if (!ext.services.has(host) && !ext.services.has(svcRef.name)) {
        out.push(...checkServiceRef(ix, ext, dr, ['spec', 'host'], 'istio-destination', svcRef.namespace, svcRef.name, undefined, 'is the DestinationRule of'));
      }
      continue;
    }
    listAt(dr.obj, 'spec', 'subsets').forEach((s, i) => {
      const name = String(at(s, 'name'));
      const labels = mapAt(s, 'labels');
      if (ix.selectedWorkloads(svc.obj, labels).length) return;
      const candidates = ix.selectedWorkloads(svc.obj);
      const near = candidates.find((w) => Object.keys(labels).every((k) => k in podLabelsOf(w.obj))) ?? candidates[0];
      const use = used.get(`${svcRef.namespace}/${svcRef.name}#${name}`);
      // A subset no route uses is defined ahead of (or after) its pods on purpose: make-before-break
      // keeps both subsets defined in every state. It is checked as soon as a route uses it.
      if (!use) return;
      const severity: Severity = use.live ? 'error' : 'warning';
      out.push(find('istio-subset', dr, ['spec', 'subsets', i, 'labels'],
        `${refOf(dr.obj)} subset '${name}' (${labelsText(labels)}) matches no pods of ${refOf(svc.obj)}${near ? `; ${refOf(near.obj)} has pod labels ${labelsText(podLabelsOf(near.obj))}` : ''}${use.live ? `, yet ${refOf(use.vs.obj)} sends traffic to it (503s)` : ` (${refOf(use.vs.obj)} routes to it with weight 0)`}`,
        near ? `make the subset labels match ${templateLabelsPath(near.obj)} of ${refOf(near.obj)}, or deploy pods with ${labelsText(labels)}` : `deploy pods with ${labelsText(labels)} behind ${refOf(svc.obj)}`,
        { severity, related: near ? refOf(near.obj) : refOf(svc.obj), value: labelsText(labels) }));
    });
  }
  return out;
};

/** A canary Ingress has a production Ingress for the same class, host and path, and is the only canary there. */
export const canaryIngressRule: LintRule = (ix) => {
  const out: LintFinding[] = [];
  const ingresses = ix.ofKind('Ingress');
  const production = new Map<string, Located>();
  for (const i of ingresses) {
    if (isCanaryIngress(i.obj)) continue;
    for (const p of ingressPaths(i.obj)) production.set(`${ingressClassOf(i.obj)}|${p.host}|${p.path}`, i);
  }
  const canaries = new Map<string, Located>();
  for (const c of ingresses.filter((i) => isCanaryIngress(i.obj))) {
    const cls = ingressClassOf(c.obj);
    for (const p of ingressPaths(c.obj)) {
      const key = `${cls}|${p.host}|${p.path}`;
      const field = p.field.slice(0, p.field.indexOf('backend') >= 0 ? p.field.indexOf('backend') : p.field.length);
      if (!production.has(key)) {
        const sameHost = ingresses.find((i) => !isCanaryIngress(i.obj) && ingressPaths(i.obj).some((q) => q.host === p.host));
        out.push(find('canary-ingress', c, field,
          `canary ${refOf(c.obj)} serves ${p.host}${p.path} (class '${cls || 'default'}'), but no production Ingress serves that host and path${sameHost ? `; ${refOf(sameHost.obj)} serves ${p.host} with paths ${ingressPaths(sameHost.obj).filter((q) => q.host === p.host).map((q) => q.path).join(', ')} (class '${ingressClassOf(sameHost.obj) || 'default'}')` : ''}`,
          'ingress-nginx ignores a canary without a production Ingress for the same host and path: use the production host, path and ingress class',
          { value: `${p.host}${p.path}`, ...(sameHost ? { related: refOf(sameHost.obj) } : {}) }));
      }
      const other = canaries.get(key);
      if (other && other !== c) {
        out.push(find('canary-ingress', c, field,
          `${refOf(c.obj)} and ${refOf(other.obj)} are both canaries of ${p.host}${p.path}; ingress-nginx applies only one canary per host and path`,
          'keep one canary Ingress per host and path', { related: refOf(other.obj), value: `${p.host}${p.path}` }));
      } else canaries.set(key, c);
    }
  }
  return out;
};

/** ConfigMaps and Secrets a workload's pods use exist in dist/ or are declared external by a spec. */
export const configRefsRule: LintRule = (ix, ext) => {
  const out: LintFinding[] = [];
  for (const w of ix.all.filter((l) => podTemplatePath(l.obj) !== undefined)) {
    const ns = w.obj.metadata.namespace ?? '';
    const base = [...(podTemplatePath(w.obj) ?? []), 'spec'];
    const refs: { kind: 'ConfigMap' | 'Secret'; name: string; key?: string; field: (string | number)[]; optional: boolean }[] = [];
    const spec = at(w.obj, ...base);
    for (const field of ['containers', 'initContainers']) {
      listAt(spec, field).forEach((c, ci) => {
        listAt(c, 'env').forEach((e, ei) => {
          for (const [k, kind] of [['configMapKeyRef', 'ConfigMap'], ['secretKeyRef', 'Secret']] as const) {
            const r = at(e, 'valueFrom', k);
            if (isRecord(r) && typeof r.name === 'string') refs.push({ kind, name: r.name, ...(typeof r.key === 'string' ? { key: r.key } : {}), field: [...base, field, ci, 'env', ei, 'valueFrom', k, 'name'], optional: r.optional === true });
          }
        });
        listAt(c, 'envFrom').forEach((e, ei) => {
          for (const [k, kind] of [['configMapRef', 'ConfigMap'], ['secretRef', 'Secret']] as const) {
            const r = at(e, k);
            if (isRecord(r) && typeof r.name === 'string') refs.push({ kind, name: r.name, field: [...base, field, ci, 'envFrom', ei, k, 'name'], optional: r.optional === true });
          }
        });
      });
    }
    listAt(spec, 'volumes').forEach((v, vi) => {
      const cm = at(v, 'configMap');
      if (isRecord(cm) && typeof cm.name === 'string') refs.push({ kind: 'ConfigMap', name: cm.name, field: [...base, 'volumes', vi, 'configMap', 'name'], optional: cm.optional === true });
      const sec = at(v, 'secret');
      if (isRecord(sec) && typeof sec.secretName === 'string') refs.push({ kind: 'Secret', name: sec.secretName, field: [...base, 'volumes', vi, 'secret', 'secretName'], optional: sec.optional === true });
      listAt(v, 'projected', 'sources').forEach((s, si) => {
        for (const [k, kind] of [['configMap', 'ConfigMap'], ['secret', 'Secret']] as const) {
          const r = at(s, k);
          if (isRecord(r) && typeof r.name === 'string') refs.push({ kind, name: r.name, field: [...base, 'volumes', vi, 'projected', 'sources', si, k, 'name'], optional: r.optional === true });
        }
      });
    });
    listAt(spec, 'imagePullSecrets').forEach((s, i) => {
      if (typeof at(s, 'name') === 'string') refs.push({ kind: 'Secret', name: String(at(s, 'name')), field: [...base, 'imagePullSecrets', i, 'name'], optional: false });
    });
    for (const r of refs) {
      if (r.optional) continue;
      const target = ix.ofKind(r.kind, ns).find((o) => o.obj.metadata.name === r.name && groupOf(o.obj) === '');
      if (target) {
        if (r.key !== undefined && r.kind === 'ConfigMap' && !(r.key in mapAt(target.obj, 'data')) && !(r.key in mapAt(target.obj, 'binaryData'))) {
          out.push(find('config-refs', w, r.field,
            `${refOf(w.obj)} reads key '${r.key}' of ${refOf(target.obj)}, which has no such key (keys: ${Object.keys(mapAt(target.obj, 'data')).join(', ') || 'none'})`,
            `add key '${r.key}' to ${refOf(target.obj)} or read a key it has`, { related: refOf(target.obj), value: r.key }));
        }
        continue;
      }
      const declared = r.kind === 'Secret' ? ext.secrets : ext.configMaps;
      if (declared.has(r.name)) continue;
      out.push(find('config-refs', w, r.field,
        `${refOf(w.obj)} uses ${r.kind} ${ns}/${r.name}, which is neither in dist/ nor declared external by a release spec`,
        r.kind === 'Secret'
          ? `create the Secret outside git and name it in the release spec (workload.env[].secretKeyRef, workload.redis.passwordSecret), or fix the name`
          : `generate ConfigMap ${r.name} (workload.config), or name it in the release spec (workload.env[].configMapKeyRef) if it is provided outside dist/`,
        { related: `${r.kind} ${ns}/${r.name}`, value: r.name }));
    }
  }
  return out;
};

/**
 * `entry-point-clash`: two objects that claim the same entry point, so users of one app land on the
 * other's backends (or on its canary) depending on which the controller picks (issue 13, finding 7):
 * - two production Ingresses of one class for the same host and path (ingress-nginx merges them);
 * - two HTTPRoutes attached to the same parent (name, namespace, section) for the same hostname and
 *   path, without header, query or method conditions (Gateway API conflict resolution then picks the
 *   oldest route: which one depends on creation order, not on git);
 * - two Istio Gateways selecting the same gateway pods with a server on the same port and the same
 *   host (Istio merges them in an unspecified order), and two VirtualServices bound to one gateway for
 *   the same host;
 * - two OpenShift Routes for the same host and path.
 */
const entryPointClashRule: LintRule = (ix) => {
  const out: LintFinding[] = [];
  const claims = new Map<string, { l: Located; field: (string | number)[] }>();
  const claim = (k: string, l: Located, field: (string | number)[], what: string) => {
    const first = claims.get(k);
    if (!first) { claims.set(k, { l, field }); return; }
    if (first.l === l) return;
    out.push(find('entry-point-clash', l, field,
      `${refOf(l.obj)} claims ${what}, which ${refOf(first.l.obj)} (${first.l.file}) already claims: requests for it go to one of the two unpredictably`,
      `give one of the two releases another host or path (router.host / router.hostnames / gateway hosts in its spec)`, { related: refOf(first.l.obj), value: what }));
  };
  for (const ing of ix.ofKind('Ingress').filter((i) => !isCanaryIngress(i.obj))) {
    for (const p of ingressPaths(ing.obj)) claim(`ing|${ingressClassOf(ing.obj)}|${p.host}|${p.path}`, ing, p.field.slice(0, 5), `host ${p.host} path ${p.path} (ingress class '${ingressClassOf(ing.obj) || 'default'}')`);
  }
  for (const hr of ix.ofKind('HTTPRoute').filter((h) => groupOf(h.obj) === 'gateway.networking.k8s.io')) {
    const ns = hr.obj.metadata.namespace ?? '';
    const parents = listAt(hr.obj, 'spec', 'parentRefs').map((p) => `${(at(p, 'namespace') as string | undefined) ?? ns}/${at(p, 'name')}${at(p, 'sectionName') ? `#${at(p, 'sectionName')}` : ''}`);
    const hosts = listAt(hr.obj, 'spec', 'hostnames').map(String);
    listAt(hr.obj, 'spec', 'rules').forEach((rule, i) => {
      listAt(rule, 'matches').forEach((m) => {
        if (at(m, 'headers') !== undefined || at(m, 'queryParams') !== undefined || at(m, 'method') !== undefined) return;
        const path = `${at(m, 'path', 'type') ?? 'PathPrefix'} ${at(m, 'path', 'value') ?? '/'}`;
        for (const parent of parents) for (const h of hosts.length ? hosts : ['*']) claim(`hr|${parent}|${h}|${path}`, hr, ['spec', 'rules', i], `parent ${parent} hostname ${h} path ${path}`);
      });
    });
  }
  // GRPCRoutes: two on one parent for the same hostname and method; and an HTTPRoute and a GRPCRoute
  // for the same hostname on one listener, which the Gateway API forbids (the implementation rejects
  // one of them, Accepted=False reason Conflicted; Envoy Gateway enforces it). A parentRef without
  // sectionName attaches to every listener of its Gateway, so it meets any section.
  const httpHosts = new Map<string, { l: Located; section?: string }[]>();
  for (const hr of ix.ofKind('HTTPRoute').filter((h) => groupOf(h.obj) === 'gateway.networking.k8s.io')) {
    const ns = hr.obj.metadata.namespace ?? '';
    for (const p of listAt(hr.obj, 'spec', 'parentRefs')) {
      const gw = `${(at(p, 'namespace') as string | undefined) ?? ns}/${at(p, 'name')}`;
      const section = at(p, 'sectionName') as string | undefined;
      for (const h of listAt(hr.obj, 'spec', 'hostnames').map(String)) {
        const list = httpHosts.get(`${gw}|${h}`) ?? [];
        list.push({ l: hr, ...(section !== undefined ? { section } : {}) });
        httpHosts.set(`${gw}|${h}`, list);
      }
    }
  }
  for (const gr of ix.ofKind('GRPCRoute').filter((g) => groupOf(g.obj) === 'gateway.networking.k8s.io')) {
    const ns = gr.obj.metadata.namespace ?? '';
    const hosts = listAt(gr.obj, 'spec', 'hostnames').map(String);
    for (const p of listAt(gr.obj, 'spec', 'parentRefs')) {
      const gw = `${(at(p, 'namespace') as string | undefined) ?? ns}/${at(p, 'name')}`;
      const section = at(p, 'sectionName') as string | undefined;
      const parent = `${gw}${section ? `#${section}` : ''}`;
      for (const h of hosts) {
        const http = (httpHosts.get(`${gw}|${h}`) ?? []).find((x) => x.section === undefined || section === undefined || x.section === section);
        if (http) {
          out.push(find('entry-point-clash', gr, ['spec', 'hostnames'],
            `${refOf(gr.obj)} serves hostname ${h} on Gateway ${gw}${section ? ` listener ${section}` : ''}, where ${refOf(http.l.obj)} (${http.l.file}) serves it too: the Gateway API lets an HTTPRoute and a GRPCRoute share no hostname on a listener, so the Gateway rejects one of them`,
            'give one of the two releases another hostname (router.hostnames in its spec), or attach them to different listeners (parentRefs[].sectionName)', { related: refOf(http.l.obj), value: h }));
        }
      }
      listAt(gr.obj, 'spec', 'rules').forEach((rule, i) => {
        listAt(rule, 'matches').forEach((m) => {
          if (at(m, 'headers') !== undefined) return;
          const method = `${at(m, 'method', 'service') ?? '*'}/${at(m, 'method', 'method') ?? '*'}`;
          for (const h of hosts.length ? hosts : ['*']) claim(`gr|${parent}|${h}|${method}`, gr, ['spec', 'rules', i], `parent ${parent} hostname ${h} method ${method}`);
        });
      });
    }
  }
  for (const gw of ix.ofKind('Gateway').filter((g) => groupOf(g.obj) === 'networking.istio.io')) {
    const sel = Object.entries(mapAt(gw.obj, 'spec', 'selector')).sort().map(([k, v]) => `${k}=${v}`).join(',');
    listAt(gw.obj, 'spec', 'servers').forEach((srv, i) => {
      for (const h of listAt(srv, 'hosts').map(String)) claim(`igw|${sel}|${at(srv, 'port', 'number')}|${h}`, gw, ['spec', 'servers', i, 'hosts'], `port ${at(srv, 'port', 'number')} host ${h} on the gateway pods ${sel}`);
    });
  }
  for (const vs of ix.ofKind('VirtualService').filter((v) => groupOf(v.obj) === 'networking.istio.io')) {
    const ns = vs.obj.metadata.namespace ?? '';
    for (const g of listAt(vs.obj, 'spec', 'gateways').map(String)) {
      const ref = istioGatewayOf(g, ns);
      const gw = ref ? `${ref.namespace}/${ref.name}` : 'mesh';
      for (const h of listAt(vs.obj, 'spec', 'hosts').map(String)) claim(`vs|${gw}|${h}`, vs, ['spec', 'hosts'], `host ${h} on gateway ${gw}`);
    }
  }
  for (const rt of ix.ofKind('Route').filter((r) => groupOf(r.obj) === 'route.openshift.io')) {
    const host = at(rt.obj, 'spec', 'host');
    if (typeof host === 'string') claim(`rt|${host}|${at(rt.obj, 'spec', 'path') ?? '/'}`, rt, ['spec', 'host'], `host ${host} path ${at(rt.obj, 'spec', 'path') ?? '/'}`);
  }
  return out;
};

/** Every rule, in the order findings are reported. */
export const LINT_RULES: readonly LintRule[] = [
  serviceSelectorRule, networkPolicyRule, backendServiceRule, istioRule, canaryIngressRule, configRefsRule, entryPointParityRule,
  podSecurityRule, entryPointClashRule, gatewayBindingRule,
];
