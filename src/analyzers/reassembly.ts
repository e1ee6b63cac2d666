/**
 * TCP stream reassembly, one `TcpReassembler` per connection, two directions
 * each. It turns segments (in capture order) into the in-order byte stream a
 * push parser wants, and says honestly where that stream is incomplete.
 *
 * Rules (README "Stream reassembly"):
 * - Stream offsets are plain numbers counted from the first payload byte of a
 *   direction: ISN+1 when the SYN was seen (the SYN consumes one sequence
 *   number, RFC 9293 §3.4), else the first segment's sequence number. Sequence
 *   numbers are compared mod 2^32 (src/flow/seq.ts), so wraparound is invisible.
 * - Fast path: a segment that starts exactly at the next expected offset,
 *   with nothing buffered, is handed to the sink straight from the frame's
 *   bytes — no copy. Only out-of-order data is copied (into `Block`s).
 * - **First copy wins.** Bytes already delivered or already buffered are never
 *   replaced by a later copy of the same sequence range (the policy of most
 *   OS stacks, Zeek and gopacket). When a later copy carries different bytes
 *   and we still hold the first copy (buffered, or within the follow-stream
 *   retention), the sink gets a `stream_overlap_differs` marker naming the
 *   frame of the differing copy. TCP keep-alive probes (1 byte at next-1) are
 *   not compared.
 * - Gaps: bytes that the receiver acknowledged but the capture never showed,
 *   or that a buffer cap forced us to skip, or that snaplen cut off, are
 *   delivered as `gap(dir, length)` so parsers can resynchronise.
 * - Bounds: per-direction and global caps on buffered out-of-order bytes and
 *   on the number of buffered blocks; when a cap is reached the oldest hole
 *   is declared a gap (marker `stream_buffer_limit`), so memory never grows
 *   past the caps whatever the input.
 *
 * The reassembler never throws on bad input; odd segments are ignored or
 * become markers.
 */
import * as anomalies from '../decode/anomalies.js';
import type { AnomalyCode } from '../decode/anomalies.js';
import * as decoded from '../decode/decoded.js';
import type { Dir, TcpSegmentInfo } from '../flow/hooks.js';
import * as seqMod from '../flow/seq.js';
import { SpillArena } from '../bytes/spill.js';

// Bound as constants of this module: optimized code reads an imported binding through its
// module cell, with a check that it is initialized, at every use (see flow/tcp-tracker.ts).
const { Anomaly } = anomalies;
const { TcpFlag } = decoded;
const { seqAdd, seqDiff } = seqMod;


/** Where reassembled bytes go. Buffers passed to `data` are valid only during the call. */
export interface StreamSink {
  /** In-order bytes of `dir`: buf[offset .. offset+length). */
  data(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number): void;
  /** `length` bytes of `dir` are missing; the next `data` resumes after them. */
  gap(dir: Dir, length: number, frameNumber: number, time: number): void;
  /** `dir` has ended (its FIN reached in order, or the connection ended). Called once per direction. */
  end(dir: Dir, frameNumber: number, time: number): void;
  /** Something the reassembler wants on the record (overlap differs, cap reached, gap). */
  marker(code: AnomalyCode, dir: Dir, frameNumber: number, time: number, detail: string): void;
}

/**
 * An application push parser fed with one connection's reassembled bytes
 * (STYLE principle 10). `push` may be called at any byte boundary; `gap`
 * says bytes are missing (resynchronise at the next message boundary);
 * `end` says a direction is finished.
 */
export interface StreamHandler {
  push(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number): void;
  gap(dir: Dir, length: number, frameNumber: number, time: number): void;
  end(dir: Dir, frameNumber: number, time: number): void;
}

