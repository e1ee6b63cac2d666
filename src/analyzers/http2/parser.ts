/**
 * HTTP/2 over cleartext TCP (h2c) as a push parser (RFC 9113), fed with
 * in-order reassembled bytes of one connection.
 *
 * - Client direction: the 24-byte connection preface (§3.4), then frames.
 *   Server direction: frames from the first byte.
 * - Frame header (§4.1): 24-bit length, type, flags, 31-bit stream id. Any
 *   length up to 2^24-1 is framed correctly; payload bytes are kept only for
 *   the frames we read (control frames up to 16 KiB, header blocks up to
 *   256 KiB); DATA is counted, never buffered.
 * - Header blocks: HEADERS / PUSH_PROMISE + CONTINUATION (§6.10) are joined,
 *   then decoded by hpack.js, one decompressor per direction because each
 *   side's encoder has its own dynamic table (RFC 7541 §2.2). A decoding
 *   error leaves the dynamic tables out of step for good: headers are no
 *   longer decoded on that connection (said once, with app_parse_error),
 *   framing goes on.
 * - Violations of §6's per-type rules (SETTINGS length not a multiple of 6,
 *   DATA on stream 0, …) are reported on the frame's event and parsing goes on.
 * - After a gap the direction waits for a push that starts with a plausible
 *   frame header; its header blocks can no longer be decoded (HPACK state lost).
 */
import { createRequire } from 'node:module';
import type hpackModule from 'hpack.js';
import type { Decompressor } from 'hpack.js';
import { safeAgain, safeText } from '../../bytes/safe-text.js';
import { Anomaly } from '../../decode/anomalies.js';
import type { Dir } from '../../flow/hooks.js';
import type { AppEvent } from '../types.js';
import {
  errorCodeName, Flag, FRAME_HEADER_LEN, FrameType, frameTypeName, H2_PREFACE, OFF_FLAGS, OFF_LENGTH, OFF_STREAM, OFF_TYPE,
  settingName,
} from './frames.js';

/** hpack.js, loaded by the first HTTP/2 connection (loading it costs about 4 MB of memory and start-up time). */
let hpackLib: typeof hpackModule | undefined;
function hpack(): typeof hpackModule {
  return (hpackLib ??= createRequire(import.meta.url)('hpack.js') as typeof hpackModule);
}

export { H2_PREFACE } from './frames.js';

/** Bytes kept of a control frame's payload (GOAWAY debug data beyond this is skipped). */
export const MAX_CONTROL_PAYLOAD = 16 * 1024;
/** Largest header block (HEADERS/PUSH_PROMISE + CONTINUATION) decoded. */
export const MAX_HEADER_BLOCK = 256 * 1024;
/** Streams tracked per connection; later streams still get events. */
export const MAX_STREAMS = 10_000;
/** HPACK dynamic table limit accepted (a size update above it is a decoding error). */
export const HPACK_TABLE_MAX = 64 * 1024;
/** Header fields kept per message. */
const MAX_HEADERS_KEPT = 100;
/** Largest frame a peer may send before SETTINGS_MAX_FRAME_SIZE is raised (§4.2); used only to judge resync points. */
const DEFAULT_MAX_FRAME = 16384;

export interface H2Stream {
  id: number;
  method: string;
  authority: string;
  path: string;
  scheme: string;
  status: number | null;
  contentType: string;
  /** Created by PUSH_PROMISE (server push). */
  pushed: boolean;
  /** Request carried by the HTTP/1.1 Upgrade (RFC 7540 §3.2): stream 1. */
  upgraded: boolean;
  /** Frames on this stream, both directions. */
  frames: number;
  firstFrame: number;
  lastFrame: number;
  requestTime: number;
  responseTime: number | null;
  /** DATA payload bytes (padding excluded) and DATA frames, per direction. */
  dataBytes: [number, number];
  dataFrames: [number, number];
  endStream: [boolean, boolean];
  /** RST_STREAM error name, or ''. */
  reset: string;
  requestHeaders: [string, string][];
  responseHeaders: [string, string][];
}

export interface Http2Options {
  /** Called for every frame header (tests and the timeline): type, flags, stream id, payload length. */
  onFrame?: (dir: Dir, type: number, flags: number, streamId: number, length: number, frameNumber: number) => void;
}

