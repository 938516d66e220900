/**
 * Ctrl-C (and `kill`, a cancelled CI job, a closed terminal) during a move.
 *
 * Node's default for SIGINT, SIGTERM and SIGHUP is to exit at once. Between writing its files and
 * committing them, that left a move half-made: the spec and `dist/<name>/` edited and uncommitted,
 * and the repository lock file behind, until the next command repaired them (journal.ts). So, from
 * just before a move writes until its commit is made, these signals are deferred
 * (`withSignalsDeferred`): the first one is recorded, and the move stops at its next checkpoint,
 * before writing (nothing changed) or before committing (its files are put back, engine.ts), and
 * the error says which; a signal that arrives once the commit is made lets the move finish and then
 * stops the command (no push). A second signal is not deferred: the process ends as it would
 * without this module, and the journal repairs the move on the next command, as after a kill.
 * Outside that window (loading, rendering, gates such as an analysis that waits on the network)
 * nothing is deferred: Ctrl-C stops the command at once, before anything was written.
 *
 * A terminal's Ctrl-C also reaches git children (same process group): a `git commit` it kills
 * fails, and the engine then puts the files back as for any failed commit.
 */
import * as os from 'os';

/** The signals a move defers while it writes and commits. */
export const DEFERRED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A move stopped by a signal. `exitCode` is the shell's convention, 128 + the signal's number
 * (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP). The message says what was left: nothing, the
 * files put back, or the whole commit.
 */
export class InterruptedError extends Error {
  public readonly exitCode: number;
  constructor(public readonly signal: NodeJS.Signals, message: string) {
    super(message);
    this.name = 'InterruptedError';
    this.exitCode = 128 + (os.constants.signals[signal] ?? 2);
  }
}

/** What a deferring window knows: the signal received, if any. */
export interface SignalGuard {
  /** The first signal received in the window; undefined when none came. */
  readonly received: NodeJS.Signals | undefined;
  /**
   * Lets a signal that is pending run its handler (two turns of the event loop), then throws
   * `InterruptedError` with `what(signal)` as its message when one was received.
   */
  checkpoint(what: (signal: NodeJS.Signals) => string): Promise<void>;
}

/**
 * Runs `fn` with SIGINT, SIGTERM and SIGHUP deferred (see the module doc); the handlers are removed
 * when `fn` settles. A second signal in the window ends the process with that signal's default
 * action.
 */
export async function withSignalsDeferred<T>(fn: (guard: SignalGuard) => Promise<T>): Promise<T> {
  let received: NodeJS.Signals | undefined;
  const remove = () => { for (const s of DEFERRED_SIGNALS) process.removeListener(s, onSignal); };
  function onSignal(signal: NodeJS.Signals): void {
    if (received === undefined) {
      received = signal;
      return;
    }
    // the second one: stop deferring and let the default action end the process (the journal repairs)
    remove();
    process.kill(process.pid, signal);
  }
  for (const s of DEFERRED_SIGNALS) process.on(s, onSignal);
  const guard: SignalGuard = {
    get received() { return received; },
    checkpoint: async (what) => {
      // two turns: from a callback of the loop's poll phase, the first immediate runs before the
      // loop polls again, and the poll is where a signal's handler runs
      for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
      if (received !== undefined) throw new InterruptedError(received, what(received));
    },
  };
  try {
    return await fn(guard);
  } finally {
    remove();
  }
}
