/**
 * Finding the project a command works on, the way git finds its repository: from the starting folder
 * (the current directory, or `-C DIR`), walk up to the first folder that holds `releases/` or
 * `cdk8s-canary.yaml`. Every command resolves its root this way before it runs, so a command started in
 * `releases/` or `dist/webapp/` works on the whole project, and outside any project every command fails
 * with the same message (`NotInProjectError`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../spec/errors';

/** The file and the folder that mark a project's root (either is enough). */
export const PROJECT_MARKERS = { config: 'cdk8s-canary.yaml', releases: 'releases' } as const;

/** Raised (exit 2) when neither the starting folder nor any parent is a project root. */
export class NotInProjectError extends UsageError {
  constructor(readonly start: string) {
    super(`not inside a cdk8s-canary project: neither ${start} nor any parent folder holds ${PROJECT_MARKERS.releases}/ or ${PROJECT_MARKERS.config}; `
      + 'cd into your project (the folder holding releases/) or pass -C <project folder>; to start a project, run `npx cdk8s-canary new NAME --router TYPE` at the top of a git repository');
  }
}

/**
 * The project root for a command started in `start`: `start` itself or its nearest parent that holds
 * a `releases/` folder or a `cdk8s-canary.yaml` file.
 * @param start a folder (absolute, or relative to the current directory)
 * @returns the root, absolute
 * @throws UsageError when `start` is not a directory (`-C` names the option); NotInProjectError
 *   when no folder from `start` up to the file system root is a project root
 */
export function findProjectRoot(start: string): string {
  const abs = path.resolve(start);
  let isDir = false;
  try { isDir = fs.statSync(abs).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new UsageError(`-C ${start}: no such directory; pass the project folder (the one holding releases/)`);
  for (let dir = abs; ; dir = path.dirname(dir)) {
    if (isProjectRoot(dir)) return dir;
    if (path.dirname(dir) === dir) throw new NotInProjectError(abs);
  }
}

/**
 * The root `new` writes into: the project found from `start` (`findProjectRoot`), or, outside any
 * project, `start` itself when it is the top of a git work tree (it holds `.git`): a fresh
 * repository becomes a project when `new` creates its `releases/`. Anywhere else `new` fails like
 * every command, so a stray `new` in a home folder writes nothing.
 * @throws as `findProjectRoot`
 */
export function findProjectRootForNew(start: string): string {
  try {
    return findProjectRoot(start);
  } catch (e) {
    if (e instanceof NotInProjectError && fs.existsSync(path.join(e.start, '.git'))) return e.start;
    throw e;
  }
}

/** Whether a folder holds `releases/` (a folder) or `cdk8s-canary.yaml` (a file). */
export function isProjectRoot(dir: string): boolean {
  const is = (p: string, dirWanted: boolean) => {
    try { const st = fs.statSync(p); return dirWanted ? st.isDirectory() : st.isFile(); } catch { return false; }
  };
  return is(path.join(dir, PROJECT_MARKERS.releases), true) || is(path.join(dir, PROJECT_MARKERS.config), false);
}
