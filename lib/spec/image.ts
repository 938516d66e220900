import { parseQualifiedName } from '@swimlane/docker-reference';
import { SourceDocument } from './document';
import { SpecProblem } from './errors';

/** An image reference split by the distribution grammar: `name[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host (with port) and path, as written: `ghcr.io/org/app`, `redis`. */
  readonly name: string;
  readonly tag?: string;
  /** `algorithm:hex`, e.g. `sha256:<64 hex digits>`. */
  readonly digest?: string;
}

/**
 * The reference grammar of github.com/distribution/reference (regexp.go) in one anchored, linear-time
 * expression. @swimlane/docker-reference (a port of that package) does the parsing, but its
 * JavaScript regular expression keeps an older separator (`[-]*`) that backtracks exponentially on
 * some invalid names (`aaaaaaaaaaaaaaaaaaaaaaaaa!` takes seconds; Go's RE2 has no such problem),
 * so only strings that pass this check reach it. The tag's limit (128 characters) and the digest's
 * least length (32 hex digits) are checked apart (`isReference`): written as bounded repetitions
 * they left the linear-time proof to recheck's fuzzer, which now and then called the expression
 * polynomial (test/regex-safety.test.ts); without them its automaton checker proves it linear.
 */
const REFERENCE = /^((?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]*))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]+))?$/;

/** Whether `s` follows the reference grammar (REFERENCE, with the tag and digest lengths of regexp.go). */
function isReference(s: string): boolean {
  const m = REFERENCE.exec(s);
  return !!m && (m[2] === undefined || m[2].length <= 128) && (m[3] === undefined || m[3].length - m[3].indexOf(':') - 1 >= 32);
}

/** Longest accepted reference (a name is at most 255 characters, a tag 128, a sha512 digest 135). */
const MAX_REFERENCE = 600;

/**
 * Parses an image reference by the distribution grammar (the one `docker pull` and the kubelet use):
 * lowercase path components separated by `/`, an optional registry host first, then an optional
 * `:tag` and an optional `@algorithm:digest` (sha256, sha384, sha512 with their exact lengths).
 * Returns why it is not one (lowercase, no trailing period) instead of throwing.
 */
export function parseImageReference(s: string): ImageReference | { readonly error: string } {
  if (s.length === 0) return { error: 'it is empty' };
  if (s.length > MAX_REFERENCE) return { error: `it is longer than ${MAX_REFERENCE} characters` };
  if (!isReference(s)) {
    if (isReference(s.toLowerCase())) return { error: 'repository names must be lowercase' };
    if (/\s/.test(s)) return { error: 'it contains white space' };
    if (s.split('@')[0].split('/').some((c) => c === '..' || c === '.')) return { error: "'.' and '..' are not path components of an image name" };
    return { error: 'it does not follow the reference grammar [registry[:port]/]path[:tag][@digest]' };
  }
  try {
    const r = parseQualifiedName(s);
    const name = r.domain ? `${r.domain}/${r.repository}` : (r.repository as string);
    return { name, ...(r.tag ? { tag: r.tag } : {}), ...(r.digest ? { digest: r.digest } : {}) };
  } catch (e) {
    return { error: (e as Error).message.replace(/^invalid reference format: /, '') };
  }
}

const EXAMPLE = "'ghcr.io/org/app:1.2.3' or 'ghcr.io/org/app@sha256:<64 hex digits>'";

/**
 * Checks an image field of a spec. `repository`: a name without tag or digest (the version is
 * appended as the tag: `workload.image`, a group app's `image`); `fullHint` says where a full
 * reference goes instead. `reference`: a full reference with a tag or a digest (or both), such
 * as `stable.image`, `canary.image` and `start --image`.
 */
export function imageProblems(src: SourceDocument, at: readonly (string | number)[], value: string | undefined,
  kind: 'repository' | 'reference', fullHint = 'for a full reference (a digest, another tag) set stable.image, or pass start --image'): SpecProblem[] {
  if (value === undefined) return [];
  const r = parseImageReference(value);
  if ('error' in r) {
    return [src.problem(at, `is not an image reference: ${r.error}`, kind === 'repository'
      ? "use an image repository such as 'ghcr.io/org/app' (the version is its tag)" : `use an image reference such as ${EXAMPLE}`, value)];
  }
  if (kind === 'repository' && (r.tag !== undefined || r.digest !== undefined)) {
    const what = r.tag !== undefined && r.digest !== undefined ? 'a tag and a digest' : r.tag !== undefined ? `the tag ':${r.tag}'` : 'a digest';
    return [src.problem(at, `is the image repository, without a tag or digest, but it has ${what}`,
      `write '${r.name}' here: the version is the tag; ${fullHint}`, value)];
  }
  if (kind === 'reference' && r.tag === undefined && r.digest === undefined) {
    return [src.problem(at, 'has neither a tag nor a digest, so it would run whatever :latest is at the time', `pin it: ${r.name}:<tag> or ${r.name}@sha256:<digest>`, value)];
  }
  return [];
}
