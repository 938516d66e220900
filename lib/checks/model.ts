import { SpecProblem } from '../spec/errors';
import { credentialHeaderValue, isSecretName } from '../spec/secrets';
import { Check } from '../spec/generated/release';
import { LoadedRelease } from '../spec/loader';
import { ReleaseModel } from '../spec/model';

/** Seconds between two attempts of a check, in the cluster and from CI alike. */
export const RETRY_DELAY_SECONDS = 2;
export const DEFAULT_CHECK_TIMEOUT_SECONDS = 5;
export const DEFAULT_CHECK_RETRIES = 2;

export type CheckMethod = NonNullable<Check['method']>;

/** A smoke check with every default resolved and every placeholder replaced. */
export interface CheckModel {
  readonly name: string;
  readonly method: CheckMethod;
  /** Path and query, starting with '/'. */
  readonly path: string;
  /** Request headers, sorted by name. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
  readonly expectStatus: number;
  /** Substring the body must contain. */
  readonly expectBody?: string;
  /** Regular expression (portable subset) some line of the body must match. */
  readonly expectBodyRegex?: string;
  readonly timeoutSeconds: number;
  readonly retries: number;
}

/** The versions placeholders stand for. */
export interface CheckVersions {
  readonly canary: string;
  readonly stable: string;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const KNOWN_PLACEHOLDERS = ['canary.version', 'stable.version'];

/**
 * The release's checks, resolved against its running canary. Pure. Throws when no canary runs:
 * checks verify a canary, and `{{canary.version}}` has no value without one.
 */
export function checksOf(release: ReleaseModel): CheckModel[] {
  if (!release.canary) throw new Error(`release ${release.name} has no canary running, so there is nothing to check`);
  const versions = { canary: release.canary.version, stable: release.stable.version };
  return (release.spec.checks ?? []).map((c) => resolveCheck(c, versions));
}

/** One check with its defaults and placeholders resolved. Pure. */
export function resolveCheck(c: Check, versions: CheckVersions): CheckModel {
  const text = (s: string) => substitute(s, versions, (v) => v);
  return {
    name: c.name,
    method: c.method ?? 'GET',
    path: text(c.path),
    headers: Object.keys(c.headers ?? {}).sort().map((k) => [k, text((c.headers as Record<string, string>)[k])] as const),
    ...(c.body !== undefined ? { body: c.body } : {}),
    expectStatus: c.expectStatus ?? 200,
    ...(c.expectBody !== undefined ? { expectBody: text(c.expectBody) } : {}),
    ...(c.expectBodyRegex !== undefined ? { expectBodyRegex: substitute(c.expectBodyRegex, versions, escapeRegex) } : {}),
    timeoutSeconds: c.timeoutSeconds ?? DEFAULT_CHECK_TIMEOUT_SECONDS,
    retries: c.retries ?? DEFAULT_CHECK_RETRIES,
  };
}

/** Longest time a check can take: every attempt timing out, with the delays between them. */
export function worstCaseSeconds(c: CheckModel): number {
  return (c.retries + 1) * c.timeoutSeconds + c.retries * RETRY_DELAY_SECONDS;
}

function substitute(s: string, versions: CheckVersions, quote: (v: string) => string): string {
  return s.replace(PLACEHOLDER, (whole, key: string) =>
    key === 'canary.version' ? quote(versions.canary) : key === 'stable.version' ? quote(versions.stable) : whole);
}

/** Escapes a version (letters, digits, '_', '.', '-') for both ERE and JavaScript. */
function escapeRegex(v: string): string {
  return v.replace(/[.[\]{}()*+?^$|\\/]/g, (c) => `\\${c}`);
}

/**
 * Why a regular expression is outside the subset on which POSIX extended expressions (grep -E,
 * used in the cluster) and JavaScript (used by `verify`) agree; undefined when it is inside.
 */
export function nonPortableRegex(re: string): string | undefined {
  let prevQuantifier = false;
  let atStart = true;
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '\\') {
      const next = re[i + 1];
      if (next === undefined) return 'it ends with a lone backslash';
      if (/[A-Za-z0-9]/.test(next)) return `'\\${next}' means different things to grep -E and JavaScript`;
      i++;
      prevQuantifier = false; atStart = false;
      continue;
    }
    if (ch === '[') {
      let j = i + 1;
      if (re[j] === '^') j++;
      if (re[j] === ']') j++;
      for (; j < re.length && re[j] !== ']'; j++) {
        if (re[j] === '\\') return 'a backslash inside [...] is literal to grep -E but an escape to JavaScript';
        if (re[j] === '[' && /[:=.]/.test(re[j + 1] ?? '')) return `POSIX classes like '[${re[j + 1]}...${re[j + 1]}]' are unknown to JavaScript`;
      }
      if (j >= re.length) return "a '[' is never closed";
      i = j;
      prevQuantifier = false; atStart = false;
      continue;
    }
    if (ch === '(' && re[i + 1] === '?') return "'(?' groups (lookarounds, non-capturing) are unknown to grep -E";
    if (ch === '*' || ch === '+' || ch === '?' || ch === '{') {
      if (ch === '{' && !/^\{\d+(,\d*)?\}/.test(re.slice(i))) return "a '{' that does not start a repetition {m}, {m,} or {m,n}; write \\{ for a literal brace";
      if (prevQuantifier) return `'${re[i - 1]}${ch}' (a stacked or lazy quantifier) means different things to grep -E and JavaScript`;
      if (atStart) return `'${ch}' at the start repeats nothing`;
      if (ch === '{') i = re.indexOf('}', i);
      prevQuantifier = true;
      continue;
    }
    prevQuantifier = false;
    atStart = ch === '(' || ch === '|';
  }
  return undefined;
}

