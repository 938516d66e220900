/**
 * Timed pauses without a controller: a ladder rung's minimum soak time is measured from the commit
 * that put the canary on the rung (its committer time, read from git by the caller). Pure.
 */

/** How a soak stands at `now` (seconds since the epoch). */
export interface SoakState {
  readonly minSeconds: number;
  readonly elapsedSeconds: number;
  /** 0 once the soak is over. */
  readonly remainingSeconds: number;
}

/** The soak of a rung entered at `enteredAt` (seconds since the epoch), seen at `now`. */
export function soakState(minSeconds: number, enteredAt: number, now: number): SoakState {
  const elapsed = Math.max(0, Math.floor(now - enteredAt));
  return { minSeconds, elapsedSeconds: elapsed, remainingSeconds: Math.max(0, minSeconds - elapsed) };
}

/** A duration for people, never shorter than it is: `1h 5m`, `48m 10s`, `30s`, `0s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s >= 3600) {
    let h = Math.floor(s / 3600);
    let m = Math.ceil((s % 3600) / 60);
    if (m === 60) { h += 1; m = 0; }
    return m ? `${h}h ${m}m` : `${h}h`;
  }
  if (s >= 60) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m}m ${r}s` : `${m}m`;
  }
  return `${s}s`;
}
