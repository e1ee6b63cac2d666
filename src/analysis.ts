/**
 * The analysis pipeline every front end uses: frames → decode → TCP
 * connections and UDP flows (src/flow) → application layer (src/analyzers).
 *
 * Incremental: `feed()` batches at any pace (file loading in the background,
 * live capture) and read summaries, timelines and stats at any time; reads
 * build plain objects on demand from the compact stores and never disturb
 * the tracking. `finish()` marks the end of input.
 *
 * `analyzeFile()` runs the whole pipeline over a capture file.
 */
import { connEventsOf } from './analyzers/events.js';
import { createAppLayer } from './analyzers/index.js';
import type { AppEvent, AppLayer } from './analyzers/types.js';
import { safeText } from './bytes/safe-text.js';
import { withBpf } from './capture/bpf.js';
import { openCapture, type OpenOptions } from './capture/open.js';
import type { CaptureInfo, Frame, ReaderProblem } from './capture/source.js';
import { Decoded } from './decode/decoded.js';
import { FrameDecoder } from './decode/stack.js';
import { analyzeInWorker, feedFromWorker, useWorker } from './pipeline/parallel.js';
import { CF } from './flow/conn-store.js';
import { FrameMap } from './flow/frame-map.js';
import type { ConnSummary, TimelineEntry } from './flow/model.js';
import { recordPosition, tcpSummary, tcpTimeline, udpSummary } from './flow/summary.js';
import { TcpTracker } from './flow/tcp-tracker.js';
import { R_CONN, RECORD_BYTES } from './flow/timeline-store.js';
import { UdpTracker } from './flow/udp-tracker.js';

export interface AnalysisOptions {
  /** Keep per-packet timeline records (default true). Off: memory grows with live connections only. */
  timelines?: boolean;
  /** Run the application layer (HTTP, TLS, DNS, …; default true). */
  app?: boolean;
  /** Use this application layer instead of creating one. */
  appLayer?: AppLayer;
  /** Live TCP connections tracked at most (default 100,000); beyond, the oldest half-open/idle are evicted. */
  maxConnections?: number;
  /** Live UDP flows tracked at most (default 100,000). */
  maxUdpFlows?: number;
  /** Seconds of packet time a closed TCP connection stays findable (default 30). */
  closedTimeout?: number;
  /** Seconds of packet time an idle, not closed TCP connection stays (default: forever). */
  idleTimeout?: number;
  /** Seconds of packet time after which an idle UDP flow ends (default 120). */
  udpIdleTimeout?: number;
  /** Wireshark-style TCP analysis flags (default true). */
  tcpAnalysis?: boolean;
  /**
   * Connection (and UDP flow) summaries kept at most (default: all; about 190
   * bytes each). Beyond, the oldest summary is dropped for each new one: its id
   * then answers undefined, and a connection still open at that point leaves the
   * table (later packets start a new one). Counts stay exact. For long live captures.
   */
  maxSummaries?: number;
  /**
   * Timeline records kept at most over all connections (default: all; 64 bytes
   * each plus options). Beyond, the oldest are dropped 65,536 at a time and the
   * connections keep their newest rows. For long live captures.
   */
  maxTimelineRecords?: number;
  /** Reassemble IP fragments in the decoder (default true). */
  defrag?: boolean;
}

export interface AnalysisStats {
  frames: number;
  /** Sum of frame lengths on the wire. */
  bytes: number;
  malformed: number;
  truncated: number;
  tcpConns: number;
  udpFlows: number;
  /** Seconds since the epoch of the earliest and latest packet (NaN before any). */
  firstTime: number;
  lastTime: number;
  /** TCP connections and UDP flows evicted from full tables. */
  evicted: number;
}

/** Where a frame went. `index` is the row of the frame in the connection's timeline (TCP), else -1. */
export interface FrameConn {
  proto: 'tcp' | 'udp';
  id: number;
  index: number;
}

