/**
 * The move journal: a move writes `<git dir>/cdk8s-canary/move.json` before it touches its spec and
 * dist/ folders, and deletes it once its commit is made (or its files are restored after a
 * failure). If the process dies in between (SIGKILL, power loss), the next command finds the journal
 * and puts those paths back as the commit the move started from has them, so the working tree never
 * keeps a half-made move (spec edited but dist/ not, or the reverse). If the commit was made, there
 * is nothing to undo. `recoverRepository` (recover.ts) runs the repair.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Git, processAlive, ProcessIdentity, selfIdentity } from '../git';
import { createHash } from 'crypto';
import { journalFile } from './places';

export interface MoveJournal extends ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /** The commit the move started from. */
  readonly head: string;
  /** The release or group moved. */
  readonly release: string;
  /** Subject of the commit the move makes. */
  readonly subject: string;
  /** Paths the move writes, relative to the project root (where git runs): the spec file and each dist/ folder it owns. */
  readonly paths: readonly string[];
  /** Whether the move commits (`--no-commit` leaves its edits on purpose). */
  readonly commits: boolean;
  /**
   * What the move writes: for every file under `paths` it changes (relative to the project root),
   * the SHA-256 of the bytes it writes, or null for a file it deletes. A repair puts back only files
   * that still hold exactly these bytes, so an edit made after the kill is never thrown away.
   * @default - absent in journals of older versions: then nothing is restored automatically
   */
  readonly wrote?: Readonly<Record<string, string | null>>;
}

/** Writes the journal (atomically); returns its removal. */
export function beginMove(gitDir: string, entry: Omit<MoveJournal, 'pid' | 'host' | 'since' | 'start' | 'boot'>): () => void {
  const file = journalFile(gitDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), ...selfIdentity(), ...entry } satisfies MoveJournal)}\n`);
  fs.renameSync(tmp, file);
  return () => fs.rmSync(file, { force: true });
}

/**
 * The commit HEAD points at, read from the git directory's files (no git process: a move runs this
 * on every call); undefined when it cannot tell (packed or unusual refs), then ask git.
 */
export function readHeadCommit(gitDir: string): string | undefined {
  try {
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    const common = fs.existsSync(path.join(gitDir, 'commondir')) ? path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      try {
        const sha = fs.readFileSync(path.join(dir, ref), 'utf8').trim();
        if (/^[0-9a-f]{40,64}$/.test(sha)) return sha;
      } catch { /* not a loose ref here */ }
    }
    const packed = fs.readFileSync(path.join(common, 'packed-refs'), 'utf8');
    return new RegExp(`^([0-9a-f]{40,64}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1];
  } catch {
    return undefined;
  }
}

/** Reads a journal; undefined when it is torn (the move had not begun writing). */
export function readJournal(file: string): MoveJournal | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as MoveJournal;
  } catch {
    return undefined;
  }
}

/** SHA-256 of bytes or a string (as UTF-8), hex: what a journal records per file. */
export function contentHash(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Git's own lock files in a repository: the index, HEAD, packed-refs and every branch ref's. */
export function gitLockFiles(gitDir: string): string[] {
  const out = ['index.lock', 'HEAD.lock', 'packed-refs.lock'].map((f) => path.join(gitDir, f)).filter((f) => fs.existsSync(f));
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.lock')) out.push(p);
    }
  };
  walk(path.join(gitDir, 'refs'));
  return out.sort();
}

/** A repair that must not proceed on its own: the message says what was found and what to do. Exit 1. */
export class RepairStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepairStoppedError';
  }
}

/**
 * Repairs after a move that died before its commit. Run under the repository lock (recover.ts), so
 * the move that wrote the journal is not running any more. Returns what it did, one note per line,
 * for the caller to show (stderr in the CLI).
 * - git lock files (index.lock, HEAD.lock, a branch's .lock) left by the kill stop the repair with
 *   their names and how to recover; the journal stays, so every command says it (not only that the
 *   repository is busy).
 * - killed before its commit: only the files that still hold exactly the bytes the move wrote are
 *   put back as the commit it started from has them (files it added are deleted); a file edited or
 *   added since (a later `replicas: 5`, a new file in dist/) stops the repair, listed, with the
 *   commands that keep or discard the move's files. Nothing is changed then.
 *
 * @throws RepairStoppedError when the repair needs the user (exit 1)
 */