class Direction {
  /** Client only: bytes of the preface matched so far; -1 once done (or for the server). */
  preface: number;
  readonly hdr = new Uint8Array(FRAME_HEADER_LEN);
  hdrHave = 0;
  type = 0;
  flags = 0;
  streamId = 0;
  length = 0;
  /** Payload bytes consumed of the current frame, and how many of them are kept in `scratch`. */
  have = 0;
  keep = 0;
  scratch: Uint8Array = new Uint8Array(0);
  /** Header block being assembled (HEADERS or PUSH_PROMISE waiting for CONTINUATION). */
  blockStream = -1;
  blockType = 0;
  blockEndStream = false;
  blockPromised = 0;
  blockChunks: Uint8Array[] = [];
  blockLen = 0;
  decomp: Decompressor | null = null;
  hpackError = '';
  dead = false;
  resync = false;
  constructor(dir: Dir) { this.preface = dir === 0 ? 0 : -1; }
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Latin-1 text from HPACK (one char per byte) → UTF-8 where valid → neutralised. */
function display(s: string): string {
  if (!/[\u0080-\u00ff]/.test(s)) return safeText(s);
  return safeText(Buffer.from(s, 'latin1').toString('utf8'));
}

export class Http2Parser {
  readonly streams: H2Stream[] = [];
  private readonly byId = new Map<number, H2Stream>();
  private readonly dirs: [Direction, Direction] = [new Direction(0), new Direction(1)];
  /** Header decoding stopped for the whole connection (HPACK error or lost state). */
  private hpackBroken = false;
  private streamLimitSaid = false;
  private gapNote = false;
  private time = 0;

  constructor(readonly connId: number, private readonly emitFn: (ev: AppEvent) => void, private readonly opts: Http2Options = {}) {}

  /**
   * h2c by Upgrade (RFC 7540 §3.2): the HTTP/1.1 request that asked for the
   * upgrade becomes stream 1, half-closed from the client; the response comes
   * as HTTP/2 frames on stream 1. Call before pushing the bytes after the 101.
   */
  upgradeRequest(req: { method: string; authority: string; path: string; frameNumber: number; time: number }): void {
    const s = this.stream(1, req.frameNumber);
    if (!s) return;
    s.upgraded = true;
    s.method = safeText(req.method);
    s.authority = safeText(req.authority);
    s.path = safeText(req.path);
    s.requestTime = req.time;
    s.endStream[0] = true;
  }

  label(): string {
    const first = this.streams.find((s) => s.authority);
    return first ? `HTTP2 h2c ${safeAgain(first.authority)}` : 'HTTP2 h2c';
  }

  push(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number): void {
    const d = this.dirs[dir];
    if (d.dead || length <= 0) return;
    this.time = time;
    if (this.gapNote) {
      this.gapNote = false;
      this.emit(dir, frameNumber, 'HTTP/2 header compression state lost in a gap: header blocks no longer decoded on this connection', Anomaly.app_parse_error);
    }
    let p = offset;
    const end = offset + length;
    if (d.resync) {
      if (!this.plausibleFrame(buf, p, end)) return;
      d.resync = false;
    }
    if (d.preface >= 0) {
      while (p < end && d.preface < H2_PREFACE.length) {
        if (buf[p] !== H2_PREFACE[d.preface]) {
          d.dead = true;
          this.emit(dir, frameNumber, 'No HTTP/2 connection preface; client direction not parsed', Anomaly.app_parse_error);
          return;
        }
        p++;
        d.preface++;
      }
      if (d.preface < H2_PREFACE.length) return;
      d.preface = -1;
      this.emit(dir, frameNumber, 'Connection preface (PRI * HTTP/2.0)');
    }
    while (p < end) {
      if (d.hdrHave < FRAME_HEADER_LEN) {
        // Fast path: a whole frame inside this push is read in place.
        if (d.hdrHave === 0 && end - p >= FRAME_HEADER_LEN) {
          const len = (buf[p + OFF_LENGTH]! << 16) | (buf[p + OFF_LENGTH + 1]! << 8) | buf[p + OFF_LENGTH + 2]!;
          if (end - p - FRAME_HEADER_LEN >= len) {
            const type = buf[p + OFF_TYPE]!;
            const keep = keepBytes(type, len);
            this.frame(dir, type, buf[p + OFF_FLAGS]!, u32(buf, p + OFF_STREAM) & 0x7fffffff, len, buf, p + FRAME_HEADER_LEN, keep, frameNumber);
            p += FRAME_HEADER_LEN + len;
            continue;
          }
        }
        const take = Math.min(FRAME_HEADER_LEN - d.hdrHave, end - p);
        for (let i = 0; i < take; i++) d.hdr[d.hdrHave + i] = buf[p + i]!;
        d.hdrHave += take;
        p += take;
        if (d.hdrHave < FRAME_HEADER_LEN) return;
        const h = d.hdr;
        d.length = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
        d.type = h[OFF_TYPE]!;
        d.flags = h[OFF_FLAGS]!;
        d.streamId = u32(h, OFF_STREAM) & 0x7fffffff;
        d.have = 0;
        d.keep = keepBytes(d.type, d.length);
        if (d.scratch.length < d.keep) d.scratch = new Uint8Array(Math.max(d.keep, Math.min(2 * d.scratch.length, MAX_HEADER_BLOCK)));
        if (d.length === 0) { this.frameDone(dir, d, frameNumber); continue; }
      }
      const take = Math.min(d.length - d.have, end - p);
      if (d.have < d.keep) {
        const k = Math.min(take, d.keep - d.have);
        d.scratch.set(buf.subarray(p, p + k), d.have);
      }
      d.have += take;
      p += take;
      if (d.have === d.length) this.frameDone(dir, d, frameNumber);
    }
  }

