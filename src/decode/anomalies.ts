/**
 * The registry of named anomalies ("weirds"). Every decoder and analyzer that
 * finds something odd records one of these codes with the layer and byte
 * offset, and analysis goes on. Three severities, never merged
 * (STYLE principle 3): truncated (capture holds fewer bytes than the header
 * claims), malformed (the header itself is impossible), note (legal but
 * unusual, e.g. Ethernet padding or a bad checksum from offload).
 *
 * Codes are stable numbers: add new ones at the end of a block.
 */
export type Severity = 'truncated' | 'malformed' | 'note' | 'limit';

interface Def { readonly name: string; readonly severity: Severity; readonly text: string }

const DEFS = {
  // link 1..49
  1: { name: 'link_truncated', severity: 'truncated', text: 'link header truncated' },
  2: { name: 'unsupported_linktype', severity: 'note', text: 'link type not decoded' },
  3: { name: 'vlan_truncated', severity: 'truncated', text: '802.1Q tag truncated' },
  4: { name: 'too_many_vlan_tags', severity: 'limit', text: 'too many VLAN tags (limit reached)' },
  5: { name: 'sll_truncated', severity: 'truncated', text: 'Linux cooked header truncated' },
  6: { name: 'unknown_ethertype', severity: 'note', text: 'ethertype not decoded' },
  7: { name: 'pppoe_truncated', severity: 'truncated', text: 'PPPoE header truncated' },
  8: { name: 'arp_truncated', severity: 'truncated', text: 'ARP truncated' },
  9: { name: 'null_family_unknown', severity: 'note', text: 'loopback address family not decoded' },
  10: { name: 'llc_truncated', severity: 'truncated', text: '802.2 LLC header truncated' },
  11: { name: 'ppp_truncated', severity: 'truncated', text: 'PPP header truncated' },
  12: { name: 'gre_truncated', severity: 'truncated', text: 'GRE header truncated' },
  13: { name: 'gre_unsupported', severity: 'malformed', text: 'GRE version or routing field not supported' },
  14: { name: 'pppoe_bad_length', severity: 'malformed', text: 'PPPoE length exceeds the frame' },
  15: { name: 'encapsulation_limit', severity: 'limit', text: 'too many nested tunnels (limit reached)' },
  16: { name: 'unknown_ppp_protocol', severity: 'note', text: 'PPP protocol not decoded' },
  17: { name: 'unknown_ip_protocol', severity: 'note', text: 'IP protocol not decoded' },
  18: { name: 'too_many_layers', severity: 'limit', text: 'layer list full (limit reached); decoding stopped' },
  // IPv4 50..99
  50: { name: 'ipv4_truncated', severity: 'truncated', text: 'IPv4 header truncated' },
  51: { name: 'ipv4_bad_version', severity: 'malformed', text: 'IP version field does not match' },
  52: { name: 'ipv4_bad_ihl', severity: 'malformed', text: 'IPv4 header length < 20' },
  53: { name: 'ipv4_bad_total_length', severity: 'malformed', text: 'IPv4 total length < header length' },
  54: { name: 'ipv4_total_length_exceeds_frame', severity: 'truncated', text: 'IPv4 total length exceeds captured data' },
  55: { name: 'ipv4_total_length_zero', severity: 'note', text: 'IPv4 total length 0 (segmentation offload)' },
  56: { name: 'ipv4_bad_option', severity: 'malformed', text: 'IPv4 option length invalid' },
  57: { name: 'ipv4_fragment', severity: 'note', text: 'IPv4 fragment' },
  58: { name: 'fragment_overlap', severity: 'note', text: 'IP fragments overlap' },
  59: { name: 'fragment_limit', severity: 'limit', text: 'IP reassembly limit reached; fragment not reassembled' },
  60: { name: 'fragment_too_big', severity: 'malformed', text: 'IP fragment beyond 65535 bytes' },
  61: { name: 'ipv4_bad_checksum', severity: 'note', text: 'IPv4 header checksum wrong' },
  62: { name: 'trailing_bytes', severity: 'note', text: 'bytes after the IP datagram (padding)' },
  63: { name: 'ipv4_total_length_exceeds_wire', severity: 'malformed', text: 'IPv4 total length exceeds the frame on the wire' },
  64: { name: 'fragment_truncated', severity: 'truncated', text: 'IP fragment truncated by snapshot length; not reassembled' },
  // IPv6 100..149
  100: { name: 'ipv6_truncated', severity: 'truncated', text: 'IPv6 header truncated' },
  101: { name: 'ipv6_bad_version', severity: 'malformed', text: 'IPv6 version field is not 6' },
  102: { name: 'ipv6_ext_truncated', severity: 'truncated', text: 'IPv6 extension header truncated' },
  103: { name: 'ipv6_too_many_ext', severity: 'limit', text: 'too many IPv6 extension headers (limit reached)' },
  104: { name: 'ipv6_payload_exceeds_frame', severity: 'truncated', text: 'IPv6 payload length exceeds captured data' },
  105: { name: 'ipv6_fragment', severity: 'note', text: 'IPv6 fragment' },
  106: { name: 'ipv6_jumbo_or_zero_length', severity: 'note', text: 'IPv6 payload length 0' },
  107: { name: 'ipv6_payload_exceeds_wire', severity: 'malformed', text: 'IPv6 payload length exceeds the frame on the wire' },
  108: { name: 'ipv6_ext_exceeds_payload', severity: 'malformed', text: 'IPv6 extension header longer than the payload' },
  // ICMP 150..169
  150: { name: 'icmp_truncated', severity: 'truncated', text: 'ICMP header truncated' },
  151: { name: 'icmpv6_truncated', severity: 'truncated', text: 'ICMPv6 header truncated' },
  152: { name: 'icmp_bad_checksum', severity: 'note', text: 'ICMP checksum wrong' },
  // TCP 170..219
  170: { name: 'tcp_truncated', severity: 'truncated', text: 'TCP header truncated' },
  171: { name: 'tcp_bad_data_offset', severity: 'malformed', text: 'TCP data offset < 5 words' },
  172: { name: 'tcp_header_exceeds_segment', severity: 'malformed', text: 'TCP header longer than the IP payload' },
  173: { name: 'tcp_bad_option', severity: 'malformed', text: 'TCP option length invalid' },
  174: { name: 'tcp_options_truncated', severity: 'truncated', text: 'TCP options truncated' },
  175: { name: 'tcp_payload_truncated', severity: 'truncated', text: 'TCP payload truncated by snapshot length' },
  176: { name: 'tcp_syn_fin', severity: 'note', text: 'SYN and FIN both set' },
  177: { name: 'tcp_bad_checksum', severity: 'note', text: 'TCP checksum wrong' },
  178: { name: 'tcp_option_wrong_length', severity: 'note', text: 'TCP option has an unexpected length' },
  // UDP 220..239
  220: { name: 'udp_truncated', severity: 'truncated', text: 'UDP header truncated' },
  221: { name: 'udp_bad_length', severity: 'malformed', text: 'UDP length field invalid' },
  222: { name: 'udp_payload_truncated', severity: 'truncated', text: 'UDP payload truncated by snapshot length' },
  223: { name: 'udp_bad_checksum', severity: 'note', text: 'UDP checksum wrong' },
  // capture 240..259
  240: { name: 'frame_caplen_exceeds_origlen', severity: 'malformed', text: 'captured length larger than original length' },
  241: { name: 'frame_truncated', severity: 'truncated', text: 'frame truncated by snapshot length' },
  // reassembly / application 300..399
  300: { name: 'stream_gap', severity: 'note', text: 'bytes missing from the stream (gap)' },
  301: { name: 'stream_overlap_differs', severity: 'note', text: 'retransmitted bytes differ from the first copy' },
  302: { name: 'stream_buffer_limit', severity: 'limit', text: 'reassembly buffer limit reached' },
  303: { name: 'app_parse_error', severity: 'malformed', text: 'application data could not be parsed' },
  304: { name: 'app_limit', severity: 'limit', text: 'application parser limit reached' },
  305: { name: 'conn_table_limit', severity: 'limit', text: 'connection table limit reached; oldest entry evicted' },
} as const satisfies Record<number, Def>;

export type AnomalyCode = keyof typeof DEFS;

export const Anomaly = {
  ...(Object.fromEntries(Object.entries(DEFS).map(([k, v]) => [v.name, Number(k)])) as {
    [K in AnomalyCode as (typeof DEFS)[K]['name']]: K
  }),
  severity(code: number): Severity {
    return (DEFS as Record<number, Def>)[code]?.severity ?? 'note';
  },
  name(code: number): string {
    return (DEFS as Record<number, Def>)[code]?.name ?? `anomaly_${code}`;
  },
  text(code: number): string {
    return (DEFS as Record<number, Def>)[code]?.text ?? `anomaly ${code}`;
  },
};
