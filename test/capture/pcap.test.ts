/**
 * Classic pcap readers (ours and pcap-parser's) on byte vectors: every
 * format path (byte orders, µs/ns, old versions) and every bad-input rule
 * (cut short, zero-length, over-long, absurd lengths, odd timestamps, not a
 * capture, files being written or changing under us).
 *
 * Layouts are those of draft-ietf-opsawg-pcap §4 (file header) and §5
 * (record header); expectations about what Wireshark/libpcap do are cited
 * where they matter.
 */
import { appendFileSync, mkdirSync, openSync, symlinkSync, truncateSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { buildPcap, ethIpv4Tcp, type PcapRecord, PcapWriter } from '../../src/capture/pcap-writer.js';
import { CaptureError } from '../../src/capture/source.js';
import { drain, hex, readBytes, readStream, tempDir, tempFile } from './helpers.js';

/** A hand-written little-endian µs pcap: header + 2 records (bytes written out, not produced by our writer). */
const LE_US = Buffer.from(
  'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '01000000' + // magic, v2.4, zone, sigfigs, snaplen 65535, Ethernet
  '00e1f565' + '40e20100' + '04000000' + '3c000000' + 'deadbeef' + // ts 1710612736.123456, incl 4, orig 60
  '01e1f565' + '00000000' + '02000000' + '02000000' + 'cafe', // ts 1710612737.000000, incl 2, orig 2
  'hex',
);

/** The same two records, big-endian. */
const BE_US = Buffer.from(
  'a1b2c3d4' + '0002' + '0004' + '00000000' + '00000000' + '0000ffff' + '00000001' +
  '65f5e100' + '0001e240' + '00000004' + '0000003c' + 'deadbeef' +
  '65f5e101' + '00000000' + '00000002' + '00000002' + 'cafe',
  'hex',
);

const EXPECTED_TWO = [
  { number: 1, tsSec: 0x65f5e100, tsNsec: 123456000, capLen: 4, origLen: 60, linkType: 1, fileOffset: 24, hex: 'deadbeef' },
  { number: 2, tsSec: 0x65f5e101, tsNsec: 0, capLen: 2, origLen: 2, linkType: 1, fileOffset: 44, hex: 'cafe' },
];

function pick(r: { frames: Record<string, unknown>[] }, keys: string[]): Record<string, unknown>[] {
  return r.frames.map((f) => Object.fromEntries(keys.map((k) => [k, f[k]])));
}
const KEYS = ['number', 'tsSec', 'tsNsec', 'capLen', 'origLen', 'linkType', 'fileOffset', 'hex'];

const rec = (i: number, size = 60, extra: Partial<PcapRecord> = {}): PcapRecord => ({
  tsSec: 1_700_000_000 + i,
  tsNsec: i * 1000,
  data: Buffer.alloc(size, i & 0xff),
  ...extra,
});

describe('classic pcap: format paths', () => {
  for (const [name, bytes] of [['little-endian µs', LE_US], ['big-endian µs', BE_US]] as const) {
    for (const reader of ['fast', 'pcap-parser'] as const) {
      it(`${name}, file, reader ${reader}`, async () => {
        const r = await readBytes(bytes, { reader });
        expect(pick(r as never, KEYS)).toEqual(EXPECTED_TWO);
        expect(r.problems).toEqual([]);
        expect(r.info.format).toBe('pcap');
        expect(r.info.byteOrder).toBe(name.startsWith('little') ? 'little' : 'big');
        expect(r.info.interfaces[0]).toMatchObject({ linkType: 1, snapLen: 65535, tsResolution: 6 });
      });
    }
    it(`${name}, stdin in 3-byte chunks (pcap-parser, records spanning chunks)`, async () => {
      const r = await readStream(bytes, 3);
      expect(pick(r as never, KEYS)).toEqual(EXPECTED_TWO);
      expect(r.problems).toEqual([]);
    });
    it(`${name}, stdin in 3-byte chunks, our reader`, async () => {
      const r = await readStream(bytes, 3, { reader: 'fast' });
      expect(pick(r as never, KEYS)).toEqual(EXPECTED_TWO);
    });
  }

  it('nanosecond pcap, both byte orders (magic a1b23c4d): read by our reader even when pcap-parser is asked for', async () => {
    for (const bigEndian of [false, true]) {
      const bytes = buildPcap([{ tsSec: 1418145369, tsNsec: 924505488, data: Buffer.from('0102', 'hex') }], { nanosecond: true, bigEndian });
      // magic as written: 4d3cb2a1 little-endian, a1b23c4d big-endian
      expect(hex(bytes.subarray(0, 4))).toBe(bigEndian ? 'a1b23c4d' : '4d3cb2a1');
      for (const reader of ['fast', 'pcap-parser'] as const) {
        const r = await readBytes(bytes, { reader });
        expect(r.info.format).toBe('pcap-nsec');
        expect(r.info.interfaces[0]!.tsResolution).toBe(9);
        expect(r.frames.map((f) => [f.tsSec, f.tsNsec, f.hex])).toEqual([[1418145369, 924505488, '0102']]);
      }
      const s = await readStream(bytes, 5);
      expect(s.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[1418145369, 924505488]]);
    }
  });

  it('version 2.2: incl_len and orig_len in the pre-2.3 order are swapped back (libpcap sf-pcap.c, Wireshark libpcap.c)', async () => {
    // record header says incl=60 orig=4 in file order; pre-2.3 order means orig=60, incl=4
    const bytes = buildPcap([{ tsSec: 1, data: Buffer.from('deadbeef', 'hex'), capLen: 60, origLen: 4 }], { versionMajor: 2, versionMinor: 2 });
    for (const reader of ['fast', 'pcap-parser'] as const) {
      const r = await readBytes(bytes, { reader });
      expect(r.frames.map((f) => [f.capLen, f.origLen, f.hex])).toEqual([[4, 60, 'deadbeef']]);
      expect(r.problems.map((p) => p.kind)).toEqual(['other']);
      expect(r.problems[0]!.message).toMatch(/pre-2\.3 order/);
    }
  });

  it('version 2.3: lengths swapped only when incl_len > orig_len ("maybe swapped")', async () => {
    const bytes = buildPcap([
      { tsSec: 1, data: Buffer.from('aabb', 'hex'), capLen: 60, origLen: 2 }, // swapped: incl 2, orig 60
      { tsSec: 2, data: Buffer.from('ccdd', 'hex'), capLen: 2, origLen: 70 }, // normal order
    ], { versionMajor: 2, versionMinor: 3 });
    const r = await readBytes(bytes);
    expect(r.frames.map((f) => [f.capLen, f.origLen, f.hex])).toEqual([[2, 60, 'aabb'], [2, 70, 'ccdd']]);
  });

  it('link type field: low 16 bits are the link type, FCS-length bits ignored, reserved bits reported', async () => {
    // 0x40000000: FCS length 4 without the "present" bit, as in ndpi-fuzz-2021-10-13.pcap → LINKTYPE_NULL (0)
    let r = await readBytes(buildPcap([rec(1)], { linkType: 0x40000000 }));
    expect(r.frames[0]!.linkType).toBe(0);
    expect(r.problems).toEqual([]);
    // 0x00010001: LT_RESERVED1 bit set (libpcap pcap-common.h) → link type 1, reported
    r = await readBytes(buildPcap([rec(1)], { linkType: 0x00010001 }));
    expect(r.frames[0]!.linkType).toBe(1);
    expect(r.problems.map((p) => p.kind)).toEqual(['other']);
  });

  it('records spanning read chunks: a 100-byte window over 300 records of varying sizes', async () => {
    const recs = Array.from({ length: 300 }, (_, i) => rec(i, (i * 7) % 83));
    const bytes = buildPcap(recs);
    const r = await readBytes(bytes, { reader: 'fast', windowSize: 100 });
    expect(r.frames.length).toBe(300);
    expect(r.frames.map((f) => f.capLen)).toEqual(recs.map((x) => x.data.length));
    expect(r.frames.every((f, i) => f.hex === hex(recs[i]!.data))).toBe(true);
    expect(r.problems.filter((p) => p.kind !== 'zero-length')).toEqual([]);
  });

  it('read-ahead (files) gives the frames a stream gives, whatever the window and record sizes', async () => {
    // Records up to 2,000 bytes against windows of 64 bytes to 64 KiB: the tail of a window is
    // sometimes longer than the room kept for it in the buffer read ahead, sometimes not, and
    // the file ends with a record cut short.
    const recs = Array.from({ length: 1500 }, (_, i) => rec(i, (i * 7919) % 2000));
    const bytes = buildPcap(recs);
    const cut = bytes.subarray(0, bytes.length - 500);
    const want = await readStream(cut, 4096, { reader: 'fast' });
    expect(want.frames.length).toBe(1499);
    for (const windowSize of [64, 100, 1000, 4096, 65536]) {
      const r = await readBytes(cut, { reader: 'fast', windowSize, batchSize: 97 });
      expect(r.frames.length, `window ${windowSize}`).toBe(1499);
      expect(r.frames.every((f, i) => f.hex === hex(recs[i]!.data) && f.fileOffset === want.frames[i]!.fileOffset)).toBe(true);
      expect(r.problems).toEqual(want.problems);
    }
  });

  it('batches never exceed batchSize, and frames are numbered across batches', async () => {
    const bytes = buildPcap(Array.from({ length: 2500 }, (_, i) => rec(i)));
    for (const reader of ['fast', 'pcap-parser'] as const) {
      const r = await readBytes(bytes, { reader, batchSize: 1000 });
      expect(Math.max(...r.batches)).toBeLessThanOrEqual(reader === 'fast' ? 1000 : 1000 + 256 * 1024 / 76);
      expect(r.frames.map((f) => f.number)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    }
  });

  it('gzip-compressed pcap is detected by its magic (1f 8b) and read', async () => {
    const bytes = gzipSync(LE_US);
    const r = await readBytes(bytes);
    expect(pick(r as never, KEYS)).toEqual(EXPECTED_TWO);
  });

  it('gzip cut short: the whole records before the cut are read, then cut-short', async () => {
    const recs = Array.from({ length: 50 }, (_, i) => rec(i, 200));
    const gz = gzipSync(buildPcap(recs));
    const r = await readBytes(gz.subarray(0, Math.floor(gz.length * 0.6)));
    expect(r.frames.length).toBeGreaterThan(0);
    expect(r.frames.length).toBeLessThan(50);
    expect(r.frames.every((f, i) => f.hex === hex(recs[i]!.data))).toBe(true);
    expect(r.problems).toMatchObject([{ kind: 'cut-short', fatal: true }]);
  });

  it('corrupt gzip: a CaptureError naming the file', async () => {
    const p = tempFile(Buffer.from('1f8b' + '58'.repeat(20), 'hex'), 'bad.gz');
    await expect(openCapture(p)).rejects.toThrow(CaptureError);
    await expect(openCapture(p)).rejects.toThrow(/bad\.gz: gzip data is corrupt/);
  });

  it('empty capture (header only) gives no frames and no problem', async () => {
    const r = await readBytes(buildPcap([]));
    expect(r.frames).toEqual([]);
    expect(r.problems).toEqual([]);
  });
});

describe('classic pcap: bad input', () => {
  const both = ['fast', 'pcap-parser'] as const;

  it('cut short in a record header: read up to the last whole record, cut-short with its byte offset', async () => {
    const whole = buildPcap([rec(1), rec(2)]); // records at 24 and 24+16+60=100
    const cut = whole.subarray(0, 100 + 10); // 10 of the second record's 16 header bytes
    for (const reader of both) {
      const r = await readBytes(cut, { reader });
      expect(r.frames.length).toBe(1);
      expect(r.problems).toMatchObject([{ kind: 'cut-short', fileOffset: 100, frameNumber: 1, fatal: true }]);
      expect(r.problems[0]!.message).toMatch(/record header at byte 100 \(10 of 16 bytes\)/);
    }
  });

  it('cut short in packet data: the partial record is not delivered', async () => {
    const cut = buildPcap([rec(1), rec(2)]).subarray(0, 100 + 16 + 30);
    for (const reader of both) {
      const r = await readBytes(cut, { reader });
      expect(r.frames.length).toBe(1);
      expect(r.problems).toMatchObject([{ kind: 'cut-short', fileOffset: 100, fatal: true }]);
      expect(r.problems[0]!.message).toMatch(/needs 76 bytes, 46 present/);
    }
    const s = await readStream(cut, 7);
    expect(s.problems).toMatchObject([{ kind: 'cut-short', fileOffset: 100 }]);
  });

  it('zero-length record: delivered with capLen 0 and reported', async () => {
    const bytes = buildPcap([rec(1), { tsSec: 5, data: new Uint8Array(0), origLen: 60 }, rec(3)]);
    for (const reader of both) {
      const r = await readBytes(bytes, { reader });
      expect(r.frames.map((f) => f.capLen)).toEqual([60, 0, 60]);
      expect(r.problems).toMatchObject([{ kind: 'zero-length', fileOffset: 100, frameNumber: 2, fatal: false }]);
    }
  });

  it('caplen > snaplen (but ≤ 262144): delivered (as Wireshark reads it), reported over-long, not fatal', async () => {
    // The writer cuts packets to its snaplen...
    expect(buildPcap([rec(1, 200)], { snapLen: 100 }).length).toBe(24 + 16 + 100);
    // ...so the 200-byte record under a 100-byte snaplen is written with an explicit header claim.
    const lying = buildPcap([{ ...rec(1, 200), capLen: 200 }], { snapLen: 100 });
    for (const reader of both) {
      const r = await readBytes(lying, { reader });
      expect(r.frames.map((f) => f.capLen)).toEqual([200]);
      expect(r.problems).toMatchObject([{ kind: 'over-long', fatal: false }]);
      expect(r.problems[0]!.message).toMatch(/larger than the snapshot length 100/);
    }
  });

  it('caplen > origLen: delivered and reported', async () => {
    const bytes = buildPcap([{ tsSec: 1, data: Buffer.alloc(80), origLen: 60 }]);
    const r = await readBytes(bytes);
    expect(r.frames.map((f) => [f.capLen, f.origLen])).toEqual([[80, 60]]);
    expect(r.problems).toMatchObject([{ kind: 'over-long', fatal: false }]);
    expect(r.problems[0]!.message).toMatch(/larger than the original length 60/);
  });

  for (const claim of [262145, 16711424, 0xffffffff]) {
    it(`record claiming ${claim} bytes: over-long, not trusted, reading stops there (tshark: "bigger than maximum of 262144")`, async () => {
      const bytes = Buffer.concat([
        buildPcap([rec(1), { tsSec: 2, data: Buffer.alloc(8), capLen: claim, origLen: claim }, rec(3)]),
      ]);
      for (const reader of both) {
        const t0 = Date.now();
        const r = await readBytes(bytes, { reader });
        expect(Date.now() - t0).toBeLessThan(2000);
        expect(r.frames.length).toBe(1);
        expect(r.problems).toMatchObject([{ kind: 'over-long', fileOffset: 100, frameNumber: 1, fatal: true }]);
        expect(r.problems[0]!.message).toContain(`${claim}-byte packet, bigger than the maximum of 262144`);
      }
    });
  }

  it('a 4 GB claim on an endless stream: reading stops at once, memory stays bounded (nothing buffered for the claim)', async () => {
    const head = buildPcap([rec(1), { tsSec: 2, data: new Uint8Array(0), capLen: 0xffffffff, origLen: 0xffffffff }]);
    let pulled = 0;
    const endless = Readable.from((function* () {
      yield head;
      for (let i = 0; i < 100_000; i++) { // bounded: 6.5 GB would be offered if the reader kept pulling
        pulled++;
        yield Buffer.alloc(65536);
      }
    })());
    for (const reader of both) {
      const stream = reader === 'fast' ? endless : Readable.from((function* () { yield head; for (let i = 0; i < 100_000; i++) { pulled++; yield Buffer.alloc(65536); } })());
      pulled = 0;
      const r = await drain(await openCapture('-', { stdin: stream, reader }));
      expect(r.frames.length).toBe(1);
      expect(r.problems).toMatchObject([{ kind: 'over-long', fatal: true }]);
      // At most one read window (4 MiB = 64 chunks here) plus the stream's own buffer (16 chunks):
      // far from the 100,000 chunks offered.
      expect(pulled).toBeLessThan(64 + 16 + 4);
    }
  });

  it('timestamp fraction ≥ 1 s (fuzzed µs field): carried into the seconds and reported', async () => {
    const bytes = buildPcap([{ tsSec: 100, data: Buffer.alloc(4), rawFrac: 2_500_000 }]); // 2.5 s in µs
    for (const reader of both) {
      const r = await readBytes(bytes, { reader });
      expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[102, 500_000_000]]);
      expect(r.problems).toMatchObject([{ kind: 'other', frameNumber: 1 }]);
    }
  });

  it('problems are bounded: 10,000 zero-length records give 50 lines and one counted summary', async () => {
    const bytes = buildPcap(Array.from({ length: 10_000 }, (_, i) => ({ tsSec: i, data: new Uint8Array(0) })));
    const r = await readBytes(bytes);
    expect(r.frames.length).toBe(10_000);
    expect(r.problems.length).toBe(51);
    expect(r.problems[50]!.message).toMatch(/^9950 more 'zero-length' problems not listed/);
  });
});

