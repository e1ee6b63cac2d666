/**
 * WebSocket frames (RFC 6455 §5.2) after a successful Upgrade, as a push
 * parser per direction. A frame header is 2–14 bytes (FIN, RSV1-3, opcode;
 * MASK, 7-bit length, 16- or 64-bit extended length, 4-byte masking key);
 * the header bytes are gathered in a 14-byte buffer so any split works.
 * Payloads are not copied: only the first `PREVIEW` bytes are unmasked into
 * a fixed buffer, for a text preview and for a close frame's code and reason
 * (control frames are at most 125 bytes, §5.5, so they fit entirely).
 *
 * One event per WebSocket frame, on the packet that completes it (as
 * tshark reports websocket.* fields). After a gap the direction waits for a push that starts with a
 * plausible header (there is no other way to find frame boundaries).
 */
import { Anomaly } from '../../decode/anomalies.js';
import type { Dir } from '../../flow/hooks.js';
import { safeText } from '../../bytes/safe-text.js';
import type { StreamHandler } from '../reassembly.js';
import type { AppEvent } from '../types.js';

export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;
const NAMES: Record<number, string> = { 0: 'Continuation', 1: 'Text', 2: 'Binary', 8: 'Close', 9: 'Ping', 10: 'Pong' };

/** RFC 6455 §7.4.1 close codes. */
const CLOSE_CODES: Record<number, string> = {
  1000: 'normal', 1001: 'going away', 1002: 'protocol error', 1003: 'unsupported data', 1005: 'no status',
  1006: 'abnormal', 1007: 'invalid data', 1008: 'policy violation', 1009: 'message too big',
  1010: 'extension required', 1011: 'internal error', 1012: 'service restart', 1013: 'try again later',
  1015: 'TLS handshake',
};

/** Payload bytes unmasked and kept per frame for the preview (all of a control frame). */
const PREVIEW = 125;
/** Characters of text shown in an event. */
const PREVIEW_CHARS = 60;
/** A 64-bit length above 2^53 cannot be counted exactly: the stream is treated as broken. */
const MAX_LENGTH = Number.MAX_SAFE_INTEGER;

export interface WsFrameInfo {
  dir: Dir;
  opcode: number;
  fin: boolean;
  masked: boolean;
  rsv: number;
  length: number;
  frameNumber: number;
}

class Direction {
  readonly hdr = new Uint8Array(14);
  hdrHave = 0;
  hdrNeed = 2;
  inPayload = false;
  opcode = 0;
  fin = false;
  rsv = 0;
  masked = false;
  readonly key = new Uint8Array(4);
  length = 0;
  have = 0;
  readonly preview = new Uint8Array(PREVIEW);
  previewLen = 0;
  startFrame = 0;
  /** Opcode of the message a continuation belongs to. */
  msgOpcode = 0;
  dead = false;
  resync = false;
  frames = 0;
}

export interface WebSocketSummary {
  frames: [number, number];
  /** Frames per opcode name. */
  byOpcode: Record<string, number>;
  closeCode: number | null;
  closeReason: string;
  /** permessage-deflate or another extension set RSV bits. */
  compressed: boolean;
}

export class WebSocketParser implements StreamHandler {
  private readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  readonly summary: WebSocketSummary = { frames: [0, 0], byOpcode: {}, closeCode: null, closeReason: '', compressed: false };

  constructor(
    readonly connId: number,
    private readonly emitFn: (ev: AppEvent) => void,
    /** Called for every complete frame (tests, timeline). */
    private readonly onFrame?: (f: WsFrameInfo) => void,
    /** Direction of the client (the side that must mask, RFC 6455 §5.3). */
    private readonly clientDir: Dir = 0,
  ) {}

  label(): string {
    return 'WebSocket';
  }

  push(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, _time: number): void {
    const d = this.dirs[dir];
    if (d.dead) return;
    let p = offset;
    const end = offset + length;
    if (d.resync) {
      if (!plausibleHeader(buf, p, end, dir === this.clientDir)) return;
      d.resync = false;
    }
    while (p < end) {
      if (!d.inPayload) {
        if (d.hdrHave === 0) d.startFrame = frameNumber;
        // Gather the header: 2 bytes, then as many as they announce.
        while (d.hdrHave < d.hdrNeed && p < end) d.hdr[d.hdrHave++] = buf[p++]!;
        if (d.hdrHave < d.hdrNeed) return;
        if (d.hdrNeed === 2) {
          const b1 = d.hdr[1]!;
          const len7 = b1 & 0x7f;
          d.hdrNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
          if (d.hdrHave < d.hdrNeed) continue;
        }
        if (!this.header(dir, d)) return;
        if (d.length === 0) { this.frameDone(dir, d, frameNumber); continue; }
      }
      const take = Math.min(end - p, d.length - d.have);
      if (d.previewLen < PREVIEW) {
        const n = Math.min(take, PREVIEW - d.previewLen);
        for (let i = 0; i < n; i++) {
          const pos = d.have + i;
          d.preview[d.previewLen + i] = d.masked ? buf[p + i]! ^ d.key[pos & 3]! : buf[p + i]!;
        }
        d.previewLen += n;
      }
      d.have += take;
      p += take;
      if (d.have === d.length) this.frameDone(dir, d, frameNumber);
    }
  }

