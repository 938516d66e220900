/**
 * Updates a few entries of git's index file in place of `git update-index --add --remove`, without
 * git's pass over every other entry; and reads the entries under a few paths (`indexEntriesAt`, see
 * there) in place of `git diff-index --cached`.
 *
 * Why: git's first write of the index after a checkout re-reads every file checked out in the
 * index's own second ("racily clean" entries; Documentation/technical/racy-git.txt), to smudge the
 * ones that changed before it gives the index a newer timestamp. In a fresh CI clone that is every
 * file of the repository: at 1000 releases (18 000 files) `git update-index` of one move's files
 * cost 94-360 ms of CPU, against 10 ms on the next move (issue 19, cold moves).
 *
 * What this does instead keeps git's rule intact rather than paying for it: the new index gets the
 * *old* index's timestamp (whole seconds, never later than any entry written here), so every entry
 * that was racily clean stays racily clean, and git checks its content on the next read, exactly as
 * it would have done before this write. Entries written here carry the stat data of the files as
 * they are now and an mtime at or after that timestamp: racily clean too, so an edit made after
 * they were hashed, in the same second, is still seen (tested in test/git-index-file.test.ts).
 *
 * Everything else is what `git update-index --add --remove PATH...` writes, byte for byte (tested
 * against git): the entries in git's order (bytes of the full path), each as git fills it from
 * lstat(2) (`fill_stat_data`), the cache-tree (`TREE`) entries of the changed paths invalidated as
 * git's `cache_tree_invalidate_path` does, resolve-undo (`REUC`) kept, the offset tables `EOIE` and
 * `IEOT` dropped (git writes them only when configured, and rebuilds them on its next write), and
 * the trailing checksum. The file is written under `index.lock`, taken with O_EXCL as git takes it,
 * and renamed over the index.
 *
 * It declines, changing nothing, for what it does not cover; the caller then runs `git
 * update-index`: no index file; a version other than 2 or 3 (version 4 compresses paths); a
 * checksum that does not match; an unmerged entry; an extension other than TREE, REUC, EOIE and
 * IEOT (a split index's `link`, a sparse index's `sdir`, the untracked cache, fsmonitor data); an
 * edited entry with v3 flags (skip-worktree, intent-to-add) or marked assume-unchanged (git keeps
 * such an entry as it is); an added path that is a folder in the index or lies under a file of the
 * index; a path git would not enter as given (an empty, `.`, `..` or `.git` part); a time before
 * 1970 or past git's 32-bit seconds, or an index dated 1970 (git takes no entry of an index dated
 * 0 as racily clean). The file mode of the new index is git's default (0666 less the umask): the
 * caller leaves a repository with `core.sharedRepository` to git (lib/git/git.ts
 * plumbingCommitBase), as it does `core.fsync` and `core.ignoreStat`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { GitLockedError } from './git';

/** One change to the index: the path (`/`-separated, from the top of the work tree) and its new entry, or none (removed). */
export interface IndexEdit {
  readonly path: string;
  /** The new entry: mode (0o100644 or 0o100755), object id (hex) and the file's lstat with bigint times; absent: remove the path. */
  readonly entry?: { readonly mode: number; readonly oid: string; readonly stat: fs.BigIntStats };
}

const SIGNATURE = 0x44495243; // 'DIRC'
const STAT_BYTES = 40; // ctime, mtime (sec + nsec each), dev, ino, mode, uid, gid, size: 32 bits each
const EXTENDED = 0x4000;
const ASSUME_VALID = 0x8000;
/** 2^32 seconds in nanoseconds: the index holds times as 32-bit seconds. */
const MAX_NS = 4_294_967_296n * 1_000_000_000n;
const STAGE = 0x3000;
const NAME_MASK = 0xfff;
/** Extensions written back: the cache-tree (patched) and resolve-undo (as is); the offset tables are dropped. */
const KEPT = new Set(['TREE', 'REUC']);
const DROPPED = new Set(['EOIE', 'IEOT']);

