/**
 * Every capture of the shared corpus read by our readers and checked
 * against capinfos (expected/FILE.capinfos.txt, Wireshark 4.0.17): packet
 * count and earliest/latest packet time (capinfos' "First/Last packet
 * time" are the minimum and maximum timestamps). Where capinfos/tshark
 * stopped on an error, our problems must say the same thing happened.
 * Exceptions, with reasons and their outside source: corpus-exceptions.ts.
 *
 * Also: both classic pcap readers (ours and pcap-parser), file and stream,
 * give identical frames and problems on every classic pcap file; pcapng
 * gives the same from a file and from a stream.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { CAPINFOS_EXCEPTIONS } from './corpus-exceptions.js';
import { CORPUS, drain, type ReadResult, readStream } from './helpers.js';

const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort() : [];

/** "2025-12-22 00:05:26.167647291" (UTC) → nanoseconds since the epoch. The fraction may have 10 digits (un-normalised ns). */
function capinfosTime(s: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) throw new Error(`unparsed capinfos time '${s}'`);
  const sec = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  const frac = m[7] ?? '';
  const ns = frac.length <= 9 ? BigInt(frac.padEnd(9, '0') || '0') : BigInt(frac);
  return BigInt(sec) * 1_000_000_000n + ns;
}

/** "1340954905.298858" → ns. */
function epochTime(s: string): bigint {
  const [a, b = ''] = s.split('.');
  return BigInt(a!) * 1_000_000_000n + BigInt(b.padEnd(9, '0').slice(0, 9) || '0');
}

function ourTimes(r: ReadResult): [bigint, bigint] | undefined {
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (const f of r.frames) {
    if (!f.hasTime) continue;
    const t = BigInt(f.tsSec) * 1_000_000_000n + BigInt(f.tsNsec);
    if (min === undefined || t < min) min = t;
    if (max === undefined || t > max) max = t;
  }
  return min === undefined ? undefined : [min, max!];
}

interface Capinfos {
  packets: number | undefined;
  first: string | undefined;
  last: string | undefined;
  stderr: string;
}

function capinfos(file: string): Capinfos {
  const text = readFileSync(join(CORPUS, 'expected', `${file}.capinfos.txt`), 'utf8');
  const [out = '', err = ''] = text.split('\n[stderr]\n');
  const n = /^Number of packets:\s+(\d+)\s*$/m.exec(out)?.[1] ?? /after reading (\d+) packets/.exec(err)?.[1];
  return {
    packets: n === undefined ? undefined : Number(n),
    first: /^First packet time:\s+(\d.+)$/m.exec(out)?.[1], // "n/a" for an empty file
    last: /^Last packet time:\s+(\d.+)$/m.exec(out)?.[1],
    stderr: err,
  };
}

