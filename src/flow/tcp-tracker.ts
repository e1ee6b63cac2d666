/**
 * TCP connection tracking: groups segments into connections, infers each
 * endpoint's state after every segment, and keeps compact per-packet
 * records for timelines.
 *
 * Connections (numbering agrees with tshark's tcp.stream):
 * - Keyed by the 5-tuple, direction-independent (FlowTable).
 * - A SYN without ACK on a known tuple whose sequence base in that direction
 *   is known and differs from the SYN's seq starts a new connection (tshark's
 *   port-reuse rule, epan/dissectors/packet-tcp.c); the old one is finished.
 *   A retransmitted SYN (same seq) stays in its connection.
 * - Roles: the sender of a SYN without ACK is the client; the sender of a
 *   SYN-ACK is the server. Otherwise (capture started mid-connection) the
 *   roles are inferred, `rolesInferred` is set, and the rule is: a port below
 *   1024 facing one at or above 1024 is the server; otherwise the smaller port
 *   is the server; with equal ports the first sender is the client.
 * - Bounded: at most `maxConnections` live entries. When full, a batch of
 *   entries is evicted: oldest half-open first (SYN sent, nothing back), then
 *   oldest closed, then oldest idle. Evicted connections keep their summary
 *   and are counted (`evicted`). Closed connections leave the table after
 *   `closedTimeout` seconds of packet time without packets, others after
 *   `idleTimeout` (default: never).
 *
 * Per segment, in order: counters; relative sequence bases exactly as tshark
 * computes them (the ISN from the SYN; seq-1 of the first segment seen when
 * the SYN is missing; the peer's from ack-1 of the first ACK); window scale;
 * Wireshark's analysis flags (TcpAnalyzer); Zeek's endpoint states and
 * history letters (for conn_state/history); the RFC 9293 endpoint states and
 * the textbook note; the timeline record; the application observer.
 *
 * Nothing is allocated per packet: the live state of a connection is a
 * record in its table slot (typed arrays), the analyzers are pooled, and the
 * timeline records are typed arrays.
 */
import type { Decoded } from '../decode/decoded.js';
import { TcpFlag } from '../decode/decoded.js';
import * as anomalies from '../decode/anomalies.js';
import * as connStore from './conn-store.js';
import { ConnStore } from './conn-store.js';
import { F_ID, FlowTable, KEY_WORDS } from './flow-table.js';
import type { FrameMap } from './frame-map.js';
import type { AppObserver, TcpSegmentInfo } from './hooks.js';
import * as notes from './notes.js';
import * as seqMod from './seq.js';
import * as tcpAnalysis from './tcp-analysis.js';
import { TcpAnalyzer } from './tcp-analysis.js';
import * as tcpState from './tcp-state.js';
import * as timelineStore from './timeline-store.js';
import { TimelineStore } from './timeline-store.js';

// The names used per segment are bound here, as constants of this module. Optimized code
// reads an imported binding through its module cell, with a check that it is initialized,
// at every use (a dozen instructions, some fifty uses per segment in `packet` alone); a
// constant of this module is folded into the instruction that uses it.
const { Anomaly } = anomalies;
const { CF } = connStore;
const { Note } = notes;
const { seqDiff, seqGeq } = seqMod;
const { AnalysisFlag, ANY_RETRANSMISSION } = tcpAnalysis;
const { Hist, St, Zs } = tcpState;
const {
  OPT_TS_ONLY, R_ACK, R_AN, R_CONN, R_DUPOPT, R_FLAGSWIN, R_FRAME, R_LEN, R_NEXT, R_OPTREF, R_RELACK, R_RELSEQ, R_SEQ,
  R_STNOTE, R_TIME_F64, R_TSECR, RS, idx,
} = timelineStore;

// Values used only in branches that a capture may first take thousands of connections in, as
// numbers: a property load first run after its function was optimized has no type feedback and
// deoptimizes the function (`open` at the first port reuse; `rfc` at the first passive close
// of the kind not seen so far).
const { FLIPPED, PORT_REUSE, ROLES_INFERRED, SYNACK_FIRST } = CF;
const { FIN_PASSIVE, FIN_PIGGY } = Note;

const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;

/** Zeek's TOO_LARGE_SEQ_DELTA. */
const TOO_LARGE_SEQ_DELTA = 1048576;

export interface TcpTrackerOptions {
  /** Live connections kept at most (default 100,000). */
  maxConnections?: number;
  /** Seconds (packet time) a closed connection stays findable after its last packet (default 30). */
  closedTimeout?: number;
  /** Seconds (packet time) any other connection stays without packets (default: forever). */
  idleTimeout?: number;
  /** Keep per-packet records (default true). */
  timelines?: boolean;
  /** Run Wireshark-style analysis flags (default true). */
  analysis?: boolean;
  /** Closed connections that keep their analyzer while they linger (default 1024). */
  maxClosedAnalyzers?: number;
  /**
   * Connection summaries kept at most (default: all). Beyond, the oldest is
   * dropped for each new connection (a connection still open then leaves the
   * table too). For long live captures.
   */
  maxSummaries?: number;
  /**
   * Timeline records kept at most, over all connections (default: all). Beyond,
   * the oldest 65,536 are dropped at a time; connections keep their newest rows
   * and are marked TIMELINE_CUT. For long live captures.
   */
  maxTimelineRecords?: number;
}

/**
 * Live tracking state of a connection lives in its table slot's record, after
 * the key (FlowTable: `rec` Int32Array, `f` Float64Array view of the same
 * memory): one 320-byte record per live connection, of which a segment
 * touches the first three cache lines (key and hot fields); no object per
 * connection.
 *
 * Sequence numbers are held as signed 32-bit integers inside the tracker (the
 * same bits as the unsigned wire value): V8 keeps int32 values unboxed, while
 * unsigned values ≥ 2^31 would be heap numbers when passed around. All
 * comparisons go through seq.ts, which is indifferent to the representation;
 * records and the application observer get the unsigned values.
 */
