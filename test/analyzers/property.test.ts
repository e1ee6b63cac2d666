/**
 * Properties (fast-check, fixed seed; SYNACK_FUZZ_RUNS for longer runs):
 *  - reassembly: any segmentation, any arrival order, any identical
 *    retransmissions give back exactly the original stream, no gap;
 *  - the application layer never throws on arbitrary bytes, mutated HTTP
 *    vectors or random segmentations, and its event texts stay inert.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createAppLayer } from '../../src/analyzers/index.js';
import { DEFAULT_REASSEMBLY_LIMITS, ReassemblyBudget, TcpReassembler, type StreamSink } from '../../src/analyzers/reassembly.js';
import { TcpFlag } from '../../src/decode/decoded.js';
import type { Dir } from '../../src/flow/hooks.js';
import { SegmentBuilder, newInfo } from './harness.js';
import { VECTORS } from './http/vectors.js';

const RUNS = Number(process.env.SYNACK_FUZZ_RUNS ?? 200);
const SEED = Number(process.env.SYNACK_FUZZ_SEED ?? 0x5eed);
console.log(`property tests: seed ${SEED}, ${RUNS} runs`);

describe('reassembly properties', () => {
  test('any segmentation, order and duplication gives the original stream back', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 600 }),
      fc.array(fc.integer({ min: 1, max: 599 }), { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (data, cuts, order, dups, isn) => {
        const points = [...new Set(cuts.filter((c) => c < data.length))].sort((a, b) => a - b);
        const segs: [number, number][] = [];
        let prev = 0;
        for (const c of [...points, data.length]) { segs.push([prev, c]); prev = c; }
        // A permutation from `order`, then some segments again (identical retransmissions).
        const idx = segs.map((_, i) => i);
        for (let i = idx.length - 1; i > 0; i--) {
          const j = (order[i] ?? i) % (i + 1);
          [idx[i], idx[j]] = [idx[j]!, idx[i]!];
        }
        for (const d of dups) idx.push(d % segs.length);
        const out: number[] = [];
        let gaps = 0;
        const sink: StreamSink = {
          data: (_d, buf, o, n) => { for (let i = 0; i < n; i++) out.push(buf[o + i]!); },
          gap: () => { gaps++; },
          end: () => {},
          marker: () => {},
        };
        const r = new TcpReassembler(sink, new ReassemblyBudget(DEFAULT_REASSEMBLY_LIMITS));
        const info = newInfo();
        info.flags = TcpFlag.SYN;
        info.seq = isn;
        info.isn = isn;
        r.segment(info, 0);
        let f = 1;
        for (const i of idx) {
          const [s, e] = segs[i]!;
          info.flags = TcpFlag.ACK;
          info.frameNumber = ++f;
          info.seq = (isn + 1 + s) >>> 0;
          info.buf = data.slice(s, e);
          info.payloadOffset = 0;
          info.payloadLen = e - s;
          info.payloadWireLen = e - s;
          r.segment(info, f);
        }
        r.finish();
        expect(gaps).toBe(0);
        expect(Uint8Array.from(out)).toEqual(data);
      },
    ), { seed: SEED, numRuns: RUNS });
  });
});

const INERT = /[\u0000-\u001f\u007f-\u009f]/;

function checkLayer(layer: ReturnType<typeof createAppLayer>): void {
  for (const e of layer.events) expect(INERT.test(e.text), e.text).toBe(false);
  for (const t of layer.http) JSON.parse(JSON.stringify(t));
}

describe('the application layer on hostile input', () => {
  test('arbitrary bytes in both directions never throw', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 300 })), { maxLength: 12 }),
      fc.constantFrom(80, 443, 8080, 53, 5000),
      (msgs, port) => {
        const layer = createAppLayer();
        const c = new SegmentBuilder(layer, 0, [7, 9], port).handshake();
        for (const [fromServer, bytes] of msgs) c.send(fromServer ? 1 : 0, bytes);
        c.fin(0).fin(1);
        layer.finish();
        checkLayer(layer);
      },
    ), { seed: SEED, numRuns: RUNS });
  });

  test('mutated HTTP vectors (bit flips, truncation, random cuts) never throw', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: VECTORS.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.nat(),
      (vi, flips, cuts, trunc) => {
        const v = VECTORS[vi]!;
        const layer = createAppLayer({ http: { keepBodyBytes: 4096 } });
        const c = new SegmentBuilder(layer).handshake();
        v.steps.forEach(([dir, data], si) => {
          const d = Uint8Array.from(data);
          for (const [pos, bit] of flips) if (pos % (v.steps.length * 4) === si) d[pos % d.length]! ^= 1 << bit;
          const end = si === v.steps.length - 1 ? Math.max(1, d.length - (trunc % d.length)) : d.length;
          const points = [...new Set(cuts.map((x) => x % end))].filter((x) => x > 0).sort((a, b) => a - b);
          let prev = 0;
          for (const p of [...points, end]) { c.send(dir as Dir, d.subarray(prev, p)); prev = p; }
        });
        c.fin(1).fin(0);
        layer.finish();
        checkLayer(layer);
      },
    ), { seed: SEED, numRuns: RUNS });
  });
});
