/**
 * Helpers of test/readme-truth.test.ts: finding the README's blocks and the things its prose names,
 * and comparing them with the real files, schemas and commands.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO } from './project';
import { ReadmeBlock, readmeBlocks, shimDir } from './readme';
import { tempDir } from './git-repo';

export const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
export const BLOCKS: readonly ReadmeBlock[] = readmeBlocks(README);

/** Where a README block is: its `##` section and the start of its first non-blank line. */
export interface BlockRef {
  readonly section: string;
  readonly startsWith: string;
}

/** The first non-blank line of a block, trimmed. */
export function firstLine(b: ReadmeBlock): string {
  return b.text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

export function matchesRef(b: ReadmeBlock, r: BlockRef): boolean {
  return b.section === r.section && firstLine(b).startsWith(r.startsWith);
}

/** The one README block at `ref`; throws when there is none or more than one (the README changed: update the reference). */
export function block(ref: BlockRef): ReadmeBlock {
  const found = BLOCKS.filter((b) => matchesRef(b, ref));
  if (found.length !== 1) throw new Error(`README.md: ${found.length} blocks in section "${ref.section}" start with "${ref.startsWith}" (expected exactly one)`);
  return found[0];
}

/** A block's YAML as data. */
export function yamlOf(ref: BlockRef): any {
  return parse(block(ref).text);
}

/**
 * The shown-subset rule: `shown` (what a README example shows) agrees with `real` when every key it
 * shows, at every depth of mappings, has the same value in `real`; keys the README leaves out are not
 * compared; lists and scalars are compared whole. Returns the paths that differ.
 */
export function subsetDiff(shown: unknown, real: unknown, at = ''): string[] {
  if (shown && typeof shown === 'object' && !Array.isArray(shown)) {
    if (!real || typeof real !== 'object' || Array.isArray(real)) return [`${at || '.'}: the README shows a mapping, the real value is ${JSON.stringify(real)}`];
    return Object.entries(shown).flatMap(([k, v]) => (k in (real as object)
      ? subsetDiff(v, (real as Record<string, unknown>)[k], at ? `${at}.${k}` : k)
      : [`${at ? `${at}.${k}` : k}: shown in the README, absent from the real file`]));
  }
  return JSON.stringify(shown) === JSON.stringify(real) ? [] : [`${at}: README ${JSON.stringify(shown)}, real ${JSON.stringify(real)}`];
}

/** Every Kubernetes object of the YAML files under `dir` (recursively), with its file relative to `dir`. */
export function objectsUnder(dir: string): { file: string; obj: any }[] {
  const out: { file: string; obj: any }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) for (const doc of parseAllDocuments(fs.readFileSync(p, 'utf8'))) {
        const obj = doc.toJS();
        if (obj && typeof obj === 'object' && obj.kind) out.push({ file: path.relative(dir, p), obj });
      }
    }
  };
  walk(dir);
  return out;
}

/** The session environment of the README tests: git identity, no user config, `npx`/`npm` running this checkout's build. */
export function readmeEnv(): NodeJS.ProcessEnv {
  const home = tempDir('readme-truth-home-');
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_CANARY_'))),
    PATH: `${shimDir(path.join(home, 'bin'))}:${process.env.PATH}`,
    HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Reader', GIT_AUTHOR_EMAIL: 'reader@example.com', GIT_COMMITTER_NAME: 'Reader', GIT_COMMITTER_EMAIL: 'reader@example.com',
    CDK8S_CHECK_UPGRADE: 'false', NO_COLOR: '1', LC_ALL: 'C',
  };
}

/** A committed git repository holding `paths` of the project (copied) and `files` (written). */
export function projectCopy(env: NodeJS.ProcessEnv, paths: readonly string[], files: Record<string, string> = {}): string {
  const dir = tempDir('readme-truth-');
  for (const p of paths) fs.cpSync(path.join(REPO, p), path.join(dir, p), { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  // one process started from the test (a fork of the test runner costs more than git's own work here), git's three in it
  execFileSync('bash', ['-c', 'git init -q -b main && git add -A && git commit -q -m "the project"'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return dir;
}

/** Backquoted inline code spans of the README outside fenced blocks, with their line. */
export function inlineCode(md: string = README): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  // a span may wrap onto the next line: join paragraphs' lines first, keeping the line of the span's start
  const lines = md.split('\n');
  let para: { line: number; text: string }[] = [];
  const flush = () => {
    const text = para.map((p) => p.text).join('\n');
    for (const m of text.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) {
      const before = text.slice(0, m.index).split('\n').length - 1;
      out.push({ line: para[before].line, text: m[2].replace(/\s*\n\s*/g, ' ').trim() });
    }
    para = [];
  };
  lines.forEach((l, i) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(l);
    if (f) {
      flush();
      if (fence === undefined) fence = f[1];
      else if (l.trim().replace(/[`~]/g, '') === '') fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    if (l.trim() === '') { flush(); return; }
    para.push({ line: i + 1, text: l });
  });
  flush();
  return out;
}

/** The schemas of lib/spec/schema by file name. */
const SCHEMAS: Record<string, any> = Object.fromEntries(fs.readdirSync(path.join(REPO, 'lib/spec/schema'))
  .filter((f) => f.endsWith('.schema.json'))
  .map((f) => [f, JSON.parse(fs.readFileSync(path.join(REPO, 'lib/spec/schema', f), 'utf8'))]));

function resolveRef(ref: string, file: string): { node: any; file: string } {
  const [f, pointer] = ref.split('#');
  const target = f ? f : file;
  let node = SCHEMAS[target];
  if (!node) throw new Error(`schema ${target} not found (from ${file})`);
  for (const part of (pointer ?? '').split('/').filter(Boolean)) node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return { node, file: target };
}

/** Every sub-schema a node stands for: itself, its $ref target, and the branches of allOf/anyOf/oneOf/if/then/else. */
function alternatives(node: any, file: string, seen = new Set<any>()): { node: any; file: string }[] {
  if (!node || typeof node !== 'object' || seen.has(node)) return [];
  seen.add(node);
  const out = [{ node, file }];
  if (node.$ref) { const r = resolveRef(node.$ref, file); out.push(...alternatives(r.node, r.file, seen)); }
  for (const k of ['allOf', 'anyOf', 'oneOf']) for (const b of node[k] ?? []) out.push(...alternatives(b, file, seen));
  for (const k of ['if', 'then', 'else']) if (node[k]) out.push(...alternatives(node[k], file, seen));
  return out;
}

/**
 * Whether a field path (`flux.tenants[].serviceAccountName`, `router.migrateTo.acknowledged`) exists
 * in schema `file`, through $refs and every branch of a union (a router field of any router counts).
 */
export function schemaHasPath(file: string, fieldPath: string): boolean {
  const parts = fieldPath.replace(/\[[^\]]*\]/g, '.[]').split('.').filter(Boolean);
  let nodes = alternatives(SCHEMAS[file], file);
  for (const p of parts) {
    const next: { node: any; file: string }[] = [];
    for (const { node, file: f } of nodes) {
      if (p === '[]') {
        if (node.items) next.push(...alternatives(node.items, f));
      } else {
        if (node.properties?.[p]) next.push(...alternatives(node.properties[p], f));
        if (node.additionalProperties && typeof node.additionalProperties === 'object') next.push(...alternatives(node.additionalProperties, f));
        for (const [re, v] of Object.entries(node.patternProperties ?? {})) if (new RegExp(re).test(p)) next.push(...alternatives(v, f));
      }
    }
    if (!next.length) return false;
    nodes = next;
  }
  return true;
}
