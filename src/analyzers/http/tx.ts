/**
 * One HTTP/1.x request/response exchange (`HttpTransaction`), kept compact:
 * the raw heads live in a shared, capped arena and become header arrays only
 * when someone reads them (the CLI, HAR export, the dashboard); frame lists
 * are a first number plus an array only when a message spans more frames.
 * `toJSON()` gives the plain object, so JSON output sees every field.
 */
import { gunzipSync, inflateRawSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import type { HttpTransaction } from '../types.js';
import { Coding, headerFields, startLine, text } from './head.js';

/** Raw heads of all transactions, in 256 KiB chunks, up to a global cap. */
export class HeadArena {
  private chunks: Uint8Array[] = [];
  private used = 0;
  total = 0;
  /** Heads that were not kept because the cap was reached. */
  dropped = 0;
  static readonly CHUNK = 256 * 1024;

  constructor(readonly maxBytes: number) {}

  /** Copies buf[s..e); returns a reference (chunk * CHUNK + offset) or -1 when over the cap. */
  add(buf: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (n <= 0 || this.total + n > this.maxBytes) { this.dropped++; return -1; }
    if (n > HeadArena.CHUNK) { this.dropped++; return -1; }
    let c = this.chunks[this.chunks.length - 1];
    if (c === undefined || this.used + n > c.length) {
      c = new Uint8Array(HeadArena.CHUNK);
      this.chunks.push(c);
      this.used = 0;
    }
    c.set(new Uint8Array(buf.buffer, buf.byteOffset + s, n), this.used);
    const ref = (this.chunks.length - 1) * HeadArena.CHUNK + this.used;
    this.used += n;
    this.total += n;
    return ref;
  }

  view(ref: number, len: number): Uint8Array {
    const c = this.chunks[Math.floor(ref / HeadArena.CHUNK)]!;
    const o = ref % HeadArena.CHUNK;
    return c.subarray(o, o + len);
  }
}

const CODING_NAMES = ['', 'gzip', 'deflate', 'br', 'identity', 'other'];

/**
 * Times of all transactions in one Float64Array (4 per transaction): a
 * double in an object field is a separate heap box in V8, and 100,000
 * transactions would mean 400,000 of them for the garbage collector.
 */
export class TxTimes {
  t = new Float64Array(4 * 1024);
  next = 0;
  alloc(): number {
    const id = this.next++;
    if ((id + 1) * 4 > this.t.length) {
      const g = new Float64Array(this.t.length * 2);
      g.set(this.t);
      this.t = g;
    }
    const o = id * 4;
    this.t[o] = 0;
    this.t[o + 1] = NaN;
    this.t[o + 2] = NaN;
    this.t[o + 3] = NaN;
    return id;
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
  index = 0;
  method = '';
  host = '';
  /** The URI as a string when the request head is not kept; otherwise read from the head on demand. */
  private uriText = '';
  /** Where the URI lies in the kept request head. */
  private uriOff = 0;
  private uriLen = 0;
  version = '';
  responseVersion = '';
  status: number | null = null;
  reason = '';
  contentType = '';
  /** Content-Encoding of the response ('gzip', 'deflate', 'br', 'other', '' for none). */
  contentEncoding = '';
  requestBodyWire = 0;
  responseBodyWire = 0;
  /** Body after removing chunked framing (still content-encoded). */
  requestBodyEntity = 0;
  responseBodyEntity = 0;
  /** Size after content decoding; -1 when it could not be decoded (cap, error, gap). */
  responseBodyDecoded = 0;
  persistence = '';
  /** Head sizes in bytes including the start line and the empty line (HAR headersSize). */
  requestHeadBytes = -1;
  responseHeadBytes = -1;
  /** Frame holding the last byte of the response (0 until it ended). */
  lastResponseFrame = 0;
  /** Raw head references into the arena (-1 = not kept). */
  reqHeadRef = -1;
  resHeadRef = -1;
  private bits = 0;
  private x: TxExtra | null = null;
  private reqFrame0 = 0;
  private reqFramesMore: number[] | null = null;
  private resFrame0 = 0;
  private resFramesMore: number[] | null = null;

  private readonly tid: number;

  constructor(readonly connId: number, private readonly arena: HeadArena, private readonly times: TxTimes) {
    this.tid = times.alloc() * 4;
  }

  /** Request target (RFC 9112 §3.2) as sent, decoded as text. */
  get uri(): string {
    return this.uriLen > 0 && this.reqHeadRef >= 0
      ? text(this.arena.view(this.reqHeadRef, this.requestHeadBytes), this.uriOff, this.uriOff + this.uriLen)
      : this.uriText;
  }

  /** Sets the URI from the head bytes: remembered as a position when the head is kept, as a string otherwise. */
  setUri(head: Uint8Array, headStart: number, s: number, e: number): void {
    if (this.reqHeadRef >= 0) { this.uriOff = s - headStart; this.uriLen = e - s; this.uriText = ''; }
    else { this.uriText = text(head, s, e); this.uriLen = 0; }
  }

  /** Seconds since the epoch of the first request byte. */
  get requestStart(): number { return this.times.t[this.tid]!; }
  set requestStart(v: number) { this.times.t[this.tid] = v; }
  /** Last request byte, or null while the request is not complete. */
  get requestEnd(): number | null { const v = this.times.t[this.tid + 1]!; return v === v ? v : null; }
  set requestEnd(v: number | null) { this.times.t[this.tid + 1] = v ?? NaN; }
  /** First response byte (server time starts the clock here). */
  get responseStart(): number | null { const v = this.times.t[this.tid + 2]!; return v === v ? v : null; }
  set responseStart(v: number | null) { this.times.t[this.tid + 2] = v ?? NaN; }
  get responseEnd(): number | null { const v = this.times.t[this.tid + 3]!; return v === v ? v : null; }
  set responseEnd(v: number | null) { this.times.t[this.tid + 3] = v ?? NaN; }

  private flag(b: number): boolean { return (this.bits & b) !== 0; }
  private setFlag(b: number, v: boolean): void { this.bits = v ? this.bits | b : this.bits & ~b; }
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
    return headerFields(this.arena.view(this.reqHeadRef, this.requestHeadBytes), 0, this.requestHeadBytes);
  }

  get responseHeaders(): [string, string][] {
    if (this.resHeadRef < 0) return [];
    return headerFields(this.arena.view(this.resHeadRef, this.responseHeadBytes), 0, this.responseHeadBytes);
  }

  /** Request line / status line as sent (not neutralised), or '' when the head was not kept. */
  get requestLine(): string {
    return this.reqHeadRef < 0 ? '' : startLine(this.arena.view(this.reqHeadRef, this.requestHeadBytes), 0, this.requestHeadBytes);
  }

  get statusLine(): string {
    return this.resHeadRef < 0 ? '' : startLine(this.arena.view(this.resHeadRef, this.responseHeadBytes), 0, this.responseHeadBytes);
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
    if (role === 0) {
      if (this.reqFrame0 === 0) { this.reqFrame0 = f; return; }
      const more = this.reqFramesMore;
      if (more === null) { if (f !== this.reqFrame0) this.reqFramesMore = [f]; return; }
      if (more[more.length - 1] !== f && more.length < MAX_FRAMES) more.push(f);
    } else {
      if (this.resFrame0 === 0) { this.resFrame0 = f; return; }
      const more = this.resFramesMore;
      if (more === null) { if (f !== this.resFrame0) this.resFramesMore = [f]; return; }
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
