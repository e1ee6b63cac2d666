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

  /** Bytes held in the file. */
  get size(): number { return this.end; }

  /** Appends `bytes`; returns where they went. */
  append(bytes: Uint8Array): number {
    const at = this.end;
    this.writeAt(at, bytes);
    this.end += bytes.length;
    return at;
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

  /** Resident bytes, given each value's size. */
  bytes(sizeOf: (v: T) => number): number {
    let n = 0;
    for (const v of this.values) n += sizeOf(v);
    return n;
  }
}

/**
 * An append-only byte store in fixed-size chunks whose full chunks go to a
 * spill file: only the chunk being filled (and those still being written)
 * stay in memory, plus a few read back. A reference is `chunk * chunkSize +
 * offset`; a piece never spans two chunks. Views handed out stay valid
 * unless `reuse` is set: then the memory of a chunk that has reached the file
 * holds the next chunk (no fresh pages to fault in and zero), and views must
 * be read at once, never kept.
 */
export class SpillArena {
  /** Chunks in memory by number (the one being filled, those being written); undefined once in the file. */
  private readonly chunks: (Uint8Array | undefined)[] = [];
  private readonly spillAt: number[] = [];
  private spill: SpillFile | null | undefined;
  private readonly cache = new ChunkCache<Uint8Array>(4);
  private used: number;
  /** Bytes appended. */
  total = 0;

  private readonly free: Uint8Array[] = [];

  constructor(readonly chunkSize: number, private readonly reuse = false) {
    this.used = chunkSize;
  }

  /** Room left in the current chunk (a larger piece starts a new chunk). */
  room(): number {
    return this.chunkSize - this.used;
  }

  /** Copies buf[o..o+n) (n ≤ chunkSize); returns its reference. */
  append(buf: Uint8Array, o: number, n: number): number {
    if (n > this.chunkSize - this.used) this.next();
    const c = this.chunks[this.chunks.length - 1]!;
    const at = this.used;
    // A plain Uint8Array view: Buffer#subarray makes a Buffer, which costs more to create.
    if (n <= 32) for (let i = 0; i < n; i++) c[at + i] = buf[o + i]!;
    else c.set(new Uint8Array(buf.buffer, buf.byteOffset + o, n), at);
    this.used += n;
    this.total += n;
    return (this.chunks.length - 1) * this.chunkSize + at;
  }

  /** The bytes of a reference, as a view (it stays valid). */
  view(ref: number, n: number): Uint8Array {
    const k = Math.floor(ref / this.chunkSize);
    const o = ref - k * this.chunkSize;
    return (this.chunks[k] ?? this.load(k)).subarray(o, o + n);
  }

  /** Bytes in memory (chunks being filled or written, and read back). */
  memoryBytes(): number {
    let n = 0;
    for (const c of this.chunks) if (c !== undefined) n++;
    return n * this.chunkSize + this.cache.bytes((c) => c.length);
  }

  /** Bytes in the spill file. */
  get spilledBytes(): number {
    let n = 0;
    for (let k = 0; k < this.chunks.length; k++) if (this.chunks[k] === undefined) n++;
    return n * this.chunkSize;
  }

  private next(): void {
    const full = this.chunks.length - 1;
    this.chunks.push(this.free.pop() ?? new Uint8Array(this.chunkSize));
    this.spillAt.push(-1);
    this.used = 0;
    if (full >= 0) this.spillChunk(full);
  }

  private spillChunk(k: number): void {
    if (this.spill === undefined) this.spill = SpillFile.open(this);
    if (this.spill === null) return;
    const c = this.chunks[k]!;
    this.spillAt[k] = this.spill.appendLater(c, (err) => {
      if (err !== null) { this.spillAt[k] = -1; return; }
      this.chunks[k] = undefined;
      if (this.reuse && this.free.length < 2) this.free.push(c);
    });
  }

  private load(k: number): Uint8Array {
    let c = this.cache.get(k);
    if (c === undefined) {
      c = new Uint8Array(this.chunkSize);
      this.spill!.read(this.spillAt[k]!, c);
      this.cache.put(k, c);
    }
    return c;
  }

  /** Closes the spill file (the arena is not read after this). */
  close(): void {
    this.spill?.close();
    this.spill = null;
  }
}
