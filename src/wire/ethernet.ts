/**
 * Ethernet II / IEEE 802.3 header (IEEE 802.3 clause 3.2).
 *
 *   0      6      12         14
 *   | dst  | src  | type/len |
 *
 * A type/length value below 0x0600 is an 802.3 length and an 802.2 LLC
 * header follows; 0x0600 and above is an EtherType.
 *
 * Check once, then read: after `check()` returns `Check.ok`, every getter
 * reads inside `[start, end)` and cannot fail.
 */
import { Check, hexColon, u16 } from './bytes.js';

export const EthOffset = { DST: 0, SRC: 6, TYPE: 12 } as const;
export const ETH_HEADER_LEN = 14;
/** Values of the type field below this are 802.3 lengths. */
export const ETH_TYPE_MIN = 0x0600;

export const EtherType = {
  ipv4: 0x0800, arp: 0x0806, vlan: 0x8100, ipv6: 0x86dd, qinq: 0x88a8, vlan9100: 0x9100,
  pppoeDiscovery: 0x8863, pppoeSession: 0x8864, lldp: 0x88cc, mpls: 0x8847,
  rarp: 0x8035, eapol: 0x888e, ptp: 0x88f7, macsec: 0x88e5, loopback: 0x9000,
} as const;

const ETHERTYPE_NAMES: Record<number, string> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q', 0x86dd: 'IPv6', 0x88a8: '802.1ad', 0x9100: 'QinQ',
  0x8863: 'PPPoE-D', 0x8864: 'PPPoE-S', 0x88cc: 'LLDP', 0x8847: 'MPLS', 0x8035: 'RARP',
  0x888e: 'EAPOL', 0x88f7: 'PTP', 0x88e5: 'MACsec', 0x9000: 'Loopback',
};
/** Name of an EtherType, or the raw number (`ethertype 0x88b5`) when unknown (STYLE principle 5). */
export function etherTypeName(t: number): string {
  return ETHERTYPE_NAMES[t] ?? `ethertype 0x${t.toString(16).padStart(4, '0')}`;
}

export class EthernetView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check {
    return this.end - this.start < ETH_HEADER_LEN ? Check.truncated : Check.ok;
  }

  get typeOrLength(): number { return u16(this.buf, this.start + EthOffset.TYPE); }
  /** True when the type field is an 802.3 length (an LLC header follows). */
  get isLength(): boolean { return this.typeOrLength < ETH_TYPE_MIN; }
  get headerLength(): number { return ETH_HEADER_LEN; }
  get payloadStart(): number { return this.start + ETH_HEADER_LEN; }
  dstString(): string { return hexColon(this.buf, this.start + EthOffset.DST, 6); }
  srcString(): string { return hexColon(this.buf, this.start + EthOffset.SRC, 6); }
}

const EMPTY = new Uint8Array(0);
