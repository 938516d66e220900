/**
 * Reading the folder of a `workload.type: manifests` release: a kustomize root built with the real
 * `kubectl kustomize`, or a plain folder of YAML files. I/O at the edge: everything after this is pure.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { SourceObject } from '../spec/model';

/** File names that make a folder a kustomize root (kustomize's own list). */
export const KUSTOMIZATION_FILES: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Longest `kubectl kustomize` may run before it is stopped. */
export const KUSTOMIZE_TIMEOUT_MS = 120_000;
/** Largest plain YAML file read (a manifest is kilobytes; this stops a stray dump or binary). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** One object of a folder and where it came from, for messages. */
export interface FolderObject {
  readonly obj: SourceObject;
  /** `apps/podinfo/deployment.yaml` (plain folders), or `apps/podinfo (kubectl kustomize)`. */
  readonly from: string;
}

/** A folder read: its objects in order, or why it could not be read (a user-input problem). */
export type FolderRead =
  | { readonly source: 'kustomize' | 'plain'; readonly objects: readonly FolderObject[] }
  | { readonly error: string; readonly hint: string };

/** Thrown when a tool the folder needs is missing from this machine (a runtime failure, exit 1). */
export class ToolMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolMissingError';
  }
}

const memo = new Map<string, FolderRead>();

/**
 * Reads a manifests folder (absolute path; `shown` is how messages name it). A folder holding a
 * kustomization file is built with `kubectl kustomize` (kubectl on PATH); otherwise every `*.yaml`
 * and `*.yml` file directly in it is read, in name order, each possibly holding several documents and
 * `v1 List` objects. YAML is read as YAML 1.1, as kubectl reads it (`yes` is a boolean there).
 *
 * Results are remembered for the life of the process, keyed by the folder and a hash of every file
 * below it, so one synth or move builds each folder once however often it renders the release.
 */
export function readManifestsFolder(abs: string, shown: string): FolderRead {
  const kustomization = KUSTOMIZATION_FILES.find((f) => isFile(path.join(abs, f)));
  const key = `${abs}\0${treeHash(abs, kustomization !== undefined)}`;
  const known = memo.get(key);
  if (known) return known;
  const r = kustomization !== undefined ? kustomizeBuild(abs, shown) : plainFolder(abs, shown);
  memo.set(key, r);
  return r;
}

/**
 * A hash of what a manifests folder's read depends on (the names and contents of its files, below it
 * too for a kustomize root); '' when it cannot be read. The move's validation cache compares it.
 */
export function folderHash(abs: string): string {
  try {
    return treeHash(abs, KUSTOMIZATION_FILES.some((f) => isFile(path.join(abs, f))));
  } catch {
    return '';
  }
}

function kustomizeBuild(abs: string, shown: string): FolderRead {
  const r = spawnSync('kubectl', ['kustomize', abs], { encoding: 'utf8', timeout: KUSTOMIZE_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ToolMissingError(`kubectl is not on PATH; it builds the kustomize root ${shown} (kubectl kustomize): install kubectl`);
    }
    if ((r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      return { error: `kubectl kustomize ${shown} did not finish within ${KUSTOMIZE_TIMEOUT_MS / 1000} s`, hint: `check that \`kubectl kustomize ${shown}\` builds on its own (remote bases are slow and need the network)` };
    }
    throw r.error;
  }
  if (r.status !== 0) {
    const first = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).slice(0, 3).join(' / ').replace(/^Error: /, '');
    return { error: `kubectl kustomize ${shown} failed: ${first}`, hint: `fix the kustomization until \`kubectl kustomize ${shown}\` builds` };
  }
  return parseDocuments(r.stdout, `${shown} (kubectl kustomize)`, 'kustomize');
}

function plainFolder(abs: string, shown: string): FolderRead {
  const files = fs.readdirSync(abs, { withFileTypes: true }).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name).sort();
  if (files.length === 0) {
    return { error: `${shown} holds no *.yaml or *.yml file and no kustomization.yaml`, hint: 'put the app\'s manifests there (a Deployment and its Service at least), or a kustomization.yaml' };
  }
  const objects: FolderObject[] = [];
  for (const f of files) {
    const p = path.join(abs, f);
    const size = fs.statSync(p).size;
    if (size > MAX_MANIFEST_BYTES) return { error: `${shown}/${f} is too large (${size} bytes, limit ${MAX_MANIFEST_BYTES})`, hint: 'keep only the app\'s manifests in the folder' };
    const r = parseDocuments(fs.readFileSync(p, 'utf8'), `${shown}/${f}`, 'plain');
    if ('error' in r) return r;
    objects.push(...r.objects);
  }
  return { source: 'plain', objects };
}

/** Objects of a multi-document YAML text; `v1 List` items are unpacked, empty documents skipped. */
export function parseDocuments(text: string, from: string, source: 'kustomize' | 'plain'): FolderRead {
  const objects: FolderObject[] = [];
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  for (const [i, d] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    const where = `${from}, document ${i + 1}`;
    const err = d.errors[0];
    if (err) return { error: `${where}: yaml syntax error: ${err.message.split('\n')[0]}`, hint: 'fix the YAML syntax of the manifest' };
    let data: unknown;
    try {
      data = d.toJS({ maxAliasCount: 100 });
    } catch (e) {
      return { error: `${where}: ${(e as Error).message}`, hint: 'write the values out instead of nesting aliases' };
    }
    if (data === null || data === undefined) continue;
    const items = isRecord(data) && data.apiVersion === 'v1' && data.kind === 'List' && Array.isArray(data.items) ? data.items : [data];
    for (const item of items) {
      const bad = notAnObject(item);
      if (bad) return { error: `${where}: ${bad}`, hint: 'every document must be a Kubernetes object with apiVersion, kind and metadata.name' };
      objects.push({ obj: item as SourceObject, from });
    }
  }
  return { source, objects };
}

function notAnObject(v: unknown): string | undefined {
  if (!isRecord(v)) return `not a mapping (${Array.isArray(v) ? 'a list' : typeof v})`;
  if (typeof v.apiVersion !== 'string' || !v.apiVersion) return 'apiVersion is missing';
  if (typeof v.kind !== 'string' || !v.kind) return 'kind is missing';
  if (!isRecord(v.metadata) || typeof v.metadata.name !== 'string' || !v.metadata.name) return `${v.kind} has no metadata.name (generateName is not supported: names must be explicit)`;
  return undefined;
}

/** Hash of the names and contents of every file below a folder (recursive for kustomize roots). */
function treeHash(dir: string, recursive: boolean): string {
  const h = createHash('sha1');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (recursive) walk(p); continue; }
      if (!e.isFile()) continue;
      h.update(`${path.relative(dir, p)}\0`).update(fs.readFileSync(p)).update('\0');
    }
  };
  walk(dir);
  return h.digest('hex');
}

function isFile(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
