/**
 * One HTTP/1.x request/response exchange (`HttpTransaction`), kept compact:
 * the raw heads live in a shared, capped arena and become header arrays only
 * when someone reads them (the CLI, HAR export, the dashboard); frame lists
 * are a first number plus an array only when a message spans more frames.
 * `toJSON()` gives the plain object, so JSON output sees every field.
 */
import { gunzipSync, inflateRawSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import type { HttpTransaction } from '../types.js';
import { Coding, headerFields, startLine } from './head.js';

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
    c.set(buf.subarray(s, e), this.used);
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

/** An interim (1xx) response seen before the final one. */
export interface Interim {
  status: number;
  frameNumber: number;
  time: number;
}

export class HttpTx implements HttpTransaction {
  index = 0;
  pipelined = false;
  method = '';
  host = '';
  uri = '';
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
  requestStart = 0;
  requestEnd: number | null = null;
  responseStart: number | null = null;
  responseEnd: number | null = null;
  requestChunked = false;
  responseChunked = false;
  /** Head sizes in bytes including the start line and the empty line (HAR headersSize). */
  requestHeadBytes = -1;
  responseHeadBytes = -1;
  /** 1xx responses before the final one (100 Continue…). */
  interim: Interim[] | null = null;
  /** 'websocket', 'h2c', other protocol name, or ''. */
  upgrade = '';
  /** For WebSocket: whether Sec-WebSocket-Accept matched the key (RFC 6455 §4.2.2), null if not applicable. */
  wsAcceptOk: boolean | null = null;
  /** The request was not seen (capture started after it, or it was lost). */
  orphanResponse = false;
  /** The request / response ended before its framing said (connection closed, gap, limit). */
  requestComplete = false;
  responseComplete = false;
  /** Limits and problems met while parsing this exchange, as short safe texts. */
  notes: string[] | null = null;
  /** Bodies kept for display and HAR (content-encoded, de-chunked), when enabled. */
  requestBody: Uint8Array | null = null;
  responseBody: Uint8Array | null = null;
  /** Bytes of a body that were missing (gap) or beyond the retention cap. */
  requestBodyMissing = 0;
  responseBodyMissing = 0;

  /** Sec-WebSocket-Key of the request, when present. */
  wsKey = '';
  /** Internal: the client side waits for the response before sending more (Upgrade/CONNECT with a body). */
  holdAfterRequest = false;
  /** Frame holding the last byte of the response (0 until it ended). */
  lastResponseFrame = 0;

  /** Raw head references into the arena (-1 = not kept). */
  reqHeadRef = -1;
  resHeadRef = -1;
  private reqFrame0 = 0;
  private reqFramesMore: number[] | null = null;
  private resFrame0 = 0;
  private resFramesMore: number[] | null = null;

  constructor(readonly connId: number, private readonly arena: HeadArena) {}

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

  /** Records that frame `f` carried bytes of the request (dir 0) or response (dir 1). */
  addFrame(dir: 0 | 1, f: number): void {
    if (dir === 0) {
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
    (this.notes ??= []).push(s);
  }

  /** Server time in seconds: first response byte minus last request byte (or request start). */
  get serverTime(): number | null {
    if (this.responseStart === null) return null;
    const from = this.requestEnd ?? this.requestStart;
    if (this.orphanResponse) return null;
    return this.responseStart - from;
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
      interim: this.interim, upgrade: this.upgrade, wsAcceptOk: this.wsAcceptOk,
      orphanResponse: this.orphanResponse, notes: this.notes,
    };
  }
}

const MAX_FRAMES = 100_000;
export const DEFAULT_MAX_DECODED = 16 * 1024 * 1024;

/** Removes a content coding (RFC 9110 §8.4.1) with node:zlib, never producing more than `maxOutput` bytes. */
export function decodeContent(body: Uint8Array, coding: number, maxOutput: number): Uint8Array | null {
  const opts = { maxOutputLength: maxOutput };
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