export interface ReassemblyLimits {
  /** Out-of-order bytes buffered per direction (default 2 MiB). */
  maxBufferedPerDir: number;
  /** Out-of-order blocks buffered per direction (default 4096). */
  maxBlocksPerDir: number;
  /** Out-of-order bytes buffered over all connections (default 32 MiB). */
  maxBufferedTotal: number;
  /** Follow-stream retention per connection, both directions (default 1 MiB; 0 disables). */
  maxStoredPerConn: number;
  /** Follow-stream retention over all connections (default 16 MiB). */
  maxStoredTotal: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: Readonly<ReassemblyLimits> = {
  maxBufferedPerDir: 2 * 1024 * 1024,
  maxBlocksPerDir: 4096,
  maxBufferedTotal: 32 * 1024 * 1024,
  maxStoredPerConn: 1024 * 1024,
  maxStoredTotal: 16 * 1024 * 1024,
};

/** Counters shared by all reassemblers of one analysis, so global caps hold. */
export class ReassemblyBudget {
  buffered = 0;
  /** Times a cap cut something (for the summary). */
  limitHits = 0;
  /**
   * Follow-stream bytes of every connection, appended in 1 MiB chunks; full
   * chunks go to the spill file (bytes/spill.ts), so memory holds about one.
   */
  readonly arena = new SpillArena(1 << 20);
  constructor(readonly limits: Readonly<ReassemblyLimits> = DEFAULT_REASSEMBLY_LIMITS) {}
  get stored(): number {
    return this.arena.total;
  }
}

/** An out-of-order piece we had to copy. */
interface Block {
  off: number;
  end: number;
  data: Uint8Array;
  frame: number;
  time: number;
}

/** One follow-stream chunk (built on demand). */
export interface StreamChunk {
  dir: Dir;
  data: Uint8Array;
  frameNumber: number;
}

/** Fields of a run in StreamStore: direction, stream offset, arena ref (-1: gap), length, frame. */
const R_DIR = 0, R_OFF = 1, R_REF = 2, R_LEN = 3, R_FRAME = 4, R_SIZE = 5;

/**
 * Follow-stream retention of one connection: the first bytes of each
 * direction, kept in the shared arena, indexed by one small array of runs in
 * arrival order (a plain number array: cheaper than typed arrays for the
 * few runs most connections have). Also the reference for "did this
 * retransmission differ from what we delivered?".
 */
class StreamStore {
  private readonly runs: number[] = [];
  full = false;
  total = 0;

  constructor(private readonly budget: ReassemblyBudget) {}

  /** Empties a store that kept no bytes (only gaps or nothing), for reuse. */
  clear(): void {
    // Usually empty already: setting an array's length is a call into the runtime.
    if (this.runs.length !== 0) this.runs.length = 0;
    this.full = false;
    this.total = 0;
  }

  /** Appends delivered bytes at stream offset `off`; returns false when retention just ran out (once). */
  append(dir: Dir, off: number, buf: Uint8Array, offset: number, length: number, frame: number): boolean {
    if (this.full) return true;
    const lim = this.budget.limits;
    const roomConn = lim.maxStoredPerConn - this.total;
    const roomAll = lim.maxStoredTotal - this.budget.stored;
    const room = roomConn < roomAll ? roomConn : roomAll;
    // The cut is worked out by the same operations on every call: the first one comes thousands of
    // connections in (when the total is spent), and a branch first taken then has no type feedback
    // and deoptimizes this and the reassembly it is inlined into.
    const avail = room > 0 ? room : 0;
    const cut = length > room;
    const n = cut ? avail : length;
    const arena = this.budget.arena;
    let done = 0;
    while (done < n) {
      const r = arena.room();
      const k = r > 0 && r < n - done ? r : n - done;
      const ref = arena.append(buf, offset + done, k);
      this.runs.push(dir, off + done, ref, k, frame);
      done += k;
    }
    this.total += n;
    this.full = cut;
    return !cut;
  }

  /** Records a gap in follow-stream (shown as an empty chunk). */
  gap(dir: Dir, off: number, length: number, frame: number): void {
    if (!this.full) this.runs.push(dir, off, -1, length, frame);
  }

