import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitError } from './git';
import { processAlive, ProcessIdentity, selfIdentity } from './process-identity';

/** Another process holds the repository lock of this tool. */
export class RepositoryBusyError extends GitError {
  constructor(public readonly lockFile: string, holder: string) {
    super(`another cdk8s-canary move is running in this repository (${holder}); wait for it to finish and retry, or delete ${lockFile} if that process is gone`);
    this.name = 'RepositoryBusyError';
  }
}

interface Holder extends ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * Runs `fn` holding an exclusive lock file in the git directory (`<gitDir>/<name>.lock`, created
 * with O_EXCL like git's own locks), so two moves in one work tree never interleave their
 * read-edit-commit. A second process fails at once with RepositoryBusyError and touches nothing.
 * A lock left by a process that no longer runs on this host is taken over: the lock records the
 * holder's start time and boot, so a zombie or a reused pid does not count as running
 * (process-identity.ts).
 */
export async function withRepositoryLock<T>(gitDir: string, name: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(gitDir, `${name}.lock`);
  const mine = acquire(file);
  try {
    return await fn();
  } finally {
    release(file, mine);
  }
}

function acquire(file: string): string {
  const content = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), ...selfIdentity() } satisfies Holder);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try { fs.writeSync(fd, content); } finally { fs.closeSync(fd); }
      return content;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const seen = readOr(file);
    if (seen === undefined) continue; // released meanwhile: try again
    const holder = parse(seen);
    if (holder && holder.host === os.hostname() && !processAlive(holder.pid, holder)) {
      takeOverStale(file, seen);
      continue;
    }
    throw new RepositoryBusyError(file, holder ? `pid ${holder.pid} on ${holder.host} since ${holder.since}` : 'lock file of unknown content');
  }
  throw new RepositoryBusyError(file, 'the lock changed hands repeatedly');
}

/** Moves a dead process's lock away; puts it back if another process had taken it meanwhile. */
function takeOverStale(file: string, seen: string): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (readOr(aside) !== seen) {
    try { fs.linkSync(aside, file); } catch { /* someone holds the lock again; their content is what counts */ }
  }
  fs.rmSync(aside, { force: true });
}

function release(file: string, mine: string): void {
  if (readOr(file) === mine) fs.rmSync(file, { force: true });
}

function readOr(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8'); } catch { return undefined; }
}

function parse(s: string): Holder | undefined {
  try {
    const h = JSON.parse(s) as Holder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

