/**
 * Linux cooked capture v2, LINKTYPE_LINUX_SLL2 (276):
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
 *
 *   0          2          4            8        10          11         12      20
 *   | protocol | reserved | ifindex    | ARPHRD | pkt type  | addr len  | addr |
 *
 * Check once, then read: after `check()` returns `Check.ok`, getters cannot fail.
 */
import { Check, hexColon, u16, u32 } from './bytes.js';

export const Sll2Offset = { PROTOCOL: 0, RESERVED: 2, IFINDEX: 4, ARPHRD: 8, PACKET_TYPE: 10, ADDR_LEN: 11, ADDR: 12 } as const;
export const SLL2_HEADER_LEN = 20;

export class Sll2View {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check { return this.end - this.start < SLL2_HEADER_LEN ? Check.truncated : Check.ok; }

  get protocol(): number { return u16(this.buf, this.start + Sll2Offset.PROTOCOL); }
  get ifIndex(): number { return u32(this.buf, this.start + Sll2Offset.IFINDEX); }
  get arphrd(): number { return u16(this.buf, this.start + Sll2Offset.ARPHRD); }
  get packetType(): number { return this.buf[this.start + Sll2Offset.PACKET_TYPE]!; }
  get addrLength(): number { return this.buf[this.start + Sll2Offset.ADDR_LEN]!; }
  addrString(): string { return hexColon(this.buf, this.start + Sll2Offset.ADDR, Math.min(8, this.addrLength)); }
}

const EMPTY = new Uint8Array(0);
