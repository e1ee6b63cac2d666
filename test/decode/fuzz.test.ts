/**
 * Property tests for the decoder: corpus frames mutated (bit flips, byte
 * overwrites, length fields set to 0, 1, ±1 and 0xffff, truncation at every
 * offset, random link types) must decode without throwing, keep every
 * offset inside the buffer, and describe/print/serialise cleanly.
 * Fixed seed in CI; `SYNACK_FUZZ_RUNS=20000 npx vitest run test/decode/fuzz.test.ts` runs longer.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { Decoded, MAX_LAYERS, MAX_ANOMALIES } from '../../src/decode/decoded.js';
import { RelativeSeq, describeFrame, frameJson, oneLine } from '../../src/decode/describe.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { frameOf } from '../wire/vectors.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');
const RUNS = Number(process.env.SYNACK_FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.SYNACK_FUZZ_SEED ?? 20240601);

interface Sample { buf: Uint8Array; linkType: number }
const samples: Sample[] = [];

beforeAll(async () => {
  for (const f of readdirSync(CAPTURES).filter((x) => /\.(pcap|pcapng)$/.test(x)).sort()) {
    const src = await openCapture(resolve(CAPTURES, f));
    let n = 0;
    for await (const batch of src) {
      for (const fr of batch) {
        if (n++ >= 40) break;
        samples.push({ buf: fr.buf.slice(fr.offset, fr.offset + fr.capLen), linkType: fr.linkType });
      }
      if (n >= 40) { src.close(); break; }
    }
  }
});

function check(dec: FrameDecoder, d: Decoded, buf: Uint8Array, linkType: number, origLen: number, full: boolean, rel?: RelativeSeq): void {
  const f = frameOf(buf, linkType, { origLen });
  dec.decode(f, d);
  if (d.layerCount > MAX_LAYERS || d.anomalyCount > MAX_ANOMALIES) throw new Error('counts out of range');
  if (d.payloadLen < 0 || d.payloadOffset < 0 || d.payloadOffset + d.payloadLen > d.buf.length) {
    throw new Error(`payload out of range: ${d.payloadOffset}+${d.payloadLen} > ${d.buf.length}`);
  }
  for (let i = 0; i < d.layerCount; i++) {
    const o = d.layerOffsets[i]!;
    const limit = d.reassembledLayer >= 0 && i >= d.reassembledLayer ? d.buf.length : buf.length;
    if (o < 0 || o > limit) throw new Error(`layer ${i} offset ${o} out of range`);
  }
  if (full) {
    describeFrame(f, d);
    oneLine(d, { rel });
    JSON.parse(JSON.stringify(frameJson(f, d, { verbose: true, rel })));
  }
}

describe('decoder fuzzing', () => {
  it(`mutated corpus frames never throw (seed ${SEED}, ${RUNS} runs)`, () => {
    console.log(`fuzz seed ${SEED}, runs ${RUNS}, ${samples.length} corpus frames`);
    const dec = new FrameDecoder();
    const d = new Decoded();
    const rel = new RelativeSeq(1000);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('len16' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 7, 8, 19, 20, 39, 40, 0x7fff, 0xffff) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.option(fc.constantFrom(0, 1, 12, 101, 108, 113, 228, 229, 276, 9999)), (pick, muts, lt) => {
        const s = samples[pick % samples.length]!;
        let buf = s.buf.slice();
        for (const m of muts) {
          if (buf.length === 0) break;
          const at = m.at % buf.length;
          if (m.kind === 'flip') buf[at] = buf[at]! ^ (1 << m.bit);
          else if (m.kind === 'byte') buf[at] = m.value;
          else if (m.kind === 'len16') { buf[at] = m.value >> 8; if (at + 1 < buf.length) buf[at + 1] = m.value & 0xff; }
          else buf = buf.subarray(0, at);
        }
        check(dec, d, buf, lt ?? s.linkType, s.buf.length, true, rel);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('every corpus frame cut at every offset decodes, and is never called malformed for it', () => {
    const dec = new FrameDecoder();
    const d = new Decoded();
    let decodes = 0;
    const t0 = performance.now();
    for (const s of samples) {
      dec.decode(frameOf(s.buf, s.linkType), d);
      const wasMalformed = d.malformed;
      for (let n = 0; n < s.buf.length; n++) {
        check(dec, d, s.buf.subarray(0, n), s.linkType, s.buf.length, false);
        decodes++;
        // Cutting bytes off may hide a malformation, never create one... except the checks that
        // need the bytes that are still there: they saw the same bytes as the full frame did.
        if (d.malformed && !wasMalformed) throw new Error(`cut at ${n} made a well-formed frame malformed (linktype ${s.linkType})`);
      }
    }
    const ms = performance.now() - t0;
    console.log(`${decodes} truncated decodes in ${ms.toFixed(0)} ms`);
    expect(decodes).toBeGreaterThan(1000);
  });

  it('random bytes under every link type', () => {
    const dec = new FrameDecoder();
    const d = new Decoded();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276), (buf, lt) => {
        check(dec, d, buf, lt, buf.length + 10, true);
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });
});
