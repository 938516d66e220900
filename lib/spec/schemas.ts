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
import groupSchema from './schema/group.schema.json';
import projectSchema from './schema/project.schema.json';
import releaseSchema from './schema/release.schema.json';
import manifestsWorkloadSchema from './schema/workload-manifests.schema.json';

/** Every schema file of the spec, by its `$id`. The files in ./schema are the single source of truth. */
export const SCHEMA_FILES: readonly object[] = [releaseSchema, nginxSchema, gatewayApiSchema, istioSchema, openshiftRouteSchema, grpcRouteSchema, projectSchema, groupSchema, analysisSchema, manifestsWorkloadSchema];

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

/** The validator of a top-level schema by `$id`, e.g. `release.schema.json`. */
export function validatorFor(id: string): ValidateFunction {
  const known = validators.get(id);
  if (known) return known;
  const cached = cacheDir ? loadCompiled(cacheDir, id) : undefined;
  const v = cached ?? specAjv().getSchema(id);
  if (!v) throw new Error(`internal: schema ${id} is not registered`);
  if (cacheDir && !cached) saveCompiled(cacheDir, id);
  validators.set(id, v);
  return v;
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
