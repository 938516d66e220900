/**
 * How messages name the command a user should run next. The README runs the CLI as
 * `npx cdk8s-canary ...` (the package's own bin, found by npx without a global install), so every
 * hint does too: a user can copy it as it is. Hints are composed below lib/cli/ (with the refusal
 * they belong to); `test/cli-hints.test.ts` runs each hint the CLI prints in the state it was printed in.
 */

/** The command line that runs the CLI, as the README writes it. */
export const CLI = 'npx cdk8s-canary';

/** A command to suggest, in backquotes: cliCommand('step webapp') -> "`npx cdk8s-canary step webapp`". */
export function cliCommand(args: string): string {
  return `\`${CLI} ${args}\``;
}
