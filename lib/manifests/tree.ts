import { LineCounter, parseAllDocuments } from 'yaml';
import { readPlainYamlDocuments } from '../spec/fast-yaml';
import { isRecord, Located, Manifest } from './objects';

/** A file of a dist tree that could not be read as Kubernetes objects. */
export interface TreeProblem {
  readonly file: string;
  /** 1-based line and column of the document or syntax error in the file. */
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/**
 * Reads the objects of a dist tree (relative path -> YAML text). Every YAML document with an
 * apiVersion, kind and metadata.name is an object; kustomization.yaml files are skipped (they list
 * files, not cluster objects), and so is anything that is not .yaml/.yml.
 */
export function objectsOfTree(files: ReadonlyMap<string, string>, options: { includeKustomizations?: boolean } = {}): { objects: Located[]; problems: TreeProblem[] } {
  const objects: Located[] = [];
  const problems: TreeProblem[] = [];
  for (const [file, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!/\.ya?ml$/.test(file)) continue;
    const base = file.split('/').pop() ?? file;
    if (!options.includeKustomizations && /^kustomization\.ya?ml$/.test(base)) continue;
    const release = file.includes('/') ? file.split('/')[0] : '';
    // plain YAML whose every document is an object (or empty): js-yaml's values, which `yaml` reads
    // the same (lib/spec/fast-yaml.ts); anything else is read by `yaml`, for its positions
    const plain = readPlainYamlDocuments(text);
    if (plain && plain.values.every((o) => o === null || isManifest(o))) {
      for (const o of plain.values) if (o !== null) objects.push({ obj: o as Manifest, file, release });
      continue;
    }
    const lines = new LineCounter();
    const at = (offset: number) => { const p = lines.linePos(offset); return { line: p.line, col: p.col }; };
    for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
      if (doc.errors.length) {
        problems.push({ file, ...at(doc.errors[0].pos[0]), message: `not valid YAML (${doc.errors[0].message.split('\n')[0]})` });
        continue;
      }
      const o = doc.toJS({ maxAliasCount: 100 }) as unknown;
      if (o === null || o === undefined) continue;
      if (!isManifest(o)) {
        problems.push({ file, ...at(doc.contents?.range?.[0] ?? doc.range[0]), message: 'a document is not a Kubernetes object (apiVersion, kind and metadata.name are required)' });
        continue;
      }
      objects.push({ obj: o, file, release });
    }
  }
  return { objects, problems };
}

function isManifest(o: unknown): o is Manifest {
  return isRecord(o) && typeof o.apiVersion === 'string' && typeof o.kind === 'string' && isRecord(o.metadata) && typeof o.metadata.name === 'string';
}
