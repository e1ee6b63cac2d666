/**
 * QUIC packet headers (RFC 9000 §17, RFC 8999 invariants, RFC 9369 for v2).
 *
 * Long header (§17.2): Header Form (1) = 1, Fixed Bit (1), Long Packet Type
 * (2), Type-Specific Bits (4, header-protected), Version (32), DCID Length
 * (8), DCID (0..20 in v1/v2; up to 255 for other versions by RFC 8999),
 * SCID Length (8), SCID, then per type:
 *   Initial:   Token Length (varint), Token, Length (varint), Packet Number, Payload
 *   0-RTT, Handshake: Length (varint), Packet Number, Payload
 *   Retry:     Retry Token, Retry Integrity Tag (16) — to the end of the datagram
 *   Version Negotiation (version 0, §17.2.1): Supported Versions (32 each) — to the end
 * Several long-header packets may share a datagram (coalescing, §12.2); a
 * short-header (1-RTT) packet can only be last, and runs to the end.
 *
 * `parseQuicLongHeader` checks every length against the bytes present before
 * reading behind it; it never throws. It returns null when the bytes are not
 * a long header at all, and a header with `error` set when they claim to be
 * one but cannot be (a DCID longer than 20 bytes in v1, a Length beyond the
 * datagram…).
 */

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
const MAX_CID_V1 = 20;
const MIN_LONG_HEADER = 7; // first byte, version, two CID length bytes
const RETRY_TAG_LEN = 16;

export type QuicPacketType = 'Initial' | '0-RTT' | 'Handshake' | 'Retry' | 'Version Negotiation' | '1-RTT';

export interface QuicLongHeader {
  version: number;
  versionName: string;
  packetType: QuicPacketType;
  /** Packet type as Wireshark numbers it (quic.long.packet_type): Initial 0, 0-RTT 1, Handshake 2, Retry 3; -1 for Version Negotiation. */
  typeCode: number;
  fixedBit: boolean;
  dcidLength: number;
  scidLength: number;
  /** Connection ids as lower-case hex. */
  dcid: string;
  scid: string;
  /** Offsets (relative to the packet's first byte) of the DCID, for key derivation. */
  dcidOffset: number;
  /** Initial: token length; Retry: retry token length; -1 otherwise. */
  tokenLength: number;
  /** Offset of the packet number field (Initial, 0-RTT, Handshake), relative to the packet's first byte; -1 otherwise. */
  pnOffset: number;
  /** The Length field (packet number + protected payload), or -1 where the type has none. */
  payloadLength: number;
  /** Bytes of this packet: header + Length for Initial/0-RTT/Handshake; the rest of the datagram for Retry and VN. */
  packetLength: number;
  /** Version Negotiation: the versions the server supports. */
  supportedVersions: number[];
  /** '' when well formed; otherwise what is wrong. */
  error: string;
  /** The error is that the datagram ends early (capture truncated or a Length that lies). */
  truncated: boolean;
}

/** RFC 9000 §16 variable-length integer at `p`: value and size, or size 0 when it does not fit before `end`. */
export function readVarint(b: Uint8Array, p: number, end: number, out: { value: number; size: number }): void {
  if (p >= end) { out.size = 0; return; }
  const size = 1 << (b[p]! >> 6);
  if (p + size > end) { out.size = 0; return; }
  let v = b[p]! & 0x3f;
  // Multiplication rather than shifts: 8-byte varints exceed 32 bits (values above 2^53 lose precision, harmlessly here).
  for (let i = 1; i < size; i++) v = v * 256 + b[p + i]!;
  out.value = v;
  out.size = size;
}