/** Header names that carry credentials, which must not be written into dist/: the HTTP ones and any secret-looking name (`isSecretName`). */
const credentialHeaderName = (name: string) => /^(?:authorization|proxy-authorization|cookie|set-cookie)$/i.test(name) || isSecretName(name);

/** Load-time rules of `checks` beyond the schema: placeholders, portable regular expressions, no credentials. */
export function checksCheck(release: LoadedRelease): SpecProblem[] {
  const out: SpecProblem[] = [];
  const src = release.source;
  (release.model.spec.checks ?? []).forEach((c, i) => {
    const texts: [(string | number)[], string | undefined][] = [
      [['checks', i, 'path'], c.path],
      [['checks', i, 'expectBody'], c.expectBody],
      [['checks', i, 'expectBodyRegex'], c.expectBodyRegex],
      ...Object.entries(c.headers ?? {}).map(([k, v]): [(string | number)[], string] => [['checks', i, 'headers', k], v]),
    ];
    for (const [p, t] of texts) {
      for (const m of (t ?? '').matchAll(PLACEHOLDER)) {
        if (!KNOWN_PLACEHOLDERS.includes(m[1].trim())) {
          out.push(src.problem(p, `unknown placeholder '${m[0]}'`, `use one of ${KNOWN_PLACEHOLDERS.map((k) => `{{${k}}}`).join(', ')}`, t));
        }
      }
    }
    if (c.expectBodyRegex !== undefined) {
      const why = nonPortableRegex(c.expectBodyRegex);
      if (why) {
        out.push(src.problem(['checks', i, 'expectBodyRegex'], `regular expression is not portable: ${why}`,
          'write it in the subset grep -E and JavaScript agree on, e.g. [0-9] instead of \\d, [a-zA-Z0-9_] instead of \\w, \\. for a literal dot', c.expectBodyRegex));
      }
    }
    if (c.method === 'HEAD' && (c.expectBody !== undefined || c.expectBodyRegex !== undefined)) {
      out.push(src.problem(['checks', i, 'method'], 'an answer to HEAD has no body to match expectBody or expectBodyRegex against', 'use GET, or remove the body expectation', c.method));
    }
    for (const [name, value] of Object.entries(c.headers ?? {})) {
      if (credentialHeaderName(name)) {
        out.push(src.problem(['checks', i, 'headers', name], `header '${name}' carries a credential, which would be written into dist/ in plain text`,
          `check an endpoint that needs no credentials, or pass the header from CI: \`npx cdk8s-canary verify RELEASE --url BASE --header '${name}: ...'\``, '<hidden>', true));
      } else if (credentialHeaderValue(value)) {
        out.push(src.problem(['checks', i, 'headers', name], `header '${name}' has a credential as its value (an authorization scheme and its credentials), which would be written into dist/ in plain text`,
          `check an endpoint that needs no credentials, or pass the header from CI: \`npx cdk8s-canary verify RELEASE --url BASE --header '${name}: ...'\``, '<hidden>'));
      }
    }
  });
  const prod = release.model.namespaces.production;
  if (release.model.spec.checks?.length && prod === checksFolderName(release.model)) {
    out.push(src.problem(['namespaces', 'production'], `the production namespace has the name of the canary's checks folder '${prod}'`,
      'rename one of the two namespaces', prod));
  }
  return out;
}

/** Name of the dist folder holding a release's checks (next to the canary namespace's folder). */
export function checksFolderName(release: ReleaseModel): string {
  return `${release.namespaces.canary}-checks`;
}
