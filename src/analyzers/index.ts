/**
 * The application layer: one `AppLayer` per analysis. It owns TCP stream
 * reassembly per connection and hands the in-order bytes to the push parser
 * that the *content* selects, on any port (STYLE principle 10):
 *
 *   "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"     → HTTP/2 (prior knowledge, RFC 9113 §3.3)
 *   a request line or "HTTP/1.x status"      → HTTP/1.x (then WebSocket or h2c after 101,
 *                                              a fresh detection inside a CONNECT tunnel)
 *   a TLS record header (type 22, version 3.x) → TLS
 *
 * A direction that starts with something else is looked at again at the
 * next segment boundaries (a capture may start mid-stream), up to a bound,
 * then the connection is left unlabelled. UDP datagrams go to DNS (port
 * 53/5353) and QUIC (long header) when those analyzers are present.
 *
 * Memory: per-connection state exists only for connections that carry
 * payload, and is dropped at `tcpEnd` except the label and the bounded
 * follow-stream copy. Events are capped (`maxEvents`), with one marker
 * event when the cap is reached.
 */
import { Anomaly, type AnomalyCode } from '../decode/anomalies.js';
import { ByteFinder } from '../bytes/find-byte.js';
import type { Dir, TcpSegmentInfo, UdpDatagramInfo } from '../flow/hooks.js';
import { HeadArena, TxStore, type HttpTx } from './http/tx.js';
import { DEFAULT_HTTP_LIMITS, HttpConn, HttpEvent, TextCache, type HttpContext, type HttpLimits } from './http/parser.js';
import { HeadInfo } from './http/head.js';
import * as httpHead from './http/head.js';
import * as dns from './dns/index.js';
import { DnsTracker } from './dns/index.js';
import { Http2Parser, H2_PREFACE } from './http2/index.js';
import { looksLikeQuic, QuicTracker } from './quic/index.js';
import * as tls from './tls/index.js';
import { TlsParser } from './tls/index.js';
import { WebSocketParser } from './websocket/parser.js';
import {
  DEFAULT_REASSEMBLY_LIMITS, ReassemblyBudget, TcpReassembler,
  type ReassemblyLimits, type StreamChunk, type StreamHandler, type StreamSink,
} from './reassembly.js';
import type { AppEvent, AppLayer, DnsTransaction, HttpTransaction } from './types.js';

export type { StreamHandler, StreamSink, StreamChunk } from './reassembly.js';
export { HttpTx } from './http/tx.js';

export interface AppLayerOptions {
  reassembly?: Partial<ReassemblyLimits>;
  http?: Partial<HttpLimits>;
  /** Keep the first bytes of each connection for follow-stream (default true; limits in `reassembly`). */
  keepStreams?: boolean;
  /** Most events kept (default 2,000,000); later ones are counted, not kept. */
  maxEvents?: number;
  /**
   * Memory for event objects (all but the compact HTTP ones), estimated as
   * 120 bytes plus the text (default 64 MiB): 2 million two-byte WebSocket
   * frames in a 4 MB capture would otherwise hold 400 MB of events.
   */
  maxEventBytes?: number;
  /** Segments per connection looked at for a protocol before giving up (default 1024: a capture may start inside a long response). */
  maxDetectSegments?: number;
}

/** Protocol chosen for a byte stream. */
const Kind = { unknown: 0, http: 1, tls: 2, h2: 3, none: 4, httpResponse: 5, dns: 6 } as const;

/** Inside a tunnel both directions start at their beginning. */
const FROM_START = { fromStart: (): boolean => true };

/** HTTP/2 client preface, as tshark and RFC 9113 §3.4 define it. */
const PREFACE = H2_PREFACE;

// Bound as constants of this module: optimized code reads an imported binding through its
// module cell, with a check that it is initialized, at every use (see flow/tcp-tracker.ts).
const { looksLikeRequest, looksLikeResponse, startVerdict } = httpHead;
const { isDnsPort } = dns;
const { looksLikeTls } = tls;

/**
 * Content detection and dispatch for one byte stream (a connection, or the
 * inside of a CONNECT tunnel). Holds up to 32 bytes per direction while a
 * tiny first segment leaves the choice open.
 */
