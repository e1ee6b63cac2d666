/**
 * Byte sources (a regular file, or any stream: stdin, a pipe, a gunzip
 * stream) and the sliding window the capture readers parse from.
 *
 * The window is one reused buffer. Readers parse whole records out of it and
 * hand out frames that point into it; they ask for more data only once the
 * consumer is done with the previous batch, because refilling moves bytes.
 *
 * Memory is bounded by what is actually read, never by what a header claims:
 * the buffer grows (doubling) only when it is full of real data and a record
 * still does not fit, and never past `maxCapacity`. A reader must check a
 * claimed length against its own limit before asking the window for it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface ByteSource {
  /** Reads up to `length` bytes into `buf` at `offset`; 0 means end of input. */
  read(buf: Uint8Array, offset: number, length: number): Promise<number>;
  /** Size of the input when it is a regular file (re-checked by `stat()`), else -1. */
  readonly size: number;
  /** For files: the current size on disk (to notice a file that shrank under us). */
  stat(): Promise<number>;
  close(): Promise<void>;
}

/** A regular file read with positioned reads (pread): large reads, no stream machinery. */
export class FileByteSource implements ByteSource {
  private pos = 0;
  private constructor(private readonly fh: FileHandle, readonly size: number) {}

  static async open(path: string): Promise<FileByteSource> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      return new FileByteSource(fh, st.size);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async read(buf: Uint8Array, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.fh.read(buf, offset, length, this.pos);
    this.pos += bytesRead;
    return bytesRead;
  }

  async stat(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/**
 * Any readable stream, pulled chunk by chunk (so backpressure is natural:
 * nothing is read ahead of what the reader asks for beyond one chunk).
 */
export class StreamByteSource implements ByteSource {
  readonly size = -1;
  private readonly it: AsyncIterator<Buffer | string>;
  private pending: Uint8Array | undefined;
  private done = false;

  constructor(private readonly stream: Readable) {
    this.it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  }

  async read(buf: Uint8Array, offset: number, length: number): Promise<number> {
    if (length <= 0) return 0;
    if (!this.pending || this.pending.length === 0) {
      if (this.done) return 0;
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return 0;
      }
      this.pending = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
    }
    const p = this.pending;
    const n = Math.min(length, p.length);
    buf.set(n === p.length ? p : p.subarray(0, n), offset);
    this.pending = n === p.length ? undefined : p.subarray(n);
    return n;
  }

  async stat(): Promise<number> {
    return -1;
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      // Ends the iteration; the stream is destroyed unless it is stdin (which we do not own).
      if (this.stream !== process.stdin) this.stream.destroy();
      else this.stream.pause();
    }
  }
}

/** Default window size: large reads amortise the system call and the async hop. */
export const DEFAULT_WINDOW = 4 << 20;

export class ByteWindow {
  buf: Buffer;
  view: DataView;
  /** Valid bytes are buf[start, end). */
  start = 0;
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  eof = false;

  constructor(
    readonly src: ByteSource,
    capacity = DEFAULT_WINDOW,
    readonly maxCapacity = 64 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get available(): number {
    return this.end - this.start;
  }

  /** File offset of the byte at buf[start]. */
  get offset(): number {
    return this.base + this.start;
  }

  /** Total bytes taken from the source so far. */
  get bytesIn(): number {
    return this.base + this.end;
  }

  /**
   * Makes at least `need` bytes available from `start` (moving data: every
   * offset handed out before is invalid afterwards). Returns false at end of
   * input with fewer bytes available. `need` must not exceed `maxCapacity`.
   */
  async fill(need: number): Promise<boolean> {
    if (this.available >= need) return true;
    if (this.eof) return false;
    // Compact: move the unparsed tail to the front.
    if (this.start > 0) {
      if (this.end > this.start) this.buf.copyWithin(0, this.start, this.end);
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end < need) {
      if (this.end === this.buf.length) {
        // Full of real data and the record still does not fit: grow by doubling.
        const cap = Math.min(this.maxCapacity, this.buf.length * 2);
        if (cap <= this.buf.length) return false;
        const nb = Buffer.allocUnsafe(cap);
        this.buf.copy(nb, 0, 0, this.end);
        this.buf = nb;
        this.view = new DataView(nb.buffer, nb.byteOffset, nb.byteLength);
      }
      const n = await this.src.read(this.buf, this.end, this.buf.length - this.end);
      if (n === 0) {
        this.eof = true;
        return this.end >= need;
      }
      this.end += n;
    }
    return true;
  }

  /** Discards `n` bytes (a block to skip), reading through them if they are not in the window yet. */
  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      const a = this.available;
      if (a >= n) {
        this.start += n;
        return true;
      }
      this.start = this.end;
      n -= a;
      if (!(await this.fill(1))) return false;
    }
    return true;
  }
}