  gap(dir: Dir, _length: number, _frameNumber: number, _time: number): void {
    const d = this.dirs[dir];
    d.hdrHave = 0;
    d.hdrNeed = 2;
    d.inPayload = false;
    d.resync = true;
  }

  end(_dir: Dir, _frameNumber: number, _time: number): void {
    // A frame cut by the close is simply not reported; nothing is pending otherwise.
  }

  /** Reads the complete header in d.hdr; false when it is impossible (direction stops). */
  private header(dir: Dir, d: Direction): boolean {
    const h = d.hdr;
    const b0 = h[0]!, b1 = h[1]!;
    d.fin = (b0 & 0x80) !== 0;
    d.rsv = (b0 >> 4) & 7;
    d.opcode = b0 & 0x0f;
    d.masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    let p = 2;
    let len = len7;
    if (len7 === 126) { len = (h[2]! << 8) | h[3]!; p = 4; }
    else if (len7 === 127) {
      const hi = ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0;
      const lo = ((h[6]! << 24) | (h[7]! << 16) | (h[8]! << 8) | h[9]!) >>> 0;
      len = hi * 4294967296 + lo;
      p = 10;
    }
    if (d.masked) { d.key.set(h.subarray(p, p + 4)); }
    const control = d.opcode >= 8;
    // RFC 6455 §5.5: control frames have payloads ≤ 125 and are never fragmented; §5.2: opcodes 3-7, 11-15 reserved.
    const bad = len > MAX_LENGTH ? `length ${len} too large`
      : !(d.opcode in NAMES) ? `reserved opcode ${d.opcode}`
      : control && (len > 125 || !d.fin) ? 'control frame fragmented or longer than 125 bytes' : '';
    if (bad !== '') {
      d.dead = true;
      this.emitFn({ frameNumber: d.startFrame, transport: 'tcp', connId: this.connId, dir, proto: 'WebSocket',
        text: `malformed frame header (${bad}); frames in this direction no longer parsed`, anomaly: Anomaly.app_parse_error });
      return false;
    }
    d.length = len;
    d.have = 0;
    d.previewLen = 0;
    d.inPayload = true;
    return true;
  }

  private frameDone(dir: Dir, d: Direction, frameNumber: number): void {
    d.inPayload = false;
    d.hdrHave = 0;
    d.hdrNeed = 2;
    const op = d.opcode;
    const name = NAMES[op] ?? `opcode ${op}`;
    if (op === Opcode.text || op === Opcode.binary) d.msgOpcode = op;
    const s = this.summary;
    s.frames[dir]++;
    s.byOpcode[name] = (s.byOpcode[name] ?? 0) + 1;
    if (d.rsv & 4) s.compressed = true;
    let text = `${name}${d.fin ? '' : ' (not FIN)'}${d.masked ? ' masked' : ''} ${d.length} B`;
    if (dir === this.clientDir && !d.masked) text += ' (client frame not masked)';
    if (dir !== this.clientDir && d.masked) text += ' (server frame masked)';
    const textual = op === Opcode.text || (op === Opcode.continuation && d.msgOpcode === Opcode.text) || op === Opcode.ping || op === Opcode.pong;
    if (op === Opcode.close) {
      if (d.length >= 2) {
        const code = (d.preview[0]! << 8) | d.preview[1]!;
        const reason = utf8(d.preview, 2, d.previewLen);
        s.closeCode = code;
        s.closeReason = reason;
        text += ` code ${code}${CLOSE_CODES[code] ? ` (${CLOSE_CODES[code]})` : ''}${reason !== '' ? ` "${safeText(reason)}"` : ''}`;
      }
    } else if (d.rsv & 4) {
      text += ' (compressed)';
    } else if (textual && d.previewLen > 0) {
      const t = utf8(d.preview, 0, d.previewLen);
      const shown = t.length > PREVIEW_CHARS ? t.slice(0, PREVIEW_CHARS) + '…' : d.length > d.previewLen ? t + '…' : t;
      text += ` "${safeText(shown)}"`;
    }
    if (d.fin && op === Opcode.continuation) d.msgOpcode = 0;
    this.emitFn({ frameNumber, transport: 'tcp', connId: this.connId, dir, proto: 'WebSocket', text });
    this.onFrame?.({ dir, opcode: op, fin: d.fin, masked: d.masked, rsv: d.rsv, length: d.length, frameNumber });
  }
}

function utf8(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, Math.max(0, e - s)).toString('utf8');
}

/** A header that could start a frame: known opcode, RSV clear unless an extension is in use, mask per direction (§5.1). */
function plausibleHeader(buf: Uint8Array, p: number, end: number, fromClient: boolean): boolean {
  if (end - p < 2) return false;
  const op = buf[p]! & 0x0f;
  if (!(op in NAMES)) return false;
  const masked = (buf[p + 1]! & 0x80) !== 0;
  return masked === fromClient;
}
