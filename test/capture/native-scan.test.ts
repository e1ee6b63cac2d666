/**
 * The native record scan (native/src/scan.cc, PcapReader.parseNative) gives
 * the frames the TypeScript loop gives (PcapReader.parse): the same number,
 * bytes, offsets, lengths, timestamps, file offsets and batches, and the same
 * problems, on every classic pcap of the corpus, on the odd and hostile files
 * of pcap.test.ts and hostile.test.ts, and whatever the window and batch
 * sizes. Also: scanPcap refuses misuse with a TypeError/RangeError and never
 * reads past the end it is given.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OpenOptions } from '../../src/capture/open.js';
import { buildPcap, ethIpv4Tcp, type PcapRecord } from '../../src/capture/pcap-writer.js';
import { SLOT_WORDS, Slot, SlotState } from '../../src/capture/scan-slot.js';
import { loadNative, nativeUnavailableReason } from '../../src/native.js';
import { CORPUS, drain, mutate, type ReadResult, readStream, tempFile } from './helpers.js';
import { openCapture } from '../../src/capture/open.js';

const why = nativeUnavailableReason();
if (why) console.warn(`native record scan tests skipped: native addon ${why}`);

/** What a read leaves, without the source object. */
function plain(r: ReadResult): unknown {
  return { frames: r.frames, problems: r.problems, info: r.info, batches: r.batches };
}

/**
 * Reads `path` with the native scan and with the TypeScript loop alone; both must agree, and the
 * scan must have taken every record the TypeScript loop does not report. Returns the frames it pre-decoded.
 */
async function same(path: string, opts: OpenOptions = {}, what = path): Promise<number> {
  const ts = await drain(await openCapture(path, { ...opts, native: false }));
  const src = await openCapture(path, opts);
  let eligible = 0;
  const frames: ReadResult['frames'] = [];
  const batches: number[] = [];
  const withSlot = new Set<number>();
  // drain(), also noting the frames that carry a slot.
  for await (const batch of src) {
    batches.push(batch.length);
    for (const f of batch) {
      const at = f.preAt ?? -1;
      if (at >= 0) {
        withSlot.add(f.number);
        if ((f.pre![at + Slot.state]! & SlotState.eligible) !== 0) eligible++;
      }
      frames.push({
        number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, capLen: f.capLen, origLen: f.origLen, linkType: f.linkType,
        ifIndex: f.ifIndex, fileOffset: f.fileOffset, comment: f.comment, hasTime: f.hasTime !== false,
        hex: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex'),
      });
    }
  }
  expect(plain({ frames, problems: src.problems, info: src.info, batches, src }), what).toEqual(plain(ts));
  if (!isClassic(path)) return eligible;
  // Who read each record: the scan, unless the file's lengths may be swapped or the record is one the reader reports.
  const normalOrder = ts.info.versionMajor === 2 ? ts.info.versionMinor > 3 : ts.info.versionMajor !== 543;
  const snap = ts.info.interfaces[0]?.snapLen ?? 0;
  const reported = new Set(ts.problems.filter((p) => !p.fatal).map((p) => p.frameNumber));
  for (const f of ts.frames) {
    const odd = f.capLen === 0 || f.capLen > f.origLen || (snap !== 0 && f.capLen > snap) || reported.has(f.number);
    expect(withSlot.has(f.number), `${what} frame ${f.number}`).toBe(normalOrder && !odd);
  }
  return eligible;
}

function isClassic(path: string): boolean {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(4);
  const n = readSync(fd, b, 0, 4, 0);
  closeSync(fd);
  if (n < 4) return false;
  const m = b.readUInt32BE(0);
  return m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1;
}

const rec = (i: number, size = 60, extra: Partial<PcapRecord> = {}): PcapRecord => ({
  tsSec: 1_700_000_000 + i,
  tsNsec: i * 1000,
  data: Buffer.alloc(size, i & 0xff),
  ...extra,
});
const tcp = (i: number, extra: Partial<PcapRecord> = {}): PcapRecord => ({
  tsSec: 1_700_000_000 + i,
  tsNsec: i * 1001,
  data: ethIpv4Tcp({ seq: i * 1000, payload: 'x'.repeat((i * 37) % 300) }),
  ...extra,
});

