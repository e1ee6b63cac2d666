/**
 * ICMP for IPv4 (RFC 792).
 *
 *   0      1      2          4                 8
 *   | type | code | checksum | rest of header   | data
 *
 * Error messages (destination unreachable, source quench, redirect, time
 * exceeded, parameter problem) carry the original datagram's IP header and
 * at least its first 8 bytes after the header; `innerStart` points at it so
 * the stack can decode it as a nested view.
 *
 * Check once, then read: after `check()` returns `Check.ok`, getters cannot fail.
 */
import { Check, u16, u32 } from './bytes.js';

export const IcmpOffset = { TYPE: 0, CODE: 1, CHECKSUM: 2, REST: 4, DATA: 8 } as const;
export const ICMP_HEADER_LEN = 8;

export const IcmpType = {
  echoReply: 0, destUnreachable: 3, sourceQuench: 4, redirect: 5, echoRequest: 8, routerAdvert: 9, routerSolicit: 10,
  timeExceeded: 11, paramProblem: 12, timestamp: 13, timestampReply: 14,
} as const;

/** Types whose data is the invoking datagram (RFC 792, RFC 1812 section 4.3.2.3). */
export function icmpIsError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

const TYPE_NAMES: Record<number, string> = {
  0: 'echo reply', 3: 'destination unreachable', 4: 'source quench', 5: 'redirect', 8: 'echo request',
  9: 'router advertisement', 10: 'router solicitation', 11: 'time exceeded', 12: 'parameter problem',
  13: 'timestamp request', 14: 'timestamp reply',
};
const UNREACH_CODES = ['net unreachable', 'host unreachable', 'protocol unreachable', 'port unreachable',
  'fragmentation needed', 'source route failed', 'net unknown', 'host unknown', 'source host isolated',
  'net prohibited', 'host prohibited', 'net unreachable for TOS', 'host unreachable for TOS',
  'communication prohibited', 'host precedence violation', 'precedence cutoff'] as const;

export function icmpTypeName(type: number, code: number): string {
  const t = TYPE_NAMES[type] ?? `type ${type}`;
  if (type === 3) return `${t}, ${UNREACH_CODES[code] ?? `code ${code}`}`;
  if (type === 11) return `${t}, ${code === 0 ? 'TTL exceeded in transit' : code === 1 ? 'fragment reassembly time exceeded' : `code ${code}`}`;
  return code === 0 ? t : `${t}, code ${code}`;
}

export class IcmpView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  /** The type/code/checksum and the 4 "rest of header" bytes must be present. */
  check(): Check { return this.end - this.start < ICMP_HEADER_LEN ? Check.truncated : Check.ok; }

  get type(): number { return this.buf[this.start]!; }
  get code(): number { return this.buf[this.start + IcmpOffset.CODE]!; }
  get checksum(): number { return u16(this.buf, this.start + IcmpOffset.CHECKSUM); }
  /** Echo/timestamp identifier and sequence number. */
  get ident(): number { return u16(this.buf, this.start + 4); }
  get sequence(): number { return u16(this.buf, this.start + 6); }
  /** Redirect: gateway address; parameter problem: pointer in the first byte. */
  get restOfHeader(): number { return u32(this.buf, this.start + 4); }
  /** Next-hop MTU of "fragmentation needed" (RFC 1191). */
  get nextHopMtu(): number { return u16(this.buf, this.start + 6); }
  get isError(): boolean { return icmpIsError(this.type); }
  get dataStart(): number { return this.start + ICMP_HEADER_LEN; }
}

const EMPTY = new Uint8Array(0);