class Detector implements StreamHandler {
  kind: number = Kind.unknown;
  private handler: StreamHandler | null = null;
  private http: HttpConn | null = null;
  private tls: TlsParser | null = null;
  private h2: Http2Parser | null = null;
  ws: WebSocketParser | null = null;
  private inner: Detector | null = null;
  /** Held first bytes per direction (created when a segment is too short to decide). */
  private prefix: [Uint8Array | null, Uint8Array | null] | null = null;
  /**
   * Rarely needed numbers, allocated on first use: held prefix length,
   * frame and time per direction, and bytes seen before a decision.
   */
  private sc: Float64Array | null = null;
  private tries = 0;
  /** The HTTP parser of an earlier connection, reused by the next one that needs one (see AppLayerImpl.spare). */
  private spareHttp: HttpConn | null = null;

  constructor(
    private readonly layer: AppLayerImpl,
    public connId: number,
    /** Tells whether a direction's stream is known to start at its beginning (SYN seen, nothing lost). */
    private readonly origin: { fromStart(dir: Dir): boolean },
  ) {}

  /** The state of a new detector, for another connection (the fields' initial values above). */
  reset(connId: number): void {
    this.connId = connId;
    this.kind = Kind.unknown;
    this.handler = null;
    if (this.http !== null) this.spareHttp = this.http;
    this.http = null;
    this.tls = null;
    this.h2 = null;
    this.ws = null;
    this.inner = null;
    this.prefix = null;
    if (this.sc !== null) this.sc.fill(0);
    this.tries = 0;
  }

  private get scratch(): Float64Array {
    return (this.sc ??= new Float64Array(8));
  }
  private prefixLen(dir: Dir): number { return this.sc === null ? 0 : this.sc[dir]!; }
  private seen(dir: Dir): number { return this.sc === null ? 0 : this.sc[6 + dir]!; }

  push(dir: Dir, buf: Uint8Array, off: number, len: number, frame: number, time: number): void {
    const h = this.handler;
    if (h !== null) { h.push(dir, buf, off, len, frame, time); return; }
    if (this.kind === Kind.none) return;
    let b = buf, o = off, n = len;
    const held = this.prefixLen(dir);
    if (held > 0) {
      // A tiny first segment: decide on held + new bytes.
      const p = this.prefix![dir]!;
      const k = Math.min(n, p.length - held);
      p.set(buf.subarray(off, off + k), held);
      const verdict = this.classify(dir, p, 0, held + k);
      if (verdict === -1) {
        if (k < n) { this.scratch[dir] = 0; this.giveUpOrWait(dir, held + n); }
        else this.scratch[dir] = held + k;
        return;
      }
      this.scratch[dir] = 0;
      if (verdict === Kind.unknown) { this.giveUpOrWait(dir, held + n); return; }
      this.choose(verdict, dir);
      this.handler!.push(dir, p, 0, held, this.scratch[2 + dir]!, this.scratch[4 + dir]!);
      this.handler!.push(dir, b, o, n, frame, time);
      return;
    }
    const verdict = this.classify(dir, b, o, n);
    if (verdict === -1) {
      // Too few bytes to say: hold them (at most 32).
      const p = ((this.prefix ??= [null, null])[dir] ??= new Uint8Array(32));
      p.set(b.subarray(o, o + n), 0);
      const sc = this.scratch;
      sc[dir] = n;
      sc[2 + dir] = frame;
      sc[4 + dir] = time;
      return;
    }
    if (verdict === Kind.unknown) { this.giveUpOrWait(dir, n); return; }
    this.choose(verdict, dir);
    this.handler!.push(dir, b, o, n, frame, time);
  }

  private giveUpOrWait(dir: Dir, n: number): void {
    const sc = this.scratch;
    sc[6 + dir] = sc[6 + dir]! + n;
    if (++this.tries >= this.layer.maxDetectSegments) {
      this.kind = Kind.none;
      this.prefix = null;
    }
  }