const W = KEY_WORDS;
/** Int32 words per slot record (key + live state), and Float64 words. */
const LS = W + 64;
const LF = LS / 2;
// Field offsets (int32 words from the record start); pairs are [client, server].
/** The connection id (the table's owner id). */
const LID = F_ID;
/** tshark's relative-sequence bases set, bit per side */
const BSET = W + 0;
/** tshark's relative-sequence bases (pair) */
const BASE = W + 1;
/** ISNs known, bit per side */
const ISNSET = W + 3;
/** ISN per side from its SYN (pair) */
const ISN = W + 4;
/** Handshake progress: 0 nothing, 1 SYN seen, 2 SYN-ACK seen, 3 ACK 3/3 seen */
const HS = W + 6;
/** FIN bits: 1<<side sent, 4<<side acknowledged */
const FINB = W + 7;
/** Sequence number of each side's FIN octet (pair) */
const FINSEQ = W + 8;
/** RST bits per side */
const RSTB = W + 10;
/** Window scale option per side: -3 no SYN seen, -2 SYN without the option, ≥0 the shift (pair) */
const WSOPT = W + 11;
// Zeek endpoint model (pairs)
const ZSTART = W + 13;
const ZLAST = W + 15;
const ZACK = W + 17;
const ZPREV = W + 19;
const ZFIN = W + 21;
const HISTSEEN = W + 23;
const HSYN = W + 24;
const HFIN = W + 26;
const HRST = W + 28;
const SYNACKSEQ = W + 30;
/** Float64 word offsets within the record: time of the last SYN, of the first SYN-ACK. */
const F_SYNTIME = (W + 32) / 2;
const F_SYNACKTIME = (W + 34) / 2;
/** Logarithmic history counters and thresholds: T, W, G, C per side ([CNT + letter * 2 + side]). */
const CNT = W + 36;
const THR = W + 44;

/**
 * The live part of a new slot record, copied in by one set() (TypedArray#fill, by contrast,
 * calls into the runtime: some 750 instructions). Offsets are from W.
 */
const LIVE_INIT = new Int32Array(LS - W);
{
  LIVE_INIT[WSOPT - W] = -3; LIVE_INIT[WSOPT - W + 1] = -3;
  LIVE_INIT.fill(1, THR - W, THR - W + 8);
  const f = new Float64Array(LIVE_INIT.buffer);
  f[F_SYNTIME - W / 2] = NaN;
  f[F_SYNACKTIME - W / 2] = NaN;
}

/** Letters with logarithmic recording (index into the CNT/THR words). */
const LOG_T = 0, LOG_W = 1, LOG_G = 2, LOG_C = 3;
const LOG_LETTER = [0x54, 0x57, 0x47, 0x43] as const; // T W G C

/** The rule that decides roles when no SYN was seen, in words (README, notes). */
export const ROLE_RULE = 'a port below 1024 facing one at or above 1024 is the server; otherwise the smaller port; equal ports: the first sender is the client';

/** Why the roles of a connection without SYN came out as they did, in words. */
export function roleReason(clientPort: number, serverPort: number): string {
  if (serverPort < 1024 && clientPort >= 1024) return `server port ${serverPort} is below 1024`;
  if (clientPort !== serverPort) return `the server has the smaller port, ${serverPort}`;
  return 'equal ports, the first sender is the client';
}

/** True when the sender of a packet with these ports looks like the client (no SYN seen). */
export function srcLooksLikeClient(srcPort: number, dstPort: number): boolean {
  if (srcPort < 1024 && dstPort >= 1024) return false;
  if (dstPort < 1024 && srcPort >= 1024) return true;
  if (srcPort !== dstPort) return srcPort > dstPort;
  return true;
}

export class TcpTracker {
  readonly store: ConnStore;
  readonly tl: TimelineStore | null;
  readonly table: FlowTable;
  /**
   * Wireshark-style analyzers by table slot. An analyzer is taken from a pool
   * when a connection opens and given back when it leaves the table, or once
   * `maxClosedAnalyzers` connections have closed after it (a closed
   * connection lingers in the table for `closedTimeout` to catch late
   * segments; keeping a full analyzer for thousands of them costs memory and
   * collector time). A late segment of a connection whose analyzer was given
   * back gets a fresh one, so its flags see only what came after the close.
   */
  private readonly analyzers: (TcpAnalyzer | undefined)[] = [];
  /**
   * Starts with one analyzer, so the array holds objects from the start: an empty array literal
   * holds small integers until the first analyzer is given back (after `maxClosedAnalyzers`
   * closes), and that change of its map would deoptimize `open`.
   */
  private readonly anPool: TcpAnalyzer[] = [new TcpAnalyzer()];
  private readonly closedRing: Int32Array;
  private closedHead = 0;
  private closedCount = 0;
  evicted = 0;
  expired = 0;
  /** Set by finish(): the input has ended. */
  finished = false;
  readonly maxConnections: number;
  readonly closedTimeout: number;
  readonly idleTimeout: number;
  readonly maxTimelineRecords: number;
  /** Timeline records dropped by retention. */
  droppedRecords = 0;
  private readonly analysis: boolean;
  private readonly info: TcpSegmentInfo = {
    connId: 0, dir: 0, frameNumber: 0, tsSec: 0, tsNsec: 0, seq: 0, ack: 0, flags: 0,
    buf: new Uint8Array(0), payloadOffset: 0, payloadLen: 0, payloadWireLen: 0, isn: -1, clientPort: 0, serverPort: 0,
  };
  private sweepCountdown = 8192;
  private lastSweep = -Infinity;
  private evictScratch = new Float64Array(0);
  /** Set by admit: the table was full and a batch was evicted for this packet. */
  private evictedNow = false;
  /**
   * Time of the packet being processed. A field, read by the helpers of `packet` that need it:
   * passed as an argument, the double would be boxed on every packet.
   */
  private now = 0;

  constructor(opts: TcpTrackerOptions, readonly frames: FrameMap | null, readonly app: AppObserver | undefined) {
    this.maxConnections = Math.max(1, opts.maxConnections ?? 100_000);
    this.store = new ConnStore(opts.maxSummaries ?? Infinity);
    this.closedTimeout = opts.closedTimeout ?? 30;
    this.idleTimeout = opts.idleTimeout ?? Infinity;
    this.analysis = opts.analysis ?? true;
    this.maxTimelineRecords = Math.max(2 * 65536, opts.maxTimelineRecords ?? Infinity);
    this.tl = opts.timelines === false ? null : new TimelineStore();
    this.table = new FlowTable(this.maxConnections, Math.min(1024, this.maxConnections), LS - W);
    this.closedRing = new Int32Array(Math.max(0, opts.maxClosedAnalyzers ?? 1024) * 2);
  }

  get liveCount(): number { return this.table.count; }

