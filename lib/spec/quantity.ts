import { ResourceList, Resources } from './generated/release';

/** A resource list whose quantities are in the API server's canonical form. */
export type CanonicalResourceList = { readonly [K in keyof ResourceList]?: string };

/** Resource requests and limits whose quantities are in the API server's canonical form. */
export interface CanonicalResources {
  /** @default - none */
  readonly requests?: CanonicalResourceList;
  /** @default - none */
  readonly limits?: CanonicalResourceList;
}

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { 'm': -3, '': 0, 'k': 3, 'M': 6, 'G': 9, 'T': 12, 'P': 15, 'E': 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = ['', ...Object.keys(BINARY_SUFFIXES)];
const QUANTITY = /^([0-9]+)(?:\.([0-9]+))?(?:e([+-]?[0-9]+))?([a-zA-Z]*)$/;

/**
 * The form in which the Kubernetes API server stores a resource quantity (a value of a pod's
 * `resources.requests` / `limits`, a volume claim's `storage`), so that what dist/ holds is what the
 * cluster returns and neither Argo CD nor Flux sees a difference to sync forever (argo-cd #21135,
 * #17682: `cpu: "0.5"` in Git against `500m` live).
 *
 * The rules, exact (BigInt, no float), are those of k8s.io/apimachinery/pkg/api/resource:
 * - `SetDefaults_ResourceList` (pkg/apis/core/v1/defaults.go) rounds every value of a resource list
 *   up to milli precision (`RoundUp(-3)`), so `0.0001` is stored as `1m`;
 * - `Quantity.CanonicalizeBytes` (quantity.go) keeps the suffix family the value was written in and
 *   picks the largest suffix with an integer mantissa: decimal (`m`, none, `k`, `M`, `G`, `T`, `P`,
 *   `E`) in steps of 1000, so `0.5` -> `500m`, `1000m` -> `1`, `1000M` -> `1G`, `1.5k` -> `1500`;
 *   binary (`Ki` ... `Ei`) in steps of 1024, so `1.5Gi` -> `1536Mi`, `100Mi` stays — but a binary
 *   value below 1024 or not a whole number is written in decimal (`0.5Ki` -> `512`,
 *   `0.9Gi` -> `966367641600m`);
 * - zero is `0`.
 * A YAML number (`cpu: 1`, `memory: 512`) is the same quantity as its decimal spelling.
 *
 * @throws Error when `q` is not a non-negative quantity (the spec schema refuses those first).
 */
export function canonicalQuantity(q: string | number): string {
  const text = typeof q === 'number' ? String(q) : q;
  const m = QUANTITY.exec(text);
  const suffix = m?.[4] ?? '';
  const binary = BINARY_SUFFIXES[suffix];
  if (!m || (binary === undefined && DECIMAL_SUFFIXES[suffix] === undefined) || (m[3] !== undefined && suffix !== '') || (typeof q === 'number' && !Number.isFinite(q))) {
    throw new Error(`'${text}' is not a kubernetes quantity: use a number with an optional suffix such as '100m', '128Mi' or '1Gi'`);
  }
  const fraction = m[2] ?? '';
  // the value is digits / 10^scale, times 1024^binary or 10^exponent
  const digits = BigInt(m[1] + fraction);
  const decimalExponent = binary === undefined ? DECIMAL_SUFFIXES[suffix] + Number(m[3] ?? 0) : 0;
  const scale = BigInt(fraction.length) - BigInt(decimalExponent) - 3n; // in thousandths
  const numerator = digits * 1024n ** BigInt(binary ?? 0);
  const milli = scale > 0n ? ceilDiv(numerator, 10n ** scale) : numerator * 10n ** -scale;
  if (milli === 0n) return '0';
  if (binary !== undefined && milli >= 1024_000n && milli % 1000n === 0n) {
    let whole = milli / 1000n;
    let power = 0;
    while (power < BINARY_BY_POWER.length - 1 && whole % 1024n === 0n) {
      whole /= 1024n;
      power++;
    }
    return `${whole}${BINARY_BY_POWER[power]}`;
  }
  let mantissa = milli;
  let exponent = -3;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  return `${mantissa}${DECIMAL_BY_EXPONENT.get(exponent)}`;
}

/** The spec's requests and limits with each quantity in canonical form ({@link canonicalQuantity}). */
export function canonicalResources(r: Resources): CanonicalResources {
  const list = (l: ResourceList | undefined): CanonicalResourceList | undefined => l && Object.fromEntries(
    Object.entries(l).filter(([, v]) => v !== undefined).map(([k, v]) => [k, canonicalQuantity(v as string | number)]));
  const requests = list(r.requests);
  const limits = list(r.limits);
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