export async function repairInterruptedMove(git: Git, file: string, root: string = git.root): Promise<string[]> {
  const j = readJournal(file);
  if (!j) {
    fs.rmSync(file, { force: true }); // torn write of the journal itself: the move had not begun writing
    return [];
  }
  const notes: string[] = [];
  const gone = j.host === os.hostname() && !processAlive(j.pid, j);
  const what = `an interrupted move of ${j.release} ("${j.subject}", pid ${j.pid}${gone ? ', no longer running,' : ''} since ${j.since})`;
  const locks = gitLockFiles(git.gitDir);
  if (locks.length) {
    const shown = locks.map((l) => path.relative(root, l) || l);
    throw new RepairStoppedError(`${what} was killed while git was writing, and git's lock file${locks.length > 1 ? 's' : ''} ${shown.join(', ')} ${locks.length > 1 ? 'are' : 'is'} left: git refuses to work until ${locks.length > 1 ? 'they are' : 'it is'} gone. If no git command is running now, delete ${locks.length > 1 ? 'them' : 'it'} (rm ${shown.join(' ')}) and run the command again: it then finishes the repair of the move (journal ${path.relative(root, file)})`);
  }
  const head = (await git.head()).commit;
  if (!j.commits) {
    notes.push(`note: ${what} ran with --no-commit; its edits in ${j.paths.join(', ')} are left for you to review`);
  } else if (head === j.head) {
    notes.push(...await restoreWritten(git, j, root, what));
  } else {
    const parent = (await git.tryRun(['rev-parse', '-q', '--verify', 'HEAD~1'])).stdout.trim();
    const subject = (await git.tryRun(['log', '-1', '--format=%s'])).stdout.trim();
    if (!(parent === j.head && subject === j.subject)) {
      notes.push(`note: ${what} was interrupted, and HEAD has moved since; nothing was restored: check \`git status -- ${j.paths.join(' ')}\``);
    }
  }
  fs.rmSync(file, { force: true });
  return notes;
}

/** Puts back the files of an uncommitted move that still hold what it wrote; stops on anything else. */
async function restoreWritten(git: Git, j: MoveJournal, root: string, what: string): Promise<string[]> {
  // every path that differs from the commit the move started from: changed, deleted, added (staged or not)
  const changed = new Set<string>();
  for (const line of (await git.run(['diff', '--name-only', '--no-renames', j.head, '--', ...j.paths])).split('\n')) if (line) changed.add(line);
  for (const line of (await git.run(['ls-files', '--others', '--exclude-standard', '--', ...j.paths])).split('\n')) if (line) changed.add(line);
  const prefix = (await git.run(['rev-parse', '--show-prefix'])).trim(); // git paths are relative to the top folder
  const toRoot = (p: string) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p);
  const foreign: string[] = [];
  const mine: { path: string; inHead: boolean }[] = [];
  for (const gp of [...changed].sort()) {
    const p = toRoot(gp);
    const abs = path.join(root, p);
    const now = fs.existsSync(abs) ? contentHash(fs.readFileSync(abs)) : null;
    const wrote = j.wrote?.[p];
    if (wrote === undefined || wrote !== now) { foreign.push(p); continue; }
    const inHead = (await git.tryRun(['cat-file', '-e', `${j.head}:${gp}`])).code === 0;
    mine.push({ path: p, inHead });
  }
  if (foreign.length) {
    const shown = foreign.slice(0, 8).join(', ') + (foreign.length > 8 ? `, and ${foreign.length - 8} more` : '');
    const others = j.paths.join(' ');
    throw new RepairStoppedError(`${what} was killed before its commit, and ${shown} ${foreign.length > 1 ? 'were' : 'was'} changed or added since${j.wrote ? '' : ' (this journal records no contents, so nothing is put back automatically)'}; nothing was restored. `
      + `To keep your changes and drop the move: git checkout ${j.head.slice(0, 12)} -- <the move's other files> (or leave them) and rm ${path.relative(root, journalFile(git.gitDir))}; `
      + `to drop your changes too: git checkout ${j.head.slice(0, 12)} -- ${others} && git clean -fd -- ${others} && rm ${path.relative(root, journalFile(git.gitDir))}`);
  }
  if (mine.length) {
    const gitPath = (p: string) => p.split(path.sep).join('/');
    await git.run(['reset', '-q', j.head, '--', ...j.paths]);
    const back = mine.filter((m) => m.inHead).map((m) => gitPath(m.path));
    if (back.length) await git.run(['checkout', '-q', j.head, '--', ...back]);
    for (const m of mine.filter((x) => !x.inHead)) fs.rmSync(path.join(root, m.path), { force: true });
  }
  return [`repaired ${what}: it was killed before its commit, so ${j.paths.join(' and ')} are back as in ${j.head.slice(0, 7)} (the ${mine.length} file(s) it had written; nothing else was touched); run the move again`];
}
