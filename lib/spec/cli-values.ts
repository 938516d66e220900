/**
 * Command-line values that end up in a spec (`start --version/--image`, `new --version/--image/
 * --namespace`), checked by the rules of the spec field they fill, so a bad value is refused naming
 * its flag before a spec is edited (the edited spec's line is in no file the user has). Pure: each
 * returns what is wrong and how to fix it, or undefined.
 */
import { parseImageReference } from './image';
import { SCHEMA_FILES } from './schemas';

/** What is wrong with a value and how to fix it, in the words of a `SpecProblem`. */
export interface ValueFault {
  readonly message: string;
  readonly hint: string;
}

interface StringDef { readonly pattern?: string; readonly minLength?: number; readonly maxLength?: number; readonly 'x-hint'?: string }

function definition(name: string): StringDef {
  const release = (SCHEMA_FILES as { $id?: string; definitions?: Record<string, StringDef> }[]).find((s) => s.$id === 'release.schema.json');
  const def = release?.definitions?.[name];
  if (!def) throw new Error(`internal: release.schema.json has no definition ${name}`);
  return def;
}

/** A string against a definition of release.schema.json (its pattern and lengths, its x-hint as the fix). */
function byDefinition(name: string, value: string): ValueFault | undefined {
  const d = definition(name);
  const hint = d['x-hint'] ?? 'see the schema';
  if (d.maxLength !== undefined && value.length > d.maxLength) return { message: `is longer than ${d.maxLength} characters`, hint };
  if (d.pattern !== undefined && !new RegExp(d.pattern).test(value)) return { message: 'has an invalid format', hint };
  return undefined;
}

/** A version (`stable.version`, `canary.version`: also the image tag). */
export function versionFault(value: string): ValueFault | undefined {
  return byDefinition('Version', value);
}

/** A namespace (a DNS-1123 label). */
export function namespaceFault(value: string): ValueFault | undefined {
  return byDefinition('DnsLabel', value);
}

/**
 * An image: `reference` (a full reference with a tag or digest: `start --image`) or `repository`
 * (without tag or digest: `new --image`), by the distribution grammar (image.ts).
 */
export function imageFault(value: string, kind: 'reference' | 'repository'): ValueFault | undefined {
  const r = parseImageReference(value);
  if ('error' in r) {
    return { message: `is not an image reference: ${r.error}`, hint: kind === 'repository' ? "use an image repository such as 'ghcr.io/org/app' (the version is its tag)" : "use an image reference such as 'ghcr.io/org/app:1.2.3' or 'ghcr.io/org/app@sha256:<64 hex digits>'" };
  }
  if (kind === 'repository' && (r.tag !== undefined || r.digest !== undefined)) {
    return { message: 'is the image repository, without a tag or digest', hint: `write '${r.name}': the version (--version) is the tag` };
  }
  if (kind === 'reference' && r.tag === undefined && r.digest === undefined) {
    return { message: 'has neither a tag nor a digest, so it would run whatever :latest is at the time', hint: `pin it: ${r.name}:<tag> or ${r.name}@sha256:<digest>` };
  }
  return undefined;
}
