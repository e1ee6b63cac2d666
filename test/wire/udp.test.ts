import { describe, expect, it } from 'vitest';
import { LayerId } from '../../src/decode/decoded.js';
import { addrToString } from '../../src/decode/stack.js';
import { UdpView } from '../../src/wire/udp.js';
import { ETH_IPV6_UDP, anomalyNames, bytes, decode, ipv4Packet, udpSegment } from './vectors.js';

describe('UDP', () => {
  it('deconstructs zeek-ipv6-fragmented-dns.pcap frame 1 (… .51850 > 2607:f740:b::f93.53: 3903+ [1au] TXT? … (73))', () => {
    const v = new UdpView().wrap(ETH_IPV6_UDP, 54, ETH_IPV6_UDP.length);
    expect([v.srcPort, v.dstPort, v.length, v.checksum]).toEqual([51850, 53, 81, 0xf95a]);
    const d = decode(ETH_IPV6_UDP);
    expect(d.isUdp).toBe(true);
    expect(addrToString(d, 0)).toBe('2001:470:1f11:81f:d138:5f55:6d4:1fe2');
    expect(addrToString(d, 1)).toBe('2607:f740:b::f93');
    expect([d.udpLength, d.payloadLen, d.payloadWireLen]).toEqual([81, 73, 73]);
    expect(d.anomalyCount).toBe(0);
  });

  it('verifies the IPv6 UDP checksum when asked', () => {
    expect(decode(ETH_IPV6_UDP, 1, {}, { checksums: true }).anomalyCount).toBe(0);
    const bad = ETH_IPV6_UDP.slice(); bad[60] ^= 1;
    expect(anomalyNames(decode(bad, 1, {}, { checksums: true }))).toEqual(['udp_bad_checksum']);
  });

  it('length < 8 and length > the IP payload are malformed; the IP payload bounds the datagram', () => {
    for (const len of [0, 7, 100]) {
      const d = decode(ipv4Packet(17, udpSegment(bytes('01020304'), len)));
      expect(anomalyNames(d), `length ${len}`).toEqual(['udp_bad_length']);
      expect(d.malformed).toBe(true);
      expect(d.payloadLen).toBe(4);
      expect(d.isUdp).toBe(true);
    }
  });

  it('a length shorter than the IP payload bounds the payload', () => {
    const d = decode(ipv4Packet(17, udpSegment(bytes('0102030405060708'), 10)));
    expect(d.anomalyCount).toBe(0);
    expect(d.payloadLen).toBe(2);
  });

  it('header cut short: truncated, ports kept when present', () => {
    const p = ipv4Packet(17, udpSegment(bytes('01020304')));
    const d = decode(p.subarray(0, 14 + 20 + 6), 1, { origLen: p.length });
    expect(anomalyNames(d)).toEqual(['udp_truncated']);
    expect(d.hasLayer(LayerId.udp)).toBe(true);
    expect([d.srcPort, d.dstPort, d.l4Offset, d.isUdp]).toEqual([5353, 53, -1, false]);
    const d2 = decode(p.subarray(0, p.length - 2), 1, { origLen: p.length });
    expect(anomalyNames(d2)).toEqual(['udp_payload_truncated']);
  });
});
