/**
 * TLS over TCP: the record layer (RFC 8446 §5.1, RFC 5246 §6.2) as a push
 * parser fed with in-order reassembled bytes, one state per direction.
 *
 * Record header: content type (1), legacy_record_version (2), length (2).
 * A header is checked once when its five bytes are complete: content type
 * 20..24, version 3.0..3.4, length ≤ 2^14 + 2048 (the TLSCiphertext limit,
 * RFC 5246 §6.2.3). A header that fails is malformed: the direction stops
 * (there is no way to find the next record boundary in a byte stream) and an
 * `app_parse_error` event says why. After a gap the direction waits for a
 * push that starts with a plausible record header and resumes there.
 *
 * No bytes are copied except the five header bytes, an alert's two bytes and
 * handshake message bodies we parse (bounded, see handshake.ts). Application
 * data is counted, never buffered.
 */
import { Anomaly } from '../../decode/anomalies.js';
import type { Dir } from '../../flow/hooks.js';
import type { AppEvent } from '../types.js';
import { HandshakeReader, TlsSession, type TlsSummary } from './handshake.js';
import { ContentType, versionName } from './names.js';

export type { TlsSummary } from './handshake.js';

const RECORD_HEADER_LEN = 5;
/** RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048. */
export const MAX_RECORD_LENGTH = (1 << 14) + 2048;
/** Bytes of a non-handshake record body we look at: alert (2), heartbeat type + payload_length (3). */
const SMALL_LEN = 3;
/** RFC 6520 §4: a heartbeat message carries at least 16 bytes of padding. */
const HEARTBEAT_MIN_PADDING = 16;
/** SSLv2 CLIENT-HELLO (draft-hickman-netscape-ssl-00 §B; RFC 5246 appendix E.2). */
const SSL2_CLIENT_HELLO = 1;
const SSL2_HEADER_FIELDS = 9;
/** Content type used internally for a body we only skip. */
const SKIP = 0;

/** True when the bytes can start a TLS record: content type 20..24, version 3.0..3.4, sane length. */
function plausibleRecord(b: Uint8Array, p: number, end: number): boolean {
  if (end - p < RECORD_HEADER_LEN) return false;
  const t = b[p]!;
  if (t < ContentType.change_cipher_spec || t > ContentType.heartbeat) return false;
  if (b[p + 1] !== 3 || b[p + 2]! > 4) return false;
  return ((b[p + 3]! << 8) | b[p + 4]!) <= MAX_RECORD_LENGTH;
}

/** RFC 5246 appendix E.2: a version-2 CLIENT-HELLO: 2-byte length with the top bit set, msg_type 1, version 3.x. */
function sslv2ClientHello(b: Uint8Array, p: number, end: number): boolean {
  return end - p >= 5 && (b[p]! & 0x80) !== 0 && b[p + 2] === SSL2_CLIENT_HELLO && b[p + 3]! <= 3;
}

/**
 * Content detection for the composition: the bytes look like the start of a
 * TLS record — a handshake record (type 22, version 3.x; 3 bytes suffice, the
 * length is checked when 5 are present), or, for a capture that starts in
 * the middle of a connection, a ChangeCipherSpec, alert or application data
 * record with a plausible length (5 bytes needed) — or an SSLv2-format ClientHello.
 */
export function looksLikeTls(buf: Uint8Array, offset: number, length: number): boolean {
  if (length < 3) return false;
  const end = offset + length;
  if (buf[offset] === ContentType.handshake && buf[offset + 1] === 3 && buf[offset + 2]! <= 4) {
    return length < RECORD_HEADER_LEN || plausibleRecord(buf, offset, end);
  }
  if (plausibleRecord(buf, offset, end) && buf[offset] !== ContentType.heartbeat && ((buf[offset + 3]! << 8) | buf[offset + 4]!) > 0) return true;
  return sslv2ClientHello(buf, offset, end);
}

class Direction {
  readonly hdr = new Uint8Array(RECORD_HEADER_LEN);
  hdrHave = 0;
  type = 0;
  recLen = 0;
  remaining = 0;
  readonly small = new Uint8Array(SMALL_LEN);
  smallHave = 0;
  /** ChangeCipherSpec sent in this direction (TLS ≤1.2): later handshake records are encrypted. */
  ccs = false;
  /** The current record's body is protected (decided when its header arrives). */
  recEncrypted = false;
  dead = false;
  /** After a gap: wait for a push that starts with a record header. */
  resync = false;
  started = false;
  records = 0;
  encryptedAnnounced = false;
  constructor(readonly hs: HandshakeReader) {}
}