  /** Processes one decoded TCP segment (the caller checked `d.isTcp`). */
  packet(d: Decoded): void {
    const flags = d.tcpFlags;
    const seq = d.seq | 0;
    const ack = d.ack | 0;
    const t = d.tsSec + d.tsNsec * 1e-9;
    this.now = t;
    const store = this.store;
    const tab = this.table;
    // (reloaded after open(): growing the table replaces the live arrays)
    let I = this.table.rec;
    let s = tab.lookup(d);
    let dir: 0 | 1 = tab.dir;
    let evictedNow = false;
    // A new connection, or a known tuple whose connection ends here (see admit). The tests are
    // all evaluated on every packet so the optimized code has feedback for each of them.
    let fresh = s < 0;
    if (!fresh) {
      const synOnly = (flags & (SYN | ACK)) === SYN;
      const baseSet = (I[s * LS + BSET]! & (1 << dir)) !== 0;
      const newIsn = seq !== I[s * LS + BASE + dir];
      const idle = t - store.lastTime[I[s * LS + LID]! & store.mask]! > (this.isClosed(s) ? this.closedTimeout : this.idleTimeout);
      fresh = (synOnly && baseSet && newIsn) || idle;
    }
    if (fresh) {
      s = this.admit(d, s, dir);
      evictedNow = this.evictedNow;
      dir = tab.dir;
      I = this.table.rec;
    }
    const b = s * LS;
    const id = I[b + LID]!;
    const zi = (id & this.store.mask) * 2;
    const di = zi + dir;
    const len = d.payloadWireLen > 0 ? d.payloadWireLen : 0;

    // ---- counters ----
    store.pkts[di]!++;
    store.bytes[di]! += d.origLen;
    store.payload[di]! += len;
    store.lastTime[id & store.mask] = t;
    store.lastFrame[id & store.mask] = d.frameNumber;

    // ---- relative sequence numbers, as tshark computes them ----
    const bit = 1 << dir;
    const rbit = 1 << (dir ^ 1);
    let bset = I[s * LS + BSET]!;
    if ((flags & (SYN | ACK)) === (SYN | ACK) && (bset & bit) !== 0 && seq !== I[b + BASE + dir]) I[b + BASE + dir] = seq;
    if ((bset & bit) === 0) {
      I[b + BASE + dir] = (flags & SYN) !== 0 ? seq : ((seq - 1) | 0);
      bset |= bit;
    }
    if ((flags & ACK) !== 0 && (bset & rbit) === 0) {
      I[b + BASE + (dir ^ 1)] = ((ack - 1) | 0);
      bset |= rbit;
    }
    I[s * LS + BSET] = bset;

    // ---- window scale (RFC 7323 §2.2: only in SYNs; in use when both SYNs carry it) ----
    let wsArg: number;
    if ((flags & SYN) !== 0) {
      wsArg = d.wscale >= 0 ? Math.min(d.wscale, 14) : -2;
      I[b + WSOPT + dir] = wsArg;
      if (I[b + WSOPT + (dir ^ 1)] !== -3) {
        const w0 = I[b + WSOPT]!;
        const w1 = I[b + WSOPT + 1]!;
        const both = w0 >= 0 && w1 >= 0;
        store.wscale[zi] = both ? w0 : -2;
        store.wscale[zi + 1] = both ? w1 : -2;
      }
    } else {
      wsArg = store.wscale[di]!;
    }

    // ---- Wireshark analysis flags ----
    let mask = 0;
    let dup = 0;
    let an = this.analyzers[s];
    if (an === undefined && this.analysis) an = this.takeAnalyzer(s);
    if (an !== undefined) {
      mask = an.segment(dir, seq, ack, flags, len, d.window, wsArg, d.tsSec, d.tsNsec, d.frameNumber);
      dup = an.dupAckCount;
      if ((mask & ANY_RETRANSMISSION) !== 0) store.retrans[id & store.mask]!++;
    }

    // ---- Zeek's endpoint states and history ----
    this.zeek(s, id, dir, flags, seq, ack, len, d.window, mask, d);

    // ---- RFC 9293 states and the textbook note ----
    // Most segments change nothing here: no SYN, FIN or RST, on a connection without a FIN or
    // RST so far and past the handshake. rfc() would test each case, find none, and return no
    // note; only segments that may match one of them are given to it.
    let note = 0;
    const finB = I[b + FINB]!;
    const rstB = I[b + RSTB]!;
    if ((flags & (SYN | FIN | RST)) !== 0 || (finB | rstB) !== 0 || I[b + HS] === 2 ||
        store.st[zi + (dir ^ 1)] === St.SYN_RECEIVED || store.st[di] === St.SYN_SENT) {
      const wasClosed = rstB !== 0 || (finB & 3) === 3;
      note = this.rfc(s, id, dir, flags, seq, ack, len);
      if (!wasClosed && this.isClosed(s)) this.closed(s, id);
    }
    if (note === 0 && store.pkts[zi]! + store.pkts[zi + 1]! === 1 && (store.flags[id & store.mask]! & CF.ROLES_INFERRED) !== 0) note = Note.MIDSTREAM;

    // ---- timeline record (every word written: the store does not clear reused chunks) ----
    const tl = this.tl;
    if (tl !== null) {
      const rec = tl.append();
      const ch = tl.current;
      const R = ch.i;
      const r = idx(rec) * RS;
      R[r + R_FRAME] = d.frameNumber;
      R[r + R_CONN] = id;
      R[r + R_NEXT] = -1;
      // Window scale in use for this segment as known at this point (tshark's single pass):
      // shift + 1 in the top 4 bits, 0 for none/unknown and on SYNs (never scaled).
      const shiftCode = (flags & SYN) === 0 && wsArg >= 0 ? wsArg + 1 : 0;
      R[r + R_FLAGSWIN] = (shiftCode << 28) | (flags << 16) | d.window;
      ch.f[(r >> 1) + R_TIME_F64] = t;
      R[r + R_SEQ] = seq;
      R[r + R_ACK] = ack;
      R[r + R_RELSEQ] = seq - I[b + BASE + dir]!;
      R[r + R_RELACK] = (flags & ACK) !== 0 ? ack - I[b + BASE + (dir ^ 1)]! : ack;
      R[r + R_LEN] = len;
      R[r + R_STNOTE] = (((dir << 8) | (store.st[zi]! << 4) | store.st[zi + 1]!) << 16) | note;
      R[r + R_AN] = mask;
      const on = d.optionsLen;
      const ob = d.buf;
      const oo = d.optionsOffset;
      if (on === 12 && ob[oo] === 1 && ob[oo + 1] === 1 && ob[oo + 2] === 8 && ob[oo + 3] === 10) {
        // NOP, NOP, Timestamps (RFC 7323 Appendix A layout): keep the two values, copy nothing.
        R[r + R_DUPOPT] = (dup << 8) | OPT_TS_ONLY;
        R[r + R_OPTREF] = (ob[oo + 4]! << 24) | (ob[oo + 5]! << 16) | (ob[oo + 6]! << 8) | ob[oo + 7]!;
        R[r + R_TSECR] = (ob[oo + 8]! << 24) | (ob[oo + 9]! << 16) | (ob[oo + 10]! << 8) | ob[oo + 11]!;
      } else if (on > 0 && d.optionsOffset >= 0) {
        const n = on < 40 ? on : 40;
        R[r + R_OPTREF] = tl.storeOptions(d.buf, d.optionsOffset, n);
        R[r + R_TSECR] = 0;
        R[r + R_DUPOPT] = (dup << 8) | n;
      } else {
        R[r + R_DUPOPT] = dup << 8;
        R[r + R_OPTREF] = 0;
        R[r + R_TSECR] = 0;
      }
      if (d.anomalyCount > 0 || evictedNow) tl.addAnomalies(rec, d.anomalyCodes, d.anomalyCount, evictedNow ? Anomaly.conn_table_limit : 0);
      const tail = store.tlTail[id & store.mask]!;
      if (tail >= 0) tl.setNext(tail, rec);
      else store.tlHead[id & store.mask] = rec;
      store.tlTail[id & store.mask] = rec;
      store.tlCount[id & store.mask]!++;
      if (tl.count - tl.firstKept > this.maxTimelineRecords) this.dropRecords(tl);
      if (this.frames !== null) this.frames.setTcpRecord(d.frameNumber, rec);
    }

    // ---- application layer ----
    const app = this.app;
    if (app !== undefined) {
      const info = this.info;
      info.connId = id;
      info.dir = dir;
      info.frameNumber = d.frameNumber;
      info.tsSec = d.tsSec;
      info.tsNsec = d.tsNsec;
      info.seq = d.seq;
      info.ack = d.ack;
      info.flags = flags;
      info.buf = d.buf;
      info.payloadOffset = d.payloadOffset;
      info.payloadLen = d.payloadLen > 0 ? d.payloadLen : 0;
      info.payloadWireLen = len;
      info.isn = (I[s * LS + ISNSET]! & (1 << dir)) !== 0 ? I[b + ISN + dir]! >>> 0 : -1;
      info.clientPort = store.port[zi]!;
      info.serverPort = store.port[zi + 1]!;
      app.tcpSegment(info);
    }

    // Every 64th packet checks the countdown out of line (8192 is a multiple of 64).
    if ((--this.sweepCountdown & 63) === 0) this.sweepTick();
  }

