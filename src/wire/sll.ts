/**
 * Linux cooked capture v1, LINKTYPE_LINUX_SLL (113):
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
 *
 *   0           2           4             6            14
 *   | pkt type  | ARPHRD    | addr length | addr (8)   | protocol |
 *
 * Check once, then read: after `check()` returns `Check.ok`, getters cannot fail.
 */
import { Check, hexColon, u16 } from './bytes.js';

export const SllOffset = { PACKET_TYPE: 0, ARPHRD: 2, ADDR_LEN: 4, ADDR: 6, PROTOCOL: 14 } as const;
export const SLL_HEADER_LEN = 16;

export const SLL_PACKET_TYPES = ['unicast to us', 'broadcast', 'multicast', 'to another host', 'sent by us'] as const;
export function sllPacketTypeName(t: number): string { return SLL_PACKET_TYPES[t] ?? `packet type ${t}`; }

export class SllView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check { return this.end - this.start < SLL_HEADER_LEN ? Check.truncated : Check.ok; }

  get packetType(): number { return u16(this.buf, this.start + SllOffset.PACKET_TYPE); }
  get arphrd(): number { return u16(this.buf, this.start + SllOffset.ARPHRD); }
  get addrLength(): number { return u16(this.buf, this.start + SllOffset.ADDR_LEN); }
  /** Link-layer address (only the first min(addrLength, 8) bytes are meaningful). */
  addrString(): string { return hexColon(this.buf, this.start + SllOffset.ADDR, Math.min(8, this.addrLength)); }
  /** EtherType (or a Linux protocol number for non-Ethernet ARPHRD types). */
  get protocol(): number { return u16(this.buf, this.start + SllOffset.PROTOCOL); }
}

const EMPTY = new Uint8Array(0);
