/**
 * What a release spec declares as provided outside dist/ (created by hand, by a secret manager or by
 * another team). The rule is simple and needs no extra field: **a Secret, ConfigMap or Service host
 * that the spec names is declared external**. This project never generates Secrets (secrets are
 * referenced, never inlined), so every Secret a pod uses must be named in a spec, e.g.
 *
 *     workload.env[].secretKeyRef.name      -> Secret
 *     workload.env[].configMapKeyRef.name   -> ConfigMap
 *     workload.redis.passwordSecret.name    -> Secret
 *     router.tlsSecretName                  -> Secret
 *     router.routes[].destination.host      -> Service host (Istio pass-through routes)
 *     existingSecrets[].name                -> Secret (what a manifests workload's pods read)
 *
 * A reference that appears in dist/ but neither exists there nor is named in any spec is a finding:
 * a construct invented it, or a name was mistyped.
 */

/** Names declared external, project-wide. */
export interface ExternalRefs {
  readonly secrets: ReadonlySet<string>;
  readonly configMaps: ReadonlySet<string>;
  /** Service names and host names (`name`, `name.ns`, `name.ns.svc.cluster.local`). */
  readonly services: ReadonlySet<string>;
}

export const NO_EXTERNALS: ExternalRefs = { secrets: new Set(), configMaps: new Set(), services: new Set() };

const SECRET_REF_KEYS = new Set(['secretKeyRef', 'secretRef', 'passwordSecret']);
const CONFIGMAP_REF_KEYS = new Set(['configMapKeyRef', 'configMapRef']);
const HOST_KEYS = new Set(['host', 'hosts']);

/** Collects the names specs declare as external (see the module comment). Accepts any spec shape. */
export function declaredExternal(specs: readonly unknown[]): ExternalRefs {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const services = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) { for (const x of v) walk(x, key); return; }
    if (typeof v === 'string') {
      if (/secret(name)?$/i.test(key) && !SECRET_REF_KEYS.has(key)) secrets.add(v);
      else if (/configmap(name)?$/i.test(key) && !CONFIGMAP_REF_KEYS.has(key)) configMaps.add(v);
      else if (HOST_KEYS.has(key)) services.add(v.toLowerCase());
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if ((SECRET_REF_KEYS.has(key) || key === 'existingSecrets') && typeof o.name === 'string') secrets.add(o.name);
    if (CONFIGMAP_REF_KEYS.has(key) && typeof o.name === 'string') configMaps.add(o.name);
    for (const [k, x] of Object.entries(o)) walk(x, k);
  };
  for (const s of specs) walk(s, '');
  return { secrets, configMaps, services };
}