  /**
   * Slow path of `packet` for a segment that needs a new slot: `s` is its live slot (-1 for
   * none), released first when a SYN with a new ISN reuses the tuple or the connection expired.
   * Returns the new slot; `evictedNow` says whether the table was full.
   */
  private admit(d: Decoded, s: number, dir: 0 | 1): number {
    const t = this.now;
    const flags = d.tcpFlags;
    const seq = d.seq | 0;
    const I = this.table.rec;
    const store = this.store;
    let reuse = false;
    if (s >= 0) {
      const id = I[s * LS + LID]!;
      if ((flags & (SYN | ACK)) === SYN && (I[s * LS + BSET]! & (1 << dir)) !== 0 && seq !== I[s * LS + BASE + dir]) {
        // A SYN with a new ISN on a known tuple: a new connection (port reuse).
        this.release(s, 0);
        reuse = true;
      } else if (t - store.lastTime[id & store.mask]! > (this.isClosed(s) ? this.closedTimeout : this.idleTimeout)) {
        this.release(s, CF.EXPIRED);
        this.expired++;
      }
    }
    this.evictedNow = false;
    if (this.table.full) { this.evict(); this.evictedNow = true; }
    return this.open(d, reuse);
  }

  private sweepTick(): void {
    const t = this.now;
    if (this.sweepCountdown > 0) return;
    this.sweepCountdown = 8192;
    if (t - this.lastSweep > 1 || t < this.lastSweep) {
      this.lastSweep = t;
      this.sweep(t);
    }
  }

  /** End of input: tells the application layer that no live connection gets more segments. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const n = this.table.slots;
    for (let s = 0; s < n; s++) {
      const id = this.table.idOf(s);
      if (id < 0) continue;
      this.writeZeekSizes(s, id);
      this.app?.tcpEnd(id);
    }
  }

  /** Drops the oldest chunk of timeline records, moving connection heads past them. */
  private dropRecords(tl: TimelineStore): void {
    const store = this.store;
    this.droppedRecords += tl.dropOldestChunk((rec, conn, next) => {
      if (!store.has(conn)) return; // its summary was dropped already
      const c = conn & store.mask;
      if (store.tlHead[c] === rec) {
        store.tlHead[c] = next;
        store.tlCount[c]!--;
        if (next < 0) store.tlTail[c] = -1;
        store.tlCurPos[c] = -1;
        store.tlCurRec[c] = -1;
        store.flags[c] = store.flags[c]! | CF.TIMELINE_CUT;
      }
    });
  }

  /** The slot's connection was reset, or both sides sent FIN. */
  isClosed(s: number): boolean {
    return this.table.rec[s * LS + RSTB] !== 0 || (this.table.rec[s * LS + FINB]! & 3) === 3;
  }

  /** Zeek's payload sizes (TCP_Endpoint::Size) for a connection, live or finished. */
  zeekSize(id: number, side: 0 | 1): number {
    const s = this.store.slot[id & this.store.mask]!;
    if (s < 0) return this.store.zsize[(id & this.store.mask) * 2 + side]!;
    return this.computeZeekSize(s, id, side);
  }

  // ---------------------------------------------------------------------------

  private open(d: Decoded, reuse: boolean): number {
    const t = this.now;
    const flags = d.tcpFlags;
    const store = this.store;
    const syn = (flags & SYN) !== 0;
    const ackf = (flags & ACK) !== 0;
    let srcIsClient: boolean;
    let cf: number = CF.LIVE;
    if (syn && !ackf) srcIsClient = true;
    else if (syn && ackf) { srcIsClient = false; cf |= SYNACK_FIRST; }
    else { srcIsClient = srcLooksLikeClient(d.srcPort, d.dstPort); cf |= ROLES_INFERRED; }
    // (Or-ed in on every call: an operation first run after `open` was optimized, such as the
    // first port reuse thousands of connections in, has no type feedback and deoptimizes it.)
    cf |= (srcIsClient ? 0 : FLIPPED) | (reuse ? PORT_REUSE : 0);
    // Summary retention: the oldest summary goes for this one; if that connection is still in
    // the table it leaves it first (its later packets start a new connection).
    const drop = store.nextDrop();
    if (drop >= 0) {
      const ds = store.slot[drop & store.mask]!;
      if (ds >= 0) this.release(ds, CF.EXPIRED);
    }
    const id = store.add();
    const tab = this.table;
    const s = tab.insert(d, id, srcIsClient);
    this.resetLive(s);
    if (this.analysis && this.analyzers[s] === undefined) this.takeAnalyzer(s);
    else this.analyzers[s]?.reset();
    store.slot[id & store.mask] = s;
    store.ipv[id & store.mask] = d.ipVersion;
    tab.copyAddr(s, store.addr, (id & store.mask) * 8);
    store.port[(id & store.mask) * 2] = tab.port(s, 0);
    store.port[(id & store.mask) * 2 + 1] = tab.port(s, 1);
    store.firstTime[id & store.mask] = t;
    store.firstFrame[id & store.mask] = d.frameNumber;
    store.flags[id & store.mask] = cf;
    if (!srcIsClient) store.addHistory(id, 0x5e); // '^'
    const zi = (id & this.store.mask) * 2;
    if (syn && !ackf) { store.st[zi] = St.CLOSED; store.st[zi + 1] = St.LISTEN; }
    else if (syn) { store.st[zi] = St.UNKNOWN; store.st[zi + 1] = St.LISTEN; }
    else { store.st[zi] = St.ESTABLISHED; store.st[zi + 1] = St.ESTABLISHED; }
    store.zs[zi] = Zs.INACTIVE;
    store.zs[zi + 1] = Zs.INACTIVE;
    return s;
  }

