import { SourceDocument } from '../spec/document';
import { SpecProblem } from '../spec/errors';
import { dns1123LabelError, labelValueError, objectNameError, qualifiedNameError } from '../spec/k8s-names';
import { KubeObject } from './build';

/**
 * Every name and label of the objects a spec generates, against Kubernetes' rules (lib/spec/k8s-names):
 * object names by kind, namespaces, label and annotation keys, and the label values of metadata,
 * pod templates and selectors. The spec's own checks catch the usual causes with their exact field
 * (a release name too long for its canary, a version too long for a label); this is the backstop
 * for every other generated name, so nothing the API server would reject reaches dist/. Problems
 * point at the spec's `name`.
 */
export function generatedNameProblems(objects: readonly KubeObject[], src: SourceDocument): SpecProblem[] {
  const out: SpecProblem[] = [];
  const seen = new Set<string>();
  // `what` is a function: the message is built only for a name that breaks a rule (most never do)
  const add = (what: () => string, err: string | undefined, value: string) => {
    if (!err) return;
    const message = `this spec generates ${what()}, which ${err}`;
    if (seen.has(message)) return;
    seen.add(message);
    out.push(src.problem(['name'], message, 'shorten or change the name, version or label the spec gives it (see workload.names and workload.versionLabel)', value));
  };
  for (const o of objects) {
    const ref = () => `${o.kind} ${o.metadata.name}`;
    add(() => `${o.kind} '${o.metadata.name}'`, objectNameError(o.kind, o.metadata.name), o.metadata.name);
    if (o.metadata.namespace !== undefined) add(() => `${ref()} in namespace '${o.metadata.namespace}'`, dns1123LabelError(o.metadata.namespace), o.metadata.namespace);
    // a Template's objects hold ${PARAMETER} placeholders, substituted when it is processed
    walkLabels(o.kind === 'Template' ? { metadata: o.metadata } : o, [], (where, map, values) => {
      for (const k in map) {
        if (!Object.prototype.hasOwnProperty.call(map, k)) continue;
        const v = map[k];
        add(() => `${ref()} with the ${where} key '${k}'`, qualifiedNameError(k), k);
        if (values && typeof v === 'string') add(() => `${ref()} with the ${where} ${k}=${v}`, labelValueError(v), v);
      }
    });
  }
  return out;
}

/** Calls `visit` on every label map (metadata labels, matchLabels, a Service selector) and annotation map. */
function walkLabels(v: unknown, at: string[], visit: (where: string, map: Record<string, unknown>, values: boolean) => void): void {
  if (Array.isArray(v)) { for (const x of v) walkLabels(x, at, visit); return; }
  if (!v || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  // for...in, not Object.entries: no array of pairs per object of every generated object (issue 19)
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    const x = o[k];
    const isMap = x !== null && typeof x === 'object' && !Array.isArray(x);
    if (isMap && (k === 'labels' || k === 'matchLabels')) visit('label', x as Record<string, unknown>, true);
    else if (isMap && k === 'annotations' && at[at.length - 1] === 'metadata') visit('annotation', x as Record<string, unknown>, false);
    else if (isMap && k === 'selector' && at.length === 1 && at[0] === 'spec' && Object.values(x as object).every((s) => typeof s === 'string')) visit('selector label', x as Record<string, unknown>, true);
    else if (x !== null && typeof x === 'object') { at.push(k); walkLabels(x, at, visit); at.pop(); } // one path array, not a copy per key
  }
}