export class Analysis {
  readonly stats: AnalysisStats = {
    frames: 0, bytes: 0, malformed: 0, truncated: 0, tcpConns: 0, udpFlows: 0,
    firstTime: NaN, lastTime: NaN, evicted: 0,
  };
  readonly app: AppLayer | undefined;
  readonly tcp: TcpTracker;
  readonly udp: UdpTracker;
  /** Set by analyzeFile(): the capture's description and the reader's problems. */
  captureInfo: CaptureInfo | undefined;
  problems: ReaderProblem[] = [];
  private readonly decoder: FrameDecoder;
  private readonly d = new Decoded();
  private readonly frames: FrameMap | null;
  private finished = false;
  /** Application event texts by frame of the TCP connections read most recently (see eventsOf). */
  private readonly tcpEvents = new Map<number, { scanned: number; byFrame: Map<number, string[]> }>();

  constructor(opts: AnalysisOptions = {}) {
    this.app = opts.appLayer ?? (opts.app === false ? undefined : createAppLayer());
    this.decoder = new FrameDecoder({ defrag: opts.defrag ?? true });
    const timelines = opts.timelines ?? true;
    this.frames = timelines ? new FrameMap() : null;
    this.tcp = new TcpTracker({
      maxConnections: opts.maxConnections,
      closedTimeout: opts.closedTimeout,
      idleTimeout: opts.idleTimeout,
      timelines,
      analysis: opts.tcpAnalysis,
      maxTimelineRecords: opts.maxTimelineRecords,
      maxSummaries: opts.maxSummaries,
    }, this.frames, this.app);
    this.udp = new UdpTracker({ maxFlows: opts.maxUdpFlows, idleTimeout: opts.udpIdleTimeout, maxSummaries: opts.maxSummaries }, this.frames, this.app);
  }