  /** Clears the live part of a slot record (the key part is the table's). */
  private resetLive(s: number): void {
    this.table.rec.set(LIVE_INIT, s * LS + W);
  }

  private takeAnalyzer(s: number): TcpAnalyzer {
    // A new analyzer is reset too: the call then runs from the first connection on and has type
    // feedback by the time the pool first gives one back (which would otherwise deoptimize `open`).
    const an = this.anPool.pop() ?? new TcpAnalyzer();
    an.reset();
    this.analyzers[s] = an;
    return an;
  }

  private dropAnalyzer(s: number): void {
    const an = this.analyzers[s];
    if (an !== undefined) {
      this.analyzers[s] = undefined;
      this.anPool.push(an);
    }
  }

  /** A connection just closed: past `maxClosedAnalyzers` closes, the oldest closed one gives its analyzer back. */
  private closed(s: number, id: number): void {
    const ring = this.closedRing;
    const cap = ring.length >> 1;
    if (cap === 0) { this.dropAnalyzer(s); return; }
    if (this.closedCount === cap) {
      const h = this.closedHead;
      const s0 = ring[h * 2]!;
      const id0 = ring[h * 2 + 1]!;
      // Still in its slot? Asked of the store, whose entry for an id 1024 closes back is
      // likely in cache, not of the slot record, which is not (a cache miss per connection).
      const store = this.store;
      if (store.has(id0) && store.slot[id0 & store.mask] === s0) this.dropAnalyzer(s0);
      this.closedHead = (h + 1) % cap;
      this.closedCount--;
    }
    const t = ((this.closedHead + this.closedCount) % cap) * 2;
    ring[t] = s;
    ring[t + 1] = id;
    this.closedCount++;
  }

  /** Takes a connection out of the table; its summary stays. */
  private release(s: number, why: number): void {
    this.dropAnalyzer(s);
    const id = this.table.rec[s * LS + LID]!;
    this.writeZeekSizes(s, id);
    const f = this.store.flags[id & this.store.mask]!;
    this.store.flags[id & this.store.mask] = (f & ~CF.LIVE) | why;
    this.store.slot[id & this.store.mask] = -1;
    this.table.remove(s);
    this.app?.tcpEnd(id);
  }

  private writeZeekSizes(s: number, id: number): void {
    this.store.zsize[(id & this.store.mask) * 2] = this.computeZeekSize(s, id, 0);
    this.store.zsize[(id & this.store.mask) * 2 + 1] = this.computeZeekSize(s, id, 1);
  }

  /** TCP_Endpoint::Size(): payload bytes from sequence numbers (without the SYN and FIN octets). */
  private computeZeekSize(s: number, id: number, e: 0 | 1): number {
    const I = this.table.rec;
    const FL = this.table.f;
    const zs = this.store.zs;
    const me = zs[(id & this.store.mask) * 2 + e]!;
    if (me === Zs.INACTIVE) return 0;
    const peer = zs[(id & this.store.mask) * 2 + (e ^ 1)]!;
    const k = s * LS + e;
    if (I[k + ZPREV] === Zs.SYN_SENT && me === Zs.RESET && peer === Zs.INACTIVE) return 0;
    const dl = seqDiff(I[k + ZLAST]!, I[k + ZSTART]!);
    const da = seqDiff(I[k + ZACK]!, I[k + ZSTART]!);
    let size = Math.max(dl, da, 0);
    if (size !== 0) size--;
    if (I[k + ZFIN] !== 0 && size !== 0) size--;
    return size;
  }

  /** Frees a batch: oldest half-open first, then oldest closed, then oldest idle. */
  private evict(): void {
    const tab = this.table;
    const store = this.store;
    const want = Math.max(1, this.maxConnections >> 3);
    let done = 0;
    for (let cls = 0; cls < 3 && done < want; cls++) {
      // Times of this class's entries, sorted, give the cut-off for the oldest ones.
      const slots = tab.slots;
      if (this.evictScratch.length < slots) this.evictScratch = new Float64Array(slots);
      const times = this.evictScratch;
      let n = 0;
      for (let s = 0; s < slots; s++) {
        const id = tab.idOf(s);
        if (id >= 0 && this.evictClass(s, id) === cls) times[n++] = store.lastTime[id & store.mask]!;
      }
      if (n === 0) continue;
      const need = want - done;
      let cut = Infinity;
      if (n > need) cut = times.subarray(0, n).sort()[need - 1]!;
      for (let s = 0; s < slots && done < want; s++) {
        const id = tab.idOf(s);
        if (id < 0 || this.evictClass(s, id) !== cls || store.lastTime[id & store.mask]! > cut) continue;
        this.release(s, CF.EVICTED);
        this.evicted++;
        done++;
      }
    }
  }

  private evictClass(s: number, id: number): number {
    if ((this.store.flags[id & this.store.mask]! & CF.SYN) !== 0 && this.store.pkts[(id & this.store.mask) * 2 + 1] === 0) return 0;
    if (this.isClosed(s)) return 1;
    return 2;
  }

  /** Releases closed connections past `closedTimeout` and others past `idleTimeout`. */
  private sweep(t: number): void {
    const tab = this.table;
    const store = this.store;
    const slots = tab.slots;
    for (let s = 0; s < slots; s++) {
      const id = tab.idOf(s);
      if (id < 0) continue;
      if (t - store.lastTime[id & store.mask]! > (this.isClosed(s) ? this.closedTimeout : this.idleTimeout)) {
        this.release(s, CF.EXPIRED);
        this.expired++;
      }
    }
  }

  // ---- Zeek (TCPSessionAdapter / TCP_Endpoint) ----------------------------

  private zeek(s: number, id: number, e: 0 | 1, flags: number, seq: number, ack: number, len: number,
    win: number, mask: number, d: Decoded): void {
    const I = this.table.rec;
    const FL = this.table.f;
    const zs = this.store.zs;
    const zi = (id & this.store.mask) * 2;
    const p = (e ^ 1) as 0 | 1;
    const ke = s * LS + e;
    const kp = s * LS + p;
    const syn = (flags & SYN) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    const segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0) - (rst ? len : 0);
    const onePast = ((seq + segLen) | 0);