  /**
   * Compares a later copy of stream bytes [off, off+len) of `dir` with the
   * kept first copy. Returns the stream offset of the first differing byte,
   * or -1 when equal or not comparable (not kept, or a gap). Linear in the
   * runs kept (bounded by the per-connection retention).
   */
  firstDifference(dir: Dir, off: number, buf: Uint8Array, offset: number, len: number): number {
    const r = this.runs;
    const end = off + len;
    const arena = this.budget.arena;
    for (let b = 0; b < r.length; b += R_SIZE) {
      if (r[b + R_DIR] !== dir) continue;
      const rOff = r[b + R_OFF]!, rLen = r[b + R_LEN]!, ref = r[b + R_REF]!;
      const from = Math.max(off, rOff), to = Math.min(end, rOff + rLen);
      if (ref < 0 || to <= from) continue;
      const kept = arena.view(ref + (from - rOff), to - from);
      const base = offset + (from - off);
      for (let k = 0; k < kept.length; k++) if (kept[k] !== buf[base + k]) return from + k;
    }
    return -1;
  }

  chunks(): StreamChunk[] {
    const out: StreamChunk[] = [];
    const arena = this.budget.arena;
    const r = this.runs;
    let dir: Dir = 0;
    let parts: Uint8Array[] = [];
    let frame0 = 0;
    const flush = (): void => {
      if (parts.length === 0) return;
      let data = parts[0]!;
      if (parts.length > 1) {
        data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
        let o = 0;
        for (const p of parts) { data.set(p, o); o += p.length; }
      }
      out.push({ dir, data, frameNumber: frame0 });
      parts = [];
    };
    for (let b = 0; b < r.length; b += R_SIZE) {
      const d = r[b + R_DIR] as Dir, ref = r[b + R_REF]!, len = r[b + R_LEN]!, frame = r[b + R_FRAME]!;
      if (ref < 0) {
        // A gap is shown as an empty chunk; follow-stream views print it as missing bytes.
        flush();
        out.push({ dir: d, data: EMPTY, frameNumber: frame });
        continue;
      }
      // Consecutive deliveries in one direction become one chunk (first frame kept).
      if (parts.length > 0 && d !== dir) flush();
      if (parts.length === 0) { dir = d; frame0 = frame; }
      parts.push(arena.view(ref, len));
    }
    flush();
    return out;
  }
}

const EMPTY = new Uint8Array(0);
/** Shared empty block list: a direction gets its own array only when something arrives out of order. */
const NO_BLOCKS: Block[] = [];

/**
 * A plain Uint8Array view of buf[s..e). `subarray` on a Node Buffer goes
 * through Buffer's JS constructor; this does not, which matters per packet.
 */
export function view(buf: Uint8Array, s: number, e: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + s, e - s);
}

class DirState {
  started = false;
  /** Started at ISN+1 (the SYN was seen): offset 0 is the true start of the stream. */
  fromSyn = false;
  /** Sequence number of stream offset `nextOff` (uint32). */
  nextSeq = 0;
  /** Bytes delivered (or skipped as gaps) so far. */
  nextOff = 0;
  /** Stream offset of the FIN, or -1. */
  finOff = -1;
  ended = false;
  /** Highest offset the peer acknowledged (only meaningful when started). */
  ackedOff = 0;
  /** A gap came before any byte was delivered. */
  skippedAtStart = false;
  blocks: Block[] = NO_BLOCKS;
  buffered = 0;
  lastFrame = 0;
  lastTime = 0;

  /** Back to the state of a new direction (the reassembler is reused for another connection). */
  reset(): void {
    this.started = false;
    this.fromSyn = false;
    this.nextSeq = 0;
    this.nextOff = 0;
    this.finOff = -1;
    this.ended = false;
    this.ackedOff = 0;
    this.skippedAtStart = false;
    this.blocks = NO_BLOCKS;
    this.buffered = 0;
    this.lastFrame = 0;
    this.lastTime = 0;
  }
}

