/**
 * ARP (RFC 826), any hardware/protocol address sizes.
 *
 *   0      2      4     5     6        8
 *   | htype | ptype | hlen | plen | oper | sha | spa | tha | tpa |
 *
 * Check once, then read: after `check()` returns `Check.ok` (fixed part and
 * the four addresses present), getters cannot fail.
 */
import { Check, hexColon, ipv4String, u16, u32 } from './bytes.js';

export const ArpOffset = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OPER: 6, SHA: 8 } as const;
export const ARP_FIXED_LEN = 8;
export const ArpOp = { request: 1, reply: 2, rarpRequest: 3, rarpReply: 4 } as const;

export class ArpView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check {
    if (this.end - this.start < ARP_FIXED_LEN) return Check.truncated;
    return this.end - this.start < this.totalLength ? Check.truncated : Check.ok;
  }

  get hardwareType(): number { return u16(this.buf, this.start + ArpOffset.HTYPE); }
  get protocolType(): number { return u16(this.buf, this.start + ArpOffset.PTYPE); }
  get hardwareLength(): number { return this.buf[this.start + ArpOffset.HLEN]!; }
  get protocolLength(): number { return this.buf[this.start + ArpOffset.PLEN]!; }
  get operation(): number { return u16(this.buf, this.start + ArpOffset.OPER); }
  get totalLength(): number { return ARP_FIXED_LEN + 2 * (this.hardwareLength + this.protocolLength); }

  private addr(i: number): number {
    const h = this.hardwareLength, p = this.protocolLength;
    return this.start + ARP_FIXED_LEN + [0, h, h + p, 2 * h + p][i]!;
  }
  private proto(o: number): string {
    return this.protocolLength === 4 ? ipv4String(u32(this.buf, o)) : hexColon(this.buf, o, this.protocolLength);
  }
  senderHardware(): string { return hexColon(this.buf, this.addr(0), this.hardwareLength); }
  senderProtocol(): string { return this.proto(this.addr(1)); }
  targetHardware(): string { return hexColon(this.buf, this.addr(2), this.hardwareLength); }
  targetProtocol(): string { return this.proto(this.addr(3)); }
}

export function arpOpName(op: number): string {
  return op === 1 ? 'Request' : op === 2 ? 'Reply' : op === 3 ? 'RARP Request' : op === 4 ? 'RARP Reply' : `op ${op}`;
}

const EMPTY = new Uint8Array(0);