/**
 * Applies `edits` to the index file `file` (see the module doc). Returns false, with nothing
 * changed and no lock left, when it declines; true when the new index is in place.
 *
 * The index is read twice in chunks through one small buffer (a scan, then the copy into the new
 * file), never whole: at 1000 releases it is 2 MB, and on the virtual machines CI runs on, the first
 * touch of 2 MB of fresh memory cost more (7 ms) than reading and hashing it through a reused buffer
 * (~2 ms).
 * @param oidBytes 20 (SHA-1) or 32 (SHA-256): the repository's object format, also the checksum's
 * @throws GitLockedError when `index.lock` exists (another git process holds the index)
 */
export function updateIndexFile(file: string, edits: readonly IndexEdit[], oidBytes: 20 | 32): boolean {
  const lock = `${file}.lock`;
  let out: number;
  try {
    out = fs.openSync(lock, 'wx', 0o666);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new GitLockedError(lock, ['update-index']);
    return false;
  }
  let done = false;
  let input = -1;
  try {
    try {
      input = fs.openSync(file, 'r');
    } catch {
      return false; // no index: git decides
    }
    const reader = new Reader(input, oidBytes);
    const plan = scan(reader, edits, oidBytes);
    if (!plan) return false;
    write(out, reader, plan, oidBytes);
    // the old index's timestamp: racily clean entries stay so (see the module doc)
    fs.futimesSync(out, plan.seconds, plan.seconds);
    fs.closeSync(out);
    out = -1;
    fs.renameSync(lock, file);
    done = true;
    return true;
  } finally {
    if (input >= 0) fs.closeSync(input);
    if (out >= 0) fs.closeSync(out);
    if (!done) fs.rmSync(lock, { force: true });
  }
}

/** An entry of the index as read back: its mode (0o100644, 0o100755, 0o120000 or 0o160000) and object id (hex). */
export interface IndexEntry {
  readonly mode: number;
  readonly oid: string;
}

/**
 * The index's entries at `paths` or under them (`path/...`), by path: what `git diff-index --cached
 * HEAD -- PATHS` compares with HEAD (lib/git/uncommitted.ts), read in one pass through the same small
 * buffer, checksum included, without git. git's process parses every entry into memory first: at
 * 100 000 files (a fleet of 200 releases over 50 clusters) ~130 ms of CPU against ~30 ms here, where
 * a move must not grow with the repository (issues 17 and 19).
 *
 * Undefined, to decline (the caller then asks git), when: there is no index file; its version is
 * not 2 or 3; an entry is unmerged; an entry at the paths has v3 flags (intent-to-add or
 * skip-worktree, which git's diff treats apart); an extension readers must understand is present (a
 * lowercase signature, index-format.txt: a split index's `link`, a sparse index's `sdir`); the
 * checksum does not match. Optional extensions (TREE, REUC, UNTR, FSMN, EOIE, IEOT) are skipped, as
 * git's readers may.
 * @param paths `/`-separated, from the top of the work tree
 * @param oidBytes 20 (SHA-1) or 32 (SHA-256): the repository's object format, also the checksum's
 */
