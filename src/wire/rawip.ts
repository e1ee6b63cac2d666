/**
 * Raw IP link types: no link header, the frame starts with an IP header.
 * LINKTYPE_RAW (101, and DLT_RAW values 12 and 14 found in old files) carries
 * IPv4 or IPv6 told apart by the version nibble; LINKTYPE_IPV4 (228) and
 * LINKTYPE_IPV6 (229) fix the version.
 * https://www.tcpdump.org/linktypes.html
 */
export const LinkType = {
  null: 0, ethernet: 1, raw12: 12, raw14: 14, raw: 101, loop: 108, linuxSll: 113,
  ipv4: 228, ipv6: 229, linuxSll2: 276,
} as const;

/**
 * IP version a raw link carries: 4 or 6 from the link type where it fixes
 * one, else from the first nibble (0 when there is no byte to look at, or it
 * is neither 4 nor 6).
 */
export function rawIpVersion(linkType: number, buf: Uint8Array, start: number, end: number): number {
  if (linkType === LinkType.ipv4) return 4;
  if (linkType === LinkType.ipv6) return 6;
  if (end <= start) return 0;
  const v = buf[start]! >> 4;
  return v === 4 || v === 6 ? v : 0;
}

export function linkTypeName(lt: number): string {
  switch (lt) {
    case 0: return 'NULL/Loopback';
    case 1: return 'Ethernet';
    case 12: case 14: case 101: return 'Raw IP';
    case 108: return 'OpenBSD loopback';
    case 113: return 'Linux cooked v1';
    case 228: return 'Raw IPv4';
    case 229: return 'Raw IPv6';
    case 276: return 'Linux cooked v2';
    default: return `linktype ${lt}`;
  }
}
