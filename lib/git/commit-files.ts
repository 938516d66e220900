/**
 * A commit of a known set of changed files on top of HEAD, made without a pass over the whole index
 * (issue 17: a wave move's cost must not grow with the number of other releases, so neither with the
 * files of the repository). `git add` + `git write-tree` read and write the whole index two or three
 * times (at 100 000 files, ~40 ms of CPU each time); here the new trees are built from HEAD's trees
 * along the changed paths only (each patched byte for byte, `patchTree`: a tree of 1000 releases is
 * not parsed and written again whole for one changed entry), and the index is read and written once,
 * with the entries of exactly the changed paths (by `git update-index`, or after a fresh checkout by
 * lib/git/index-file.ts, which does not re-read the files checked out in the index's second):
 *
 *   hash-object -w --stdin-paths (the new files, through the same clean filters as `git add`)
 *   -> cat-file --batch (HEAD's trees along the changed paths) -> new trees (hash-object -w -t tree)
 *   -> commit-tree -> the index entries of the changed paths -> update-ref
 *
 * The index is updated before the branch moves, as `git commit` does: a process killed in between
 * leaves the changes staged on the old HEAD (what the move journal repairs, lib/moves/journal.ts),
 * never a new HEAD with a stale index. Cache-tree entries of the changed folders are invalidated
 * (as after `git add`); the next `git commit` recomputes only those folders.
 *
 * Trees and modes are what `git add` + `git commit` record: entries sorted as git sorts them (a
 * folder's name as if followed by `/`), mode 100755 for an executable file when `core.fileMode` is
 * true (the default), else the mode HEAD has (100644 for a new file). Anything this does not cover
 * (a symlink or other non-regular file, a file where HEAD has a folder or the reverse, a name with
 * a line break or starting with `"`, a submodule on the way, a tree of HEAD's with a mode git does
 * not write or out of git's order where it is edited) makes it decline before changing
 * anything: the caller then commits through `git add` and `git write-tree` or `git commit`. A new
 * file that .gitignore matches is left out, as `git add --all` leaves it (`git check-ignore
 * --no-index`, asked only about files HEAD does not have).
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commitText, Git, GitError, GitLockedError, Trailer } from './git';
import { IndexEdit, updateIndexFile } from './index-file';

/** One entry of a tree object: mode as git writes it (`100644`, `100755`, `120000`, `40000`, `160000`) and object id (hex). */
export interface TreeEntry {
  readonly mode: string;
  readonly oid: string;
}

/** A folder's mode in a tree object. */
const TREE_MODE = '40000';

/**
 * Entries of a raw tree object (`git cat-file tree`), name -> entry. Names are kept byte for byte as
 * latin1 strings (one character per byte), so a name that is not UTF-8 is written back unchanged.
 */
export function parseTree(raw: Buffer, oidBytes: number): Map<string, TreeEntry> {
  const tree = new RawTree(raw, oidBytes);
  const out = new Map<string, TreeEntry>();
  for (let i = 0; i < tree.size; i++) out.set(tree.name(i), tree.entry(i));
  return out;
}

/**
 * The order of entries in a tree object (git's `base_name_compare`): bytes, a folder's name as if
 * followed by `/`. Names are latin1 strings (one character per byte), so comparing them compares bytes.
 */
export function treeOrder(entries: ReadonlyMap<string, TreeEntry>): [string, TreeEntry][] {
  const key = (name: string, e: TreeEntry) => (e.mode === TREE_MODE ? `${name}/` : name);
  return [...entries].sort(([a, x], [b, y]) => { const ka = key(a, x); const kb = key(b, y); return ka < kb ? -1 : ka > kb ? 1 : 0; });
}

/** The raw tree object of `entries` (names as latin1 strings, see parseTree). */
export function serializeTree(entries: ReadonlyMap<string, TreeEntry>): Buffer {
  const sorted = treeOrder(entries);
  let size = 0;
  for (const [name, e] of sorted) size += e.mode.length + name.length + 2 + e.oid.length / 2;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const [name, e] of sorted) {
    pos += out.write(`${e.mode} ${name}\0`, pos, 'latin1');
    pos += out.write(e.oid, pos, 'hex');
  }
  return out;
}

