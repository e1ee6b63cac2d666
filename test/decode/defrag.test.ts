import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { Anomaly } from '../../src/decode/anomalies.js';
import { Decoded, LayerId } from '../../src/decode/decoded.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { anomalyNames, bytes, frameOf, ipv4Packet, ipv6Packet, tcpSegment, udpSegment } from '../wire/vectors.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');

async function decodeAll(file: string, dec = new FrameDecoder()) {
  const out: Array<{ n: number; layers: number[]; isFragment: boolean; reassembled: boolean; anomalies: string[]; payloadLen: number; srcPort: number }> = [];
  const src = await openCapture(resolve(CAPTURES, file));
  const d = new Decoded();
  for await (const batch of src) {
    for (const f of batch) {
      dec.decode(f, d);
      out.push({
        n: f.number, layers: Array.from(d.layers.subarray(0, d.layerCount)), isFragment: d.isFragment, reassembled: d.reassembled,
        anomalies: anomalyNames(d), payloadLen: d.payloadLen, srcPort: d.srcPort,
      });
    }
  }
  return { out, dec };
}

/** IPv4 fragments of `payload` (a transport segment) in pieces of `size` bytes (a multiple of 8). */
function fragments4(payload: Uint8Array, size: number, id = 7, proto = 17): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const more = off + size < payload.length;
    out.push(ipv4Packet(proto, payload.subarray(off, off + size), { id, flagsFrag: (more ? 0x2000 : 0) | (off / 8) }));
  }
  return out;
}

function fragment6(payload: Uint8Array, off: number, len: number, more: boolean, id = 9, nh = 17): Uint8Array {
  const fh = new Uint8Array(8 + len);
  fh[0] = nh;
  const v = off | (more ? 1 : 0);
  fh[2] = v >> 8; fh[3] = v & 0xff;
  fh[4] = (id >>> 24) & 255; fh[5] = (id >>> 16) & 255; fh[6] = (id >>> 8) & 255; fh[7] = id & 255;
  fh.set(payload.subarray(off, off + len), 8);
  return ipv6Packet(44, fh);
}

describe('IP reassembly on the corpus', () => {
  it('ppp-frag_http_req.pcap: 11 IPv4 fragments, the 11th completes an HTTP request (tshark: eth:ip:tcp:http on frame 11)', async () => {
    const { out, dec } = await decodeAll('ppp-frag_http_req.pcap');
    expect(out).toHaveLength(11);
    for (const f of out.slice(0, 10)) {
      expect(f.isFragment).toBe(true);
      expect(f.reassembled).toBe(false);
      expect(f.layers).toEqual([LayerId.eth, LayerId.ipv4]);
    }
    const last = out[10]!;
    expect(last.reassembled).toBe(true);
    expect(last.layers).toEqual([LayerId.eth, LayerId.ipv4, LayerId.tcp]);
    expect(last.srcPort).toBe(64415);
    expect(last.payloadLen).toBe(1460);
    expect(dec.defrag!.stats).toMatchObject({ fragments: 11, completed: 1, pending: 0, pendingBytes: 0, overlaps: 0 });
  });

  it('zeek-ipv4-fragmented-4.pcap: out of order with an overlap (first copy kept, overlap noted)', async () => {
    const { out, dec } = await decodeAll('zeek-ipv4-fragmented-4.pcap');
    expect(out.map((f) => f.reassembled)).toEqual([false, false, false, false, true, false]);
    expect(out[4]!.anomalies).toContain('fragment_overlap');
    expect(out[4]!.layers).toEqual([LayerId.eth, LayerId.ipv4, LayerId.tcp]);
    expect(out[4]!.payloadLen).toBe(69); // tcpdump: seq 14715173:14715242
    expect(dec.defrag!.stats).toMatchObject({ fragments: 4, completed: 1, overlaps: 1, pending: 0 });
  });

  it('zeek-ipv6-fragmented-dns.pcap: IPv6 fragments reassembled into a 3230-byte DNS response; the orphan stays pending', async () => {
    const { out, dec } = await decodeAll('zeek-ipv6-fragmented-dns.pcap');
    const last = out[7]!;
    expect(last.reassembled).toBe(true);
    expect(last.layers).toEqual([LayerId.eth, LayerId.ipv6, LayerId.ipv6ext, LayerId.udp]);
    expect(last.payloadLen).toBe(3230);
    expect(out[3]!.isFragment && !out[3]!.reassembled).toBe(true);
    expect(dec.defrag!.stats).toMatchObject({ fragments: 4, completed: 1, pending: 1 });
    dec.defrag!.flush();
    expect(dec.defrag!.stats).toMatchObject({ pending: 0, pendingBytes: 0, expired: 1 });
  });

  it('without reassembly, fragments stay fragments', async () => {
    const { out } = await decodeAll('ppp-frag_http_req.pcap', new FrameDecoder({ defrag: false }));
    expect(out.every((f) => f.isFragment && !f.reassembled)).toBe(true);
  });
});

