/** Path matching and path notation shared by the readers. */
import { isRecord } from '../../../manifests/objects';

/** The candidate whose path `p` is the longest prefix of `path`. */
export function longestPrefix<T extends { p: string }>(xs: readonly T[], path: string): T | undefined {
  return xs.filter((x) => path.startsWith(x.p)).sort((a, b) => b.p.length - a.p.length)[0];
}

/** Path of a Gateway API match as shown: a prefix as itself, `= /x` for exact, `~ re` for a regex. */
export function pathMatchText(type: string | undefined, value: string | undefined): string {
  const v = value ?? '/';
  if (type === 'Exact') return `= ${v}`;
  if (type === 'RegularExpression') return `~ ${v}`;
  return v;
}

/** Path of an Istio URI match, same notation. */
export function istioPathText(uri: unknown): string {
  if (!isRecord(uri)) return '/';
  if (typeof uri.prefix === 'string') return uri.prefix;
  if (typeof uri.exact === 'string') return `= ${uri.exact}`;
  if (typeof uri.regex === 'string') return `~ ${uri.regex}`;
  return '/';
}
