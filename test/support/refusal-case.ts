import { cli, copyRepo, git, repoState } from './cli-repo';
import { runCli } from './cli';
import { CaseAt, expectedPrefix } from './catalogue-specs';

/** One case of a bad-input catalogue: a command on a committed bad input, refused. */
export interface RefusalCase {
  /** What is wrong, as in the test name "fails on ...". */
  readonly name: string;
  /** Files written (and committed, as if merged) before the command. @default - none */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** Set-up beyond files (symlinks, folders), given the repository root. @default - none */
  readonly setup?: (root: string) => void;
  /**
   * The command line after `-C <root>`; `{root}` is replaced by the repository root, and a command
   * line starting with `-C DIR` runs in DIR instead. @default - the catalogue's default command
   */
  readonly args?: readonly string[];
  /**
   * Where the message must point: the file, the text whose first occurrence marks the line and
   * column, and the field path. @default - the message names the argument; `says` must match a line
   */
  readonly at?: CaseAt;
  /** What the message must say (a part of the line that `at` points to). */
  readonly says: RegExp;
  /** How many problems the command must report, when that is part of the fault. @default - any */
  readonly problems?: number;
}

/** What no refusal may print: a stack frame, a Node warning, `undefined`, `[object Object]`. */
const INTERNALS = /^\s+at |Warning:|\bundefined\b|\[object Object\]/m;

/**
 * Runs one case in a copy of the synthesized repository at `templateRoot` and asserts the bar's
 * refusal: exit 2, nothing on stdout, no internals on stderr, the message at FILE:LINE:COL FIELD
 * (then the problem count) or, for a command line, a line matching `says`; and the working tree,
 * dist/, the specs, the index and the history exactly as before.
 *
 * `via` picks how the command runs: 'compiled' starts the compiled CLI (bin/cdk8s-canary.js) as
 * users run it; 'in-process' calls the CLI's own `run()` (argv in, exit code and printed lines out),
 * which saves a Node start-up per case. A catalogue runs every case in-process and a sample of them
 * compiled too (`viaCompiled`), so the process itself (exit code, stderr, no Node warning) stays
 * covered.
 */
export async function expectRefusal(templateRoot: string, c: RefusalCase, defaultArgs: readonly string[], via: 'compiled' | 'in-process' = 'in-process'): Promise<void> {
  const repo = copyRepo(templateRoot);
  try {
    // GIVEN the bad input, committed as if it had been merged
    for (const [rel, content] of Object.entries(c.files ?? {})) repo.write(rel, content);
    if (c.files) { git(repo.root, 'add', '-A'); git(repo.root, 'commit', '-qm', `bad input: ${c.name}`); }
    c.setup?.(repo.root);
    const before = repoState(repo.root);
    // WHEN the command runs
    const args = (c.args ?? defaultArgs).map((a) => a.replace('{root}', repo.root));
    const [dir, rest] = args[0] === '-C' ? [args[1], args.slice(2)] : [repo.root, args];
    const r = via === 'compiled' ? cli(dir, rest) : await runCli(dir, rest);
    // THEN it exits 2 with a message that points at the mistake and says how to fix it
    const lines = r.stderr.split('\n').filter(Boolean);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(r.stderr).not.toMatch(INTERNALS);
    if (c.at) {
      const prefix = expectedPrefix(repo.root, c.at);
      const line = lines.find((l) => l.startsWith(prefix));
      expect({ prefix, line, stderr: r.stderr }).toEqual({ prefix, line: expect.stringMatching(c.says), stderr: r.stderr });
      expect(lines[lines.length - 1]).toMatch(new RegExp(`^${c.problems ?? '\\d+'} problem\\(s\\) found; nothing was written$`));
    } else {
      expect({ lines }).toEqual({ lines: expect.arrayContaining([expect.stringMatching(c.says)]) });
    }
    // AND the working tree, dist/, the specs, the index and the history are exactly as before
    expect(repoState(repo.root)).toEqual(before);
  } finally {
    repo.cleanup();
  }
}

/**
 * The cases of a catalogue as `test.each` rows: [name, via, case]. Every case runs in-process, and
 * every `every`-th one (the first included) through the compiled CLI as well.
 */
export function refusalRows<C extends RefusalCase>(cases: readonly C[], every = 6): (readonly [string, 'compiled' | 'in-process', C])[] {
  return cases.flatMap((c, i) => [
    [c.name, 'in-process', c] as const,
    ...(i % every === 0 ? [[c.name, 'compiled', c] as const] : []),
  ]);
}
