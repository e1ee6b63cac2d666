/**
 * Compact per-packet records of TCP segments: the facts a timeline row needs,
 * never the frame's bytes. One 64-byte record per segment (one cache line),
 * in chunks of 65,536 records (an Int32Array with a Float64Array view of the
 * same memory for the time), so appending is O(1), sequential, and growth
 * never copies what is stored. Records of all connections are interleaved in
 * arrival order and chained per connection by a `next` index.
 *
 * Per segment: 64 bytes, plus the raw TCP option bytes unless they are just
 * NOP,NOP,Timestamps (kept in the record), plus 4 bytes per frame for the frame → record map
 * (FrameMap). `TimelineEntry` objects are built from these only when asked
 * for (summary.ts).
 *
 * Only the chunk being written and the one before it stay in memory: older
 * chunks go to a spill file (bytes/spill.ts) and are read back, a few at a
 * time, when a timeline is read. So memory for timelines stays at about 8 MiB
 * however long the capture. A `next` link written into a spilled chunk (a
 * connection quiet for more than 65,536 segments of others) is written
 * through to the file.
 */
import { SpillChunks } from '../bytes/spill.js';

export const CHUNK_BITS = 16;
export const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const OPT_POOL_BITS = 20;
const OPT_POOL = 1 << OPT_POOL_BITS;

/** Int32 words per record. */
export const RS = 16;
/** Bytes per record. */
export const RECORD_BYTES = RS * 4;
// Field offsets (int32 words).
export const R_FRAME = 0;
export const R_CONN = 1;
/** Next record of the same connection, -1 at the end. */
export const R_NEXT = 2;
/** window scale shift + 1 (0: none) << 28 | flags << 16 | window field as sent (unscaled) */
export const R_FLAGSWIN = 3;
/** Float64 word (record * RS/2 + 2): packet time, seconds since the epoch. */
export const R_TIME_F64 = 2;
/** Absolute and relative seq/ack, as unsigned values stored in int32 words (read with >>> 0). */
export const R_SEQ = 6;
export const R_ACK = 7;
export const R_RELSEQ = 8;
export const R_RELACK = 9;
/** TCP payload length on the wire (tshark's tcp.len). */
export const R_LEN = 10;
/** st << 16 | note: st = dir << 8 | client state << 4 | server state; note = code | arg << 8 */
export const R_STNOTE = 11;
/** TCP analysis flags (AnalysisFlag bits). */
export const R_AN = 12;
/** duplicate-ACK ordinal << 8 | raw option length; OPT_TS_ONLY bit when the options are NOP,NOP,Timestamps */
export const R_DUPOPT = 13;
/** raw option bytes: pool index << 20 | offset; or, with OPT_TS_ONLY, TS value */
export const R_OPTREF = 14;
/** with OPT_TS_ONLY: TS echo reply */
export const R_TSECR = 15;
/**
 * Set in R_DUPOPT when the segment's options are exactly NOP, NOP, Timestamps
 * (what most data segments carry): the two values are kept in the record and
 * no option bytes are copied.
 */
export const OPT_TS_ONLY = 1 << 7;

// Optimized code reads an exported binding through its module cell, with a check that it is
// initialized, at every use, even in its own module; a constant that is not exported is folded
// into the instruction. Hence private copies for the hot paths: setNext, inlined in the tracker.
const BITS = CHUNK_BITS;
const REC_WORDS = RS;
const NEXT_FIELD = R_NEXT;

export class TimelineChunk {
  readonly i = new Int32Array(CHUNK * RS);
  readonly f = new Float64Array(this.i.buffer);
}

/**
 * Chunks by number in SpillChunks: the one being written and the one before
 * it (where most late `next` links land) stay in memory, older ones go to the
 * spill file, and their memory holds new chunks.
 */
export class TimelineStore extends SpillChunks<TimelineChunk> {
  count = 0;
  /** Index of the oldest record still kept (records before it were dropped by retention). */
  firstKept = 0;
  private cur: TimelineChunk | undefined;
  private pos = CHUNK;
  private readonly pools: Uint8Array[] = [];
  private pool: Uint8Array | undefined;
  private poolPos = OPT_POOL;
  /** `poolPos + len` up to this needs no check (see storeOptions). */
  private poolLimit = 0;
  optBytes = 0;
  /**
   * Anomaly codes of the records whose frame had any, sparse and without an
   * object per record (a capture with offloaded checksums has one on every
   * outgoing segment): record indices in increasing order, up to
   * ANOM_PER_REC codes each (0 = none).
   */
  private anomRec = new Int32Array(0);
  private anomCode = new Uint16Array(0);
  private anomStart = 0;
  private anomCount = 0;

