/**
 * The Ethernet/IPv4/TCP fast path of FrameDecoder (stack.ts `ethIpv4Tcp`)
 * leaves exactly what the layer-by-layer path leaves in `Decoded`, field by
 * field: on every frame of the corpus, on the benchmark-shaped frames of the
 * pcap writer, and on thousands of mutations of TCP frames (header bytes
 * flipped, lengths and captured lengths changed) that walk every condition
 * under which the fast path must step aside.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { ethIpv4Tcp } from '../../src/capture/frame-builders.js';
import { type Frame, newFrame } from '../../src/capture/source.js';
import { Decoded } from '../../src/decode/decoded.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { CAPTURES, corpus } from '../pipeline/support.js';

/** Everything the decoder writes, in comparable form (array fields cut to their counts). */
function facts(d: Decoded): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) {
    if (v instanceof Uint8Array || v instanceof Int32Array || v instanceof Uint16Array || v instanceof Uint32Array) continue;
    out[k] = v;
  }
  out.buf = d.buf.length; // contents checked separately
  out.layers = [...d.layers.subarray(0, d.layerCount)];
  out.layerOffsets = [...d.layerOffsets.subarray(0, d.layerCount)];
  out.layerProtos = [...d.layerProtos.subarray(0, d.layerCount)];
  out.anomalyCodes = [...d.anomalyCodes.subarray(0, Math.min(d.anomalyCount, 8))];
  out.anomalyLayers = [...d.anomalyLayers.subarray(0, Math.min(d.anomalyCount, 8))];
  out.anomalyOffsets = [...d.anomalyOffsets.subarray(0, Math.min(d.anomalyCount, 8))];
  out.addr = [...d.addr];
  out.innerAddr = [...d.innerAddr];
  out.sack = [...d.sack.subarray(0, d.sackCount * 2)];
  return out;
}

class Pair {
  readonly fast = new FrameDecoder();
  readonly slow = new FrameDecoder({ fastPath: false });
  readonly a = new Decoded();
  readonly b = new Decoded();
  fastHits = 0;

  check(f: Frame, what: string): void {
    this.fast.decode(f, this.a);
    this.slow.decode(f, this.b);
    expect(facts(this.a), what).toEqual(facts(this.b));
    // The frame's buffer, or (reassembled datagrams) each decoder's own copy of the same bytes.
    if (this.a.buf !== this.b.buf) expect(Buffer.from(this.a.buf).equals(Buffer.from(this.b.buf)), what).toBe(true);
    if (this.a.layerCount === 3 && this.a.layers[2] === 17 && this.a.anomalyCount === 0) this.fastHits++;
  }
}

function frameOf(bytes: Uint8Array, n: number, capLen = bytes.length, origLen = bytes.length): Frame {
  const f = newFrame();
  f.number = n;
  f.buf = bytes;
  f.offset = 0;
  f.capLen = capLen;
  f.origLen = origLen;
  f.tsSec = 1_700_000_000 + n;
  f.tsNsec = 1000 * n;
  f.linkType = 1;
  return f;
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('decode fast path = layer-by-layer path', () => {
  it('every corpus frame', async () => {
    const p = new Pair();
    for (const file of corpus()) {
      const src = await openCapture(resolve(CAPTURES, file));
      for await (const batch of src) for (const f of batch) p.check(f, `${file} frame ${f.number}`);
    }
    expect(p.fastHits).toBeGreaterThan(1000);
  });

  it('mutated Ethernet/IPv4/TCP frames', () => {
    const p = new Pair();
    const rand = rng(7);
    const bases = [
      ethIpv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, seq: 1, ack: 0, flags: 'S' }),
      ethIpv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, seq: 0xfffffff0, ack: 0x80000001, flags: 'PA', payload: 'GET / HTTP/1.1\r\n\r\n' }),
      ethIpv4Tcp({ src: '192.168.1.1', dst: '192.168.1.2', sport: 443, dport: 51000, seq: 7, ack: 9, flags: 'A' }),
    ];
    // A segment with NOP,NOP,Timestamps (the layout the option shortcut takes) and one with other options.
    for (const opts of [[1, 1, 8, 10, 0x80, 0, 0, 1, 0, 0, 0, 2], [2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7]]) {
      const f = ethIpv4Tcp({ src: '10.1.1.1', dst: '10.1.1.2', sport: 1234, dport: 5678, seq: 100, ack: 200, flags: 'A', payload: 'xyz' });
      const hl = 20 + opts.length;
      const g = new Uint8Array(f.length + opts.length);
      g.set(f.subarray(0, 54));
      g.set(opts, 54);
      g.set(f.subarray(54), 54 + opts.length);
      g[46] = (hl / 4) << 4;
      const total = g.length - 14;
      g[16] = total >> 8; g[17] = total & 255;
      bases.push(g);
    }
    let n = 0;
    for (const base of bases) {
      p.check(frameOf(base, ++n), `base ${n}`);
      for (let k = 0; k < 3000; k++) {
        const g = base.slice();
        const flips = 1 + Math.floor(rand() * 3);
        for (let j = 0; j < flips; j++) {
          // Mostly header bytes (Ethernet type, IPv4, TCP), sometimes anywhere.
          const at = rand() < 0.85 ? 12 + Math.floor(rand() * Math.min(50, g.length - 12)) : Math.floor(rand() * g.length);
          g[at] = rand() < 0.5 ? Math.floor(rand() * 256) : g[at]! ^ (1 << Math.floor(rand() * 8));
        }
        let cap = g.length, orig = g.length;
        const r = rand();
        if (r < 0.1) cap = Math.floor(rand() * g.length);
        else if (r < 0.2) orig = g.length + Math.floor(rand() * 40);
        else if (r < 0.25) orig = Math.floor(rand() * g.length);
        else if (r < 0.35) {
          // Ethernet padding after a short datagram.
          const padded = new Uint8Array(Math.max(60, g.length));
          padded.set(g);
          p.check(frameOf(padded, ++n), `padded mutation ${n}`);
        }
        p.check(frameOf(g, ++n, cap, orig), `mutation ${n}`);
      }
    }
    expect(p.fastHits).toBeGreaterThan(100);
  });
});
