import * as fs from 'fs';

/**
 * Who a process is, beyond its pid: its start time (clock ticks since boot, field 22 of
 * /proc/<pid>/stat) and the boot it belongs to (/proc/sys/kernel/random/boot_id). A pid alone is
 * reused by the kernel, and `kill(pid, 0)` succeeds on a zombie (a process that has exited but was
 * not reaped), so a lock or a journal records this identity and liveness compares it. Linux only:
 * elsewhere both are undefined and liveness falls back to `kill(pid, 0)`.
 */
export interface ProcessIdentity {
  /** Start time in clock ticks since boot, as a decimal string. */
  readonly start?: string;
  /** The boot id of the machine when the process was seen. */
  readonly boot?: string;
}

/** The state letter and start time of a process from /proc/<pid>/stat, or undefined (no such process, or no /proc). */
function procStat(pid: number | 'self'): { state: string; start: string } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces and ')': split after the last ')'
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try { return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { return undefined; }
}

/** This process's identity (recorded in lock files and journals). */
export function selfIdentity(): ProcessIdentity {
  const st = procStat('self');
  const boot = bootId();
  return { ...(st ? { start: st.start } : {}), ...(boot ? { boot } : {}) };
}

/**
 * Whether the process that recorded `pid` and `id` on this host still runs: not if the pid is gone,
 * a zombie, started at another time (the pid was reused), or seen in another boot. Without /proc
 * (or without a recorded identity), `kill(pid, 0)` decides; EPERM (another user's process) counts as
 * alive.
 */
export function processAlive(pid: number, id: ProcessIdentity = {}): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const boot = bootId();
  if (id.boot !== undefined && boot !== undefined && id.boot !== boot) return false;
  const st = procStat(pid);
  if (!st) return !fs.existsSync('/proc/self/stat'); // /proc exists but not this pid: gone
  if (st.state === 'Z' || st.state === 'X') return false;
  return id.start === undefined || id.start === st.start;
}
