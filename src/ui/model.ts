/**
 * The dashboard's view of an analysis: the only file in src/ui/ that knows
 * the shape of `Analysis`. Everything else talks to `DashboardModel`.
 *
 * The model never owns analysis state (STYLE principle 15). It keeps only
 * what a view needs to stay fast over a snapshot that keeps changing:
 * - the order of the connection list (an Int32Array of row keys) when a
 *   filter or a sort other than "by id" is in effect, rebuilt at a rate
 *   adapted to how long a rebuild takes;
 * Connection summaries for visible rows are always fetched fresh.
 *
 * Row keys: a TCP connection id `n` is key `n`; UDP flow id `n` is key `-1 - n`.
 */
import type { AppLayer, AppEvent, HttpTransaction } from '../analyzers/types.js';
import { connEventsOf } from '../analyzers/events.js';
import { copyBytes } from '../bytes/copy.js';
import type { Frame } from '../capture/source.js';
import type { Dir } from '../flow/hooks.js';
import type { ConnSummary, TimelineEntry } from '../flow/model.js';
import { type ConnFilter, NO_FILTER } from './filter.js';

export interface AnalysisStats {
  frames: number;
  bytes: number;
  malformed: number;
  truncated: number;
  tcpConns: number;
  udpFlows: number;
  firstTime: number;
  lastTime: number;
  evicted: number;
}

/** What the dashboard needs from `Analysis` (src/analysis.ts). */
export interface AnalysisLike {
  readonly stats: AnalysisStats;
  feed(batch: Frame[]): void;
  finish(): void;
  connCount(): number;
  conn(id: number): ConnSummary | undefined;
  timeline(connId: number, from?: number, to?: number): TimelineEntry[];
  /** Number of UDP flows (ids 0 … udpCount()-1) and one flow's summary. */
  udpCount(): number;
  udpFlow(id: number): ConnSummary | undefined;
  /** Rows of a connection's timeline (else the packet count is used). */
  timelineLength?(connId: number): number;
  /** Where a frame went: its connection and row (else a binary search over the timeline). */
  frameConn?(frameNumber: number): { proto: 'tcp' | 'udp'; id: number; index: number } | undefined;
  readonly app?: AppLayer | undefined;
}

export type SortKey = 'id' | 'proto' | 'client' | 'server' | 'state' | 'rtt' | 'packets' | 'bytes' | 'duration' | 'start';
export const SORT_KEYS: readonly SortKey[] = ['id', 'proto', 'client', 'server', 'state', 'rtt', 'packets', 'bytes', 'duration', 'start'];

export function isUdpKey(key: number): boolean {
  return key < 0;
}
export function udpKey(flowId: number): number {
  return -1 - flowId;
}
export function keyId(key: number): number {
  return key < 0 ? -1 - key : key;
}

export function handshakeRtt(c: ConnSummary): number | null {
  if (c.rttSynToSynAck === null) return null;
  return c.rttSynToSynAck + (c.rttSynAckToAck ?? 0);
}

function ipKey(ip: string): string {
  // Sort IPv4 numerically and IPv6 after it, as text.
  const parts = ip.split('.');
  if (parts.length === 4) return '4' + parts.map((p) => p.padStart(3, '0')).join('.');
  return '6' + ip;
}