export function indexEntriesAt(file: string, paths: readonly string[], oidBytes: 20 | 32): Map<string, IndexEntry> | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined; // no index: git decides
  }
  try {
    const r = new Reader(fd, oidBytes);
    const head = indexHeader(r);
    if (!head) return undefined;
    const { version, count } = head;
    // each path as two runs of git's order: the name itself, and the names under `name/`
    const runs = [...new Set(paths)]
      .flatMap((p) => [{ name: Buffer.from(p, 'utf8'), under: false }, { name: Buffer.from(`${p}/`, 'utf8'), under: true }])
      .sort((a, b) => Buffer.compare(a.name, b.name));
    const fixed = STAT_BYTES + oidBytes + 2;
    const found = new Map<string, IndexEntry>();
    const e = at;
    let k = 0;
    let pos = 12;
    for (let i = 0; i < count; i++) {
      if (!readEntry(r, pos, fixed, version)) return undefined;
      const w = e.w;
      const start = e.nameStart;
      const len = e.len;
      // the entry against the current run: in it, before it (the next entry), or past it (the next run)
      while (k < runs.length) {
        const name = runs[k].name;
        const n = len < name.length ? len : name.length;
        let j = 0;
        while (j < n && w[start + j] === name[j]) j++;
        const c = j < n ? w[start + j] - name[j] : len - name.length;
        if (c === 0 || (runs[k].under && j === name.length)) {
          if (e.flags & EXTENDED) return undefined;
          found.set(w.toString('utf8', start, start + len), { mode: w.readUInt32BE(e.o + 24), oid: w.toString('hex', e.o + STAT_BYTES, e.o + STAT_BYTES + oidBytes) });
          break;
        }
        if (c < 0) break;
        k++;
      }
      pos += e.size;
    }
    const extensionsEnd = r.size - oidBytes;
    while (pos < extensionsEnd) {
      if (!r.ensure(pos, 8)) return undefined;
      const first = r.window[pos - r.start];
      if (first >= 0x61 && first <= 0x7a) return undefined; // required: git's reader must understand it
      pos += 8 + r.window.readUInt32BE(pos - r.start + 4);
    }
    return pos === extensionsEnd && r.verified() ? found : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

const CHUNK = 1 << 18;

/**
 * The index file read forward through one reused buffer (`window`, holding the file's bytes from
 * `start`), hashing each byte once as it comes in: the checksum of everything before the trailer.
 */
class Reader {
  public window = Buffer.allocUnsafe(CHUNK);
  public start = 0;
  public length = 0;
  public readonly size: number;
  public readonly mtimeNs: bigint;
  /** Where the trailing checksum starts: the bytes before it are hashed. */
  private readonly hashEnd: number;
  private readonly hash: ReturnType<typeof createHash>;
  constructor(public readonly fd: number, oidBytes: number) {
    const st = fs.fstatSync(fd, { bigint: true });
    this.size = Number(st.size);
    this.mtimeNs = st.mtimeNs;
    this.hash = createHash(oidBytes === 32 ? 'sha256' : 'sha1');
    this.hashEnd = this.size - oidBytes;
  }

  /** Makes bytes [pos, pos + need) of the file available in `window` (from `pos - start`); false past the end. Never goes back. */
  public ensure(pos: number, need: number): boolean {
    if (pos + need > this.size) return false;
    const end = this.start + this.length;
    if (pos >= this.start && pos + need <= end) return true;
    if (pos < this.start) throw new Error('the index reader went backwards');
    // the bytes from pos already in the window move to its front
    const keep = Math.max(0, end - pos);
    if (need > this.window.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.window.length * 2));
      this.window.copy(bigger, 0, this.length - keep, this.length);
      this.window = bigger;
    } else if (keep) {
      this.window.copy(this.window, 0, this.length - keep, this.length);
    }
    // bytes stepped over (pos past the window) are still read, to be hashed in order
    for (let at = end; at < pos;) {
      const n = fs.readSync(this.fd, this.window, 0, Math.min(this.window.length, pos - at), at);
      if (n <= 0) return false;
      this.hashed(0, n, at);
      at += n;
    }
    this.start = pos;
    this.length = keep;
    while (this.length < need) {
      const n = fs.readSync(this.fd, this.window, this.length, this.window.length - this.length, pos + this.length);
      if (n <= 0) return false;
      this.hashed(this.length, n, pos + this.length);
      this.length += n;
    }
    return true;
  }

  /** Hashes `n` bytes just read into the window at `offset` (file position `at`), up to the trailer. */
  private hashed(offset: number, n: number, at: number): void {
    const upto = Math.min(n, this.hashEnd - at);
    if (upto > 0) this.hash.update(this.window.subarray(offset, offset + upto));
  }

  /** A copy of bytes [pos, pos + n). */
  public take(pos: number, n: number): Buffer | undefined {
    if (!this.ensure(pos, n)) return undefined;
    return Buffer.from(this.window.subarray(pos - this.start, pos - this.start + n));
  }

  /** True when the trailer is the checksum of everything before it (or zeros: `index.skipHash`). */
  public verified(): boolean {
    const trailer = this.take(this.hashEnd, this.size - this.hashEnd);
    if (!trailer) return false;
    return trailer.every((b) => b === 0) || this.hash.digest().equals(trailer);
  }
}

/** The index's header (`DIRC`, version, entry count), read first; undefined for a version other than 2 or 3 (or no index). */
function indexHeader(r: Reader): { version: number; count: number } | undefined {
  if (!r.ensure(0, 12) || r.window.readUInt32BE(0) !== SIGNATURE) return undefined;
  const version = r.window.readUInt32BE(4);
  return version === 2 || version === 3 ? { version, count: r.window.readUInt32BE(8) } : undefined;
}

