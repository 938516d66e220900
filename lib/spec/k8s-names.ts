/**
 * Kubernetes' rules for names and labels (k8s.io/apimachinery/pkg/util/validation), as predicates
 * that say what is wrong. Every regular expression here is linear (test/regex-safety.test.ts).
 */

const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

/** Why `s` is not a DNS-1123 label (at most 63 lowercase letters, digits and '-'), or undefined. */
export function dns1123LabelError(s: string): string | undefined {
  if (s.length > 63) return `is ${s.length} characters long, more than the 63 of a DNS-1123 label`;
  return DNS1123_LABEL.test(s) ? undefined : 'is not a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit)';
}

/** Why `s` is not a DNS-1035 label (a DNS-1123 label starting with a letter: Service names), or undefined. */
export function dns1035LabelError(s: string): string | undefined {
  if (s.length > 63) return `is ${s.length} characters long, more than the 63 of a DNS-1035 label`;
  return DNS1035_LABEL.test(s) ? undefined : 'is not a DNS-1035 label (lowercase letters, digits and \'-\', starting with a letter and ending with a letter or digit)';
}

/** Why `s` is not a DNS-1123 subdomain (at most 253 characters, dot-separated DNS-1123 labels), or undefined. */
export function dns1123SubdomainError(s: string): string | undefined {
  if (s.length > 253) return `is ${s.length} characters long, more than the 253 of a DNS-1123 subdomain`;
  return DNS1123_SUBDOMAIN.test(s) ? undefined : 'is not a DNS-1123 subdomain (lowercase letters, digits, \'-\' and \'.\')';
}

/** Why `s` is not a valid label value (empty, or at most 63 of [-A-Za-z0-9_.] starting and ending alphanumeric), or undefined. */
export function labelValueError(s: string): string | undefined {
  if (s.length > 63) return `is ${s.length} characters long, more than the 63 of a label value`;
  return s === '' || QUALIFIED_NAME.test(s) ? undefined : 'is not a valid label value (letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit)';
}

/** Why `s` is not a valid label or annotation key (`[prefix/]name`), or undefined. */
export function qualifiedNameError(s: string): string | undefined {
  const slash = s.indexOf('/');
  const prefix = slash >= 0 ? s.slice(0, slash) : undefined;
  const name = slash >= 0 ? s.slice(slash + 1) : s;
  if (prefix !== undefined && dns1123SubdomainError(prefix)) return `has the prefix '${prefix}', which ${dns1123SubdomainError(prefix)}`;
  if (name.length === 0 || name.length > 63) return `has a name part of ${name.length} characters (1 to 63 allowed)`;
  return QUALIFIED_NAME.test(name) ? undefined : 'is not a qualified name (letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit, with an optional DNS prefix and \'/\')';
}

/**
 * Why an object's name is invalid for its kind, or undefined: Services need DNS-1035 labels,
 * Namespaces DNS-1123 labels, Jobs at most 63 characters (the name becomes the `job-name` label),
 * everything else a DNS-1123 subdomain.
 */
export function objectNameError(kind: string, name: string): string | undefined {
  switch (kind) {
    case 'Service': return dns1035LabelError(name);
    case 'Namespace': return dns1123LabelError(name);
    case 'Job': return name.length > 63 ? `is ${name.length} characters long, more than the 63 a Job name may have (it becomes the job-name label)` : dns1123SubdomainError(name);
    default: return dns1123SubdomainError(name);
  }
}