function compareBy(key: SortKey): (a: ConnSummary, b: ConnSummary) => number {
  switch (key) {
    case 'id': return (a, b) => (a.proto === b.proto ? a.id - b.id : a.proto === 'tcp' ? -1 : 1);
    case 'proto': return (a, b) => (a.app || a.proto).localeCompare(b.app || b.proto);
    case 'client': return (a, b) => ipKey(a.client.ip).localeCompare(ipKey(b.client.ip)) || a.client.port - b.client.port;
    case 'server': return (a, b) => ipKey(a.server.ip).localeCompare(ipKey(b.server.ip)) || a.server.port - b.server.port;
    case 'state': return (a, b) => a.connState.localeCompare(b.connState);
    case 'rtt': return (a, b) => (handshakeRtt(a) ?? Infinity) - (handshakeRtt(b) ?? Infinity);
    case 'packets': return (a, b) => a.packets[0] + a.packets[1] - (b.packets[0] + b.packets[1]);
    case 'bytes': return (a, b) => a.bytes[0] + a.bytes[1] - (b.bytes[0] + b.bytes[1]);
    case 'duration': return (a, b) => a.duration - b.duration;
    case 'start': return (a, b) => a.firstTime - b.firstTime || a.firstFrame - b.firstFrame;
  }
}

/** Throughput over packet time, in a fixed number of buckets whose width doubles as the capture grows. */
export class Throughput {
  readonly buckets: Float64Array;
  start = NaN;
  width = 1;
  used = 0;
  constructor(readonly size = 120) {
    this.buckets = new Float64Array(size);
  }
  add(time: number, bytes: number): void {
    if (Number.isNaN(this.start)) this.start = Math.floor(time);
    let i = Math.floor((time - this.start) / this.width);
    if (i < 0) i = 0; // timestamps going backwards land in the first bucket
    while (i >= this.size) {
      this.compact();
      i = Math.floor((time - this.start) / this.width);
    }
    this.buckets[i]! += bytes;
    if (i + 1 > this.used) this.used = i + 1;
  }
  private compact(): void {
    const b = this.buckets;
    const half = this.size >> 1;
    for (let i = 0; i < half; i++) b[i] = b[2 * i]! + b[2 * i + 1]!;
    b.fill(0, half);
    this.width *= 2;
    this.used = Math.ceil(this.used / 2);
  }
  /** Bytes per second per bucket. */
  series(): { x: string[]; y: number[] } {
    const n = Math.max(this.used, 2);
    const x: string[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      x.push(`${Math.round(i * this.width)}s`);
      y.push(this.buckets[i]! / this.width);
    }
    return { x, y };
  }
}

/**
 * Where each frame is in its file, so the detail pane can re-read a frame's
 * bytes instead of anyone keeping frames in memory: 10 bytes per frame.
 * Without a file (live capture) it keeps copies of the most recent frames, up
 * to a byte budget.
 */
export class FrameIndex {
  private offsets = new Float64Array(1 << 12);
  private links = new Uint16Array(1 << 12);
  private ring: Map<number, Frame> = new Map();
  private ringBytes = 0;
  constructor(readonly keepRecentBytes = 0) {}

  add(batch: Frame[]): void {
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i]!;
      const n = f.number;
      if (n >= this.offsets.length) this.grow(n + 1);
      this.offsets[n] = f.fileOffset;
      this.links[n] = f.linkType;
      if (this.keepRecentBytes > 0 && f.fileOffset < 0) this.keep(f);
    }
  }
  private grow(min: number): void {
    let len = this.offsets.length;
    while (len < min) len *= 2;
    const o = new Float64Array(len);
    o.set(this.offsets);
    const l = new Uint16Array(len);
    l.set(this.links);
    this.offsets = o;
    this.links = l;
  }
  private keep(f: Frame): void {
    // Copy visibly (STYLE principle 7): the source reuses the frame's bytes.
    const buf = copyBytes(f.buf, f.offset, f.offset + f.capLen);
    this.ring.set(f.number, { ...f, buf, offset: 0 });
    this.ringBytes += buf.length;
    while (this.ringBytes > this.keepRecentBytes && this.ring.size > 0) {
      const first = this.ring.keys().next().value as number;
      this.ringBytes -= this.ring.get(first)!.capLen;
      this.ring.delete(first);
    }
  }
  fileOffset(frameNumber: number): number {
    return frameNumber > 0 && frameNumber < this.offsets.length ? this.offsets[frameNumber]! : -1;
  }
  linkType(frameNumber: number): number {
    return frameNumber > 0 && frameNumber < this.links.length ? this.links[frameNumber]! : 1;
  }
  recent(frameNumber: number): Frame | undefined {
    return this.ring.get(frameNumber);
  }
}

