import { SpecError, SpecProblem } from '../spec/errors';

/**
 * A move refused by the analysis gate: the analysis failed (exit 1), could not be measured (exit 1)
 * or is inconclusive (exit 3), as `analyze` exits. Nothing written, no commit. (Its own file, so
 * output.ts can map it without loading the analysis code.)
 */
export class AnalysisRefusedError extends Error {
  constructor(message: string, public readonly exitCode: number) {
    super(message);
    this.name = 'AnalysisRefusedError';
  }
}

/**
 * A credential header of an analysis whose environment variable is not set, positioned at its
 * `valueFrom.env` in the spec (a SpecError: exit 2, nothing written). Its own class so `advance`
 * stops on it instead of counting it as one release's failed move.
 */
export class MissingCredentialSpecError extends SpecError {
  constructor(problem: SpecProblem) {
    super([problem]);
    this.name = 'MissingCredentialSpecError';
  }
}
