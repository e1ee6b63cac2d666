/**
 * IPv6 fixed header (RFC 8200 section 3) and extension headers (section 4).
 *
 *   0                 4            6        7           8     24    40
 *   | ver tc flowlabel | payload len | next hdr | hop limit | src | dst |
 *
 * Extension headers decoded: hop-by-hop options (0), routing (43),
 * fragment (44), destination options (60), authentication header (51,
 * RFC 4302), and the RFC 7045 ones that share the generic format (mobility
 * 135, HIP 139, shim6 140). ESP (50) ends the chain: what follows is encrypted.
 *
 * Check once, then read: after `check()` returns ok, getters cannot fail.
 */
import { Check, u16, u32 } from './bytes.js';

export const Ipv6Offset = { VER_TC_FLOW: 0, PAYLOAD_LEN: 4, NEXT_HEADER: 6, HOP_LIMIT: 7, SRC: 8, DST: 24 } as const;
export const IPV6_HEADER_LEN = 40;

export const Ipv6Check = { ok: 0, truncated: 1, badVersion: 2 } as const;
export type Ipv6Check = (typeof Ipv6Check)[keyof typeof Ipv6Check];

export class Ipv6View {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Ipv6Check {
    if (this.end - this.start < IPV6_HEADER_LEN) return Ipv6Check.truncated;
    return this.buf[this.start]! >> 4 !== 6 ? Ipv6Check.badVersion : Ipv6Check.ok;
  }

  get version(): number { return this.buf[this.start]! >> 4; }
  get trafficClass(): number { return (u16(this.buf, this.start) >> 4) & 0xff; }
  get flowLabel(): number { return u32(this.buf, this.start) & 0xfffff; }
  /** Payload length in bytes (everything after the 40-byte header; 0 for jumbograms). */
  get payloadLength(): number { return u16(this.buf, this.start + Ipv6Offset.PAYLOAD_LEN); }
  get nextHeader(): number { return this.buf[this.start + Ipv6Offset.NEXT_HEADER]!; }
  get hopLimit(): number { return this.buf[this.start + Ipv6Offset.HOP_LIMIT]!; }
  /** Address word i (0..3) of the source / destination, big-endian. */
  srcWord(i: number): number { return u32(this.buf, this.start + Ipv6Offset.SRC + 4 * i); }
  dstWord(i: number): number { return u32(this.buf, this.start + Ipv6Offset.DST + 4 * i); }
  get payloadStart(): number { return this.start + IPV6_HEADER_LEN; }
}

/** Extension-header protocol numbers. */
export const Ipv6Ext = { hopByHop: 0, routing: 43, fragment: 44, esp: 50, ah: 51, noNext: 59, dstOpts: 60, mobility: 135, hip: 139, shim6: 140 } as const;

/** True for the next-header values whose header we can walk over. */
export function isIpv6ExtHeader(nh: number): boolean {
  return nh === 0 || nh === 43 || nh === 44 || nh === 60 || nh === 51 || nh === 135 || nh === 139 || nh === 140;
}

export function ipv6ExtName(nh: number): string {
  switch (nh) {
    case 0: return 'Hop-by-Hop Options';
    case 43: return 'Routing';
    case 44: return 'Fragment';
    case 51: return 'Authentication Header';
    case 60: return 'Destination Options';
    case 135: return 'Mobility';
    case 139: return 'HIP';
    case 140: return 'Shim6';
    default: return `ext ${nh}`;
  }
}

export const FRAGMENT_HEADER_LEN = 8;
export const Ipv6FragOffset = { NEXT_HEADER: 0, RESERVED: 1, OFFSET_FLAGS: 2, IDENT: 4 } as const;

/**
 * One extension header of type `type` (the next-header value that announced
 * it). `check()` proves the whole header is captured.
 */
export class Ipv6ExtView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  type = 0;

  wrap(buf: Uint8Array, start: number, end: number, type: number): this {
    this.buf = buf; this.start = start; this.end = end; this.type = type;
    return this;
  }

  check(): Check {
    const avail = this.end - this.start;
    if (avail < 8) return Check.truncated; // every extension header is at least 8 bytes
    return avail < this.headerLength ? Check.truncated : Check.ok;
  }

  get nextHeader(): number { return this.buf[this.start]!; }
  /**
   * The length the header declares, readable before `check()` as soon as
   * its first two bytes are captured; -1 when they are not.
   */
  declaredLength(): number {
    if (this.type === Ipv6Ext.fragment) return FRAGMENT_HEADER_LEN;
    return this.end - this.start < 2 ? -1 : this.headerLength;
  }
  /** Length in bytes: fragment 8; AH (len+2)×4 (RFC 4302 section 2.2); others (len+1)×8. */
  get headerLength(): number {
    if (this.type === Ipv6Ext.fragment) return FRAGMENT_HEADER_LEN;
    const n = this.buf[this.start + 1]!;
    return this.type === Ipv6Ext.ah ? (n + 2) * 4 : (n + 1) * 8;
  }
  // Fragment header (RFC 8200 section 4.5)
  /** Fragment offset in bytes (the field counts 8-byte units). */
  get fragOffsetBytes(): number { return u16(this.buf, this.start + Ipv6FragOffset.OFFSET_FLAGS) & 0xfff8; }
  get moreFragments(): boolean { return (this.buf[this.start + 3]! & 1) !== 0; }
  get fragIdent(): number { return u32(this.buf, this.start + Ipv6FragOffset.IDENT); }
  // Routing header (section 4.4)
  get routingType(): number { return this.buf[this.start + 2]!; }
  get segmentsLeft(): number { return this.buf[this.start + 3]!; }
  // AH (RFC 4302)
  get ahSpi(): number { return u32(this.buf, this.start + 4); }
  get ahSeq(): number { return u32(this.buf, this.start + 8); }
}

/**
 * RFC 5952 text form of an IPv6 address held as 4 big-endian words at
 * `words[base .. base+4)`: lower case, leading zeros dropped, the longest run
 * (≥ 2) of zero groups as `::` (first one on ties), IPv4-mapped addresses
 * with a dotted quad.
 */
export function ipv6ToString(words: ArrayLike<number>, base: number): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const w = words[base + i]! >>> 0;
    g[i * 2] = w >>> 16;
    g[i * 2 + 1] = w & 0xffff;
  }
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const a = words[base + 3]! >>> 0;
    return `::ffff:${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) { s += '::'; i += bestLen - 1; continue; }
    if (s.length > 0 && s[s.length - 1] !== ':') s += ':';
    s += g[i]!.toString(16);
  }
  return s;
}

/** Same, reading 16 bytes at `o`. */
export function ipv6BytesToString(b: Uint8Array, o: number): string {
  return ipv6ToString([u32(b, o), u32(b, o + 4), u32(b, o + 8), u32(b, o + 12)], 0);
}

const EMPTY = new Uint8Array(0);