/** A row of the timeline pane: a TCP timeline entry, or an application event of a UDP flow. */
export type TimelineRow = TimelineEntry;

export interface StreamChunk {
  dir: Dir;
  data: Uint8Array;
  frameNumber: number;
}

/** A scan over all connections spread across frames, so no single redraw pays for 100k summaries. */
interface Scan<T> {
  next: number;
  acc: T;
  /** CPU time spent in this scan so far. */
  ms: number;
}

/** Time a sliced scan may take per redraw. */
const SLICE_MS = 6;

export class DashboardModel {
  private filter: ConnFilter = NO_FILTER;
  private sortKey: SortKey = 'id';
  private sortDesc = false;
  /** Row keys in display order, or null for the identity order (TCP ids, then UDP flows). */
  private order: Int32Array | null = null;
  private orderPos: Map<number, number> | null = null;
  private orderDirty = true;
  private orderScan: Scan<ConnSummary[]> | null = null;
  private lastBuildAt = -Infinity;
  private lastBuildMs = 0;
  private builtCount = -1;
  private builtFrames = -1;
  private stateScan: Scan<Map<string, number>> | null = null;
  private stateCounts: { titles: string[]; data: number[] } = { titles: [], data: [] };
  private stateCountsAt = -Infinity;
  private stateCountsMs = 0;
  private stateCountsFrames = -1;
  private udpEventsCache = new Map<number, { at: number; rows: TimelineRow[] }>();
  /** Bumped whenever the order changes, so views know to re-find their selection. */
  orderVersion = 0;

  constructor(readonly analysis: AnalysisLike) {}

  get app(): AppLayer | undefined {
    return this.analysis.app;
  }

  get filterText(): string {
    return this.filter.text;
  }
  get sort(): { key: SortKey; desc: boolean } {
    return { key: this.sortKey, desc: this.sortDesc };
  }

  setFilter(f: ConnFilter): void {
    this.filter = f;
    this.orderDirty = true;
    this.orderScan = null;
  }
  setSort(key: SortKey, desc: boolean): void {
    this.sortKey = key;
    this.sortDesc = desc;
    this.orderDirty = true;
    this.orderScan = null;
  }

  private identity(): boolean {
    return this.filter.terms.length === 0 && this.sortKey === 'id';
  }

  private udpCount(): number {
    return this.analysis.udpCount();
  }

  /**
   * Brings the order of the list up to date. `force` (the user changed the
   * filter or sort, or loading ended) rebuilds at once. Otherwise, while the
   * capture grows, a rebuild starts at most every ten times its own cost and
   * runs in slices of a few milliseconds per redraw; the previous order stays
   * on screen until the new one is complete.
   */
  refresh(nowMs: number, force = false): void {
    if (this.identity()) {
      if (this.order !== null) {
        this.order = null;
        this.orderPos = null;
        this.orderVersion++;
      }
      this.orderDirty = false;
      this.orderScan = null;
      return;
    }
    if (force && (this.orderDirty || this.grew())) {
      this.orderScan = null;
      this.stepOrder(Infinity, nowMs);
      return;
    }
    if (this.orderScan) {
      this.stepOrder(SLICE_MS, nowMs);
      return;
    }
    const due = nowMs - this.lastBuildAt >= Math.max(250, this.lastBuildMs * 10);
    if (due && (this.orderDirty || this.grew())) this.stepOrder(SLICE_MS, nowMs);
  }

  /** Work left for later redraws (a sliced scan under way or due), so an idle screen still completes it. */
  pending(): boolean {
    if (this.orderScan || this.stateScan) return true;
    if (!this.identity() && (this.orderDirty || this.grew())) return true;
    return this.stateCountsFrames !== this.analysis.stats.frames;
  }