  /** Bytes are missing in `dir`: framing resumes at the next push that starts with a plausible frame header. */
  gap(dir: Dir): void {
    const d = this.dirs[dir];
    if (d.dead) return;
    if (d.preface >= 0) { d.dead = true; return; }
    d.hdrHave = 0;
    d.have = 0;
    d.blockStream = -1;
    d.blockChunks = [];
    d.resync = true;
    // Said on the next push, which has a frame number to put it on.
    if (!this.hpackBroken) { this.hpackBroken = true; this.gapNote = true; }
  }

  private plausibleFrame(b: Uint8Array, p: number, end: number): boolean {
    if (end - p < FRAME_HEADER_LEN) return false;
    const len = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
    const type = b[p + OFF_TYPE]!;
    const sid = u32(b, p + OFF_STREAM);
    if (sid & 0x80000000 || type > FrameType.CONTINUATION || len > DEFAULT_MAX_FRAME) return false;
    const control = type === FrameType.SETTINGS || type === FrameType.PING || type === FrameType.GOAWAY;
    return control ? sid === 0 : type === FrameType.WINDOW_UPDATE || sid !== 0;
  }

  private frameDone(dir: Dir, d: Direction, frameNumber: number): void {
    d.hdrHave = 0;
    this.frame(dir, d.type, d.flags, d.streamId, d.length, d.scratch, 0, d.keep, frameNumber);
  }

  private emit(dir: Dir, frameNumber: number, text: string, anomaly?: AppEvent['anomaly']): void {
    const ev: AppEvent = { frameNumber, transport: 'tcp', connId: this.connId, dir, proto: 'HTTP2', text };
    if (anomaly !== undefined) ev.anomaly = anomaly;
    this.emitFn(ev);
  }

  private stream(id: number, frameNumber: number): H2Stream | null {
    let s = this.byId.get(id);
    if (s) return s;
    if (this.byId.size >= MAX_STREAMS) {
      if (!this.streamLimitSaid) {
        this.streamLimitSaid = true;
        this.emit(0, frameNumber, `More than ${MAX_STREAMS} HTTP/2 streams: later streams not tracked`, Anomaly.app_limit);
      }
      return null;
    }
    s = {
      id, method: '', authority: '', path: '', scheme: '', status: null, contentType: '', pushed: false, upgraded: false,
      frames: 0, firstFrame: frameNumber, lastFrame: frameNumber, requestTime: this.time, responseTime: null,
      dataBytes: [0, 0], dataFrames: [0, 0], endStream: [false, false], reset: '', requestHeaders: [], responseHeaders: [],
    };
    this.byId.set(id, s);
    this.streams.push(s);
    return s;
  }