/** One change in file order: the bytes at `offset` (`oldLength` of them, 0 for an insertion) replaced by `bytes` (none: removed). */
interface Change {
  readonly offset: number;
  readonly oldLength: number;
  readonly bytes?: Buffer;
  readonly name: Buffer;
  readonly path: string;
}

interface Plan {
  readonly count: number;
  readonly header: Buffer;
  readonly changes: readonly Change[];
  readonly entriesEnd: number;
  readonly extensions: readonly Buffer[];
  readonly seconds: number;
}

/** A name looked up while scanning: an edited path (`exact`), a folder on an added path's way (`ancestor`), or an added path followed by `/` (`prefix`). */
interface Probe {
  readonly name: Buffer;
  readonly kind: 'exact' | 'ancestor' | 'prefix';
  found?: { offset: number; bytes: Buffer };
  insertAt?: number;
}

/** The first pass: the entries and extensions checked, each edit located; undefined when declining. */
function scan(r: Reader, edits: readonly IndexEdit[], oidBytes: 20 | 32): Plan | undefined {
  const head = indexHeader(r);
  if (!head) return undefined;
  const { version, count } = head;
  const header = Buffer.from(r.window.subarray(0, 12));
  // the edited paths, found in one pass over the entries, with what makes an added path a change
  // git must decide: a folder of the index there (entries under `path/`), or a file of the index on
  // its way (each entry is compared with one name only, the next in order, so these cost nothing more)
  const seen = new Set<string>();
  const probes = new Map<string, Probe>();
  const want = (key: string, name: string, kind: Probe['kind']) => {
    if (!probes.has(key)) probes.set(key, { name: Buffer.from(name, 'utf8'), kind });
  };
  for (const e of edits) {
    if (seen.has(e.path) || !plainPath(e.path)) return undefined;
    if (e.entry && !(e.entry.stat.mtimeNs > 0n && e.entry.stat.ctimeNs > 0n && e.entry.stat.mtimeNs < MAX_NS && e.entry.stat.ctimeNs < MAX_NS)) return undefined; // times git's 32-bit seconds do not hold
    seen.add(e.path);
    want(e.path, e.path, 'exact');
    if (!e.entry) continue;
    want(`/${e.path}/`, `${e.path}/`, 'prefix');
    for (let s = e.path.indexOf('/'); s > 0; s = e.path.indexOf('/', s + 1)) want(`/${e.path.slice(0, s)}`, e.path.slice(0, s), 'ancestor');
  }
  const fixed = STAT_BYTES + oidBytes + 2;
  let pos = walk(r, [...probes.values()].sort((a, b) => Buffer.compare(a.name, b.name)), fixed, version, count);
  if (pos < 0) return undefined;
  const entriesEnd = pos;
  // the changes, in file order (an insertion before the entry it lands in front of)
  let seconds = r.mtimeNs / 1_000_000_000n;
  if (seconds <= 0n) return undefined; // an index dated 1970: git would take every entry as clean
  const changes: Change[] = [];
  let total = count;
  for (const e of edits) {
    const p = probes.get(e.path)!;
    const name = p.name;
    if (e.entry) {
      const bytes = entryBytes(name, e.entry, oidBytes);
      const mtimeSec = e.entry.stat.mtimeNs / 1_000_000_000n;
      if (mtimeSec < seconds) seconds = mtimeSec;
      if (p.found?.bytes.equals(bytes)) continue; // as the index has it: git leaves it alone
      if (!p.found) total++;
      changes.push(p.found ? { offset: p.found.offset, oldLength: p.found.bytes.length, bytes, name, path: e.path } : { offset: p.insertAt!, oldLength: 0, bytes, name, path: e.path });
    } else if (p.found) {
      total--;
      changes.push({ offset: p.found.offset, oldLength: p.found.bytes.length, name, path: e.path });
    }
  }
  if (!changes.length) return undefined;
  changes.sort((a, b) => a.offset - b.offset || a.oldLength - b.oldLength || Buffer.compare(a.name, b.name));
  // the cache-tree paths git invalidates, in the edits' order: each entry it writes, and each path it
  // removes (there or not); not an entry it leaves as it was
  const written = new Set(changes.filter((c) => c.bytes).map((c) => c.path));
  const changed = edits.filter((e) => !e.entry || written.has(e.path)).map((e) => e.path);
  // the extensions: kept, dropped, or a reason to decline
  const extensions: Buffer[] = [];
  const extensionsEnd = r.size - oidBytes;
  while (pos < extensionsEnd) {
    const head = r.take(pos, 8);
    if (!head) return undefined;
    const sig = head.toString('latin1', 0, 4);
    const size = head.readUInt32BE(4);
    if (pos + 8 + size > extensionsEnd) return undefined;
    if (KEPT.has(sig)) {
      const data = r.take(pos + 8, size);
      if (!data) return undefined;
      if (sig === 'TREE') {
        const tree = invalidate(data, changed, oidBytes);
        if (!tree) return undefined;
        head.writeUInt32BE(tree.length, 4);
        extensions.push(head, tree);
      } else {
        extensions.push(head, data);
      }
    } else if (!DROPPED.has(sig)) {
      return undefined;
    }
    pos += 8 + size;
  }
  if (pos !== extensionsEnd || !r.verified()) return undefined;
  return { count: total, header, changes, entriesEnd, extensions, seconds: Number(seconds) };
}

