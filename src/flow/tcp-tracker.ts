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
 * Nothing is allocated per packet: the live state of a connection is an
 * object reused with its table slot; records are typed arrays.
 */
import type { Decoded } from '../decode/decoded.js';
import { TcpFlag } from '../decode/decoded.js';
import { Anomaly } from '../decode/anomalies.js';
import { ConnStore, CF } from './conn-store.js';
import { FlowTable } from './flow-table.js';
import type { FrameMap } from './frame-map.js';
import type { AppObserver, TcpSegmentInfo } from './hooks.js';
import { Note } from './notes.js';
import { seqAdd, seqDiff, seqGeq, seqRel } from './seq.js';
import { AnalysisFlag, ANY_RETRANSMISSION, TcpAnalyzer } from './tcp-analysis.js';
import { Hist, St, Zs } from './tcp-state.js';
import { TimelineStore, idx } from './timeline-store.js';

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
}

/** Live tracking state of one connection; reused with its table slot. */
export class TcpLive {
  id = -1;
  /** tshark's relative-sequence bases per side, and which are set (bit per side). */
  readonly base = new Uint32Array(2);
  bset = 0;
  /** ISN per side from its SYN, -1 when not seen. */
  readonly isn = new Float64Array(2);
  /** Handshake progress: 0 nothing, 1 SYN seen, 2 SYN-ACK seen, 3 ACK 3/3 seen. */
  hs = 0;
  synTime = NaN;
  synAckTime = NaN;
  synAckSeq = 0;
  /** FIN bits: 1<<side sent, 4<<side acknowledged. */
  fin = 0;
  /** Sequence number of each side's FIN octet. */
  readonly finSeq = new Uint32Array(2);
  /** RST bits per side. */
  rst = 0;
  /** Window scale option per side: -3 no SYN seen, -2 SYN without the option, ≥0 the shift. */
  readonly wsOpt = new Int8Array(2);
  // ---- Zeek endpoint model ----
  readonly zStart = new Uint32Array(2);
  readonly zLast = new Uint32Array(2);
  readonly zAck = new Uint32Array(2);
  readonly zPrev = new Uint8Array(2);
  readonly zFin = new Uint8Array(2);
  histSeen = 0;
  readonly hSyn = new Uint32Array(2);
  readonly hFin = new Uint32Array(2);
  readonly hRst = new Uint32Array(2);
  /** Logarithmic history counters and thresholds: T, W, G, C per side (index letter*2+side). */
  readonly cnt = new Uint32Array(8);
  readonly thr = new Uint32Array(8);
  analyzer: TcpAnalyzer | null = null;

  reset(id: number): void {
    this.id = id;
    this.base.fill(0); this.bset = 0;
    this.isn.fill(-1);
    this.hs = 0; this.synTime = NaN; this.synAckTime = NaN; this.synAckSeq = 0;
    this.fin = 0; this.finSeq.fill(0); this.rst = 0;
    this.wsOpt.fill(-3);
    this.zStart.fill(0); this.zLast.fill(0); this.zAck.fill(0); this.zPrev.fill(0); this.zFin.fill(0);
    this.histSeen = 0; this.hSyn.fill(0); this.hFin.fill(0); this.hRst.fill(0);
    this.cnt.fill(0); this.thr.fill(1);
    this.analyzer?.reset();
  }
}

