/**
 * HTTP/1.x over one TCP connection (RFC 9112): a push parser per direction
 * that resumes at any byte boundary, and the pairing of requests with
 * responses in order (RFC 9112 §9.3.2: responses come in request order, so
 * pipelining is a FIFO).
 *
 * Hot-path discipline: the parser reads straight from the bytes it is given;
 * a head is copied only when it spans segments (into a per-direction buffer
 * bounded by `maxHeadBytes`), bodies are counted, not copied, unless they
 * must be decoded (Content-Encoding) or kept for HAR. Chunked bodies are a
 * byte state machine with no allocation per chunk.
 *
 * Limits (README "HTTP limits"): line length, header count, head bytes; a
 * head that breaks one is cut there, marked `app_limit`, and the direction
 * resynchronises at the next line that starts a message. Nothing here ever
 * grows with the input beyond those caps.
 *
 * Framing rules (RFC 9112 §6.3): HEAD responses, 1xx, 204 and 304 have no
 * body; a 2xx to CONNECT starts a tunnel; Transfer-Encoding chunked wins
 * over Content-Length; otherwise Content-Length; otherwise a request has no
 * body and a response runs until the server closes.
 */
import { createHash } from 'node:crypto';
import * as anomalies from '../../decode/anomalies.js';
import type { AnomalyCode } from '../../decode/anomalies.js';
import type { Dir } from '../../flow/hooks.js';
import { safeText } from '../../bytes/safe-text.js';
import { ByteFinder } from '../../bytes/find-byte.js';
import * as reassembly from '../reassembly.js';
import type { StreamHandler } from '../reassembly.js';
import type { AppEvent } from '../types.js';
import * as head from './head.js';
import { HeadInfo } from './head.js';
import { HeadArena, HttpTx, MAX_DECODE_RATIO, TxStore, codingName, decodeContent } from './tx.js';

// Bound as constants of this module: optimized code reads an imported binding through its
// module cell, with a check that it is initialized, at every use (see flow/tcp-tracker.ts).
const { Anomaly } = anomalies;
const { view } = reassembly;
const { Coding, Upgrade, looksLikeRequest, looksLikeResponse, parseHead, startVerdict, text } = head;

export interface HttpLimits {
  /** Longest start or header line in bytes (default 16 KiB). */
  maxLineBytes: number;
  /** Most header lines in one head (default 256). */
  maxHeaders: number;
  /** Largest head, start line to empty line (default 64 KiB). */
  maxHeadBytes: number;
  /** Compressed bodies kept to decode them (per body, default 4 MiB; larger ones: decoded size unknown). */
  maxDecodeInputBytes: number;
  /** Decoded output per body (default 16 MiB). */
  maxDecodedBytes: number;
  /** Bodies kept for HAR/display, per body (default 0 = keep none). */
  keepBodyBytes: number;
  /** Bodies kept over the whole analysis (default 64 MiB). */
  keepBodiesTotal: number;
  /** Raw heads kept for header display/HAR over the whole analysis (default 24 MiB). */
  headArenaBytes: number;
  /** Client bytes held while an Upgrade/CONNECT request waits for its response (default 64 KiB). */
  maxPausedBytes: number;
}

/**
 * Requests waiting for their responses, first in first out, O(1) at both
 * ends: Array.prototype.shift copies the whole array once it is large (V8
 * cannot trim arrays in large-object space), so a pipelined flood of 300,000
 * requests took 47 s of CPU.
 */
class TxQueue {
  private items: (HttpTx | undefined)[] = [];
  private head = 0;
  private tail = 0;
  get length(): number { return this.tail - this.head; }
  first(): HttpTx | undefined { return this.head < this.tail ? this.items[this.head] : undefined; }
  push(tx: HttpTx): void {
    if (this.tail < this.items.length) this.items[this.tail] = tx;
    else this.items.push(tx);
    this.tail++;
  }
  /** Empties the queue (its connection is over; the queue serves another one). */
  clear(): void {
    for (let i = this.head; i < this.tail; i++) this.items[i] = undefined;
    this.head = this.tail = 0;
    if (this.items.length > 1024) this.items = [];
  }
  shift(): void {
    if (this.head >= this.tail) return;
    this.items[this.head++] = undefined;
    if (this.head === this.tail) {
      // Empty: start again at slot 0. The array keeps its backing store (emptying it with
      // `length = 0` freed it, and the next request, usually the very next segment, allocated
      // a new one), unless a pipelined burst made it large.
      this.head = this.tail = 0;
      if (this.items.length > 1024) this.items = [];
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      this.items = this.items.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
  }
}

/** Failed content decodings after which decoding stops for the analysis (see HttpContext.decodeFailures). */
export const MAX_DECODE_FAILURES = 16;

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  maxLineBytes: 16 * 1024,
  maxHeaders: 256,
  maxHeadBytes: 64 * 1024,
  maxDecodeInputBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
  keepBodyBytes: 0,
  keepBodiesTotal: 64 * 1024 * 1024,
  headArenaBytes: 24 * 1024 * 1024,
  maxPausedBytes: 64 * 1024,
};

/** What an HTTP connection needs from the composition. */
export interface HttpContext {
  readonly limits: Readonly<HttpLimits>;
  readonly arena: HeadArena;
  /** Numbers of all transactions (arena for their heads). */
  readonly txs: TxStore;
  /** Bytes of bodies currently kept (shared budget). */
  keptBodies: number;
  /**
   * Bodies whose content coding could not be removed, over the whole analysis.
   * Each failed attempt may have cost a full decoder window (brotli: up to
   * 16 MiB of output for a body of 50 bytes), so after MAX_DECODE_FAILURES
   * no more bodies are decoded: the work stays bounded whatever the capture.
   */
  decodeFailures: number;
  /** Scratch for the line ends of one head (maxHeaders + 2 entries), shared by all connections. */
  readonly lineEnds: Int32Array;
  /** Finds the LFs that end head lines (one word view per frame buffer, shared by all connections). */
  readonly lf: ByteFinder;
  /** Shared scratch: a head is parsed and used synchronously, so one HeadInfo serves every connection. */
  readonly info: HeadInfo;
  /** Repeated values (Host, Content-Type, reason phrase) become one string across connections. */
  readonly hostCache: TextCache;
  readonly ctCache: TextCache;
  readonly reasonCache: TextCache;
  /** An application event (text already safe). */
  emit(frameNumber: number, connId: number, dir: Dir, proto: string, text: string, anomaly?: AnomalyCode): void;
  /** The event of a request (persistence as the request asked) or of a response (`persistence` null); text made when read. */
  httpEvent(frameNumber: number, connId: number, dir: Dir, tx: HttpTx, persistence: string | null): void;
  /** A new transaction exists (called once, in request order). */
  transaction(tx: HttpTx): void;
}