  /**
   * One frame. `b[o .. o+kept)` holds the first `kept` payload bytes (all of
   * them unless the frame is over our caps); `length` is the real length.
   */
  private frame(dir: Dir, type: number, flags: number, sid: number, length: number, b: Uint8Array, o: number, kept: number, frameNumber: number): void {
    this.opts.onFrame?.(dir, type, flags, sid, length, frameNumber);
    const d = this.dirs[dir];
    let s: H2Stream | null = null;
    if (sid !== 0) {
      s = this.stream(sid, frameNumber);
      if (s) { s.frames++; s.lastFrame = frameNumber; }
    }
    // §6.10: a header block must be followed only by its CONTINUATION frames.
    if (d.blockStream >= 0 && (type !== FrameType.CONTINUATION || sid !== d.blockStream)) {
      this.breakHpack(dir, frameNumber, `${frameTypeName(type)} on stream ${sid} interrupts the header block of stream ${d.blockStream}`);
      d.blockStream = -1;
      d.blockChunks = [];
    }
    const name = frameTypeName(type);
    const onStream = `${name} stream ${sid}`;
    // §6: which frames belong to stream 0 and which never do.
    const connectionOnly = type === FrameType.SETTINGS || type === FrameType.PING || type === FrameType.GOAWAY;
    const streamOnly = type <= FrameType.CONTINUATION && !connectionOnly && type !== FrameType.WINDOW_UPDATE;
    if ((connectionOnly && sid !== 0) || (streamOnly && sid === 0)) {
      this.emit(dir, frameNumber, `${onStream} (${connectionOnly ? 'must be on stream 0' : 'must not be on stream 0'}, RFC 9113 §6)`, Anomaly.app_parse_error);
      return;
    }
    switch (type) {
      case FrameType.DATA: {
        const padded = (flags & Flag.PADDED) !== 0;
        const pad = padded && kept >= 1 ? b[o]! : 0;
        const dataLen = length - (padded ? 1 + pad : 0);
        if (dataLen < 0) { this.emit(dir, frameNumber, `${onStream}: padding longer than the frame`, Anomaly.app_parse_error); return; }
        const end = (flags & Flag.END_STREAM) !== 0;
        if (s) { s.dataBytes[dir] += dataLen; s.dataFrames[dir]++; if (end) s.endStream[dir] = true; }
        this.emit(dir, frameNumber, `${onStream}: ${dataLen} bytes${end ? ', END_STREAM' : ''}`);
        return;
      }
      case FrameType.HEADERS:
      case FrameType.PUSH_PROMISE: {
        let p = o;
        let pad = 0;
        if (flags & Flag.PADDED) { pad = length >= 1 ? b[p]! : 0; p += 1; }
        let promised = 0;
        if (type === FrameType.HEADERS && flags & Flag.PRIORITY) p += 5;
        if (type === FrameType.PUSH_PROMISE) { if (length - (p - o) >= 4) promised = u32(b, p) & 0x7fffffff; p += 4; }
        const fragEnd = o + length - pad;
        if (fragEnd < p) { this.emit(dir, frameNumber, `${onStream}: padding or fields longer than the frame`, Anomaly.app_parse_error); return; }
        d.blockType = type;
        d.blockEndStream = type === FrameType.HEADERS && (flags & Flag.END_STREAM) !== 0;
        d.blockPromised = promised;
        d.blockChunks = [];
        d.blockLen = 0;
        if (kept < length) {
          this.breakHpack(dir, frameNumber, `header block of ${length} bytes over the ${MAX_HEADER_BLOCK}-byte limit`, Anomaly.app_limit);
        } else if (!(flags & Flag.END_HEADERS)) {
          d.blockStream = sid;
          d.blockChunks.push(b.slice(p, fragEnd)); // copy: the frame's bytes do not outlive this call
          d.blockLen = fragEnd - p;
          this.emit(dir, frameNumber, `${onStream}: header block continues`);
          return;
        }
        this.headerBlock(dir, sid, s, b, p, kept < length ? 0 : fragEnd - p, frameNumber, name);
        return;
      }
      case FrameType.CONTINUATION: {
        if (d.blockStream !== sid) {
          this.emit(dir, frameNumber, `${onStream} without a preceding HEADERS`, Anomaly.app_parse_error);
          return;
        }
        if (kept < length || d.blockLen + length > MAX_HEADER_BLOCK) {
          d.blockStream = -1;
          d.blockChunks = [];
          this.breakHpack(dir, frameNumber, `header block over the ${MAX_HEADER_BLOCK}-byte limit`, Anomaly.app_limit);
          this.emit(dir, frameNumber, `${onStream}: header block not decoded`);
          return;
        }
        if (!(flags & Flag.END_HEADERS)) {
          d.blockChunks.push(b.slice(o, o + length));
          d.blockLen += length;
          this.emit(dir, frameNumber, `${onStream}: header block continues`);
          return;
        }
        const block = new Uint8Array(d.blockLen + length);
        let at = 0;
        for (const c of d.blockChunks) { block.set(c, at); at += c.length; }
        block.set(b.subarray(o, o + length), at);
        d.blockStream = -1;
        d.blockChunks = [];
        this.headerBlock(dir, sid, s, block, 0, block.length, frameNumber, name);
        return;
      }
      case FrameType.SETTINGS: {
        if (flags & Flag.ACK) {
          this.emit(dir, frameNumber, length === 0 ? 'SETTINGS ACK' : `SETTINGS ACK with ${length} payload bytes (FRAME_SIZE_ERROR)`, length ? Anomaly.app_parse_error : undefined);
          return;
        }
        if (length % 6 !== 0) { this.emit(dir, frameNumber, `SETTINGS length ${length} is not a multiple of 6 (FRAME_SIZE_ERROR)`, Anomaly.app_parse_error); return; }
        const parts: string[] = [];
        for (let p = o; p + 6 <= o + kept; p += 6) parts.push(`${settingName((b[p]! << 8) | b[p + 1]!)}=${u32(b, p + 2)}`);
        this.emit(dir, frameNumber, parts.length ? `SETTINGS ${parts.join(', ')}` : 'SETTINGS (defaults)');
        return;
      }
      case FrameType.PING:
        if (length !== 8) { this.emit(dir, frameNumber, `PING length ${length} (must be 8)`, Anomaly.app_parse_error); return; }
        this.emit(dir, frameNumber, flags & Flag.ACK ? 'PING ACK' : 'PING');
        return;
      case FrameType.GOAWAY: {
        if (length < 8) { this.emit(dir, frameNumber, `GOAWAY length ${length} (at least 8)`, Anomaly.app_parse_error); return; }
        const last = u32(b, o) & 0x7fffffff;
        let text = `GOAWAY last stream ${last}: ${errorCodeName(u32(b, o + 4))}`;
        const debugLen = Math.min(kept, length) - 8;
        if (debugLen > 0) text += ` "${safeText(Buffer.from(b.buffer, b.byteOffset + o + 8, Math.min(debugLen, 120)).toString('latin1'))}"`;
        this.emit(dir, frameNumber, text);
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        if (length !== 4) { this.emit(dir, frameNumber, `WINDOW_UPDATE length ${length} (must be 4)`, Anomaly.app_parse_error); return; }
        const inc = u32(b, o) & 0x7fffffff;
        this.emit(dir, frameNumber, sid === 0 ? `WINDOW_UPDATE connection +${inc}` : `${onStream}: +${inc}`);
        return;
      }
      case FrameType.RST_STREAM: {
        if (length !== 4) { this.emit(dir, frameNumber, `${onStream}: length ${length} (must be 4)`, Anomaly.app_parse_error); return; }
        const code = errorCodeName(u32(b, o));
        if (s) s.reset = code;
        this.emit(dir, frameNumber, `${onStream}: ${code}`);
        return;
      }
      case FrameType.PRIORITY: {
        if (length !== 5) { this.emit(dir, frameNumber, `${onStream}: length ${length} (must be 5)`, Anomaly.app_parse_error); return; }
        const dep = u32(b, o);
        this.emit(dir, frameNumber, `${onStream}: depends on ${dep & 0x7fffffff}${dep & 0x80000000 ? ' (exclusive)' : ''}, weight ${b[o + 4]! + 1}`);
        return;
      }
    }
    // §5.5: unknown frame types are ignored.
    this.emit(dir, frameNumber, `${onStream}: ${length} bytes (unknown type, ignored)`);
  }

