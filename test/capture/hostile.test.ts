/**
 * Property tests (fast-check, fixed seed): whatever the bytes after a valid
 * magic, the readers never throw out of iteration, always finish, deliver
 * frames that lie inside their buffers, and never need more memory than
 * the limits (a frame's captured length ≤ 262144; the problem list is
 * bounded). Mutations: bit flips, truncation at any offset, length fields
 * set to 0, ±1, 2^32-1, random bytes. SYNACK_FUZZ_RUNS raises the count.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { buildPcap, ethIpv4Tcp } from '../../src/capture/pcap-writer.js';
import { buildPcapng, epb, idb, shb } from '../../src/capture/pcapng-build.js';
import { CaptureError } from '../../src/capture/source.js';
import { CORPUS, type Mutation, mutate, readStream, tempFile } from './helpers.js';

const RUNS = Number(process.env.SYNACK_FUZZ_RUNS ?? 150);
const SEED = 0x5ac4;

const seeds: Buffer[] = [
  buildPcap(Array.from({ length: 6 }, (_, i) => ({ tsSec: i, data: ethIpv4Tcp({ seq: i, payload: 'x'.repeat(i * 9) }) }))),
  buildPcap([{ tsSec: 1, tsNsec: 5, data: ethIpv4Tcp() }], { nanosecond: true, bigEndian: true }),
  buildPcapng([shb({ comments: ['c'] }), idb({ name: 'e', tsresol: 9 }), epb({ ts: 1n, data: ethIpv4Tcp(), comments: ['p'] }), epb({ ts: 2n, data: ethIpv4Tcp() })]),
  buildPcapng([shb({ bigEndian: true }), idb({ bigEndian: true }), epb({ bigEndian: true, data: ethIpv4Tcp() })]),
];
for (const f of ['zeek-pcapng-multi-interface.pcapng', 'tcpdump-print-flags.pcap', 'gopacket-be-test202.pcapng']) {
  try {
    seeds.push(readFileSync(join(CORPUS, f)));
  } catch {
    // corpus absent: the built seeds suffice
  }
}

/** Mutations leave the 4-byte magic alone: they are about what follows it. */
const MAGIC = 4;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 11, 12, 13, 0xffff, 262145, 16711424, 0x7fffffff, 0xfffffffc, 0xffffffff) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
);

async function check(bytes: Buffer, how: 'file' | 'stream'): Promise<void> {
  let src;
  try {
    src = how === 'file' ? await openCapture(tempFile(bytes)) : undefined;
  } catch (e) {
    // refusing to open is allowed (bad header), but only as a CaptureError
    expect(e).toBeInstanceOf(CaptureError);
    return;
  }
  const r = how === 'stream' ? await readStream(bytes, 17).catch((e: unknown) => {
    expect(e).toBeInstanceOf(CaptureError);
    return undefined;
  }) : undefined;
  let frames = 0;
  if (src) {
    for await (const batch of src) {
      for (const f of batch) {
        frames++;
        expect(f.capLen).toBeLessThanOrEqual(262144);
        expect(f.offset + f.capLen).toBeLessThanOrEqual(f.buf.length);
        expect(f.tsNsec).toBeGreaterThanOrEqual(0);
        expect(f.tsNsec).toBeLessThan(1e9);
      }
    }
    expect(frames).toBeLessThanOrEqual(bytes.length / 12);
    expect(src.problems.length).toBeLessThanOrEqual(8 * 51 + 70);
  }
  if (r) expect(r.frames.length).toBeLessThanOrEqual(bytes.length / 12);
}

describe(`hostile captures (seed ${SEED}, ${RUNS} runs)`, () => {
  it('mutated files: never a throw out of iteration, always an end, frames inside their buffers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), async (i, ms) => {
        await check(mutate(seeds[i]!, ms, MAGIC), 'file');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('mutated streams (stdin, 17-byte chunks): the same', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), async (i, ms) => {
        await check(mutate(seeds[i]!, ms, MAGIC), 'stream');
      }),
      { seed: SEED + 1, numRuns: Math.max(20, Math.floor(RUNS / 3)) },
    );
  });

  it('every truncation of a pcapng and a pcap file reads the whole records before the cut', async () => {
    for (const seed of seeds.slice(0, 4)) {
      const whole = await readStream(seed, 1 << 20, { reader: 'fast' });
      for (let cut = 24; cut < seed.length; cut += 3) {
        const r = await readStream(seed.subarray(0, cut), 1 << 20, { reader: 'fast' }).catch(() => undefined);
        if (!r) continue;
        // a prefix of the frames, each identical to the uncut file's
        expect(r.frames).toEqual(whole.frames.slice(0, r.frames.length));
        const last = r.frames.length === 0 ? 0 : r.frames[r.frames.length - 1]!.fileOffset;
        const cutShort = r.problems.find((p) => p.kind === 'cut-short');
        if (cutShort) expect(cutShort.fileOffset).toBeGreaterThanOrEqual(r.frames.length === 0 ? 0 : last + 1);
        // no cut reported: the file ended on a block boundary, before the next frame's record
        else expect(whole.frames[r.frames.length]?.fileOffset ?? Infinity).toBeGreaterThanOrEqual(cut);
      }
    }
  });
});