/**
 * One pass over every entry from the first (12 bytes in), locating each probe (sorted by name):
 * `found` (exact), `insertAt` (where it would go), or a reason to decline (an ancestor or prefix
 * probe that matches, an unmerged entry, flags the version does not have). Returns the end of the
 * entries, or -1 to decline. A hot loop of a short-lived process: plain byte reads, and a probe
 * compared byte by byte only from the entry whose first byte reaches the probe's.
 */
function walk(r: Reader, sorted: readonly Probe[], fixed: number, version: number, count: number): number {
  let k = 0;
  let probe: Probe | undefined = sorted[0];
  let first = probe ? probe.name[0] : 256;
  let pos = 12;
  const e = at;
  for (let i = 0; i < count; i++) {
    if (!readEntry(r, pos, fixed, version)) return -1;
    const w = e.w;
    const nameStart = e.nameStart;
    const len = e.len;
    while (probe && w[nameStart] >= first) {
      // the entry's name against the probe's: bytes in common (j), then which sorts first (c)
      const name = probe.name;
      const n = len < name.length ? len : name.length;
      let j = 0;
      while (j < n && w[nameStart + j] === name[j]) j++;
      const c = j < n ? w[nameStart + j] - name[j] : len - name.length;
      if (c < 0) break;
      if (probe.kind === 'prefix') {
        if (j === name.length) return -1; // the entry lies under the added path
      } else if (c === 0) {
        if (probe.kind === 'ancestor') return -1;
        if (e.flags & (EXTENDED | ASSUME_VALID)) return -1; // skip-worktree, intent-to-add, assume-unchanged (git keeps such an entry): git decides
        probe.found = { offset: pos, bytes: Buffer.from(w.subarray(e.o, e.o + e.size)) };
      } else {
        probe.insertAt = pos;
      }
      probe = sorted[++k];
      first = probe ? probe.name[0] : 256;
    }
    pos += e.size;
  }
  for (; k < sorted.length; k++) sorted[k].insertAt = pos;
  return pos;
}

/** The last entry read by readEntry: the window holding it, its offset there, flags, name (start in the window, length) and size on disk. */
const at = { w: Buffer.alloc(0), o: 0, flags: 0, nameStart: 0, len: 0, size: 0 };

/**
 * Reads the entry at file position `pos` into `at` (`ondisk_cache_entry`: stat data, object id,
 * flags, v3's extended flags, the NUL-terminated name padded to 8 bytes); false, to decline, when
 * it is malformed, unmerged (a stage other than 0), or has flags its version does not have.
 */
