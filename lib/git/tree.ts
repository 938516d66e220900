import { spawn } from 'child_process';
import { Git, GitError } from './git';

/**
 * Every file under `dir` (a path relative to the repository's top folder) at a commit, as path
 * relative to `dir` -> UTF-8 text, sorted by path. One `git ls-tree` and one `git cat-file --batch`,
 * whatever the number of files. Files in hidden folders (swap folders of an atomic write) are skipped.
 */
export async function readTreeAt(git: Git, commit: string, dir: string): Promise<Map<string, string>> {
  let clean = dir.replace(/\\/g, '/').replace(/^\.?\/+/, '');
  while (clean.endsWith('/')) clean = clean.slice(0, -1);
  const listing = await git.run(['-C', git.root, 'ls-tree', '-r', '-z', '--full-tree', commit, '--', clean || '.']);
  const entries: { sha: string; file: string }[] = [];
  for (const rec of listing.split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [, type, sha] = rec.slice(0, tab).split(' ');
    if (type !== 'blob') continue;
    const rel = clean ? rec.slice(tab + 1).slice(clean.length + 1) : rec.slice(tab + 1);
    if (rel.split('/').some((seg) => seg.startsWith('.'))) continue;
    entries.push({ sha, file: rel });
  }
  const out = new Map<string, string>();
  if (!entries.length) return out;
  const data = await catFileBatch(git.root, entries.map((e) => e.sha));
  let pos = 0;
  for (const e of entries) {
    const nl = data.indexOf(0x0a, pos);
    const header = data.subarray(pos, nl).toString('utf8').split(' ');
    if (header[1] === 'missing') throw new GitError(`object ${e.sha} of ${e.file} is missing from the repository; run git fsck`, ['cat-file']);
    const size = Number(header[2]);
    out.set(e.file, data.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `git cat-file --batch` over object ids given on standard input; the raw output. */
function catFileBatch(cwd: string, shas: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.on('error', (e) => reject(new GitError(`cannot run git (${(e as NodeJS.ErrnoException).code ?? e.message})`, ['cat-file'])));
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new GitError(`git cat-file failed: ${stderr.trim() || `exit code ${code}`}`, ['cat-file'], code ?? -1, stderr.trim()))));
    child.stdin.end(shas.join('\n') + '\n');
  });
}
