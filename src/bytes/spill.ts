/**
 * A spill file: where append-only stores put their full chunks (timeline
 * records, raw HTTP heads, follow-stream bytes) so that memory holds what is
 * live, not everything read. The file is created in a private temporary
 * directory and unlinked as soon as it is open: it has no name from then on,
 * nobody else can open it, and the kernel frees it when the descriptor is
 * closed or the process ends, however it ends. Chunks are read back on
 * demand by the stores (each keeps a small cache of its own).
 *
 * Chunks are written in the background (libuv's thread pool), since a write
 * of 4 MiB can wait tens of milliseconds for the disk; a store keeps a chunk
 * in memory until its write has finished. When no file can be made
 * (read-only or full temporary directory) `open()` answers null and the
 * stores keep their chunks in memory, as with SYNACK_SPILL=0.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, write, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Process-wide switch (SYNACK_SPILL=0 keeps everything in memory) and the directory (SYNACK_SPILL_DIR, else the system's). */
export const spillConfig = {
  enabled: process.env.SYNACK_SPILL !== '0',
  dir: process.env.SYNACK_SPILL_DIR ?? '',
};

/** Closes the descriptor of a spill file whose store was collected without close(). */
const orphans = new FinalizationRegistry<number>((fd) => {
  try { closeSync(fd); } catch { /* already closed */ }
});

export class SpillFile {
  /** Bytes written so far (the next chunk goes there). */
  private end = 0;
  private closed = false;
  /** Background writes in flight, and whether close() waits for them. */
  private pending = 0;
  private closing = false;
  private readonly token = {};

  private constructor(private readonly fd: number) {}

  /** A new spill file, or null when spilling is off or no file can be made. */
  static open(owner: object): SpillFile | null {
    if (!spillConfig.enabled) return null;
    let dir = '';
    try {
      dir = mkdtempSync(join(spillConfig.dir || tmpdir(), 'synack-'));
      const path = join(dir, 'spill');
      const fd = openSync(path, 'wx+', 0o600);
      unlinkSync(path);
      rmdirSync(dir);
      const f = new SpillFile(fd);
      orphans.register(owner, fd, f.token);
      return f;
    } catch {
      if (dir !== '') try { rmdirSync(dir); } catch { /* not empty or gone */ }
      return null;
    }
  }

  /**
   * Appends `bytes` in the background and returns where they go; `done` is
   * called when they are in the file (or with the error). `bytes` must not be
   * changed until then; readers use it meanwhile.
   */
  appendLater(bytes: Uint8Array, done: (err: Error | null) => void): number {
    const at = this.end;
    this.end += bytes.length;
    this.writeLater(at, bytes, done);
    return at;
  }

  /** Writes `bytes` at `at` in the background (see appendLater). */
  writeLater(at: number, bytes: Uint8Array, done: (err: Error | null) => void): void {
    this.pending++;
    let off = 0;
    const step = (err: Error | null, n: number): void => {
      if (err === null) off += n;
      if (err === null && off < bytes.length && n > 0) {
        write(this.fd, bytes, off, bytes.length - off, at + off, step);
        return;
      }
      this.pending--;
      if (this.pending === 0 && this.closing) this.close();
      done(err ?? (off < bytes.length ? new Error('spill file write stopped short') : null));
    };
    write(this.fd, bytes, 0, bytes.length, at, step);
  }

  /** Overwrites bytes already appended (a record's field changed after its chunk was spilled). */
  writeAt(at: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, at + done);
  }

  /** Reads `into.length` bytes from `at`. */
  read(at: number, into: Uint8Array): void {
    let done = 0;
    while (done < into.length) {
      const n = readSync(this.fd, into, done, into.length - done, at + done);
      if (n === 0) throw new Error(`spill file cut short at ${at + done}`);
      done += n;
    }
  }

  /** Closes the file (once the writes in flight have finished). */
  close(): void {
    if (this.closed) return;
    if (this.pending > 0) { this.closing = true; return; }
    this.closed = true;
    orphans.unregister(this.token);
    closeSync(this.fd);
  }
}

/**
 * The few chunks read back most recently, per store: readers walk a
 * connection's records or a stream's bytes in order, so a handful suffices.
 * Evicted chunks are dropped, never reused, so views handed out stay valid.
 */
export class ChunkCache<T> {
  private readonly keys: number[] = [];
  private readonly values: T[] = [];

  constructor(private readonly size: number) {}