/** Reassembly of one TCP connection. */
export class TcpReassembler {
  /** The two directions (fields rather than an array: one object less per connection). */
  private readonly d0 = new DirState();
  private readonly d1 = new DirState();
  private store: StreamStore | null;

  constructor(
    private readonly sink: StreamSink,
    private readonly budget: ReassemblyBudget,
    keepStream = true,
  ) {
    this.store = keepStream && budget.limits.maxStoredPerConn > 0 ? new StreamStore(budget) : null;
  }

  private dir(dir: Dir): DirState {
    return dir === 0 ? this.d0 : this.d1;
  }

  /**
   * Makes this reassembler new again for another connection (after `finish`
   * or `dispose`). A follow-stream store that holds bytes may be kept by the
   * owner (`streamStore`), so it is replaced rather than cleared.
   */
  reset(): void {
    this.d0.reset();
    this.d1.reset();
    const store = this.store;
    if (store !== null) {
      // A new store is cleared too, so `clear` runs from the first connection on: once the
      // retention total is spent every store stays empty, and a `clear` first run then, thousands
      // of connections in, has no type feedback and deoptimizes this and `reuse`.
      const next = store.total > 0 ? new StreamStore(this.budget) : store;
      next.clear();
      this.store = next;
    }
  }

  /** Feeds one segment (any flags, any length). */
  segment(s: TcpSegmentInfo, time: number): void {
    const dir = s.dir;
    const st = this.dir(dir);
    const flags = s.flags;
    const frame = s.frameNumber;
    if (!st.started) {
      if (flags & TcpFlag.SYN) { this.start(st, seqAdd(s.seq, 1)); st.fromSyn = true; }
      else if (s.isn >= 0) { this.start(st, seqAdd(s.isn, 1)); st.fromSyn = true; }
      else if (s.payloadLen > 0 || s.payloadWireLen > 0 || flags & TcpFlag.FIN) this.start(st, s.seq >>> 0);
    }
    // The peer's ACK tells what it received: holes below it are capture loss.
    if (flags & TcpFlag.ACK) this.noteAck(1 - dir as Dir, s.ack >>> 0, frame, time);
    if (!st.started || st.ended) return;
    st.lastFrame = frame;
    st.lastTime = time;

    // SYN occupies the sequence number before the first payload byte.
    const dataSeq = flags & TcpFlag.SYN ? seqAdd(s.seq, 1) : s.seq >>> 0;
    const off = st.nextOff + seqDiff(dataSeq, st.nextSeq);
    const capLen = s.payloadLen;
    const wireLen = s.payloadWireLen > capLen ? s.payloadWireLen : capLen;

    if (flags & TcpFlag.FIN) {
      const fin = off + wireLen;
      if (st.finOff < 0 || fin < st.finOff) st.finOff = fin;
    }
    if (capLen > 0) this.data(dir, st, off, s.buf, s.payloadOffset, capLen, frame, time);
    if (wireLen > capLen && off + wireLen > st.nextOff) {
      // Snaplen cut the payload: the rest is a gap, and what follows resumes after it.
      const cutFrom = off + capLen;
      if (cutFrom <= st.nextOff && st.blocks.length === 0) {
        this.sink.marker(Anomaly.stream_gap, dir, frame, time, `${wireLen - capLen} bytes not captured (snapshot length)`);
        this.skip(dir, st, off + wireLen, frame, time);
      }
    }
    this.checkFin(dir, st, frame, time);
  }

  private start(st: DirState, seq: number): void {
    st.started = true;
    st.nextSeq = seq;
    st.nextOff = 0;
  }

