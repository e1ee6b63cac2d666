/**
 * Frames pre-decoded by the native record scan (native/src/scan.cc, slots
 * described in src/capture/scan-slot.ts) leave in `Decoded` exactly what the
 * layer-by-layer path leaves, and what the TypeScript fast path leaves, field
 * by field: on every frame of the corpus, and on the mutations of
 * fast-path.test.ts plus mutations of TCP option bytes, written to a pcap
 * file and read back through the reader, so that the scan itself decides
 * which frames are pre-decoded.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture, type OpenOptions } from '../../src/capture/open.js';
import { buildPcap, type PcapRecord } from '../../src/capture/pcap-writer.js';
import { Slot, SlotState } from '../../src/capture/scan-slot.js';
import type { Frame } from '../../src/capture/source.js';
import { Decoded } from '../../src/decode/decoded.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { nativeUnavailableReason } from '../../src/native.js';
import { tempFile } from '../capture/helpers.js';
import { CAPTURES, corpus } from '../pipeline/support.js';
import { facts, mutationBases, mutations, rng, withOptions } from './compare.js';

const why = nativeUnavailableReason();
if (why) console.warn(`pre-decoded frame tests skipped: native addon ${why}`);

class Triple {
  readonly pre = new FrameDecoder();
  readonly fast = new FrameDecoder();
  readonly slow = new FrameDecoder({ fastPath: false });
  readonly a = new Decoded();
  readonly b = new Decoded();
  readonly c = new Decoded();
  /** Frames whose slot the scan marked eligible (decoded from the slot). */
  preHits = 0;
  frames = 0;

  check(f: Frame, what: string): void {
    const at = f.preAt ?? -1;
    if (at >= 0 && (f.pre![at + Slot.state]! & SlotState.eligible) !== 0) this.preHits++;
    this.frames++;
    this.pre.decode(f, this.a);
    this.slow.decode(f, this.c);
    // The same frame without its slot: the TypeScript fast path (ethIpv4Tcp) decodes it.
    f.preAt = -1;
    this.fast.decode(f, this.b);
    f.preAt = at;
    const want = facts(this.c);
    expect(facts(this.a), what).toEqual(want);
    expect(facts(this.b), what).toEqual(want);
    if (this.a.buf !== this.c.buf) expect(Buffer.from(this.a.buf).equals(Buffer.from(this.c.buf)), what).toBe(true);
  }

  async file(path: string, label: string, opts: OpenOptions = {}): Promise<void> {
    const src = await openCapture(path, opts);
    for await (const batch of src) for (const f of batch) this.check(f, `${label} frame ${f.number}`);
  }
}

/** Frames as pcap records: each mutation's captured bytes, with its original length. */
function records(frames: Iterable<{ bytes: Uint8Array; capLen: number; origLen: number }>): PcapRecord[] {
  const out: PcapRecord[] = [];
  let i = 0;
  for (const m of frames) out.push({ tsSec: 1_700_000_000 + i, tsNsec: 1000 * i++, data: m.bytes.subarray(0, m.capLen), origLen: m.origLen });
  return out;
}

describe.skipIf(why !== '')('pre-decoded frames (native record scan) = layer-by-layer path', () => {
  it('every corpus frame', async () => {
    const t = new Triple();
    for (const file of corpus()) await t.file(resolve(CAPTURES, file), file);
    expect(t.preHits).toBeGreaterThan(1000);
  });

  it('mutated Ethernet/IPv4/TCP frames, read from a pcap file', async () => {
    const rand = rng(7);
    const all = [];
    for (const base of mutationBases()) {
      all.push({ bytes: base, capLen: base.length, origLen: base.length });
      for (const m of mutations(base, 3000, rand)) all.push(m);
    }
    const path = tempFile(buildPcap(records(all)));
    const t = new Triple();
    await t.file(path, 'mutations');
    expect(t.frames).toBe(all.length);
    expect(t.preHits).toBeGreaterThan(100);
    // Small windows and batches: the scan stops at every window end and batch end.
    const u = new Triple();
    await u.file(path, 'mutations (small window)', { windowSize: 1000, batchSize: 7 });
    expect(u.frames).toBe(all.length);
    expect(u.preHits).toBe(t.preHits);
  });

  it('mutated TCP options: every layout the scan takes or leaves', async () => {
    const rand = rng(11);
    const bases = [
      // MSS, SACK-permitted, Timestamps, NOP, window scale (a Linux SYN)
      withOptions([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7], ''),
      // NOP, NOP, Timestamps, NOP, NOP, SACK with three blocks
      withOptions([1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0, 1, 1, 5, 26, ...Array.from({ length: 24 }, (_, i) => i * 7)]),
      // two SACK options (five blocks in all: the fourth is the last kept), then EOL and garbage after it
      withOptions([5, 18, ...Array.from({ length: 16 }, (_, i) => i), 5, 26, ...Array.from({ length: 24 }, (_, i) => 100 + i), 0, 9, 9, 9]),
      // unknown kinds (MD5, user timeout, an experiment), a repeated MSS
      withOptions([19, 18, ...Array.from({ length: 16 }, () => 0xaa), 28, 4, 1, 2, 254, 4, 0xf9, 0x89, 2, 4, 1, 0, 2, 4, 2, 0]),
    ];
    const all = [];
    for (const base of bases) {
      all.push({ bytes: base, capLen: base.length, origLen: base.length });
      // Most changes inside the options (from byte 54 on), some in the data offset.
      for (const m of mutations(base, 3000, rand, [46, 54 + 40])) all.push(m);
    }
    const t = new Triple();
    await t.file(tempFile(buildPcap(records(all))), 'option mutations');
    expect(t.frames).toBe(all.length);
    expect(t.preHits).toBeGreaterThan(1000);
  });

  it('frames of a big-endian nanosecond file and of a file the scan may not read (version 2.2) decode the same', async () => {
    const rand = rng(3);
    const all = [];
    for (const base of mutationBases()) for (const m of mutations(base, 200, rand)) all.push(m);
    for (const opts of [{ bigEndian: true, nanosecond: true }, { versionMinor: 2 }, { snapLen: 70 }]) {
      const t = new Triple();
      await t.file(tempFile(buildPcap(records(all), opts)), JSON.stringify(opts));
      if (opts.versionMinor === 2) expect(t.preHits).toBe(0);
      else expect(t.preHits).toBeGreaterThan(50);
    }
  });
});