  get(key: number): T | undefined {
    const i = this.keys.indexOf(key);
    if (i < 0) return undefined;
    const v = this.values[i]!;
    if (i > 0) {
      this.keys.splice(i, 1);
      this.values.splice(i, 1);
      this.keys.unshift(key);
      this.values.unshift(v);
    }
    return v;
  }

  put(key: number, value: T): void {
    this.keys.unshift(key);
    this.values.unshift(value);
    if (this.keys.length > this.size) {
      this.keys.pop();
      this.values.pop();
    }
  }

  delete(key: number): void {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      this.keys.splice(i, 1);
      this.values.splice(i, 1);
    }
  }

  /** Values held. */
  get length(): number { return this.keys.length; }
}

/**
 * Fixed-size chunks of an append-only store, of which only the newest stay in
 * memory: the one being filled, the `keepFull` full ones before it, and those
 * whose write to the spill file is still in flight; older ones are read back
 * through a small cache when asked for. With `reuse`, the memory of a chunk
 * that has reached the file holds the next one (no fresh pages to fault in
 * and zero; a 4 MiB buffer is only freed by a full collection), so views of
 * chunks must not be kept. A chunk changed after it was full is written
 * again if its write was in flight (`changed`), or patched in the file
 * (`patchSpilled`). The timeline store and the byte arenas are built on it.
 *
 * (Subclasses give the chunk type through methods, not function fields: a
 * worker thread's stores are handed to the parent by structured clone.)
 */
export abstract class SpillChunks<T> {
  /** Chunks in memory by number; undefined once in the file, or dropped. */
  private readonly list: (T | undefined)[] = [];
  /** Where each chunk lies in the spill file (-1: not there). */
  private readonly spillAt: number[] = [];
  private spill: SpillFile | null | undefined;
  private readonly cache = new ChunkCache<T>(4);
  private readonly free: T[] = [];
  /** Chunks whose write is in flight. */
  private readonly writing = new Set<number>();
  /**
   * Changes to each chunk after it was full, counted: a write in flight redoes itself when the
   * count moved meanwhile. A count, not a flag set only while a write is in flight, so that
   * `changed` does the same on every call (the timeline writer calls it once a segment, inlined:
   * a branch first taken when the first write is in flight would deoptimize the writer).
   */
  private readonly edits: number[] = [];

  constructor(private readonly keepFull: number, private readonly reuse: boolean) {}

  protected abstract create(): T;
  /** The bytes of a chunk (what the file holds). */
  protected abstract bytesOf(c: T): Uint8Array;
  /** Makes reused chunk memory ready for new content. */
  protected abstract clear(c: T): void;

  /** Chunks started so far. */
  get chunkCount(): number { return this.list.length; }

  /** Starts a new chunk; full chunks older than the kept ones go to the file. */
  protected addChunk(): T {
    const reused = this.free.pop();
    if (reused !== undefined) this.clear(reused);
    const c = reused ?? this.create();
    this.list.push(c);
    this.spillAt.push(-1);
    this.edits.push(0);
    this.spillChunk(this.list.length - 2 - this.keepFull);
    return c;
  }

  /** Chunk `k`, from memory or read back from the file. */
  protected chunkAt(k: number): T {
    return this.list[k] ?? this.load(k);
  }

  /** Chunk `k` if it is in memory. */
  protected inMemory(k: number): T | undefined {
    return this.list[k];
  }

  /** Chunk `k`, in memory, was written to (after it was full, or is being filled): a write in flight is done again. */
  protected changed(k: number): void {
    this.edits[k]!++;
  }

  /** Writes `bytes` at `byteOffset` of chunk `k`, which is in the file (and maybe in the cache). */
  protected patchSpilled(k: number, byteOffset: number, bytes: Uint8Array): void {
    const cached = this.cache.get(k);
    if (cached !== undefined) this.bytesOf(cached).set(bytes, byteOffset);
    this.spill!.writeAt(this.spillAt[k]! + byteOffset, bytes);
  }

  /** Forgets chunk `k` (retention): it is never read again. */
  protected dropChunk(k: number): void {
    this.list[k] = undefined;
    this.spillAt[k] = -1;
    this.cache.delete(k);
  }

  /** Chunks in memory: being filled, kept, being written, read back. */
  protected residentChunks(): number {
    let n = this.cache.length;
    for (const c of this.list) if (c !== undefined) n++;
    return n;
  }

  /** Chunks in the spill file or on their way there. */
  protected spilledChunks(): number {
    let n = 0;
    for (const at of this.spillAt) if (at >= 0) n++;
    return n;
  }

