/**
 * Per-connection facts kept for the whole run, columnar (one typed array per
 * field, indexed by connection id), growable by doubling. This is what
 * summaries are built from, for live and finished connections alike; the
 * tracking state of a live connection (sequence bases, analysers) lives
 * elsewhere and is bounded (TcpTracker).
 *
 * Arrays are indexed by `id & mask` (see ConnStore). About 190 bytes per
 * connection (BYTES_PER_CONN); a history longer than
 * HIST_INLINE letters keeps the rest in a string.
 */

/** Connection flags (bits of `flags`). */
export const CF = {
  ROLES_INFERRED: 1 << 0,
  /** Client sent a SYN. */
  SYN: 1 << 1,
  /** Server sent a SYN-ACK. */
  SYNACK: 1 << 2,
  /** Handshake step 3/3 seen. */
  HS_ACK: 1 << 3,
  /** Server answered the SYN with a RST before any SYN-ACK. */
  REFUSED: 1 << 4,
  FIN_C: 1 << 5,
  FIN_S: 1 << 6,
  RST_C: 1 << 7,
  RST_S: 1 << 8,
  /** The first FIN was the server's. */
  FIRST_FIN_S: 1 << 9,
  /** The first RST was the server's. */
  FIRST_RST_S: 1 << 10,
  /** Both FINs had been seen before the first RST. */
  FIN_BOTH_BEFORE_RST: 1 << 11,
  /** Still in the connection table. */
  LIVE: 1 << 12,
  /** Dropped from the table to make room (table full). */
  EVICTED: 1 << 13,
  /** The client is not the sender of the first packet (Zeek's '^'). */
  FLIPPED: 1 << 14,
  /** Started by a SYN on the tuple of an earlier connection (port reuse). */
  PORT_REUSE: 1 << 15,
  FIN_C_ACKED: 1 << 16,
  FIN_S_ACKED: 1 << 17,
  /** Released from the table after its idle timeout. */
  EXPIRED: 1 << 18,
  /** Both sides sent a SYN without ACK (simultaneous open). */
  SIMULTANEOUS_OPEN: 1 << 19,
  /** A segment carried data from the server after the client's FIN, or vice versa. */
  HALF_CLOSE: 1 << 20,
  /** The oldest rows of the timeline were dropped (timeline retention). */
  TIMELINE_CUT: 1 << 22,
  /** Server sent a SYN-ACK before any client SYN was seen. */
  SYNACK_FIRST: 1 << 21,
} as const;

/** History letters kept inline per connection. */
export const HIST_INLINE = 15;
// Optimized code reads an exported binding through its module cell, with a check that it is
// initialized, at every use, even in its own module; a constant that is not exported is folded
// into the instruction. Hence private copies for the hot paths: addHistory, once a segment.
const INLINE = HIST_INLINE;

/** Longest history kept (the last letter is then 'x'). */
export const HIST_MAX = 100;

/** Bytes per connection of the arrays below. */
export const BYTES_PER_CONN = 1 + 32 + 4 + 16 + 8 + 8 + 16 + 16 + 4 + 2 + 2 + 16 + 2 + 4 + 2 + 16 + 12 + 8 + 4 + HIST_INLINE + 1;

/**
 * Ids are issued in order and never reused. Summaries live in a ring indexed
 * by `id & mask`: all of them while the run has at most `maxKept` connections
 * (the ring grows by doubling), then the oldest is dropped for each new one
 * (`base` = the oldest id still kept; the owner releases a dropped connection
 * that was still in its table first). For a file the ring is never full, and
 * the index is the id.
 */
export class ConnStore {
  /** Ids issued so far. */
  count = 0;
  /** Oldest id still kept. */
  base = 0;
  /** Dropped summaries (retention). */
  dropped = 0;
  mask = 0;
  private cap = 0;
  readonly maxKept: number;

  constructor(maxKept = Infinity) {
    // A power of two, so that the ring index is id & mask.
    let m = 256;
    while (m < maxKept && m < 2 ** 30) m *= 2;
    this.maxKept = maxKept === Infinity ? Infinity : m;
  }

