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
import type { Frame } from '../../src/capture/source.js';
import { Decoded } from '../../src/decode/decoded.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { CAPTURES, corpus } from '../pipeline/support.js';
import { facts, frameOf, mutationBases, mutations, rng } from './compare.js';

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

describe('decode fast path = layer-by-layer path', () => {
  it('every corpus frame', async () => {
    const p = new Pair();
    for (const file of corpus()) {
      // The TypeScript reader: frames without a native scan slot, so ethIpv4Tcp itself runs.
      const src = await openCapture(resolve(CAPTURES, file), { native: false });
      for await (const batch of src) for (const f of batch) p.check(f, `${file} frame ${f.number}`);
    }
    expect(p.fastHits).toBeGreaterThan(1000);
  });

  it('mutated Ethernet/IPv4/TCP frames', () => {
    const p = new Pair();
    const rand = rng(7);
    let n = 0;
    for (const base of mutationBases()) {
      p.check(frameOf(base, ++n), `base ${n}`);
      for (const m of mutations(base, 3000, rand)) {
        p.check(frameOf(m.bytes, ++n, m.capLen, m.origLen), `mutation ${n}`);
      }
    }
    expect(p.fastHits).toBeGreaterThan(100);
  });
});
