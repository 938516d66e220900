/**
 * Namespaces that leave dist/ while something still lives in them (issue 13, finding 5). Deleting a
 * Namespace deletes every object in it, whoever deployed it, so a commit that drops a Namespace object
 * another release or group still deploys into is refused. (Generated Namespaces also carry
 * `argocd.argoproj.io/sync-options: Prune=false` and `kustomize.toolkit.fluxcd.io/prune: disabled`,
 * so neither engine deletes them: lib/gitops/sync-waves.ts.) Pure.
 */
import { Located } from '../manifests/objects';

/** A Namespace object that a commit removes while other objects still live in that namespace. */
export interface NamespaceRemoval {
  readonly namespace: string;
  /** dist-relative file of the Namespace object before, e.g. `cart/shop/namespace-shop.yaml`. */
  readonly file: string;
  /** The release (or group) that generated it. */
  readonly release: string;
  /** Releases (or groups) that still have objects in the namespace, with one file each. */
  readonly stillThere: readonly { readonly release: string; readonly file: string }[];
}

/** Namespace objects in `before`, missing from `after`, while `after` still has objects in them. */
export function namespaceRemovals(before: readonly Located[], after: readonly Located[]): NamespaceRemoval[] {
  const isNs = (l: Located) => l.obj.kind === 'Namespace' && l.obj.apiVersion === 'v1';
  const kept = new Set(after.filter(isNs).map((l) => l.obj.metadata.name));
  const out: NamespaceRemoval[] = [];
  for (const ns of before.filter(isNs)) {
    const name = ns.obj.metadata.name;
    if (kept.has(name)) continue;
    const users = new Map<string, string>();
    for (const l of after) if (l.obj.metadata.namespace === name && !users.has(l.release)) users.set(l.release, l.file);
    if (users.size) out.push({ namespace: name, file: ns.file, release: ns.release, stillThere: [...users].sort().map(([release, file]) => ({ release, file })) });
  }
  return out;
}

/** One message per removal, naming the releases still there and the fix. */
export function namespaceRemovalMessage(r: NamespaceRemoval, distLabel = 'dist'): string {
  const who = r.stillThere.map((s) => `${s.release} (${distLabel}/${s.file})`).join(', ');
  const first = r.stillThere[0].release;
  return `Namespace ${r.namespace} would be removed from ${distLabel}/ (it was ${distLabel}/${r.file}, generated for ${r.release}), but ${who} still ${r.stillThere.length > 1 ? 'live' : 'lives'} in it; `
    + `deleting a Namespace deletes everything in it: set createNamespaces: true in the spec of ${first} so it owns the Namespace, or move ${first} to another namespace first`;
}