export function quicVersionName(v: number): string {
  if (v === QUIC_V1) return 'v1';
  if (v === QUIC_V2) return 'v2';
  if (v === 0) return 'VN';
  if ((v >>> 8) === 0xff0000) return `draft-${v & 0xff}`;
  // RFC 9000 §15: 0x?a?a?a?a versions are reserved to exercise version negotiation.
  if ((v & 0x0f0f0f0f) === 0x0a0a0a0a) return 'reserved';
  const c0 = v >>> 24;
  // Google QUIC ("Q046", "T051") and mvfst (0xfaceb00N) versions.
  if ((c0 === 0x51 || c0 === 0x54) && ((v >> 16) & 0xff) >= 0x30 && ((v >> 16) & 0xff) <= 0x39) {
    return String.fromCharCode(c0, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  }
  if ((v >>> 4) === 0xfaceb00) return 'mvfst';
  return '0x' + v.toString(16).padStart(8, '0');
}

function hex(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += b[o + i]!.toString(16).padStart(2, '0');
  return s;
}

/** Long packet type bits → name, per version: v2 rotated the code points (RFC 9369 §3.2). */
function typeOf(version: number, bits: number): { name: QuicPacketType; code: number } {
  const v1Bits = version === QUIC_V2 ? (bits + 3) & 3 : bits; // v2: Initial 1, 0-RTT 2, Handshake 3, Retry 0
  const names: QuicPacketType[] = ['Initial', '0-RTT', 'Handshake', 'Retry'];
  return { name: names[v1Bits]!, code: v1Bits };
}

const scratch = { value: 0, size: 0 };

export function parseQuicLongHeader(buf: Uint8Array, offset: number, length: number): QuicLongHeader | null {
  if (length < MIN_LONG_HEADER) return null;
  const b0 = buf[offset]!;
  if ((b0 & 0x80) === 0) return null;
  const end = offset + length;
  const version = ((buf[offset + 1]! << 24) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 8) | buf[offset + 4]!) >>> 0;
  const h: QuicLongHeader = {
    version, versionName: quicVersionName(version), packetType: 'Initial', typeCode: 0, fixedBit: (b0 & 0x40) !== 0,
    dcidLength: 0, scidLength: 0, dcid: '', scid: '', dcidOffset: 6, tokenLength: -1, pnOffset: -1, payloadLength: -1,
    packetLength: length, supportedVersions: [], error: '', truncated: false,
  };
  const known = version === QUIC_V1 || version === QUIC_V2 || (version >>> 8) === 0xff0000;
  let p = offset + 5;
  h.dcidLength = buf[p]!;
  p += 1;
  if (known && h.dcidLength > MAX_CID_V1) return fail(h, `DCID length ${h.dcidLength} > 20`, false);
  if (p + h.dcidLength + 1 > end) return fail(h, 'datagram ends inside the DCID', true);
  h.dcid = hex(buf, p, h.dcidLength);
  p += h.dcidLength;
  h.scidLength = buf[p]!;
  p += 1;
  if (known && h.scidLength > MAX_CID_V1) return fail(h, `SCID length ${h.scidLength} > 20`, false);
  if (p + h.scidLength > end) return fail(h, 'datagram ends inside the SCID', true);
  h.scid = hex(buf, p, h.scidLength);
  p += h.scidLength;

  if (version === 0) {
    h.packetType = 'Version Negotiation';
    h.typeCode = -1;
    for (; p + 4 <= end; p += 4) h.supportedVersions.push(((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0);
    if (p !== end) h.error = 'Version Negotiation list is not a multiple of 4 bytes';
    return h;
  }
  const t = typeOf(version, (b0 >> 4) & 3);
  h.packetType = t.name;
  h.typeCode = t.code;
  if (!h.fixedBit) h.error = 'fixed bit is 0'; // §17.2: MUST be 1 (unless RFC 9287 greasing was negotiated)
  if (t.name === 'Retry') {
    h.tokenLength = end - p - RETRY_TAG_LEN;
    if (h.tokenLength < 0) return fail(h, 'Retry shorter than its 16-byte integrity tag', true);
    return h;
  }
  if (t.name === 'Initial') {
    readVarint(buf, p, end, scratch);
    if (scratch.size === 0) return fail(h, 'datagram ends inside the token length', true);
    p += scratch.size;
    if (scratch.value > end - p) return fail(h, `token length ${scratch.value} exceeds the datagram`, true);
    h.tokenLength = scratch.value;
    p += scratch.value;
  }
  readVarint(buf, p, end, scratch);
  if (scratch.size === 0) return fail(h, 'datagram ends inside the Length field', true);
  p += scratch.size;
  h.payloadLength = scratch.value;
  h.pnOffset = p - offset;
  if (scratch.value > end - p) {
    h.packetLength = length;
    return fail(h, `Length ${scratch.value} exceeds the ${end - p} bytes left in the datagram`, true);
  }
  h.packetLength = p - offset + scratch.value;
  return h;
}

function fail(h: QuicLongHeader, why: string, truncated: boolean): QuicLongHeader {
  h.error = why;
  h.truncated = truncated;
  return h;
}

/** One packet of a datagram: a long header, or a short-header (1-RTT) packet running to the end. */
export interface QuicPacketInfo {
  offset: number;
  length: number;
  long: QuicLongHeader | null;
}

/** Upper bound on packets looked at per datagram (a 64 KiB datagram of minimal packets would otherwise be thousands). */
const MAX_PACKETS_PER_DATAGRAM = 64;

/**
 * Splits a datagram into its coalesced packets (RFC 9000 §12.2). Stops at a
 * malformed header, at zero bytes after a long packet (padding some stacks
 * add after the last packet), and at a short-header packet (always last).
 */
export function splitQuicDatagram(buf: Uint8Array, offset: number, length: number): QuicPacketInfo[] {
  const out: QuicPacketInfo[] = [];
  let p = offset;
  const end = offset + length;
  while (p < end && out.length < MAX_PACKETS_PER_DATAGRAM) {
    const b0 = buf[p]!;
    if ((b0 & 0x80) === 0) {
      // A zero byte cannot start a packet (fixed bit 0): trailing padding.
      if (b0 === 0 && out.length > 0) break;
      out.push({ offset: p, length: end - p, long: null });
      break;
    }
    const h = parseQuicLongHeader(buf, p, end - p);
    if (!h) break;
    out.push({ offset: p, length: h.packetLength, long: h });
    if (h.error && h.truncated) break;
    if (h.packetLength <= 0) break;
    p += h.packetLength;
  }
  return out;
}

/**
 * Content test for UDP payloads: a long header with the fixed bit set, a
 * known version (v1, v2, draft) and CID lengths that fit (≤ 20 and inside the
 * datagram), or a Version Negotiation packet with at least one version.
 * Short headers alone carry no marker and are not claimed. Allocation-free:
 * it runs on UDP datagrams of flows nobody has claimed yet.
 */
export function looksLikeQuic(buf: Uint8Array, offset: number, length: number): boolean {
  if (length < MIN_LONG_HEADER) return false;
  const b0 = buf[offset]!;
  if ((b0 & 0x80) === 0) return false;
  const end = offset + length;
  const version = ((buf[offset + 1]! << 24) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 8) | buf[offset + 4]!) >>> 0;
  const dcidLen = buf[offset + 5]!;
  const scidAt = offset + 6 + dcidLen;
  if (scidAt >= end) return false;
  const scidLen = buf[scidAt]!;
  const after = scidAt + 1 + scidLen;
  if (after > end) return false;
  if (version === 0) return end - after >= 4 && (end - after) % 4 === 0;
  const known = version === QUIC_V1 || version === QUIC_V2 || (version >>> 8) === 0xff0000;
  return known && (b0 & 0x40) !== 0 && dcidLen <= MAX_CID_V1 && scidLen <= MAX_CID_V1;
}