  private grew(): boolean {
    return this.builtCount !== this.analysis.connCount() + this.udpCount() || this.analysis.stats.frames !== this.builtFrames;
  }

  /** Advances the order scan by up to `budgetMs`; publishes the new order when the scan completes. */
  private stepOrder(budgetMs: number, nowMs: number): void {
    const t0 = performance.now();
    const scan = (this.orderScan ??= { next: 0, acc: [], ms: 0 });
    const a = this.analysis;
    const n = a.connCount();
    const u = this.udpCount();
    const f = this.filter;
    const deadline = t0 + budgetMs;
    while (scan.next < n + u) {
      const i = scan.next++;
      const c = i < n ? a.conn(i) : a.udpFlow(i - n);
      if (c && f.matches(c)) scan.acc.push(c);
      if ((scan.next & 255) === 0 && performance.now() > deadline) {
        scan.ms += performance.now() - t0;
        return;
      }
    }
    const rows = scan.acc;
    const cmp = compareBy(this.sortKey);
    const tie = compareBy('id');
    rows.sort(this.sortDesc ? (x, y) => cmp(y, x) || tie(x, y) : (x, y) => cmp(x, y) || tie(x, y));
    const order = new Int32Array(rows.length);
    const pos = new Map<number, number>();
    for (let i = 0; i < rows.length; i++) {
      const c = rows[i]!;
      const key = c.proto === 'udp' ? udpKey(c.id) : c.id;
      order[i] = key;
      pos.set(key, i);
    }
    this.order = order;
    this.orderPos = pos;
    this.builtCount = n + u;
    this.builtFrames = a.stats.frames;
    this.lastBuildMs = scan.ms + (performance.now() - t0);
    this.lastBuildAt = nowMs;
    this.orderScan = null;
    this.orderDirty = false;
    this.orderVersion++;
  }

  /** Number of rows in the connection list (after the filter). */
  rowCount(): number {
    if (this.order) return this.order.length;
    return this.analysis.connCount() + this.udpCount();
  }

  rowKey(i: number): number {
    if (this.order) return this.order[i] ?? 0;
    const n = this.analysis.connCount();
    return i < n ? i : udpKey(i - n);
  }

  /** Row index of a key in the current order, or -1 when filtered out / unknown. */
  indexOfKey(key: number): number {
    if (this.orderPos) return this.orderPos.get(key) ?? -1;
    const n = this.analysis.connCount();
    if (key >= 0) return key < n ? key : -1;
    const id = keyId(key);
    return id < this.udpCount() ? n + id : -1;
  }

  /** A fresh summary for a row key. */
  summary(key: number): ConnSummary | undefined {
    return key >= 0 ? this.analysis.conn(key) : this.analysis.udpFlow(keyId(key));
  }

  /** Total connections and flows, before the filter. */
  totalRows(): number {
    return this.analysis.connCount() + this.udpCount();
  }

  timelineLength(key: number): number {
    if (key < 0) return this.udpRows(key).length;
    if (this.analysis.timelineLength) return this.analysis.timelineLength(key);
    const c = this.summary(key);
    return c ? c.packets[0] + c.packets[1] : 0;
  }

  /** Timeline rows [from, to) of a connection. */
  timeline(key: number, from: number, to: number): TimelineRow[] {
    if (key < 0) return this.udpRows(key).slice(from, to);
    if (to <= from) return [];
    return this.analysis.timeline(key, from, to);
  }

