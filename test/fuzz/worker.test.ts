/**
 * The decoding worker (src/pipeline, used by the CLI for files of 8 MiB and
 * more) against the single-threaded path, on every corpus file and on
 * mutated ones: both must give the same connections, timelines, UDP flows,
 * HTTP and DNS transactions, application events and reader problems — or
 * the same CaptureError. The worker runs only from the compiled code, so
 * this drives dist/ through worker-check.mjs in one child process.
 * SYNACK_FUZZ_RUNS / SYNACK_FUZZ_SEED as in pipeline.test.ts (mutated files: runs / 5).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPcap, ethIpv4Tcp } from '../../src/capture/pcap-writer.js';
import { CAPTURES, cleanTemp, tempPath } from './harness.js';
import { fieldMax, layout, setField } from './layout.js';

const RUNS = Math.max(1, Number(process.env.SYNACK_FUZZ_RUNS ?? 150));
const SEED = Number(process.env.SYNACK_FUZZ_SEED ?? 0x5eed8);
const CHECK = resolve(process.cwd(), 'test/fuzz/worker-check.mjs');
const distWhy = existsSync(resolve(process.cwd(), 'dist/pipeline/parallel.js')) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)';
if (distWhy) console.warn(`worker fuzz skipped: ${distWhy}`);

afterAll(() => cleanTemp());

interface Verdict { file: string; worker?: boolean; same?: boolean; at?: string; a?: unknown; b?: unknown; error0?: string; error1?: string }

function check(files: string[]): Verdict[] {
  const r = spawnSync(process.execPath, [CHECK, ...files], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`worker-check failed (${r.status}, ${r.signal}):\n${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Verdict);
}

function expectSame(v: Verdict[], n: number): void {
  expect(v).toHaveLength(n);
  const bad = v.filter((x) => x.same !== true);
  expect(bad, JSON.stringify(bad.slice(0, 3), null, 1)).toEqual([]);
}

describe.skipIf(distWhy !== '')('decoding worker agrees with the single-threaded path', () => {
  it('every corpus file', () => {
    const files = readdirSync(CAPTURES).filter((x) => /\.(pcap|pcapng)$/.test(x)).sort().map((f) => join(CAPTURES, f));
    const v = check(files);
    expectSame(v, files.length);
    // The comparison means something only if the worker really ran.
    expect(v.every((x) => x.worker === true)).toBe(true);
  }, 600_000);

  /** Regression: lengths came back from the worker's int32 records negative above 2^31 (fuzz seed 388824, case 22). */
  it('frames claiming 2–4 GB on the wire', () => {
    const frames = [
      { tsSec: 1, data: ethIpv4Tcp({ flags: 'S', seq: 1 }), origLen: 0xffffffff },
      { tsSec: 2, data: ethIpv4Tcp({ flags: 'SA', seq: 9, ack: 2, src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000 }), origLen: 0x80000001 },
      { tsSec: 3, data: ethIpv4Tcp({ flags: 'A', seq: 2, ack: 10, payload: 'GET / HTTP/1.1\r\n\r\n' }), origLen: 0xfffffff0 },
    ];
    const p = tempPath('huge-origlen.pcap');
    writeFileSync(p, buildPcap(frames));
    expectSame(check([p]), 1);
  }, 600_000);

  it(`mutated corpus files (seed ${SEED})`, () => {
    const seeds = readdirSync(CAPTURES).filter((x) => /\.(pcap|pcapng)$/.test(x) && statSync(join(CAPTURES, x)).size <= 80 * 1024).sort()
      .map((f) => { const bytes = readFileSync(join(CAPTURES, f)); return { bytes, layout: layout(bytes) }; });
    const n = Math.max(20, Math.round(RUNS / 5));
    const cases = fc.sample(fc.tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.nat(7)), { maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.nat({ max: 0xffffffff })), { maxLength: 3 })), { seed: SEED, numRuns: n });
    const files = cases.map(([pick, flips, fields], i) => {
      const s = seeds[pick % seeds.length]!;
      const b = Uint8Array.from(s.bytes);
      for (const [at, bit] of flips) { const p = 4 + (at % (b.length - 4)); b[p] = b[p]! ^ (1 << bit); }
      for (const [k, how, r] of fields) {
        if (s.layout.fields.length === 0) break;
        const f = s.layout.fields[k % s.layout.fields.length]!;
        const v = [0, f.actual - 1, f.actual + 1, fieldMax(f), r % (fieldMax(f) + 1)][how]!;
        setField(b, f, v < 0 ? fieldMax(f) : v);
      }
      const p = tempPath(`worker${i}.pcap`);
      writeFileSync(p, b);
      return p;
    });
    expectSame(check(files), files.length);
  }, 600_000);
});
