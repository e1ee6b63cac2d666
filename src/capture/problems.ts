/**
 * Reader problems: what a capture reader met instead of trusting or dropping
 * it (a record cut short, a zero-length or over-long record, a lying block
 * length, an unknown block).
 *
 * The list is bounded whatever the file holds: a fuzzed file with a million
 * zero-length records gives the first `PER_KIND_LIMIT` of each kind one by
 * one and then a single summary line with the exact count of the rest, so a
 * reader's memory does not grow with the number of bad records.
 */
import type { ReaderProblem } from './source.js';

export type ProblemKind = ReaderProblem['kind'];

/** How many problems of one kind are listed individually before they are only counted. */
export const PER_KIND_LIMIT = 50;

export class ProblemLog {
  readonly list: ReaderProblem[] = [];
  private readonly perKind = new Map<ProblemKind, number>();
  private readonly summaries = new Map<ProblemKind, ReaderProblem>();
  /** Set once a fatal problem was recorded: the reader stops there. */
  fatal: ReaderProblem | undefined;

  /** Records a problem; returns it when it is listed individually (callers may refine its message). */
  add(kind: ProblemKind, fileOffset: number, frameNumber: number, message: string, fatal = false): ReaderProblem | undefined {
    const n = (this.perKind.get(kind) ?? 0) + 1;
    this.perKind.set(kind, n);
    if (n <= PER_KIND_LIMIT || fatal) {
      const p: ReaderProblem = { kind, fileOffset, frameNumber, message, fatal };
      this.list.push(p);
      if (fatal && !this.fatal) this.fatal = p;
      return p;
    }
    // Past the limit: one summary entry per kind, updated in place.
    const more = n - PER_KIND_LIMIT;
    let s = this.summaries.get(kind);
    if (!s) {
      s = { kind, fileOffset, frameNumber, message: '', fatal: false };
      this.summaries.set(kind, s);
      this.list.push(s);
    }
    s.message = `${more} more '${kind}' problem${more === 1 ? '' : 's'} not listed (last at byte ${fileOffset}: ${message})`;
    return undefined;
  }

  /** Number of problems of a kind, listed or not. */
  count(kind: ProblemKind): number {
    return this.perKind.get(kind) ?? 0;
  }
}
