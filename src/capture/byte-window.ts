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
  /** Streams: copies bytes already buffered, without waiting (0 if none). */
  readNow?(buf: Uint8Array, offset: number, length: number): number;
  /** Files: reads up to `length` bytes from file position `pos` (pread), leaving `read`'s position alone. */
  readAt?(buf: Uint8Array, offset: number, length: number, pos: number): Promise<number>;
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

  async readAt(buf: Uint8Array, offset: number, length: number, pos: number): Promise<number> {
    return (await this.fh.read(buf, offset, length, pos)).bytesRead;
  }

  async stat(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/**
 * Any readable stream, pulled with read() (paused mode), so nothing is read
 * ahead of what the reader asks for beyond the stream's own buffer
 * (backpressure), and whatever the stream has already buffered can be taken
 * at once without waiting (readNow), which keeps batches large on pipes.
 */
export class StreamByteSource implements ByteSource {
  readonly size = -1;
  private pending: Uint8Array | undefined;
  private ended = false;
  private error: Error | undefined;
  private closed = false;

  constructor(private readonly stream: Readable) {
    stream.on('end', () => {
      this.ended = true;
    });
    stream.on('error', (e: Error) => {
      this.error = e;
    });
  }

  /** Copies from what is already buffered; 0 when nothing is (never waits). */
  readNow(buf: Uint8Array, offset: number, length: number): number {
    let done = 0;
    while (done < length) {
      if (!this.pending || this.pending.length === 0) {
        if (this.closed) break;
        const c = this.stream.read() as Buffer | string | null;
        if (c === null) break;
        this.pending = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
      }
      const p = this.pending;
      const n = Math.min(length - done, p.length);
      buf.set(n === p.length ? p : p.subarray(0, n), offset + done);
      this.pending = n === p.length ? undefined : p.subarray(n);
      done += n;
    }
    return done;
  }

  async read(buf: Uint8Array, offset: number, length: number): Promise<number> {
    if (length <= 0) return 0;
    for (;;) {
      const n = this.readNow(buf, offset, length);
      if (n > 0) return n;
      if (this.error) throw this.error;
      if (this.ended || this.closed || this.stream.readableEnded || this.stream.destroyed) return 0;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('readable', done);
          this.stream.off('end', done);
          this.stream.off('error', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.on('readable', done);
        this.stream.on('end', done);
        this.stream.on('error', done);
        this.stream.on('close', done);
      });
    }
  }

  async stat(): Promise<number> {
    return -1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The stream is destroyed unless it is stdin (which we do not own).
    if (this.stream !== process.stdin) this.stream.destroy();
    else this.stream.pause();
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
  /**
   * The buffer the next window is being read into (read-ahead), after `room`
   * bytes kept free at its front for the unparsed tail of the current one (a
   * record cut by the window's end): an eighth of it, 512 KiB by default.
   */
  private spare: Buffer | undefined;
  private room = 0;
  /** That read, from file position base + end: its byte count, or -1 with `aheadError` set. */
  private pending: Promise<number> | undefined;
  private aheadError: unknown;
  private ahead = false;

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
   * Reads the next window in the background while the current one is parsed,
   * for sources with positioned reads (regular files). Only for readers that
   * take every byte through `fill`/`skip` from then on: reading the source
   * directly would race with the read in flight. Frames still point into the
   * window: the buffer they point into is read over only after the next
   * `fill`, as compaction did before.
   */
  enableReadAhead(): void {
    this.ahead = this.src.readAt !== undefined;
  }

  /** Waits for a read in flight (its result is no longer wanted), then closes the source. */
  async close(): Promise<void> {
    if (this.pending) await this.pending;
    this.pending = undefined;
    await this.src.close();
  }

  /**
   * Makes at least `need` bytes available from `start` (moving data: every
   * offset handed out before is invalid afterwards). Returns false at end of
   * input with fewer bytes available. `need` must not exceed `maxCapacity`.
   */
  async fill(need: number): Promise<boolean> {
    if (this.available >= need) return true;
    if (this.eof) return false;
    if (this.pending) {
      if (await this.takeAhead()) return this.available >= need;
      if (this.available >= need) return this.readAhead();
    }
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
      const room = this.buf.length - this.end;
      const n = this.ahead ? await this.src.readAt!(this.buf, this.end, room, this.base + this.end) : await this.src.read(this.buf, this.end, room);
      if (n === 0) {
        this.eof = true;
        return this.end >= need;
      }
      this.end += n;
    }
    // A stream may already hold more: take it now (larger batches), never waiting for it.
    if (this.src.readNow && this.end < this.buf.length) this.end += this.src.readNow(this.buf, this.end, this.buf.length - this.end);
    return this.readAhead();
  }

  /** Starts reading the bytes after the window into the spare buffer. Returns true. */
  private readAhead(): boolean {
    if (!this.ahead || this.eof) return true;
    let spare = this.spare;
    if (!spare || spare.length !== this.buf.length) spare = this.spare = Buffer.allocUnsafe(this.buf.length);
    this.room = spare.length >> 3;
    this.pending = this.src.readAt!(spare, this.room, spare.length - this.room, this.base + this.end).then(
      (n) => n,
      (e: unknown) => {
        this.aheadError = e;
        return -1;
      },
    );
    return true;
  }

  /**
   * Puts the bytes read ahead after the unparsed tail: the spare buffer becomes
   * the window (the tail copied in front of them), the old one the spare.
   * Returns true at end of input.
   */
  private async takeAhead(): Promise<boolean> {
    const n = await this.pending!;
    this.pending = undefined;
    if (n < 0) throw this.aheadError;
    if (n === 0) {
      this.eof = true;
      return true;
    }
    const spare = this.spare!;
    const room = this.room;
    const left = this.end - this.start;
    const at = this.base + this.end; // file position of spare[room]
    if (left <= room) {
      spare.set(this.buf.subarray(this.start, this.end), room - left);
      this.spare = this.buf;
      this.buf = spare;
      this.start = room - left;
      this.end = room + n;
    } else {
      // A tail longer than the room (a very large record): both into a new buffer.
      const nb = Buffer.allocUnsafe(Math.max(this.buf.length, left + n));
      nb.set(this.buf.subarray(this.start, this.end), 0);
      nb.set(spare.subarray(room, room + n), left);
      this.buf = nb;
      this.start = 0;
      this.end = left + n;
    }
    this.base = at - this.end + n;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return false;
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
