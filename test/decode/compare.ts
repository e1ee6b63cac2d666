/**
 * What the decoder-equivalence tests share (fast-path.test.ts,
 * pre-decoded.test.ts): everything a decoder leaves in `Decoded` in
 * comparable form, frames made from bytes, a reproducible PRNG, and the
 * mutations of Ethernet/IPv4/TCP frames that walk every condition under
 * which the fast path must step aside.
 */
import { ethIpv4Tcp } from '../../src/capture/frame-builders.js';
import { type Frame, newFrame } from '../../src/capture/source.js';
import type { Decoded } from '../../src/decode/decoded.js';

/** Everything the decoder writes, in comparable form (array fields cut to their counts). */
export function facts(d: Decoded): Record<string, unknown> {
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

export function frameOf(bytes: Uint8Array, n: number, capLen = bytes.length, origLen = bytes.length): Frame {
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
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An Ethernet/IPv4/TCP frame with `opts` as its TCP options (padded by the caller to a multiple of 4). */
export function withOptions(opts: number[], payload = 'xyz'): Uint8Array {
  const f = ethIpv4Tcp({ src: '10.1.1.1', dst: '10.1.1.2', sport: 1234, dport: 5678, seq: 100, ack: 200, flags: 'A', payload });
  const hl = 20 + opts.length;
  const g = new Uint8Array(f.length + opts.length);
  g.set(f.subarray(0, 54));
  g.set(opts, 54);
  g.set(f.subarray(54), 54 + opts.length);
  g[46] = (hl / 4) << 4;
  const total = g.length - 14;
  g[16] = total >> 8; g[17] = total & 255;
  return g;
}

/** The base frames of the mutation test: SYN, data across the sequence wrap, a pure ACK, and two with options. */
export function mutationBases(): Uint8Array[] {
  return [
    ethIpv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, seq: 1, ack: 0, flags: 'S' }),
    ethIpv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, seq: 0xfffffff0, ack: 0x80000001, flags: 'PA', payload: 'GET / HTTP/1.1\r\n\r\n' }),
    ethIpv4Tcp({ src: '192.168.1.1', dst: '192.168.1.2', sport: 443, dport: 51000, seq: 7, ack: 9, flags: 'A' }),
    // NOP,NOP,Timestamps (the layout the option shortcut takes) and one with other options.
    withOptions([1, 1, 8, 10, 0x80, 0, 0, 1, 0, 0, 0, 2]),
    withOptions([2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7]),
  ];
}

/** One mutation: the frame's bytes, and its captured and original lengths. */
export interface Mutant {
  bytes: Uint8Array;
  capLen: number;
  origLen: number;
}

/**
 * `count` mutations of `base` (1–3 bytes changed, mostly in the headers;
 * sometimes a shorter capture, a longer or shorter original length, or
 * Ethernet padding after the datagram), each as one or two frames.
 * `hot`: the byte range most changes fall in (default the headers from the EtherType on).
 */
export function* mutations(base: Uint8Array, count: number, rand: () => number, hot: [number, number] = [12, 62]): Generator<Mutant> {
  for (let k = 0; k < count; k++) {
    const g = base.slice();
    const flips = 1 + Math.floor(rand() * 3);
    for (let j = 0; j < flips; j++) {
      const lo = hot[0], span = Math.min(hot[1] - lo, g.length - lo);
      const at = rand() < 0.85 ? lo + Math.floor(rand() * span) : Math.floor(rand() * g.length);
      g[at] = rand() < 0.5 ? Math.floor(rand() * 256) : g[at]! ^ (1 << Math.floor(rand() * 8));
    }
    let cap = g.length, orig = g.length;
    const r = rand();
    if (r < 0.1) cap = Math.floor(rand() * g.length);
    else if (r < 0.2) orig = g.length + Math.floor(rand() * 40);
    else if (r < 0.25) orig = Math.floor(rand() * g.length);
    else if (r < 0.35) {
      const padded = new Uint8Array(Math.max(60, g.length));
      padded.set(g);
      yield { bytes: padded, capLen: padded.length, origLen: padded.length };
    }
    yield { bytes: g, capLen: cap, origLen: orig };
  }
}
