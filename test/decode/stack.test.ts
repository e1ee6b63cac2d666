import { describe, expect, it } from 'vitest';
import { Anomaly } from '../../src/decode/anomalies.js';
import { Decoded, LayerId } from '../../src/decode/decoded.js';
import { FrameDecoder, decodeFrame } from '../../src/decode/stack.js';
import {
  ETH_IPV4_TCP_SYN, ETH_IPV6_UDP, GRE_PPP_LCP, IPV6_HBH_ICMPV6, NULL_IPV6_TCP_HEAD, QINQ_PPPOE_TCP, RAW_IPV6_TCP, SLL2_TCP, SLL_TCP, VLAN0_TCP,
  anomalyNames, frameOf, layers,
} from '../wire/vectors.js';

const VECTORS: Array<[string, Uint8Array, number]> = [
  ['Ethernet/IPv4/TCP', ETH_IPV4_TCP_SYN, 1],
  ['QinQ/PPPoE/PPP/IPv4/TCP', QINQ_PPPOE_TCP, 1],
  ['802.1Q/IPv4/TCP', VLAN0_TCP, 1],
  ['SLL/IPv4/TCP', SLL_TCP, 113],
  ['SLL2/IPv4/TCP', SLL2_TCP, 276],
  ['raw/IPv6/TCP', RAW_IPV6_TCP, 101],
  ['Ethernet/IPv6/UDP', ETH_IPV6_UDP, 1],
  ['Ethernet/IPv6/HBH/ICMPv6', IPV6_HBH_ICMPV6, 1],
  ['Ethernet/IPv4/GRE/PPP/LCP', GRE_PPP_LCP, 1],
];

describe('the layer stack', () => {
  for (const [name, v, lt] of VECTORS) {
    it(`${name}: cut at every layer boundary and every byte, keeps the layers below and says truncated`, () => {
      const dec = new FrameDecoder({ defrag: false });
      const full = new Decoded();
      dec.decode(frameOf(v, lt), full);
      expect(full.truncated || full.malformed, anomalyNames(full).join()).toBe(false);
      const all = layers(full);
      const d = new Decoded();
      for (let n = 0; n < v.length; n++) {
        dec.decode(frameOf(v.subarray(0, n), lt, { origLen: v.length }), d);
        const got = layers(d);
        expect(all.slice(0, got.length), `cut at ${n}`).toEqual(got);
        expect(d.truncated, `cut at ${n}`).toBe(true);
        expect(d.malformed, `cut at ${n}`).toBe(false);
        // Every layer that starts at or before the cut minus its minimum size is still there.
        for (let i = 0; i < full.layerCount; i++) {
          if (full.layerOffsets[i]! + 40 < n && all[i] !== LayerId.lcp) expect(got.length, `cut at ${n}: layer ${i} lost`).toBeGreaterThan(i);
        }
      }
    });
  }

  it('a mark names the layer and the byte offset relative to the frame', () => {
    const v = ETH_IPV4_TCP_SYN.slice();
    v[14 + 20 + 12] = 0x30; // TCP data offset 3
    const d = new Decoded();
    decodeFrame(frameOf(v), d);
    expect(d.anomalyCount).toBe(1);
    expect([d.anomalyCodes[0], d.anomalyLayers[0], d.anomalyOffsets[0]]).toEqual([Anomaly.tcp_bad_data_offset, LayerId.tcp, 46]);
    // the same frame at an offset inside a larger buffer gives the same relative offset
    const big = new Uint8Array(v.length + 100);
    big.set(v, 77);
    decodeFrame({ ...frameOf(big), offset: 77, capLen: v.length, origLen: v.length }, d);
    expect(d.anomalyOffsets[0]).toBe(46);
    expect(d.srcPort).toBe(55920);
  });

  it('caplen larger than origlen and than the buffer are not trusted', () => {
    const d = new Decoded();
    decodeFrame(frameOf(ETH_IPV4_TCP_SYN, 1, { origLen: 20 }), d);
    expect(anomalyNames(d)).toContain('frame_caplen_exceeds_origlen');
    decodeFrame(frameOf(ETH_IPV4_TCP_SYN, 1, { capLen: 10_000, origLen: 10_000 }), d);
    expect(d.isTcp).toBe(true);
    expect(d.payloadOffset + d.payloadLen).toBeLessThanOrEqual(ETH_IPV4_TCP_SYN.length);
  });

  it('the same Decoded is reused without leaking fields from the previous frame', () => {
    const d = new Decoded();
    const dec = new FrameDecoder();
    dec.decode(frameOf(ETH_IPV4_TCP_SYN), d);
    dec.decode(frameOf(ETH_IPV6_UDP), d);
    expect([d.tcpFlags, d.mss, d.wscale, d.seq, d.tcpHeaderLen, d.optionsOffset]).toEqual([0, -1, -1, 0, 0, -1]);
    dec.decode(frameOf(NULL_IPV6_TCP_HEAD.subarray(0, 2), 0), d);
    expect([d.ipVersion, d.srcPort, d.layerCount]).toEqual([0, -1, 0]);
    expect(Array.from(d.addr)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('decodes a million frames without growing the heap much (no per-frame garbage that survives)', () => {
    const d = new Decoded();
    const dec = new FrameDecoder();
    const frames = VECTORS.map(([, v, lt]) => frameOf(v, lt));
    for (let i = 0; i < 100_000; i++) dec.decode(frames[i % frames.length]!, d);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) dec.decode(frames[i % frames.length]!, d);
    const grew = process.memoryUsage().heapUsed - before;
    expect(grew).toBeLessThan(8 * 1024 * 1024);
  });
});
