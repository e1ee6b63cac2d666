/**
 * pcapng reader on byte vectors (draft-ietf-opsawg-pcapng): sections in
 * both byte orders, interface options (if_tsresol in both forms,
 * if_tsoffset), EPB/SPB/obsolete PB, comments, skipped blocks, and every
 * kind of lying length. Vectors are built with src/capture/pcapng-build.ts
 * and, where the layout itself is under test, written out in hex.
 */
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { block, buildPcapng, epb, idb, pb, shb, spb } from '../../src/capture/pcapng-build.js';
import { CaptureError } from '../../src/capture/source.js';
import { readBytes, readStream, tempFile } from './helpers.js';

const DATA = Buffer.from('00112233445566778899aabbccddeeff0800', 'hex');
const T = 1_700_000_000n;

describe('pcapng: format paths', () => {
  it('a minimal little-endian file written out in hex: SHB, IDB, EPB', async () => {
    const bytes = Buffer.from(
      // SHB: type, total length 28, byte-order magic, version 1.0, section length -1, length again
      '0a0d0d0a' + '1c000000' + '4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff' + '1c000000' +
      // IDB: type 1, length 20, link type 1, reserved, snaplen 65535, length again
      '01000000' + '14000000' + '0100' + '0000' + 'ffff0000' + '14000000' +
      // EPB: type 6, length 36, interface 0, ts high/low (µs), caplen 3, origlen 60, data + 1 pad byte, length again
      '06000000' + '24000000' + '00000000' + '240a0600' + '40222018' + '03000000' + '3c000000' + 'aabbcc00' + '24000000',
      'hex',
    );
    const r = await readBytes(bytes);
    // ts = 0x00060a24_18202240 µs = 1700000000123456 µs
    expect(r.frames).toMatchObject([{ number: 1, tsSec: 1700000000, tsNsec: 123456000, capLen: 3, origLen: 60, linkType: 1, ifIndex: 0, fileOffset: 48, hex: 'aabbcc' }]);
    expect(r.problems).toEqual([]);
    expect(r.info).toMatchObject({ format: 'pcapng', byteOrder: 'little', versionMajor: 1, versionMinor: 0 });
    expect(r.info.interfaces).toMatchObject([{ index: 0, linkType: 1, snapLen: 65535, tsResolution: 6, section: 0 }]);
  });

  it('big-endian section, SHB options and IDB options kept, packet comments', async () => {
    const bytes = buildPcapng([
      shb({ bigEndian: true, comments: ['first', 'second'], hardware: 'hw', os: 'Linux', application: 'app' }),
      idb({ bigEndian: true, linkType: 113, snapLen: 128, name: 'any', description: 'all interfaces', os: 'Linux 6', tsresol: 9 }),
      epb({ bigEndian: true, ts: T * 1_000_000_000n + 5n, data: DATA, comments: ['hello', 'world'] }),
      epb({ bigEndian: true, ts: T * 1_000_000_000n + 6n, data: DATA }),
    ]);
    for (const r of [await readBytes(bytes), await readStream(bytes, 1)]) {
      expect(r.info.byteOrder).toBe('big');
      expect(r.info.comments).toEqual(['first', 'second']);
      expect(r.info.sections).toMatchObject([{ byteOrder: 'big', hardware: 'hw', os: 'Linux', application: 'app', comments: ['first', 'second'] }]);
      expect(r.info.interfaces).toMatchObject([{ linkType: 113, snapLen: 128, name: 'any', description: 'all interfaces', os: 'Linux 6', tsResolution: 9 }]);
      expect(r.frames.map((f) => [f.tsSec, f.tsNsec, f.linkType, f.comment])).toEqual([
        [1700000000, 5, 113, 'hello\nworld'],
        [1700000000, 6, 113, undefined],
      ]);
      expect(r.problems).toEqual([]);
    }
  });

  it('several sections with different byte orders: interface ids are per section, ifIndex is global', async () => {
    const bytes = buildPcapng([
      shb({ comments: ['s0'] }),
      idb({ linkType: 1, name: 'a' }),
      idb({ linkType: 0, name: 'b' }),
      epb({ ifId: 1, ts: T * 1_000_000n, data: DATA }),
      shb({ bigEndian: true, comments: ['s1'] }),
      idb({ bigEndian: true, linkType: 101, name: 'c' }),
      epb({ bigEndian: true, ifId: 0, ts: T * 1_000_000n + 1n, data: DATA }),
      shb({ comments: ['s2'] }),
      idb({ linkType: 228 }),
      epb({ ts: T * 1_000_000n + 2n, data: DATA }),
    ]);
    const r = await readBytes(bytes);
    expect(r.frames.map((f) => [f.ifIndex, f.linkType, f.tsNsec])).toEqual([[1, 0, 0], [2, 101, 1000], [3, 228, 2000]]);
    expect(r.info.interfaces.map((i) => [i.index, i.section, i.localIndex, i.name])).toEqual([
      [0, 0, 0, 'a'], [1, 0, 1, 'b'], [2, 1, 0, 'c'], [3, 2, 0, undefined],
    ]);
    expect(r.info.sections!.map((s) => s.byteOrder)).toEqual(['little', 'big', 'little']);
    expect(r.info.comments).toEqual(['s0', 's1', 's2']);
    expect(r.problems).toEqual([]);
  });

  it('SHB version 1.2 is read like 1.0 (Wireshark 4.0 accepts both)', async () => {
    const r = await readBytes(buildPcapng([shb({ versionMinor: 2 }), idb(), epb({ data: DATA })]));
    expect(r.frames.length).toBe(1);
    expect(r.problems).toEqual([]);
  });

  it('if_tsresol: default µs, 10^-3, 2^-20, 10^-12, and if_tsoffset', async () => {
    const bytes = buildPcapng([
      shb(),
      idb({}), // 0: µs (no option)
      idb({ tsresol: 3 }), // 1: ms
      idb({ tsresol: 0x80 | 20 }), // 2: 2^-20 s
      idb({ tsresol: 12 }), // 3: ps
      idb({ tsresol: 6, tsoffset: -100n }), // 4: µs, offset -100 s
      epb({ ifId: 0, ts: 1_700_000_000_999_999n, data: DATA }),
      epb({ ifId: 1, ts: 1_700_000_000_123n, data: DATA }),
      // 2^-20: 1700000000 s + 3/4 s = (1700000000 << 20) + 786432 units → .750000000 exactly
      epb({ ifId: 2, ts: (T << 20n) + 786432n, data: DATA }),
      // 2^-20: one unit = 953.67431640625 ns → truncated to 953
      epb({ ifId: 2, ts: (T << 20n) + 1n, data: DATA }),
      // ps: 10000000.123456789123 s → ns truncated (64 bits of ps reach only ~213 days)
      epb({ ifId: 3, ts: 10_000_000_123_456_789_123n, data: DATA }),
      epb({ ifId: 4, ts: 1_700_000_000_000_000n, data: DATA }),
    ]);
    const r = await readBytes(bytes);
    expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([
      [1700000000, 999999000],
      [1700000000, 123000000],
      [1700000000, 750000000],
      [1700000000, 953],
      [10000000, 123456789],
      [1699999900, 0],
    ]);
    expect(r.info.interfaces.map((i) => i.tsResolution)).toEqual([6, 3, 7, 9, 6]);
    expect(r.info.interfaces[4]!.tsOffsetSec).toBe(-100);
    expect(r.problems).toEqual([]);
  });

  it('nanosecond timestamps beyond 2^53 units are converted exactly', async () => {
    const ts = 18_446_744_073_709_551_615n; // 2^64 - 1 ns
    const r = await readBytes(buildPcapng([shb(), idb({ tsresol: 9 }), epb({ ts, data: DATA }), epb({ ts: 1_767_663_089_500_330_493n, data: DATA })]));
    expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[18446744073, 709551615], [1767663089, 500330493]]);
  });

  it('SPB: no timestamp, interface 0 of the section, captured length min(original length, snaplen)', async () => {
    const bytes = buildPcapng([
      shb(),
      idb({ snapLen: 8, linkType: 1 }),
      spb({ data: DATA.subarray(0, 8), origLen: 100 }),
      spb({ data: DATA.subarray(0, 5), origLen: 5 }),
    ]);
    const r = await readBytes(bytes);
    expect(r.frames.map((f) => [f.capLen, f.origLen, f.hasTime, f.tsSec, f.hex])).toEqual([
      [8, 100, false, 0, '0011223344556677'],
      [5, 5, false, 0, '0011223344'],
    ]);
    expect(r.problems).toEqual([]);
  });

  it('SPB holding fewer bytes than min(original length, snaplen): delivered with what it holds, reported', async () => {
    const r = await readBytes(buildPcapng([shb(), idb({ snapLen: 0 }), spb({ data: DATA.subarray(0, 4), origLen: 60 })]));
    expect(r.frames.map((f) => [f.capLen, f.origLen])).toEqual([[4, 60]]);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 48, fatal: false }]);
  });

  it('obsolete Packet Block (type 2): 16-bit interface id, read like an EPB', async () => {
    const r = await readBytes(buildPcapng([shb(), idb(), idb({ linkType: 0 }), pb({ ifId: 1, ts: 1_700_000_000_000_001n, data: DATA, comments: ['old'] })]));
    expect(r.frames.map((f) => [f.ifIndex, f.linkType, f.tsSec, f.tsNsec, f.comment])).toEqual([[1, 0, 1700000000, 1000, 'old']]);
  });

  it('NRB, ISB, DSB, custom and unknown blocks are skipped, each type reported once with its count', async () => {
    const bytes = buildPcapng([
      shb(), idb(),
      block(4, Buffer.alloc(8)), // NRB
      epb({ data: DATA }),
      block(5, Buffer.alloc(12)), // ISB
      block(5, Buffer.alloc(12)),
      block(10, Buffer.alloc(16)), // DSB
      block(0xbad, Buffer.alloc(8)), // custom
      block(0x1234, Buffer.alloc(4)), // unknown
      epb({ data: DATA }),
    ]);
    const r = await readBytes(bytes);
    expect(r.frames.length).toBe(2);
    expect(r.problems.every((p) => p.kind === 'unknown-block' && !p.fatal)).toBe(true);
    expect(r.problems.map((p) => p.message)).toEqual([
      'skipped 1 Name Resolution Block (type 0x4), first at byte 48',
      'skipped 2 Interface Statistics Blocks (type 0x5), first at byte 120',
      'skipped 1 Decryption Secrets Block (type 0xa), first at byte 168',
      'skipped 1 Custom Block (type 0xbad), first at byte 196',
      'skipped 1 unknown block (type 0x1234), first at byte 216',
    ]);
  });

  it('blocks spanning reads: a 64-byte window over blocks of all sizes', async () => {
    const blocks = [shb({ comments: ['x'.repeat(100)] }), idb({ name: 'eth0' })];
    for (let i = 0; i < 200; i++) blocks.push(epb({ ts: BigInt(i), data: Buffer.alloc(i % 97, i), comments: i % 10 === 0 ? [`c${i}`] : [] }));
    const r = await readBytes(buildPcapng(blocks), { windowSize: 64 });
    expect(r.frames.length).toBe(200);
    expect(r.frames.map((f) => f.capLen)).toEqual(Array.from({ length: 200 }, (_, i) => i % 97));
    expect(r.frames[10]!.comment).toBe('c10');
  });
});

