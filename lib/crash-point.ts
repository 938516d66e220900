/**
 * Named points where the crash-safety tests kill the process (test/crash-safety.test.ts).
 *
 * `CDK8S_CANARY_CRASH_AT=<point>` makes the process send itself SIGKILL the first time it reaches
 * `<point>`; `<point>@<n>` waits for the n-th time (e.g. `write:file@500`, in the middle of a tree).
 * Without the variable this is one property lookup. Any folder may import this module; it imports
 * nothing of the project.
 */
export function crashPoint(name: string): void {
  const at = process.env.CDK8S_CANARY_CRASH_AT;
  if (!at) return;
  const [point, nth] = at.split('@');
  if (point !== name) return;
  hits.set(name, (hits.get(name) ?? 0) + 1);
  if (hits.get(name) !== Number(nth ?? 1)) return;
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered on the way back from the kernel; never run another line meanwhile.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const hits = new Map<string, number>();
