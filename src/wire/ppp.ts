/**
 * PPP (RFC 1661) as carried by PPPoE (RFC 2516) and by PPTP's enhanced GRE
 * (RFC 2637): optionally the HDLC-like address/control bytes `ff 03`
 * (RFC 1662, absent when address-and-control-field compression is on), then
 * the protocol field, 2 bytes or 1 byte when protocol-field compression made
 * it odd (RFC 1661 section 6.5: the low bit of the last protocol byte is 1).
 *
 * Check once, then read: after `check()` returns `Check.ok`, getters cannot fail.
 */
import { Check, u16 } from './bytes.js';

export const PppProtocol = {
  ipv4: 0x0021, ipv6: 0x0057, lcp: 0xc021, pap: 0xc023, chap: 0xc223, ipcp: 0x8021, ipv6cp: 0x8057, ccp: 0x80fd,
  compressed: 0x00fd,
} as const;

const NAMES: Record<number, string> = {
  0x0021: 'IPv4', 0x0057: 'IPv6', 0xc021: 'LCP', 0xc023: 'PAP', 0xc223: 'CHAP', 0x8021: 'IPCP',
  0x8057: 'IPV6CP', 0x80fd: 'CCP', 0x00fd: 'compressed datagram',
};
export function pppProtocolName(p: number): string { return NAMES[p] ?? `proto 0x${p.toString(16).padStart(4, '0')}`; }

export class PppView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** Length of the address/control prefix (0 or 2) and of the protocol field (1 or 2). */
  acLength = 0;
  protocolLength = 2;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    this.acLength = 0; this.protocolLength = 2;
    return this;
  }

  check(): Check {
    const b = this.buf;
    let p = this.start;
    if (this.end - p >= 2 && b[p] === 0xff && b[p + 1] === 0x03) { this.acLength = 2; p += 2; }
    if (this.end - p < 1) return Check.truncated;
    // RFC 1661 section 2: protocol values are odd in their low byte, even in the high one.
    if ((b[p]! & 1) === 1) { this.protocolLength = 1; return Check.ok; }
    this.protocolLength = 2;
    return this.end - p < 2 ? Check.truncated : Check.ok;
  }

  get headerLength(): number { return this.acLength + this.protocolLength; }
  get protocol(): number {
    const p = this.start + this.acLength;
    return this.protocolLength === 1 ? this.buf[p]! : u16(this.buf, p);
  }
  get payloadStart(): number { return this.start + this.acLength + this.protocolLength; }
}

/** LCP/IPCP-style control packet header (RFC 1661 section 5): code, identifier, length. */
export const LCP_HEADER_LEN = 4;
const LCP_CODES = ['', 'Configure-Request', 'Configure-Ack', 'Configure-Nak', 'Configure-Reject', 'Terminate-Request',
  'Terminate-Ack', 'Code-Reject', 'Protocol-Reject', 'Echo-Request', 'Echo-Reply', 'Discard-Request'] as const;
export function lcpCodeName(c: number): string { return (c > 0 ? LCP_CODES[c] : undefined) ?? `code ${c}`; }
export function lcpLength(b: Uint8Array, o: number): number { return u16(b, o + 2); }

const EMPTY = new Uint8Array(0);