  private data(dir: Dir, st: DirState, off: number, buf: Uint8Array, o: number, len: number, frame: number, time: number): void {
    let end = off + len;
    if (end <= st.nextOff) {
      // Entirely old: a retransmission or keep-alive. First copy wins; compare if we can.
      if (!(len <= 1 && end === st.nextOff)) this.compareOld(dir, off, buf, o, len, frame, time);
      return;
    }
    if (off < st.nextOff) {
      const old = st.nextOff - off;
      this.compareOld(dir, off, buf, o, old, frame, time);
      o += old;
      len -= old;
      off = st.nextOff;
    }
    if (off > st.nextOff) {
      this.insert(dir, st, off, buf, o, len, frame, time);
      return;
    }
    // In order. Deliver straight from the frame, yielding to buffered first copies.
    const blocks = st.blocks;
    let cur = off;
    while (cur < end) {
      const b = blocks[0];
      if (b === undefined || b.off >= end) {
        this.deliver(dir, st, buf, o + (cur - off), end - cur, frame, time);
        cur = end;
      } else if (b.off > cur) {
        this.deliver(dir, st, buf, o + (cur - off), b.off - cur, frame, time);
        cur = b.off;
      } else {
        const ovEnd = b.end < end ? b.end : end;
        this.compareBlock(dir, b, cur, buf, o + (cur - off), ovEnd - cur, frame, time);
        blocks.shift();
        this.release(st, b);
        if (b.end > st.nextOff) this.deliver(dir, st, b.data, cur - b.off, b.end - cur, b.frame, b.time);
        cur = b.end;
        if (cur > end) end = cur;
      }
    }
    this.drain(dir, st);
  }

  /** Delivers buffered blocks that have become contiguous. */
  private drain(dir: Dir, st: DirState): void {
    const blocks = st.blocks;
    while (blocks.length > 0 && blocks[0]!.off <= st.nextOff) {
      const b = blocks.shift()!;
      this.release(st, b);
      if (b.end > st.nextOff) {
        const from = st.nextOff - b.off;
        this.deliver(dir, st, b.data, from, b.end - st.nextOff, b.frame, b.time);
      }
    }
  }

  private deliver(dir: Dir, st: DirState, buf: Uint8Array, o: number, len: number, frame: number, time: number): void {
    if (len <= 0) return;
    if (st.finOff >= 0 && st.nextOff + len > st.finOff) {
      // Bytes beyond the FIN are not part of the stream.
      len = st.finOff - st.nextOff;
      if (len <= 0) return;
    }
    st.nextOff += len;
    st.nextSeq = seqAdd(st.nextSeq, len);
    if (this.store !== null && !this.store.append(dir, st.nextOff - len, buf, o, len, frame)) {
      this.budget.limitHits++;
      this.sink.marker(Anomaly.stream_buffer_limit, dir, frame, time,
        `follow-stream retention limit reached; only the first bytes of this connection are kept`);
    }
    this.sink.data(dir, buf, o, len, frame, time);
  }

  /** Declares [nextOff, to) missing and moves on. */
  private skip(dir: Dir, st: DirState, to: number, frame: number, time: number): void {
    const n = to - st.nextOff;
    if (n <= 0) return;
    if (st.nextOff === 0) st.skippedAtStart = true;
    st.nextOff = to;
    st.nextSeq = seqAdd(st.nextSeq, n);
    if (this.store !== null) this.store.gap(dir, to - n, n, frame);
    this.sink.gap(dir, n, frame, time);
    this.drain(dir, st);
  }

