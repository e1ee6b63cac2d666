/**
 * What every file/stream reader shares: the FrameSource surface, the reused
 * frame pool and batch array, the problem log, end-of-input checks.
 *
 * A subclass implements `fillBatch()`: put up to `batchSize` frames into
 * `this.batch` (taken from `this.frame(i)`), return when it cannot add more
 * without moving bytes that frames already handed out point into.
 */
import type { ByteWindow } from './byte-window.js';
import { ProblemLog } from './problems.js';
import { type CaptureInfo, type Frame, type FrameSource, type ReaderProblem, newFrame } from './source.js';

export const DEFAULT_BATCH = 1024;

/**
 * Largest captured length we accept for one record: Wireshark's and libpcap's
 * limit for every common link type (WTAP_MAX_PACKET_SIZE_STANDARD, 256 KiB).
 * Wireshark allows more for a few link types (D-Bus, USBPcap, EBHSCR); we do
 * not, which keeps memory bounded.
 */
export const MAX_CAPLEN = 262144;

const DONE: IteratorResult<Frame[]> = { done: true, value: undefined };

export abstract class ReaderBase implements FrameSource {
  readonly log = new ProblemLog();
  readonly dropped = { pipeline: 0, kernel: 0 };
  /**
   * The batch handed to the consumer (reused). Readers fill it by index up to
   * `filled`; its length is set once per batch, so that in the steady state it
   * never changes (emptying an array with length = 0 frees its backing store).
   */
  protected readonly batch: Frame[] = [];
  /** Frames put in the batch being filled. */
  protected filled = 0;
  private readonly pool: Frame[] = [];
  /** Frames delivered so far (the last frame number). */
  protected frameCount = 0;
  /** No more frames: end of input, a fatal problem, or close(). */
  protected stopped = false;
  private finished = false;
  private iterating = false;

  constructor(
    readonly info: CaptureInfo,
    protected readonly win: ByteWindow,
    protected readonly batchSize: number,
    /** Size of the file when it was opened (-1 for streams). */
    protected readonly openedSize: number,
  ) {}

  get problems(): ReaderProblem[] {
    return this.log.list;
  }

  get bytesRead(): number {
    return this.win.offset;
  }

  close(): void {
    this.stopped = true;
  }

  /** The i-th reusable frame object. */
  protected frame(i: number): Frame {
    let f = this.pool[i];
    if (!f) {
      f = newFrame();
      this.pool[i] = f;
    }
    return f;
  }

  protected abstract fillBatch(): Promise<void>;

  [Symbol.asyncIterator](): AsyncIterator<Frame[]> {
    if (this.iterating) throw new Error('a capture source can be iterated only once');
    this.iterating = true;
    return {
      next: () => this.next(),
      return: async () => {
        this.stopped = true;
        await this.finish();
        return DONE;
      },
    };
  }

  private async next(): Promise<IteratorResult<Frame[]>> {
    if (this.finished) return DONE;
    this.filled = 0;
    if (!this.stopped) {
      try {
        await this.fillBatch();
      } catch (e) {
        // A read error (EIO, a stream error): reported, never thrown out of the pipeline.
        // Frames already in the batch are whole and valid: they are still delivered.
        const msg = e instanceof Error ? e.message : String(e);
        if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
          this.log.add('cut-short', this.win.offset, this.frameCount, `the compressed file is cut short (${msg}); read up to the last whole record`, true);
        } else {
          this.log.add('other', this.win.offset, this.frameCount, `read error: ${msg}`, true);
        }
        this.stopped = true;
      }
    }
    const batch = this.batch;
    if (batch.length !== this.filled) batch.length = this.filled;
    if (this.filled > 0) return { done: false, value: batch };
    await this.finish();
    return DONE;
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.stopped = true;
    await this.win.close();
  }

  /**
   * At the end of a regular file: a file that is now smaller than what we
   * read, or than it was when opened, changed under us ('changed', fatal).
   * A file that grew was simply read further (a capture still being written).
   */
  protected async checkChanged(): Promise<boolean> {
    if (this.openedSize < 0) return false;
    let now: number;
    try {
      now = await this.win.src.stat();
    } catch {
      return false;
    }
    const consumed = this.win.bytesIn;
    if (now < this.openedSize || now < consumed) {
      this.log.add(
        'changed',
        consumed,
        this.frameCount,
        `the file changed while being read: it was ${this.openedSize} bytes when opened, ${now} now, ${consumed} read`,
        true,
      );
      return true;
    }
    return false;
  }
}