/**
 * The connection switches protocol after `tx` (101 or a 2xx to CONNECT).
 * Returns the handler for what follows, or null to ignore the rest.
 */
export type UpgradeFn = (kind: 'websocket' | 'h2c' | 'tunnel' | 'other', tx: HttpTx) => StreamHandler | null;

const S = {
  HEAD: 0, BODY_LEN: 1, CHUNKED: 2, BODY_CLOSE: 3, RESYNC: 4, TUNNEL: 5, PAUSED: 6, UPGRADED: 7, DONE: 8,
} as const;
/** Sub-states of a chunked body. */
const C = { SIZE: 0, EXT: 1, SIZE_LF: 2, DATA: 3, DATA_CR: 4, DATA_LF: 5, TRAILER: 6 } as const;

const CR = 0x0d, LF = 0x0a;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A short text cache: repeated header values (Host, Content-Type, reason) become one string. */
export class TextCache {
  private bytes = new Uint8Array(64);
  private len = -1;
  private value = '';
  get(buf: Uint8Array, s: number, e: number): string {
    const n = e - s;
    if (n === this.len) {
      let i = 0;
      while (i < n && this.bytes[i] === buf[s + i]) i++;
      if (i === n) return this.value;
    }
    const v = text(buf, s, e);
    if (n <= 64) {
      this.bytes.set(view(buf, s, e));
      this.len = n;
      this.value = v;
    }
    return v;
  }
}

/** Client bytes held while an Upgrade/CONNECT request waits for its response. */
class Held {
  buf: Uint8Array | null = null;
  len = 0;
  frame = 0;
  time = 0;
  /** Bytes were dropped (over the cap, or a gap). */
  lost = false;
}

/** Parsing state of one direction. */
class Side {
  state: number = S.HEAD;
  /** True when the stream position is known to be at a message boundary (start of stream or after a message). */
  synced: boolean;
  /** Next push starts a candidate message position (segment start or after a gap) for resynchronisation. */
  candidate = true;
  afterLF = true;
  // Head scanning across pushes.
  headBuf: Uint8Array = EMPTY;
  headLen = 0;
  lineLen = 0;
  lines = 0;
  lastCR = false;
  started = false;
  startChecked = false;
  /** Frames that carried bytes of a head spanning segments (rare: allocated when needed). */
  headFrames: number[] | null = null;
  msgFrame = 0;
  msgTime = 0;
  // Bodies.
  tx: HttpTx | null = null;
  remaining = 0;
  chunk: number = C.SIZE;
  chunkDigits = 0;
  chunkExtLen = 0;
  trailerLen = 0;
  wire = 0;
  entity = 0;
  missing = 0;
  keep: Uint8Array | null = null;
  keepLen = 0;
  keepMax = 0;
  /** Upgrade / CONNECT: client bytes held until the response decides (created when a request pauses). */
  held: Held | null = null;

  constructor(readonly response: boolean, synced: boolean) {
    this.synced = synced;
    if (!synced) this.state = S.RESYNC;
  }

  /** The state of a new direction, for another connection (the fields' initial values above). */
  reset(synced: boolean): void {
    this.state = synced ? S.HEAD : S.RESYNC;
    this.synced = synced;
    this.candidate = true;
    this.afterLF = true;
    // A head buffer of the usual size is kept; a large one is not held on to.
    if (this.headBuf.length > MIN_HEAD_BUF) this.headBuf = EMPTY;
    this.resetHead();
    this.msgFrame = 0;
    this.msgTime = 0;
    this.tx = null;
    this.remaining = 0;
    this.clearBody();
    this.chunkExtLen = 0;
    this.trailerLen = 0;
    this.keepMax = 0;
    this.held = null;
  }

  /** A body starts (or the direction is new): its chunk state, byte counts and kept bytes back to nothing. */
  clearBody(): void {
    this.chunk = C.SIZE;
    this.chunkDigits = 0;
    this.wire = 0;
    this.entity = 0;
    this.missing = 0;
    this.keepLen = 0;
    this.keep = null;
  }

  /** No head under way: nothing held, no line counted, the next bytes start a message. */
  resetHead(): void {
    this.headLen = 0;
    this.lineLen = 0;
    this.lines = 0;
    this.lastCR = false;
    this.started = false;
    this.startChecked = false;
    if (this.headFrames !== null && this.headFrames.length !== 0) this.headFrames.length = 0;
  }
}

const EMPTY = new Uint8Array(0);
/** Smallest head buffer made for a head spanning segments. */
const MIN_HEAD_BUF = 1024;
const NO_UPGRADE = { upgrade: (): StreamHandler | null => null };

/** HTTP/1.x on one connection. */
export class HttpConn implements StreamHandler {
  /** The two directions' states (fields rather than an array: one object less per connection). */
  private s0: Side;
  private s1: Side;
  private readonly info: HeadInfo;
  /** Requests waiting for (the end of) their response, oldest first. */
  private readonly awaiting = new TxQueue();
  private count = 0;
  private last: HttpTx | null = null;
  private upgraded: StreamHandler | null = null;
  /** Request keys kept for the WebSocket handshake check, by transaction. */
  private wsKey = '';
  /** Label shown for the connection: "HTTP" until an upgrade says otherwise. */
  label = 'HTTP';

  constructor(
    private readonly ctx: HttpContext,
    public connId: number,
    requestSynced: boolean,
    responseSynced: boolean,
    private readonly owner: { upgrade: UpgradeFn } = NO_UPGRADE,
    /** Direction the requests flow in (1 when the capture's first packet came from the server side). */
    public reqDir: Dir = 0,
  ) {
    this.info = ctx.info;
    const req = new Side(false, requestSynced);
    const res = new Side(true, responseSynced);
    this.s0 = reqDir === 0 ? req : res;
    this.s1 = reqDir === 0 ? res : req;
  }

  private side(dir: Dir): Side {
    return dir === 0 ? this.s0 : this.s1;
  }

  /**
   * Makes this parser new again for another connection of the same owner
   * (as the constructor leaves it): connections are many and short, so their
   * parsers are reused rather than made and collected each time.
   */
  reset(connId: number, requestSynced: boolean, responseSynced: boolean, reqDir: Dir): void {
    const req = this.s0.response ? this.s1 : this.s0;
    const res = this.s0.response ? this.s0 : this.s1;
    req.reset(requestSynced);
    res.reset(responseSynced);
    this.s0 = reqDir === 0 ? req : res;
    this.s1 = reqDir === 0 ? res : req;
    this.connId = connId;
    this.reqDir = reqDir;
    this.awaiting.clear();
    this.count = 0;
    this.last = null;
    this.upgraded = null;
    this.wsKey = '';
    this.label = 'HTTP';
  }