/**
 * A raw tree object read by offsets, without a string per entry: a move edits a few entries of trees
 * that hold one entry per release (`dist/`, `releases/`: 1000 at 1000 releases), so those trees are
 * patched byte for byte (`patchTree`) instead of parsed, sorted and written again whole.
 * Names are latin1 strings (one character per byte), as in parseTree.
 */
export class RawTree {
  /** Offsets of each entry: its start (the mode), the space after the mode, the NUL after the name. */
  private readonly starts: number[] = [];
  private readonly spaces: number[] = [];
  private readonly nuls: number[] = [];
  private readonly folders: boolean[] = [];
  /**
   * Whether the tree's modes are the five git writes (not a zero-padded `040000` of old tools, not a
   * `100664`): git add + git commit would write such entries anew, so the caller commits another
   * way otherwise. (The order of the entries is checked where a patch needs it: `patchTree`.)
   */
  public readonly canonical: boolean;

  constructor(public readonly raw: Buffer, public readonly oidBytes: number) {
    let pos = 0;
    let canonical = true;
    while (pos < raw.length) {
      const sp = raw.indexOf(0x20, pos);
      const nul = raw.indexOf(0, sp);
      if (sp < 0 || nul < 0 || nul + 1 + oidBytes > raw.length) throw new GitError('git returned a tree object that cannot be read; run git fsck', ['cat-file']);
      this.starts.push(pos);
      this.spaces.push(sp);
      this.nuls.push(nul);
      // the mode, from its bytes (a call per entry would cost more than the rest of the read): 40000,
      // or 100644, 100755, 120000, 160000
      const folder = sp - pos === 5 && raw[pos] === 0x34 && raw[pos + 1] === 0x30 && raw[pos + 2] === 0x30 && raw[pos + 3] === 0x30 && raw[pos + 4] === 0x30;
      this.folders.push(folder);
      if (!folder && !(sp - pos === 6 && FILE_MODES.has(modeNumber(raw, pos)))) canonical = false;
      pos = nul + 1 + oidBytes;
    }
    this.canonical = canonical;
  }

  /**
   * Whether an entry is named `name` anywhere in the tree, whatever the order of the entries (a
   * search of the bytes, each match checked to be an entry's name): what a binary search that missed
   * is checked against, since a tree out of git's order (which git fsck reports) would mislead it.
   */
  public includes(name: Buffer): boolean {
    const needle = Buffer.concat([SPACE, name, NUL]);
    for (let at = this.raw.indexOf(needle); at >= 0; at = this.raw.indexOf(needle, at + 1)) {
      let lo = 0;
      let hi = this.size;
      while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.spaces[mid] < at) lo = mid + 1; else hi = mid; }
      if (lo < this.size && this.spaces[lo] === at && this.nuls[lo] === at + 1 + name.length) return true;
    }
    return false;
  }

  /** Number of entries. */
  public get size(): number {
    return this.starts.length;
  }

  /** The entry named `name` (latin1), or undefined. */
  public get(name: string): TreeEntry | undefined {
    const i = this.find(Buffer.from(name, 'latin1'));
    return i < 0 ? undefined : this.entry(i);
  }

  /** Entry `i`'s name (latin1). */
  public name(i: number): string {
    return this.raw.toString('latin1', this.spaces[i] + 1, this.nuls[i]);
  }

  /** Entry `i`'s mode and object id. */
  public entry(i: number): TreeEntry {
    const nul = this.nuls[i];
    return { mode: this.raw.toString('latin1', this.starts[i], this.spaces[i]), oid: this.raw.toString('hex', nul + 1, nul + 1 + this.oidBytes) };
  }

  /** Index of the entry named `name` (bytes), or -1: a binary search for it as a file, then as a folder. */
  public find(name: Buffer): number {
    for (const folder of [false, true]) {
      const key = folder ? Buffer.concat([name, SLASH]) : name;
      const i = this.firstAfter(key, true);
      if (i < this.size && this.isFolder(i) === folder && this.compare(i, key) === 0) return i;
    }
    return -1;
  }

  /**
   * The first entry whose key (git's order: a folder's name as if followed by `/`) is above `key`
   * (or, with `orEqual`, not below it); `size` when none is.
   */
  public firstAfter(key: Buffer, orEqual = false): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compare(mid, key);
      if (c < 0 || (c === 0 && !orEqual)) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Entry `i`'s key compared with `key`: negative, 0 or positive. */
  public compare(i: number, key: Buffer): number {
    const from = this.spaces[i] + 1;
    const nameLength = this.nuls[i] - from;
    const length = nameLength + (this.isFolder(i) ? 1 : 0);
    const n = Math.min(length, key.length);
    for (let j = 0; j < n; j++) {
      const a = j < nameLength ? this.raw[from + j] : 0x2f;
      if (a !== key[j]) return a - key[j];
    }
    return length - key.length;
  }

  /** Whether entry `i` is a folder (mode 40000). */
  public isFolder(i: number): boolean {
    return this.folders[i];
  }

  /** Bytes of entries `from` to `to` (exclusive), as they are. */
  public slice(from: number, to: number): Buffer {
    return this.raw.subarray(from < this.size ? this.starts[from] : this.raw.length, to < this.size ? this.starts[to] : this.raw.length);
  }
}

