import { secretKind } from './secrets';

/**
 * Problems found in user input (spec files, CLI arguments). Every problem knows where it is
 * (file, line, column, field path), what is wrong, the value seen and how to fix it.
 */
export interface SpecProblem {
  /** File the problem is in, as given to the loader (relative paths stay relative). */
  readonly file: string;
  /** 1-based line; 0 when the problem is not tied to a line (e.g. an unreadable file). */
  readonly line: number;
  /** 1-based column; 0 when not tied to a column. */
  readonly col: number;
  /** Dotted field path, e.g. `router.header.name` or `steps[2]`; empty for the whole file. */
  readonly path: string;
  /** What is wrong, lowercase, without a trailing period. */
  readonly message: string;
  /** The value seen; omitted when there is none (missing field, whole file). */
  readonly value?: unknown;
  /** How to fix it. */
  readonly hint: string;
}

/**
 * Formats a problem as `FILE:LINE:COL field.path: what is wrong (value seen); how to fix it`, on one
 * line whatever the input held: control characters are escaped (`escapeControls`).
 */
export function formatProblem(p: SpecProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  const field = p.path ? ` ${p.path}:` : '';
  const seen = p.value === undefined ? '' : ` (${describeValue(p.value)})`;
  return escapeControls(`${where}:${field} ${p.message}${seen}; ${p.hint}`);
}

/**
 * Characters a terminal acts on instead of showing, or that break a message's one line: C0 controls
 * (newline and tab included), DEL, C1 controls (NEL among them), the line and paragraph separators,
 * the bidirectional overrides and isolates (the "Trojan Source" characters), BOM and lone surrogates.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]/gu;

/**
 * Text as it may be printed: every control character (see CONTROL) as a visible escape (`\n`,
 * `\t`, `\x1b`, `\u2028`), so a name holding ESC cannot recolour the terminal and a newline in a
 * field name cannot split a `FILE:LINE:COL` line. A backslash stays as it is.
 */
export function escapeControls(s: string): string {
  return s.replace(CONTROL, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    if (named[c]) return named[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Short, single-line rendering of a value for messages. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string' && secretKind(v)) return 'got "<hidden>"'; // never echo a secret, whatever the problem
  if (typeof v === 'string') {
    const s = v.length > 60 ? `${[...v].slice(0, 57).join('')}...` : v;
    return `got ${JSON.stringify(s)}`;
  }
  if (v === null) return 'got null';
  if (Array.isArray(v)) return `got a list of ${v.length}`;
  if (typeof v === 'object') return 'got a mapping';
  return `got ${String(v)}`;
}

/**
 * Thrown when input is invalid: the CLI prints `intro` (when given), every problem, and exits 2.
 * `intro` says whose problems they are when that is not the file the command was about (e.g. a move
 * of one release refused because another spec is invalid).
 */
export class SpecError extends Error {
  public readonly problems: readonly SpecProblem[];
  public readonly intro?: string;
  constructor(problems: readonly SpecProblem[], intro?: string) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SpecError';
    this.problems = problems;
    if (intro !== undefined) this.intro = intro;
  }
}

/** Thrown for a wrong command-line call (bad argument, refused move): exit code 2. */
export class UsageError extends Error {
  /** The message's lines when it has several on purpose (each escaped on its own when printed). */
  public readonly lines?: readonly string[];

  /**
   * @param message one line, or several lines (a list of refusals): each line's control characters
   *   are escaped when printed, but the line breaks between them stay line breaks
   */
  constructor(message: string | readonly string[]) {
    super(typeof message === 'string' ? message : message.join('\n'));
    if (typeof message !== 'string') this.lines = [...message];
    this.name = 'UsageError';
  }
}

/** Renders a field path array as `a.b[2].c`. */
export function pathToString(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