  /** Whether a summary is kept for id. */
  has(id: number): boolean {
    return id >= this.base && id < this.count;
  }

  /** The id that the next add() drops, or -1. */
  nextDrop(): number {
    return this.count - this.base === this.cap && this.cap >= this.maxKept ? this.base : -1;
  }
  ipv = new Uint8Array(0);
  /** 8 words per connection: client address (4 words) then server address. */
  addr = new Uint32Array(0);
  /** 2 per connection: client port, server port. */
  port = new Uint16Array(0);
  firstTime = new Float64Array(0);
  lastTime = new Float64Array(0);
  firstFrame = new Uint32Array(0);
  lastFrame = new Uint32Array(0);
  /** 2 per connection (index 0 = client→server). */
  pkts = new Uint32Array(0);
  bytes = new Float64Array(0);
  payload = new Float64Array(0);
  retrans = new Uint32Array(0);
  /** RFC 9293 state after the last segment: 2 per connection (client, server). */
  st = new Uint8Array(0);
  /** Zeek endpoint state: 2 per connection (originator = client, responder = server). */
  zs = new Uint8Array(0);
  /** Zeek's payload size from sequence numbers, written when the connection leaves the table. */
  zsize = new Float64Array(0);
  /** Window scale shift per side: ≥0 in use, -1 unknown, -2 not in use. */
  wscale = new Int8Array(0);
  flags = new Uint32Array(0);
  synCount = new Uint16Array(0);
  rtt1 = new Float64Array(0);
  rtt2 = new Float64Array(0);
  /** Timeline: first and last record index (-1 none), record count. */
  tlHead = new Int32Array(0);
  tlTail = new Int32Array(0);
  tlCount = new Uint32Array(0);
  /** Random-access cursor into the record chain: position and record index. */
  tlCurPos = new Int32Array(0);
  tlCurRec = new Int32Array(0);
  /** Slot in the live table, -1 once released. */
  slot = new Int32Array(0);
  /** History letters (ASCII), up to HIST_INLINE per connection inline, longer ones in `histMore`. */
  hist = new Uint8Array(0);
  histLen = new Uint8Array(0);
  readonly histMore = new Map<number, string>();

  /** Appends a connection and returns its id (dropping the oldest summary when the ring is full at maxKept). */
  add(): number {
    if (this.count - this.base === this.cap) {
      if (this.cap < this.maxKept) this.grow(Math.max(256, this.cap * 2));
      else {
        this.histMore.delete(this.base);
        this.base++;
        this.dropped++;
      }
    }
    const id = this.count++;
    // Until the ring wraps, a new id's index was never used: grow() left it at the defaults.
    if (this.base > 0) this.clear(id & this.mask, id);
    return id;
  }

  /** Resets every field of ring index i for a new connection (one that held a dropped summary). */
  private clear(i: number, id: number): void {
    this.ipv[i] = 0;
    this.addr.fill(0, i * 8, i * 8 + 8);
    this.port[i * 2] = 0; this.port[i * 2 + 1] = 0;
    this.firstTime[i] = 0; this.lastTime[i] = 0;
    this.firstFrame[i] = 0; this.lastFrame[i] = 0;
    this.pkts[i * 2] = 0; this.pkts[i * 2 + 1] = 0;
    this.bytes[i * 2] = 0; this.bytes[i * 2 + 1] = 0;
    this.payload[i * 2] = 0; this.payload[i * 2 + 1] = 0;
    this.retrans[i] = 0;
    this.st[i * 2] = 0; this.st[i * 2 + 1] = 0;
    this.zs[i * 2] = 0; this.zs[i * 2 + 1] = 0;
    this.zsize[i * 2] = 0; this.zsize[i * 2 + 1] = 0;
    this.wscale[i * 2] = -1; this.wscale[i * 2 + 1] = -1;
    this.flags[i] = 0;
    this.synCount[i] = 0;
    this.rtt1[i] = NaN; this.rtt2[i] = NaN;
    this.tlHead[i] = -1; this.tlTail[i] = -1; this.tlCount[i] = 0;
    this.tlCurPos[i] = -1; this.tlCurRec[i] = -1;
    this.slot[i] = -1;
    this.histLen[i] = 0;
    if (this.histMore.size !== 0) this.histMore.delete(id);
  }