const SLASH = Buffer.from('/', 'latin1');
const SPACE = Buffer.from(' ', 'latin1');
const NUL = Buffer.alloc(1);

/** Six bytes from `pos` as one number (exact: below 2^53), to compare a mode without a string. */
function modeNumber(raw: Buffer, pos: number): number {
  return ((((raw[pos] * 256 + raw[pos + 1]) * 256 + raw[pos + 2]) * 256 + raw[pos + 3]) * 256 + raw[pos + 4]) * 256 + raw[pos + 5];
}

/** The file modes git writes in a tree: file, executable, symlink, submodule (as modeNumber reads them). */
const FILE_MODES: ReadonlySet<number> = new Set(['100644', '100755', '120000', '160000'].map((m) => modeNumber(Buffer.from(m, 'latin1'), 0)));

/** One entry as a tree object holds it. */
function entryBytes(name: string, e: TreeEntry): Buffer {
  return Buffer.concat([Buffer.from(`${e.mode} ${name}\0`, 'latin1'), Buffer.from(e.oid, 'hex')]);
}

/**
 * The raw tree object of `head` (undefined: an empty folder) with `edits` applied: a name set to an
 * entry is added or replaced, a name set to null is removed; the other entries are copied as they
 * are. The same bytes as `serializeTree` of the parsed tree with the edits applied. Undefined when
 * `head` is out of git's order where an edit lands (a name the binary search missed is in the tree
 * after all): the caller commits another way.
 */
export function patchTree(head: RawTree | undefined, edits: ReadonlyMap<string, TreeEntry | null>): Buffer | undefined {
  if (!head) return serializeTree(new Map([...edits].filter((x): x is [string, TreeEntry] => x[1] !== null)));
  const replaced = new Map<number, Buffer | null>();
  const inserted: { at: number; key: Buffer; bytes: Buffer }[] = [];
  for (const [name, e] of edits) {
    const bytes = Buffer.from(name, 'latin1');
    const i = head.find(bytes);
    // in place, unless a file becomes a folder or the reverse (its place in the order changes)
    if (i >= 0 && (!e || (e.mode === TREE_MODE) === head.isFolder(i))) { replaced.set(i, e && entryBytes(name, e)); continue; }
    if (i >= 0) replaced.set(i, null);
    else if (head.includes(bytes)) return undefined; // there, where git's order does not put it
    if (!e) continue; // not there: nothing to remove
    const key = e.mode === TREE_MODE ? Buffer.concat([bytes, SLASH]) : bytes;
    inserted.push({ at: head.firstAfter(key), key, bytes: entryBytes(name, e) });
  }
  inserted.sort((a, b) => a.at - b.at || Buffer.compare(a.key, b.key));
  const stops = [...new Set([...replaced.keys(), ...inserted.map((x) => x.at)])].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  let k = 0;
  for (const at of stops) {
    out.push(head.slice(from, at));
    for (; k < inserted.length && inserted[k].at === at; k++) out.push(inserted[k].bytes);
    if (replaced.has(at)) {
      const b = replaced.get(at);
      if (b) out.push(b);
      from = at + 1;
    } else {
      from = at;
    }
  }
  out.push(head.slice(from, head.size));
  return Buffer.concat(out);
}

