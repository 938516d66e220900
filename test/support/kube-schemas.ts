/**
 * Strict validation of synthesized objects against the real upstream schemas vendored in schemas/
 * (Kubernetes 1.27 definitions and the CRDs), like `kubeconform -strict`: every object schema that
 * lists its properties and does not allow unknown fields explicitly gets `additionalProperties:
 * false`, so a misspelt or invented field fails. The CRDs' CEL rules (`x-kubernetes-validations`) run
 * too, after structural defaulting, as the API server runs them (./cel-rules.ts).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import Ajv, { Options, ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { parseAllDocuments } from 'yaml';
import { celProblems, hasCelRules, withDefaults } from './cel-rules';

export const CRDS_DIR = process.env.CRDS_DIR ?? path.resolve(__dirname, '../../schemas');

interface Obj { apiVersion?: string; kind?: string; [k: string]: unknown }

let k8sDefs: Record<string, any> | undefined;
let byGvk: Map<string, () => ValidateFunction> | undefined;
const cache = new Map<string, ValidateFunction>();
/** The raw CRD schema of each apiVersion/kind that carries CEL rules. */
const celSchemas = new Map<string, any>();

function strictify(schema: any, preserve = false): any {
  if (Array.isArray(schema)) return schema.map((s) => strictify(s));
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, strictify(pv)]));
    } else if (k === 'default' || k === 'example' || k === 'enum' || k === 'const') {
      out[k] = v;
    } else {
      out[k] = strictify(v);
    }
  }
  const keepsUnknown = preserve || schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !keepsUnknown) out.additionalProperties = false;
  if (out['x-kubernetes-int-or-string'] && !out.anyOf && !out.oneOf) { delete out.type; out.anyOf = [{ type: 'integer' }, { type: 'string' }]; }
  // kube-openapi puts zero-value defaults that do not match their type in derived files; never inject them
  delete out.default;
  return out;
}

/**
 * The apiserver accepts apiVersion, kind and metadata on every custom resource whatever its schema
 * lists; some CRDs (Gateway API) spell them out, others (Istio) list only spec and status. Add them
 * where missing, typed as the explicit CRDs type them, so strictness does not reject them.
 */
function withObjectRoot(schema: any): any {
  const implicit = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
  return { ...schema, properties: { ...implicit, ...(schema.properties ?? {}) } };
}

const AJV_OPTIONS: Options = { strict: false, allErrors: true, validateFormats: false, validateSchema: false };

/**
 * Work kept between test processes (every suite validates with the same schemas): the vendored
 * files parsed, and the validators ajv compiles from them as standalone code (ajv's own code
 * generation: the same checks and error objects as the compiled function). Each entry is named by a
 * hash of everything it is made from (the file's text; the schema exactly as compiled, ajv's version
 * and options), so a changed schema, strictify or ajv never reads an old entry. Written to a temporary
 * name and renamed, so a process never reads half an entry; an entry that cannot be read is made again.
 */
const CACHE_DIR = path.resolve(__dirname, '../../node_modules/.cache/cdk8s-canary-kube-schemas');
const VERSIONS = JSON.stringify([(require('ajv/package.json') as { version: string }).version, (require('yaml/package.json') as { version: string }).version, AJV_OPTIONS]);
const hash = (...parts: string[]) => crypto.createHash('sha256').update(VERSIONS).update(parts.join('\0')).digest('hex');

function cacheWrite(file: string, text: string): void {
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch { /* no cache: the next process compiles again */ }
}

/** The documents of a YAML file as JSON values (`toJS`), parsed once for every process. */
function yamlDocuments(file: string): unknown[] {
  const text = fs.readFileSync(file, 'utf8');
  const entry = path.join(CACHE_DIR, `${hash('yaml', text)}.json`);
  try { return JSON.parse(fs.readFileSync(entry, 'utf8')) as unknown[]; } catch { /* parsed below */ }
  const docs = parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: -1 }) as unknown);
  const json = JSON.stringify(docs);
  // only what JSON keeps exactly (no undefined, dates or infinities) is kept
  if (isDeepStrictEqual(JSON.parse(json), docs)) cacheWrite(entry, json);
  return docs;
}

/**
 * `compile(ajv)` on a fresh Ajv, or the standalone code of the same compilation an earlier process
 * kept; `key`: everything the compilation depends on besides ajv's version and options.
 */