  /** Transactions on this connection so far. */
  get transactions(): number {
    return this.count;
  }

  push(dir: Dir, buf: Uint8Array, off: number, len: number, frame: number, time: number): void {
    const sd = this.side(dir);
    let p = off;
    const end = off + len;
    while (p < end) {
      switch (sd.state) {
        case S.HEAD: p = this.head(sd, dir, buf, p, end, frame, time); break;
        case S.BODY_LEN: p = this.bodyLen(sd, dir, buf, p, end, frame, time); break;
        case S.CHUNKED: p = this.chunked(sd, dir, buf, p, end, frame, time); break;
        case S.BODY_CLOSE:
          sd.tx?.addFrame(sd.response ? 1 : 0, frame);
          this.keepBytes(sd, buf, p, end - p);
          sd.wire += end - p;
          sd.entity += end - p;
          p = end;
          break;
        case S.RESYNC: p = this.resync(sd, buf, p, end, off); break;
        case S.PAUSED: p = this.pause(sd, buf, p, end, frame, time); break;
        case S.UPGRADED:
          this.upgraded!.push(dir, buf, p, end - p, frame, time);
          p = end;
          break;
        default: // TUNNEL, DONE
          p = end;
      }
    }
    sd.candidate = false;
  }

  gap(dir: Dir, n: number, frame: number, time: number): void {
    const sd = this.side(dir);
    switch (sd.state) {
      case S.UPGRADED:
        this.upgraded!.gap(dir, n, frame, time);
        return;
      case S.TUNNEL:
      case S.DONE:
        return;
      case S.PAUSED:
        (sd.held ??= new Held()).lost = true;
        return;
      case S.BODY_CLOSE:
        sd.wire += n;
        sd.entity += n;
        sd.missing += n;
        return;
      case S.BODY_LEN:
        if (n < sd.remaining) {
          sd.remaining -= n;
          sd.wire += n;
          sd.entity += n;
          sd.missing += n;
          return;
        }
        sd.wire += sd.remaining;
        sd.entity += sd.remaining;
        sd.missing += sd.remaining;
        n -= sd.remaining;
        sd.remaining = 0;
        this.messageDone(sd, dir, frame, time, n === 0 ? '' : 'bytes missing after the body');
        if (n === 0) return;
        break;
      case S.CHUNKED:
        if (sd.chunk === C.DATA && n < sd.remaining) {
          sd.remaining -= n;
          sd.wire += n;
          sd.entity += n;
          sd.missing += n;
          return;
        }
        sd.missing += n;
        this.messageDone(sd, dir, frame, time, 'bytes missing in the chunked body');
        break;
      case S.HEAD:
        if (sd.started) this.partialHead(sd, dir, frame, time, 'head cut by missing bytes');
        break;
    }
    // Resynchronise at the next message start.
    sd.resetHead();
    sd.state = S.RESYNC;
    sd.synced = false;
    sd.candidate = true;
  }

  end(dir: Dir, frame: number, time: number): void {
    const sd = this.side(dir);
    if (sd.state === S.UPGRADED) {
      this.upgraded!.end(dir, frame, time);
      sd.state = S.DONE;
      return;
    }
    if (sd.state === S.HEAD && sd.started) this.partialHead(sd, dir, frame, time, 'connection ended inside the head');
    else if (sd.state === S.BODY_CLOSE) this.messageDone(sd, dir, frame, time, '');
    else if (sd.tx !== null && (sd.state === S.BODY_LEN || sd.state === S.CHUNKED)) {
      this.messageDone(sd, dir, frame, time, 'connection closed before the end of the message');
    }
    sd.state = S.DONE;
  }

  // ---- heads ----------------------------------------------------------------

  private head(sd: Side, dir: Dir, buf: Uint8Array, p: number, end: number, frame: number, time: number): number {
    const lim = this.ctx.limits;
    if (!sd.started) {
      // RFC 9112 §2.2: empty lines before a message are ignored.
      while (p < end && (buf[p] === CR || buf[p] === LF)) p++;
      if (p === end) return end;
      sd.started = true;
      sd.msgFrame = frame;
      sd.msgTime = time;
    }
    if (!sd.startChecked) {
      // Is this a message start at all? Decide on the first bytes (held + new).
      let verdict: number;
      if (sd.headLen === 0) verdict = startVerdict(buf, p, end, sd.response);
      else {
        const k = Math.min(end - p, 24);
        this.ensureHead(sd, sd.headLen + k);
        sd.headBuf.set(view(buf, p, p + k), sd.headLen);
        verdict = startVerdict(sd.headBuf, 0, sd.headLen + k, sd.response);
      }
      if (verdict < 0) return this.badStart(sd, dir, buf, p, end, frame, time);
      if (verdict > 0) sd.startChecked = true;
    }
    const maxLine = lim.maxLineBytes;
    const maxLines = lim.maxHeaders + 1;
    // Line ends of a head that lies wholly in this push are remembered, so parseHead need not look for them again.
    const whole = sd.headLen === 0 && sd.lines === 0;
    const ends = this.ctx.lineEnds;
    let ls = p;
    let carried = sd.lineLen;
    // The line count stays in a local while scanning (this loop runs once per header line).
    let lines = sd.lines;
    const lf = this.ctx.lf;
    for (let q = lf.find(buf, p, end); q >= 0; q = lf.find(buf, q + 1, end)) {
      const n = carried + (q - ls);
      if (n <= 1 && (n === 0 || (q > ls ? buf[q - 1] === CR : sd.lastCR))) {
        sd.lines = lines;
        return this.headDone(sd, dir, buf, p, q + 1, frame, time, whole ? ends : null, lines);
      }
      if (n > maxLine || lines >= maxLines) {
        sd.lines = lines;
        return this.headLimit(sd, dir, buf, p, q, frame, time,
          n > maxLine ? `line longer than ${maxLine} bytes` : `more than ${lim.maxHeaders} header lines`);
      }
      if (whole) ends[lines] = q;
      lines++;
      carried = 0;
      ls = q + 1;
    }
    sd.lines = lines;
    const n = carried + (end - ls);
    if (n > maxLine) return this.headLimit(sd, dir, buf, p, end, frame, time, `line longer than ${maxLine} bytes`);
    if (sd.headLen + (end - p) > lim.maxHeadBytes) {
      return this.headLimit(sd, dir, buf, p, end, frame, time, `head larger than ${lim.maxHeadBytes} bytes`);
    }
    sd.lineLen = n;
    sd.lastCR = buf[end - 1] === CR;
    this.ensureHead(sd, sd.headLen + (end - p));
    sd.headBuf.set(view(buf, p, end), sd.headLen);
    sd.headLen += end - p;
    const hf = (sd.headFrames ??= []);
    if (hf.length === 0 || hf[hf.length - 1] !== frame) hf.push(frame);
    return end;
  }