/** The id git gives an object of `type` holding `body`, in the repository's object format. */
export function objectId(type: 'blob' | 'tree', body: Buffer, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(`${type} ${body.length}\0`).update(body).digest('hex');
}

/** The mode `git add` records for a regular file (see the module doc). */
export function fileMode(stat: fs.Stats, trustExecutableBit: boolean, headMode: string | undefined): string {
  if (!trustExecutableBit) return headMode === '100755' ? '100755' : '100644';
  return (stat.mode & 0o100) !== 0 ? '100755' : '100644';
}

/**
 * Commits the changed `files` (written or deleted by the caller, relative to `git.cwd`), which lie
 * under `paths`, with the message `git commit -m MESSAGE -m TRAILERS` records, and returns the new
 * commit's id. The caller guarantees that nothing else under `paths` differs from HEAD (a move checks
 * that its paths are clean before it writes): the commit is HEAD's tree with these files as they are
 * on disk, and afterwards the index holds them as committed, everything else in the index untouched
 * (changes staged elsewhere stay staged and out of the commit, as with `git commit --only`).
 * Without a pass over the whole index when it can (see the module doc); otherwise, and always with a
 * commit hook or `commit.gpgSign`, the files are staged with `git add` and committed by `Git.commit`.
 * @throws GitError / GitLockedError as `git commit` fails (nothing to commit, no identity, a lock)
 */
export async function commitChangedFiles(git: Git, paths: readonly string[], files: readonly string[], message: string, trailers: readonly Trailer[] = []): Promise<string> {
  const base = await git.plumbingCommitBase();
  if (base) {
    const toRoot = (p: string) => path.relative(git.root, path.resolve(git.cwd, p)).split(path.sep).join('/');
    const own = paths.map(toRoot);
    const rooted = [...new Set(files.map(toRoot))].sort();
    if (rooted.every((f) => own.some((p) => f === p || f.startsWith(`${p}/`)))) {
      const sha = await commitFiles({ root: git.root, files: rooted, ...base, text: commitText(message, trailers), reflog: `commit: ${message.split('\n')[0]}` });
      if (sha !== undefined) return sha;
    }
  }
  await git.add(paths); // new and deleted files: `git commit --only` records only what git knows
  return git.commit(paths, message, trailers);
}

/** What the plumbing commit needs from its caller. */
export interface FilesCommit {
  /** Top folder of the work tree; git runs there. */
  readonly root: string;
  /** The changed files (written or deleted), relative to `root`, `/`-separated. */
  readonly files: readonly string[];
  /** The commit HEAD points at and its tree. */
  readonly parent: string;
  readonly parentTree: string;
  /** `core.fileMode` (true unless set to false). */
  readonly trustExecutableBit: boolean;
  /**
   * The index file to update directly (lib/git/index-file.ts), when git's settings allow it.
   * @default - `git update-index` updates the index
   */
  readonly indexFile?: string;
  /** The commit message, as `git commit` records it (ends with one newline). */
  readonly text: string;
  /** The reflog line of the branch move (`commit: <subject>`). */
  readonly reflog: string;
}

/**
 * Makes the commit of `c.files` on top of `c.parent` (see the module doc) and returns its id;
 * undefined, with nothing changed, when it cannot (then the caller commits another way) or when
 * the files are as in HEAD (nothing to commit: `git commit` says so).
 * @throws GitError when git fails after the decision to commit (commit-tree's message is `git commit`'s)
 */
