/**
 * Byte vectors for the wire and decode tests, each labelled with the tcpdump
 * line it came from (`tcpdump -nn -tttt -xx -r FILE`, tcpdump 4.99), and
 * helpers to turn them into frames.
 */
import type { Frame } from '../../src/capture/source.js';
import { Anomaly } from '../../src/decode/anomalies.js';
import { Decoded } from '../../src/decode/decoded.js';
import { FrameDecoder, type FrameDecoderOptions } from '../../src/decode/stack.js';

export function bytes(hex: string): Uint8Array {
  const h = hex.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function frameOf(buf: Uint8Array, linkType = 1, opts: Partial<Frame> = {}): Frame {
  return {
    number: 1, buf, offset: 0, capLen: buf.length, origLen: buf.length, tsSec: 1_000_000_000, tsNsec: 0,
    linkType, ifIndex: 0, fileOffset: -1, comment: undefined, ...opts,
  };
}

/** Decodes bytes as one frame with a fresh decoder. */
export function decode(buf: Uint8Array, linkType = 1, opts: Partial<Frame> = {}, decOpts: FrameDecoderOptions = {}): Decoded {
  const d = new Decoded();
  new FrameDecoder(decOpts).decode(frameOf(buf, linkType, opts), d);
  return d;
}

export function layers(d: Decoded): number[] { return Array.from(d.layers.subarray(0, d.layerCount)); }
export function anomalyNames(d: Decoded): string[] {
  return Array.from(d.anomalyCodes.subarray(0, d.anomalyCount), (c) => Anomaly.name(c));
}

/** tcpdump-print-flags.pcap frame 1:
 * 2005-07-06 03:57:35.938066 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [S], seq 928549246, win 32767, options [mss 16396,sackOK,TS val 1306300950 ecr 0,nop,wscale 2], length 0 */
export const ETH_IPV4_TCP_SYN = bytes(`
  0000 0000 0000 0000 0000 0000 0800 4500
  003c 1b68 4000 4006 2152 7f00 0001 7f00
  0001 da70 0050 3758 897e 0000 0000 a002
  7fff 1421 0000 0204 400c 0402 080a 4ddc
  9216 0000 0000 0103 0302`);

/** ppp-one_http_stream_rst.pcap frame 1 (Ethernet, two 802.1Q tags, PPPoE session, PPP, IPv4):
 * 2014-04-03 13:49:52.465481 PPPoE  [ses 0xdde5] IP 10.3.65.35.5068 > 185.8.212.46.80: Flags [S], seq 2631065158, win 8192, options [mss 1440,nop,wscale 8,nop,nop,sackOK], length 0 */
export const QINQ_PPPOE_TCP = bytes(`
  442b 03cd 5200 6cf0 49d4 fea8 8100 03ab
  8100 02e8 8864 1100 dde5 0036 0021 4500
  0034 3626 4000 8006 ec40 0a03 4123 b908
  d42e 13cc 0050 9cd2 de46 0000 0000 8002
  2000 e791 0000 0204 05a0 0103 0308 0101
  0402`);

/** lwerdna-simple_http_sll2.pcap frame 1 (LINKTYPE_LINUX_SLL2):
 * 2024-11-26 14:45:35.227290 lo    In  IP 127.0.0.1.37614 > 127.0.0.1.8000: Flags [S], seq 139636242, win 65495, options [mss 65495,sackOK,TS val 513001463 ecr 0,nop,wscale 7], length 0 */
export const SLL2_TCP = bytes(`
  0800 0000 0000 0001 0304 0006 0000 0000
  0000 0000 4500 003c 34ff 4000 4006 07bb
  7f00 0001 7f00 0001 92ee 1f40 0852 ae12
  0000 0000 a002 ffd7 fe30 0000 0204 ffd7
  0402 080a 1e93 c7f7 0000 0000 0103 0307`);

/** ndpi-http2.pcapng frame 1 (LINKTYPE_LINUX_SLL):
 * 2020-06-11 08:17:40.344658 IP 127.0.0.1.37824 > 127.0.0.1.29518: Flags [P.], seq 474296310:474296374, ack 2726225307, win 512, options [nop,nop,TS val 3866889137 ecr 3866889137], length 64 */
export const SLL_TCP = bytes(`
  0000 0304 0006 0000 0000 0000 ffff 0800
  4500 0074 d644 4000 4006 663d 7f00 0001
  7f00 0001 93c0 734e 1c45 2ff6 a27e e59b
  8018 0200 fe68 0000 0101 080a e67c 0bb1
  e67c 0bb1 5052 4920 2a20 4854 5450 2f32
  2e30 0d0a 0d0a 534d 0d0a 0d0a 0000 1204
  0000 0000 0000 0200 0000 0000 0400 4000
  0000 0600 a000 0000 0004 0800 0000 0000
  4000 0000`);

/** ppp-raw_ip.pcap frame 1 (LINKTYPE_RAW, IPv6):
 * 2006-05-13 20:23:15.526632 IP6 2001:618:400::5199:cc70.35995 > 2001:618:1:8000::5.80: Flags [S], seq 1793525558, win 5680, options [mss 1420,sackOK,TS val 14490169 ecr 0,nop,wscale 2], length 0 */
export const RAW_IPV6_TCP = bytes(`
  6000 0000 0028 0640 2001 0618 0400 0000
  0000 0000 5199 cc70 2001 0618 0001 8000
  0000 0000 0000 0005 8c9b 0050 6ae7 0736
  0000 0000 a002 1630 299c 0000 0204 058c
  0402 080a 00dd 1a39 0000 0000 0103 0302`);

/** tcpdump-pptp.pcap frame 16 (GRE v1 / PPP / LCP):
 * 2000-03-27 08:56:35.411903 IP 10.1.1.11 > 10.1.1.10: GREv1, call 0, seq 0, length 60: LCP, Conf-Request (0x01), id 0, length 46 */
export const GRE_PPP_LCP = bytes(`
  0800 209f 6b72 0000 0000 0000 0800 4500
  0050 03bc 0000 802f 20ad 0a01 010b 0a01
  010a 3001 880b 0030 0000 0000 0000 ff03
  c021 0100 002c 0506 0219 52cf 0702 0802
  0d03 0611 0406 4e13 1701 29f7 6a90 77f1
  472c 8352 47f2 71d6 5607 0000 000c`);

/** arkime-v6-http.pcap frame 4 (IPv6 hop-by-hop, ICMPv6 MLDv2):
 * 2007-08-05 19:11:38.054749 IP6 fe80::2d0:9ff:fee3:e8de > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28 */
export const IPV6_HBH_ICMPV6 = bytes(`
  3333 0000 0016 00d0 09e3 e8de 86dd 6000
  0000 0024 0001 fe80 0000 0000 0000 02d0
  09ff fee3 e8de ff02 0000 0000 0000 0000
  0000 0000 0016 3a00 0502 0000 0100 8f00
  74fe 0000 0001 0400 0000 ff02 0000 0000
  0000 0000 0001 ff98 06e1`);

/** zeek-http-vlan-0.pcap frame 1 (802.1Q, VLAN id 0, priority 5):
 * 2013-03-07 21:42:06.869344 IP 141.142.228.5.59856 > 192.150.187.43.80: Flags [S], seq 4263588410, win 65535, options [mss 1460,nop,wscale 4,nop,nop,TS val 374005024 ecr 0,sackOK,eol], length 0 */
export const VLAN0_TCP = bytes(`
  0010 db88 d2ef c8bc c896 d2a0 8100 b000
  0800 4500 0040 df8e 4000 4006 6dd3 8d8e
  e405 c096 bb2b e9d0 0050 fe21 323a 0000
  0000 b002 ffff 3bc0 0000 0204 05b4 0103
  0304 0101 080a 164a dd20 0000 0000 0402
  0000`);

/** tcpdump-tcp_eight_lowest_weight_flags_set.pcap frame 1:
 * 2018-11-01 10:51:25.009792 IP 10.0.0.2.6260 > 10.128.0.2.80: Flags [FSRP.UEW], seq 576462951, ack 486026015, win 512, urg 0, length 0 */
export const TCP_EIGHT_FLAGS = bytes(`
  4201 0af0 0001 4201 0af0 0017 0800 4500
  0028 8e4a 0000 4006 d802 0a00 0002 0a80
  0002 1874 0050 225c 2067 1cf8 2b1f 50ff
  0200 f4c3 0000`);

/** ppp-null_loopback.pcap frame 1 (LINKTYPE_NULL, family 30 little-endian = AF_INET6 on macOS), first 80 bytes:
 * 2013-02-14 15:07:37.375051 IP6 ::1.49888 > ::1.81: Flags [P.], seq 1482536582:1482536985, ack 1634461540, win 9175, options [nop,nop,TS val 2936704510 ecr 2936704510], length 403 */
export const NULL_IPV6_TCP_HEAD = bytes(`
  1e00 0000 6000 0000 01b3 0640 0000 0000
  0000 0000 0000 0000 0000 0001 0000 0000
  0000 0000 0000 0000 0000 0001 c2e0 0051
  585d b686 616b e764 8018 23d7 01bb 0000
  0101 080a af0a 8dfe af0a 8dfe 0a20 2020`);

/** zeek-ipv6-fragmented-dns.pcap frame 1 (unfragmented UDP/DNS over IPv6):
 * 2012-03-07 01:37:58.438444 IP6 2001:470:1f11:81f:d138:5f55:6d4:1fe2.51850 > 2607:f740:b::f93.53: 3903+ [1au] TXT? txtpadding_323.n1.netalyzr.icsi.berkeley.edu. (73) */
export const ETH_IPV6_UDP = bytes(`
  d830 6248 c5b5 c42c 033b 6caa 86dd 6000
  0000 0051 1140 2001 0470 1f11 081f d138
  5f55 06d4 1fe2 2607 f740 000b 0000 0000
  0000 0000 0f93 ca8a 0035 0051 f95a 0f3f
  0100 0001 0000 0000 0001 0e74 7874 7061
  6464 696e 675f 3332 3302 6e31 086e 6574
  616c 797a 7204 6963 7369 0862 6572 6b65
  6c65 7903 6564 7500 0010 0001 0000 2910
  0000 0080 0000 00`);

/** Ethernet/IPv4/TCP with the given options (length a multiple of 4) and no payload. */
export function tcpPacket(opts: Uint8Array, payload = new Uint8Array(0)): Uint8Array {
  const hl = 20 + opts.length;
  const total = 20 + hl + payload.length;
  const b = new Uint8Array(14 + total);
  b.set(bytes('020000000001 020000000002 0800'), 0);
  b.set(bytes('4500'), 14);
  b[16] = total >> 8; b[17] = total & 255;
  b.set(bytes('0001 4000 4006 0000 0a000001 0a000002'), 18);
  b.set(bytes('04d2 0050 00000064 00000000'), 34);
  b[46] = (hl / 4) << 4; b[47] = 0x10;
  b.set(bytes('ffff 0000 0000'), 48);
  b.set(opts, 54);
  b.set(payload, 54 + opts.length);
  return b;
}

const ETH_HDR = bytes('020000000001 020000000002');

/** Ethernet/IPv4 around `l4` with protocol `proto`; `totalLength` overrides the header's total length. */
export function ipv4Packet(proto: number, l4: Uint8Array, o: { totalLength?: number; ihl?: number; options?: Uint8Array; flagsFrag?: number; id?: number; src?: number; dst?: number } = {}): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const b = new Uint8Array(14 + hl + l4.length);
  b.set(ETH_HDR, 0);
  b[12] = 0x08; b[13] = 0x00;
  const ip = 14;
  b[ip] = 0x40 | (o.ihl ?? hl / 4);
  const total = o.totalLength ?? hl + l4.length;
  b[ip + 2] = total >> 8; b[ip + 3] = total & 255;
  const id = o.id ?? 1;
  b[ip + 4] = id >> 8; b[ip + 5] = id & 255;
  const ff = o.flagsFrag ?? 0x4000;
  b[ip + 6] = ff >> 8; b[ip + 7] = ff & 255;
  b[ip + 8] = 64; b[ip + 9] = proto;
  const src = o.src ?? 0x0a000001, dst = o.dst ?? 0x0a000002;
  for (let i = 0; i < 4; i++) { b[ip + 12 + i] = (src >>> (24 - 8 * i)) & 255; b[ip + 16 + i] = (dst >>> (24 - 8 * i)) & 255; }
  b.set(opts, ip + 20);
  let sum = 0;
  for (let i = 0; i < hl; i += 2) sum += (b[ip + i]! << 8) | b[ip + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  b[ip + 10] = ck >> 8; b[ip + 11] = ck & 255;
  b.set(l4, ip + hl);
  return b;
}

/** Ethernet/IPv6 with next header `nh` and the given payload (extension headers included). */
export function ipv6Packet(nh: number, payload: Uint8Array, o: { payloadLength?: number } = {}): Uint8Array {
  const b = new Uint8Array(14 + 40 + payload.length);
  b.set(ETH_HDR, 0);
  b[12] = 0x86; b[13] = 0xdd;
  const ip = 14;
  b[ip] = 0x60;
  const pl = o.payloadLength ?? payload.length;
  b[ip + 4] = pl >> 8; b[ip + 5] = pl & 255;
  b[ip + 6] = nh; b[ip + 7] = 64;
  b.set(bytes('2001 0db8 0000 0000 0000 0000 0000 0001 2001 0db8 0000 0000 0000 0000 0000 0002'), ip + 8);
  b.set(payload, ip + 40);
  return b;
}

/** A UDP header + payload; `length` overrides the UDP length field. */
export function udpSegment(payload: Uint8Array, length?: number, sport = 5353, dport = 53): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  const l = length ?? b.length;
  b[0] = sport >> 8; b[1] = sport & 255; b[2] = dport >> 8; b[3] = dport & 255;
  b[4] = l >> 8; b[5] = l & 255;
  b.set(payload, 8);
  return b;
}

/** A 20-byte TCP header with ACK set, then `payload`. */
export function tcpSegment(payload = new Uint8Array(0), flags = 0x10, seq = 100, ack = 200): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  b.set(bytes('04d2 0050'), 0);
  for (let i = 0; i < 4; i++) { b[4 + i] = (seq >>> (24 - 8 * i)) & 255; b[8 + i] = (ack >>> (24 - 8 * i)) & 255; }
  b[12] = 0x50; b[13] = flags; b[14] = 0xff; b[15] = 0xff;
  b.set(payload, 20);
  return b;
}