/** Letters with logarithmic recording (index into TcpLive.cnt/thr). */
const LOG_T = 0, LOG_W = 1, LOG_G = 2, LOG_C = 3;
const LOG_LETTER = ['T', 'W', 'G', 'C'] as const;

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
  readonly store = new ConnStore();
  readonly tl: TimelineStore | null;
  readonly table: FlowTable;
  readonly lives: (TcpLive | undefined)[] = [];
  evicted = 0;
  expired = 0;
  /** Set by finish(): the input has ended. */
  finished = false;
  readonly maxConnections: number;
  readonly closedTimeout: number;
  readonly idleTimeout: number;
  private readonly analysis: boolean;
  private readonly info: TcpSegmentInfo = {
    connId: 0, dir: 0, frameNumber: 0, tsSec: 0, tsNsec: 0, seq: 0, ack: 0, flags: 0,
    buf: new Uint8Array(0), payloadOffset: 0, payloadLen: 0, payloadWireLen: 0, isn: -1, clientPort: 0, serverPort: 0,
  };
  private sweepCountdown = 8192;
  private lastSweep = -Infinity;
  private evictScratch = new Float64Array(0);

  constructor(opts: TcpTrackerOptions, readonly frames: FrameMap | null, readonly app: AppObserver | undefined) {
    this.maxConnections = Math.max(1, opts.maxConnections ?? 100_000);
    this.closedTimeout = opts.closedTimeout ?? 30;
    this.idleTimeout = opts.idleTimeout ?? Infinity;
    this.analysis = opts.analysis ?? true;
    this.tl = opts.timelines === false ? null : new TimelineStore();
    this.table = new FlowTable(this.maxConnections, Math.min(1024, this.maxConnections));
  }

  get liveCount(): number { return this.table.count; }

  /** Live state of a connection still in the table, else undefined. */
  live(id: number): TcpLive | undefined {
    const s = this.store.slot[id]!;
    return s >= 0 ? this.lives[s] : undefined;
  }

  /** Processes one decoded TCP segment (the caller checked `d.isTcp`). */
  packet(d: Decoded): void {
    const flags = d.tcpFlags;
    const seq = d.seq;
    const ack = d.ack;
    const t = d.tsSec + d.tsNsec * 1e-9;
    const store = this.store;
    const tab = this.table;
    let reuse = false;
    let s = tab.lookup(d);
    let l: TcpLive | undefined;
    let dir: 0 | 1 = tab.dir;
    if (s >= 0) {
      l = this.lives[s]!;
      const id = l.id;
      if ((flags & (SYN | ACK)) === SYN && (l.bset & (1 << dir)) !== 0 && seq !== l.base[dir]) {
        // A SYN with a new ISN on a known tuple: a new connection (port reuse).
        this.release(s, 0);
        s = -1;
        reuse = true;
      } else {
        const idle = t - store.lastTime[id]!;
        if (idle > (this.isClosed(l) ? this.closedTimeout : this.idleTimeout)) {
          this.release(s, CF.EXPIRED);
          this.expired++;
          s = -1;
        }
      }
    }
    let evictedNow = false;
    if (s < 0) {
      if (tab.full) { this.evict(); evictedNow = true; }
      s = this.open(d, t, reuse);
      l = this.lives[s]!;
      dir = tab.dir;
    }
    const live = l!;
    const id = live.id;
    const zi = id * 2;
    const di = zi + dir;
    const len = d.payloadWireLen > 0 ? d.payloadWireLen : 0;

    // ---- counters ----
    store.pkts[di]!++;
    store.bytes[di]! += d.origLen;
    store.payload[di]! += len;
    store.lastTime[id] = t;
    store.lastFrame[id] = d.frameNumber;

    // ---- relative sequence numbers, as tshark computes them ----
    const bit = 1 << dir;
    const rbit = 1 << (dir ^ 1);
    if ((flags & (SYN | ACK)) === (SYN | ACK) && (live.bset & bit) !== 0 && seq !== live.base[dir]) live.base[dir] = seq;
    if ((live.bset & bit) === 0) {
      live.base[dir] = (flags & SYN) !== 0 ? seq : seqAdd(seq, -1);
      live.bset |= bit;
    }
    if ((flags & ACK) !== 0 && (live.bset & rbit) === 0) {
      live.base[dir ^ 1] = seqAdd(ack, -1);
      live.bset |= rbit;
    }

    // ---- window scale (RFC 7323 §2.2: only in SYNs; in use when both SYNs carry it) ----
    let wsArg: number;
    if ((flags & SYN) !== 0) {
      live.wsOpt[dir] = d.wscale >= 0 ? Math.min(d.wscale, 14) : -2;
      wsArg = live.wsOpt[dir]!;
      if (live.wsOpt[dir ^ 1]! !== -3) {
        const both = live.wsOpt[0]! >= 0 && live.wsOpt[1]! >= 0;
        store.wscale[zi] = both ? live.wsOpt[0]! : -2;
        store.wscale[zi + 1] = both ? live.wsOpt[1]! : -2;
      }
    } else {
      wsArg = store.wscale[di]!;
    }

    // ---- Wireshark analysis flags ----
    let mask = 0;
    let dup = 0;
    if (live.analyzer !== null) {
      mask = live.analyzer.segment(dir, seq, ack, flags, len, d.window, wsArg, d.tsSec, d.tsNsec, d.frameNumber);
      dup = live.analyzer.dupAckCount;
      if ((mask & ANY_RETRANSMISSION) !== 0) store.retrans[id]!++;
    }

    // ---- Zeek's endpoint states and history ----
    this.zeek(live, id, dir, flags, seq, ack, len, d.window, mask, d);

    // ---- RFC 9293 states and the textbook note ----
    let note = this.rfc(live, id, dir, flags, seq, ack, len, t);
    if (note === 0 && store.pkts[zi]! + store.pkts[zi + 1]! === 1 && (store.flags[id]! & CF.ROLES_INFERRED) !== 0) note = Note.MIDSTREAM;

    // ---- timeline record ----
    const tl = this.tl;
    if (tl !== null) {
      const rec = tl.append();
      const c = tl.current;
      const i = idx(rec);
      c.frame[i] = d.frameNumber;
      c.conn[i] = id;
      c.next[i] = -1;
      c.time[i] = t;
      c.seq[i] = seq;
      c.ack[i] = ack;
      c.relSeq[i] = seqRel(seq, live.base[dir]!);
      c.relAck[i] = (flags & ACK) !== 0 ? seqRel(ack, live.base[dir ^ 1]!) : ack;
      c.len[i] = len;
      c.win[i] = d.window;
      c.flags[i] = flags;
      c.st[i] = (dir << 8) | (store.st[zi]! << 4) | store.st[zi + 1]!;
      c.note[i] = note;
      c.an[i] = mask;
      c.dup[i] = dup;
      if (d.optionsLen > 0 && d.optionsOffset >= 0) {
        const n = Math.min(d.optionsLen, 40);
        c.optRef[i] = tl.storeOptions(d.buf, d.optionsOffset, n);
        c.optLen[i] = n;
      } else {
        c.optLen[i] = 0;
      }
      if (d.anomalyCount > 0 || evictedNow) {
        const codes: number[] = [];
        for (let k = 0; k < d.anomalyCount; k++) codes.push(d.anomalyCodes[k]!);
        if (evictedNow) codes.push(Anomaly.conn_table_limit);
        tl.anomalies.set(rec, codes);
      }
      const tail = store.tlTail[id]!;
      if (tail >= 0) tl.setNext(tail, rec);
      else store.tlHead[id] = rec;
      store.tlTail[id] = rec;
      store.tlCount[id]!++;
      this.frames?.setTcpRecord(d.frameNumber, rec);
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
      info.seq = seq;
      info.ack = ack;
      info.flags = flags;
      info.buf = d.buf;
      info.payloadOffset = d.payloadOffset;
      info.payloadLen = d.payloadLen > 0 ? d.payloadLen : 0;
      info.payloadWireLen = len;
      info.isn = live.isn[dir]!;
      info.clientPort = store.port[zi]!;
      info.serverPort = store.port[zi + 1]!;
      app.tcpSegment(info);
    }

    if (--this.sweepCountdown <= 0) {
      this.sweepCountdown = 8192;
      if (t - this.lastSweep > 1 || t < this.lastSweep) {
        this.lastSweep = t;
        this.sweep(t);
      }
    }
  }

  /** End of input: tells the application layer that no live connection gets more segments. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const n = this.table.capacity;
    for (let s = 0; s < n; s++) {
      const id = this.table.slotId[s]!;
      if (id < 0) continue;
      const l = this.lives[s]!;
      this.writeZeekSizes(l, id);
      this.app?.tcpEnd(id);
    }
  }

  isClosed(l: TcpLive): boolean {
    return l.rst !== 0 || (l.fin & 3) === 3;
  }

  /** Zeek's payload sizes (TCP_Endpoint::Size) for a connection, live or finished. */
  zeekSize(id: number, side: 0 | 1): number {
    const l = this.live(id);
    if (l === undefined) return this.store.zsize[id * 2 + side]!;
    return this.computeZeekSize(l, id, side);
  }

  // ---------------------------------------------------------------------------

  private open(d: Decoded, t: number, reuse: boolean): number {
    const flags = d.tcpFlags;
    const store = this.store;
    const syn = (flags & SYN) !== 0;
    const ackf = (flags & ACK) !== 0;
    let srcIsClient: boolean;
    let cf: number = CF.LIVE;
    if (syn && !ackf) srcIsClient = true;
    else if (syn && ackf) { srcIsClient = false; cf |= CF.SYNACK_FIRST; }
    else { srcIsClient = srcLooksLikeClient(d.srcPort, d.dstPort); cf |= CF.ROLES_INFERRED; }
    if (!srcIsClient) cf |= CF.FLIPPED;
    if (reuse) cf |= CF.PORT_REUSE;
    const id = store.add();
    const s = this.table.insert(d, id, srcIsClient);
    let l = this.lives[s];
    if (l === undefined) {
      l = new TcpLive();
      if (this.analysis) l.analyzer = new TcpAnalyzer();
      this.lives[s] = l;
    }
    l.reset(id);
    store.slot[id] = s;
    store.ipv[id] = d.ipVersion;
    this.table.copyAddr(s, store.addr, id * 8);
    store.port[id * 2] = this.table.port(s, 0);
    store.port[id * 2 + 1] = this.table.port(s, 1);
    store.firstTime[id] = t;
    store.firstFrame[id] = d.frameNumber;
    store.flags[id] = cf;
    store.history[id] = srcIsClient ? '' : '^';
    const zi = id * 2;
    if (syn && !ackf) { store.st[zi] = St.CLOSED; store.st[zi + 1] = St.LISTEN; }
    else if (syn) { store.st[zi] = St.UNKNOWN; store.st[zi + 1] = St.LISTEN; }
    else { store.st[zi] = St.ESTABLISHED; store.st[zi + 1] = St.ESTABLISHED; }
    store.zs[zi] = Zs.INACTIVE;
    store.zs[zi + 1] = Zs.INACTIVE;
    return s;
  }

  /** Takes a connection out of the table; its summary stays. */
  private release(s: number, why: number): void {
    const l = this.lives[s]!;
    const id = l.id;
    this.writeZeekSizes(l, id);
    const f = this.store.flags[id]!;
    this.store.flags[id] = (f & ~CF.LIVE) | why;
    this.store.slot[id] = -1;
    this.table.remove(s);
    this.app?.tcpEnd(id);
  }

  private writeZeekSizes(l: TcpLive, id: number): void {
    this.store.zsize[id * 2] = this.computeZeekSize(l, id, 0);
    this.store.zsize[id * 2 + 1] = this.computeZeekSize(l, id, 1);
  }

  /** TCP_Endpoint::Size(): payload bytes from sequence numbers (without the SYN and FIN octets). */
  private computeZeekSize(l: TcpLive, id: number, e: 0 | 1): number {
    const zs = this.store.zs;
    const me = zs[id * 2 + e]!;
    if (me === Zs.INACTIVE) return 0;
    const peer = zs[id * 2 + (e ^ 1)]!;
    if (l.zPrev[e] === Zs.SYN_SENT && me === Zs.RESET && peer === Zs.INACTIVE) return 0;
    const dl = seqDiff(l.zLast[e]!, l.zStart[e]!);
    const da = seqDiff(l.zAck[e]!, l.zStart[e]!);
    let size = Math.max(dl, da, 0);
    if (size !== 0) size--;
    if (l.zFin[e] !== 0 && size !== 0) size--;
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
      const cap = tab.capacity;
      if (this.evictScratch.length < cap) this.evictScratch = new Float64Array(cap);
      const times = this.evictScratch;
      let n = 0;
      for (let s = 0; s < cap; s++) {
        const id = tab.slotId[s]!;
        if (id >= 0 && this.evictClass(s, id) === cls) times[n++] = store.lastTime[id]!;
      }
      if (n === 0) continue;
      const need = want - done;
      let cut = Infinity;
      if (n > need) {
        const sorted = times.subarray(0, n).sort();
        cut = sorted[need - 1]!;
      }
      for (let s = 0; s < cap && done < want; s++) {
        const id = tab.slotId[s]!;
        if (id < 0 || this.evictClass(s, id) !== cls || store.lastTime[id]! > cut) continue;
        this.release(s, CF.EVICTED);
        this.evicted++;
        done++;
      }
    }
  }

  private evictClass(s: number, id: number): number {
    const l = this.lives[s]!;
    const z = id * 2;
    if ((this.store.flags[id]! & CF.SYN) !== 0 && this.store.pkts[z + 1] === 0) return 0;
    if (this.isClosed(l)) return 1;
    return 2;
  }

  /** Releases closed connections past `closedTimeout` and others past `idleTimeout`. */
  private sweep(t: number): void {
    const tab = this.table;
    const store = this.store;
    const cap = tab.capacity;
    for (let s = 0; s < cap; s++) {
      const id = tab.slotId[s]!;
      if (id < 0) continue;
      const idle = t - store.lastTime[id]!;
      if (idle > (this.isClosed(this.lives[s]!) ? this.closedTimeout : this.idleTimeout)) {
        this.release(s, CF.EXPIRED);
        this.expired++;
      }
    }
  }

  // ---- Zeek (TCPSessionAdapter / TCP_Endpoint) ----------------------------

  private zeek(l: TcpLive, id: number, e: 0 | 1, flags: number, seq: number, ack: number, len: number,
    win: number, mask: number, d: Decoded): void {
    const zs = this.store.zs;
    const zi = id * 2;
    const p = (e ^ 1) as 0 | 1;
    const syn = (flags & SYN) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    const segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0) - (rst ? len : 0);
    const onePast = seqAdd(seq, segLen);

    // init_endpoint()
    const ze = zs[zi + e]!;
    if (ze === Zs.INACTIVE) {
      if (syn) { l.zAck[e] = seq; l.zStart[e] = seq; l.zLast[e] = onePast; }
      else { const b = seqAdd(seq, -1); l.zAck[e] = b; l.zStart[e] = b; l.zLast[e] = seq; }
    } else if (ze === Zs.SYN_SENT || ze === Zs.SYN_ACK_SENT) {
      if (syn && seq !== l.zStart[e]) { l.zStart[e] = seq; l.zAck[e] = seq; l.zLast[e] = onePast; }
    } else if (ze === Zs.ESTABLISHED || ze === Zs.PARTIAL) {
      if (syn) { l.zStart[e] = seq; l.zAck[e] = seq; l.zLast[e] = onePast; }
    } else if (ze === Zs.RESET) {
      if (syn && l.zPrev[e] === Zs.INACTIVE) { l.zStart[e] = seq; l.zAck[e] = seq; l.zLast[e] = onePast; }
    }

    // update_history()
    this.history(l, id, e, flags, seq, len);
    // Checksum errors and content gaps, as far as we know them.
    for (let k = 0; k < d.anomalyCount; k++) {
      if (d.anomalyCodes[k] === Anomaly.tcp_bad_checksum) { this.logLetter(l, id, e, LOG_C); break; }
    }
    if ((mask & AnalysisFlag.LOST_SEGMENT) !== 0) this.logLetter(l, id, e, LOG_G);

    // update_window(): zero window, unless with/after a RST or after the peer's FIN.
    if (win === 0 && !rst && zs[zi + p] !== Zs.CLOSED && zs[zi + e] !== Zs.RESET) this.logLetter(l, id, e, LOG_W);

    if (fin) l.zFin[e] = 1;

    if ((flags & ACK) !== 0) {
      if (zs[zi + p] === Zs.INACTIVE) {
        // init_peer(): number the peer as if its SYN had been seen.
        const b = seqAdd(ack, -1);
        l.zStart[p] = b; l.zAck[p] = b; l.zLast[p] = b;
      } else if (seqDiff(ack, l.zStart[p]!) >= 0 && !rst) {
        // update_ack_seq(); RST acks are not trusted.
        const da = seqDiff(ack, l.zAck[p]!);
        if (!(ack === 0 && da > TOO_LARGE_SEQ_DELTA) && da > 0) l.zAck[p] = ack;
      }
    }

    // update_last_seq(): retransmissions ('T') are data that does not advance.
    const delta = seqDiff(onePast, l.zLast[e]!);
    if ((syn || rst) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA)) {
      // untrusted
    } else if (fin && l.zLast[e] === seqAdd(l.zStart[e]!, 1)) {
      l.zLast[e] = onePast;
    } else if (zs[zi + e] === Zs.RESET) {
      // after a RST nothing is trusted
    } else if (delta > 0) {
      l.zLast[e] = onePast;
    } else if (len > 0) {
      this.logLetter(l, id, e, LOG_T);
    }

    this.zeekStateMachine(l, id, e, flags, seq, len);
  }

  private zset(l: TcpLive, zi: number, side: 0 | 1, v: number): void {
    const zs = this.store.zs;
    const cur = zs[zi + side]!;
    if (cur !== v) { l.zPrev[side] = cur; zs[zi + side] = v; }
  }

  /** TCPSessionAdapter::UpdateStateMachine (originator = client). */
  private zeekStateMachine(l: TcpLive, id: number, e: 0 | 1, flags: number, seq: number, len: number): void {
    const zs = this.store.zs;
    const zi = id * 2;
    const p = (e ^ 1) as 0 | 1;
    const syn = (flags & SYN) !== 0;
    const ackf = (flags & ACK) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    switch (zs[zi + e]) {
      case Zs.INACTIVE:
        if (syn) {
          if (e === 0) {
            this.zset(l, zi, e, ackf ? Zs.SYN_ACK_SENT : Zs.SYN_SENT);
          } else {
            if (!ackf && zs[zi + p] === Zs.SYN_ACK_SENT && seq === l.zStart[e]) this.zset(l, zi, p, Zs.ESTABLISHED);
            if (zs[zi + p] === Zs.SYN_SENT) this.zset(l, zi, p, Zs.ESTABLISHED);
            this.zset(l, zi, e, Zs.ESTABLISHED);
          }
        }
        if (fin) this.zset(l, zi, e, Zs.CLOSED);
        if (rst) this.zset(l, zi, e, Zs.RESET);
        if (zs[zi + e] === Zs.INACTIVE) {
          if (e === 1 && len === 0 && zs[zi] === Zs.SYN_SENT) {
            // an ACK of the SYN before the SYN-ACK: not a partial connection
          } else if (ackf && zs[zi + p] === Zs.ESTABLISHED) {
            this.zset(l, zi, e, Zs.ESTABLISHED);
          } else {
            this.zset(l, zi, e, Zs.PARTIAL);
          }
        }
        break;
      case Zs.SYN_SENT:
      case Zs.SYN_ACK_SENT:
        if (fin) this.zset(l, zi, e, Zs.CLOSED);
        if (rst) this.zset(l, zi, e, Zs.RESET);
        break;
      case Zs.ESTABLISHED:
      case Zs.PARTIAL:
        if (syn && zs[zi + e] === Zs.PARTIAL && zs[zi + p] === Zs.INACTIVE && !ackf) this.zset(l, zi, e, Zs.SYN_SENT);
        if (fin && !rst) {
          this.zset(l, zi, e, Zs.CLOSED);
          if (zs[zi + p] === Zs.RESET && l.zPrev[p] === Zs.CLOSED) this.zset(l, zi, p, Zs.CLOSED);
        }
        if (rst) this.zset(l, zi, e, Zs.RESET);
        break;
      case Zs.CLOSED:
        if (rst && zs[zi + p] !== Zs.CLOSED) this.zset(l, zi, e, Zs.RESET);
        break;
      default:
        break;
    }
  }

  /** update_history() of TCPSessionAdapter.cc. */
  private history(l: TcpLive, id: number, e: 0 | 1, flags: number, seq: number, len: number): void {
    const syn = (flags & SYN) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) this.checkHistory(l, id, e, Hist.FIN_RST, 'I');
      else this.checkHistory(l, id, e, Hist.MULTI_FLAG, 'Q');
    } else if (bits === 1) {
      if (syn) {
        const code = (flags & ACK) !== 0 ? 'H' : 'S';
        if (this.checkHistory(l, id, e, Hist.SYN, code) && seq !== l.hSyn[e]) this.addHistory(id, e, code);
        l.hSyn[e] = seq;
      }
      if (fin) {
        const end = seqAdd(seq, len);
        if (this.checkHistory(l, id, e, Hist.FIN, 'F') && end !== l.hFin[e]) this.addHistory(id, e, 'F');
        l.hFin[e] = end;
      }
      if (rst) {
        if (this.checkHistory(l, id, e, Hist.RST, 'R') && seq !== l.hRst[e]) this.addHistory(id, e, 'R');
        l.hRst[e] = seq;
      }
    } else if (len > 0) {
      this.checkHistory(l, id, e, Hist.DATA, 'D');
    } else if ((flags & ACK) !== 0) {
      this.checkHistory(l, id, e, Hist.ACK, 'A');
    }
  }

  /** Connection::CheckHistory: records the letter the first time; true when it was seen before. */
  private checkHistory(l: TcpLive, id: number, e: 0 | 1, mask: number, code: string): boolean {
    const m = e === 0 ? mask : mask << 16;
    if ((l.histSeen & m) === 0) {
      l.histSeen |= m;
      this.addHistory(id, e, code);
      return false;
    }
    return true;
  }

  private addHistory(id: number, e: 0 | 1, code: string): void {
    this.store.history[id]! += e === 0 ? code : code.toLowerCase();
  }

  /** Connection::ScaledHistoryEntry: the letter again at 10, 100, 1000… occurrences. */
  private logLetter(l: TcpLive, id: number, e: 0 | 1, which: number): void {
    const k = which * 2 + e;
    const c = ++l.cnt[k]!;
    if (c === l.thr[k]) {
      this.addHistory(id, e, LOG_LETTER[which]!);
      const next = l.thr[k]! * 10;
      if (next > 0xffffffff) l.cnt[k] = 0;
      else l.thr[k] = next;
    }
  }

  // ---- RFC 9293 endpoint states ---------------------------------------------

  /**
   * Updates both endpoints' RFC 9293 states for a segment from side `e`,
   * applying the receiver's transition as the segment passes (RFC 9293 §3.5
   * figures show the receiver's new state on the segment's line), and returns
   * the note (code | arg << 8).
   */
  private rfc(l: TcpLive, id: number, e: 0 | 1, flags: number, seq: number, ack: number, len: number, t: number): number {
    const store = this.store;
    const st = store.st;
    const zi = id * 2;
    const ie = zi + e;
    const p = (e ^ 1) as 0 | 1;
    const ip = zi + p;
    const syn = (flags & SYN) !== 0;
    const ackf = (flags & ACK) !== 0;
    const fin = (flags & FIN) !== 0;
    const rst = (flags & RST) !== 0;
    let cf = store.flags[id]!;
    let note = 0;
    let arg = 0;

    if (rst) {
      const se = st[ie]!;
      arg = se;
      if (l.rst !== 0) note = Note.RST_AGAIN;
      else if (e === 1 && (cf & CF.SYNACK) === 0 && l.hs === 1 && st[ip] === St.SYN_SENT) {
        // RFC 9293 §3.5.2 (reset generation, case 1): no listener → RST; the client's connect fails.
        note = Note.RST_REFUSED;
        cf |= CF.REFUSED;
      } else if (se === St.CLOSED || se === St.TIME_WAIT || (l.fin & 3) === 3 && (l.fin & 12) === 12) note = Note.RST_AFTER_CLOSE;
      else note = Note.RST_ABORT;
      if (l.rst === 0) {
        if (e === 1) cf |= CF.FIRST_RST_S;
        if ((l.fin & 3) === 3) cf |= CF.FIN_BOTH_BEFORE_RST;
      }
      cf |= e === 0 ? CF.RST_C : CF.RST_S;
      l.rst |= 1 << e;
      st[ie] = St.CLOSED;
      st[ip] = St.CLOSED;
      store.flags[id] = cf;
      return note | (arg << 8);
    }

    if (l.rst !== 0) {
      if (!syn) {
        store.flags[id] = cf;
        return Note.AFTER_RST;
      }
      // A new handshake on the same connection after a RST (e.g. an injected RST).
      l.rst = 0;
    }

    let ackedFinNow = false;
    if (syn) {
      if (!ackf) {
        if (e === 0) {
          store.synCount[id] = Math.min(0xffff, store.synCount[id]! + 1);
          if (l.isn[0] === seq) { note = Note.SYN_RETX; arg = Math.min(255, store.synCount[id]! - 1); }
          else note = Note.SYN;
          l.isn[0] = seq;
          l.synTime = t;
          if (l.hs < 1) l.hs = 1;
          cf |= CF.SYN;
          st[ie] = St.SYN_SENT;
        } else {
          // Both sides sent a SYN: simultaneous open (RFC 9293 §3.5 Figure 7).
          note = Note.SYN_SIMUL;
          cf |= CF.SIMULTANEOUS_OPEN;
          l.isn[1] = seq;
          if (st[ie] !== St.SYN_RECEIVED) st[ie] = St.SYN_SENT;
        }
        const sp = st[ip]!;
        if (sp === St.LISTEN || sp === St.UNKNOWN || sp === St.CLOSED || sp === St.SYN_SENT) st[ip] = St.SYN_RECEIVED;
      } else {
        if (e === 1) {
          if (l.hs >= 2 && seq === l.isn[1]) note = Note.SYNACK_RETX;
          else if (l.isn[0]! < 0) note = Note.SYNACK_NOSYN;
          else note = ack === seqAdd(l.isn[0]!, 1) ? Note.SYNACK : Note.SYNACK_BADACK;
          if (note !== Note.SYNACK_RETX) {
            l.synAckTime = t;
            l.synAckSeq = seq;
            if (Number.isNaN(store.rtt1[id]!) && !Number.isNaN(l.synTime)) store.rtt1[id] = t - l.synTime;
          }
          l.isn[1] = seq;
          if (l.hs < 2) l.hs = 2;
          cf |= CF.SYNACK;
        } else {
          note = Note.SYNACK_SIMUL;
          l.isn[0] = seq;
        }
        // The sender is in SYN_RECEIVED, unless (simultaneous open) the peer's SYN-ACK
        // already reached it: then it was sent before that and the sender stays ESTABLISHED.
        if (st[ie]! < St.ESTABLISHED || st[ie] === St.CLOSED) st[ie] = St.SYN_RECEIVED;
        const sp = st[ip]!;
        if (sp === St.SYN_SENT || sp === St.UNKNOWN || sp === St.SYN_RECEIVED || sp === St.CLOSED || sp === St.LISTEN) st[ip] = St.ESTABLISHED;
      }
    } else if (ackf) {
      // The ACK of the peer's SYN completes the peer's side of the handshake.
      if (st[ip] === St.SYN_RECEIVED && (l.isn[p]! < 0 || seqGeq(ack, seqAdd(l.isn[p]!, 1)))) st[ip] = St.ESTABLISHED;
      // A side still in SYN_SENT that acknowledges must have received the SYN-ACK.
      if (st[ie] === St.SYN_SENT) st[ie] = St.ESTABLISHED;
      if (e === 0 && l.hs === 2) {
        l.hs = 3;
        note = ack === seqAdd(l.synAckSeq, 1) ? Note.HS_ACK : Note.HS_ACK_BAD;
        if (Number.isNaN(store.rtt2[id]!)) store.rtt2[id] = t - l.synAckTime;
        cf |= CF.HS_ACK;
      }
    }

    // Acknowledgment of the peer's FIN (RFC 9293 §3.10.7.4, "fifth, check the ACK field").
    if (ackf && (l.fin & (1 << p)) !== 0 && (l.fin & (4 << p)) === 0 && seqGeq(ack, seqAdd(l.finSeq[p]!, 1))) {
      l.fin |= 4 << p;
      ackedFinNow = true;
      cf |= p === 0 ? CF.FIN_C_ACKED : CF.FIN_S_ACKED;
      const sp = st[ip]!;
      if (sp === St.FIN_WAIT_1) st[ip] = St.FIN_WAIT_2;
      else if (sp === St.CLOSING) st[ip] = St.TIME_WAIT;
      else if (sp === St.LAST_ACK) st[ip] = St.CLOSED;
      if (note === 0) note = (l.fin & (1 << e)) !== 0 ? Note.LAST_ACK : Note.FIN_ACK;
    }

    // Data after a FIN.
    if (len > 0 && !syn) {
      if ((l.fin & (1 << p)) !== 0 && (l.fin & (1 << e)) === 0) {
        if (note === 0) note = Note.HALF_CLOSE_DATA;
        cf |= CF.HALF_CLOSE;
      } else if ((l.fin & (1 << e)) !== 0 && seqGeq(seq, l.finSeq[e]!)) {
        if (note === 0) note = Note.DATA_AFTER_FIN;
      }
    }

    if (fin) {
      const finAt = seqAdd(seq, len + (syn ? 1 : 0));
      if ((l.fin & (1 << e)) !== 0) {
        if (finAt === l.finSeq[e] && note === 0) note = Note.FIN_RETX;
      } else {
        l.fin |= 1 << e;
        l.finSeq[e] = finAt;
        cf |= e === 0 ? CF.FIN_C : CF.FIN_S;
        if ((l.fin & (1 << p)) === 0) {
          // First FIN: active close (ESTABLISHED → FIN_WAIT_1; the receiver → CLOSE_WAIT).
          if (e === 1) cf |= CF.FIRST_FIN_S;
          st[ie] = St.FIN_WAIT_1;
          note = Note.FIN_ACTIVE;
          const sp = st[ip]!;
          if (sp === St.ESTABLISHED || sp === St.SYN_RECEIVED || sp === St.UNKNOWN) st[ip] = St.CLOSE_WAIT;
        } else if ((l.fin & (4 << p)) !== 0) {
          // The peer's FIN is acknowledged (by now): passive close, CLOSE_WAIT → LAST_ACK;
          // the active closer, in FIN_WAIT_2, receives this FIN → TIME_WAIT.
          st[ie] = St.LAST_ACK;
          note = ackedFinNow ? Note.FIN_PIGGY : Note.FIN_PASSIVE;
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

    store.flags[id] = cf;
    return note | (arg << 8);
  }
}