export async function commitFiles(c: FilesCommit): Promise<string | undefined> {
  if (!c.files.length) return undefined;
  const algorithm = c.parentTree.length === 64 ? 'sha256' : 'sha1';
  const oidBytes = c.parentTree.length / 2;
  const plain = (name: string) => name !== '' && !name.includes('\n') && !name.startsWith('"');
  // the changed files as they are now: a regular file (hashed below) or gone
  const present: string[] = [];
  const stats = new Map<string, fs.Stats>();
  for (const f of c.files) {
    if (f.startsWith('/') || f.split('/').some((seg) => !plain(seg) || seg === '.' || seg === '..' || seg === '.git')) return undefined;
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(path.join(c.root, f)); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
    if (st && !st.isFile()) return undefined;
    if (st) { present.push(f); stats.set(f, st); }
  }
  // HEAD's trees along the changed paths: '' (the top) and every folder holding a changed file
  const folders = new Set<string>(['']);
  for (const f of c.files) for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) folders.add(f.slice(0, i));
  const order = [...folders].sort();
  const raw = await gitBytes(c.root, ['cat-file', '--batch'], Buffer.from(order.map((d) => (d ? `${c.parentTree}:${d}` : c.parentTree)).join('\n') + '\n', 'latin1'));
  const trees = new Map<string, RawTree | undefined>();
  const latin = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  let pos = 0;
  for (const d of order) {
    const nl = raw.indexOf(0x0a, pos);
    const header = raw.toString('latin1', pos, nl).split(' ');
    if (header[header.length - 1] === 'missing') { trees.set(d, undefined); pos = nl + 1; continue; } // a new folder
    const size = Number(header[2]);
    if (header[1] !== 'tree') return undefined; // a file where a folder is now
    const tree = new RawTree(raw.subarray(nl + 1, nl + 1 + size), oidBytes);
    if (!tree.canonical) return undefined; // a tree git would not write (an old tool's): git add decides
    trees.set(d, tree);
    pos = nl + 1 + size + 1;
  }
  // a folder HEAD does not have, where HEAD's parent folder has an entry of that name (a submodule,
  // whose commit is not an object here): git add decides
  for (const d of order) {
    if (d === '' || trees.get(d)) continue;
    const slash = d.lastIndexOf('/');
    if (trees.get(slash < 0 ? '' : d.slice(0, slash))?.get(latin(d.slice(slash + 1)))) return undefined;
  }
  // a new file (not in HEAD) that .gitignore matches is left out, as `git add --all` leaves it out
  const inHead = (f: string) => { const slash = f.lastIndexOf('/'); return (trees.get(slash < 0 ? '' : f.slice(0, slash))?.find(Buffer.from(f.slice(slash + 1), 'utf8')) ?? -1) >= 0; };
  const fresh = present.filter((f) => !inHead(f));
  let files = c.files;
  if (fresh.length) {
    // check-ignore reads its paths as pathspecs and refuses the literal magic: a name with a glob
    // character is left to git add
    if (fresh.some((f) => /[*?[\\]/.test(f))) return undefined;
    const r = await gitRun(c.root, ['check-ignore', '-z', '--stdin', '--no-index'], Buffer.from(fresh.map((f) => `${f}\0`).join(''), 'utf8'), { literal: false });
    if (r.code !== 0 && r.code !== 1) return undefined; // git add decides
    const ignored = new Set(r.stdout.toString('utf8').split('\0').filter(Boolean));
    if (ignored.size) {
      files = files.filter((f) => !ignored.has(f));
      for (let i = present.length - 1; i >= 0; i--) if (ignored.has(present[i])) present.splice(i, 1);
      if (!files.length) return undefined;
    }
  }
  // the new blobs, through the clean filters `git add` applies (one process for all)
  const blobs = present.length ? (await gitBytes(c.root, ['hash-object', '-w', '--stdin-paths'], Buffer.from(present.join('\n') + '\n', 'utf8'))).toString('latin1').trim().split('\n') : [];
  if (blobs.length !== present.length) throw new GitError('git hash-object returned fewer ids than files', ['hash-object']);
  // the edits of each folder (name -> new entry, or null: removed), applied to HEAD's tree bytes (patchTree)
  const edited = new Map<string, Map<string, TreeEntry | null>>();
  const editsOf = (d: string): Map<string, TreeEntry | null> => {
    let m = edited.get(d);
    if (!m) { m = new Map(); edited.set(d, m); }
    return m;
  };
  for (const f of files) {
    const slash = f.lastIndexOf('/');
    const dir = slash < 0 ? '' : f.slice(0, slash);
    const name = latin(f.slice(slash + 1));
    const head = trees.get(dir)?.get(name);
    if (head && (head.mode === TREE_MODE || head.mode === '160000' || head.mode === '120000')) return undefined; // a folder, submodule or symlink replaced by a file
    const i = present.indexOf(f);
    editsOf(dir).set(name, i < 0 ? null : { mode: fileMode(stats.get(f)!, c.trustExecutableBit, head?.mode), oid: blobs[i] });
  }
  // new trees, deepest first: each folder's id goes into its parent; an emptied folder goes away
  const bodies: Buffer[] = [];
  const ids: string[] = [];
  for (const d of [...folders].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1))) {
    const body = patchTree(trees.get(d), editsOf(d));
    if (!body) return undefined; // a tree out of git's order: git add decides
    let oid: string | undefined;
    if (body.length) {
      oid = objectId('tree', body, algorithm);
      bodies.push(body);
      ids.push(oid);
    }
    if (d === '') {
      if (!oid || oid === c.parentTree) return undefined; // nothing to commit (or nothing left)
      const made = await writeTrees(c.root, bodies);
      if (made.length !== ids.length || made.some((m, k) => m !== ids[k])) throw new GitError(`git hash-object made trees other than expected (${made[made.length - 1]} for ${oid}); nothing was committed (please report this)`, ['hash-object']);
      const blobOf = new Map(present.map((f, i) => {
        const slash = f.lastIndexOf('/');
        return [f, { mode: parseInt(editsOf(slash < 0 ? '' : f.slice(0, slash)).get(latin(f.slice(slash + 1)))!.mode, 8), oid: blobs[i] }];
      }));
      return finish(c, files, oid, lastFile(trees), (f) => blobOf.get(f));
    }
    const slash = d.lastIndexOf('/');
    editsOf(slash < 0 ? '' : d.slice(0, slash)).set(latin(d.slice(slash + 1)), oid ? { mode: TREE_MODE, oid } : null);
  }
  return undefined;
}