function compiled(key: string, compile: (ajv: Ajv) => ValidateFunction): ValidateFunction {
  const entry = path.join(CACHE_DIR, `${hash('ajv', key)}.js`);
  if (fs.existsSync(entry)) {
    try {
      const module = { exports: {} as { default?: ValidateFunction } };
      new Function('module', 'exports', 'require', fs.readFileSync(entry, 'utf8'))(module, module.exports, createRequire(entry));
      const v = (module.exports.default ?? module.exports) as ValidateFunction;
      if (typeof v === 'function') return v;
    } catch { /* compiled below */ }
  }
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const v = compile(ajv);
  cacheWrite(entry, standaloneCode(ajv, v));
  return v;
}

function index(): Map<string, () => ValidateFunction> {
  if (byGvk) return byGvk;
  byGvk = new Map();
  // Kubernetes 1.27
  const file = path.join(CRDS_DIR, 'cdk8s-team-cdk8s/kubernetes-schemas/v1.27.0/_definitions.json');
  k8sDefs = (JSON.parse(fs.readFileSync(file, 'utf8')) as { definitions: Record<string, any> }).definitions;
  const strictDefs = strictify(k8sDefs);
  let defsKey: string | undefined;
  for (const [name, def] of Object.entries(k8sDefs)) {
    for (const g of (def['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[]) {
      const apiVersion = g.group ? `${g.group}/${g.version}` : g.version;
      const key = `${apiVersion}/${g.kind}`;
      if (byGvk.has(key)) continue;
      byGvk.set(key, () => {
        defsKey ??= JSON.stringify(strictDefs);
        return compiled(`k8s\0${name}\0${defsKey}`, (ajv) => {
          ajv.addSchema({ $id: 'k8s', definitions: strictDefs });
          return ajv.compile({ $ref: `k8s#/definitions/${name}` });
        });
      });
    }
  }
  // CRDs
  const crdFiles: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) crdFiles.push(p);
    }
  };
  walk(CRDS_DIR);
  for (const f of crdFiles.sort()) {
    for (const doc of yamlDocuments(f)) {
      const crd = doc as any;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions ?? []) {
        const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        const schema = v.schema?.openAPIV3Schema;
        if (!schema) continue;
        if (hasCelRules(schema)) celSchemas.set(key, schema);
        byGvk.set(key, () => {
          const strict = strictify(withObjectRoot(schema));
          return compiled(`crd\0${JSON.stringify(strict)}`, (ajv) => ajv.compile(strict));
        });
      }
    }
  }
  // kustomize's own file is not a cluster object: checked by `kubectl kustomize` instead
  return byGvk;
}

/** Whether a schema is known for an apiVersion/kind. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return index().has(`${apiVersion}/${kind}`);
}

/** Problems of one object against its upstream schema; [] when valid. Unknown kinds are a problem. */
export function validateObject(obj: Obj): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  let v = cache.get(key);
  if (!v) {
    const make = index().get(key);
    if (!make) return [`no schema for ${key}`];
    v = make();
    cache.set(key, v);
  }
  if (v(obj)) {
    const cel = celSchemas.get(key);
    if (!cel) return [];
    return celProblems(cel, withDefaults(cel, obj)).map((p) => `${key} ${(obj as any).metadata?.name ?? '?'}: ${p.path} ${p.message}`);
  }
  return (v.errors ?? []).map((e) => `${key} ${(obj as any).metadata?.name ?? '?'}: ${e.instancePath || '/'} ${e.message}${e.params && (e.params as any).additionalProperty ? ` '${(e.params as any).additionalProperty}'` : ''}`);
}

/**
 * The objects of one file's YAML and their problems (`validateObject`), by the file's content: the
 * same text always gives the same result, so a file a suite validates again unchanged (the folders a
 * move did not touch) is not parsed and checked again.
 */
const byContent = new Map<string, { objects: number; problems: string[] }>();
function validateText(text: string): { objects: number; problems: string[] } {
  let r = byContent.get(text);
  if (!r) {
    const problems: string[] = [];
    let objects = 0;
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as Obj | null;
      if (!o) continue;
      objects++;
      problems.push(...validateObject(o));
    }
    r = { objects, problems };
    byContent.set(text, r);
  }
  return r;
}

/** Validates every YAML document under a folder (kustomization.yaml files excepted). */
export function validateTree(dir: string): { objects: number; problems: string[] } {
  const problems: string[] = [];
  let objects = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (!e.name.startsWith('.')) walk(p); continue; }
      if (!/\.ya?ml$/.test(e.name) || e.name === 'kustomization.yaml') continue;
      const r = validateText(fs.readFileSync(p, 'utf8'));
      objects += r.objects;
      problems.push(...r.problems.map((m) => `${path.relative(dir, p)}: ${m}`));
    }
  };
  walk(dir);
  return { objects, problems };
}
