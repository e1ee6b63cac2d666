import { describe, expect, it } from 'vitest';
import { LayerId } from '../../src/decode/decoded.js';
import { describeFrame, oneLine } from '../../src/decode/describe.js';
import { innerAddrToString } from '../../src/decode/stack.js';
import { GreView } from '../../src/wire/gre.js';
import { Check } from '../../src/wire/bytes.js';
import { GRE_PPP_LCP, anomalyNames, bytes, decode, frameOf, ipv4Packet, ipv6Packet, layers, udpSegment } from './vectors.js';

describe('ICMP', () => {
  it('echo request', () => {
    const d = decode(ipv4Packet(1, bytes('0800 f7fe 0001 0001 6162 6364')));
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv4, LayerId.icmp]);
    expect([d.icmpType, d.icmpCode, d.payloadLen]).toEqual([8, 0, 4]);
    expect(oneLine(d)).toBe('IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 12'); // tcpdump -nn's form
  });

  it('port unreachable: the embedded IPv4/UDP header is decoded as a nested view', () => {
    const inner = ipv4Packet(17, udpSegment(bytes('01020304'), undefined, 40000, 53), { src: 0x0a000002, dst: 0x0a000001 }).subarray(14, 14 + 28);
    const icmp = new Uint8Array(8 + inner.length);
    icmp.set(bytes('0303 0000 0000 0000'));
    icmp.set(inner, 8);
    const d = decode(ipv4Packet(1, icmp));
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv4, LayerId.icmp, LayerId.ipv4, LayerId.udp]);
    expect([d.icmpType, d.icmpCode, d.ipProto, d.srcPort]).toEqual([3, 3, 1, -1]);
    expect([d.innerIpVersion, d.innerProto, d.innerSrcPort, d.innerDstPort]).toEqual([4, 17, 40000, 53]);
    expect([innerAddrToString(d, 0), innerAddrToString(d, 1)]).toEqual(['10.0.0.2', '10.0.0.1']);
    expect(d.isUdp).toBe(false);
    expect(oneLine(d)).toBe('IP 10.0.0.1 > 10.0.0.2: ICMP destination unreachable, port unreachable, about UDP 10.0.0.2.40000 > 10.0.0.1.53, length 36');
    const tree = describeFrame(frameOf(ipv4Packet(1, icmp)));
    const icmpNode = tree.find((n) => n.proto === 'icmp')!;
    expect(icmpNode.children.map((c) => c.proto)).toEqual(['ip', 'udp']);
    expect(icmpNode.children[0]!.start).toBe(14 + 20 + 8);
  });

  it('ICMPv6 packet too big with the embedded IPv6 header', () => {
    const inner = ipv6Packet(17, udpSegment(new Uint8Array(8))).subarray(14, 14 + 48);
    const icmp = new Uint8Array(8 + inner.length);
    icmp.set(bytes('0200 0000 0000 0500'));
    icmp.set(inner, 8);
    const d = decode(ipv6Packet(58, icmp));
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv6, LayerId.icmpv6, LayerId.ipv6, LayerId.udp]);
    expect([d.icmpType, d.innerIpVersion, d.innerSrcPort]).toEqual([2, 6, 5353]);
  });

  it('ICMP cut short is truncated and keeps type and code', () => {
    const p = ipv4Packet(1, bytes('0303 0000 0000 0000'));
    const d = decode(p.subarray(0, 14 + 20 + 4), 1, { origLen: p.length });
    expect(anomalyNames(d)).toEqual(['icmp_truncated']);
    expect([d.icmpType, d.icmpCode]).toEqual([3, 3]);
  });
});

describe('GRE', () => {
  it('PPTP enhanced GRE, PPP, LCP (tcpdump-pptp.pcap frame 16: GREv1, call 0, seq 0, length 60: LCP, Conf-Request (0x01), id 0, length 46)', () => {
    const v = new GreView().wrap(GRE_PPP_LCP, 34, GRE_PPP_LCP.length);
    expect(v.check()).toBe(Check.ok);
    expect([v.version, v.protocol, v.hasKey, v.hasSeq, v.hasAck, v.headerLength, v.pptpPayloadLength, v.pptpCallId, v.seq]).toEqual([1, 0x880b, true, true, false, 12, 48, 0, 0]);
    const d = decode(GRE_PPP_LCP);
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv4, LayerId.gre, LayerId.ppp, LayerId.lcp]);
    expect(d.anomalyCount).toBe(0);
  });

  it('GRE carrying IPv4 (a tunnel): the inner datagram is the one the fields describe', () => {
    const inner = ipv4Packet(17, udpSegment(bytes('0102')), { src: 0xc0a80001, dst: 0xc0a80002 }).subarray(14);
    const gre = new Uint8Array(4 + inner.length);
    gre.set(bytes('0000 0800'));
    gre.set(inner, 4);
    const d = decode(ipv4Packet(47, gre));
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv4, LayerId.gre, LayerId.ipv4, LayerId.udp]);
    expect(d.srcPort).toBe(5353);
    expect(d.addr[3]).toBe(0xc0a80001);
  });

  it('nested tunnels stop at the IP-layer limit', () => {
    let p = ipv4Packet(17, udpSegment(bytes('01'))).subarray(14);
    for (let i = 0; i < 10; i++) {
      const g = new Uint8Array(4 + p.length);
      g.set(bytes('0000 0800'));
      g.set(p, 4);
      p = ipv4Packet(47, g).subarray(14);
    }
    const d = decode(ipv4Packet(4, p));
    expect(anomalyNames(d)).toContain('encapsulation_limit');
    expect(d.layerCount).toBeLessThan(20);
  });

  it('unsupported version or routing is malformed', () => {
    const d = decode(ipv4Packet(47, bytes('4000 0800 0000 0000')));
    expect(anomalyNames(d)).toEqual(['gre_unsupported']);
  });
});

describe('IPv4 AH', () => {
  it('is walked to the transport header', () => {
    const ah = bytes('0603 0000 00000001 00000001 00000000 00000000'); // next TCP, (3+2)×4 = 20 bytes
    const tcp = bytes('04d2 0050 00000064 00000000 5010 ffff 0000 0000');
    const d = decode(ipv4Packet(51, new Uint8Array([...ah, ...tcp])));
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv4, LayerId.ah, LayerId.tcp]);
    expect([d.ipProto, d.isTcp, d.srcPort]).toEqual([6, true, 1234]);
  });
});