describe.runIf(files.length > 0)('corpus: readers agree with capinfos', () => {
  it('the corpus is there', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const file of files) {
    it(file, async () => {
      const ci = capinfos(file);
      const ex = CAPINFOS_EXCEPTIONS[file];
      const r = await drain(await openCapture(join(CORPUS, file)));

      // packet count
      const packets = ex?.packets ?? ci.packets;
      expect(packets, 'an expected packet count').toBeTypeOf('number');
      expect(r.frames.length).toBe(packets);

      // earliest / latest time
      const t = ourTimes(r);
      const first = ex?.first !== undefined ? epochTime(ex.first) : ci.first !== undefined ? capinfosTime(ci.first) : undefined;
      const last = ex?.last !== undefined ? epochTime(ex.last) : ci.last !== undefined ? capinfosTime(ci.last) : undefined;
      if (packets === 0) {
        expect(t).toBeUndefined();
      } else {
        expect(first, 'an expected first time').toBeDefined();
        expect(t?.[0]).toBe(first);
        expect(t?.[1]).toBe(last);
      }

      // where capinfos/tshark stopped on an error, our problems say the same thing happened
      const fatal = r.problems.filter((p) => p.fatal);
      const err = ci.stderr;
      if (/cut short in the middle of a packet/.test(err)) {
        expect(fatal.map((p) => p.kind)).toEqual(['cut-short']);
      } else if (/bigger than maximum of 262144/.test(err)) {
        expect(fatal.map((p) => p.kind)).toEqual(['over-long']);
        expect(fatal[0]!.message).toMatch(/bigger than the maximum of 262144; not trusted, reading stopped/);
      } else if (/unknown SHB version (\d+\.\d+)/.test(err)) {
        const v = /unknown SHB version (\d+\.\d+)/.exec(err)![1]!;
        expect(fatal.map((p) => p.kind)).toEqual(['unsupported']);
        expect(fatal[0]!.message).toContain(`version ${v}`);
        expect(fatal[0]!.frameNumber).toBe(ci.packets);
      } else {
        // no read error for capinfos (tcpdump-dsa's "network type 284 unsupported" is about decoding, not reading)
        expect(fatal, JSON.stringify(r.problems)).toEqual([]);
      }
    });
  }

  it('ndpi-fuzz-2021-10-13.pcap: the un-normalised ns fraction capinfos prints is the same instant', async () => {
    // capinfos prints "2001-01-28 05:13:22.1882137472" (1882137472 ns in the fraction field)
    const r = await drain(await openCapture(join(CORPUS, 'ndpi-fuzz-2021-10-13.pcap')));
    expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[980658803, 882137472]]);
    // capinfos: "Data size: 524 kB", "Average packet size: 524501.00 bytes" — pre-2.3 swapped lengths
    expect(r.frames[0]!.origLen).toBe(524501);
    expect(r.frames[0]!.capLen).toBe(197);
    expect(r.problems.find((p) => p.kind === 'cut-short')!.fileOffset).toBe(237);
  });

  it('sv-bug-6875-01-fuzz.pcap: the over-long record is the second one, at byte 228 (as libpcap reports it)', async () => {
    const r = await drain(await openCapture(join(CORPUS, 'sv-bug-6875-01-fuzz.pcap')));
    expect(r.problems).toMatchObject([{ kind: 'over-long', fileOffset: 228, frameNumber: 1, fatal: true }]);
    expect(r.problems[0]!.message).toContain('1409179648-byte packet');
  });

  it('the ppp-pcapng-example exception: tshark listed every frame in its tcp table', () => {
    const rows = readFileSync(join(CORPUS, 'expected', 'ppp-pcapng-example.pcapng.tcp.tsv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBe(159);
    const times = rows.map((l) => l.split('\t')[1]!).map(epochTime).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(times[0]).toBe(epochTime(CAPINFOS_EXCEPTIONS['ppp-pcapng-example.pcapng']!.first!));
    expect(times[times.length - 1]).toBe(epochTime(CAPINFOS_EXCEPTIONS['ppp-pcapng-example.pcapng']!.last!));
  });

  it('the tcpdump-dsa exception: 8 records in tcpdump\'s output, first and last times as listed', () => {
    const lines = readFileSync(join(CORPUS, 'expected', 'tcpdump-dsa.pcap.tcpdump.out'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(8);
    expect(lines[0]).toContain('1970-01-01 22:21:39.544060');
    expect(lines[7]).toContain('1970-01-01 22:21:44.560415');
    expect(epochTime('80499.544060')).toBe(capinfosTime('1970-01-01 22:21:39.544060'));
    expect(epochTime('80504.560415')).toBe(capinfosTime('1970-01-01 22:21:44.560415'));
  });
});

function plain(r: ReadResult): unknown {
  return {
    frames: r.frames,
    problems: r.problems.map((p) => ({ ...p })),
    info: { ...r.info, fileSize: 0 },
  };
}

describe.runIf(files.length > 0)('corpus: classic readers identical, file and stream identical', () => {
  for (const file of files) {
    it(file, async () => {
      const path = join(CORPUS, file);
      const fast = plain(await drain(await openCapture(path, { reader: 'fast' })));
      const bytes = readFileSync(path);
      const variants: [string, ReadResult][] = [
        ['stream, 1000-byte chunks, auto (pcap-parser where it can)', await readStream(bytes, 1000)],
        ['stream, 7-byte chunks, fast', await readStream(bytes, 7, { reader: 'fast' })],
        ['file, small window', await drain(await openCapture(path, { reader: 'fast', windowSize: 256 }))],
      ];
      if (file.endsWith('.pcap')) variants.push(['file, pcap-parser', await drain(await openCapture(path, { reader: 'pcap-parser' }))]);
      for (const [name, r] of variants) expect(plain(r), name).toEqual(fast);
    });
  }
});
