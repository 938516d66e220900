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
import { Git } from '../git';

export interface MoveJournal {
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
}

/** Writes the journal (atomically); returns its removal. */
export function beginMove(gitDir: string, entry: Omit<MoveJournal, 'pid' | 'host' | 'since'>): () => void {
  const file = journalFile(gitDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), ...entry } satisfies MoveJournal)}\n`);
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

/** `<git dir>/cdk8s-canary/move.json`. */
export function journalFile(gitDir: string): string {
  return path.join(gitDir, 'cdk8s-canary', 'move.json');
}

/** Reads a journal; undefined when it is torn (the move had not begun writing). */
export function readJournal(file: string): MoveJournal | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as MoveJournal;
  } catch {
    return undefined;
  }
}

/**
 * Repairs after a move that died before its commit: unstage and restore its paths from the commit it
 * started from, and delete files it added. Run under the repository lock (recover.ts), so the move
 * that wrote the journal is not running any more. Returns what it did, one note per line, for the
 * caller to show (stderr in the CLI); throws when git's index.lock is held.
 */
export async function repairInterruptedMove(git: Git, file: string): Promise<string[]> {
  const j = readJournal(file);
  if (!j) {
    fs.rmSync(file, { force: true }); // torn write of the journal itself: the move had not begun writing
    return [];
  }
  const notes: string[] = [];
  const head = (await git.head()).commit;
  const what = `an interrupted move of ${j.release} ("${j.subject}", pid ${j.pid} since ${j.since})`;
  if (!j.commits) {
    notes.push(`note: ${what} ran with --no-commit; its edits in ${j.paths.join(', ')} are left for you to review`);
  } else if (head === j.head) {
    if (fs.existsSync(git.indexLock)) {
      throw new Error(`${what} left ${git.indexLock} behind; make sure no git process is running, delete that file, and run the command again to restore ${j.paths.join(' and ')}`);
    }
    await git.run(['reset', '-q', j.head, '--', ...j.paths]);
    await git.run(['checkout', '-q', j.head, '--', ...j.paths]);
    await git.run(['clean', '-fdq', '--', ...j.paths]);
    notes.push(`repaired ${what}: it was killed before its commit, so ${j.paths.join(' and ')} are back as in ${j.head.slice(0, 7)}; run the move again`);
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
