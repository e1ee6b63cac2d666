/**
 * One HTTP/1.x request/response exchange (`HttpTransaction`), kept compact:
 * the raw heads live in a shared, capped arena and become header arrays only
 * when someone reads them (the CLI, HAR export, the dashboard); frame lists
 * are a first number plus an array only when a message spans more frames.
 * `toJSON()` gives the plain object, so JSON output sees every field.
 */
import { gunzipSync, inflateRawSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import { SpillArena } from '../../bytes/spill.js';
import type { HttpTransaction } from '../types.js';
import { Coding, headerFields, startLine, text } from './head.js';

/**
 * Raw heads of all transactions, in 256 KiB chunks, up to a global cap. Full
 * chunks go to the spill file (bytes/spill.ts): memory holds about one chunk
 * plus the few read back, however many heads are kept.
 */
export class HeadArena {
  static readonly CHUNK = 256 * 1024;
  /** Heads are parsed from their views at once, never kept as views: chunk memory can be reused. */
  private readonly bytes = new SpillArena(HeadArena.CHUNK, true);
  total = 0;
  /** Heads that were not kept because the cap was reached. */
  dropped = 0;

  constructor(readonly maxBytes: number) {}

  /** Copies buf[s..e); returns a reference (chunk * CHUNK + offset) or -1 when over the cap. */
  add(buf: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (n <= 0 || this.total + n > this.maxBytes) { this.dropped++; return -1; }
    if (n > HeadArena.CHUNK) { this.dropped++; return -1; }
    this.total += n;
    return this.bytes.append(buf, s, n);
  }

  view(ref: number, len: number): Uint8Array {
    return this.bytes.view(ref, len);
  }
}

const CODING_NAMES = ['', 'gzip', 'deflate', 'br', 'identity', 'other'];

/** Where each number of a transaction lies in its slot of a TxStore chunk: doubles (times, byte counts, frames, arena references)… */
const F_REQ_START = 0, F_REQ_END = 1, F_RES_START = 2, F_RES_END = 3, F_REQ_WIRE = 4, F_RES_WIRE = 5, F_REQ_ENTITY = 6,
  F_RES_ENTITY = 7, F_RES_DECODED = 8, F_LAST_RES_FRAME = 9, F_REQ_HEAD_REF = 10, F_RES_HEAD_REF = 11, F_REQ_FRAME0 = 12,
  F_RES_FRAME0 = 13;
const F_STRIDE = 14;
/** …and small integers (bounded by the head size and connection counts). */
const I_CONN_ID = 0, I_INDEX = 1, I_URI_OFF = 2, I_URI_LEN = 3, I_STATUS = 4, I_REQ_HEAD_BYTES = 5, I_RES_HEAD_BYTES = 6,
  I_BITS = 7;
const I_STRIDE = 8;

/**
 * The numbers of all transactions (sizes, frames, times, head references,
 * flags), in fixed-size typed-array chunks. A number in an object field costs
 * the garbage collector (a tagged slot in every transaction it copies and
 * marks, a heap box for a double); here the transaction object keeps only
 * its strings, half its former size, and the chunks are never copied as they
 * fill. NaN (doubles) and -1 (status) stand for null.
 */
export class TxStore {
  static readonly PER_CHUNK = 4096;
  /**
   * The first chunk holds 16 slots, so that a new chunk is first made while
   * `alloc` still collects type feedback: made first at the 4097th
   * transaction, long after `alloc` (inlined into the HTTP parser's
   * callbacks) was optimized, it deoptimized them.
   */
  static readonly FIRST_CHUNK = 16;
  /** The chunks of the slot `alloc` returned last. */
  f64 = new Float64Array(TxStore.FIRST_CHUNK * F_STRIDE);
  i32 = new Int32Array(TxStore.FIRST_CHUNK * I_STRIDE);
  private used = 0;
  /** Slots in the current chunk. */
  private size = TxStore.FIRST_CHUNK;

  constructor(readonly arena: HeadArena) {}

  /** A fresh slot in `f64` and `i32`; returns its index there. */
  alloc(): number {
    if (this.used === this.size) {
      this.size = TxStore.PER_CHUNK;
      this.f64 = new Float64Array(TxStore.PER_CHUNK * F_STRIDE);
      this.i32 = new Int32Array(TxStore.PER_CHUNK * I_STRIDE);
      this.used = 0;
    }
    const slot = this.used++;
    const c = this.f64, o = slot * F_STRIDE;
    c[o + F_REQ_END] = c[o + F_RES_START] = c[o + F_RES_END] = NaN;
    c[o + F_REQ_HEAD_REF] = c[o + F_RES_HEAD_REF] = -1;
    const n = this.i32, k = slot * I_STRIDE;
    n[k + I_STATUS] = n[k + I_REQ_HEAD_BYTES] = n[k + I_RES_HEAD_BYTES] = -1;
    return slot;
  }
}

/** An interim (1xx) response seen before the final one. */
export interface Interim {
  status: number;
  frameNumber: number;
  time: number;
}

/** Flag bits of a transaction (kept in one small integer). */
const B = {
  pipelined: 1, requestComplete: 2, responseComplete: 4, orphanResponse: 8, requestChunked: 16, responseChunked: 32,
  holdAfterRequest: 64,
} as const;

/** Facts most exchanges do not have, kept out of the hot object. */
interface TxExtra {
  interim: Interim[] | null;
  upgrade: string;
  wsKey: string;
  wsAcceptOk: boolean | null;
  notes: string[] | null;
  requestBody: Uint8Array | null;
  responseBody: Uint8Array | null;
  requestBodyMissing: number;
  responseBodyMissing: number;
}

/**
 * One exchange. Hot facts are plain fields; flags share one integer and rare
 * facts live in `x` (created on first use), so 100,000 exchanges stay small.
 */
export class HttpTx implements HttpTransaction {
  method = '';
  host = '';
  /** The URI as a string when the request head is not kept; otherwise read from the head on demand. */
  private uriText = '';
  version = '';
  responseVersion = '';
  reason = '';
  contentType = '';
  /** Content-Encoding of the response ('gzip', 'deflate', 'br', 'other', '' for none). */
  contentEncoding = '';
  persistence = '';
  private x: TxExtra | null = null;
  private reqFramesMore: number[] | null = null;
  private resFramesMore: number[] | null = null;
  /** This transaction's numbers: c[o + F_…] and n[k + I_…] (see TxStore). */
  private readonly c: Float64Array;
  private readonly o: number;
  private readonly n: Int32Array;
  private readonly k: number;

  constructor(connId: number, private readonly store: TxStore) {
    const slot = store.alloc();
    this.c = store.f64;
    this.o = slot * F_STRIDE;
    this.n = store.i32;
    this.k = slot * I_STRIDE;
    this.n[this.k + I_CONN_ID] = connId;
  }

  get connId(): number { return this.n[this.k + I_CONN_ID]!; }
  /** 1-based index of the request on its connection. */
  get index(): number { return this.n[this.k + I_INDEX]!; }
  set index(v: number) { this.n[this.k + I_INDEX] = v; }
  get status(): number | null { const v = this.n[this.k + I_STATUS]!; return v >= 0 ? v : null; }
  set status(v: number | null) { this.n[this.k + I_STATUS] = v ?? -1; }
  get requestBodyWire(): number { return this.c[this.o + F_REQ_WIRE]!; }
  set requestBodyWire(v: number) { this.c[this.o + F_REQ_WIRE] = v; }
  get responseBodyWire(): number { return this.c[this.o + F_RES_WIRE]!; }
  set responseBodyWire(v: number) { this.c[this.o + F_RES_WIRE] = v; }
  /** Body after removing chunked framing (still content-encoded). */
  get requestBodyEntity(): number { return this.c[this.o + F_REQ_ENTITY]!; }
  set requestBodyEntity(v: number) { this.c[this.o + F_REQ_ENTITY] = v; }
  get responseBodyEntity(): number { return this.c[this.o + F_RES_ENTITY]!; }
  set responseBodyEntity(v: number) { this.c[this.o + F_RES_ENTITY] = v; }
  /** Size after content decoding; -1 when it could not be decoded (cap, error, gap). */
  get responseBodyDecoded(): number { return this.c[this.o + F_RES_DECODED]!; }
  set responseBodyDecoded(v: number) { this.c[this.o + F_RES_DECODED] = v; }
  /** Head sizes in bytes including the start line and the empty line (HAR headersSize); -1 when not seen. */
  get requestHeadBytes(): number { return this.n[this.k + I_REQ_HEAD_BYTES]!; }
  set requestHeadBytes(v: number) { this.n[this.k + I_REQ_HEAD_BYTES] = v; }
  get responseHeadBytes(): number { return this.n[this.k + I_RES_HEAD_BYTES]!; }
  set responseHeadBytes(v: number) { this.n[this.k + I_RES_HEAD_BYTES] = v; }
  /** Frame holding the last byte of the response (0 until it ended). */
  get lastResponseFrame(): number { return this.c[this.o + F_LAST_RES_FRAME]!; }
  set lastResponseFrame(v: number) { this.c[this.o + F_LAST_RES_FRAME] = v; }
  /** Raw head references into the arena (-1 = not kept). */
  get reqHeadRef(): number { return this.c[this.o + F_REQ_HEAD_REF]!; }
  set reqHeadRef(v: number) { this.c[this.o + F_REQ_HEAD_REF] = v; }
  get resHeadRef(): number { return this.c[this.o + F_RES_HEAD_REF]!; }
  set resHeadRef(v: number) { this.c[this.o + F_RES_HEAD_REF] = v; }
  private get reqFrame0(): number { return this.c[this.o + F_REQ_FRAME0]!; }
  private get resFrame0(): number { return this.c[this.o + F_RES_FRAME0]!; }

  /** Request target (RFC 9112 §3.2) as sent, decoded as text. */
  get uri(): string {
    const n = this.n, k = this.k;
    const uriLen = n[k + I_URI_LEN]!, ref = this.c[this.o + F_REQ_HEAD_REF]!;
    if (uriLen > 0 && ref >= 0) {
      const uriOff = n[k + I_URI_OFF]!;
      return text(this.store.arena.view(ref, n[k + I_REQ_HEAD_BYTES]!), uriOff, uriOff + uriLen);
    }
    return this.uriText;
  }

  /** Sets the URI from the head bytes: remembered as a position when the head is kept, as a string otherwise. */
  setUri(head: Uint8Array, headStart: number, s: number, e: number): void {
    const n = this.n, k = this.k;
    if (this.c[this.o + F_REQ_HEAD_REF]! >= 0) { n[k + I_URI_OFF] = s - headStart; n[k + I_URI_LEN] = e - s; this.uriText = ''; }
    else { this.uriText = text(head, s, e); n[k + I_URI_LEN] = 0; }
  }

  /** Seconds since the epoch of the first request byte. */
  get requestStart(): number { return this.c[this.o + F_REQ_START]!; }
  set requestStart(v: number) { this.c[this.o + F_REQ_START] = v; }
  /** Last request byte, or null while the request is not complete. */
  get requestEnd(): number | null { const v = this.c[this.o + F_REQ_END]!; return v === v ? v : null; }
  set requestEnd(v: number | null) { this.c[this.o + F_REQ_END] = v ?? NaN; }
  /** First response byte (server time starts the clock here). */
  get responseStart(): number | null { const v = this.c[this.o + F_RES_START]!; return v === v ? v : null; }
  set responseStart(v: number | null) { this.c[this.o + F_RES_START] = v ?? NaN; }
  get responseEnd(): number | null { const v = this.c[this.o + F_RES_END]!; return v === v ? v : null; }
  /** responseEnd !== null, without making a number object for the time. */
  get responseEnded(): boolean { const v = this.c[this.o + F_RES_END]!; return v === v; }
  set responseEnd(v: number | null) { this.c[this.o + F_RES_END] = v ?? NaN; }

  private flag(b: number): boolean { return (this.n[this.k + I_BITS]! & b) !== 0; }
  private setFlag(b: number, v: boolean): void {
    const bits = this.n[this.k + I_BITS]!;
    this.n[this.k + I_BITS] = v ? bits | b : bits & ~b;
  }
  private get extra(): TxExtra {
    return (this.x ??= {
      interim: null, upgrade: '', wsKey: '', wsAcceptOk: null, notes: null, requestBody: null, responseBody: null,
      requestBodyMissing: 0, responseBodyMissing: 0,
    });
  }

  /** Sent before the previous response on the connection was complete (RFC 9112 §9.3.2). */
  get pipelined(): boolean { return this.flag(B.pipelined); }
  set pipelined(v: boolean) { this.setFlag(B.pipelined, v); }
  /** The request / response ended as its framing said (false: connection closed, gap, limit). */
  get requestComplete(): boolean { return this.flag(B.requestComplete); }
  set requestComplete(v: boolean) { this.setFlag(B.requestComplete, v); }
  get responseComplete(): boolean { return this.flag(B.responseComplete); }
  set responseComplete(v: boolean) { this.setFlag(B.responseComplete, v); }
  /** The request was not seen (capture started after it, or it was lost). */
  get orphanResponse(): boolean { return this.flag(B.orphanResponse); }
  set orphanResponse(v: boolean) { this.setFlag(B.orphanResponse, v); }
  get requestChunked(): boolean { return this.flag(B.requestChunked); }
  set requestChunked(v: boolean) { this.setFlag(B.requestChunked, v); }
  get responseChunked(): boolean { return this.flag(B.responseChunked); }
  set responseChunked(v: boolean) { this.setFlag(B.responseChunked, v); }
  /** Internal: the client side waits for the response before sending more (Upgrade/CONNECT with a body). */
  get holdAfterRequest(): boolean { return this.flag(B.holdAfterRequest); }
  set holdAfterRequest(v: boolean) { this.setFlag(B.holdAfterRequest, v); }

  /** 1xx responses before the final one (100 Continue…). */
  get interim(): Interim[] | null { return this.x?.interim ?? null; }
  set interim(v: Interim[] | null) { this.extra.interim = v; }
  /** 'websocket', 'h2c', other protocol name, or ''. */
  get upgrade(): string { return this.x?.upgrade ?? ''; }
  set upgrade(v: string) { this.extra.upgrade = v; }
  /** Sec-WebSocket-Key of the request, when present. */
  get wsKey(): string { return this.x?.wsKey ?? ''; }
  set wsKey(v: string) { this.extra.wsKey = v; }
  /** For WebSocket: whether Sec-WebSocket-Accept matched the key (RFC 6455 §4.2.2), null if not applicable. */
  get wsAcceptOk(): boolean | null { return this.x?.wsAcceptOk ?? null; }
  set wsAcceptOk(v: boolean | null) { this.extra.wsAcceptOk = v; }
  /** Limits and problems met while parsing this exchange, as short texts. */
  get notes(): string[] | null { return this.x?.notes ?? null; }
  /** Bodies kept for display and HAR (content-encoded, de-chunked), when enabled. */
  get requestBody(): Uint8Array | null { return this.x?.requestBody ?? null; }
  set requestBody(v: Uint8Array | null) { this.extra.requestBody = v; }
  get responseBody(): Uint8Array | null { return this.x?.responseBody ?? null; }
  set responseBody(v: Uint8Array | null) { this.extra.responseBody = v; }
  /** Bytes of a body that were missing (gap) or beyond the retention cap. */
  get requestBodyMissing(): number { return this.x?.requestBodyMissing ?? 0; }
  set requestBodyMissing(v: number) { if (v !== 0 || this.x !== null) this.extra.requestBodyMissing = v; }
  get responseBodyMissing(): number { return this.x?.responseBodyMissing ?? 0; }
  set responseBodyMissing(v: number) { if (v !== 0 || this.x !== null) this.extra.responseBodyMissing = v; }

  get requestHeaders(): [string, string][] {
    if (this.reqHeadRef < 0) return [];
    return headerFields(this.store.arena.view(this.reqHeadRef, this.requestHeadBytes), 0, this.requestHeadBytes);
  }

  get responseHeaders(): [string, string][] {
    if (this.resHeadRef < 0) return [];
    return headerFields(this.store.arena.view(this.resHeadRef, this.responseHeadBytes), 0, this.responseHeadBytes);
  }

  /** Request line / status line as sent (not neutralised), or '' when the head was not kept. */
  get requestLine(): string {
    return this.reqHeadRef < 0 ? '' : startLine(this.store.arena.view(this.reqHeadRef, this.requestHeadBytes), 0, this.requestHeadBytes);
  }

  get statusLine(): string {
    return this.resHeadRef < 0 ? '' : startLine(this.store.arena.view(this.resHeadRef, this.responseHeadBytes), 0, this.responseHeadBytes);
  }

  get requestFrames(): number[] {
    if (this.reqFrame0 === 0) return [];
    return this.reqFramesMore === null ? [this.reqFrame0] : [this.reqFrame0, ...this.reqFramesMore];
  }

  get responseFrames(): number[] {
    if (this.resFrame0 === 0) return [];
    return this.resFramesMore === null ? [this.resFrame0] : [this.resFrame0, ...this.resFramesMore];
  }

  /** Records that frame `f` carried bytes of the request (0) or response (1). */
  addFrame(role: 0 | 1, f: number): void {
    const c = this.c, o = this.o;
    if (role === 0) {
      const f0 = c[o + F_REQ_FRAME0]!;
      if (f0 === 0) { c[o + F_REQ_FRAME0] = f; return; }
      const more = this.reqFramesMore;
      if (more === null) { if (f !== f0) this.reqFramesMore = [f]; return; }
      if (more[more.length - 1] !== f && more.length < MAX_FRAMES) more.push(f);
    } else {
      const f0 = c[o + F_RES_FRAME0]!;
      if (f0 === 0) { c[o + F_RES_FRAME0] = f; return; }
      const more = this.resFramesMore;
      if (more === null) { if (f !== f0) this.resFramesMore = [f]; return; }
      if (more[more.length - 1] !== f && more.length < MAX_FRAMES) more.push(f);
    }
  }

  get firstRequestFrame(): number { return this.reqFrame0; }
  get firstResponseFrame(): number { return this.resFrame0; }

  note(s: string): void {
    (this.extra.notes ??= []).push(s);
  }

  /** Server time in seconds: first response byte minus last request byte (or request start). */
  get serverTime(): number | null {
    if (this.responseStart === null || this.orphanResponse) return null;
    return this.responseStart - (this.requestEnd ?? this.requestStart);
  }

  /**
   * The response body with its content coding removed, for display and HAR.
   * Null when the body was not kept, was incomplete, or could not be decoded.
   * Output is bounded by `maxOutput` bytes.
   */
  decodedBody(maxOutput = DEFAULT_MAX_DECODED): Uint8Array | null {
    const body = this.responseBody;
    if (body === null || this.responseBodyMissing > 0) return null;
    return decodeContent(body, CODING_NAMES.indexOf(this.contentEncoding), maxOutput);
  }

  toJSON(): Record<string, unknown> {
    return {
      connId: this.connId, index: this.index, pipelined: this.pipelined,
      method: this.method, host: this.host, uri: this.uri, version: this.version,
      responseVersion: this.responseVersion, status: this.status, reason: this.reason,
      contentType: this.contentType, contentEncoding: this.contentEncoding,
      requestHeaders: this.requestHeaders, responseHeaders: this.responseHeaders,
      requestBodyWire: this.requestBodyWire, requestBodyEntity: this.requestBodyEntity,
      responseBodyWire: this.responseBodyWire, responseBodyEntity: this.responseBodyEntity,
      responseBodyDecoded: this.responseBodyDecoded,
      persistence: this.persistence, requestFrames: this.requestFrames, responseFrames: this.responseFrames,
      requestStart: this.requestStart, requestEnd: this.requestEnd,
      responseStart: this.responseStart, responseEnd: this.responseEnd,
      serverTime: this.serverTime,
      requestComplete: this.requestComplete, responseComplete: this.responseComplete,
      requestChunked: this.requestChunked, responseChunked: this.responseChunked,
      interim: this.interim, upgrade: this.upgrade, wsAcceptOk: this.wsAcceptOk,
      orphanResponse: this.orphanResponse, notes: this.notes,
    };
  }
}

const MAX_FRAMES = 100_000;
export const DEFAULT_MAX_DECODED = 16 * 1024 * 1024;

/**
 * Largest expansion decoded: DEFLATE (gzip, deflate) cannot exceed 1032:1
 * (a 258-byte match per ≥ 2 bits), so it never cuts those; brotli can go far
 * beyond (106 bytes claim 64 MiB of zeros), and a capture of such bodies
 * would cost about a second of CPU per kilobyte read. The fixed slack leaves
 * small bodies alone.
 */
export const MAX_DECODE_RATIO = 1032;
const DECODE_SLACK = 64 * 1024;

/**
 * Removes a content coding (RFC 9110 §8.4.1) with node:zlib, never producing
 * more than `maxOutput` bytes nor more than MAX_DECODE_RATIO × the input
 * (plus 64 KiB): the work stays proportional to the bytes captured.
 */
export function decodeContent(body: Uint8Array, coding: number, maxOutput: number): Uint8Array | null {
  const opts = { maxOutputLength: Math.min(maxOutput, body.length * MAX_DECODE_RATIO + DECODE_SLACK) };
  try {
    switch (coding) {
      case Coding.none:
      case Coding.identity:
        return body;
      case Coding.gzip:
        return gunzipSync(body, opts);
      case Coding.deflate:
        // "deflate" is the zlib format (RFC 9110 §8.4.1.2), but some servers send raw DEFLATE.
        try { return inflateSync(body, opts); } catch { return inflateRawSync(body, opts); }
      case Coding.br:
        return brotliDecompressSync(body, opts);
      default:
        return null;
    }
  } catch {
    return null;
  }
}

export function codingName(c: number): string {
  return c === Coding.none || c === Coding.identity ? '' : CODING_NAMES[c] ?? 'other';
}
