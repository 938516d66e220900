import { escapeControls, SpecError, UsageError } from '../spec/errors';
import { AnalysisRefusedError } from '../moves/analysis-errors';
import { InterruptedError } from '../moves/interrupt';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad input or a refused move (and 128 + N for a move stopped by signal N: 130 for Ctrl-C). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Where the CLI prints; tests pass buffers. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

let pipeClosed = false;
/** A reader that went away (`| head`) is not an error: stop printing, keep the exit code. */
function guard(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (stream.listenerCount('error') === 0) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') { pipeClosed = true; return; }
      throw e;
    });
  }
  return stream;
}

export const processIo: Io = {
  out: (l) => { if (!pipeClosed) guard(process.stdout).write(`${l}\n`); },
  err: (l) => { guard(process.stderr).write(`${l}\n`); },
};

/** Turns an error into its message lines and exit code. */
export function reportError(e: unknown, io: Io): number {
  if (e instanceof SpecError) {
    if (e.intro !== undefined) io.err(e.intro);
    for (const line of e.message.split('\n')) io.err(line);
    io.err(`${e.problems.length} problem(s) found; nothing was written`);
    return EXIT_USAGE;
  }
  if (e instanceof UsageError) {
    io.err(`error: ${(e.lines ?? [e.message]).map(escapeControls).join('\n')}`);
    return EXIT_USAGE;
  }
  if (e instanceof InterruptedError) { // Ctrl-C: what the move left, and 128 + the signal's number
    io.err(escapeControls(e.message));
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  // a runtime error may span lines on purpose (an analysis report): each line is escaped on its own
  io.err(`error: ${msg.split('\n').map(escapeControls).join('\n')}`);
  if (e instanceof AnalysisRefusedError) return e.exitCode; // 1 failed or not measured, 3 inconclusive
  if (process.env.CDK8S_CANARY_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
  return EXIT_FAILURE;
}
