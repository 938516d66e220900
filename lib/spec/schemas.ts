import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type Ajv from 'ajv';
import type { Options, ValidateFunction } from 'ajv';
import analysisSchema from './schema/analysis.schema.json';
import gatewayApiSchema from './schema/router-gateway-api.schema.json';
import grpcRouteSchema from './schema/router-grpc-route.schema.json';
import istioSchema from './schema/router-istio.schema.json';
import nginxSchema from './schema/router-nginx.schema.json';
import openshiftRouteSchema from './schema/router-openshift-route.schema.json';
import fleetSchema from './schema/fleet.schema.json';
import groupSchema from './schema/group.schema.json';
import projectSchema from './schema/project.schema.json';
import releaseSchema from './schema/release.schema.json';
import manifestsWorkloadSchema from './schema/workload-manifests.schema.json';

/** Every schema file of the spec, by its `$id`. The files in ./schema are the single source of truth. */
export const SCHEMA_FILES: readonly object[] = [releaseSchema, nginxSchema, gatewayApiSchema, istioSchema, openshiftRouteSchema, grpcRouteSchema, fleetSchema, projectSchema, groupSchema, analysisSchema, manifestsWorkloadSchema];

const AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictRequired: false,
  discriminator: true,
  allowUnionTypes: true,
  code: { source: true },
};

let ajv: Ajv | undefined;
let cacheDir: string | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * The one ajv instance holding all spec schemas (compiled lazily, once per process). ajv itself is
 * loaded only here, so a process that finds its validator in the cache never loads it.
 */
export function specAjv(): Ajv {
  if (!ajv) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
    ajv = new AjvClass(AJV_OPTIONS);
    ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
    for (const s of SCHEMA_FILES) ajv.addSchema(s);
  }
  return ajv;
}

/**
 * The validator of a top-level schema by `$id`, e.g. `release.schema.json`: the one `npm run build`
 * precompiled (`build/lib/spec/compiled-validators.js`, see scripts/bundle.js) when it was made
 * from these very schemas, else the cache folder's (`cacheCompiledValidators`), else compiled now.
 * All three are ajv's code for the same schemas and options, with the same errors.
 */
export function validatorFor(id: string): ValidateFunction {
  const known = validators.get(id);
  if (known) return known;
  const built = precompiled(id);
  const cached = built ? undefined : cacheDir ? loadCompiled(cacheDir, id) : undefined;
  const v = built ?? cached ?? specAjv().getSchema(id);
  if (!v) throw new Error(`internal: schema ${id} is not registered`);
  if (cacheDir && !built && !cached) saveCompiled(cacheDir, id);
  validators.set(id, v);
  return v;
}

/**
 * Identity of the spec schemas as ajv compiles them: ajv's version, its options and the schema files.
 * The precompiled validators carry the identity they were made from; any difference ignores them.
 */
export function schemaIdentity(): string {
  return `ajv@${(require('ajv/package.json') as { version: string }).version}-${schemaDigest()}`;
}

/**
 * Set by scripts/bundle.js in build/cli.js (esbuild `define`): the digest of the options and schemas
 * bundled into that file, computed when it was built, so a command does not hash ~0.1 MB of schema
 * text before its first validation. Undeclared (typeof: undefined) everywhere else.
 */
declare const CDK8S_CANARY_SCHEMA_DIGEST: string | undefined;

/** Digest of ajv's options and the schema files (FNV-1a, 64 bits, with the text's length). */
export function schemaDigest(): string {
  if (typeof CDK8S_CANARY_SCHEMA_DIGEST === 'string') return CDK8S_CANARY_SCHEMA_DIGEST;
  // FNV-1a rather than node:crypto: loading crypto would double the cost of `status NAME`;
  // this guards against a stale build, not an adversary
  const text = `${JSON.stringify(AJV_OPTIONS)}\0${SCHEMA_FILES.map((s) => JSON.stringify(s)).join('\0')}`;
  let lo = 0x84222325 >>> 0;
  let hi = 0xcbf29ce4 >>> 0;
  for (let i = 0; i < text.length; i++) {
    lo ^= text.charCodeAt(i);
    // multiply (hi, lo) by the FNV prime 0x100000001b3 modulo 2^64, in 32-bit halves
    const l = lo * 0x1b3;
    const carry = Math.floor(l / 0x100000000);
    hi = (hi * 0x1b3 + lo * 0x100 + carry) >>> 0;
    lo = l >>> 0;
  }
  return `${text.length.toString(16)}-${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
}

/** Standalone code of every spec schema, as one CommonJS module (what `npm run build` writes). */
export function compiledValidatorsModule(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const standalone = (require('ajv/dist/standalone') as { default: (a: Ajv, refs: Record<string, string>) => string }).default;
  const ids = SCHEMA_FILES.map((s) => (s as { $id: string }).$id);
  const code = standalone(specAjv(), Object.fromEntries(ids.map((id) => [id, id])));
  return `// Generated by scripts/bundle.js (npm run build) from lib/spec/schema/: ajv standalone code. Do not edit.\n${code}\nmodule.exports[${JSON.stringify(IDENTITY_EXPORT)}] = ${JSON.stringify(schemaIdentity())};\n`;
}

const IDENTITY_EXPORT = '__schemaIdentity';
let builtValidators: Record<string, ValidateFunction> | null | undefined;

function precompiled(id: string): ValidateFunction | undefined {
  if (builtValidators === undefined) {
    builtValidators = null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require('./compiled-validators.js') as Record<string, ValidateFunction | string>;
      if (m[IDENTITY_EXPORT] === schemaIdentity()) builtValidators = m as Record<string, ValidateFunction>;
    } catch {
      // not built (tests run the TypeScript sources): compile
    }
  }
  const v = builtValidators?.[id];
  return typeof v === 'function' ? v : undefined;
}

/**
 * Keeps compiled validators (ajv standalone code) in `dir` between runs, keyed by the schemas, the
 * ajv version and its options: compiling the spec schemas costs ~0.2 s of CPU, loading the compiled
 * code ~10 ms. The rollout CLI sets this to a folder inside `.git/`. Errors are the same objects as
 * from a fresh compile (verbose included). @default - no cache: compile in every process
 */
export function cacheCompiledValidators(dir: string | undefined): void {
  cacheDir = dir;
}

function compiledFile(dir: string, id: string): string {
  const h = createHash('sha1');
  h.update(`ajv@${(require('ajv/package.json') as { version: string }).version}\0${JSON.stringify(AJV_OPTIONS)}\0${id}\0`);
  for (const s of SCHEMA_FILES) h.update(JSON.stringify(s)).update('\0');
  return path.join(dir, `validator-${h.digest('hex').slice(0, 20)}.js`);
}

function loadCompiled(dir: string, id: string): ValidateFunction | undefined {
  let code: string;
  try { code = fs.readFileSync(compiledFile(dir, id), 'utf8'); } catch { return undefined; }
  try {
    const mod = { exports: {} as Record<string, ValidateFunction> };
    new Function('require', 'module', 'exports', code)(require, mod, mod.exports);
    return typeof mod.exports.v === 'function' ? mod.exports.v : undefined;
  } catch {
    return undefined;
  }
}

function saveCompiled(dir: string, id: string): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const standalone = (require('ajv/dist/standalone') as { default: (a: Ajv, refs: Record<string, string>) => string }).default;
    const code = standalone(specAjv(), { v: id });
    const file = compiledFile(dir, id);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs time
  }
}
