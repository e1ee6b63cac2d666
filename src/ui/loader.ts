/**
 * Background loading: reads batches from a frame source and feeds the
 * analysis, giving the event loop back (setImmediate) whenever a slice of
 * work has taken longer than a small budget, so keys and redraws stay
 * responsive while a multi-GB file loads.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { FrameSource } from '../capture/source.js';
import type { AnalysisLike, FrameIndex, Throughput } from './model.js';

export class Loader {
  done = false;
  error: unknown = undefined;
  readonly startedAt = performance.now();
  finishedAt = NaN;
  private stopped = false;
  /** Recent (wall ms, frames) samples for the packets/s figure. */
  private samples: [number, number][] = [];

  constructor(
    private readonly analysis: AnalysisLike,
    private readonly index: FrameIndex,
    private readonly throughput: Throughput,
    readonly source: FrameSource,
  ) {}

  async run(budgetMs = 16): Promise<void> {
    let sliceStart = performance.now();
    const tp = this.throughput;
    try {
      for await (const batch of this.source) {
        if (this.stopped) break;
        this.index.add(batch);
        for (let i = 0; i < batch.length; i++) {
          const f = batch[i]!;
          tp.add(f.tsSec + f.tsNsec / 1e9, f.origLen);
        }
        this.analysis.feed(batch);
        const now = performance.now();
        if (now - sliceStart > budgetMs) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      if (!this.stopped) this.analysis.finish();
    } catch (e) {
      this.error = e;
    } finally {
      this.done = true;
      this.finishedAt = performance.now();
    }
  }

  stop(): void {
    this.stopped = true;
    try {
      this.source.close();
    } catch {
      // closing twice or after an error is harmless
    }
  }

  /** Fraction of the file read, or NaN when the size is unknown (live). */
  progress(): number {
    if (this.done) return 1;
    const size = this.source.info.fileSize;
    if (!(size > 0)) return NaN;
    return Math.min(1, this.source.bytesRead / size);
  }

  /** Wall seconds since loading started (frozen once done). */
  elapsed(nowMs = performance.now()): number {
    return ((this.done ? this.finishedAt : nowMs) - this.startedAt) / 1000;
  }

  /** Frames per wall second over the last ~2 s while running, over the whole load once done. */
  rate(nowMs = performance.now()): number {
    const frames = this.analysis.stats.frames;
    if (this.done) {
      const s = this.elapsed();
      return s > 0 ? frames / s : 0;
    }
    this.samples.push([nowMs, frames]);
    while (this.samples.length > 2 && nowMs - this.samples[0]![0] > 2000) this.samples.shift();
    const [t0, f0] = this.samples[0]!;
    return nowMs > t0 ? ((frames - f0) * 1000) / (nowMs - t0) : 0;
  }
}
