/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"), with the raw number as fallback. */
export const IpProto = {
  hopopt: 0, icmp: 1, igmp: 2, ipip: 4, tcp: 6, udp: 17, ipv6: 41, routing: 43, fragment: 44, gre: 47,
  esp: 50, ah: 51, icmpv6: 58, noNext: 59, dstopts: 60, sctp: 132, mobility: 135, hip: 139, shim6: 140,
} as const;

const NAMES: Record<number, string> = {
  0: 'HOPOPT', 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 43: 'IPv6-Route',
  44: 'IPv6-Frag', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 59: 'IPv6-NoNxt', 60: 'IPv6-Opts',
  103: 'PIM', 112: 'VRRP', 132: 'SCTP', 135: 'Mobility', 139: 'HIP', 140: 'Shim6',
};
export function ipProtoName(p: number): string { return NAMES[p] ?? `ip-proto-${p}`; }