export class TlsParser {
  private readonly session: TlsSession;
  private readonly dirs: [Direction, Direction];

  constructor(readonly connId: number, emit: (ev: AppEvent) => void) {
    this.session = new TlsSession(connId, emit);
    this.dirs = [new Direction(new HandshakeReader(0, this.session)), new Direction(new HandshakeReader(1, this.session))];
  }

  get summary(): TlsSummary { return this.session.summary; }

  label(): string { return this.session.summary.label(); }

  /** Bytes `buf[offset .. offset+length)` of direction `dir`, in stream order. */
  push(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, _time: number): void {
    const d = this.dirs[dir];
    if (d.dead || length <= 0) return;
    let p = offset;
    const end = offset + length;
    if (d.resync) {
      if (!plausibleRecord(buf, p, end)) return;
      d.resync = false;
    }
    if (!d.started) {
      d.started = true;
      if (dir === 0 && sslv2ClientHello(buf, p, end)) p = this.sslv2(d, buf, p, end, frameNumber);
      else if (length >= RECORD_HEADER_LEN && !plausibleRecord(buf, p, end)) {
        // The capture began inside a record of this direction: wait for a push that starts one.
        d.resync = true;
        this.session.emit(dir, frameNumber, 'Not at a TLS record boundary (capture started mid-stream?); waiting for the next record');
        return;
      }
    }
    while (p < end) {
      if (d.hdrHave < RECORD_HEADER_LEN) {
        const take = Math.min(RECORD_HEADER_LEN - d.hdrHave, end - p);
        for (let i = 0; i < take; i++) d.hdr[d.hdrHave + i] = buf[p + i]!;
        d.hdrHave += take;
        p += take;
        if (d.hdrHave < RECORD_HEADER_LEN) return;
        if (!this.recordHeader(d, dir, frameNumber)) return;
        if (d.remaining === 0) { this.recordEnd(d, dir, frameNumber); continue; }
      }
      const take = Math.min(d.remaining, end - p);
      this.recordBody(d, buf, p, take, frameNumber);
      p += take;
      d.remaining -= take;
      if (d.remaining === 0) this.recordEnd(d, dir, frameNumber);
    }
  }

  /** Bytes are missing in direction `dir`: drop partial state and resynchronise on the next record header. */
  gap(dir: Dir): void {
    const d = this.dirs[dir];
    d.hdrHave = 0;
    d.remaining = 0;
    d.smallHave = 0;
    d.hs.reset();
    d.resync = true;
    d.started = true;
  }

  private recordHeader(d: Direction, dir: Dir, frameNumber: number): boolean {
    const h = d.hdr;
    const type = h[0]!;
    const len = (h[3]! << 8) | h[4]!;
    let why = '';
    if (type < ContentType.change_cipher_spec || type > ContentType.heartbeat) why = `content type ${type}`;
    else if (h[1] !== 3 || h[2]! > 4) why = `version ${versionName((h[1]! << 8) | h[2]!)}`;
    else if (len > MAX_RECORD_LENGTH) why = `length ${len} > ${MAX_RECORD_LENGTH}`;
    if (why) {
      d.dead = true;
      this.session.emit(dir, frameNumber, `Malformed TLS record (${why}); rest of this direction not parsed`, Anomaly.app_parse_error);
      return false;
    }
    d.type = type;
    d.recLen = len;
    d.remaining = len;
    d.smallHave = 0;
    d.records++;
    d.recEncrypted = d.ccs || this.session.tls13;
    return true;
  }

  private recordBody(d: Direction, b: Uint8Array, p: number, n: number, frameNumber: number): void {
    switch (d.type) {
      case ContentType.handshake:
        if (!d.recEncrypted) d.hs.push(b, p, n, frameNumber);
        return;
      case ContentType.change_cipher_spec:
      case ContentType.alert:
      case ContentType.heartbeat: {
        const take = Math.min(SMALL_LEN - d.smallHave, n);
        for (let i = 0; i < take; i++) d.small[d.smallHave + i] = b[p + i]!;
        d.smallHave += take;
        return;
      }
    }
  }