describe('IP reassembly rules', () => {
  const seg = udpSegment(Uint8Array.from({ length: 100 }, (_, i) => i));

  it('in order, reverse order, and shuffled give the same datagram', () => {
    const frags = fragments4(seg, 32);
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]) {
      const dec = new FrameDecoder();
      const d = new Decoded();
      order.forEach((i, k) => {
        dec.decode(frameOf(frags[i]!, 1, { number: k + 1 }), d);
        expect(d.reassembled).toBe(k === order.length - 1);
      });
      expect(d.isUdp).toBe(true);
      expect(Array.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLen))).toEqual(Array.from(seg.subarray(8)));
      expect(d.reassembledLayer).toBe(2);
      expect(d.l3Offset).toBe(0);
      expect(d.frameL3Offset).toBe(14);
    }
  });

  it('fragments read into one reused buffer (as file readers and live capture hand them out) reassemble the same', () => {
    const frags = fragments4(seg, 32);
    const other = ipv4Packet(17, udpSegment(new Uint8Array(40)), { src: 0xc0000201, dst: 0xc0000202, id: 99 });
    const shared = Buffer.alloc(512);
    const frameAddr = (() => { const d = new Decoded(); new FrameDecoder().decode(frameOf(frags[0]!), d); return [d.addr[3], d.addr[7]]; })();
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0]]) {
      const dec = new FrameDecoder();
      const d = new Decoded();
      let n = 0;
      order.forEach((i, k) => {
        const at = k === order.length - 1 ? 256 : 0;
        if (k === order.length - 1) {
          // The reader's buffer moved on: another host's packet now lies where the first fragments were.
          shared.set(other);
          dec.decode(frameOf(shared, 1, { number: ++n, capLen: other.length, origLen: other.length }), d);
        }
        shared.set(frags[i]!, at);
        dec.decode(frameOf(shared, 1, { number: ++n, offset: at, capLen: frags[i]!.length, origLen: frags[i]!.length }), d);
      });
      expect(d.reassembled).toBe(true);
      expect([d.addr[3], d.addr[7]]).toEqual(frameAddr);
      expect(d.isUdp).toBe(true);
      expect(d.srcPort).toBe(new DataView(seg.buffer, seg.byteOffset).getUint16(0));
      expect(Array.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLen))).toEqual(Array.from(seg.subarray(8)));
    }
  });

  it('overlapping fragments: the first copy of each byte wins and the overlap is noted', () => {
    const frags = fragments4(seg, 64);
    const dec = new FrameDecoder();
    const d = new Decoded();
    // A forged fragment covering bytes 56..64 with different data, sent first.
    const forged = ipv4Packet(17, new Uint8Array(8).fill(0xee), { id: 7, flagsFrag: 0x2000 | 7 });
    dec.decode(frameOf(forged), d);
    dec.decode(frameOf(frags[0]!), d);
    expect(anomalyNames(d)).toContain('fragment_overlap');
    dec.decode(frameOf(frags[1]!), d);
    expect(d.reassembled).toBe(true);
    const p = d.buf.subarray(d.payloadOffset - 8, d.payloadOffset - 8 + 108);
    expect(Array.from(p.subarray(56, 64))).toEqual(new Array(8).fill(0xee));
    expect(dec.defrag!.stats.overlaps).toBe(1);
  });

  it('a fragment reaching past 65535 bytes is refused as malformed', () => {
    const dec = new FrameDecoder();
    const d = new Decoded();
    dec.decode(frameOf(ipv4Packet(17, new Uint8Array(16), { flagsFrag: 0x1fff })), d);
    expect(anomalyNames(d)).toContain('fragment_too_big');
    expect(d.malformed).toBe(true);
    expect(dec.defrag!.pendingCount).toBe(0);
  });

  it('a fragment cut by the snapshot length is not reassembled', () => {
    const dec = new FrameDecoder();
    const d = new Decoded();
    const f = fragments4(seg, 64)[0]!;
    dec.decode(frameOf(f.subarray(0, f.length - 10), 1, { origLen: f.length }), d);
    expect(anomalyNames(d)).toContain('fragment_truncated');
    expect(dec.defrag!.stats.refused).toBe(1);
  });

  it('IPv6: the fragment header stays in the layer list, the datagram is decoded from the reassembled bytes', () => {
    const dec = new FrameDecoder();
    const d = new Decoded();
    dec.decode(frameOf(fragment6(seg, 56, 52, false)), d);
    expect(d.isFragment && !d.reassembled).toBe(true);
    dec.decode(frameOf(fragment6(seg, 0, 56, true)), d);
    expect(d.reassembled).toBe(true);
    expect(Array.from(d.layers.subarray(0, d.layerCount))).toEqual([LayerId.eth, LayerId.ipv6, LayerId.ipv6ext, LayerId.udp]);
    expect(d.payloadLen).toBe(100);
    expect(d.fragOffset).toBe(0);
    expect(d.moreFragments).toBe(true);
  });

  it('timeouts are measured in packet time: 30 s for IPv4, 60 s for IPv6', () => {
    const dec = new FrameDecoder();
    const d = new Decoded();
    const frags = fragments4(seg, 64);
    dec.decode(frameOf(frags[0]!, 1, { tsSec: 1000 }), d);
    dec.decode(frameOf(fragment6(seg, 0, 56, true), 1, { tsSec: 1000 }), d);
    dec.decode(frameOf(tcpPacketAt(), 1, { tsSec: 1029 }), d);
    expect(dec.defrag!.pendingCount).toBe(2);
    dec.decode(frameOf(tcpPacketAt(), 1, { tsSec: 1031 }), d);
    expect(dec.defrag!.pendingCount).toBe(1);
    dec.decode(frameOf(frags[1]!, 1, { tsSec: 1032 }), d);
    expect(d.reassembled).toBe(false); // its first half expired
    dec.decode(frameOf(tcpPacketAt(), 1, { tsSec: 1061 }), d);
    expect(dec.defrag!.stats.expired).toBe(2);
    expect(dec.defrag!.stats.pending).toBe(1);
  });

  it('a flood of fragments that never complete stays within the limits; counts are exact', () => {
    const dec = new FrameDecoder({ defragLimits: { maxDatagrams: 1000, maxBytes: 4 * 1024 * 1024 } });
    const d = new Decoded();
    const N = 100_000;
    let limitMarks = 0;
    const payload = new Uint8Array(8);
    const base = ipv4Packet(17, payload, { id: 0, flagsFrag: 0x2000 });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      // distinct ids and sources: N different datagrams, each with one first fragment
      base[18] = (i >> 8) & 255; base[19] = i & 255; base[27] = (i >> 16) & 255;
      dec.decode(frameOf(base, 1, { number: i + 1, tsSec: 1000 }), d);
      for (let k = 0; k < d.anomalyCount; k++) if (d.anomalyCodes[k] === Anomaly.fragment_limit) limitMarks++;
      if (dec.defrag!.pendingCount > 1000) throw new Error(`pending ${dec.defrag!.pendingCount} at ${i}`);
    }
    const ms = performance.now() - t0;
    const s = dec.defrag!.stats;
    expect(s.fragments).toBe(N);
    expect(s.pending).toBe(1000);
    expect(s.evicted).toBe(N - 1000);
    expect(limitMarks).toBe(N - 1000);
    expect(s.pendingBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(ms).toBeLessThan(5000);
  });

  it('a flood of far-offset fragments is bounded by bytes', () => {
    const dec = new FrameDecoder({ defragLimits: { maxBytes: 1024 * 1024 } });
    const d = new Decoded();
    for (let i = 0; i < 2000; i++) {
      // one fragment at offset 60000: each pending datagram needs ~64 KiB
      const p = ipv4Packet(17, new Uint8Array(8), { id: i, flagsFrag: 0x2000 | 7500 });
      dec.decode(frameOf(p, 1, { number: i + 1 }), d);
      expect(dec.defrag!.stats.pendingBytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(dec.defrag!.stats.evicted).toBeGreaterThan(1900);
  });
});

function tcpPacketAt(): Uint8Array {
  return ipv4Packet(6, tcpSegment(bytes('00')));
}
