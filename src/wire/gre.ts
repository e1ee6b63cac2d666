/**
 * GRE (RFC 2784 with the key and sequence fields of RFC 2890) and the
 * enhanced GRE of PPTP (RFC 2637 section 4.1, version 1: key = payload
 * length + call id, optional sequence and acknowledgement numbers).
 *
 *   0                 2              4
 *   | C R K S s recur | flags ver     | protocol type | [checksum+reserved] [key] [seq] [ack]
 *
 * Check once, then read: `check()` proves the optional fields the flags
 * announce are captured and the version is 0 or 1; after `Check.ok`,
 * getters cannot fail.
 */
import { Check, u16, u32 } from './bytes.js';

export const GreOffset = { FLAGS: 0, PROTOCOL: 2, OPTIONAL: 4 } as const;
export const GRE_MIN_HEADER = 4;
export const GreFlag = { checksum: 0x8000, routing: 0x4000, key: 0x2000, seq: 0x1000, ack: 0x0080 } as const;

export class GreView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check {
    if (this.end - this.start < GRE_MIN_HEADER) return Check.truncated;
    const v = this.version;
    // Version 0 (RFC 2784) and 1 (PPTP) only; the routing bit with source
    // routes (RFC 1701) is not supported and counts as malformed.
    if (v > 1 || (this.flags & GreFlag.routing) !== 0) return Check.malformed;
    return this.end - this.start < this.headerLength ? Check.truncated : Check.ok;
  }

  get flags(): number { return u16(this.buf, this.start + GreOffset.FLAGS); }
  get version(): number { return this.flags & 7; }
  get protocol(): number { return u16(this.buf, this.start + GreOffset.PROTOCOL); }
  get hasChecksum(): boolean { return (this.flags & GreFlag.checksum) !== 0; }
  get hasKey(): boolean { return (this.flags & GreFlag.key) !== 0; }
  get hasSeq(): boolean { return (this.flags & GreFlag.seq) !== 0; }
  /** PPTP (version 1) only. */
  get hasAck(): boolean { return this.version === 1 && (this.flags & GreFlag.ack) !== 0; }
  get headerLength(): number {
    return GRE_MIN_HEADER + (this.hasChecksum ? 4 : 0) + (this.hasKey ? 4 : 0) + (this.hasSeq ? 4 : 0) + (this.hasAck ? 4 : 0);
  }
  private field(i: number): number { return this.start + GRE_MIN_HEADER + (this.hasChecksum ? 4 : 0) + i; }
  get key(): number { return u32(this.buf, this.field(0)); }
  /** PPTP: key high half is the payload length, low half the call id. */
  get pptpPayloadLength(): number { return u16(this.buf, this.field(0)); }
  get pptpCallId(): number { return u16(this.buf, this.field(2)); }
  get seq(): number { return u32(this.buf, this.field(this.hasKey ? 4 : 0)); }
  get ack(): number { return u32(this.buf, this.field((this.hasKey ? 4 : 0) + (this.hasSeq ? 4 : 0))); }
  get payloadStart(): number { return this.start + this.headerLength; }
}

/** GRE protocol types are EtherTypes, plus PPP (0x880b) for PPTP. */
export const GRE_PROTO_PPP = 0x880b;

const EMPTY = new Uint8Array(0);