/** The odd files of pcap.test.ts, and a few more around each rule the scan leaves to TypeScript. */
const ODD: Record<string, Buffer> = {
  'ordinary frames, little-endian µs': buildPcap(Array.from({ length: 300 }, (_, i) => tcp(i))),
  'ordinary frames, big-endian ns': buildPcap(Array.from({ length: 300 }, (_, i) => tcp(i)), { bigEndian: true, nanosecond: true }),
  'ordinary frames, raw IP link type': buildPcap(Array.from({ length: 50 }, (_, i) => tcp(i, { data: ethIpv4Tcp({ seq: i }).subarray(14) })), { linkType: 101 }),
  'varying sizes 0..82': buildPcap(Array.from({ length: 300 }, (_, i) => rec(i, (i * 7) % 83))),
  'cut short in a record header': buildPcap([rec(1), rec(2)]).subarray(0, 110),
  'cut short in packet data': buildPcap([rec(1), rec(2)]).subarray(0, 146),
  'zero-length record': buildPcap([rec(1), { tsSec: 5, data: new Uint8Array(0), origLen: 60 }, rec(3)]),
  'caplen > snaplen': buildPcap([tcp(0), { ...rec(1, 200), capLen: 200 }, tcp(2)], { snapLen: 100 }),
  'caplen = snaplen': buildPcap([{ ...rec(1, 100), capLen: 100 }, tcp(2)], { snapLen: 100 }),
  'caplen > origLen': buildPcap([tcp(0), { tsSec: 1, data: Buffer.alloc(80), origLen: 60 }, tcp(2)]),
  'caplen = origLen - 1': buildPcap([tcp(0), { tsSec: 1, data: Buffer.alloc(80), origLen: 81 }]),
  'claim 262145': buildPcap([rec(1), { tsSec: 2, data: Buffer.alloc(8), capLen: 262145, origLen: 262145 }, rec(3)]),
  'claim 16711424': buildPcap([rec(1), { tsSec: 2, data: Buffer.alloc(8), capLen: 16711424, origLen: 16711424 }, rec(3)]),
  'claim 0xffffffff': buildPcap([rec(1), { tsSec: 2, data: Buffer.alloc(8), capLen: 0xffffffff, origLen: 0xffffffff }, rec(3)]),
  'a record of exactly 262144 bytes': buildPcap([rec(1), rec(2, 262144), rec(3)]),
  'a whole record of 262145 bytes': buildPcap([rec(1), rec(2, 262145), rec(3)], { snapLen: 0 }),
  'µs fraction ≥ 1 s': buildPcap([tcp(0), { tsSec: 100, data: Buffer.alloc(4), rawFrac: 2_500_000 }, { tsSec: 100, data: Buffer.alloc(4), rawFrac: 999_999 }]),
  'ns fraction ≥ 1 s': buildPcap([tcp(0), { tsSec: 100, data: Buffer.alloc(4), rawFrac: 1_000_000_000 }, { tsSec: 100, data: Buffer.alloc(4), rawFrac: 999_999_999 }], { nanosecond: true }),
  '10,000 zero-length records': buildPcap(Array.from({ length: 10_000 }, (_, i) => ({ tsSec: i, data: new Uint8Array(0) }))),
  'every 7th record odd': buildPcap(Array.from({ length: 3000 }, (_, i) => (i % 7 === 3 ? { tsSec: i, data: Buffer.alloc(30), origLen: 20 } : tcp(i)))),
  'version 2.2 (lengths swapped)': buildPcap([{ tsSec: 1, data: Buffer.from('deadbeef', 'hex'), capLen: 60, origLen: 4 }, tcp(1, { capLen: 0 })], { versionMajor: 2, versionMinor: 2 }),
  'version 2.3 (maybe swapped)': buildPcap([
    { tsSec: 1, data: Buffer.from('aabb', 'hex'), capLen: 60, origLen: 2 },
    { tsSec: 2, data: Buffer.from('ccdd', 'hex'), capLen: 2, origLen: 70 },
    tcp(3),
  ], { versionMajor: 2, versionMinor: 3 }),
  'reserved link type bits': buildPcap([tcp(1)], { linkType: 0x00010001 }),
  'header only': buildPcap([]),
};

const SHAPES: OpenOptions[] = [{}, { windowSize: 64, batchSize: 3 }, { windowSize: 100, batchSize: 1 }, { windowSize: 1000, batchSize: 97 }, { windowSize: 65536, batchSize: 1000 }];

