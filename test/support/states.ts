/**
 * Release states built in memory from a committed reference spec: the spec's YAML document is
 * edited (canary section, versions, router options), validated with the real loader and project
 * checks (parseRelease), and rendered with the real synthesis (renderRelease). Nothing is written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document, parseAllDocuments, parseDocument } from 'yaml';
import { formatProblem } from '../../lib/spec/errors';
import { LoadedRelease, parseRelease } from '../../lib/spec/loader';
import { KubeObject } from '../../lib/synth/build';
import { PROJECT_CHECKS, renderRelease } from '../../lib/synth/project';

export const ROOT = path.resolve(__dirname, '../..');

/** The committed spec of a reference release. */
export function specText(release: string): string {
  return fs.readFileSync(path.join(ROOT, 'releases', `${release}.yaml`), 'utf8');
}

/** The spec text of a release after editing its YAML document (comments and order kept). */
export function editSpec(release: string, edit: (doc: Document) => void): string {
  const doc = parseDocument(specText(release));
  edit(doc);
  return doc.toString();
}

/** Loads a spec text as `releases/<release>.yaml` with every project check; problems as formatted lines. */
export function tryLoad(release: string, text: string): { release: LoadedRelease } | { problems: string[] } {
  const r = parseRelease(path.join(ROOT, 'releases', `${release}.yaml`), text, { checks: PROJECT_CHECKS, relativeTo: ROOT });
  return 'problems' in r ? { problems: r.problems.map(formatProblem) } : r;
}

/** Loads a spec text; throws the formatted problems. */
export function load(release: string, text: string): LoadedRelease {
  const r = tryLoad(release, text);
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.release;
}

/** One state of a release: its files (dist-relative path -> YAML) and its objects. */
export interface State {
  readonly release: LoadedRelease;
  readonly files: Map<string, string>;
  readonly objects: KubeObject[];
}

/** Renders a release state from a spec text. */
export function render(release: string, text: string): State {
  const r = load(release, text);
  const files = renderRelease(r);
  const objects: KubeObject[] = [];
  for (const [p, c] of files) {
    if (p.endsWith('/kustomization.yaml')) continue;
    for (const d of parseAllDocuments(c)) objects.push(d.toJS() as KubeObject);
  }
  return { release: r, files, objects };
}

/** The state of a release with its spec edited. */
export function stateOf(release: string, edit: (doc: Document) => void = () => undefined): State {
  return render(release, editSpec(release, edit));
}

/** The one object of a kind and name (and namespace); fails the test when absent or ambiguous. */
export function find(state: State, kind: string, name: string, namespace?: string): KubeObject {
  const hits = state.objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (hits.length !== 1) throw new Error(`expected one ${kind} ${namespace ? `${namespace}/` : ''}${name}, found ${hits.length}`);
  return hits[0];
}

/** `Kind/name` of every object of a namespace folder, sorted. */
export function inventory(state: State, folder: string): string[] {
  return [...state.files.keys()].filter((p) => p.startsWith(`${folder}/`)).map((p) => p.slice(folder.length + 1)).sort();
}

/** Files of a folder (dist-relative path -> content). */
export function folderFiles(state: State, folder: string): Map<string, string> {
  return new Map([...state.files].filter(([p]) => p.startsWith(`${folder}/`)));
}

/** Lines that differ between two renderings, as `path: -old +new`; added or removed files count as one entry. */
export function changedLines(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p);
    const y = b.get(p);
    if (x === y) continue;
    if (x === undefined || y === undefined) { out.push(`${p}: ${x === undefined ? 'added' : 'removed'}`); continue; }
    const xl = x.split('\n');
    const yl = y.split('\n');
    if (xl.length !== yl.length) { out.push(`${p}: line count ${xl.length} -> ${yl.length}`); continue; }
    xl.forEach((l, i) => { if (l !== yl[i]) out.push(`${p}: -${l.trim()} +${yl[i].trim()}`); });
  }
  return out;
}

/** Files as a plain object for snapshots (sorted keys). */
export function snapshotOf(files: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...files.keys()].sort().map((k) => [k, files.get(k) as string]));
}