/**
 * Writes tree objects (their bodies, as serializeTree makes them) to the object store with one
 * `git hash-object -w -t tree --no-filters --stdin-paths` over temporary files, and gives their ids
 * in order. Not `git mktree --batch`: it looks up every entry's object to check its type (with
 * `--missing` too), which in a fresh local clone (every object loose, hard-linked) reads the whole
 * loose-object cache: ~70-100 ms of CPU at 1000 releases, for trees whose entries come from HEAD's
 * trees and from hash-object, right by construction. hash-object still checks each tree's format.
 */
async function writeTrees(root: string, bodies: readonly Buffer[]): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-trees-'));
  try {
    const files = bodies.map((b, i) => { const f = path.join(dir, String(i)); fs.writeFileSync(f, b); return f; });
    const out = await gitBytes(root, ['hash-object', '-w', '-t', 'tree', '--no-filters', '--stdin-paths'], Buffer.from(files.join('\n') + '\n', 'utf8'));
    return out.toString('latin1').trim().split('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * commit-tree, then the index, then the branch (see the module doc for why in this order). The index
 * is updated in place (lib/git/index-file.ts: `blobOf` gives each written file's mode and blob) when
 * git's own write would re-read the files checked out in the index's second, or the index is large
 * (`writeIndexHere`), and index-file.ts covers the index; else by `git update-index`, which costs
 * less for a smaller index without such files (one process in C against a pass of JavaScript over
 * every entry: ~15 against ~35 ms of CPU at 18 000 entries).
 */
async function finish(c: FilesCommit, files: readonly string[], tree: string, last: string | undefined, blobOf: (f: string) => { mode: number; oid: string } | undefined): Promise<string> {
  const made = await gitRun(c.root, ['commit-tree', tree, '-p', c.parent, '-F', '-'], Buffer.from(c.text, 'utf8'));
  // errors read as `git commit`'s would (a missing identity, for instance): it is a commit to the user
  if (made.code !== 0) throw new GitError(`git commit failed: ${made.stderr.split('\n').filter((l) => l && !/^hint:/.test(l)).join('; ') || `exit code ${made.code}`}`, ['commit'], made.code, made.stderr);
  const sha = made.stdout.toString('latin1').trim();
  const edits = c.indexFile && writeIndexHere(c.root, c.indexFile, last) ? indexEdits(c.root, files, blobOf) : undefined;
  if (!c.indexFile || !edits || !updateIndexFile(c.indexFile, edits, c.parentTree.length === 64 ? 32 : 20)) {
    await gitBytes(c.root, ['update-index', '--add', '--remove', '-z', '--stdin'], Buffer.from(files.map((f) => `${f}\0`).join(''), 'utf8'));
  }
  await gitBytes(c.root, ['update-ref', '-m', c.reflog, 'HEAD', sha, c.parent]);
  return sha;
}

/**
 * Whether index-file.ts should write the index rather than `git update-index` (a choice of speed
 * only: either way the index holds the same entries), from one stat of the index:
 * - it is large (4 MiB, ~35 000 files): git parses every entry into memory, then writes them all,
 *   where index-file.ts copies the bytes between the changes. At 100 000 files (a fleet of 200
 *   releases over 50 clusters, 11.7 MB) `git update-index` cost ~200 ms of CPU against ~130 ms; at
 *   10 000 (1.2 MB) ~35 against ~35-50 ms;
 * - or it holds files git would re-read before writing it (racily clean: checked out in the index's
 *   own second, as in a fresh clone; see lib/git/index-file.ts), judged by `last`, HEAD's last file
 *   in git's order: a checkout writes the files in that order and the index after them, so the last
 *   file shares the index's second whenever any file does; an index this project wrote keeps its
 *   old second, and so its answer. True when `last` is not known or cannot be read.
 */
function writeIndexHere(root: string, indexFile: string, last: string | undefined): boolean {
  let index: fs.Stats;
  try {
    index = fs.statSync(indexFile);
  } catch {
    return true; // no index: updateIndexFile declines, git decides
  }
  if (index.size >= LARGE_INDEX || last === undefined) return true;
  try {
    return Math.floor(fs.lstatSync(path.join(root, last)).mtimeMs / 1000) >= Math.floor(index.mtimeMs / 1000);
  } catch {
    return true;
  }
}

const LARGE_INDEX = 4 * 1024 * 1024;

/** HEAD's last file in git's order (the index's last entry when it matches HEAD), when the trees along it are among `trees`. */
function lastFile(trees: ReadonlyMap<string, RawTree | undefined>): string | undefined {
  let dir = '';
  for (;;) {
    const t = trees.get(dir);
    if (!t?.size) return undefined;
    const i = t.size - 1;
    const name = Buffer.from(t.name(i), 'latin1').toString('utf8');
    const p = dir ? `${dir}/${name}` : name;
    if (!t.isFolder(i)) return p;
    dir = p;
  }
}

/** The index's new entries: each written file with its stat as it is now (bigint times: nanoseconds), each deleted one removed. */
function indexEdits(root: string, files: readonly string[], blobOf: (f: string) => { mode: number; oid: string } | undefined): IndexEdit[] | undefined {
  const edits: IndexEdit[] = [];
  for (const f of files) {
    const blob = blobOf(f);
    if (!blob) { edits.push({ path: f }); continue; }
    const stat = fs.lstatSync(path.join(root, f), { bigint: true, throwIfNoEntry: false });
    if (!stat?.isFile()) return undefined; // changed since it was hashed: git update-index decides
    edits.push({ path: f, entry: { ...blob, stat } });
  }
  return edits;
}

function depth(d: string): number {
  return d === '' ? 0 : d.split('/').length;
}

/** Environment of these calls: as lib/git/git.ts's (C messages, no prompt, literal pathspecs). */
function env(literal: boolean): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
  delete e.GIT_GLOB_PATHSPECS;
  if (literal) e.GIT_LITERAL_PATHSPECS = '1'; else delete e.GIT_LITERAL_PATHSPECS;
  return e;
}

function gitRun(cwd: string, args: readonly string[], input?: Buffer, options: { readonly literal?: boolean } = {}): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { cwd, env: env(options.literal ?? true), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString('utf8'); });
    child.on('error', (e) => reject(new GitError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed or not on PATH; install git' : `cannot run git (${(e as NodeJS.ErrnoException).code ?? e.message})`, args)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: stderr.trim() }));
    child.stdin.on('error', () => undefined); // git exited before reading all of it: its exit code tells
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

async function gitBytes(cwd: string, args: readonly string[], input?: Buffer): Promise<Buffer> {
  const r = await gitRun(cwd, args, input);
  if (r.code !== 0) {
    const lock = /Unable to create '([^']+\.lock)': File exists/.exec(r.stderr);
    if (lock) throw new GitLockedError(lock[1], args, r.code, r.stderr);
    const detail = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^hint:/.test(l)).join('; ') || `exit code ${r.code}`;
    throw new GitError(`git ${args[0]} failed: ${detail}`, args, r.code, r.stderr);
  }
  return r.stdout;
}