  /** Decodes and tracks a batch of frames (the batch is not kept). */
  feed(batch: readonly Frame[]): void {
    const d = this.d;
    const dec = this.decoder;
    const st = this.stats;
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i]!;
      dec.decode(f, d);
      this.track(d);
    }
    st.tcpConns = this.tcp.store.count;
    st.udpFlows = this.udp.store.count;
    st.evicted = this.tcp.evicted + this.udp.evicted;
  }

  /** Tracks one frame decoded by the caller (live capture paths that decode themselves). */
  feedDecoded(d: Decoded): void {
    this.track(d);
    const st = this.stats;
    st.tcpConns = this.tcp.store.count;
    st.udpFlows = this.udp.store.count;
    st.evicted = this.tcp.evicted + this.udp.evicted;
  }

  private track(d: Decoded): void {
    const st = this.stats;
    st.frames++;
    st.bytes += d.origLen;
    if (d.malformed) st.malformed++;
    if (d.truncated) st.truncated++;
    const t = d.tsSec + d.tsNsec * 1e-9;
    if (!(t >= st.firstTime)) st.firstTime = t;
    if (!(t <= st.lastTime)) st.lastTime = t;
    if (d.ipProto === 6) {
      if (d.isTcp) this.tcp.packet(d);
    } else if (d.ipProto === 17) {
      if (d.isUdp) this.udp.packet(d);
    }
  }

  /** End of input: connections still open are reported as open at the end of the capture. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.tcp.finish();
    this.app?.finish();
  }

  /** Number of TCP connections (ids are 0 … connCount()-1, as tshark's tcp.stream). */
  connCount(): number {
    return this.tcp.store.count;
  }

  conn(id: number): ConnSummary | undefined {
    if (!this.tcp.store.has(id)) return undefined;
    return tcpSummary(this.tcp, id, this.app ? this.app.tcpLabel(id) : '');
  }

  connections(): ConnSummary[] {
    const out: ConnSummary[] = [];
    for (let id = this.tcp.store.base; id < this.tcp.store.count; id++) out.push(this.conn(id)!);
    return out;
  }

  /** Number of UDP flows (ids 0 … udpCount()-1, in order of first appearance). */
  udpCount(): number {
    return this.udp.store.count;
  }

  udpFlow(id: number): ConnSummary | undefined {
    if (!this.udp.store.has(id)) return undefined;
    return udpSummary(this.udp, id, this.app ? this.app.udpLabel(id) : '');
  }

  udpFlows(): ConnSummary[] {
    const out: ConnSummary[] = [];
    for (let id = this.udp.store.base; id < this.udp.store.count; id++) out.push(this.udpFlow(id)!);
    return out;
  }

  /** Timeline rows [from, to) of TCP connection `connId` (all rows by default). */
  timeline(connId: number, from = 0, to = Infinity): TimelineEntry[] {
    return tcpTimeline(this.tcp, connId, from, to, this.eventsOf(connId));
  }

  /** Number of timeline rows of a connection (0 when timelines are off). */
  timelineLength(connId: number): number {
    const st = this.tcp.store;
    if (this.tcp.tl === null || !st.has(connId)) return 0;
    return st.tlCount[connId & st.mask]!;
  }

  /** The connection or flow a frame belongs to (needs timelines). */
  frameConn(frameNumber: number): FrameConn | undefined {
    if (this.frames === null) return undefined;
    const v = this.frames.get(frameNumber);
    if (v === -1) return undefined;
    if (v <= -2) return { proto: 'udp', id: -2 - v, index: -1 };
    if (v < this.tcp.tl!.firstKept) return undefined;
    const id = this.tcp.tl!.get(v, R_CONN);
    if (!this.tcp.store.has(id)) return undefined;
    return { proto: 'tcp', id, index: recordPosition(this.tcp, id, v) };
  }

  /** Whether a TCP connection is still tracked (can get more packets). */
  isLive(connId: number): boolean {
    const st = this.tcp.store;
    return st.has(connId) && (st.flags[connId & st.mask]! & CF.LIVE) !== 0 && !this.finished;
  }

  /** Approximate memory held by the flow stores (timeline chunks in the spill file apart), and bytes per stored packet record. */
  memory(): { connections: number; timeline: number; timelineSpilled: number; frameMap: number; bytesPerRecord: number } {
    const tl = this.tcp.tl;
    return {
      connections: this.tcp.store.memoryBytes() + this.udp.store.memoryBytes(),
      timeline: tl ? tl.memoryBytes() : 0,
      timelineSpilled: tl ? tl.spilledBytes : 0,
      frameMap: this.frames ? this.frames.byteLength : 0,
      bytesPerRecord: tl && tl.count > 0 ? RECORD_BYTES + tl.optBytes / tl.count : RECORD_BYTES,
    };
  }

  /**
   * Application events of a TCP connection by frame, as timeline rows show
   * them. Kept for the few connections read most recently and extended as the
   * log grows (live capture), so paging through a timeline does not rebuild
   * them, and no other connection's events are ever turned into text.
   */
  private eventsOf(connId: number): Map<number, string[]> | undefined {
    const app = this.app;
    if (!app) return undefined;
    let c = this.tcpEvents.get(connId);
    if (c === undefined) {
      c = { scanned: 0, byFrame: new Map() };
      if (this.tcpEvents.size >= 8) this.tcpEvents.delete(this.tcpEvents.keys().next().value!);
    } else {
      this.tcpEvents.delete(connId);
    }
    this.tcpEvents.set(connId, c);
    const found: AppEvent[] = [];
    c.scanned = connEventsOf(app, 'tcp', connId, c.scanned, found);
    for (const e of found) {
      const text = `${safeText(e.proto)} ${e.text}`;
      const list = c.byFrame.get(e.frameNumber);
      if (list) list.push(text);
      else c.byFrame.set(e.frameNumber, [text]);
    }
    return c.byFrame.size > 0 ? c.byFrame : undefined;
  }
}

export interface AnalyzeFileOptions extends AnalysisOptions, OpenOptions {
  /** Keep only frames matching this BPF filter (libpcap syntax, as tcpdump -r; needs the native addon). */
  bpf?: string;
  onProgress?(bytesRead: number, fileSize: number): void;
}

/**
 * Reads a capture file (or '-' for stdin) through the whole pipeline. With
 * SYNACK_WORKERS=1 a worker thread reads, decodes and tracks while this
 * thread runs the application layer (src/pipeline; same result; not the
 * default: see useWorker).
 */
export async function analyzeFile(path: string, opts: AnalyzeFileOptions = {}): Promise<Analysis> {
  const a = new Analysis(opts);
  if (opts.bpf === undefined && useWorker(path, opts)) {
    // With an application layer the worker also tracks connections; without, it only decodes.
    if (a.app !== undefined) await analyzeInWorker(a, { ...opts }, path, opts);
    else await feedFromWorker(a, path, opts);
    a.finish();
    return a;
  }
  const src = withBpf(await openCapture(path, opts), opts.bpf);
  a.captureInfo = src.info;
  for await (const batch of src) {
    a.feed(batch);
    opts.onProgress?.(src.bytesRead, src.info.fileSize);
  }
  a.problems = src.problems;
  a.finish();
  return a;
}