  /** Buffers an out-of-order piece: only the parts no earlier copy covers are copied (first copy wins). */
  private insert(dir: Dir, st: DirState, off: number, buf: Uint8Array, o: number, len: number, frame: number, time: number): void {
    const blocks = st.blocks;
    const end = off + len;
    // Blocks are sorted and disjoint. Find the first one ending after `off`.
    let i = 0;
    let lo = 0, hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (blocks[mid]!.end <= off) lo = mid + 1; else hi = mid;
    }
    i = lo;
    let cur = off;
    while (cur < end) {
      const b = blocks[i];
      if (b === undefined || b.off >= end) {
        this.addBlock(st, i, cur, buf, o + (cur - off), end - cur, frame, time);
        break;
      }
      if (b.off > cur) {
        if (this.addBlock(st, i, cur, buf, o + (cur - off), b.off - cur, frame, time)) i++;
        cur = b.off;
        continue;
      }
      const ovEnd = b.end < end ? b.end : end;
      this.compareBlock(dir, b, cur, buf, o + (cur - off), ovEnd - cur, frame, time);
      cur = ovEnd;
      i++;
    }
    this.enforceCaps(dir, st, frame, time);
    // The peer may already have acknowledged past the hole (capture loss).
    if (st.ackedOff > st.nextOff && st.blocks.length > 0) this.flushAcked(dir, st, frame, time);
  }

  /** Copies an out-of-order piece into the sorted block list at index `at`; false when it lies beyond the FIN. */
  private addBlock(st: DirState, at: number, off: number, buf: Uint8Array, o: number, len: number, frame: number, time: number): boolean {
    if (st.finOff >= 0 && off >= st.finOff) return false;
    const data = new Uint8Array(len); // visible copy: out-of-order bytes must outlive the frame
    data.set(view(buf, o, o + len));
    if (st.blocks === NO_BLOCKS) st.blocks = [];
    st.blocks.splice(at, 0, { off, end: off + len, data, frame, time });
    st.buffered += len;
    this.budget.buffered += len;
    return true;
  }

  private release(st: DirState, b: Block): void {
    const n = b.end - b.off;
    st.buffered -= n;
    this.budget.buffered -= n;
  }

  /** Caps: give up on the oldest hole (declare it a gap) until we are back under every limit. */
  private enforceCaps(dir: Dir, st: DirState, frame: number, time: number): void {
    const lim = this.budget.limits;
    let hit = false;
    while (st.blocks.length > 0 && (st.buffered > lim.maxBufferedPerDir || st.blocks.length > lim.maxBlocksPerDir
      || this.budget.buffered > lim.maxBufferedTotal)) {
      if (!hit) {
        hit = true;
        this.budget.limitHits++;
        this.sink.marker(Anomaly.stream_buffer_limit, dir, frame, time,
          `out-of-order buffer limit reached (${st.blocks.length} blocks, ${st.buffered} bytes); hole skipped`);
      }
      const first = st.blocks[0]!;
      // Skip to the first buffered block (a gap), then deliver what became contiguous.
      this.skip(dir, st, first.off, frame, time);
      if (st.blocks.length > 0 && st.blocks[0] === first) {
        // Defensive: skip must have drained it.
        st.blocks.shift();
        this.release(st, first);
      }
    }
  }

  private compareOld(dir: Dir, off: number, buf: Uint8Array, o: number, len: number, frame: number, time: number): void {
    if (this.store === null) return;
    const at = this.store.firstDifference(dir, off, buf, o, len);
    if (at >= 0) this.differs(dir, at, frame, time, 'delivered');
  }

  private compareBlock(dir: Dir, b: Block, from: number, buf: Uint8Array, o: number, len: number, frame: number, time: number): void {
    const d = b.data;
    const base = from - b.off;
    for (let i = 0; i < len; i++) {
      if (d[base + i] !== buf[o + i]) {
        this.differs(dir, from + i, frame, time, `buffered from frame ${b.frame}`);
        return;
      }
    }
  }

  private differs(dir: Dir, at: number, frame: number, time: number, first: string): void {
    this.sink.marker(Anomaly.stream_overlap_differs, dir, frame, time,
      `retransmitted bytes at stream offset ${at} differ from the first copy (${first}); first copy kept, frame ${frame} ignored there`);
  }

  private noteAck(dir: Dir, ack: number, frame: number, time: number): void {
    const st = this.dir(dir);
    if (!st.started || st.ended) return;
    let ackOff = st.nextOff + seqDiff(ack, st.nextSeq);
    // The FIN consumes one sequence number: an ACK of FIN+1 acknowledges no extra data.
    if (st.finOff >= 0 && ackOff > st.finOff) ackOff = st.finOff;
    if (ackOff > st.ackedOff) st.ackedOff = ackOff;
    if (st.ackedOff > st.nextOff && st.blocks.length > 0) this.flushAcked(dir, st, frame, time);
  }

  /** The peer received bytes the capture never showed: skip the acknowledged hole. */
  private flushAcked(dir: Dir, st: DirState, frame: number, time: number): void {
    const first = st.blocks[0]!;
    const to = first.off < st.ackedOff ? first.off : st.ackedOff;
    if (to > st.nextOff) {
      this.sink.marker(Anomaly.stream_gap, dir, frame, time, `${to - st.nextOff} bytes acknowledged but not in the capture`);
      this.skip(dir, st, to, frame, time);
      this.checkFin(dir, st, frame, time);
    }
  }

  private checkFin(dir: Dir, st: DirState, frame: number, time: number): void {
    if (!st.ended && st.finOff >= 0 && st.nextOff >= st.finOff) {
      st.ended = true;
      this.dropBlocks(st);
      this.sink.end(dir, frame, time);
    }
  }

  private dropBlocks(st: DirState): void {
    if (st.blocks === NO_BLOCKS) return;
    for (const b of st.blocks) this.release(st, b);
    st.blocks.length = 0;
  }

  /** The connection ends: deliver what is buffered (with gaps for holes) and end both directions. */
  finish(): void {
    for (let i = 0; i < 2; i++) {
      const dir = i as Dir;
      const st = this.dir(dir);
      if (st.ended) continue;
      if (st.started) {
        while (st.blocks.length > 0) {
          const b = st.blocks[0]!;
          if (b.off > st.nextOff) {
            this.sink.marker(Anomaly.stream_gap, dir, b.frame, b.time, `${b.off - st.nextOff} bytes never seen`);
            this.skip(dir, st, b.off, b.frame, b.time);
          } else this.drain(dir, st);
        }
        // Acknowledged tail never captured.
        const tail = (st.finOff >= 0 ? Math.min(st.ackedOff, st.finOff) : st.ackedOff) - st.nextOff;
        if (tail > 0) {
          this.sink.marker(Anomaly.stream_gap, dir, st.lastFrame, st.lastTime, `${tail} bytes acknowledged but not in the capture`);
          this.skip(dir, st, st.nextOff + tail, st.lastFrame, st.lastTime);
        }
      }
      st.ended = true;
      this.sink.end(dir, st.lastFrame, st.lastTime);
    }
  }

  /** Frees buffers (after finish, when the connection is gone for good). Keeps follow-stream data. */
  dispose(): void {
    this.dropBlocks(this.d0);
    this.dropBlocks(this.d1);
  }

  chunks(): StreamChunk[] | undefined {
    return this.store?.chunks();
  }

  /** The follow-stream data alone (kept after the connection ends; null when nothing was kept). */
  streamStore(): { chunks(): StreamChunk[] } | null {
    return this.store !== null && this.store.total > 0 ? this.store : null;
  }

  /** Bytes currently buffered out of order (both directions), for tests and the summary. */
  get buffered(): number {
    return this.d0.buffered + this.d1.buffered;
  }

  /**
   * Whether `dir`'s delivered stream begins at the connection's first byte:
   * its SYN was seen and nothing was skipped before the first delivery. A
   * direction with no segment yet inherits the other one's answer (a capture
   * that saw one SYN saw the whole connection).
   */
  fromStart(dir: Dir): boolean {
    const st = this.dir(dir);
    if (st.started) return st.fromSyn && !st.skippedAtStart;
    const o = this.dir(1 - dir as Dir);
    return o.started && o.fromSyn;
  }

  /** Next expected stream offset of a direction (bytes delivered or skipped). */
  offset(dir: Dir): number {
    return this.dir(dir).nextOff;
  }
}
