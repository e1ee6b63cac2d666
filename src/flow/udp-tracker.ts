/**
 * UDP flows: datagrams grouped by 5-tuple (direction-independent), numbered
 * in order of first appearance as tshark's udp.stream. A flow ends after
 * `idleTimeout` seconds of packet time without datagrams; the next datagram
 * on the tuple starts a new flow. The client is the first sender, unless its
 * port is below 1024 and the other one is not (a reply seen first; then
 * `rolesInferred`).
 *
 * Summaries use the same ConnStore as TCP (TCP-only fields stay empty);
 * history follows Zeek's UDP letters ('D'/'d': data from originator/responder,
 * once each; '^' when the roles were swapped).
 */
import type { Decoded } from '../decode/decoded.js';
import { ConnStore, CF } from './conn-store.js';
import { FlowTable } from './flow-table.js';
import type { FrameMap } from './frame-map.js';
import type { AppObserver, UdpDatagramInfo } from './hooks.js';

/** UDP flows reuse two TCP flag bits: "client sent data", "server sent data". */
const UDP_DATA_C = CF.SYN;
const UDP_DATA_S = CF.SYNACK;

export interface UdpTrackerOptions {
  /** Live flows kept at most (default 100,000); the oldest idle are evicted beyond. */
  maxFlows?: number;
  /** Seconds of packet time without datagrams after which a flow ends (default 120). */
  idleTimeout?: number;
  /** Flow summaries kept at most (default: all); the oldest go first. */
  maxSummaries?: number;
}

export class UdpTracker {
  readonly store: ConnStore;
  readonly table: FlowTable;
  evicted = 0;
  readonly idleTimeout: number;
  private readonly info: UdpDatagramInfo = {
    flowId: 0, dir: 0, frameNumber: 0, tsSec: 0, tsNsec: 0, srcPort: 0, dstPort: 0,
    buf: new Uint8Array(0), payloadOffset: 0, payloadLen: 0,
  };
  private sweepCountdown = 8192;
  private lastSweep = -Infinity;
  private scratch = new Float64Array(0);

  constructor(opts: UdpTrackerOptions, readonly frames: FrameMap | null, readonly app: AppObserver | undefined) {
    const max = Math.max(1, opts.maxFlows ?? 100_000);
    this.store = new ConnStore(opts.maxSummaries ?? Infinity);
    this.idleTimeout = opts.idleTimeout ?? 120;
    this.table = new FlowTable(max, Math.min(256, max));
  }

  packet(d: Decoded): void {
    const t = d.tsSec + d.tsNsec * 1e-9;
    const store = this.store;
    const tab = this.table;
    let s = tab.lookup(d);
    let dir = tab.dir;
    if (s >= 0 && t - store.lastTime[tab.idOf(s) & store.mask]! > this.idleTimeout) {
      this.release(s, CF.EXPIRED);
      s = -1;
    }
    if (s < 0) {
      if (tab.full) this.evict();
      s = this.open(d, t);
      dir = tab.dir;
    }
    const id = tab.idOf(s);
    const di = (id & store.mask) * 2 + dir;
    const len = d.payloadWireLen > 0 ? d.payloadWireLen : 0;
    store.pkts[di]!++;
    store.bytes[di]! += d.origLen;
    store.payload[di]! += len;
    store.lastTime[id & store.mask] = t;
    store.lastFrame[id & store.mask] = d.frameNumber;
    const dataBit = dir === 0 ? UDP_DATA_C : UDP_DATA_S;
    if ((store.flags[id & store.mask]! & dataBit) === 0 && len > 0) {
      // Zeek's UDP history: 'D'/'d' the first time each side sends data.
      store.flags[id & store.mask] = store.flags[id & store.mask]! | dataBit;
      store.addHistory(id, dir === 0 ? 0x44 /* D */ : 0x64 /* d */);
    }
    this.frames?.setUdpFlow(d.frameNumber, id);
    const app = this.app;
    if (app !== undefined) {
      const info = this.info;
      info.flowId = id;
      info.dir = dir;
      info.frameNumber = d.frameNumber;
      info.tsSec = d.tsSec;
      info.tsNsec = d.tsNsec;
      info.srcPort = d.srcPort;
      info.dstPort = d.dstPort;
      info.buf = d.buf;
      info.payloadOffset = d.payloadOffset;
      info.payloadLen = d.payloadLen > 0 ? d.payloadLen : 0;
      app.udpDatagram(info);
    }
    if (--this.sweepCountdown <= 0) {
      this.sweepCountdown = 8192;
      if (t - this.lastSweep > 1 || t < this.lastSweep) {
        this.lastSweep = t;
        this.sweep(t);
      }
    }
  }

  /** Whether each side of a flow sent anything (for Zeek's UDP conn_state). */
  active(id: number, side: 0 | 1): boolean {
    return this.store.pkts[(id & this.store.mask) * 2 + side]! > 0;
  }

  private open(d: Decoded, t: number): number {
    const store = this.store;
    const drop = store.nextDrop();
    if (drop >= 0 && store.slot[drop & store.mask]! >= 0) this.release(store.slot[drop & store.mask]!, CF.EXPIRED);
    const srcIsClient = !(d.srcPort < 1024 && d.dstPort >= 1024);
    const id = store.add();
    const s = this.table.insert(d, id, srcIsClient);
    store.slot[id & store.mask] = s;
    store.ipv[id & store.mask] = d.ipVersion;
    this.table.copyAddr(s, store.addr, (id & store.mask) * 8);
    store.port[(id & store.mask) * 2] = this.table.port(s, 0);
    store.port[(id & store.mask) * 2 + 1] = this.table.port(s, 1);
    store.firstTime[id & store.mask] = t;
    store.firstFrame[id & store.mask] = d.frameNumber;
    store.flags[id & store.mask] = CF.LIVE | (srcIsClient ? 0 : CF.ROLES_INFERRED | CF.FLIPPED);
    if (!srcIsClient) store.addHistory(id, 0x5e /* ^ */);
    return s;
  }

  private release(s: number, why: number): void {
    const id = this.table.idOf(s);
    this.store.flags[id & this.store.mask] = (this.store.flags[id & this.store.mask]! & ~CF.LIVE) | why;
    this.store.slot[id & this.store.mask] = -1;
    this.table.remove(s);
  }

  private sweep(t: number): void {
    const tab = this.table;
    for (let s = 0; s < tab.slots; s++) {
      const id = tab.idOf(s);
      if (id >= 0 && t - this.store.lastTime[id & this.store.mask]! > this.idleTimeout) this.release(s, CF.EXPIRED);
    }
  }

  /** Frees the oldest eighth of the table. */
  private evict(): void {
    const tab = this.table;
    const slots = tab.slots;
    if (this.scratch.length < slots) this.scratch = new Float64Array(slots);
    let n = 0;
    for (let s = 0; s < slots; s++) {
      const id = tab.idOf(s);
      if (id >= 0) this.scratch[n++] = this.store.lastTime[id & this.store.mask]!;
    }
    const want = Math.max(1, tab.maxSlots >> 3);
    const cut = n > want ? this.scratch.subarray(0, n).sort()[want - 1]! : Infinity;
    let done = 0;
    for (let s = 0; s < slots && done < want; s++) {
      const id = tab.idOf(s);
      if (id < 0 || this.store.lastTime[id & this.store.mask]! > cut) continue;
      this.release(s, CF.EVICTED);
      this.evicted++;
      done++;
    }
  }
}