  /** Index of the timeline row carrying a frame: from the analysis' frame map, else a binary search. */
  timelineIndexOfFrame(key: number, frameNumber: number): number {
    const fc = this.analysis.frameConn?.(frameNumber);
    if (fc && fc.proto === 'tcp' && fc.id === key && fc.index >= 0) return fc.index;
    let lo = 0;
    let hi = this.timelineLength(key) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.timeline(key, mid, mid + 1)[0];
      if (!e) return -1;
      if (e.frameNumber === frameNumber) return mid;
      if (e.frameNumber < frameNumber) lo = mid + 1;
      else hi = mid - 1;
    }
    return Math.max(0, Math.min(lo, this.timelineLength(key) - 1));
  }

  /** UDP flows have no TCP timeline: their rows are the flow's application events. */
  private udpRows(key: number): TimelineRow[] {
    const id = keyId(key);
    const app = this.analysis.app;
    const frames = this.analysis.stats.frames;
    const cached = this.udpEventsCache.get(id);
    if (cached && cached.at === frames) return cached.rows;
    const c = this.analysis.udpFlow(id);
    const rows: TimelineRow[] = [];
    if (app && c) {
      const evs: AppEvent[] = [];
      connEventsOf(app, 'udp', id, 0, evs);
      for (const e of evs) rows.push(eventRow(e, c));
    }
    if (this.udpEventsCache.size > 64) this.udpEventsCache.clear();
    this.udpEventsCache.set(id, { at: frames, rows });
    return rows;
  }

  /** HTTP transactions of the whole capture, or of one connection. */
  http(key: number | null): HttpTransaction[] {
    const all = this.analysis.app?.http ?? [];
    if (key === null) return all;
    if (key < 0) return [];
    return all.filter((t) => t.connId === key);
  }

  stream(key: number): StreamChunk[] | undefined {
    if (key < 0) return undefined;
    return this.analysis.app?.stream(key);
  }

  /**
   * Connections by conn_state (UDP flows as one bar), for the bar chart.
   * Exact counts from a sliced scan: a new count starts at most every twenty
   * times the last one's cost and advances a few milliseconds per redraw;
   * the previous counts are shown meanwhile.
   */
  connsByState(limit: number, nowMs: number, force = false): { titles: string[]; data: number[] } {
    if (!this.stateScan && !force && nowMs - this.stateCountsAt < Math.max(1000, this.stateCountsMs * 20)) return this.stateCounts;
    const t0 = performance.now();
    const scan = (this.stateScan ??= { next: 0, acc: new Map(), ms: 0 });
    const n = this.analysis.connCount();
    const deadline = t0 + (force ? Infinity : SLICE_MS);
    while (scan.next < n) {
      const c = this.analysis.conn(scan.next++);
      if (c) {
        const k = c.connState || '?';
        scan.acc.set(k, (scan.acc.get(k) ?? 0) + 1);
      }
      if ((scan.next & 255) === 0 && performance.now() > deadline) {
        scan.ms += performance.now() - t0;
        return this.stateCounts;
      }
    }
    const counts = scan.acc;
    const u = this.udpCount();
    if (u > 0) counts.set('UDP', u);
    const sorted = [...counts.entries()].sort((x, y) => y[1] - x[1]).slice(0, limit);
    this.stateCounts = { titles: sorted.map((e) => e[0]), data: sorted.map((e) => e[1]) };
    this.stateCountsMs = scan.ms + (performance.now() - t0);
    this.stateCountsAt = nowMs;
    this.stateCountsFrames = this.analysis.stats.frames;
    this.stateScan = null;
    return this.stateCounts;
  }
}

function eventRow(e: AppEvent, c: ConnSummary): TimelineRow {
  return {
    frameNumber: e.frameNumber,
    time: NaN,
    relTime: NaN,
    dir: e.dir,
    flags: '',
    flagBits: 0,
    seq: 0,
    ack: 0,
    relSeq: 0,
    relAck: 0,
    len: 0,
    window: 0,
    options: '',
    analysis: [],
    clientState: c.clientState,
    serverState: c.serverState,
    note: '',
    app: [`${e.proto}: ${e.text}`],
    anomalies: [],
  };
}