describe.skipIf(why !== '')('native record scan = TypeScript record loop', () => {
  it('every classic pcap of the corpus', async () => {
    let eligible = 0;
    const files = readdirSync(CORPUS).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
    for (const f of files) {
      const path = join(CORPUS, f);
      if (!isClassic(path)) continue;
      eligible += await same(path, {}, f);
      eligible += await same(path, { windowSize: 4096, batchSize: 61 }, `${f}, small window`);
    }
    expect(eligible).toBeGreaterThan(1000);
  });

  for (const [name, bytes] of Object.entries(ODD)) {
    it(`${name}: every window and batch size, file and stream`, async () => {
      const path = tempFile(bytes);
      for (const shape of SHAPES) await same(path, shape, `${name} ${JSON.stringify(shape)}`);
      const ts = await readStream(bytes, 17, { reader: 'fast', native: false });
      const nat = await readStream(bytes, 17, { reader: 'fast' });
      expect(plain(nat)).toEqual(plain(ts));
    });
  }

  it('hostile files (mutations of hostile.test.ts): the same frames and problems', async () => {
    const seeds = [
      buildPcap(Array.from({ length: 6 }, (_, i) => ({ tsSec: i, data: ethIpv4Tcp({ seq: i, payload: 'x'.repeat(i * 9) }) }))),
      buildPcap([{ tsSec: 1, tsNsec: 5, data: ethIpv4Tcp() }, { tsSec: 2, tsNsec: 7, data: ethIpv4Tcp({ payload: 'abc' }) }], { nanosecond: true, bigEndian: true }),
      buildPcap(Array.from({ length: 40 }, (_, i) => tcp(i))),
    ];
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 11, 12, 13, 0xffff, 262144, 262145, 16711424, 999_999, 1_000_000, 0x7fffffff, 0xfffffffc, 0xffffffff) }),
      fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.constantFrom(...SHAPES), async (i, ms, shape) => {
        // keep the file header: mutations are about the records
        await same(tempFile(mutate(seeds[i]!, ms, 24)), shape);
      }),
      { seed: 0x5ca7, numRuns: Number(process.env.SYNACK_FUZZ_RUNS ?? 300) },
    );
  });

  it('scanPcap refuses misuse and never reads past the end it is given', () => {
    const addon = loadNative()!;
    const bytes = buildPcap([tcp(1), tcp(2), tcp(3)]).subarray(24);
    const slots = new Uint32Array(4 * SLOT_WORDS);
    const scan = addon.scanPcap as (...a: unknown[]) => number;
    expect(() => scan()).toThrow(TypeError);
    expect(() => scan(Array.from(bytes), 0, bytes.length, 1, 0, 1, 0, 4, slots)).toThrow(TypeError);
    expect(() => scan(bytes, 0, bytes.length, 1, 0, 1, 0, 4, new Int32Array(4 * SLOT_WORDS))).toThrow(TypeError);
    expect(() => scan(bytes, 0.5, bytes.length, 1, 0, 1, 0, 4, slots)).toThrow(TypeError);
    expect(() => scan(bytes, -1, bytes.length, 1, 0, 1, 0, 4, slots)).toThrow(TypeError);
    expect(() => scan(bytes, 0, bytes.length, 4, 0, 1, 0, 4, slots)).toThrow(TypeError);
    expect(() => scan(bytes, 0, bytes.length + 1, 1, 0, 1, 0, 4, slots)).toThrow(RangeError);
    expect(() => scan(bytes, 10, 9, 1, 0, 1, 0, 4, slots)).toThrow(RangeError);
    expect(() => scan(bytes, 0, bytes.length, 1, 0, 1, 1, 4, slots)).toThrow(RangeError);
    expect(() => scan(bytes, 0, bytes.length, 1, 0, 1, 0, 5, slots)).toThrow(RangeError);
    // The three records, in slots 1..3.
    expect(scan(bytes, 0, bytes.length, 1, 0, 1, 1, 3, slots)).toBe(3);
    const first = tcp(1).data.length;
    expect([slots[SLOT_WORDS + Slot.offset], slots[SLOT_WORDS + Slot.capLen], slots[SLOT_WORDS + Slot.tsSec]]).toEqual([16, first, 1_700_000_001]);
    expect(slots[SLOT_WORDS + Slot.state]! & SlotState.eligible).toBe(SlotState.eligible);
    // An end one byte short of the last record, or inside a header: the records before it only.
    expect(scan(bytes, 0, bytes.length - 1, 1, 0, 1, 0, 4, slots)).toBe(2);
    expect(scan(bytes, 0, 16 + first + 15, 1, 0, 1, 0, 4, slots)).toBe(1);
    expect(scan(bytes.subarray(0, bytes.length - 1), 0, bytes.length - 1, 1, 0, 1, 0, 4, slots)).toBe(2);
    // max bounds the count; max 0 takes nothing.
    expect(scan(bytes, 0, bytes.length, 1, 0, 1, 0, 2, slots)).toBe(2);
    expect(scan(bytes, 0, bytes.length, 1, 0, 1, 0, 0, slots)).toBe(0);
  });
});