  private spillChunk(k: number): void {
    const c = this.list[k];
    if (k < 0 || c === undefined || this.writing.has(k)) return;
    if (this.spill === undefined) this.spill = SpillFile.open(this);
    const spill = this.spill;
    if (spill === null) return;
    const bytes = this.bytesOf(c);
    let edits = this.edits[k]!;
    const done = (err: Error | null): void => {
      if (err !== null || this.list[k] !== c) {
        // Not in the file after all (or dropped meanwhile): the chunk stays in memory, and so do later ones.
        this.writing.delete(k);
        if (err !== null) { this.spillAt[k] = -1; this.spill = null; }
        return;
      }
      if (this.edits[k] !== edits) {
        edits = this.edits[k]!;
        spill.writeLater(this.spillAt[k]!, bytes, done);
        return;
      }
      this.writing.delete(k);
      this.list[k] = undefined;
      if (this.reuse && this.free.length < 2) this.free.push(c);
    };
    this.writing.add(k);
    this.spillAt[k] = spill.appendLater(bytes, done);
  }

  private load(k: number): T {
    let c = this.cache.get(k);
    if (c === undefined) {
      const at = this.spillAt[k] ?? -1;
      if (at < 0 || this.spill == null) throw new RangeError(`chunk ${k} is not kept`);
      c = this.create();
      this.spill.read(at, this.bytesOf(c));
      this.cache.put(k, c);
    }
    return c;
  }

  /** Closes the spill file (the store is not read after this). */
  close(): void {
    this.spill?.close();
    this.spill = null;
  }
}

/**
 * An append-only byte store whose full chunks go to the spill file at once:
 * memory holds about one chunk. A reference is `chunk * chunkSize + offset`;
 * a piece never spans two chunks. Views handed out stay valid unless `reuse`
 * is set (see SpillChunks).
 */
export class SpillArena extends SpillChunks<Uint8Array> {
  private cur: Uint8Array | undefined;
  /**
   * The last source appended from, with its ArrayBuffer and offset: reading
   * `buffer` is a call into V8's C++ builtins every time, and the frames of
   * one read share their Buffer (keep-alive.pcap: 167,000 appends, 9 sources).
   */
  private src: Uint8Array | null = null;
  private srcBuffer: ArrayBufferLike = new ArrayBuffer(0);
  private srcOffset = 0;
  /**
   * Appends that take their source afresh whatever it is: a new source comes
   * once per read, thousands of appends in, and a branch first taken after
   * `append` was optimized has no type feedback and deoptimizes it (and the
   * reassembly and HTTP code it is inlined into). Taking the first sources
   * again makes that branch run while V8 still collects feedback.
   */
  private warmUp = 16;
  private used: number;
  /** Bytes appended. */
  total = 0;

  constructor(readonly chunkSize: number, reuse = false) {
    super(0, reuse);
    this.used = chunkSize;
  }

  protected create(): Uint8Array { return new Uint8Array(this.chunkSize); }
  protected bytesOf(c: Uint8Array): Uint8Array { return c; }
  protected clear(_c: Uint8Array): void { /* only appended ranges are ever read */ }

  /** Room left in the current chunk (a larger piece starts a new chunk). */
  room(): number {
    return this.chunkSize - this.used;
  }

  /** Copies buf[o..o+n) (n ≤ chunkSize); returns its reference. */
  append(buf: Uint8Array, o: number, n: number): number {
    if (n > this.chunkSize - this.used) {
      this.cur = this.addChunk();
      this.used = 0;
    }
    const c = this.cur!;
    const at = this.used;
    // A plain Uint8Array view: Buffer#subarray makes a Buffer, which costs more to create.
    if (n <= 32) for (let i = 0; i < n; i++) c[at + i] = buf[o + i]!;
    else {
      if (buf !== this.src) {
        this.src = this.warmUp-- > 0 ? null : buf;
        this.srcBuffer = buf.buffer;
        this.srcOffset = buf.byteOffset;
      }
      c.set(new Uint8Array(this.srcBuffer, this.srcOffset + o, n), at);
    }
    this.used += n;
    this.total += n;
    return (this.chunkCount - 1) * this.chunkSize + at;
  }

  /** The bytes of a reference, as a view. */
  view(ref: number, n: number): Uint8Array {
    const k = Math.floor(ref / this.chunkSize);
    const o = ref - k * this.chunkSize;
    return this.chunkAt(k).subarray(o, o + n);
  }

  /** Bytes in memory (chunks being filled or written, and read back). */
  memoryBytes(): number {
    return this.residentChunks() * this.chunkSize;
  }

  /** Bytes in the spill file (or on their way there). */
  get spilledBytes(): number {
    return this.spilledChunks() * this.chunkSize;
  }
}
