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
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './project';
import { run } from '../../lib/cli/main';

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

/** A word of a command line the in-process runner takes as it is: no shell syntax, or all of it in single or double quotes without `$`, `` ` `` or `\\`. */
const PLAIN_WORD = /^(?:[\w@%+=:,./-]+|'[^']*'|"[^"$`\\]*")+$/;

/**
 * A line without its trailing comment as bash reads it: from a `#` that starts a word (at the start or
 * after a blank, outside quotes) to the end; the line as it is when a quote is left open (bash's to report).
 */
export function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '\'' || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/**
 * The arguments of a line that is only `npx cdk8s-canary ARGS` of plain words (see PLAIN_WORD), a
 * trailing comment allowed (`npx cdk8s-canary new shop --router nginx   # router.host`): the argv
 * bash would give the compiled CLI; undefined for anything else (pipes, redirections, variables,
 * `VAR=value npx ...`, globs, other commands), which only bash can run.
 */
export function plainCliArgs(line: string): string[] | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'npx' || words[1] !== 'cdk8s-canary') return undefined;
  const rest = withoutComment(line.trim()).trim().replace(/^npx\s+cdk8s-canary\s*/, '');
  const args: string[] = [];
  for (const m of rest.matchAll(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g)) {
    if (!PLAIN_WORD.test(m[0])) return undefined;
    args.push(m[0].replace(/'([^']*)'|"([^"]*)"/g, (_q, a, b) => a ?? b));
  }
  // what the matches skipped must be blanks only (an unclosed quote is bash's to report)
  if (rest.replace(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g, '').trim() !== '') return undefined;
  return args;
}

/** The parts of `a && b && c` (split outside quotes and before a comment, which stays in the last part); the whole line when it has other shell syntax around `&&` or none. */
export function andParts(line: string): string[] {
  const body = withoutComment(line);
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) { if (c === quote) quote = undefined; cur += c; continue; }
    if (c === '\'' || c === '"') { quote = c; cur += c; continue; }
    if (body.startsWith(' && ', i)) { parts.push(cur); cur = ''; i += 3; continue; }
    cur += c;
  }
  parts.push(cur + line.slice(body.length));
  return parts.map((p) => p.trim());
}

/** In-process runs one at a time: each sets the process's working directory and environment. */
let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * `npx cdk8s-canary ARGS` run in this process (`run` of lib/cli/main: the code bin/cdk8s-canary.js
 * runs, without a Node start-up) in `cwd` with exactly `env`, as the compiled CLI would run there
 * with `2>&1` (or, without `withStderr`, with stderr not shown): what it prints, in the order
 * printed, each line ending in a newline, and its exit code.
 */
export function runCliInProcess(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv, withStderr = true): Promise<{ code: number; text: string }> {
  const go = async () => {
    const savedEnv = { ...process.env };
    const savedCwd = process.cwd();
    for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
    for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
    process.chdir(cwd);
    try {
      let text = '';
      const code = await run(['node', 'cdk8s-canary', ...args], { out: (l) => { text += `${l}\n`; }, err: (l) => { if (withStderr) text += `${l}\n`; } });
      return { code, text };
    } finally {
      process.chdir(savedCwd);
      for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
      Object.assign(process.env, savedEnv);
    }
  };
  const p = inProcessQueue.then(go, go);
  inProcessQueue = p.catch(() => undefined);
  return p;
}

/** bash -c `line`, without blocking: its stdout (and, with `withStderr`, its stderr: `line 2>&1`) as it printed it, and its exit code. */
function bashText(cwd: string, line: string, env: NodeJS.ProcessEnv, withStderr: boolean): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', withStderr ? `${line} 2>&1` : line], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text }));
  });
}

function asLines(text: string): string[] {
  const t = text.replace(/\n+$/, '');
  return t === '' ? [] : t.split('\n');
}

/** `runLine` without blocking (the same bash command, the same output). */
export async function runLineAsync(cwd: string, line: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string[] }> {
  const r = await bashText(cwd, line, env, true);
  return { code: r.code, output: asLines(r.text) };
}

/**
 * A command line with what `runLine` gives for it, with the `npx cdk8s-canary ARGS` parts of plain
 * words (the line, or parts of it between ` && `) run in-process (`runCliInProcess`) and the other
 * parts with bash, stopping at the first that fails, as `&&` does. As in `runLine` (bash -c
 * `LINE 2>&1`), the last part's stderr is shown and the earlier parts' is not. `viaShim(args)`
 * picks CLI calls that still go through bash and the shim, the compiled CLI as a process: the
 * suites keep a sample of them.
 */
export async function runLineMixed(cwd: string, line: string, env: NodeJS.ProcessEnv, viaShim: (args: readonly string[]) => boolean = () => false): Promise<{ code: number | null; output: string[] }> {
  const parts = andParts(line);
  const inProcess = parts.map((p) => { const a = plainCliArgs(p); return a !== undefined && !viaShim(a) ? a : undefined; });
  if (inProcess.every((a) => a === undefined)) return runLineAsync(cwd, line, env);
  let text = '';
  let code: number | null = 0;
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const args = inProcess[i];
    const r = args !== undefined ? await runCliInProcess(cwd, args, env, last) : await bashText(cwd, part, env, last);
    text += r.text;
    code = r.code;
    if (code !== 0) break;
  }
  return { code, output: asLines(text) };
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
