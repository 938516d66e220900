/**
 * The README's examples as tests (test/readme.test.ts). A fenced block opts in with words after its
 * language in the fence's info string (GitHub shows only the language):
 *
 *   ```console checked          a transcript: `$ command` lines, each followed by the output it prints
 *                               (stdout and stderr together, as a terminal shows them), compared
 *   ```sh checked               commands, one a line (a trailing `\` continues it): each must succeed
 *   ```yaml checked file=PATH   the block is written to PATH in the repository, for the blocks after it
 *   ... exit=N                  the commands of the block exit N instead of 0
 *   ... session=NAME            the repository the block runs in (default: one per `##` section)
 *   ... fixture=NAME            the session is set up by NAME of test/support/readme-fixtures.ts first
 *                               (e.g. a real Prometheus holding a canary's requests)
 *
 * Blocks of a session run in README order in one temporary git repository holding a copy of the
 * project's releases/, dist/ and cdk8s-canary.yaml, committed. Commands run with bash, where `npx
 * cdk8s-canary` is the compiled CLI (bin/cdk8s-canary.js), `npx cdk8s` the cdk8s CLI, and `npm run
 * synth` the compiled app (build/main.js); git, kubectl and the shell's own tools are the real ones.
 * In expected output, `...` inside a line stands for any text, and a line that is only `...` for any
 * number of lines; commit ids (7 to 40 hex digits) match any commit id. Values that depend on the
 * clock match any value of their kind: an RFC 3339 UTC time (`2026-11-30T20:01:27Z`, with or without
 * fractional seconds) any such time, and a duration that has seconds (`23m 3s`, `1383s`: a window
 * measured up to now) any duration the CLI prints (`1h 5m`, `28m`, `28m 2s`, `1680s`). A duration
 * without seconds (`startDelay 2m`, `minSoak: 15m`) is a setting and must match as written.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './project';

/** A fenced block of the README. */
export interface ReadmeBlock {
  /** The fence's language (`console`, `sh`, `yaml`, ...); '' when none. */
  readonly lang: string;
  /** Words after the language: `checked`, `file=...`, `exit=2`, `session=...`. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The `##` section it is in. */
  readonly section: string;
}

