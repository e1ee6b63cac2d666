/**
 * UDP header (RFC 768).
 *
 *   0       2       4        6          8
 *   | sport | dport | length | checksum |
 *
 * Check once, then read: after `check()` returns `Check.ok`, getters cannot
 * fail. The length field is judged by the caller against the IP payload
 * length (`lengthValid`).
 */
import { Check, u16 } from './bytes.js';

export const UdpOffset = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6 } as const;
export const UDP_HEADER_LEN = 8;

export class UdpView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check { return this.end - this.start < UDP_HEADER_LEN ? Check.truncated : Check.ok; }

  get srcPort(): number { return u16(this.buf, this.start + UdpOffset.SRC_PORT); }
  get dstPort(): number { return u16(this.buf, this.start + UdpOffset.DST_PORT); }
  /** Length in bytes of header + data as the header claims. */
  get length(): number { return u16(this.buf, this.start + UdpOffset.LENGTH); }
  get checksum(): number { return u16(this.buf, this.start + UdpOffset.CHECKSUM); }
  get payloadStart(): number { return this.start + UDP_HEADER_LEN; }
  /** RFC 768: the length covers the header, so it is at least 8 and at most the IP payload. */
  lengthValid(ipPayloadLength: number): boolean {
    const l = this.length;
    return l >= UDP_HEADER_LEN && l <= ipPayloadLength;
  }
}

const EMPTY = new Uint8Array(0);
