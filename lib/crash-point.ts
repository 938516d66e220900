/**
 * A test hook: named points where the crash-safety tests kill the process
 * (test/crash-safety.test.ts), to prove that a write or a move killed there leaves a repository the
 * next command repairs to wholly old or wholly new.
 *
 * Arming takes two variables, both set by the tests only:
 * - `CDK8S_CANARY_CRASH_AT=<point>` makes the process send itself SIGKILL the first time it reaches
 *   `<point>`; `<point>@<n>` waits for the n-th time (e.g. `write:file@500`, in the middle of a tree);
 * - `CDK8S_CANARY_TEST_HOOKS=crash-point` says the caller is a test that means it;
 * - optionally `CDK8S_CANARY_CRASH_SIGNAL=SIGINT` (or `SIGTERM`, `SIGHUP`): the process sends itself
 *   that signal at the point instead, and goes on, as when Ctrl-C lands there
 *   (test/interrupt-move.test.ts; lib/moves/interrupt.ts).
 *
 * Anything else with `CDK8S_CANARY_CRASH_AT` set is refused (`checkTestHooks` throws UsageError,
 * exit 2, and the CLI runs it before any command, so nothing is written): the variable without the
 * second one (a stray export, a copied command line), an unknown point, or a bad count. A point
 * that never fires would make a crash test pass without crashing, so unknown names are errors too.
 * Without `CDK8S_CANARY_CRASH_AT` this costs one property lookup per call.
 *
 * Points (`CRASH_POINTS`): `write:file`, `write:before-swap`, `write:decided`, `write:applying`,
 * `write:applied` (lib/synth/write.ts, any tree update), `remove:old-moved`, and `move:spec-written`,
 * `move:dist-written`, `move:before-commit`, `move:committed` (lib/moves).
 */
import { UsageError } from './spec/errors';

/** Every point the code names, in the order a move reaches them. */
export const CRASH_POINTS = [
  'move:spec-written', 'write:file', 'write:before-swap', 'write:decided', 'write:applying', 'write:applied', 'remove:old-moved',
  'move:dist-written', 'move:before-commit', 'move:committed',
] as const;

export type CrashPointName = typeof CRASH_POINTS[number];

/** The value of `CDK8S_CANARY_TEST_HOOKS` that arms the crash hook. */
export const CRASH_HOOK_ARMED = 'crash-point';

interface Armed { readonly point: CrashPointName; readonly nth: number; readonly signal?: 'SIGINT' | 'SIGTERM' | 'SIGHUP' }

let parsedFor: string | undefined;
let parsed: Armed | undefined;

/**
 * Checks the crash hook's variables: nothing to do when `CDK8S_CANARY_CRASH_AT` is unset; the armed
 * point otherwise.
 * @throws UsageError (exit 2) when `CDK8S_CANARY_CRASH_AT` is set without `CDK8S_CANARY_TEST_HOOKS=crash-point`, names an unknown point or a count that is not a positive whole number
 */
export function checkTestHooks(env: NodeJS.ProcessEnv = process.env): Armed | undefined {
  const at = env.CDK8S_CANARY_CRASH_AT;
  if (!at) return undefined;
  if (env.CDK8S_CANARY_TEST_HOOKS !== CRASH_HOOK_ARMED) {
    throw new UsageError(`CDK8S_CANARY_CRASH_AT is set (got ${JSON.stringify(at)}) but it is a test hook that kills this process mid-write; unset it (the crash-safety tests also set CDK8S_CANARY_TEST_HOOKS=${CRASH_HOOK_ARMED})`);
  }
  const m = /^([a-z-]+:[a-z-]+)(?:@(\d+))?$/.exec(at);
  const point = CRASH_POINTS.find((p) => p === m?.[1]);
  if (!m || !point) throw new UsageError(`CDK8S_CANARY_CRASH_AT names no crash point (got ${JSON.stringify(at)}); use <point> or <point>@<n> with a point of ${CRASH_POINTS.join(', ')}`);
  const nth = m[2] === undefined ? 1 : Number(m[2]);
  if (!(nth >= 1)) throw new UsageError(`CDK8S_CANARY_CRASH_AT counts from 1 (got ${JSON.stringify(at)}); use ${point}@1 or more`);
  const sig = env.CDK8S_CANARY_CRASH_SIGNAL;
  if (sig !== undefined && !(CRASH_SIGNALS as readonly string[]).includes(sig)) {
    throw new UsageError(`CDK8S_CANARY_CRASH_SIGNAL names no signal the hook sends (got ${JSON.stringify(sig)}); use one of ${CRASH_SIGNALS.join(', ')}, or unset it for SIGKILL`);
  }
  return { point, nth, ...(sig !== undefined ? { signal: sig as typeof CRASH_SIGNALS[number] } : {}) };
}

/** The signals `CDK8S_CANARY_CRASH_SIGNAL` may name (the ones a move defers); without it the hook sends SIGKILL. */
export const CRASH_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A named point: kills the process (SIGKILL, or sends `CDK8S_CANARY_CRASH_SIGNAL`) when the armed hook names it (see the module doc);
 * does nothing otherwise. Throws like `checkTestHooks` when the variables are set but not valid.
 */
export function crashPoint(name: CrashPointName): void {
  const at = process.env.CDK8S_CANARY_CRASH_AT;
  if (!at) return;
  const key = `${at}\0${process.env.CDK8S_CANARY_TEST_HOOKS ?? ''}\0${process.env.CDK8S_CANARY_CRASH_SIGNAL ?? ''}`;
  if (parsedFor !== key) {
    parsed = checkTestHooks();
    parsedFor = key;
  }
  if (!parsed || parsed.point !== name) return;
  hits.set(name, (hits.get(name) ?? 0) + 1);
  if (hits.get(name) !== parsed.nth) return;
  if (parsed.signal) { // Ctrl-C at this point: the signal's handler (if any) runs at the next turn of the event loop
    process.kill(process.pid, parsed.signal);
    return;
  }
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered on the way back from the kernel; never run another line meanwhile.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const hits = new Map<string, number>();
