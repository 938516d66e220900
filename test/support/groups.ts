/** Release groups for tests: the S3 reference group and its change patterns, parsed like real files. */
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { formatProblem } from '../../lib/spec/errors';
import { GroupModel } from '../../lib/spec/group';
import { parseGroup, parseSpec } from '../../lib/spec/loader';
import { KubeObject, ReleaseFolder } from '../../lib/synth/build';

export const ROOT = path.resolve(__dirname, '../..');
export const S3_FILE = path.join(ROOT, 'releases/frontend-backend.yaml');
export const S3_TEXT = fs.readFileSync(S3_FILE, 'utf8');

/** Which apps change in the release: both (the reference), only the frontend, only the backend. */
export type ChangePattern = 'both' | 'F' | 'B';
export const PATTERNS: readonly ChangePattern[] = ['both', 'F', 'B'];

/** The S3 group text with edits applied to its YAML document (path -> value; undefined deletes). */
export function s3Text(edits: readonly [readonly (string | number)[], unknown][] = []): string {
  const doc = parseDocument(S3_TEXT);
  for (const [p, v] of edits) {
    if (v === undefined) doc.deleteIn(p);
    else doc.setIn(p, v);
  }
  return doc.toString();
}

/** Edits giving a change pattern. */
export function patternEdits(pattern: ChangePattern): [readonly (string | number)[], unknown][] {
  if (pattern === 'F') return [[['apps', 1, 'newVersion'], undefined]];
  if (pattern === 'B') return [[['apps', 0, 'newVersion'], undefined]];
  return [];
}

/** Parses a group text as releases/<name>.yaml; throws with the formatted problems when invalid. */
export function groupFromText(text: string, name = 'frontend-backend'): GroupModel {
  const r = parseGroup(path.join(ROOT, 'releases', `${name}.yaml`), text, { relativeTo: ROOT });
  if ('problems' in r) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.group.model;
}

/** The problems of a spec text (any kind), formatted as the CLI prints them. */
export function specProblems(text: string, name = 'frontend-backend'): string[] {
  const r = parseSpec(path.join(ROOT, 'releases', `${name}.yaml`), text, { relativeTo: ROOT });
  return 'problems' in r ? r.problems.map(formatProblem) : [];
}

/** The S3 group with a change pattern. */
export function s3Group(pattern: ChangePattern = 'both'): GroupModel {
  return groupFromText(s3Text(patternEdits(pattern)));
}

/** A group moved to another stage (and weight). */
export function at(g: GroupModel, stage: 1 | 2 | 3 | 4 | 5 | 6, weight?: number): GroupModel {
  const rest = { ...g };
  delete (rest as { weight?: number }).weight;
  return { ...rest, stage, ...(stage === 3 ? { weight: weight ?? g.steps[0] } : {}) };
}

/** Objects of one folder by kind/name. */
export function find(folders: readonly ReleaseFolder[], namespace: string, kind: string, name: string): KubeObject | undefined {
  return folders.find((f) => f.namespace === namespace)?.objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** The objects one DeploymentConfig (main or canary) of an app renders to. */
export function instanceObjects(folders: readonly ReleaseFolder[], namespace: string, dcName: string): KubeObject[] {
  const kinds = ['ImageStream', 'ConfigMap', 'DeploymentConfig', 'Deployment', 'Service', 'Route'];
  return (folders.find((f) => f.namespace === namespace)?.objects ?? [])
    .filter((o) => kinds.includes(o.kind) && (o.metadata.name === dcName || (o.kind === 'ConfigMap' && o.metadata.name === `${dcName}-config`)));
}

/** A copy of an object without Argo CD's ordering annotations (the GitOps layer, not the app). */
export function withoutGitOps<T>(o: T): T {
  const c = JSON.parse(JSON.stringify(o));
  const a = c.metadata?.annotations;
  if (a) {
    for (const k of Object.keys(a)) if (k.startsWith('argocd.argoproj.io/')) delete a[k];
    if (Object.keys(a).length === 0) delete c.metadata.annotations;
  }
  return c;
}