  constructor() {
    super(1, true);
  }

  protected create(): TimelineChunk { return new TimelineChunk(); }
  protected bytesOf(c: TimelineChunk): Uint8Array { return new Uint8Array(c.i.buffer); }
  /** Nothing to do: the writer sets every word of each record it appends, and only appended records are read. */
  protected clear(_c: TimelineChunk): void { /* nothing: see above */ }

  /** Reserves a record and returns its index; its words are `current.i[idx(rec) * RS + field]`. */
  append(): number {
    // Every 64th record goes through the slow path (CHUNK is a multiple of 64), so the call is
    // exercised from the first record on and stays out of line in the callers' optimized code.
    if ((this.pos & 63) === 0) this.boundary();
    this.pos++;
    return this.count++;
  }

  private boundary(): void {
    if (this.pos === CHUNK) {
      this.cur = this.addChunk();
      this.pos = 0;
    }
  }

  /** The chunk holding the record just appended (fast path for the writer). */
  get current(): TimelineChunk { return this.cur!; }

  /** The chunk holding a kept record, read back from the spill file if need be. */
  chunk(rec: number): TimelineChunk {
    return this.chunkAt(rec >>> CHUNK_BITS);
  }

  /** Bytes of the kept records in the spill file (or on their way there). */
  get spilledBytes(): number {
    return this.spilledChunks() * CHUNK * RECORD_BYTES;
  }

  /** Records kept (appended minus dropped). */
  get kept(): number { return this.count - this.firstKept; }

  /**
   * Drops the oldest chunk of records (65,536) to bound memory; `unlink(rec,
   * conn, next)` is called for each dropped record so the owner can move
   * connection heads forward. Option bytes and anomalies of dropped records
   * go too. Returns the number of records dropped.
   */
  dropOldestChunk(unlink: (rec: number, conn: number, next: number) => void): number {
    const n = this.firstKept >>> CHUNK_BITS;
    if (n >= this.chunkCount - 1) return 0;
    const ch = this.chunkAt(n);
    const end = (n + 1) * CHUNK;
    let maxPool = -1;
    for (let rec = this.firstKept; rec < end; rec++) {
      const r = (rec & CHUNK_MASK) * RS;
      unlink(rec, ch.i[r + R_CONN]!, ch.i[r + R_NEXT]!);
      const dupOpt = ch.i[r + R_DUPOPT]!;
      if ((dupOpt & 0x7f) !== 0 && (dupOpt & OPT_TS_ONLY) === 0) maxPool = Math.max(maxPool, ch.i[r + R_OPTREF]! >>> OPT_POOL_BITS);
    }
    const dropped = end - this.firstKept;
    this.dropChunk(n);
    this.firstKept = end;
    // Option pools older than the newest one these records used are no longer referenced.
    for (let p = 0; p < maxPool; p++) (this.pools as (Uint8Array | undefined)[])[p] = undefined;
    while (this.anomStart < this.anomCount && this.anomRec[this.anomStart]! < end) this.anomStart++;
    if (this.anomStart > 4096 && this.anomStart * 2 > this.anomCount) {
      // Compact: move the kept entries to the front.
      this.anomRec.copyWithin(0, this.anomStart, this.anomCount);
      this.anomCode.copyWithin(0, this.anomStart * ANOM_PER_REC, this.anomCount * ANOM_PER_REC);
      this.anomCount -= this.anomStart;
      this.anomStart = 0;
    }
    return dropped;
  }

  /** A field of a record (not for the hot path). */
  get(rec: number, field: number): number {
    return this.chunk(rec).i[(rec & CHUNK_MASK) * RS + field]!;
  }

  time(rec: number): number {
    return this.chunk(rec).f[(rec & CHUNK_MASK) * (RS / 2) + R_TIME_F64]!;
  }

  setNext(rec: number, next: number): void {
    const n = rec >>> BITS;
    const w = (rec & CHUNK_MASK) * REC_WORDS + NEXT_FIELD;
    const ch = this.inMemory(n);
    if (ch !== undefined) {
      ch.i[w] = next;
      this.changed(n);
      return;
    }
    NEXT_WORD[0] = next;
    this.patchSpilled(n, w * 4, NEXT_BYTES);
  }