function readEntry(r: Reader, pos: number, fixed: number, version: number): boolean {
  if (pos + 8192 > r.start + r.length && !r.ensure(pos, Math.min(r.size - pos, 8192))) return false;
  let w = r.window;
  let o = pos - r.start;
  if (o + fixed > r.length) return false;
  const flags = (w[o + fixed - 2] << 8) | w[o + fixed - 1];
  if (flags & STAGE) return false; // unmerged
  let nameOff = fixed;
  if (flags & EXTENDED) {
    if (version < 3) return false;
    nameOff += 2;
  }
  let len = flags & NAME_MASK;
  if (len === NAME_MASK) {
    let nul = w.indexOf(0, o + nameOff);
    if (nul < 0 || nul >= r.length) {
      if (!r.ensure(pos, Math.min(r.size - pos, 1 << 16))) return false;
      w = r.window;
      o = pos - r.start;
      nul = w.indexOf(0, o + nameOff);
      if (nul < 0 || nul >= r.length) return false;
    }
    len = nul - o - nameOff;
  }
  const size = (nameOff + len + 8) & ~7;
  if (o + size > r.length) return false;
  at.w = w;
  at.o = o;
  at.flags = flags;
  at.nameStart = o + nameOff;
  at.len = len;
  at.size = size;
  return true;
}

/** The second pass: the new index into `out`: the old bytes between the changes copied through the reader's buffer, and the checksum. */
function write(out: number, r: Reader, plan: Plan, oidBytes: 20 | 32): void {
  const hash = createHash(oidBytes === 32 ? 'sha256' : 'sha1');
  const emit = (b: Buffer) => {
    hash.update(b);
    for (let done = 0; done < b.length;) done += fs.writeSync(out, b, done, b.length - done);
  };
  const buf = r.window;
  const copy = (from: number, to: number) => {
    while (from < to) {
      const n = fs.readSync(r.fd, buf, 0, Math.min(buf.length, to - from), from);
      if (n <= 0) throw new Error(`the index changed while it was locked (short read at ${from})`);
      emit(buf.subarray(0, n));
      from += n;
    }
  };
  const header = Buffer.from(plan.header);
  header.writeUInt32BE(plan.count, 8);
  emit(header);
  let at = 12;
  for (const ch of plan.changes) {
    copy(at, ch.offset);
    if (ch.bytes) emit(ch.bytes);
    at = ch.offset + ch.oldLength;
  }
  copy(at, plan.entriesEnd);
  for (const b of plan.extensions) emit(b);
  const digest = hash.digest();
  for (let done = 0; done < digest.length;) done += fs.writeSync(out, digest, done, digest.length - done);
}

/** A path git itself would enter in the index: no empty, `.` or `..` part, no `.git` in any case, no NUL. */
function plainPath(p: string): boolean {
  return p !== '' && !p.includes('\0') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git');
}

/** An index entry as git writes it for a regular file at stage 0 (`fill_stat_data`, `ondisk_ce_size`). */
function entryBytes(name: Buffer, entry: NonNullable<IndexEdit['entry']>, oidBytes: number): Buffer {
  const st = entry.stat;
  const b = Buffer.alloc((STAT_BYTES + oidBytes + 2 + name.length + 8) & ~7); // the padding: 1 to 8 NULs
  const u32 = (v: bigint) => Number(BigInt.asUintN(32, v));
  const sec = (ns: bigint) => u32(ns / 1_000_000_000n);
  const nsec = (ns: bigint) => u32(ns % 1_000_000_000n);
  const fields = [sec(st.ctimeNs), nsec(st.ctimeNs), sec(st.mtimeNs), nsec(st.mtimeNs), u32(st.dev), u32(st.ino), entry.mode, u32(st.uid), u32(st.gid), u32(st.size)];
  fields.forEach((v, k) => b.writeUInt32BE(v, k * 4));
  if (!/^[0-9a-f]+$/.test(entry.oid) || entry.oid.length !== oidBytes * 2) throw new Error(`not an object id: ${entry.oid}`);
  b.write(entry.oid, STAT_BYTES, 'hex');
  b.writeUInt16BE(Math.min(name.length, NAME_MASK), STAT_BYTES + oidBytes);
  name.copy(b, STAT_BYTES + oidBytes + 2);
  return b;
}

/** The paths to invalidate below one cache-tree node: per name (bytes), the folder to descend into and whether a path ends there (its subtree goes). */
type Trie = { readonly name: Buffer; down?: Trie; last: boolean }[];

