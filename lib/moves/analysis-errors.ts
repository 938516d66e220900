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