  private ensureHead(sd: Side, n: number): void {
    if (n <= sd.headBuf.length) return;
    let cap = Math.max(MIN_HEAD_BUF, sd.headBuf.length * 2);
    while (cap < n) cap *= 2;
    const cap2 = Math.min(cap, this.ctx.limits.maxHeadBytes + 64);
    const g = new Uint8Array(Math.max(cap2, n));
    g.set(sd.headBuf.subarray(0, sd.headLen));
    sd.headBuf = g;
  }

  /**
   * A head that will never complete (gap or end of stream): when its start
   * line arrived, the exchange is still recorded from it, marked incomplete.
   */
  private partialHead(sd: Side, dir: Dir, frame: number, time: number, why: string): void {
    if (sd.lines >= 1 && sd.headLen > 0) {
      let firstLF = -1;
      const hb = sd.headBuf;
      for (let i = 0; i < sd.headLen; i++) if (hb[i] === LF) { firstLF = i; break; }
      if (firstLF >= 0 && parseHead(hb, 0, firstLF + 1, sd.response, this.info, true)) {
        const tx = sd.response ? this.onResponse(sd, dir, hb, 0, firstLF + 1, frame, time, false)
          : this.onRequest(sd, dir, hb, 0, firstLF + 1, frame, time, false);
        if (tx !== null && tx.status !== 101) {
          sd.tx = tx;
          sd.missing = 1;
          this.messageDone(sd, dir, frame, time, why);
        }
      }
    }
    sd.resetHead();
    sd.tx = null;
  }

  /** The first bytes cannot start a message of this direction. */
  private badStart(sd: Side, dir: Dir, buf: Uint8Array, p: number, end: number, frame: number, _time: number): number {
    const held = sd.headLen;
    if (sd.response && sd.synced && this.awaiting.length > 0) {
      // HTTP/0.9-style reply (RFC 1945 §4.1 "Simple-Response"): no status line, body until close.
      const tx = this.awaiting.first()!;
      tx.responseVersion = 'HTTP/0.9';
      tx.responseStart = sd.msgTime;
      if (sd.headFrames !== null) for (const f of sd.headFrames) tx.addFrame(1, f);
      tx.note('response without a status line (HTTP/0.9 style); body runs until the connection closes');
      sd.resetHead();
      this.startBody(sd, tx, S.BODY_CLOSE, 0, Coding.none);
      sd.wire = held;
      sd.entity = held;
      return p;
    }
    if (sd.synced) {
      this.ctx.emit(frame, this.connId, dir, 'HTTP',
        `${sd.response ? 'response' : 'request'} expected, got "${safeText(text(buf, p, Math.min(end, p + 24)))}"; resynchronising`,
        Anomaly.app_parse_error);
    }
    sd.resetHead();
    sd.state = S.RESYNC;
    sd.synced = false;
    sd.candidate = true;
    return p;
  }

  /** A cap cut the head: keep what the start line says, mark it, resynchronise. */
  private headLimit(sd: Side, dir: Dir, buf: Uint8Array, p: number, q: number, frame: number, time: number, why: string): number {
    this.ctx.emit(frame, this.connId, dir, 'HTTP', `header limit reached (${why}); message skipped, resynchronising`,
      Anomaly.app_limit);
    // If the start line is complete, the exchange is still worth recording.
    let hb: Uint8Array, hs: number, he: number;
    const take = Math.min(q - p, Math.max(0, this.ctx.limits.maxHeadBytes - sd.headLen));
    if (sd.headLen === 0) { hb = buf; hs = p; he = p + take; }
    else {
      this.ensureHead(sd, sd.headLen + take);
      sd.headBuf.set(view(buf, p, p + take), sd.headLen);
      hb = sd.headBuf; hs = 0; he = sd.headLen + take;
    }
    let firstLF = -1;
    for (let i = hs; i < he; i++) if (hb[i] === LF) { firstLF = i; break; }
    if (firstLF >= 0 && parseHead(hb, hs, firstLF + 1, sd.response, this.info, true)) {
      const tx = sd.response ? this.onResponse(sd, dir, hb, hs, firstLF + 1, frame, time, false)
        : this.onRequest(sd, dir, hb, hs, firstLF + 1, frame, time, false);
      if (tx !== null) {
        tx.note(`header limit reached: ${why}`);
        sd.tx = tx;
        sd.missing = 1;
        this.messageDone(sd, dir, frame, time, `header limit reached (${why})`);
      }
    }
    sd.resetHead();
    sd.state = S.RESYNC;
    sd.synced = false;
    sd.candidate = false;
    sd.afterLF = false;
    return q;
  }

  private headDone(
    sd: Side, dir: Dir, buf: Uint8Array, p: number, headEnd: number, frame: number, time: number,
    lineEnds: Int32Array | null = null, nLines = 0,
  ): number {
    let hb: Uint8Array, hs: number, he: number;
    if (sd.headLen === 0) { hb = buf; hs = p; he = headEnd; }
    else {
      if (sd.headLen + (headEnd - p) > this.ctx.limits.maxHeadBytes) {
        return this.headLimit(sd, dir, buf, p, headEnd, frame, time, `head larger than ${this.ctx.limits.maxHeadBytes} bytes`);
      }
      this.ensureHead(sd, sd.headLen + (headEnd - p));
      sd.headBuf.set(view(buf, p, headEnd), sd.headLen);
      sd.headLen += headEnd - p;
      hb = sd.headBuf; hs = 0; he = sd.headLen;
    }
    if (!parseHead(hb, hs, he, sd.response, this.info, false, sd.headLen === 0 ? lineEnds : null, nLines)) {
      if (sd.response && sd.synced && this.awaiting.length > 0 && !looksLikeResponse(hb, hs, he)) {
        // Not a status line after all: treat like an HTTP/0.9 reply.
        sd.startChecked = false;
        const held = sd.headLen;
        sd.headLen = 0;
        const r = this.badStart(sd, dir, buf, p, headEnd, frame, time);
        sd.wire += held;
        sd.entity += held;
        return r;
      }
      this.ctx.emit(frame, this.connId, dir, 'HTTP', `malformed ${sd.response ? 'status' : 'request'} line (${this.info.error}); resynchronising`,
        Anomaly.app_parse_error);
      sd.resetHead();
      sd.state = S.RESYNC;
      sd.synced = false;
      return headEnd;
    }
    if (sd.response) this.onResponse(sd, dir, hb, hs, he, frame, time, true);
    else this.onRequest(sd, dir, hb, hs, he, frame, time, true);
    return headEnd;
  }

