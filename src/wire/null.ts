/**
 * BSD loopback encapsulations:
 * - LINKTYPE_NULL (0): a 4-byte address family in the *capturing host's* byte
 *   order, so both orders must be accepted.
 * - LINKTYPE_LOOP (108, OpenBSD): the same 4 bytes, always big-endian.
 * https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html
 *
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD),
 * 30 (macOS), 10 (Linux).
 *
 * Check once, then read: after `check()` returns `Check.ok`, getters cannot fail.
 */
import { Check, u16, u32, u32le } from './bytes.js';

export const NULL_HEADER_LEN = 4;
export const AddressFamily = { inet: 2, inet6Bsd: 24, inet6FreeBsd: 28, inet6Darwin: 30, inet6Linux: 10 } as const;

export class NullView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** LINKTYPE_LOOP: family always big-endian. */
  bigEndianOnly = false;

  wrap(buf: Uint8Array, start: number, end: number, bigEndianOnly: boolean): this {
    this.buf = buf; this.start = start; this.end = end; this.bigEndianOnly = bigEndianOnly;
    return this;
  }

  check(): Check { return this.end - this.start < NULL_HEADER_LEN ? Check.truncated : Check.ok; }

  /**
   * The address family. For LINKTYPE_NULL the value is in host order: a
   * family is a small number, so when the low 16 bits of the big-endian
   * reading are zero the field was written little-endian.
   */
  get family(): number {
    const be = u32(this.buf, this.start);
    if (this.bigEndianOnly) return be;
    return (be & 0xffff) === 0 ? u32le(this.buf, this.start) : be;
  }
  /**
   * 4 for AF_INET, 6 for any of the AF_INET6 values, 0 otherwise. Some
   * writers put an EtherType in the last two bytes instead of a family
   * (TShark accepts this too): 0x0800 and 0x86dd are recognised there when
   * the family is not.
   */
  get ipVersion(): number {
    const f = this.family;
    if (f === AddressFamily.inet) return 4;
    if (f === 24 || f === 28 || f === 30 || f === 10) return 6;
    const t = u16(this.buf, this.start + 2);
    if (t === 0x0800) return 4;
    if (t === 0x86dd) return 6;
    return 0;
  }
}

const EMPTY = new Uint8Array(0);