    // init_endpoint()
    const ze = zs[zi + e]!;
    if (ze === Zs.INACTIVE) {
      if (syn) { I[ke + ZACK] = seq; I[ke + ZSTART] = seq; I[ke + ZLAST] = onePast; }
      else { const b = ((seq - 1) | 0); I[ke + ZACK] = b; I[ke + ZSTART] = b; I[ke + ZLAST] = seq; }
    } else if (ze === Zs.SYN_SENT || ze === Zs.SYN_ACK_SENT) {
      if (syn && seq !== I[ke + ZSTART]) { I[ke + ZSTART] = seq; I[ke + ZACK] = seq; I[ke + ZLAST] = onePast; }
    } else if (ze === Zs.ESTABLISHED || ze === Zs.PARTIAL) {
      if (syn) { I[ke + ZSTART] = seq; I[ke + ZACK] = seq; I[ke + ZLAST] = onePast; }
    } else if (ze === Zs.RESET) {
      if (syn && I[ke + ZPREV] === Zs.INACTIVE) { I[ke + ZSTART] = seq; I[ke + ZACK] = seq; I[ke + ZLAST] = onePast; }
    }

    // update_history(); without SYN, FIN or RST only 'D' or 'A', recorded the first time (the
    // cases of history() that such a segment reaches, without the call).
    const plain = (flags & (SYN | FIN | RST)) === 0;
    if (!plain) this.history(s, id, e, flags, seq, len);
    else if (len > 0) this.checkHistory(s, id, e, Hist.DATA, 0x44); // D
    else if ((flags & ACK) !== 0) this.checkHistory(s, id, e, Hist.ACK, 0x41); // A
    // Checksum errors and content gaps, as far as we know them.
    for (let k = 0; k < d.anomalyCount; k++) {
      if (d.anomalyCodes[k] === Anomaly.tcp_bad_checksum) { this.logLetter(s, id, e, LOG_C); break; }
    }
    if ((mask & AnalysisFlag.LOST_SEGMENT) !== 0) this.logLetter(s, id, e, LOG_G);

    // update_window(): zero window, unless with/after a RST or after the peer's FIN.
    if (win === 0 && !rst && zs[zi + p] !== Zs.CLOSED && zs[zi + e] !== Zs.RESET) this.logLetter(s, id, e, LOG_W);

    if (fin) I[ke + ZFIN] = 1;

    if ((flags & ACK) !== 0) {
      if (zs[zi + p] === Zs.INACTIVE) {
        // init_peer(): number the peer as if its SYN had been seen.
        const b = ((ack - 1) | 0);
        I[kp + ZSTART] = b; I[kp + ZACK] = b; I[kp + ZLAST] = b;
      } else if (seqDiff(ack, I[kp + ZSTART]!) >= 0 && !rst) {
        // update_ack_seq(); RST acks are not trusted.
        const da = seqDiff(ack, I[kp + ZACK]!);
        if (!(ack === 0 && da > TOO_LARGE_SEQ_DELTA) && da > 0) I[kp + ZACK] = ack;
      }
    }