  // ---- requests ---------------------------------------------------------------

  private onRequest(sd: Side, dir: Dir, hb: Uint8Array, hs: number, he: number, frame: number, time: number, full: boolean): HttpTx | null {
    const h = this.info;
    const tx = new HttpTx(this.connId, this.ctx.txs);
    tx.index = ++this.count;
    tx.method = h.method;
    tx.version = h.version;
    if (h.hostStart >= 0) tx.host = this.ctx.hostCache.get(hb, h.hostStart, h.hostEnd);
    tx.requestStart = sd.msgTime;
    tx.requestHeadBytes = he - hs;
    tx.reqHeadRef = full ? this.ctx.arena.add(hb, hs, he) : -1;
    tx.setUri(hb, hs, h.uriStart, h.uriEnd);
    if (sd.headFrames !== null) for (const f of sd.headFrames) tx.addFrame(0, f);
    tx.addFrame(0, frame);
    const prev = this.last;
    // Pipelined (RFC 9112 §9.3.2): sent before the previous response was complete.
    tx.pipelined = prev !== null && !prev.orphanResponse
      && (!prev.responseEnded || prev.lastResponseFrame > tx.firstRequestFrame);
    tx.persistence = h.connClose ? 'close' : h.versionNum <= 10 ? (h.connKeepAlive ? 'keep-alive' : 'http1.0-close') : 'keep-alive';
    const wantsUpgrade = full && h.upgrade !== Upgrade.none && h.connUpgrade;
    if (wantsUpgrade) tx.upgrade = h.upgrade === Upgrade.websocket ? 'websocket' : h.upgrade === Upgrade.h2c ? 'h2c' : 'other';
    this.wsKey = h.wsKeyStart >= 0 ? text(hb, h.wsKeyStart, h.wsKeyEnd) : '';
    if (this.wsKey !== '') tx.wsKey = this.wsKey;
    this.last = tx;
    this.awaiting.push(tx);
    this.ctx.transaction(tx);
    this.ctx.httpEvent(frame, this.connId, dir, tx, tx.persistence);
    sd.resetHead();
    sd.tx = tx;
    if (!full) return tx;
    const holdAfter = wantsUpgrade || tx.method === 'CONNECT';
    if (h.chunked) this.startBody(sd, tx, S.CHUNKED, 0, Coding.none);
    else if (h.teOther) {
      // RFC 9112 §6.3 rule 4: a request whose length cannot be determined; read until close.
      tx.note('Transfer-Encoding without chunked: body runs until close');
      this.startBody(sd, tx, S.BODY_CLOSE, 0, Coding.none);
    } else if (h.contentLength === -2) {
      this.ctx.emit(frame, this.connId, dir, 'HTTP', 'invalid Content-Length in request; resynchronising', Anomaly.app_parse_error);
      tx.note('invalid Content-Length');
      this.requestEnded(sd, tx, time, false);
      sd.state = S.RESYNC;
      sd.synced = false;
    } else if (h.contentLength > 0) this.startBody(sd, tx, S.BODY_LEN, h.contentLength, Coding.none);
    else {
      this.requestEnded(sd, tx, time, true);
      if (holdAfter) this.startPause(sd);
    }
    if (holdAfter && sd.state !== S.PAUSED) tx.holdAfterRequest = true;
    return tx;
  }

  private requestEnded(sd: Side, tx: HttpTx, time: number, complete: boolean): void {
    tx.requestEnd = time;
    tx.requestComplete = complete;
    sd.tx = null;
    sd.state = S.HEAD;
    sd.synced = true;
  }

  // ---- responses --------------------------------------------------------------