  /** -1: need more bytes; Kind.unknown: not a protocol we know at this position. */
  private classify(dir: Dir, b: Uint8Array, o: number, n: number): number {
    if (n <= 0) return -1;
    // HTTP/2 preface (client side).
    if (dir === 0 && b[o] === 0x50) {
      const m = Math.min(n, PREFACE.length);
      let i = 0;
      while (i < m && b[o + i] === PREFACE[i]) i++;
      if (i === m) return n >= PREFACE.length ? Kind.h2 : -1;
    }
    let end = o + n;
    // RFC 9112 §2.2: empty lines may precede a request; the HTTP parser skips them itself.
    let q = o;
    while (q < end && (b[q] === 0x0d || b[q] === 0x0a)) q++;
    if (q === end) return n < 16 ? -1 : Kind.unknown;
    if (q > o) {
      n -= q - o;
      o = q;
      end = o + n;
    }
    if (looksLikeRequest(b, o, end)) return Kind.http;
    if (looksLikeResponse(b, o, end)) return Kind.httpResponse;
    if (looksLikeTls(b, o, n)) return Kind.tls;
    if (n < 13) {
      // Could still become a request line or a status line.
      if (startVerdict(b, o, end, true) === 0 || (startVerdict(b, o, end, false) === 0 && n < 8)) return -1;
      if (n < 3 && (b[o] === 0x16 || (b[o]! & 0x80) !== 0)) return -1;
    }
    return Kind.unknown;
  }

  private choose(kind: number, dir: Dir): void {
    this.kind = kind;
    if (this.prefix !== null) this.prefix[dir === 0 ? 1 : 0] = null;
    const L = this.layer;
    const id = this.connId;
    // A direction is at a message boundary if its stream started at the SYN and nothing was skipped.
    const sync0 = this.seen(0) === 0 && this.origin.fromStart(0);
    const sync1 = this.seen(1) === 0 && this.origin.fromStart(1);
    switch (kind) {
      case Kind.http:
      case Kind.httpResponse: {
        // Requests flow from the client; a status line first in direction 0 means the roles were guessed the other way.
        const reqDir: Dir = (kind === Kind.http) === (dir === 0) ? 0 : 1;
        this.kind = Kind.http;
        const reqSynced = reqDir === 0 ? sync0 : sync1, resSynced = reqDir === 0 ? sync1 : sync0;
        let http = this.spareHttp;
        if (http === null) http = new HttpConn(L.httpCtx, id, reqSynced, resSynced, this, reqDir);
        else {
          this.spareHttp = null;
          http.reset(id, reqSynced, resSynced, reqDir);
        }
        this.http = http;
        this.handler = http;
        break;
      }
      case Kind.tls: {
        const tls = new TlsParser(id, L.emitEvent);
        this.tls = tls;
        this.handler = { push: tls.push.bind(tls), gap: (d) => tls.gap(d), end: () => {} };
        break;
      }
      case Kind.h2: {
        const h2 = new Http2Parser(id, L.emitEvent);
        this.h2 = h2;
        this.handler = { push: h2.push.bind(h2), gap: (d) => h2.gap(d), end: () => {} };
        break;
      }
    }
  }

  /** DNS over TCP (RFC 7766), chosen by port: 2-byte length-prefixed messages, no content test needed. */
  useDns(dns: DnsTracker): void {
    this.kind = Kind.dns;
    const id = this.connId;
    this.handler = {
      push: (dir, buf, off, len, frame, time) => dns.tcpPush(id, dir, buf, off, len, frame, time, '', ''),
      gap: (dir) => dns.tcpGap(id, dir),
      end: () => {},
    };
  }

  /** After 101 or a CONNECT 2xx: the parser for what follows. */
  upgrade(kind: 'websocket' | 'h2c' | 'tunnel' | 'other', tx: HttpTx): StreamHandler | null {
    const L = this.layer;
    switch (kind) {
      case 'websocket': {
        const ws = new WebSocketParser(this.connId, L.emitEvent, L.onWsFrame, this.http?.reqDir ?? 0);
        this.ws = ws;
        return ws;
      }
      case 'h2c': {
        const h2 = new Http2Parser(this.connId, L.emitEvent);
        h2.upgradeRequest({ method: tx.method, authority: tx.host, path: tx.uri, frameNumber: tx.firstRequestFrame, time: tx.requestStart });
        this.h2 = h2;
        return { push: h2.push.bind(h2), gap: (d) => h2.gap(d), end: () => {} };
      }
      case 'tunnel': {
        // CONNECT: what flows inside is detected afresh (usually TLS).
        const inner = new Detector(L, this.connId, FROM_START);
        this.inner = inner;
        return inner;
      }
      default:
        return null;
    }
  }