/**
 * The cache-tree extension with `paths` invalidated, as git's `cache_tree_invalidate_path` does:
 * the top and every folder on the way lose their tree id (entry count -1); a subtree named as the
 * path's last part is removed. Everything else is copied as it is: only the nodes on the paths are
 * read beyond their header. Undefined when malformed.
 */
function invalidate(ext: Buffer, paths: readonly string[], oidBytes: number): Buffer | undefined {
  const top: Trie = [];
  for (const p of paths) {
    const parts = p.split('/');
    let t = top;
    parts.forEach((part, k) => {
      const name = Buffer.from(part, 'utf8');
      let at = t.find((x) => x.name.equals(name));
      if (!at) { at = { name, last: false }; t.push(at); }
      if (k === parts.length - 1) at.last = true;
      else t = at.down ??= [];
    });
  }
  const out: Buffer[] = [];
  const end = patchNode(ext, 0, top, oidBytes, out);
  return end === ext.length ? Buffer.concat(out) : undefined;
}

/** A node (at `pos`) on the invalidated paths, written to `out` with its header changed; returns its end, -1 when malformed. */
function patchNode(ext: Buffer, pos: number, t: Trie, oidBytes: number, out: Buffer[]): number {
  if (!readHeader(ext, pos, oidBytes)) return -1;
  const nameEnd = header.nul;
  const subtrees = header.subtrees;
  let at = header.end;
  const kids: Buffer[] = [];
  let kept = 0;
  let run = at; // the start of the current run of untouched subtrees, copied as one slice
  for (let k = 0; k < subtrees; k++) {
    if (!readHeader(ext, at, oidBytes)) return -1;
    const len = header.nul - at;
    // the child's name among the wanted ones, byte by byte (a folder of 1000 releases has 1000 children)
    let hit: Trie[number] | undefined;
    for (const x of t) {
      if (x.name.length !== len) continue;
      let j = 0;
      while (j < len && ext[at + j] === x.name[j]) j++;
      if (j === len) { hit = x; break; }
    }
    if (hit && run < at) kids.push(ext.subarray(run, at));
    const end = hit?.down && !hit.last ? patchNode(ext, at, hit.down, oidBytes, kids) : skipNode(ext, at, oidBytes);
    if (end < 0) return -1;
    if (!hit?.last) kept++;
    if (hit) run = end;
    at = end;
  }
  if (run < at) kids.push(ext.subarray(run, at));
  out.push(ext.subarray(pos, nameEnd + 1), Buffer.from(`-1 ${kept}\n`, 'latin1'), ...kids);
  return at;
}

/** The end of the node at `pos` and its subtrees; -1 when malformed. */
function skipNode(ext: Buffer, pos: number, oidBytes: number): number {
  if (!readHeader(ext, pos, oidBytes)) return -1;
  let at = header.end;
  for (let k = header.subtrees; k > 0; k--) {
    at = skipNode(ext, at, oidBytes);
    if (at < 0) return -1;
  }
  return at;
}

/** The last header read by readHeader: its name's NUL, entry count, subtree count, and where its subtrees start. */
const header = { nul: 0, entries: 0, subtrees: 0, end: 0 };

/** Reads a cache-tree node's header (`name NUL entries SP subtrees LF [oid]`) into `header`, byte by byte; false when malformed. */
function readHeader(b: Buffer, pos: number, oidBytes: number): boolean {
  const n = b.length;
  let p = b.indexOf(0, pos); // names run to ~250 bytes: found natively, not byte by byte
  if (p < 0) return false;
  header.nul = p++;
  const negative = b[p] === 0x2d;
  if (negative) p++;
  let v = 0;
  let digits = 0;
  for (; p < n && b[p] >= 0x30 && b[p] <= 0x39; p++, digits++) v = v * 10 + b[p] - 0x30;
  if (!digits || b[p] !== 0x20) return false;
  header.entries = negative ? -v : v;
  p++;
  v = 0;
  digits = 0;
  for (; p < n && b[p] >= 0x30 && b[p] <= 0x39; p++, digits++) v = v * 10 + b[p] - 0x30;
  if (!digits || b[p] !== 0x0a) return false;
  header.subtrees = v;
  header.end = p + 1 + (header.entries >= 0 ? oidBytes : 0);
  return header.end <= n;
}