  private onResponse(sd: Side, dir: Dir, hb: Uint8Array, hs: number, he: number, frame: number, time: number, full: boolean): HttpTx | null {
    const h = this.info;
    let tx = this.awaiting.first();
    if (tx === undefined) {
      // A response to a request the capture did not show.
      tx = new HttpTx(this.connId, this.ctx.txs);
      tx.index = ++this.count;
      tx.orphanResponse = true;
      tx.requestStart = sd.msgTime;
      tx.persistence = 'keep-alive';
      this.last = tx;
      this.awaiting.push(tx);
      this.ctx.transaction(tx);
    }
    const status = h.status;
    if (sd.headFrames !== null) for (const f of sd.headFrames) tx.addFrame(1, f);
    tx.addFrame(1, frame);
    if (status >= 100 && status < 200 && status !== 101) {
      // Interim response (RFC 9110 §15.2): the final one follows.
      (tx.interim ??= []).push({ status, frameNumber: sd.msgFrame, time: sd.msgTime });
      const reason = h.reasonEnd > h.reasonStart ? ' ' + safeText(this.ctx.reasonCache.get(hb, h.reasonStart, h.reasonEnd)) : '';
      this.ctx.emit(frame, this.connId, dir, 'HTTP', `${h.version} ${status}${reason} (interim, req #${tx.index})`);
      sd.resetHead();
      sd.state = S.HEAD;
      sd.synced = true;
      return tx;
    }
    tx.responseVersion = h.version;
    tx.status = status;
    tx.reason = h.reasonEnd > h.reasonStart ? this.ctx.reasonCache.get(hb, h.reasonStart, h.reasonEnd) : '';
    if (h.ctStart >= 0) tx.contentType = this.ctx.ctCache.get(hb, h.ctStart, h.ctEnd);
    tx.contentEncoding = codingName(h.coding);
    tx.responseStart = sd.msgTime;
    tx.responseHeadBytes = he - hs;
    tx.resHeadRef = full ? this.ctx.arena.add(hb, hs, he) : -1;
    // Persistence (RFC 9112 §9.3): close wins; HTTP/1.0 needs keep-alive to persist.
    if (h.connClose || tx.persistence === 'close') tx.persistence = 'close';
    else if (h.versionNum <= 10) tx.persistence = h.connKeepAlive ? 'keep-alive' : 'http1.0-close';
    else if (tx.persistence !== 'http1.0-close') tx.persistence = 'keep-alive';
    sd.resetHead();
    sd.tx = tx;
    if (!full) return tx;

    const method = tx.method;
    if (status === 101) {
      this.switchProtocols(sd, dir, tx, hb, frame, time);
      return tx;
    }
    if (method === 'CONNECT' && status >= 200 && status < 300) {
      tx.persistence = 'tunnel';
      this.startBody(sd, tx, S.BODY_LEN, 0, Coding.none);
      this.messageDone(sd, dir, frame, time, '');
      this.handOver('tunnel', tx);
      return tx;
    }
    if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      this.startBody(sd, tx, S.BODY_LEN, 0, Coding.none);
      this.messageDone(sd, dir, frame, time, '');
    } else if (h.chunked) this.startBody(sd, tx, S.CHUNKED, 0, h.coding);
    else if (h.teOther) this.startBody(sd, tx, S.BODY_CLOSE, 0, h.coding);
    else if (h.contentLength === -2) {
      tx.note('invalid Content-Length: body read until close');
      this.ctx.emit(frame, this.connId, dir, 'HTTP', 'invalid Content-Length in response; reading until close', Anomaly.app_parse_error);
      this.startBody(sd, tx, S.BODY_CLOSE, 0, h.coding);
    } else if (h.contentLength >= 0) {
      this.startBody(sd, tx, S.BODY_LEN, h.contentLength, h.coding);
      if (h.contentLength === 0) this.messageDone(sd, dir, frame, time, '');
    } else this.startBody(sd, tx, S.BODY_CLOSE, 0, h.coding);
    return tx;
  }

  /** 101 Switching Protocols (RFC 9110 §15.2.2): the bytes after this head belong to the new protocol. */
  private switchProtocols(sd: Side, dir: Dir, tx: HttpTx, hb: Uint8Array, frame: number, time: number): void {
    const h = this.info;
    const kind = h.upgrade === Upgrade.websocket ? 'websocket' : h.upgrade === Upgrade.h2c ? 'h2c' : 'other';
    tx.upgrade = kind === 'other' && h.upgrade === Upgrade.none ? (tx.upgrade || 'other') : kind;
    if (kind === 'websocket') {
      const accept = h.wsAcceptStart >= 0 ? text(hb, h.wsAcceptStart, h.wsAcceptEnd) : '';
      tx.wsAcceptOk = tx.wsKey !== '' && accept !== '' ? websocketAccept(tx.wsKey) === accept : false;
    }
    tx.persistence = 'upgrade';
    this.startBody(sd, tx, S.BODY_LEN, 0, Coding.none);
    this.messageDone(sd, dir, frame, time, '');
    this.handOver(tx.upgrade === 'websocket' ? 'websocket' : tx.upgrade === 'h2c' ? 'h2c' : 'other', tx);
  }

  /** Both directions now belong to another protocol (or are ignored). */
  private handOver(kind: 'websocket' | 'h2c' | 'tunnel' | 'other', tx: HttpTx): void {
    const next = this.owner.upgrade(kind, tx);
    if (kind === 'websocket') this.label = 'WebSocket';
    else if (kind === 'h2c') this.label = 'HTTP2';
    const req = this.side(this.reqDir);
    const res = this.side(1 - this.reqDir as Dir);
    const h = req.held;
    req.held = null;
    if (next === null) {
      req.state = S.TUNNEL;
      res.state = S.TUNNEL;
      return;
    }
    this.upgraded = next;
    // A request still sending its body keeps its state; otherwise the client side switches too.
    if (req.state === S.PAUSED || req.state === S.HEAD || req.state === S.RESYNC) req.state = S.UPGRADED;
    else tx.holdAfterRequest = false;
    res.state = S.UPGRADED;
    if (h !== null && h.buf !== null && h.len > 0) {
      if (h.lost) next.gap(this.reqDir, 0, h.frame, h.time);
      next.push(this.reqDir, h.buf, 0, h.len, h.frame, h.time);
    }
  }

  // ---- bodies -----------------------------------------------------------------

  private startBody(sd: Side, tx: HttpTx, state: number, length: number, coding: number): void {
    sd.tx = tx;
    sd.state = state;
    sd.remaining = length;
    if (state === S.CHUNKED) {
      if (sd.response) tx.responseChunked = true;
      else tx.requestChunked = true;
    }
    sd.clearBody();
    const lim = this.ctx.limits;
    let keepMax = lim.keepBodyBytes;
    if (sd.response && coding !== Coding.none && coding !== Coding.identity && coding !== Coding.other) {
      keepMax = Math.max(keepMax, lim.maxDecodeInputBytes);
    }
    sd.keepMax = keepMax;
    if (keepMax > 0 && state !== S.BODY_LEN || (state === S.BODY_LEN && length > 0 && keepMax > 0)) {
      sd.keep = new Uint8Array(Math.min(keepMax, state === S.BODY_LEN ? length : 16 * 1024));
    }
  }

  private keepBytes(sd: Side, buf: Uint8Array, s: number, n: number): void {
    const k = sd.keep;
    if (k === null || n <= 0) return;
    const room = sd.keepMax - sd.keepLen;
    const take = n < room ? n : room;
    if (take < n) sd.missing += n - take;
    if (take <= 0) return;
    let dst = k;
    if (sd.keepLen + take > k.length) {
      let cap = k.length * 2;
      while (cap < sd.keepLen + take) cap *= 2;
      dst = new Uint8Array(Math.min(cap, sd.keepMax));
      dst.set(k.subarray(0, sd.keepLen));
      sd.keep = dst;
    }
    dst.set(view(buf, s, s + take), sd.keepLen);
    sd.keepLen += take;
  }

  private bodyLen(sd: Side, dir: Dir, buf: Uint8Array, p: number, end: number, frame: number, time: number): number {
    const avail = end - p;
    const n = avail < sd.remaining ? avail : sd.remaining;
    sd.tx?.addFrame(sd.response ? 1 : 0, frame);
    this.keepBytes(sd, buf, p, n);
    sd.wire += n;
    sd.entity += n;
    sd.remaining -= n;
    if (sd.remaining === 0) this.messageDone(sd, dir, frame, time, '');
    return p + n;
  }

  /**
   * Chunked transfer coding (RFC 9112 §7.1): size line (hex, extensions),
   * data, CRLF, …, last-chunk, trailer section, CRLF. One pass, no allocation.
   */
  private chunked(sd: Side, dir: Dir, buf: Uint8Array, p: number, end: number, frame: number, time: number): number {
    sd.tx?.addFrame(sd.response ? 1 : 0, frame);
    const start = p;
    const maxLine = this.ctx.limits.maxLineBytes;
    let st = sd.chunk;
    while (p < end) {
      const b = buf[p]!;
      switch (st) {
        case C.SIZE: {
          const d = b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1;
          if (d >= 0) {
            if (++sd.chunkDigits > 13) return this.chunkError(sd, dir, p, start, frame, time, 'chunk size too large');
            sd.remaining = sd.remaining * 16 + d;
            p++;
            continue;
          }
          if (sd.chunkDigits === 0) return this.chunkError(sd, dir, p, start, frame, time, 'chunk size missing');
          if (b === CR) st = C.SIZE_LF;
          else if (b === LF) st = this.sizeLineDone(sd);
          else if (b === 0x3b || b === 0x20 || b === 0x09) { st = C.EXT; sd.chunkExtLen = 0; }
          else return this.chunkError(sd, dir, p, start, frame, time, 'bad chunk size');
          p++;
          continue;
        }
        case C.EXT:
          // Chunk extensions are skipped (bounded by the line cap).
          if (b === LF) st = this.sizeLineDone(sd);
          else if (b === CR) st = C.SIZE_LF;
          else if (++sd.chunkExtLen > maxLine) return this.chunkError(sd, dir, p, start, frame, time, 'chunk extension too long', true);
          p++;
          continue;
        case C.SIZE_LF:
          if (b !== LF) return this.chunkError(sd, dir, p, start, frame, time, 'CR without LF after chunk size');
          st = this.sizeLineDone(sd);
          p++;
          continue;
        case C.DATA: {
          const avail = end - p;
          const n = avail < sd.remaining ? avail : sd.remaining;
          this.keepBytes(sd, buf, p, n);
          sd.entity += n;
          sd.remaining -= n;
          p += n;
          if (sd.remaining === 0) st = C.DATA_CR;
          continue;
        }
        case C.DATA_CR:
          if (b === CR) st = C.DATA_LF;
          else if (b === LF) { st = C.SIZE; sd.chunkDigits = 0; sd.remaining = 0; }
          else return this.chunkError(sd, dir, p, start, frame, time, 'chunk data not followed by CRLF');
          p++;
          continue;
        case C.DATA_LF:
          if (b !== LF) return this.chunkError(sd, dir, p, start, frame, time, 'chunk data not followed by CRLF');
          st = C.SIZE;
          sd.chunkDigits = 0;
          sd.remaining = 0;
          p++;
          continue;
        case C.TRAILER: {
          // Trailer section: lines until an empty one. Fields are counted, not kept.
          if (b === LF) {
            const empty = sd.lineLen === 0 || (sd.lineLen === 1 && sd.lastCR);
            p++;
            if (empty) {
              sd.chunk = st;
              sd.wire += p - start;
              this.messageDone(sd, dir, frame, time, '');
              return p;
            }
            sd.lines++;
            sd.lineLen = 0;
            if (sd.lines > this.ctx.limits.maxHeaders) return this.chunkError(sd, dir, p, start, frame, time, 'too many trailer fields', true);
            continue;
          }
          sd.lastCR = b === CR;
          if (++sd.lineLen > maxLine || ++sd.trailerLen > this.ctx.limits.maxHeadBytes) {
            return this.chunkError(sd, dir, p, start, frame, time, 'trailer section too long', true);
          }
          p++;
          continue;
        }
      }
    }
    sd.chunk = st;
    sd.wire += p - start;
    return p;
  }

  private sizeLineDone(sd: Side): number {
    if (sd.remaining === 0) {
      sd.lineLen = 0;
      sd.lines = 0;
      sd.lastCR = false;
      sd.trailerLen = 0;
      return C.TRAILER;
    }
    return C.DATA;
  }

  private chunkError(sd: Side, dir: Dir, p: number, start: number, frame: number, time: number, why: string, limit = false): number {
    sd.wire += p - start;
    this.ctx.emit(frame, this.connId, dir, 'HTTP', `chunked body: ${why}; resynchronising`, limit ? Anomaly.app_limit : Anomaly.app_parse_error);
    sd.missing += 1;
    this.messageDone(sd, dir, frame, time, why);
    sd.resetHead();
    sd.state = S.RESYNC;
    sd.synced = false;
    sd.afterLF = false;
    return p;
  }

  /** A message ended (complete when `problem` is ''). */
  private messageDone(sd: Side, dir: Dir, frame: number, time: number, problem: string): void {
    const tx = sd.tx;
    sd.state = S.HEAD;
    sd.synced = problem === '';
    sd.tx = null;
    if (tx === null) return;
    if (problem !== '') tx.note(problem);
    const complete = problem === '' && sd.missing === 0;
    if (!sd.response) {
      tx.requestBodyWire = sd.wire;
      tx.requestBodyEntity = sd.entity;
      tx.requestBodyMissing = sd.missing;
      if (sd.keep !== null && this.ctx.limits.keepBodyBytes > 0) this.keepBody(tx, sd, false);
      this.requestEnded(sd, tx, time, complete);
      if (tx.holdAfterRequest && this.upgraded === null && tx.status === null) {
        tx.holdAfterRequest = false;
        this.startPause(sd);
      }
      sd.keep = null;
      return;
    }
    tx.responseBodyWire = sd.wire;
    tx.responseBodyEntity = sd.entity;
    tx.responseBodyMissing = sd.missing;
    tx.responseEnd = time;
    tx.lastResponseFrame = frame;
    tx.responseComplete = complete;
    const coding = tx.contentEncoding;
    if (coding === '') tx.responseBodyDecoded = sd.entity;
    else if (sd.keep !== null && sd.missing === 0 && this.ctx.decodeFailures >= MAX_DECODE_FAILURES) {
      tx.responseBodyDecoded = -1;
      tx.note(`${coding} body not decoded (${MAX_DECODE_FAILURES} bodies of this capture could not be decoded; decoding stopped)`);
    } else if (sd.keep !== null && sd.missing === 0) {
      const dec = decodeContent(sd.keep.subarray(0, sd.keepLen), codingIndex(coding), this.ctx.limits.maxDecodedBytes);
      tx.responseBodyDecoded = dec === null ? -1 : dec.length;
      if (dec === null && ++this.ctx.decodeFailures === MAX_DECODE_FAILURES) {
        this.ctx.emit(frame, this.connId, dir, 'HTTP', `${MAX_DECODE_FAILURES} bodies could not be decoded; content decoding stopped for the rest of the capture`, Anomaly.app_limit);
      }
      if (dec === null) tx.note(`${coding} body could not be decoded (corrupt, or larger than ${this.ctx.limits.maxDecodedBytes} bytes or ${MAX_DECODE_RATIO} times its size decoded)`);
    } else {
      tx.responseBodyDecoded = -1;
      if (sd.entity > 0) tx.note(`${coding} body not decoded (incomplete or larger than the decode limit)`);
    }
    if (sd.keep !== null && this.ctx.limits.keepBodyBytes > 0) this.keepBody(tx, sd, true);
    sd.keep = null;
    if (this.awaiting.first() === tx) this.awaiting.shift();
    this.ctx.httpEvent(frame, this.connId, dir, tx, null);
    // A non-101 final answer to an Upgrade/CONNECT request: the client side goes on as HTTP.
    const req = this.side(this.reqDir);
    if (req.state === S.PAUSED && this.upgraded === null && tx.status !== 101 && tx.persistence !== 'tunnel') this.resume(req);
  }

  private keepBody(tx: HttpTx, sd: Side, response: boolean): void {
    const lim = this.ctx.limits;
    const n = Math.min(sd.keepLen, lim.keepBodyBytes);
    if (this.ctx.keptBodies + n > lim.keepBodiesTotal) {
      tx.note('body not kept (total body retention limit reached)');
      return;
    }
    this.ctx.keptBodies += n;
    const body = sd.keep!.slice(0, n);
    if (response) {
      tx.responseBody = body;
      if (n < sd.keepLen) tx.responseBodyMissing += sd.keepLen - n;
    } else tx.requestBody = body;
  }

  // ---- Upgrade / CONNECT: holding the client side -------------------------------

  private startPause(sd: Side): void {
    sd.state = S.PAUSED;
    sd.held = new Held();
  }

  private pause(sd: Side, buf: Uint8Array, p: number, end: number, frame: number, time: number): number {
    const max = this.ctx.limits.maxPausedBytes;
    const h = (sd.held ??= new Held());
    const n = Math.min(end - p, max - h.len);
    if (n < end - p) h.lost = true;
    if (n > 0) {
      if (h.buf === null) { h.buf = new Uint8Array(Math.min(max, Math.max(4096, n))); h.frame = frame; h.time = time; }
      if (h.len + n > h.buf.length) {
        const g = new Uint8Array(Math.min(max, Math.max(h.buf.length * 2, h.len + n)));
        g.set(h.buf.subarray(0, h.len));
        h.buf = g;
      }
      h.buf.set(view(buf, p, p + n), h.len);
      h.len += n;
    }
    return end;
  }

  /** The held client bytes go back to the HTTP parser. */
  private resume(req: Side): void {
    const h = req.held;
    req.held = null;
    req.state = S.HEAD;
    req.resetHead();
    if (h !== null && h.buf !== null && h.len > 0) {
      if (h.lost) { req.state = S.RESYNC; req.synced = false; req.candidate = true; }
      this.push(this.reqDir, h.buf, 0, h.len, h.frame, h.time);
    }
  }

  // ---- resynchronisation ---------------------------------------------------------

  /** Skips bytes until a line that starts a message of this direction. */
  private resync(sd: Side, buf: Uint8Array, p: number, end: number, segStart: number): number {
    const plausible = sd.response ? looksLikeResponse : looksLikeRequest;
    if ((sd.candidate && p === segStart) || sd.afterLF) {
      if (plausible(buf, p, end)) return this.resynced(sd, p);
    }
    for (let q = p; q < end - 1; q++) {
      if (buf[q] === LF && plausible(buf, q + 1, end)) return this.resynced(sd, q + 1);
    }
    sd.afterLF = buf[end - 1] === LF;
    return end;
  }

  private resynced(sd: Side, p: number): number {
    sd.state = S.HEAD;
    sd.resetHead();
    sd.afterLF = true;
    return p;
  }
}

