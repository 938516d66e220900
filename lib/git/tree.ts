import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { Git, GitError } from './git';

/**
 * Every file under `dir` (a path relative to the repository's top folder) at a commit, as path
 * relative to `dir` -> UTF-8 text, sorted by path. One `git ls-tree` and one `git cat-file --batch`,
 * whatever the number of files. Files in hidden folders (swap folders of an atomic write) are skipped.
 */
export async function readTreeAt(git: Git, commit: string, dir: string): Promise<Map<string, string>> {
  const listing = await listTreeAt(git, commit, dir);
  const texts = await readBlobs(git, [...listing.values()]);
  return new Map([...listing].map(([file, sha]) => [file, texts.get(sha)!] as [string, string]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The files under `dir` at a commit, as path relative to `dir` -> blob id (SHA-1 or SHA-256, as the
 * repository's object format), without reading them: one `git ls-tree`. Hidden folders are skipped, as
 * in readTreeAt. Compare with `blobId` of a text to know whether it changed.
 */
export async function listTreeAt(git: Git, commit: string, dir: string): Promise<Map<string, string>> {
  let clean = dir.replace(/\\/g, '/').replace(/^\.?\/+/, '');
  while (clean.endsWith('/')) clean = clean.slice(0, -1);
  const listing = await git.run(['-C', git.root, 'ls-tree', '-r', '-z', '--full-tree', commit, '--', clean || '.']);
  const out = new Map<string, string>();
  for (const rec of listing.split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [, type, sha] = rec.slice(0, tab).split(' ');
    if (type !== 'blob') continue;
    const rel = clean ? rec.slice(tab + 1).slice(clean.length + 1) : rec.slice(tab + 1);
    if (rel.split('/').some((seg) => seg.startsWith('.'))) continue;
    // copies, not slices: a slice keeps the whole listing alive (1.7 MB at 14,000 files; issue 19)
    out.set(flat(rel), flat(sha));
  }
  return out;
}

/** The UTF-8 texts of blobs by id: one `git cat-file --batch`. */
export async function readBlobs(git: Git, shas: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(shas)];
  if (!unique.length) return out;
  const data = await catFileBatch(git.root, unique);
  let pos = 0;
  for (const sha of unique) {
    const nl = data.indexOf(0x0a, pos);
    const header = data.subarray(pos, nl).toString('utf8').split(' ');
    if (header[1] === 'missing') throw new GitError(`object ${sha} is missing from the repository; run git fsck`, ['cat-file']);
    const size = Number(header[2]);
    out.set(sha, data.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return out;
}

/**
 * The id git gives a file holding `text` (UTF-8) as a blob: `git hash-object` without running git.
 * `algorithm` is the repository's object format (`git rev-parse --show-object-format`): sha1 or sha256.
 */
export function blobId(text: string, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  const body = Buffer.from(text, 'utf8');
  return createHash(algorithm).update(`blob ${body.length}\0`).update(body).digest('hex');
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

/** A string of its own: V8 keeps a slice of a long string as a view on it, holding all of it. */
function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