  /** Attaches anomaly codes to a record (the record just appended). */
  addAnomalies(rec: number, codes: Uint16Array, n: number, extra: number): void {
    if (this.anomCount === this.anomRec.length) {
      const cap = Math.max(1024, this.anomRec.length * 2);
      const r = new Int32Array(cap);
      r.set(this.anomRec);
      const c = new Uint16Array(cap * ANOM_PER_REC);
      c.set(this.anomCode);
      this.anomRec = r;
      this.anomCode = c;
    }
    const k = this.anomCount++;
    this.anomRec[k] = rec;
    const o = k * ANOM_PER_REC;
    let j = 0;
    for (let i = 0; i < n && j < ANOM_PER_REC; i++) this.anomCode[o + j++] = codes[i]!;
    if (extra !== 0 && j < ANOM_PER_REC) this.anomCode[o + j++] = extra;
    for (; j < ANOM_PER_REC; j++) this.anomCode[o + j] = 0;
  }

  /** All kept anomaly codes by record, as a Map built on demand (not for the hot path). */
  get anomalies(): Map<number, number[]> {
    const m = new Map<number, number[]>();
    for (let k = this.anomStart; k < this.anomCount; k++) {
      const rec = this.anomRec[k]!;
      m.set(rec, this.anomaliesOf(rec));
    }
    return m;
  }

  /** Anomaly codes of a record (not for the hot path). */
  anomaliesOf(rec: number): number[] {
    let lo = this.anomStart;
    let hi = this.anomCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.anomRec[mid]!;
      if (v === rec) {
        const out: number[] = [];
        for (let j = 0; j < ANOM_PER_REC; j++) {
          const c = this.anomCode[mid * ANOM_PER_REC + j]!;
          if (c !== 0) out.push(c);
        }
        return out;
      }
      if (v < rec) lo = mid + 1;
      else hi = mid - 1;
    }
    return NO_CODES;
  }

  /** Starts a new pool when `len` bytes do not fit; checked again after at most 4 KB. */
  private poolRoom(len: number): void {
    if (this.poolPos + len > OPT_POOL) {
      this.pool = new Uint8Array(OPT_POOL);
      this.pools.push(this.pool);
      this.poolPos = 0;
    }
    this.poolLimit = Math.min(OPT_POOL, this.poolPos + 4096);
  }

  /** Copies option bytes into the pool and returns the reference for R_OPTREF. */
  storeOptions(buf: Uint8Array, off: number, len: number): number {
    if (this.poolPos + len > this.poolLimit) this.poolRoom(len);
    const p = this.pool!;
    const at = this.poolPos;
    // Four bytes a step (options come in 32-bit words, RFC 9293 §3.1): the optimized loop checks
    // both arrays' maps and bounds again on every step, which costs more than the copy.
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      p[at + i] = buf[off + i]!;
      p[at + i + 1] = buf[off + i + 1]!;
      p[at + i + 2] = buf[off + i + 2]!;
      p[at + i + 3] = buf[off + i + 3]!;
    }
    for (; i < len; i++) p[at + i] = buf[off + i]!;
    this.poolPos += len;
    this.optBytes += len;
    return ((this.pools.length - 1) << OPT_POOL_BITS) | at;
  }

  /** The option bytes of a record (a view; copy to keep). */
  options(rec: number): Uint8Array {
    const d = this.get(rec, R_DUPOPT);
    if ((d & OPT_TS_ONLY) !== 0) {
      const b = new Uint8Array(12);
      b[0] = 1; b[1] = 1; b[2] = 8; b[3] = 10;
      const v = new DataView(b.buffer);
      v.setUint32(4, this.get(rec, R_OPTREF) >>> 0);
      v.setUint32(8, this.get(rec, R_TSECR) >>> 0);
      return b;
    }
    const n = d & 0x7f;
    if (n === 0) return EMPTY;
    const ref = this.get(rec, R_OPTREF);
    const p = this.pools[ref >>> OPT_POOL_BITS]!;
    const at = ref & (OPT_POOL - 1);
    return p.subarray(at, at + n);
  }

  /** Bytes in memory: chunks being written, cached chunks read back, option pools, anomaly index. */
  memoryBytes(): number {
    const c = this.residentChunks();
    let p = 0;
    for (const x of this.pools as (Uint8Array | undefined)[]) if (x !== undefined) p++;
    return c * CHUNK * RECORD_BYTES + p * OPT_POOL + this.anomRec.byteLength + this.anomCode.byteLength;
  }
}

export function idx(rec: number): number {
  return rec & CHUNK_MASK;
}

const EMPTY = new Uint8Array(0);
/** A `next` link on its way to a spilled chunk (the file holds the words in this machine's byte order, as the chunk's Int32Array did). */
const NEXT_WORD = new Int32Array(1);
const NEXT_BYTES = new Uint8Array(NEXT_WORD.buffer);
const NO_CODES: number[] = [];
/** Anomaly codes kept per record (the decoder keeps at most 8; the first ones are the telling ones). */
const ANOM_PER_REC = 4;