  gap(dir: Dir, n: number, frame: number, time: number): void {
    if (this.handler !== null) { this.handler.gap(dir, n, frame, time); return; }
    const sc = this.scratch;
    sc[dir] = 0;
    sc[6 + dir] = sc[6 + dir]! + n;
  }

  end(dir: Dir, frame: number, time: number): void {
    this.handler?.end(dir, frame, time);
  }

  label(): string {
    if (this.ws !== null) return 'WebSocket';
    if (this.h2 !== null) return this.h2.label();
    if (this.tls !== null) return this.tls.label();
    if (this.kind === Kind.dns) return 'DNS';
    if (this.inner !== null) {
      const l = this.inner.label();
      return l !== '' ? `HTTP CONNECT → ${l}` : 'HTTP CONNECT';
    }
    if (this.http !== null) return 'HTTP';
    return '';
  }
}

/**
 * Application events, compactly: frame, connection and kind in typed
 * arrays, one reference per event (the transaction of an HTTP event, or the
 * event object of other analyzers). AppEvent objects for HTTP are made when
 * `events` is read, so an analysis that never reads them never builds them.
 */
class EventLog {
  private frames = new Float64Array(1024);
  private conns = new Int32Array(1024);
  /** bit 0: dir; bits 1-2: 0 object, 1 HTTP request, 2 HTTP response, 3 TCP marker; bits 3-4: request persistence code. */
  private meta = new Uint8Array(1024);
  private readonly refs: (AppEvent | HttpTx | Marker)[] = [];
  count = 0;
  dropped = 0;
  private readonly built: AppEvent[] = [];

  /** Estimated bytes held by object events (see AppLayerOptions.maxEventBytes). */
  private objectBytes = 0;

  constructor(private readonly max: number, private readonly maxBytes = Infinity) {}

  /** Whether an event of `cost` bytes fits; when it does not, the first time, a marker says so (for that event's place). */
  private room(frameNumber: number, transport: 'tcp' | 'udp', connId: number, dir: Dir, proto: string, cost: number): boolean {
    if (this.count < this.max && this.objectBytes + cost <= this.maxBytes) {
      if (this.count === this.frames.length) this.grow();
      this.objectBytes += cost;
      return true;
    }
    if (this.dropped++ === 0) {
      // One marker says the cap cut events; it goes past the cap by one.
      if (this.count === this.frames.length) this.grow();
      this.put(frameNumber, connId, 0, {
        frameNumber, transport, connId, dir, proto,
        text: this.count < this.max
          ? `event memory limit reached (${Math.round(this.maxBytes / 1048576)} MiB); later application events are counted, not kept`
          : `event limit reached (${this.max}); later application events are counted, not kept`,
        anomaly: Anomaly.app_limit,
      });
    }
    return false;
  }

  private grow(): void {
    const n = this.frames.length * 2;
    const f = new Float64Array(n); f.set(this.frames); this.frames = f;
    const c = new Int32Array(n); c.set(this.conns); this.conns = c;
    const m = new Uint8Array(n); m.set(this.meta); this.meta = m;
  }

  private put(frame: number, connId: number, meta: number, ref: AppEvent | HttpTx | Marker): void {
    const i = this.count++;
    this.frames[i] = frame;
    this.conns[i] = connId;
    this.meta[i] = meta;
    this.refs.push(ref);
  }

  add(ev: AppEvent): void {
    if (this.room(ev.frameNumber, ev.transport, ev.connId, ev.dir, ev.proto, 120 + 2 * ev.text.length)) this.put(ev.frameNumber, ev.connId, ev.dir, ev);
  }

  /**
   * A reassembly marker of a TCP connection (a gap, a retention limit):
   * stored as a reference to its text, which repeats from connection to
   * connection, and made an event only when read. Charged as the event
   * object it stands for.
   */
  marker(frame: number, connId: number, dir: Dir, m: Marker): void {
    if (this.room(frame, 'tcp', connId, dir, 'TCP', 120 + 2 * m.text.length)) this.put(frame, connId, dir | (3 << 1), m);
  }

