/** Runs the CLI in-process (`run(argv, io)`) and captures what it prints. */
import { run } from '../../lib/cli/main';
import { GIT_ENV } from './cli-repo';

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

/** What `runCli` gives: the shape of the compiled CLI's result (`cli` of ./cli-repo.ts). */
export interface ProcessLikeResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `cdk8s-canary -C root ...args` in-process, with the result shaped as the compiled CLI's (each
 * printed line ends in '\n') and the environment the compiled CLI gets in tests (GIT_ENV: a fixed git
 * identity, no user or system git config; plus `env`) set for the run and put back after it. For
 * tests about what a command does rather than about the process: it saves a Node start-up per call.
 */
export async function runCli(root: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessLikeResult> {
  const set = { ...GIT_ENV, ...env };
  const saved = new Map(Object.keys(set).map((k) => [k, process.env[k]] as const));
  for (const [k, v] of Object.entries(set)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    const out: string[] = [];
    const err: string[] = [];
    const status = await run(['node', 'cdk8s-canary', '-C', root, ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { status, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
  } finally {
    for (const [k, v] of saved) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}
