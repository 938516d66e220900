/**
 * What a secret looks like, by name and by value. One rule set for every place that asks (release
 * and group specs, cdk8s-canary.yaml, check headers), and linear in the length of the text: these
 * run on every string of every spec, under the repository lock, so no pattern may backtrack
 * (test/regex-safety.test.ts checks every regular expression of lib/ with recheck).
 */

/** Words that, as a part of a name (`DB_PASS`, `dbPassword`, `github.token`), say "this is a secret". */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'pass', 'passwd', 'password', 'passwords', 'passphrase', 'pwd', 'secret', 'secrets', 'token', 'tokens',
  'apikey', 'credential', 'credentials', 'cred', 'creds', 'privatekey',
]);
/** Two-word names: `API_KEY`, `private-key`, `accessKey`. */
const SECRET_PAIRS: readonly (readonly [string, string])[] = [['api', 'key'], ['private', 'key'], ['access', 'key'], ['secret', 'key']];
/** Run-together names (`DBPASSWORD`, `MYSQLPASSWD`): long words found inside any word. */
const SECRET_INFIXES: readonly string[] = ['password', 'passwd', 'passphrase', 'secret', 'token', 'credential', 'apikey', 'privatekey'];

/**
 * Whether a name (env var, ConfigMap key, header, field) says its value is a secret. The name is
 * split into words at `_`, `-`, `.`, digits and camelCase humps; a secret word (pass, passwd,
 * password, pwd, secret, token, credential(s), cred(s), api key, private key, access key) anywhere
 * matches, and so does one of the long ones inside a run-together word. `PASSTHROUGH`, `BYPASS` and
 * `COMPASS_URL` do not match.
 */
export function isSecretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z]+/).filter(Boolean);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  for (let i = 0; i + 1 < words.length; i++) if (SECRET_PAIRS.some(([a, b]) => words[i] === a && words[i + 1] === b)) return true;
  const joined = words.join('');
  return SECRET_INFIXES.some((w) => joined.includes(w));
}

/** Values that are secrets whatever their field is called; each test runs in linear time. */
const SECRET_VALUES: readonly { readonly what: string; readonly test: (v: string) => boolean }[] = [
  { what: 'a private key', test: (v) => v.includes('PRIVATE KEY-----') && /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/.test(v) },
  { what: 'an AWS access key id', test: (v) => /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/.test(v) },
  { what: 'a GitHub token', test: (v) => /\bgh[pousr]_[A-Za-z0-9]{30}|\bgithub_pat_[A-Za-z0-9_]{30}/.test(v) },
  { what: 'a Slack token', test: (v) => /\bxox[abposr]-[A-Za-z0-9-]{10}/.test(v) },
  // the formats gitleaks knows by prefix (gitleaks config: stripe-access-token, slack-webhook-url,
  // gitlab-pat, npm-access-token, gcp-api-key): a fixed prefix, then a fixed count of characters
  { what: 'a Stripe key', test: (v) => /\b[rs]k_(?:live|test|prod)_[A-Za-z0-9]{10}/.test(v) },
  { what: 'a Slack webhook URL', test: (v) => /\bhooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9]{8}/.test(v) },
  { what: 'a GitLab token', test: (v) => /\bglpat-[A-Za-z0-9_-]{20}/.test(v) },
  { what: 'an npm token', test: (v) => /\bnpm_[A-Za-z0-9]{36}/.test(v) },
  { what: 'a Google API key', test: (v) => /\bAIza[0-9A-Za-z_-]{35}/.test(v) },
  { what: 'a JSON web token', test: (v) => v.includes('eyJ') && hasJwt(v) },
  { what: 'a password in a URL', test: (v) => v.includes('://') && hasUrlPassword(v) },
];

/** What kind of secret a string looks like ("a private key", ...), or undefined. Linear time. */
export function secretKind(v: string): string | undefined {
  return SECRET_VALUES.find((s) => s.test(v))?.what;
}

const isTokenChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95; // [A-Za-z0-9_-]
const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * A JSON web token: `eyJ<8+ token chars>.eyJ<8+ token chars>.<1+ token chars>`, the first `eyJ` at a
 * word boundary. One pass over the runs of token characters and dots (no position is scanned twice).
 */
function hasJwt(v: string): boolean {
  // split into segments of token characters; a JWT is three consecutive segments joined by single dots
  let segStart = 0;
  const segs: { start: number; end: number; dotAfter: boolean }[] = [];
  for (let i = 0; i <= v.length; i++) {
    const c = i < v.length ? v.charCodeAt(i) : -1;
    if (c >= 0 && isTokenChar(c)) continue;
    segs.push({ start: segStart, end: i, dotAfter: c === 46 });
    segStart = i + 1;
  }
  for (let k = 0; k + 2 < segs.length; k++) {
    const [a, b, c] = [segs[k], segs[k + 1], segs[k + 2]];
    if (!a.dotAfter || !b.dotAfter || c.end - c.start < 1) continue;
    if (!v.startsWith('eyJ', b.start) || b.end - b.start < 11) continue;
    // the header: some `eyJ` in segment a, at a word boundary, with 8+ characters after it to the dot
    for (let p = v.indexOf('eyJ', a.start); p >= 0 && p + 11 <= a.end; p = v.indexOf('eyJ', p + 1)) {
      if (p === 0 || !isWordChar(v.charCodeAt(p - 1))) return true;
    }
  }
  return false;
}

/**
 * `scheme://user:password@` anywhere: a scheme (letters first), then a user and a password, both
 * non-empty, without white space, `/` or `@` (the user also without `:`). Each `://` is looked at
 * once; the scans stop at the next `/`, so the whole test is linear.
 */
function hasUrlPassword(v: string): boolean {
  const isSchemeChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 46 || c === 45;
  const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
  for (let at = v.indexOf('://'); at >= 0; at = v.indexOf('://', at + 3)) {
    let letter = false;
    for (let i = at - 1; i >= 0 && isSchemeChar(v.charCodeAt(i)); i--) if (isLetter(v.charCodeAt(i))) { letter = true; break; }
    if (!letter) continue;
    let i = at + 3;
    const userStart = i;
    while (i < v.length) { const c = v.charCodeAt(i); if (isSpace(c) || c === 47 || c === 58 || c === 64) break; i++; }
    if (i === userStart || v.charCodeAt(i) !== 58) continue;
    const passStart = ++i;
    while (i < v.length) { const c = v.charCodeAt(i); if (isSpace(c) || c === 47 || c === 64) break; i++; }
    if (i > passStart && v.charCodeAt(i) === 64) return true;
  }
  return false;
}

/** Authorization schemes of the IANA HTTP Authentication Scheme Registry (and common API ones). */
const AUTH_SCHEMES = ['basic', 'bearer', 'digest', 'hoba', 'mutual', 'negotiate', 'ntlm', 'oauth', 'token', 'apikey', 'api-key', 'aws4-hmac-sha256', 'dpop', 'gnap', 'privatetoken', 'vapid', 'concealed'];

/**
 * Whether a header value carries a credential: `<auth scheme> <credentials>` such as `Bearer abc`
 * or `Basic dXNlcjpwdw==`. A reference to an environment variable (`Bearer $TOKEN`,
 * `Bearer ${TOKEN}`) is not a credential: it is resolved where the request is made.
 */
export function credentialHeaderValue(v: string): boolean {
  const t = v.trim();
  const sp = t.search(/\s/);
  if (sp <= 0) return false;
  const scheme = t.slice(0, sp).toLowerCase();
  if (!AUTH_SCHEMES.includes(scheme) && !/^scram-sha-[0-9]{1,3}$/.test(scheme)) return false;
  const rest = t.slice(sp).trim();
  return rest !== '' && !isEnvReference(rest);
}

/** `$NAME`, `${NAME}` or `$(NAME)`: the value of an environment variable, not the value itself. */
export function isEnvReference(v: string): boolean {
  return /^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\}|\([A-Za-z_][A-Za-z0-9_]*\))$/.test(v);
}