  http(frame: number, connId: number, dir: Dir, tx: HttpTx, persistence: string | null): void {
    if (this.count < this.max) {
      if (this.count === this.frames.length) this.grow();
      const kind = persistence === null ? 2 : 1;
      const code = persistence === null ? 0 : PERSISTENCE.indexOf(persistence) + 1;
      this.put(frame, connId, dir | (kind << 1) | (code << 3), tx);
    } else this.room(frame, 'tcp', connId, dir, 'HTTP', 0);
  }

  /** All events as objects (built on first read; the array only grows). */
  list(): AppEvent[] {
    const out = this.built;
    for (let i = out.length; i < this.count; i++) out.push(this.event(i));
    return out;
  }

  /** Event `i` as an object (the one already built, if any). */
  private event(i: number): AppEvent {
    if (i < this.built.length) return this.built[i]!;
    const m = this.meta[i]!;
    const kind = (m >> 1) & 3;
    const ref = this.refs[i]!;
    if (kind === 0) return ref as AppEvent;
    if (kind === 3) {
      const mk = ref as Marker;
      return { frameNumber: this.frames[i]!, transport: 'tcp', connId: this.conns[i]!, dir: (m & 1) as Dir, proto: 'TCP', text: mk.text, anomaly: mk.code };
    }
    const code = m >> 3;
    return new HttpEvent(this.frames[i]!, this.conns[i]!, (m & 1) as Dir, ref as HttpTx,
      kind === 1 ? PERSISTENCE[code - 1] ?? (ref as HttpTx).persistence : null);
  }

  /**
   * Appends to `out` the events of one connection (or flow) from log index
   * `from` on, and returns where the log ends: a scan of the compact arrays
   * (well under a millisecond for a million events), objects made for that
   * connection's events only.
   */
  of(transport: 'tcp' | 'udp', connId: number, from: number, out: AppEvent[]): number {
    const conns = this.conns;
    const n = this.count;
    for (let i = Math.max(0, from); i < n; i++) {
      if (conns[i] !== connId) continue;
      const ev = this.event(i);
      if (ev.transport === transport) out.push(ev);
    }
    return n;
  }
}

/** A reassembly marker's anomaly and text (one object for repeats of the same marker). */
interface Marker {
  code: AnomalyCode;
  detail: string;
  text: string;
}

/** Persistence values a request can ask for (coded in the event log). */
const PERSISTENCE = ['keep-alive', 'close', 'http1.0-close'];

/**
 * One TCP connection with payload: reassembly + detection. Retired at
 * tcpEnd (or when both directions ended), then reused for a later
 * connection (AppLayerImpl.spare).
 */
class AppConn implements StreamSink {
  readonly reasm: TcpReassembler;
  readonly detector: Detector;
  /** Directions that have ended (bit per direction); both ended → the state is dropped early. */
  private ended = 0;

  constructor(private readonly layer: AppLayerImpl, public connId: number) {
    const reasm = new TcpReassembler(this, layer.budget, layer.keepStreams);
    this.reasm = reasm;
    this.detector = new Detector(layer, connId, reasm);
  }

  /** This retired connection's objects, made new for connection `connId`. */
  reuse(connId: number): void {
    this.connId = connId;
    this.ended = 0;
    this.reasm.reset();
    this.detector.reset(connId);
  }

  data(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number): void {
    this.detector.push(dir, buf, offset, length, frameNumber, time);
  }

  gap(dir: Dir, length: number, frameNumber: number, time: number): void {
    this.detector.gap(dir, length, frameNumber, time);
  }

  end(dir: Dir, frameNumber: number, time: number): void {
    this.detector.end(dir, frameNumber, time);
    this.ended |= 1 << dir;
    if (this.ended === 3) this.layer.retire(this);
  }

  marker(code: AnomalyCode, dir: Dir, frameNumber: number, _time: number, detail: string): void {
    this.layer.marker(frameNumber, this.connId, dir, code, detail);
  }
}

/** Retired connections kept for reuse, at most (about 1.3 KB each). */
const MAX_SPARE = 1024;

/** Marks a connection that ended: its segments are ignored, its label and stream are kept elsewhere. */
const RETIRED = Object.create(AppConn.prototype) as AppConn;

