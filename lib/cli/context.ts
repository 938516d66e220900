import { Io } from './output';

/** What every command gets: where to print, the repository root, and how to set the exit code. */
export interface CliContext {
  readonly io: Io;
  /** Repository root (`-C DIR`, default the current directory). */
  root(): string;
  setCode(code: number): void;
}