function codingIndex(name: string): number {
  return name === 'gzip' ? Coding.gzip : name === 'deflate' ? Coding.deflate : name === 'br' ? Coding.br : Coding.other;
}

/** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(key.trim() + WS_GUID, 'latin1').digest('base64');
}

/**
 * The timeline event of a request or a response. Its text is made when
 * read: 100,000 exchanges keep two small objects each, not two strings.
 */
export class HttpEvent implements AppEvent {
  constructor(
    readonly frameNumber: number,
    readonly connId: number,
    readonly dir: Dir,
    readonly tx: HttpTx,
    /** For a request event: the persistence the request asked for; null for a response event. */
    readonly reqPersistence: string | null,
  ) {}

  get transport(): 'tcp' { return 'tcp'; }
  get proto(): string { return 'HTTP'; }
  get text(): string {
    return this.reqPersistence !== null ? requestText(this.tx, this.reqPersistence) : responseText(this.tx);
  }

  toJSON(): AppEvent {
    return { frameNumber: this.frameNumber, transport: 'tcp', connId: this.connId, dir: this.dir, proto: 'HTTP', text: this.text };
  }
}

/** "GET /index.html HTTP/1.1 (req #2 on conn, keep-alive)". */
export function requestText(tx: HttpTx, persistence = tx.persistence): string {
  const flags = `req #${tx.index} on conn, ${persistence}${tx.pipelined ? ', pipelined' : ''}${tx.upgrade !== '' ? `, upgrade ${safeText(tx.upgrade)}` : ''}`;
  return `${safeText(tx.method)} ${safeText(tx.uri)} ${tx.version} (${flags})`;
}