describe('pcapng: bad input', () => {
  const head = (): Buffer[] => [shb(), idb({ snapLen: 1000 })]; // 28 + 20 = 48 bytes

  it('unsupported SHB version in the first section: nothing read, an unsupported problem (tshark: "unknown SHB version 2.0")', async () => {
    const r = await readBytes(buildPcapng([shb({ versionMajor: 2 }), idb(), epb({ data: DATA })]));
    expect(r.frames).toEqual([]);
    expect(r.problems).toMatchObject([{ kind: 'unsupported', fileOffset: 0, fatal: true }]);
    expect(r.problems[0]!.message).toMatch(/unknown pcapng section header version 2\.0/);
  });

  it('unsupported SHB version in a later section: the earlier sections are read, then reading stops', async () => {
    const bytes = buildPcapng([...head(), epb({ data: DATA }), shb({ versionMajor: 2 }), idb(), epb({ data: DATA })]);
    const r = await readBytes(bytes);
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'unsupported', fileOffset: 100, frameNumber: 1, fatal: true }]);
    expect(r.problems[0]!.message).toMatch(/reading stopped after 1 frame/);
  });

  it('a first block that is not a section header with a valid byte-order magic: not a capture file', async () => {
    const bad = Buffer.from('0a0d0d0a1c00000012345678010000000000000000000000', 'hex');
    await expect(openCapture(tempFile(bad))).rejects.toThrow(CaptureError);
    await expect(openCapture(tempFile(bad))).rejects.toThrow(/byte-order magic 12 34 56 78/);
    await expect(openCapture(tempFile(bad.subarray(0, 6)))).rejects.toThrow(/cut short in its first pcapng block \(6 of 12 bytes\)/);
  });

  it('a later section header with a bad byte-order magic: bad-block at its offset, reading stops', async () => {
    const later = shb();
    later.writeUInt32LE(0xdeadbeef, 8);
    const r = await readBytes(buildPcapng([...head(), epb({ data: DATA }), later, idb(), epb({ data: DATA })]));
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 100, fatal: true }]);
  });

  it('block total length below 12: bad-block with its offset, reading stops (no hang on a zero length)', async () => {
    for (const len of [0, 4, 8]) {
      const r = await readBytes(buildPcapng([...head(), epb({ data: DATA, totalLen: len }), epb({ data: DATA })]));
      expect(r.frames.length).toBe(0);
      expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 48, fatal: true }]);
      expect(r.problems[0]!.message).toMatch(/impossible total length \d+ \(below 12\)/);
    }
  });

  it('block total length not a multiple of 4: bad-block, stops', async () => {
    const r = await readBytes(buildPcapng([...head(), epb({ data: DATA, totalLen: 50 }), epb({ data: DATA })]));
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 48, fatal: true }]);
    expect(r.problems[0]!.message).toMatch(/not a multiple of 4/);
  });

  it('block total length larger than the rest of the file: cut-short at the block, what precedes is read', async () => {
    const r = await readBytes(buildPcapng([...head(), epb({ data: DATA }), epb({ data: DATA, totalLen: 4096 })]));
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'cut-short', fileOffset: 100, frameNumber: 1, fatal: true }]);
    expect(r.problems[0]!.message).toMatch(/block at byte 100 needs 4096 bytes, 52 present/);
  });

  it('block total length of 4 GB - 4: refused before any allocation (limit 16 MiB), no hang', async () => {
    const t0 = Date.now();
    const r = await readBytes(buildPcapng([...head(), block(4, Buffer.alloc(8), { totalLen: 0xfffffffc })]));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 48, fatal: true }]);
    expect(r.problems[0]!.message).toMatch(/claims 4294967292 bytes, more than the limit/);
  });

  it('trailing block length different from the leading one: bad-block, stops', async () => {
    const r = await readBytes(buildPcapng([...head(), epb({ data: DATA, trailerLen: 44 }), epb({ data: DATA })]));
    expect(r.frames.length).toBe(0);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 48, fatal: true }]);
    expect(r.problems[0]!.message).toMatch(/total length 52 at its start but 44 at its end/);
  });

  it('EPB captured length past the end of its block: the bytes present are delivered, reported, reading goes on', async () => {
    const r = await readBytes(buildPcapng([...head(), epb({ data: DATA, capLen: 200, origLen: 200 }), epb({ data: DATA })]));
    expect(r.frames.map((f) => f.capLen)).toEqual([20, 18]); // 18 data bytes + 2 padding inside the block
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 48, frameNumber: 1, fatal: false }]);
  });

  it('EPB captured length over 262144: over-long, not trusted, reading stops (tshark does the same)', async () => {
    const r = await readBytes(buildPcapng([...head(), epb({ data: DATA }), epb({ data: DATA, capLen: 16711424 }), epb({ data: DATA })]));
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'over-long', fileOffset: 100, frameNumber: 1, fatal: true }]);
  });

  it('EPB with an interface id its section does not have: reported, block skipped, reading goes on', async () => {
    const r = await readBytes(buildPcapng([...head(), epb({ ifId: 3, data: DATA }), epb({ data: DATA })]));
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 48, fatal: false }]);
    expect(r.problems[0]!.message).toMatch(/refers to interface 3, but its section has 1 interface/);
  });

  it('an option claiming more bytes than its block: the frame is kept, the options ignored, reported', async () => {
    const r = await readBytes(buildPcapng([...head(), epb({ data: DATA, options: [{ code: 1, value: 'abcd', len: 400 }] }), epb({ data: DATA })]));
    expect(r.frames.map((f) => f.comment)).toEqual([undefined, undefined]);
    expect(r.frames.length).toBe(2);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fatal: false }]);
    expect(r.problems[0]!.message).toMatch(/option 1 .* claims 400 bytes, past the end of the block/);
  });

  it('zero-length, caplen > snaplen and caplen > origLen packets: delivered and reported', async () => {
    const r = await readBytes(buildPcapng([
      shb(), idb({ snapLen: 10 }),
      epb({ data: new Uint8Array(0), origLen: 60 }),
      epb({ data: DATA, origLen: 60 }),
      epb({ data: DATA.subarray(0, 8), origLen: 4 }),
    ]));
    expect(r.frames.map((f) => f.capLen)).toEqual([0, 18, 8]);
    expect(r.problems.map((p) => [p.kind, p.frameNumber, p.fatal])).toEqual([
      ['zero-length', 1, false], ['over-long', 2, false], ['over-long', 3, false],
    ]);
  });

  it('cut short in a block header, and in a block body', async () => {
    const whole = buildPcapng([...head(), epb({ data: DATA }), epb({ data: DATA })]);
    let r = await readBytes(whole.subarray(0, 100 + 6));
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'cut-short', fileOffset: 100, fatal: true }]);
    expect(r.problems[0]!.message).toMatch(/block header at byte 100 \(6 of 12 bytes\)/);
    r = await readBytes(whole.subarray(0, 100 + 30));
    expect(r.problems).toMatchObject([{ kind: 'cut-short', fileOffset: 100 }]);
    r = await readStream(whole.subarray(0, 100 + 30), 5);
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'cut-short', fileOffset: 100 }]);
  });

  it('a packet block before any interface: reported and skipped', async () => {
    const r = await readBytes(buildPcapng([shb(), epb({ data: DATA }), idb(), epb({ data: DATA })]));
    expect(r.frames.length).toBe(1);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fileOffset: 28, fatal: false }]);
  });

  it('if_tsresol beyond 64-bit timestamps: reported, microseconds assumed', async () => {
    const r = await readBytes(buildPcapng([shb(), idb({ tsresol: 30 }), epb({ ts: 1_000_001n, data: DATA })]));
    expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[1, 1000]]);
    expect(r.problems).toMatchObject([{ kind: 'bad-block', fatal: false }]);
  });
});
