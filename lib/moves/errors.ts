/**
 * The typed errors of lib/moves. Nothing below lib/cli/ prints or exits: the CLI maps these to
 * messages and exit codes (lib/cli/output.ts `reportError`):
 * - `MoveRefusedError` (a `UsageError`): exit 2, the move was refused before anything was written;
 * - `InvalidEditError` (a `SpecError`): exit 2, the edited spec would be invalid; nothing written;
 * - `PushConflictError` (a `GitError`): exit 1, the remote moved and the move could not be rebuilt
 *   on it; the branch is back where it was before the command;
 * - any other error: exit 1 (a runtime failure; files a move wrote are put back first).
 */
import { GitError } from '../git';
import { SpecError, SpecProblem, UsageError } from '../spec/errors';

/**
 * A move refused because of its input or the repository's state (dirty paths, detached HEAD, stale
 * dist/, a gate such as soak): nothing was written and no commit made; exit 2. The message says
 * what and why, and how to go on.
 */
export class MoveRefusedError extends UsageError {
  /** @param gate the gate that refused (`soak`, ...); undefined for the engine's own guards. */
  constructor(message: string | readonly string[], public readonly gate?: string) {
    super(message);
    this.name = 'MoveRefusedError';
  }
}

/** The spec as a move would edit it is invalid: `intro` (e.g. `the start would make releases/x.yaml invalid:`) comes before the problems. Exit 2. */
export class InvalidEditError extends SpecError {
  declare public readonly intro: string;
  constructor(intro: string, problems: readonly SpecProblem[]) {
    super(problems, intro);
    this.name = 'InvalidEditError';
  }
}

/** The remote moved and the move cannot be rebuilt on it: the branch is back where it was. Exit 1. */
export class PushConflictError extends GitError {
  constructor(message: string) {
    super(message);
    this.name = 'PushConflictError';
  }
}
