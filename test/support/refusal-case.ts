import * as fs from 'fs';
import * as path from 'path';
import { cli, git, tempRepo, workingTreeFiles } from './cli-repo';
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

/** A catalogue's repository: built once (in beforeAll), every case runs in it, and it is put back after each case. */
export interface CatalogueRepo {
  readonly root: string;
  write(rel: string, content: string | Buffer): string;
  /**
   * Puts the repository back as it was built. 'all' (a case that failed, or set up more than files):
   * branch main at the baseline commit, index and working tree with it, nothing untracked (FIFOs
   * too), nothing left in .git; 'commit' (a case that committed its files and was refused with
   * nothing changed): main back at the baseline commit; 'none' (a case that changed nothing, checked):
   * only what the check cannot see, .git's lock files and the tool's folders there.
   */
  reset(how?: 'all' | 'commit' | 'none'): void;
  cleanup(): void;
}

/**
 * `repo` (a committed baseline, e.g. `synthesizedRepo(...)`) as a catalogue's repository: each case
 * commits its bad input there and `reset` takes it back, a git call or two instead of a copy of the
 * repository per case.
 */
export function catalogueRepo(repo: ReturnType<typeof tempRepo>): CatalogueRepo {
  const { root } = repo;
  const base = git(root, 'rev-parse', 'HEAD').trim();
  const dropSpecial = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git' && d === root) continue;
      if (e.isDirectory()) dropSpecial(path.join(d, e.name));
      else if (!e.isFile() && !e.isSymbolicLink()) fs.rmSync(path.join(d, e.name)); // FIFOs: git clean leaves them
    }
  };
  const reset = (how: 'all' | 'commit' | 'none' = 'all') => {
    const onMain = fs.readFileSync(path.join(root, '.git', 'HEAD'), 'utf8') === 'ref: refs/heads/main\n';
    if (how === 'all') {
      git(root, 'checkout', '-q', '-f', '-B', 'main', base);
      git(root, 'clean', '-ffdxq');
      dropSpecial(root);
    } else if (how === 'commit' || !onMain) {
      git(root, 'checkout', '-q', '-f', '-B', 'main', base);
    }
    for (const e of fs.readdirSync(path.join(root, '.git'))) {
      if (e.endsWith('.lock') || e.startsWith('cdk8s-canary')) fs.rmSync(path.join(root, '.git', e), { recursive: true, force: true });
    }
  };
  return { root, write: repo.write, reset, cleanup: repo.cleanup };
}

/**
 * Runs one case in the catalogue's repository (`catalogueRepo`) and asserts the bar's refusal:
 * exit 2, nothing on stdout, no internals on stderr, the message at FILE:LINE:COL FIELD (then the
 * problem count) or, for a command line, a line matching `says`; and the working tree, dist/, the
 * specs, the index and the history exactly as before. The repository is put back afterwards.
 *
 * `via` picks how the command runs: 'compiled' starts the compiled CLI (bin/cdk8s-canary.js) as
 * users run it; 'in-process' calls the CLI's own `run()` (argv in, exit code and printed lines out),
 * which saves a Node start-up per case. A catalogue runs every case in-process and a sample of them
 * compiled too (`viaCompiled`), so the process itself (exit code, stderr, no Node warning) stays
 * covered.
 */
export async function expectRefusal(repo: CatalogueRepo, c: RefusalCase, defaultArgs: readonly string[], via: 'compiled' | 'in-process' = 'in-process'): Promise<void> {
  let unchanged = false;
  try {
    // GIVEN the bad input, committed as if it had been merged
    for (const [rel, content] of Object.entries(c.files ?? {})) repo.write(rel, content);
    if (c.files) { git(repo.root, 'add', '-A'); git(repo.root, 'commit', '-qm', `bad input: ${c.name}`); }
    c.setup?.(repo.root);
    const before = refusalState(repo.root);
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
    // no raw control character reaches the terminal
    expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/);
    // AND the working tree, dist/, the specs, the index and the history are exactly as before
    expect(refusalState(repo.root)).toEqual(before);
    unchanged = true;
  } finally {
    resetAfter(repo, c, unchanged);
  }
}

/**
 * Puts the catalogue's repository back after case `c`: all of it when the case failed or set up more
 * than files; when it was refused with nothing changed (checked), only what it committed.
 */
export function resetAfter(repo: CatalogueRepo, c: Pick<RefusalCase, 'files' | 'setup'>, unchanged: boolean): void {
  repo.reset(!unchanged || c.setup ? 'all' : c.files ? 'commit' : 'none');
}

/**
 * What a refused command must leave as it was (`repoState` of ./cli-repo.ts, in two git calls instead
 * of four): the working tree file by file, `git status` with the branch and HEAD's commit (porcelain
 * v2, which also names the index's and HEAD's object of every changed path), and every ref with its
 * object. The history needs no call of its own: a commit's id is a hash over its whole history, so
 * the same refs (and HEAD) are the same history.
 */
export function refusalState(root: string): { files: Record<string, string>; status: string; refs: string } {
  return {
    files: workingTreeFiles(root),
    status: git(root, 'status', '--porcelain=v2', '--branch', '--untracked-files=all', '--ignored'),
    refs: git(root, 'for-each-ref', '--format=%(refname) %(objectname)'),
  };
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