describe('not a capture, unreadable headers', () => {
  async function openErr(bytes: Uint8Array | string, name = 'x.txt'): Promise<string> {
    const p = tempFile(bytes, name);
    try {
      await openCapture(p);
    } catch (e) {
      expect(e).toBeInstanceOf(CaptureError);
      return (e as Error).message.replace(p, name);
    }
    throw new Error('expected a CaptureError');
  }

  it('a text file: one line with the magic bytes found, in hex', async () => {
    expect(await openErr('HTTP/1.1 200 OK\r\n')).toBe(
      'synack: x.txt is not a capture file (magic 48 54 54 50; expected pcap a1b2c3d4/a1b23c4d or pcapng 0a0d0d0a)',
    );
  });

  it('a file named .pcap that is not one: the name does not matter', async () => {
    expect(await openErr(Buffer.from('7f454c46020101', 'hex'), 'y.pcap')).toMatch(/y\.pcap is not a capture file \(magic 7f 45 4c 46;/);
  });

  it('an empty file, and one shorter than a magic', async () => {
    expect(await openErr('', 'e.pcap')).toBe('synack: e.pcap is empty (0 bytes), not a capture file');
    expect(await openErr(Buffer.from('d4c3', 'hex'), 's.pcap')).toMatch(/not a capture file \(magic d4 c3;/);
  });

  it('a pcap file header cut short', async () => {
    expect(await openErr(LE_US.subarray(0, 10), 'h.pcap')).toBe('synack: h.pcap is cut short in its pcap file header (10 of 24 bytes)');
  });

  it('pcap major version 1 is refused like libpcap ("archaic")', async () => {
    expect(await openErr(buildPcap([], { versionMajor: 1, versionMinor: 0 }), 'v.pcap')).toMatch(/pcap version 1\.0 is not supported/);
  });

  it('a file name with terminal escapes is neutralised in the message', async () => {
    const msg = await openErr('junk!', 'a\x1b[31mb.txt');
    expect(msg).not.toContain('\x1b');
    expect(msg).toContain('\\x1b[31mb.txt');
  });

  it('a directory', async () => {
    const d = join(tempDir(), 'adir');
    mkdirSync(d, { recursive: true });
    await expect(openCapture(d)).rejects.toThrow(/is a directory, not a capture file/);
  });

  it('a missing file raises ENOENT (the CLI prints "no such file")', async () => {
    await expect(openCapture(join(tempDir(), 'nope.pcap'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a FIFO is read as a stream', async () => {
    const fifo = join(tempDir(), 'fifo.pcap');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    const writer = (async () => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(fifo, LE_US);
    })();
    const r = await drain(await openCapture(fifo));
    await writer;
    expect(r.frames.length).toBe(2);
  });
});

describe('files being written, files changing under us', () => {
  it('a capture still being written: what is complete is read, the cut at the end is cut-short (not an error)', async () => {
    const p = join(tempDir(), 'growing.pcap');
    const w = PcapWriter.open(p, { flushIntervalMs: 0 });
    for (let i = 0; i < 3; i++) w.write({ tsSec: i, data: ethIpv4Tcp({ seq: i }) });
    w.flush();
    // half a record more, as a writer in the middle of a write leaves it
    const frame = ethIpv4Tcp({ seq: 99 });
    const partial = buildPcap([{ tsSec: 9, data: frame }]).subarray(24, 24 + 20);
    appendFileSync(p, partial);
    let r = await drain(await openCapture(p));
    expect(r.frames.length).toBe(3);
    expect(r.problems).toMatchObject([{ kind: 'cut-short', frameNumber: 3 }]);
    // the writer goes on: the next open sees more
    truncateSync(p, 24 + 3 * (16 + frame.length));
    for (let i = 3; i < 5; i++) w.write({ tsSec: i, data: ethIpv4Tcp({ seq: i }) });
    w.close();
    r = await drain(await openCapture(p));
    expect(r.frames.length).toBe(5);
    expect(r.problems).toEqual([]);
  });

  it('a file that grows while we read it is read further', async () => {
    const p = join(tempDir(), 'grow2.pcap');
    writeFileSync(p, buildPcap(Array.from({ length: 2000 }, (_, i) => rec(i))));
    const src = await openCapture(p, { batchSize: 100, windowSize: 4096 });
    let n = 0;
    let grown = false;
    for await (const b of src) {
      n += b.length;
      if (!grown) {
        appendFileSync(p, buildPcap([rec(5000)]).subarray(24));
        grown = true;
      }
    }
    expect(n).toBe(2001);
    expect(src.problems).toEqual([]);
  });

  it('a file truncated while we read it: a changed problem, no crash', async () => {
    const p = join(tempDir(), 'shrink.pcap');
    writeFileSync(p, buildPcap(Array.from({ length: 5000 }, (_, i) => rec(i))));
    const src = await openCapture(p, { batchSize: 100, windowSize: 8192 });
    let n = 0;
    let cut = false;
    for await (const b of src) {
      n += b.length;
      if (!cut) {
        truncateSync(p, 50_000);
        cut = true;
      }
    }
    expect(n).toBeLessThan(5000);
    const changed = src.problems.find((p) => p.kind === 'changed');
    expect(changed).toMatchObject({ fatal: true });
    expect(changed!.message).toMatch(/changed while being read: it was 380024 bytes when opened, 50000 now/);
  });

  it('breaking out of the loop closes the file (no leak; iteration ends)', async () => {
    const p = tempFile(buildPcap(Array.from({ length: 3000 }, (_, i) => rec(i))));
    const src = await openCapture(p, { batchSize: 10 });
    for await (const b of src) {
      expect(b.length).toBe(10);
      break;
    }
    // a second open of the same file works and the first source is finished
    const r = await drain(await openCapture(p));
    expect(r.frames.length).toBe(3000);
  });

  it('a writer refusing to clobber, to follow links, and flushing regularly while streaming', async () => {
    const p = join(tempDir(), 'w.pcap');
    const w = PcapWriter.open(p, { flushIntervalMs: 50 });
    expect(() => PcapWriter.open(p)).toThrow(/already exists; not overwritten/);
    const link = join(tempDir(), 'link.pcap');
    symlinkSync(p, link);
    expect(() => PcapWriter.open(link)).toThrow(/already exists/); // O_EXCL: a link is "something at the path"
    expect(() => PcapWriter.open(link, { overwrite: true })).toThrow(/symbolic link; not followed/);
    w.write({ tsSec: 1, data: ethIpv4Tcp() });
    await new Promise((res) => setTimeout(res, 200));
    // flushed by the timer, before close(): readable now
    let r = await drain(await openCapture(p));
    expect(r.frames.length).toBe(1);
    w.write({ tsSec: 2, data: ethIpv4Tcp() });
    w.close();
    r = await drain(await openCapture(p));
    expect(r.frames.length).toBe(2);
    const w2 = PcapWriter.open(p, { overwrite: true });
    w2.close();
    r = await drain(await openCapture(p));
    expect(r.frames.length).toBe(0);
    // the fd-based writer (e.g. stdout) works too
    const fdPath = join(tempDir(), 'fd.pcap');
    const fd = openSync(fdPath, 'w');
    const w3 = PcapWriter.toFd(fd, { nanosecond: true });
    w3.write({ tsSec: 3, tsNsec: 7, data: Buffer.from('00', 'hex') });
    w3.close();
    closeSync(fd);
    r = await drain(await openCapture(fdPath));
    expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[3, 7]]);
  });
});
