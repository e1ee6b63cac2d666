import { describe, expect, it } from 'vitest';
import { LayerId } from '../../src/decode/decoded.js';
import { addrToString } from '../../src/decode/stack.js';
import { Ipv4Check, Ipv4View } from '../../src/wire/ipv4.js';
import { ETH_IPV4_TCP_SYN, anomalyNames, bytes, decode, ipv4Packet, layers, tcpSegment, udpSegment } from './vectors.js';

describe('Ipv4View', () => {
  it('deconstructs tcpdump-print-flags.pcap frame 1 (IP 127.0.0.1.55920 > 127.0.0.1.80 ... length 0)', () => {
    const v = new Ipv4View().wrap(ETH_IPV4_TCP_SYN, 14, ETH_IPV4_TCP_SYN.length);
    expect(v.check()).toBe(Ipv4Check.ok);
    expect([v.version, v.headerLength, v.totalLength, v.ident, v.dontFragment, v.moreFragments, v.fragOffsetBytes, v.ttl, v.protocol, v.checksum])
      .toEqual([4, 20, 60, 0x1b68, true, false, 0, 64, 6, 0x2152]);
    expect([v.srcString(), v.dstString()]).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('tells truncated from malformed', () => {
    const p = ETH_IPV4_TCP_SYN;
    expect(new Ipv4View().wrap(p, 14, 33).check()).toBe(Ipv4Check.truncated);
    const v6 = p.slice(); v6[14] = 0x65;
    expect(new Ipv4View().wrap(v6, 14, v6.length).check()).toBe(Ipv4Check.badVersion);
    const ihl = p.slice(); ihl[14] = 0x44;
    expect(new Ipv4View().wrap(ihl, 14, ihl.length).check()).toBe(Ipv4Check.badIhl);
    const opt = p.slice(); opt[14] = 0x4f; // 60-byte header
    expect(new Ipv4View().wrap(opt, 14, 14 + 40).check()).toBe(Ipv4Check.optionsTruncated);
  });
});

describe('IPv4 in the stack', () => {
  it('fills addresses, ttl, id, protocol and lengths', () => {
    const d = decode(ETH_IPV4_TCP_SYN);
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv4, LayerId.tcp]);
    expect([d.ipVersion, d.l3Offset, d.ipHeaderLen, d.ipTotalLen, d.ttl, d.ipId, d.ipProto]).toEqual([4, 14, 20, 60, 64, 0x1b68, 6]);
    expect([addrToString(d, 0), addrToString(d, 1)]).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(d.addr[3]).toBe(0x7f000001);
  });

  it('IHL < 5 is malformed and stops', () => {
    const d = decode(ipv4Packet(6, tcpSegment(), { ihl: 4 }));
    expect(anomalyNames(d)).toEqual(['ipv4_bad_ihl']);
    expect(d.malformed).toBe(true);
    expect(d.hasLayer(LayerId.tcp)).toBe(false);
    expect(addrToString(d, 0)).toBe('10.0.0.1');
  });

  it('total length < header length is malformed', () => {
    const d = decode(ipv4Packet(6, tcpSegment(), { totalLength: 12 }));
    expect(anomalyNames(d)).toEqual(['ipv4_bad_total_length']);
    expect(d.malformed).toBe(true);
  });

  it('total length 0 (segmentation offload) is a note and the frame length is used', () => {
    const d = decode(ipv4Packet(6, tcpSegment(bytes('41424344')), { totalLength: 0 }));
    expect(anomalyNames(d)).toEqual(['ipv4_total_length_zero']);
    expect(d.malformed || d.truncated).toBe(false);
    expect(d.payloadLen).toBe(4);
  });

  it('total length beyond the wire frame is malformed but the layers above are still decoded', () => {
    const d = decode(ipv4Packet(6, tcpSegment(bytes('41424344')), { totalLength: 820 }));
    expect(anomalyNames(d)).toEqual(['ipv4_total_length_exceeds_wire']);
    expect(d.isTcp).toBe(true);
    expect(d.payloadLen).toBe(4);
  });

  it('cut by the snapshot length is truncation, reported once by the innermost layer', () => {
    const full = ipv4Packet(6, tcpSegment(new Uint8Array(100)));
    const d = decode(full.subarray(0, full.length - 50), 1, { origLen: full.length });
    expect(anomalyNames(d)).toEqual(['tcp_payload_truncated']);
    expect([d.payloadLen, d.payloadWireLen]).toEqual([50, 100]);
    const frag = ipv4Packet(99, new Uint8Array(100));
    const d2 = decode(frag.subarray(0, frag.length - 50), 1, { origLen: frag.length });
    expect(anomalyNames(d2)).toEqual(['unknown_ip_protocol', 'ipv4_total_length_exceeds_frame']);
  });

  it('Ethernet padding is not noted; trailing bytes beyond it are', () => {
    const small = ipv4Packet(6, tcpSegment());
    const padded = new Uint8Array(60); padded.set(small);
    expect(decode(padded).anomalyCount).toBe(0);
    const big = ipv4Packet(6, tcpSegment(new Uint8Array(40)));
    const trailer = new Uint8Array(big.length + 4); trailer.set(big);
    expect(anomalyNames(decode(trailer))).toEqual(['trailing_bytes']);
  });

  it('walks options and flags a bad option length', () => {
    // RR option: type 7, length 7, pointer 4, one address; then EOL
    const ok = decode(ipv4Packet(6, tcpSegment(), { options: bytes('0707 04 0a000001 00') }));
    expect(ok.anomalyCount).toBe(0);
    expect(ok.ipHeaderLen).toBe(28);
    expect(ok.isTcp).toBe(true);
    const bad = decode(ipv4Packet(6, tcpSegment(), { options: bytes('0701 0000') }));
    expect(anomalyNames(bad)).toEqual(['ipv4_bad_option']);
    const over = decode(ipv4Packet(6, tcpSegment(), { options: bytes('0709 0000') }));
    expect(anomalyNames(over)).toEqual(['ipv4_bad_option']);
  });

  it('checksums are verified only when asked', () => {
    const p = ETH_IPV4_TCP_SYN.slice();
    expect(decode(p, 1, {}, { checksums: true }).anomalyCount).toBe(0);
    p[24] ^= 0xff; // break the header checksum
    expect(decode(p).anomalyCount).toBe(0);
    expect(anomalyNames(decode(p, 1, {}, { checksums: true }))).toEqual(['ipv4_bad_checksum']);
    const t = ETH_IPV4_TCP_SYN.slice();
    t[14 + 20 + 16] ^= 0xff; // TCP checksum
    expect(anomalyNames(decode(t, 1, {}, { checksums: true }))).toEqual(['tcp_bad_checksum']);
    const u = ipv4Packet(17, udpSegment(bytes('01020304')));
    expect(decode(u, 1, {}, { checksums: true }).anomalyCount).toBe(0); // checksum 0: not computed (RFC 768)
  });

  it('truncation at every byte never throws and is never called malformed', () => {
    const p = ETH_IPV4_TCP_SYN;
    for (let n = 0; n < p.length; n++) {
      const d = decode(p.subarray(0, n), 1, { origLen: p.length });
      expect(d.malformed, `cut at ${n}`).toBe(false);
      expect(d.truncated, `cut at ${n}`).toBe(true);
    }
  });
});