  private breakHpack(dir: Dir, frameNumber: number, why: string, anomaly: AppEvent['anomaly'] = Anomaly.app_parse_error): void {
    if (this.hpackBroken) return;
    this.hpackBroken = true;
    this.emit(dir, frameNumber, `HTTP/2 headers no longer decoded on this connection: ${why}`, anomaly);
  }

  /** A complete header block for stream `sid`: decode, fill the stream, emit the event for the frame that ended it. */
  private headerBlock(dir: Dir, sid: number, s: H2Stream | null, b: Uint8Array, o: number, n: number, frameNumber: number, frameName: string): void {
    const d = this.dirs[dir];
    const onStream = `${frameName} stream ${sid}`;
    const end = d.blockEndStream ? ', END_STREAM' : '';
    if (s && d.blockEndStream) s.endStream[dir] = true;
    const headers = this.hpackDecode(dir, b, o, n, frameNumber);
    if (!headers) {
      this.emit(dir, frameNumber, `${onStream}: header block not decoded${end}`);
      return;
    }
    const get = (name: string) => headers.find((h) => h[0] === name)?.[1] ?? '';
    if (d.blockType === FrameType.PUSH_PROMISE) {
      const ps = this.stream(d.blockPromised, frameNumber);
      if (ps) {
        ps.pushed = true;
        ps.method = get(':method');
        ps.authority = get(':authority');
        ps.path = get(':path');
        ps.scheme = get(':scheme');
        ps.requestHeaders = headers;
        ps.requestTime = this.time;
        ps.endStream[0] = true;
      }
      this.emit(dir, frameNumber, `${onStream}: promised stream ${d.blockPromised} ${get(':method')} ${get(':path')}`);
      return;
    }
    const status = get(':status');
    const method = get(':method');
    let text: string;
    if ((s && s.dataFrames[dir] > 0) || (!status && !method)) {
      text = `${onStream}: trailers`;
    } else if (status) {
      const ct = get('content-type');
      text = `${onStream}: ${status}${ct ? ' ' + ct : ''}`;
      if (s && s.status === null) {
        const code = Number(status);
        s.status = Number.isInteger(code) ? code : null;
        s.contentType = ct;
        s.responseHeaders = headers;
        s.responseTime = this.time;
      }
    } else {
      text = `${onStream}: ${method} ${get(':path')}`;
      if (s && !s.method) {
        s.method = method;
        s.authority = get(':authority') || get('host');
        s.path = get(':path');
        s.scheme = get(':scheme');
        s.requestHeaders = headers;
        s.requestTime = this.time;
      }
    }
    this.emit(dir, frameNumber, text + end);
  }

