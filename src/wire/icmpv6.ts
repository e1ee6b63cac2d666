/**
 * ICMPv6 (RFC 4443), with the neighbor-discovery (RFC 4861) and MLD types
 * named.
 *
 *   0      1      2          4                 8
 *   | type | code | checksum | message body ...
 *
 * Error messages (types 1-4) carry as much of the invoking packet as fits,
 * starting at byte 8 (`innerStart`). Neighbor solicitation/advertisement and
 * redirect carry a target address at byte 8.
 *
 * Check once, then read: after `check()` returns `Check.ok` (the 4-byte
 * header and the 4 bytes after it present), getters cannot fail.
 */
import { Check, u16, u32 } from './bytes.js';

export const Icmpv6Offset = { TYPE: 0, CODE: 1, CHECKSUM: 2, BODY: 4, DATA: 8 } as const;
export const ICMPV6_HEADER_LEN = 8;

export const Icmpv6Type = {
  destUnreachable: 1, packetTooBig: 2, timeExceeded: 3, paramProblem: 4, echoRequest: 128, echoReply: 129,
  mldQuery: 130, mldReport: 131, mldDone: 132, routerSolicit: 133, routerAdvert: 134, neighborSolicit: 135,
  neighborAdvert: 136, redirect: 137, mldv2Report: 143,
} as const;

export function icmpv6IsError(type: number): boolean { return type >= 1 && type <= 4; }

const NAMES: Record<number, string> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 4: 'parameter problem',
  128: 'echo request', 129: 'echo reply', 130: 'multicast listener query', 131: 'multicast listener report',
  132: 'multicast listener done', 133: 'router solicitation', 134: 'router advertisement',
  135: 'neighbor solicitation', 136: 'neighbor advertisement', 137: 'redirect', 143: 'multicast listener report v2',
};
export function icmpv6TypeName(type: number, code: number): string {
  const t = NAMES[type] ?? `type ${type}`;
  return code === 0 ? t : `${t}, code ${code}`;
}

export class Icmpv6View {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check { return this.end - this.start < ICMPV6_HEADER_LEN ? Check.truncated : Check.ok; }

  get type(): number { return this.buf[this.start]!; }
  get code(): number { return this.buf[this.start + Icmpv6Offset.CODE]!; }
  get checksum(): number { return u16(this.buf, this.start + Icmpv6Offset.CHECKSUM); }
  get ident(): number { return u16(this.buf, this.start + 4); }
  get sequence(): number { return u16(this.buf, this.start + 6); }
  /** Packet too big: MTU; parameter problem: pointer. */
  get body32(): number { return u32(this.buf, this.start + 4); }
  get isError(): boolean { return icmpv6IsError(this.type); }
  /** Neighbor solicitation/advertisement/redirect have a 16-byte target at +8. */
  get hasTarget(): boolean { const t = this.type; return (t === 135 || t === 136 || t === 137) && this.end - this.start >= 24; }
  get dataStart(): number { return this.start + ICMPV6_HEADER_LEN; }
}

const EMPTY = new Uint8Array(0);