    // update_last_seq(): retransmissions ('T') are data that does not advance.
    // (The new value is stored once, below: a store of its own in the FIN case, first reached
    // by a side closing without having sent data, would deoptimize zeek then.)
    const last = I[ke + ZLAST]!;
    const delta = seqDiff(onePast, last);
    let newLast = last;
    if ((syn || rst) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA)) {
      // untrusted
    } else if (fin && last === ((I[ke + ZSTART]! + 1) | 0)) {
      newLast = onePast;
    } else if (zs[zi + e] === Zs.RESET) {
      // after a RST nothing is trusted
    } else if (delta > 0) {
      newLast = onePast;
    } else if (len > 0) {
      this.logLetter(s, id, e, LOG_T);
    }
    I[ke + ZLAST] = newLast;

    // Without SYN, FIN or RST the state machine moves only an INACTIVE endpoint (zs changes
    // nowhere above, so `ze` is still this endpoint's state).
    if (!plain || ze === Zs.INACTIVE) this.zeekStateMachine(s, id, e, flags, seq, len);
  }

  private zset(s: number, zi: number, side: 0 | 1, v: number): void {
    const zs = this.store.zs;
    const cur = zs[zi + side]!;
    if (cur !== v) { this.table.rec[s * LS + ZPREV + side] = cur; zs[zi + side] = v; }
  }

  /** TCPSessionAdapter::UpdateStateMachine (originator = client). */
  private zeekStateMachine(s: number, id: number, e: 0 | 1, flags: number, seq: number, len: number): void {
    const zs = this.store.zs;
    const zi = (id & this.store.mask) * 2;
    const p = (e ^ 1) as 0 | 1;
    const syn = (flags & SYN) !== 0;
    const ackf = (flags & ACK) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    switch (zs[zi + e]) {
      case Zs.INACTIVE:
        if (syn) {
          if (e === 0) {
            this.zset(s, zi, e, ackf ? Zs.SYN_ACK_SENT : Zs.SYN_SENT);
          } else {
            if (!ackf && zs[zi + p] === Zs.SYN_ACK_SENT && seq === this.table.rec[s * LS + ZSTART + e]) this.zset(s, zi, p, Zs.ESTABLISHED);
            if (zs[zi + p] === Zs.SYN_SENT) this.zset(s, zi, p, Zs.ESTABLISHED);
            this.zset(s, zi, e, Zs.ESTABLISHED);
          }
        }
        if (fin) this.zset(s, zi, e, Zs.CLOSED);
        if (rst) this.zset(s, zi, e, Zs.RESET);
        if (zs[zi + e] === Zs.INACTIVE) {
          if (e === 1 && len === 0 && zs[zi] === Zs.SYN_SENT) {
            // an ACK of the SYN before the SYN-ACK: not a partial connection
          } else if (ackf && zs[zi + p] === Zs.ESTABLISHED) {
            this.zset(s, zi, e, Zs.ESTABLISHED);
          } else {
            this.zset(s, zi, e, Zs.PARTIAL);
          }
        }
        break;
      case Zs.SYN_SENT:
      case Zs.SYN_ACK_SENT:
        if (fin) this.zset(s, zi, e, Zs.CLOSED);
        if (rst) this.zset(s, zi, e, Zs.RESET);
        break;
      case Zs.ESTABLISHED:
      case Zs.PARTIAL:
        if (syn && zs[zi + e] === Zs.PARTIAL && zs[zi + p] === Zs.INACTIVE && !ackf) this.zset(s, zi, e, Zs.SYN_SENT);
        if (fin && !rst) {
          this.zset(s, zi, e, Zs.CLOSED);
          if (zs[zi + p] === Zs.RESET && this.table.rec[s * LS + ZPREV + p] === Zs.CLOSED) this.zset(s, zi, p, Zs.CLOSED);
        }
        if (rst) this.zset(s, zi, e, Zs.RESET);
        break;
      case Zs.CLOSED:
        if (rst && zs[zi + p] !== Zs.CLOSED) this.zset(s, zi, e, Zs.RESET);
        break;
      default:
        break;
    }
  }

  /** update_history() of TCPSessionAdapter.cc (letters as ASCII codes, upper case). */
  private history(s: number, id: number, e: 0 | 1, flags: number, seq: number, len: number): void {
    const I = this.table.rec;
    const FL = this.table.f;
    const k = s * LS + e;
    const syn = (flags & SYN) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) this.checkHistory(s, id, e, Hist.FIN_RST, 0x49); // I
      else this.checkHistory(s, id, e, Hist.MULTI_FLAG, 0x51); // Q
    } else if (bits === 1) {
      if (syn) {
        const code = (flags & ACK) !== 0 ? 0x48 : 0x53; // H : S
        if (this.checkHistory(s, id, e, Hist.SYN, code) && seq !== I[k + HSYN]) this.addHistory(id, e, code);
        I[k + HSYN] = seq;
      }
      if (fin) {
        const end = ((seq + len) | 0);
        if (this.checkHistory(s, id, e, Hist.FIN, 0x46) && end !== I[k + HFIN]) this.addHistory(id, e, 0x46); // F
        I[k + HFIN] = end;
      }
      if (rst) {
        if (this.checkHistory(s, id, e, Hist.RST, 0x52) && seq !== I[k + HRST]) this.addHistory(id, e, 0x52); // R
        I[k + HRST] = seq;
      }
    } else if (len > 0) {
      this.checkHistory(s, id, e, Hist.DATA, 0x44); // D
    } else if ((flags & ACK) !== 0) {
      this.checkHistory(s, id, e, Hist.ACK, 0x41); // A
    }
  }

  /** Connection::CheckHistory: records the letter the first time; true when it was seen before. */
  private checkHistory(s: number, id: number, e: 0 | 1, mask: number, code: number): boolean {
    const m = e === 0 ? mask : mask << 16;
    const seen = this.table.rec[s * LS + HISTSEEN]!;
    if ((seen & m) === 0) {
      this.table.rec[s * LS + HISTSEEN] = seen | m;
      this.addHistory(id, e, code);
      return false;
    }
    return true;
  }

  /** Upper case for the originator (client), lower case for the responder. */
  private addHistory(id: number, e: 0 | 1, code: number): void {
    this.store.addHistory(id, e === 0 ? code : code | 0x20);
  }

  /** Connection::ScaledHistoryEntry: the letter again at 10, 100, 1000… occurrences. */
  private logLetter(s: number, id: number, e: 0 | 1, which: number): void {
    const I = this.table.rec;
    const FL = this.table.f;
    const k = s * LS + CNT + which * 2 + e;
    const c = I[k]! + 1;
    I[k] = c;
    if (c === I[k + (THR - CNT)]) {
      this.addHistory(id, e, LOG_LETTER[which]!);
      const next = I[k + (THR - CNT)]! * 10;
      if (next > 0xffffffff) I[k] = 0;
      else I[k + (THR - CNT)] = next;
    }
  }

  // ---- RFC 9293 endpoint states ---------------------------------------------

  /**
   * Updates both endpoints' RFC 9293 states for a segment from side `e`,
   * applying the receiver's transition as the segment passes (RFC 9293 §3.5
   * figures show the receiver's new state on the segment's line), and returns
   * the note (code | arg << 8).
   */
  private rfc(s: number, id: number, e: 0 | 1, flags: number, seq: number, ack: number, len: number): number {
    const t = this.now;
    const store = this.store;
    const I = this.table.rec;
    const FL = this.table.f;
    const b = s * LS;
    const st = store.st;
    const zi = (id & this.store.mask) * 2;
    const ie = zi + e;
    const p = (e ^ 1) as 0 | 1;
    const ip = zi + p;
    const syn = (flags & SYN) !== 0;
    const ackf = (flags & ACK) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    let cf = store.flags[id & store.mask]!;
    let note = 0;
    let arg = 0;
    let finBits = I[s * LS + FINB]!;
    const rstBits = I[s * LS + RSTB]!;
    let hs = I[s * LS + HS]!;

    if (rst) {
      const se = st[ie]!;
      arg = se;
      if (rstBits !== 0) note = Note.RST_AGAIN;
      else if (e === 1 && (cf & CF.SYNACK) === 0 && hs === 1 && st[ip] === St.SYN_SENT) {
        // RFC 9293 §3.5.2 (reset generation, case 1): no listener → RST; the client's connect fails.
        note = Note.RST_REFUSED;
        cf |= CF.REFUSED;
      } else if (se === St.CLOSED || se === St.TIME_WAIT || (finBits & 3) === 3 && (finBits & 12) === 12) note = Note.RST_AFTER_CLOSE;
      else note = Note.RST_ABORT;
      if (rstBits === 0) {
        if (e === 1) cf |= CF.FIRST_RST_S;
        if ((finBits & 3) === 3) cf |= CF.FIN_BOTH_BEFORE_RST;
      }
      cf |= e === 0 ? CF.RST_C : CF.RST_S;
      I[s * LS + RSTB] = rstBits | (1 << e);
      st[ie] = St.CLOSED;
      st[ip] = St.CLOSED;
      store.flags[id & store.mask] = cf;
      return note | (arg << 8);
    }

    if (rstBits !== 0) {
      if (!syn) {
        store.flags[id & store.mask] = cf;
        return Note.AFTER_RST;
      }
      // A new handshake on the same connection after a RST (e.g. an injected RST).
      I[s * LS + RSTB] = 0;
    }

    let ackedFinNow = false;
    if (syn) {
      if (!ackf) {
        if (e === 0) {
          store.synCount[id & store.mask] = Math.min(0xffff, store.synCount[id & store.mask]! + 1);
          if ((I[s * LS + ISNSET]! & 1) !== 0 && I[b + ISN] === seq) { note = Note.SYN_RETX; arg = Math.min(255, store.synCount[id & store.mask]! - 1); }
          else note = Note.SYN;
          I[b + ISN] = seq;
          I[s * LS + ISNSET] = I[s * LS + ISNSET]! | 1;
          FL[s * LF + F_SYNTIME] = t;
          if (hs < 1) hs = 1;
          cf |= CF.SYN;
          st[ie] = St.SYN_SENT;
        } else {
          // Both sides sent a SYN: simultaneous open (RFC 9293 §3.5 Figure 7).
          note = Note.SYN_SIMUL;
          cf |= CF.SIMULTANEOUS_OPEN;
          I[b + ISN + 1] = seq;
          I[s * LS + ISNSET] = I[s * LS + ISNSET]! | 2;
          if (st[ie] !== St.SYN_RECEIVED) st[ie] = St.SYN_SENT;
        }
        const sp = st[ip]!;
        if (sp === St.LISTEN || sp === St.UNKNOWN || sp === St.CLOSED || sp === St.SYN_SENT) st[ip] = St.SYN_RECEIVED;
      } else {
        if (e === 1) {
          if (hs >= 2 && seq === I[b + ISN + 1]) note = Note.SYNACK_RETX;
          else if ((I[s * LS + ISNSET]! & 1) === 0) note = Note.SYNACK_NOSYN;
          else note = ack === ((I[b + ISN]! + 1) | 0) ? Note.SYNACK : Note.SYNACK_BADACK;
          if (note !== Note.SYNACK_RETX) {
            FL[s * LF + F_SYNACKTIME] = t;
            I[s * LS + SYNACKSEQ] = seq;
            if (Number.isNaN(store.rtt1[id & store.mask]!) && !Number.isNaN(FL[s * LF + F_SYNTIME]!)) store.rtt1[id & store.mask] = t - FL[s * LF + F_SYNTIME]!;
          }
          I[b + ISN + 1] = seq;
          I[s * LS + ISNSET] = I[s * LS + ISNSET]! | 2;
          if (hs < 2) hs = 2;
          cf |= CF.SYNACK;
        } else {
          note = Note.SYNACK_SIMUL;
          I[b + ISN] = seq;
          I[s * LS + ISNSET] = I[s * LS + ISNSET]! | 1;
        }
        // The sender is in SYN_RECEIVED, unless (simultaneous open) the peer's SYN-ACK
        // already reached it: then it was sent before that and the sender stays ESTABLISHED.
        if (st[ie]! < St.ESTABLISHED || st[ie] === St.CLOSED) st[ie] = St.SYN_RECEIVED;
        const sp = st[ip]!;
        if (sp === St.SYN_SENT || sp === St.UNKNOWN || sp === St.SYN_RECEIVED || sp === St.CLOSED || sp === St.LISTEN) st[ip] = St.ESTABLISHED;
      }
    } else if (ackf) {
      // The ACK of the peer's SYN completes the peer's side of the handshake.
      if (st[ip] === St.SYN_RECEIVED && ((I[s * LS + ISNSET]! & (1 << p)) === 0 || seqGeq(ack, ((I[b + ISN + p]! + 1) | 0)))) st[ip] = St.ESTABLISHED;
      // A side still in SYN_SENT that acknowledges must have received the SYN-ACK.
      if (st[ie] === St.SYN_SENT) st[ie] = St.ESTABLISHED;
      if (e === 0 && hs === 2) {
        hs = 3;
        note = ack === ((I[s * LS + SYNACKSEQ]! + 1) | 0) ? Note.HS_ACK : Note.HS_ACK_BAD;
        if (Number.isNaN(store.rtt2[id & store.mask]!)) store.rtt2[id & store.mask] = t - FL[s * LF + F_SYNACKTIME]!;
        cf |= CF.HS_ACK;
      }
    }

    // Acknowledgment of the peer's FIN (RFC 9293 §3.10.7.4, "fifth, check the ACK field").
    if (ackf && (finBits & (1 << p)) !== 0 && (finBits & (4 << p)) === 0 && seqGeq(ack, ((I[b + FINSEQ + p]! + 1) | 0))) {
      finBits |= 4 << p;
      ackedFinNow = true;
      cf |= p === 0 ? CF.FIN_C_ACKED : CF.FIN_S_ACKED;
      const sp = st[ip]!;
      if (sp === St.FIN_WAIT_1) st[ip] = St.FIN_WAIT_2;
      else if (sp === St.CLOSING) st[ip] = St.TIME_WAIT;
      else if (sp === St.LAST_ACK) st[ip] = St.CLOSED;
      if (note === 0) note = (finBits & (1 << e)) !== 0 ? Note.LAST_ACK : Note.FIN_ACK;
    }

    // Data after a FIN.
    if (len > 0 && !syn) {
      if ((finBits & (1 << p)) !== 0 && (finBits & (1 << e)) === 0) {
        if (note === 0) note = Note.HALF_CLOSE_DATA;
        cf |= CF.HALF_CLOSE;
      } else if ((finBits & (1 << e)) !== 0 && seqGeq(seq, I[b + FINSEQ + e]!)) {
        if (note === 0) note = Note.DATA_AFTER_FIN;
      }
    }

    if (fin) {
      const finAt = (seq + len + (syn ? 1 : 0)) | 0;
      if ((finBits & (1 << e)) !== 0) {
        if (finAt === I[b + FINSEQ + e] && note === 0) note = Note.FIN_RETX;
      } else {
        finBits |= 1 << e;
        I[b + FINSEQ + e] = finAt;
        cf |= e === 0 ? CF.FIN_C : CF.FIN_S;
        if ((finBits & (1 << p)) === 0) {
          // First FIN: active close (ESTABLISHED → FIN_WAIT_1; the receiver → CLOSE_WAIT).
          if (e === 1) cf |= CF.FIRST_FIN_S;
          st[ie] = St.FIN_WAIT_1;
          note = Note.FIN_ACTIVE;
          const sp = st[ip]!;
          if (sp === St.ESTABLISHED || sp === St.SYN_RECEIVED || sp === St.UNKNOWN) st[ip] = St.CLOSE_WAIT;
        } else if ((finBits & (4 << p)) !== 0) {
          // The peer's FIN is acknowledged (by now): passive close, CLOSE_WAIT → LAST_ACK;
          // the active closer, in FIN_WAIT_2, receives this FIN → TIME_WAIT.
          st[ie] = St.LAST_ACK;
          note = ackedFinNow ? FIN_PIGGY : FIN_PASSIVE;
          const sp = st[ip]!;
          if (sp === St.FIN_WAIT_2) st[ip] = St.TIME_WAIT;
          else if (sp === St.FIN_WAIT_1) st[ip] = St.CLOSING;
        } else {
          // This FIN does not acknowledge the peer's: the FINs crossed (Figure 13).
          // Each side receives the other's FIN in FIN_WAIT_1 → CLOSING.
          st[ie] = St.CLOSING;
          note = Note.FIN_SIMUL;
          if (st[ip] === St.FIN_WAIT_1 || st[ip] === St.CLOSE_WAIT) st[ip] = St.CLOSING;
        }
      }
    }

    I[s * LS + FINB] = finBits;
    I[s * LS + HS] = hs;
    store.flags[id & store.mask] = cf;
    return note | (arg << 8);
  }
}
