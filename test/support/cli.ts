/** Runs the CLI in-process (`run(argv, io)`) and captures what it prints. */
import { run } from '../../lib/cli/main';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `cdk8s-canary -C dir ...args`, in-process. */
export async function cli(dir: string, ...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['node', 'cdk8s-canary', '-C', dir, ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
