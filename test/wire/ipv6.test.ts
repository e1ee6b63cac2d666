import { describe, expect, it } from 'vitest';
import { Decoded, LayerId } from '../../src/decode/decoded.js';
import { FrameDecoder, addrToString, ipv6ToString } from '../../src/decode/stack.js';
import { Ipv6Check, Ipv6View } from '../../src/wire/ipv6.js';
import { IPV6_HBH_ICMPV6, RAW_IPV6_TCP, anomalyNames, bytes, decode, frameOf, ipv6Packet, layers, tcpSegment, udpSegment } from './vectors.js';

describe('IPv6', () => {
  it('deconstructs ppp-raw_ip.pcap frame 1 (IP6 2001:618:400::5199:cc70.35995 > 2001:618:1:8000::5.80: Flags [S] …)', () => {
    const v = new Ipv6View().wrap(RAW_IPV6_TCP, 0, RAW_IPV6_TCP.length);
    expect(v.check()).toBe(Ipv6Check.ok);
    expect([v.version, v.trafficClass, v.flowLabel, v.payloadLength, v.nextHeader, v.hopLimit]).toEqual([6, 0, 0, 40, 6, 64]);
    const d = decode(RAW_IPV6_TCP, 101);
    expect(layers(d)).toEqual([LayerId.rawip, LayerId.ipv6, LayerId.tcp]);
    expect(addrToString(d, 0)).toBe('2001:618:400::5199:cc70');
    expect(addrToString(d, 1)).toBe('2001:618:1:8000::5');
    expect([d.srcPort, d.dstPort, d.seq, d.mss, d.wscale]).toEqual([35995, 80, 1793525558, 1420, 2]);
  });

  it('walks a hop-by-hop header (arkime-v6-http.pcap frame 4: HBH ICMP6, multicast listener report v2)', () => {
    const d = decode(IPV6_HBH_ICMPV6);
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv6, LayerId.ipv6ext, LayerId.icmpv6]);
    expect(d.layerProtos[2]).toBe(0);
    expect([d.ipProto, d.icmpType, d.icmpCode]).toEqual([58, 143, 0]);
    expect(d.anomalyCount).toBe(0);
  });

  it('formats addresses as RFC 5952 says', () => {
    const w = (s: string) => {
      const h = s.replace(/:/g, '');
      return Uint32Array.from([0, 1, 2, 3], (i) => parseInt(h.slice(8 * i, 8 * i + 8), 16));
    };
    expect(ipv6ToString(w('20010db8:00000000:00000000:00000001'), 0)).toBe('2001:db8::1');
    expect(ipv6ToString(w('20010db8:00000000:00010000:00000001'), 0)).toBe('2001:db8::1:0:0:1'); // first longest run
    expect(ipv6ToString(w('20010db8:00010001:00010001:00010001'), 0)).toBe('2001:db8:1:1:1:1:1:1');
    expect(ipv6ToString(w('20010db8:0000aaaa:aaaaaaaa:aaaaaaaa'), 0)).toBe('2001:db8:0:aaaa:aaaa:aaaa:aaaa:aaaa'); // one zero group stays
    expect(ipv6ToString(w('00000000:00000000:00000000:00000000'), 0)).toBe('::');
    expect(ipv6ToString(w('00000000:00000000:00000000:00000001'), 0)).toBe('::1');
    expect(ipv6ToString(w('00000000:00000000:0000ffff:c0000201'), 0)).toBe('::ffff:192.0.2.1');
    expect(ipv6ToString(w('fe800000:00000000:02d009ff:fee3e8de'), 0)).toBe('fe80::2d0:9ff:fee3:e8de');
  });

  it('walks destination options, routing and AH, and stops at the transport', () => {
    const dst = bytes('2b00 0104 0000 0000'); // next routing, len 0 (8 bytes), PadN
    const rt = bytes('3300 0000 0000 0000'); // next AH, type 0, segments left 0
    const ah = bytes('0603 0000 00000001 00000001 00000000 00000000'); // next TCP, payload len 3 → (3+2)×4 = 20 bytes
    const d = decode(ipv6Packet(60, new Uint8Array([...dst, ...rt, ...ah, ...tcpSegment()])));
    expect(layers(d)).toEqual([LayerId.eth, LayerId.ipv6, LayerId.ipv6ext, LayerId.ipv6ext, LayerId.ipv6ext, LayerId.tcp]);
    expect(Array.from(d.layerProtos.subarray(2, 5))).toEqual([60, 43, 51]);
    expect(d.isTcp).toBe(true);
    expect(d.anomalyCount).toBe(0);
  });

  it('an extension header longer than the payload is malformed; cut by the capture is truncated', () => {
    const hbh = bytes('1101 0000 0000 0000'); // claims 16 bytes
    const p = ipv6Packet(0, new Uint8Array([...hbh, ...udpSegment(new Uint8Array(0))]), { payloadLength: 12 });
    expect(anomalyNames(decode(p))).toContain('ipv6_ext_exceeds_payload');
    const full = ipv6Packet(0, new Uint8Array([...bytes('1101 0000 0000 0000 0000 0000 0000 0000'), ...udpSegment(new Uint8Array(0))]));
    const d = decode(full.subarray(0, 14 + 40 + 10), 1, { origLen: full.length });
    expect(anomalyNames(d)).toEqual(['ipv6_ext_truncated']);
    expect(d.malformed).toBe(false);
  });

  it('payload length beyond the wire frame is malformed; 0 is a note', () => {
    const p = ipv6Packet(17, udpSegment(bytes('01020304')), { payloadLength: 500 });
    expect(anomalyNames(decode(p))).toContain('ipv6_payload_exceeds_wire');
    const z = ipv6Packet(17, udpSegment(bytes('01020304')), { payloadLength: 0 });
    const dz = decode(z);
    expect(anomalyNames(dz)).toEqual(['ipv6_jumbo_or_zero_length']);
    expect(dz.payloadLen).toBe(4);
  });

  it('chains of hundreds of extension headers stop at the limit, in bounded time', () => {
    const n = 500;
    const chain = new Uint8Array(n * 8 + 8);
    for (let i = 0; i < n; i++) { chain[i * 8] = i === n - 1 ? 17 : 60; chain[i * 8 + 1] = 0; }
    const p = ipv6Packet(60, chain);
    const dec = new FrameDecoder();
    const d = new Decoded();
    const t0 = performance.now();
    for (let k = 0; k < 2000; k++) dec.decode(frameOf(p), d);
    const ms = performance.now() - t0;
    expect(anomalyNames(d)).toEqual(['ipv6_too_many_ext']);
    expect(d.layerCount).toBe(2 + dec.limits.maxIpv6ExtHeaders);
    expect(ms).toBeLessThan(2000);
    // A larger limit lets the same chain through to UDP.
    const big = new FrameDecoder({ limits: { maxIpv6ExtHeaders: 1000 } });
    big.decode(frameOf(p), d);
    // The layer list holds MAX_LAYERS entries: the chain is cut there, with a limit anomaly.
    expect(anomalyNames(d)).toEqual(['too_many_layers']);
    expect(d.layerCount).toBe(48);
  });
});