class AppLayerImpl implements AppLayer {
  private readonly log: EventLog;
  readonly http: HttpTransaction[] = [];
  private readonly conns: (AppConn | undefined)[] = [];
  /**
   * Retired connections whose objects (reassembler, detector, HTTP parser)
   * the next new connections reuse: 50,000 short connections otherwise made
   * and collected some 1.3 KB of objects each. Reset when taken, so nothing
   * changes under a call still returning from the connection's last segment.
   */
  private readonly spare: AppConn[] = [];
  /** Labels and follow-stream data of connections that ended. */
  private readonly endedLabels: (string | undefined)[] = [];
  private readonly endedStreams = new Map<number, { chunks(): StreamChunk[] }>();
  readonly budget: ReassemblyBudget;
  readonly keepStreams: boolean;
  readonly maxEvents: number;
  readonly maxDetectSegments: number;
  readonly httpCtx: HttpContext;
  /** Bound once: parsers call it for every event. */
  readonly emitEvent = (ev: AppEvent): void => { this.push(ev); };
  readonly onWsFrame = undefined;
  private readonly udpLabels = new Map<number, string>();
  /** DNS (UDP ports 53/5353/5355) and QUIC (UDP 443 or a QUIC long header) analyzers; flows keep the first choice. */
  private readonly dnsTracker = new DnsTracker(this.emitEvent);
  private readonly quic = new QuicTracker(this.emitEvent);
  private readonly quicFlows = new Set<number>();

  get dns(): DnsTransaction[] {
    return this.dnsTracker.transactions;
  }