  /** Doubles the ring; only while nothing was dropped, so index = id and a plain copy keeps the layout. */
  private grow(n: number): void {
    const old = this.cap;
    this.cap = n;
    this.mask = n - 1;
    this.ipv = g8(this.ipv, n);
    this.addr = g32(this.addr, n * 8);
    this.port = g16(this.port, n * 2);
    this.firstTime = gf(this.firstTime, n);
    this.lastTime = gf(this.lastTime, n);
    this.firstFrame = g32(this.firstFrame, n);
    this.lastFrame = g32(this.lastFrame, n);
    this.pkts = g32(this.pkts, n * 2);
    this.bytes = gf(this.bytes, n * 2);
    this.payload = gf(this.payload, n * 2);
    this.retrans = g32(this.retrans, n);
    this.st = g8(this.st, n * 2);
    this.zs = g8(this.zs, n * 2);
    this.zsize = gf(this.zsize, n * 2);
    const ws = new Int8Array(n * 2); ws.set(this.wscale); this.wscale = ws;
    this.flags = g32(this.flags, n);
    const sc = new Uint16Array(n); sc.set(this.synCount); this.synCount = sc;
    this.rtt1 = gf(this.rtt1, n);
    this.rtt2 = gf(this.rtt2, n);
    this.tlHead = gi(this.tlHead, n);
    this.tlTail = gi(this.tlTail, n);
    this.tlCount = g32(this.tlCount, n);
    this.tlCurPos = gi(this.tlCurPos, n);
    this.tlCurRec = gi(this.tlCurRec, n);
    this.slot = gi(this.slot, n);
    this.hist = g8(this.hist, n * HIST_INLINE);
    this.histLen = g8(this.histLen, n);
    // The defaults that clear() would write and that are not zero, for the new indices at once.
    this.wscale.fill(-1, old * 2, n * 2);
    this.rtt1.fill(NaN, old, n);
    this.rtt2.fill(NaN, old, n);
    this.tlHead.fill(-1, old, n);
    this.tlTail.fill(-1, old, n);
    this.tlCurPos.fill(-1, old, n);
    this.tlCurRec.fill(-1, old, n);
    this.slot.fill(-1, old, n);
  }

  /**
   * Appends a history letter (an ASCII code). No allocation until a history
   * outgrows HIST_INLINE. Past HIST_MAX letters (hostile traffic: a RST flood
   * with changing sequence numbers adds an 'r' each time) one 'x' is added,
   * Zeek's letter for "analysis partial (limits exceeded)", and nothing more.
   */
  addHistory(id: number, code: number): void {
    const i = id & this.mask;
    const n = this.histLen[i]!;
    if (n < INLINE) {
      this.hist[i * INLINE + n] = code;
      this.histLen[i] = n + 1;
      return;
    }
    const more = this.histMore.get(id) ?? '';
    if (HIST_INLINE + more.length < HIST_MAX - 1) this.histMore.set(id, more + String.fromCharCode(code));
    else if (!more.endsWith('x')) this.histMore.set(id, more + 'x');
  }

  /** The history string of a connection. */
  history(id: number): string {
    const x = id & this.mask;
    const n = this.histLen[x]!;
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.hist[x * HIST_INLINE + i]!);
    const more = this.histMore.get(id);
    return more === undefined ? s : s + more;
  }

  /** Approximate bytes held. */
  memoryBytes(): number {
    let h = 0;
    for (const v of this.histMore.values()) h += 40 + v.length;
    return this.cap * BYTES_PER_CONN + h;
  }
}

function g8(a: Uint8Array, n: number) { const b = new Uint8Array(n); b.set(a); return b; }
function g16(a: Uint16Array, n: number) { const b = new Uint16Array(n); b.set(a); return b; }
function g32(a: Uint32Array, n: number) { const b = new Uint32Array(n); b.set(a); return b; }
function gi(a: Int32Array, n: number) { const b = new Int32Array(n); b.set(a); return b; }
function gf(a: Float64Array, n: number) { const b = new Float64Array(n); b.set(a); return b; }