  private hpackDecode(dir: Dir, b: Uint8Array, o: number, n: number, frameNumber: number): [string, string][] | null {
    if (this.hpackBroken) return null;
    const d = this.dirs[dir];
    if (!d.decomp) {
      d.decomp = hpack().decompressor.create({ table: { maxSize: HPACK_TABLE_MAX } });
      d.decomp.on('error', (err) => { d.hpackError = err.message || 'decoding error'; });
    }
    d.hpackError = '';
    try {
      // hpack.js consumes the chunk synchronously in execute(); a view is enough.
      d.decomp.write(Buffer.from(b.buffer, b.byteOffset + o, n));
      d.decomp.execute();
    } catch (err) {
      d.hpackError = err instanceof Error ? err.message : String(err);
    }
    const out: [string, string][] = [];
    for (let h = d.decomp.read(); h !== null; h = d.decomp.read()) {
      if (out.length < MAX_HEADERS_KEPT) out.push([display(h.name), display(h.value)]);
    }
    if (d.hpackError) {
      this.breakHpack(dir, frameNumber, `HPACK error (${safeText(d.hpackError)})`);
      return null;
    }
    return out;
  }
}

/** Payload bytes of a frame to keep: none for DATA beyond the pad length, capped for the rest, none for unknown types. */
function keepBytes(type: number, length: number): number {
  switch (type) {
    case FrameType.DATA: return Math.min(length, 1);
    case FrameType.HEADERS:
    case FrameType.PUSH_PROMISE:
    case FrameType.CONTINUATION:
      return length <= MAX_HEADER_BLOCK ? length : 0;
    case FrameType.SETTINGS:
    case FrameType.PING:
    case FrameType.GOAWAY:
    case FrameType.WINDOW_UPDATE:
    case FrameType.RST_STREAM:
    case FrameType.PRIORITY:
      return Math.min(length, MAX_CONTROL_PAYLOAD);
  }
  return 0;
}