  constructor(opts: AppLayerOptions = {}) {
    this.budget = new ReassemblyBudget({ ...DEFAULT_REASSEMBLY_LIMITS, ...opts.reassembly });
    this.keepStreams = opts.keepStreams ?? true;
    this.maxEvents = opts.maxEvents ?? 2_000_000;
    this.log = new EventLog(this.maxEvents, opts.maxEventBytes ?? 64 * 1024 * 1024);
    this.maxDetectSegments = opts.maxDetectSegments ?? 1024;
    const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...opts.http };
    const self = this;
    const arena = new HeadArena(limits.headArenaBytes);
    this.httpCtx = {
      limits,
      arena,
      txs: new TxStore(arena),
      keptBodies: 0,
      decodeFailures: 0,
      lineEnds: new Int32Array(limits.maxHeaders + 2),
      lf: new ByteFinder(0x0a),
      info: new HeadInfo(),
      hostCache: new TextCache(),
      ctCache: new TextCache(),
      reasonCache: new TextCache(),
      emit(frameNumber, connId, dir, proto, text, anomaly) {
        self.emit(frameNumber, 'tcp', connId, dir, proto, text, anomaly);
      },
      transaction(tx) {
        self.http.push(tx);
      },
      httpEvent(frameNumber, connId, dir, tx, persistence) {
        self.log.http(frameNumber, connId, dir, tx, persistence);
      },
    };
  }

  /**
   * Events in the order they became known: each carries the frame that
   * completed what it reports (tshark's convention), so the list is in frame
   * order except where reassembly delivers bytes late (out-of-order data
   * filled in, a connection flushed when it ends). The list is append-only —
   * never reordered — so readers may index it incrementally.
   */
  get events(): AppEvent[] {
    return this.log.list();
  }

  connEvents(transport: 'tcp' | 'udp', connId: number, from: number, out: AppEvent[]): number {
    return this.log.of(transport, connId, from, out);
  }

  emit(frameNumber: number, transport: 'tcp' | 'udp', connId: number, dir: Dir, proto: string, text: string, anomaly?: AnomalyCode): void {
    const ev: AppEvent = anomaly === undefined
      ? { frameNumber, transport, connId, dir, proto, text }
      : { frameNumber, transport, connId, dir, proto, text, anomaly };
    this.log.add(ev);
  }

  /** The last marker: once the follow-stream budget is spent, every new connection reports the same one. */
  private lastMarker: Marker | null = null;

  /** A TCP reassembly marker, "anomaly_name: detail" (one Marker for repeats of the same one). */
  marker(frameNumber: number, connId: number, dir: Dir, code: AnomalyCode, detail: string): void {
    let m = this.lastMarker;
    if (m === null || m.code !== code || m.detail !== detail) {
      m = { code, detail, text: `${Anomaly.name(code)}: ${detail}` };
      this.lastMarker = m;
    }
    this.log.marker(frameNumber, connId, dir, m);
  }

  private push(ev: AppEvent): void {
    this.log.add(ev);
  }

  /** Events not kept because of `maxEvents` or `maxEventBytes`. */
  get droppedEvents(): number {
    return this.log.dropped;
  }

  tcpSegment(s: TcpSegmentInfo): void {
    const id = s.connId;
    let c = this.conns[id];
    if (c === RETIRED) return;
    if (c === undefined) {
      if (s.payloadLen === 0 && s.payloadWireLen === 0) return;
      // Only connections with payload get state.
      c = this.spare.pop();
      if (c === undefined) c = new AppConn(this, id);
      else c.reuse(id);
      if (isDnsPort(s.serverPort) || isDnsPort(s.clientPort)) c.detector.useDns(this.dnsTracker);
      this.conns[id] = c;
    }
    c.reasm.segment(s, s.tsSec + s.tsNsec * 1e-9);
  }

  tcpEnd(connId: number): void {
    const c = this.conns[connId];
    if (c === undefined || c === RETIRED) return;
    c.reasm.finish();
    this.retire(c);
  }

  /**
   * A connection whose both directions ended keeps only its label and its
   * follow-stream data; later segments of it are ignored.
   */
  retire(c: AppConn): void {
    if (this.conns[c.connId] !== c) return;
    c.reasm.dispose();
    if (c.detector.kind === Kind.dns) this.dnsTracker.tcpEnd(c.connId);
    this.endedLabels[c.connId] = c.detector.label();
    const kept = c.reasm.streamStore();
    if (kept !== null) this.endedStreams.set(c.connId, kept);
    this.conns[c.connId] = RETIRED;
    if (this.spare.length < MAX_SPARE) this.spare.push(c);
  }

  udpDatagram(d: UdpDatagramInfo): void {
    const time = d.tsSec + d.tsNsec * 1e-9;
    const label = this.udpLabels.get(d.flowId);
    if (label === 'DNS' || (label === undefined && (isDnsPort(d.srcPort) || isDnsPort(d.dstPort)))) {
      if (label === undefined) this.udpLabels.set(d.flowId, 'DNS');
      // Endpoints are left to the flow table: DnsTransaction.queryDir says which side asked.
      this.dnsTracker.udp(d.flowId, d.dir, d.buf, d.payloadOffset, d.payloadLen, d.frameNumber, time, '', '');
      return;
    }
    if (this.quicFlows.has(d.flowId) || (label === undefined && (d.srcPort === 443 || d.dstPort === 443 || looksLikeQuic(d.buf, d.payloadOffset, d.payloadLen)))) {
      this.quicFlows.add(d.flowId);
      this.quic.udp(d.flowId, d.dir, d.buf, d.payloadOffset, d.payloadLen, d.frameNumber, time, d.srcPort, d.dstPort);
      return;
    }
    if (label === undefined) this.udpLabels.set(d.flowId, '');
  }

  finish(): void {
    for (let id = 0; id < this.conns.length; id++) {
      if (this.conns[id] !== undefined) this.tcpEnd(id);
    }
    this.dnsTracker.finish();
  }

  tcpLabel(connId: number): string {
    const c = this.conns[connId];
    if (c !== undefined && c !== RETIRED) return c.detector.label();
    return this.endedLabels[connId] ?? '';
  }

  udpLabel(flowId: number): string {
    if (this.quicFlows.has(flowId)) return this.quic.label(flowId);
    return this.udpLabels.get(flowId) ?? '';
  }

  stream(connId: number): StreamChunk[] | undefined {
    const c = this.conns[connId];
    const r = c !== undefined && c !== RETIRED ? c.reasm : this.endedStreams.get(connId);
    return r?.chunks();
  }
}

/** The application layer for one analysis (see the file comment). */
export function createAppLayer(opts: AppLayerOptions = {}): AppLayer & { readonly droppedEvents: number } {
  return new AppLayerImpl(opts);
}