function fmtMs(seconds: number): string {
  const ms = seconds * 1000;
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** "HTTP/1.1 200 OK text/html 5258 B (server time 12.3 ms)". */
export function responseText(tx: HttpTx): string {
  const notes: string[] = [];
  if (!tx.responseComplete) notes.push('incomplete');
  if (tx.status === null) {
    return `${tx.responseVersion || 'HTTP'} response without status line, ${tx.responseBodyEntity} B${notes.length > 0 ? ' (incomplete)' : ''}`;
  }
  let s = `${tx.responseVersion} ${tx.status}`;
  if (tx.reason !== '') s += ' ' + safeText(tx.reason);
  if (tx.status === 101) {
    s += ` \u2192 ${safeText(tx.upgrade)}`;
    if (tx.wsAcceptOk !== null) s += tx.wsAcceptOk ? ' (Sec-WebSocket-Accept matches)' : ' (Sec-WebSocket-Accept does NOT match the key)';
    return s;
  }
  if (tx.contentType !== '') s += ' ' + safeText(tx.contentType);
  const dec = tx.responseBodyDecoded;
  if (tx.contentEncoding === '') s += ` ${tx.responseBodyEntity} B`;
  else if (dec >= 0) {
    s += ` ${dec} B`;
    notes.unshift(`${tx.contentEncoding} ${tx.responseBodyEntity} B`);
  } else {
    s += ` ${tx.responseBodyEntity} B`;
    notes.unshift(`${tx.contentEncoding}, not decoded`);
  }
  if (tx.responseChunked) notes.push('chunked');
  const st = tx.serverTime;
  if (st !== null) notes.push(`server time ${fmtMs(st)} ms`);
  if (tx.orphanResponse) notes.push('request not seen');
  if (tx.pipelined) notes.push(`req #${tx.index}, pipelined`);
  return notes.length > 0 ? `${s} (${notes.join(', ')})` : s;
}