/** Every fenced block of a Markdown text, with its section (indented fences in lists included). */
export function readmeBlocks(md: string): ReadmeBlock[] {
  const lines = md.split('\n');
  const out: ReadmeBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const h = /^## (.*)$/.exec(lines[i]);
    if (h) { section = h[1].trim(); continue; }
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const attrs: Record<string, string> = {};
    for (const w of rest.split(/\s+/).filter(Boolean)) {
      const eq = w.indexOf('=');
      attrs[eq < 0 ? w : w.slice(0, eq)] = eq < 0 ? 'true' : w.slice(eq + 1);
    }
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (lines[j].trim().startsWith(fence[0].repeat(fence.length)) && lines[j].trim().replace(/[`~]/g, '') === '') break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    out.push({ lang, attrs, text: body.join('\n'), line: i + 1, section });
    i = j;
  }
  return out;
}

/** Command lines of an `sh` block: comments and blank lines dropped, `\` continuations joined. */
export function shCommands(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!cur && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) { cur += `${line.slice(0, -1)} `; continue; }
    out.push(cur + line);
    cur = '';
  }
  if (cur) out.push(cur);
  return out;
}

/** The steps of a `console` transcript: each `$ command` and the output lines after it. */
export function transcript(text: string): { command: string; expected: string[] }[] {
  const out: { command: string; expected: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('$ ')) out.push({ command: line.slice(2), expected: [] });
    else if (out.length) {
      const last = out[out.length - 1];
      if (last.expected.length === 0 && last.command.endsWith('\\')) last.command = `${last.command.slice(0, -1)} ${line.trim()}`;
      else last.expected.push(line);
    }
  }
  for (const s of out) while (s.expected.length && s.expected[s.expected.length - 1].trim() === '') s.expected.pop();
  return out;
}

const SHA = /\b[0-9a-f]{7,40}\b/g;

function normalize(line: string): string {
  return line.replace(SHA, '<commit>').trimEnd();
}

/** An RFC 3339 UTC time as the CLI prints it (`toISOString()`, or without the milliseconds). */
const TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;
/** A duration with seconds in the expected text: `23m 3s`, `1h 2m 3s`, `1383s`. */
const CLOCK_DURATION = /\b(?:\d+h )?(?:\d+m )?\d+s\b/g;
/** Any duration the CLI prints (lib/rollout/soak.ts formatDuration, and PromQL's `1383s`). */
const ANY_DURATION = '(?:\\d+h(?: \\d+m)?|\\d+m(?: \\d+s)?|\\d+s)';
const ANY_TIME = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z';

/** The pattern of one expected line: `...` any text, clock values any value of their kind, the rest literal. */
function linePattern(expected: string): RegExp {
  const literal = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const part = (p: string) => p.split(TIME).map((q) => q.split(CLOCK_DURATION).map(literal).join(ANY_DURATION)).join(ANY_TIME);
  return new RegExp(`^${expected.split('...').map(part).join('.*')}$`);
}

/** Whether output lines match the expected lines (`...` wildcards; commit ids, times and durations as above). */
export function outputMatches(expected: readonly string[], actual: readonly string[]): boolean {
  const exp = expected.map(normalize);
  const act = actual.map(normalize);
  const lineRe = exp.map((e) => (e === '...' ? null : linePattern(e)));
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = `${i}:${j}`;
    const known = memo.get(k);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === exp.length) r = j === act.length;
    else if (lineRe[i] === null) r = go(i + 1, j) || (j < act.length && go(i, j + 1));
    else r = j < act.length && (lineRe[i] as RegExp).test(act[j]) && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** A folder with `npx` and `npm` stand-ins that run this checkout's compiled CLI and app. */
export function shimDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const node = process.execPath;
  fs.writeFileSync(path.join(dir, 'npx'), `#!/usr/bin/env bash
case "$1" in
  cdk8s-canary) shift; exec "${node}" "${path.join(REPO, 'bin/cdk8s-canary.js')}" "$@";;
  cdk8s) shift; exec "${node}" "${path.join(REPO, 'node_modules/cdk8s-cli/bin/cdk8s')}" "$@";;
  *) echo "README test: npx $1 is not available here" >&2; exit 127;;
esac
`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'npm'), `#!/usr/bin/env bash
case "$*" in
  "run synth"|"run --silent synth") exec "${node}" "${path.join(REPO, 'build/main.js')}";;
  *) echo "README test: npm $* is not run here" >&2; exit 127;;
esac
`, { mode: 0o755 });
  return dir;
}

/**
 * Runs one command line with bash in `cwd`; stdout and stderr in one stream, as a terminal shows them,
 * without trailing blank lines (a transcript cannot show them: `git log --format=%b` ends with one).
 */
export function runLine(cwd: string, line: string, env: NodeJS.ProcessEnv): { code: number | null; output: string[] } {
  const r = spawnSync('bash', ['-c', `${line} 2>&1`], { cwd, env, encoding: 'utf8' });
  const text = (r.stdout ?? '').replace(/\n+$/, '');
  return { code: r.status, output: text === '' ? [] : text.split('\n') };
}

/**
 * Every `npx cdk8s-canary ...` command line the README shows, in code blocks and inline code, with its
 * line; in the output part of a console transcript only the backquoted ones (the hints it prints).
 */
export function cliInvocations(md: string): { line: number; args: string[]; text: string }[] {
  const out: { line: number; args: string[]; text: string }[] = [];
  const outputLines = new Set<number>();
  for (const b of readmeBlocks(md)) {
    if (b.lang !== 'console') continue;
    b.text.split('\n').forEach((l, k) => { if (!l.startsWith('$ ')) outputLines.add(b.line + 1 + k); });
  }
  md.split('\n').forEach((l, i) => {
    const pattern = outputLines.has(i + 1) ? /`npx cdk8s-canary((?: +[^\s`#|&;)]+)*)`/g : /npx cdk8s-canary((?: +[^\s`#|&;)]+)*)/g;
    for (const m of l.matchAll(pattern)) {
      const args = [...m[1].matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((x) => x[1] ?? x[2] ?? x[3]);
      out.push({ line: i + 1, args, text: m[0] });
    }
  });
  return out;
}