  private recordEnd(d: Direction, dir: Dir, frameNumber: number): void {
    d.hdrHave = 0;
    const s = this.session;
    switch (d.type) {
      case ContentType.handshake:
        // TLS ≤1.2: the first handshake message after ChangeCipherSpec is Finished (RFC 5246 §7.4.9).
        if (d.recEncrypted) s.emit(dir, frameNumber, 'Encrypted handshake message (Finished)');
        return;
      case ContentType.change_cipher_spec:
        // TLS 1.3 sends a dummy ChangeCipherSpec for middleboxes (RFC 8446 §D.4), also before the
        // second ClientHello after a HelloRetryRequest; in TLS ≤1.2 it always follows ServerHello.
        if (s.tls13 || !s.summary.serverHelloFrame) {
          s.emit(dir, frameNumber, 'ChangeCipherSpec (middlebox compatibility)');
        } else {
          d.ccs = true;
          if (dir === 1) s.serverChangeCipherSpec();
          s.emit(dir, frameNumber, 'ChangeCipherSpec');
        }
        return;
      case ContentType.alert:
        if (!d.recEncrypted && d.recLen === 2) s.alert(dir, frameNumber, d.small[0]!, d.small[1]!);
        else {
          s.summary.alerts.push('encrypted');
          s.emit(dir, frameNumber, 'Encrypted alert');
        }
        return;
      case ContentType.application_data:
        s.summary.applicationData[dir]++;
        if (!d.encryptedAnnounced) {
          d.encryptedAnnounced = true;
          if (s.tls13) {
            s.emit(dir, frameNumber, dir === 1
              ? 'Encrypted records (TLS 1.3: rest of server handshake, then application data)'
              : 'Encrypted records (TLS 1.3: client Finished, then application data)');
          } else {
            s.emit(dir, frameNumber, 'Application data');
          }
        }
        return;
      case ContentType.heartbeat:
        this.heartbeat(d, dir, frameNumber);
        return;
    }
  }

  /** RFC 6520 §4: type (1 request, 2 response), payload_length (2), payload, ≥16 bytes padding. */
  private heartbeat(d: Direction, dir: Dir, frameNumber: number): void {
    const s = this.session;
    if (d.recEncrypted || d.smallHave < SMALL_LEN) {
      s.emit(dir, frameNumber, d.recEncrypted ? 'Encrypted heartbeat' : 'Heartbeat (truncated)');
      return;
    }
    const kind = d.small[0] === 1 ? 'request' : d.small[0] === 2 ? 'response' : `type ${d.small[0]}`;
    const claimed = (d.small[1]! << 8) | d.small[2]!;
    const room = d.recLen - SMALL_LEN - HEARTBEAT_MIN_PADDING;
    if (claimed > room) {
      s.emit(dir, frameNumber, `Heartbeat ${kind} claims ${claimed} payload bytes in a ${d.recLen}-byte record (overread attempt, CVE-2014-0160)`, Anomaly.app_parse_error);
    } else {
      s.emit(dir, frameNumber, `Heartbeat ${kind} (${claimed} payload bytes)`);
    }
  }

  /**
   * An SSLv2-format CLIENT-HELLO at the start of the client's stream
   * (RFC 5246 appendix E.2): read the fields we report, skip the rest, then
   * go on with TLS records. Returns where the records start within this push.
   */
  private sslv2(d: Direction, b: Uint8Array, p: number, end: number, frameNumber: number): number {
    const len = ((b[p]! & 0x7f) << 8) | b[p + 1]!;
    const version = (b[p + 3]! << 8) | b[p + 4]!;
    let text = `SSLv2-format ClientHello (offers ${versionName(version)}`;
    if (len >= SSL2_HEADER_FIELDS && end - p >= 2 + SSL2_HEADER_FIELDS) {
      const specLen = (b[p + 5]! << 8) | b[p + 6]!;
      text += `, ${Math.floor(specLen / 3)} cipher specs`;
    }
    text += ')';
    const sum = this.session.summary as TlsSummary & { sslv2Hello: boolean; clientHelloFrame: number };
    sum.sslv2Hello = true;
    if (!sum.clientHelloFrame) sum.clientHelloFrame = frameNumber;
    this.session.emit(0, frameNumber, text);
    const body = Math.min(len, end - p - 2);
    // Whatever of the hello lies beyond this push is skipped as a pseudo-record.
    d.type = SKIP;
    d.hdrHave = RECORD_HEADER_LEN;
    d.remaining = len - body;
    if (d.remaining === 0) d.hdrHave = 0;
    return p + 2 + body;
  }
}
