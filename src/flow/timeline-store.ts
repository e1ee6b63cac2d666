/**
 * Compact per-packet records of TCP segments: the facts a timeline row needs,
 * in typed arrays, never the frame's bytes. Records are global (all
 * connections interleaved in arrival order) and chained per connection by a
 * `next` index, so appending is O(1) and a connection's rows are walked in
 * order. Storage is chunked (65,536 records per chunk) so growth never copies
 * what is already stored.
 *
 * Per record: 59 bytes of fixed fields plus the raw TCP option bytes (12 for
 * the usual NOP,NOP,Timestamps), plus 4 bytes per frame for the frame →
 * record map kept by TcpTracker. `TimelineEntry` objects are built from these
 * only when asked for (summary.ts).
 */

export const CHUNK_BITS = 16;
export const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const OPT_POOL_BITS = 20;
const OPT_POOL = 1 << OPT_POOL_BITS;

export class TimelineChunk {
  readonly frame = new Uint32Array(CHUNK);
  readonly conn = new Uint32Array(CHUNK);
  readonly next = new Int32Array(CHUNK);
  readonly time = new Float64Array(CHUNK);
  readonly seq = new Uint32Array(CHUNK);
  readonly ack = new Uint32Array(CHUNK);
  readonly relSeq = new Uint32Array(CHUNK);
  readonly relAck = new Uint32Array(CHUNK);
  /** TCP payload length on the wire (tshark's tcp.len). */
  readonly len = new Uint32Array(CHUNK);
  /** Window field as sent (unscaled). */
  readonly win = new Uint16Array(CHUNK);
  readonly flags = new Uint16Array(CHUNK);
  /** bits 0-3 server state, 4-7 client state (St), bit 8 direction. */
  readonly st = new Uint16Array(CHUNK);
  /** bits 0-7 note code (Note), 8-15 its argument. */
  readonly note = new Uint16Array(CHUNK);
  /** TCP analysis flags (AnalysisFlag bits). */
  readonly an = new Uint32Array(CHUNK);
  /** Duplicate-ACK ordinal, when the analysis flags one. */
  readonly dup = new Uint16Array(CHUNK);
  /** Option bytes: pool index << 20 | offset, and length (0 = none). */
  readonly optRef = new Uint32Array(CHUNK);
  readonly optLen = new Uint8Array(CHUNK);
}

/** Bytes of fixed fields per record (the sum of the arrays above). */
export const RECORD_BYTES = 4 * 3 + 8 + 4 * 5 + 2 * 4 + 4 + 2 + 4 + 1; // 59

export class TimelineStore {
  readonly chunks: TimelineChunk[] = [];
  count = 0;
  private cur: TimelineChunk | undefined;
  private pos = CHUNK;
  private readonly pools: Uint8Array[] = [];
  private pool: Uint8Array | undefined;
  private poolPos = OPT_POOL;
  optBytes = 0;
  /** Anomaly codes of the few records whose frame had any (sparse). */
  readonly anomalies = new Map<number, number[]>();

  /** Reserves a record and returns its index; the caller fills `chunk(index)` fields at `slotOf(index)`. */
  append(): number {
    if (this.pos === CHUNK) {
      this.cur = new TimelineChunk();
      this.chunks.push(this.cur);
      this.pos = 0;
    }
    this.pos++;
    return this.count++;
  }

  /** The chunk holding the record just appended (fast path for the writer). */
  get current(): TimelineChunk { return this.cur!; }

  chunk(rec: number): TimelineChunk { return this.chunks[rec >>> CHUNK_BITS]!; }

  setNext(rec: number, next: number): void {
    this.chunks[rec >>> CHUNK_BITS]!.next[rec & CHUNK_MASK] = next;
  }

  /** Copies option bytes into the pool and returns the reference for `optRef`. */
  storeOptions(buf: Uint8Array, off: number, len: number): number {
    if (this.poolPos + len > OPT_POOL) {
      this.pool = new Uint8Array(OPT_POOL);
      this.pools.push(this.pool);
      this.poolPos = 0;
    }
    const p = this.pool!;
    const at = this.poolPos;
    for (let i = 0; i < len; i++) p[at + i] = buf[off + i]!;
    this.poolPos += len;
    this.optBytes += len;
    return ((this.pools.length - 1) << OPT_POOL_BITS) | at;
  }

  /** The stored option bytes of a record (a view; copy to keep). */
  options(rec: number): Uint8Array {
    const c = this.chunk(rec);
    const i = rec & CHUNK_MASK;
    const n = c.optLen[i]!;
    if (n === 0) return EMPTY;
    const ref = c.optRef[i]!;
    const p = this.pools[ref >>> OPT_POOL_BITS]!;
    const at = ref & (OPT_POOL - 1);
    return p.subarray(at, at + n);
  }

  memoryBytes(): number {
    return this.chunks.length * CHUNK * RECORD_BYTES + this.pools.length * OPT_POOL;
  }
}

export function idx(rec: number): number {
  return rec & CHUNK_MASK;
}

const EMPTY = new Uint8Array(0);
