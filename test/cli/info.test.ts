/**
 * `synack info` against capinfos (expected/FILE.capinfos.txt, Wireshark
 * 4.0.17, TZ=UTC): packet count, data size (sum of original lengths), file
 * size, capture duration and earliest/latest packet time, for every corpus
 * file (exceptions with their reasons in test/capture/corpus-exceptions.ts).
 * Plus: text output neutralised, --json always valid, errors and usage.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPcap, ethIpv4Tcp } from '../../src/capture/pcap-writer.js';
import { buildPcapng, epb, idb, shb } from '../../src/capture/pcapng-build.js';
import { CaptureError } from '../../src/capture/source.js';
import { command, type InfoSummary, setMalformedCounterFactory } from '../../src/cli/cmd-info.js';
import type { Io } from '../../src/cli/io.js';
import { UsageError } from '../../src/cli/io.js';
import { CAPINFOS_EXCEPTIONS } from '../capture/corpus-exceptions.js';
import { CORPUS, tempFile } from '../capture/helpers.js';

function fakeIo(): Io & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), isTty: false, color: false };
}

async function info(args: string[]): Promise<{ code: number; lines: string[]; errs: string[] }> {
  const io = fakeIo();
  const code = await command.run(args, io);
  return { code, lines: io.lines, errs: io.errs };
}

async function infoJson(path: string): Promise<InfoSummary> {
  const r = await info([path, '--json']);
  expect(r.lines.length).toBe(1);
  return JSON.parse(r.lines[0]!) as InfoSummary;
}

const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort() : [];

function field(text: string, label: string): string | undefined {
  return new RegExp(`^${label}:\\s+(.+)$`, 'm').exec(text)?.[1]?.trim();
}

describe.runIf(files.length > 0)('synack info agrees with capinfos on the corpus', () => {
  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(join(CORPUS, 'expected', `${file}.capinfos.txt`), 'utf8').split('\n[stderr]\n')[0]!;
      const ex = CAPINFOS_EXCEPTIONS[file];
      const s = await infoJson(join(CORPUS, file));
      const count = field(text, 'Number of packets');
      expect(s.packets).toBe(ex?.packets ?? Number(count ?? /after reading (\d+) packets/.exec(readFileSync(join(CORPUS, 'expected', `${file}.capinfos.txt`), 'utf8'))?.[1]));
      // sizes, where capinfos printed them exactly ("2198 bytes"; larger ones are rounded to kB)
      const data = /^(\d+) bytes$/.exec(field(text, 'Data size') ?? '');
      if (data) expect(s.dataSize).toBe(Number(data[1]));
      const size = /^(\d+) bytes$/.exec(field(text, 'File size') ?? '');
      if (size) expect(s.fileSize).toBe(Number(size[1]));
      const first = field(text, 'First packet time');
      const last = field(text, 'Last packet time');
      if (ex?.first !== undefined) {
        expect(s.firstEpoch).toBe(ex.first);
        expect(s.lastEpoch).toBe(ex.last);
      } else if (first === undefined || first === 'n/a') {
        expect(s.firstTime).toBeNull();
      } else if (/\.\d{10}$/.test(first)) {
        // ndpi-fuzz: capinfos prints a 10-digit ns fraction (1882137472); we carry it into the seconds.
        expect(file).toBe('ndpi-fuzz-2021-10-13.pcap');
        expect(s.firstTime).toBe('2001-01-28T05:13:23.882137472Z');
      } else {
        // the same instant, written the same way (ISO form, the file's precision)
        expect(s.firstTime).toBe(first.replace(' ', 'T') + 'Z');
        expect(s.lastTime).toBe(last!.replace(' ', 'T') + 'Z');
        const dur = /^([\d.]+) seconds$/.exec(field(text, 'Capture duration') ?? '');
        if (dur) expect(s.duration).toBe(dur[1]);
      }
      const order = field(text, 'Strict time order');
      if (order !== undefined) expect(s.strictTimeOrder).toBe(order === 'True');
    });
  }
});

describe('synack info: output', () => {
  afterEach(() => setMalformedCounterFactory(undefined));

  it('text output of a big-endian nanosecond capture (figures as capinfos prints them)', async () => {
    const { code, lines } = await info([join(CORPUS, 'ppp-nanosecs_big_endian.pcap')]);
    expect(code).toBe(0);
    const t = lines.join('\n');
    expect(field(t, 'File type')).toMatch(/nanosecond pcap\), version 2\.4$/);
    expect(field(t, 'Byte order')).toBe('big-endian');
    expect(field(t, 'File encapsulation')).toBe('Ethernet (1)');
    expect(field(t, 'Timestamp precision')).toBe('nanoseconds (9)');
    expect(field(t, 'Packet size limit')).toBe('262144 bytes');
    expect(field(t, 'Number of packets')).toBe('10');
    expect(field(t, 'File size')).toBe('2382 bytes');
    expect(field(t, 'Data size')).toBe('2198 bytes (captured: 2198 bytes)');
    expect(field(t, 'Capture duration')).toBe('0.000804603 seconds');
    expect(field(t, 'First packet time')).toBe('2025-12-22T00:05:26.167647291Z');
    expect(field(t, 'Last packet time')).toBe('2025-12-22T00:05:26.168451894Z');
    expect(field(t, 'Average packet size')).toBe('219.80 bytes'); // capinfos: 219.80 bytes
    expect(field(t, 'Strict time order')).toBe('True');
    expect(field(t, 'Malformed packets')).toBe('not counted');
    expect(field(t, 'Problems')).toBe('none');
  });

  it('reader problems are listed one per line', async () => {
    const { lines } = await info([join(CORPUS, 'ndpi-fuzz-2021-10-13.pcap')]);
    const i = lines.findIndex((l) => l.startsWith('Problems:'));
    expect(lines[i]).toMatch(/^Problems:\s+3$/);
    expect(lines.slice(i + 1)).toEqual([
      '  other: pcap version 2.0: captured and original lengths are in the pre-2.3 order (read swapped, as libpcap does)',
      '  other: frame 1 at byte 24: timestamp fraction 1882137472 ns is not below one second; carried into the seconds',
      '  cut-short (reading stopped): the file is cut short in the middle of a record header at byte 237 (2 of 16 bytes); read up to the last whole record',
    ]);
  });

  it('pcapng: interfaces with names, per-packet encapsulation, section comments', async () => {
    const { lines } = await info([join(CORPUS, 'zeek-pcapng-multi-interface.pcapng')]);
    const t = lines.join('\n');
    expect(t).toContain('  #0 eth0: Ethernet (1), snaplen 262144, nanoseconds (9), os Linux 6.8.0-90-generic, 2 packets');
    expect(t).toContain('Capture application: Mergecap (Wireshark) 4.2.2 (Git v4.2.2 packaged as 4.2.2-1.1build3)');
    expect(field(t, 'Timestamp precision')).toBe('per interface');
    // capinfos: Last packet time: 2026-01-06 01:37:17.140942 (µs interface)
    expect(field(t, 'Last packet time')).toBe('2026-01-06T01:37:17.140942Z');
  });

  it('packet-derived text cannot reach the terminal raw: comments and interface names are neutralised', async () => {
    const p = tempFile(buildPcapng([
      shb({ comments: ['\x1b]0;owned\x07title'], application: 'app\x1b[2J' }),
      idb({ name: 'eth\x1b[31m0', description: 'd\u202eevil' }),
      epb({ ts: 1n, data: ethIpv4Tcp() }),
    ]), 'evil.pcapng');
    const { lines } = await info([p]);
    const t = lines.join('\n');
    expect(t).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(t).toContain('Capture comment:     \\x1b]0;owned\\x07title');
    expect(t).toContain('eth\\x1b[31m0 (d\\u202eevil)');
  });

  it('--json: one valid JSON object per file, whatever bytes the file holds', async () => {
    const raw = shb({ comments: ['x'] });
    // replace the comment's byte with invalid UTF-8 and a NUL-free control byte
    raw[raw.indexOf(0x78)] = 0xff;
    const p = tempFile(buildPcapng([raw, idb({ name: 'a"b\\c\n' }), epb({ data: ethIpv4Tcp() })]), 'j.pcapng');
    const q = tempFile(buildPcap([{ tsSec: 1, data: ethIpv4Tcp() }]), 'j.pcap');
    const { lines } = await info([p, q, '--json']);
    expect(lines.length).toBe(2);
    const a = JSON.parse(lines[0]!) as InfoSummary;
    const b = JSON.parse(lines[1]!) as InfoSummary;
    expect(a.interfaces[0]!.name).toBe('a"b\\c\n');
    expect(a.comments[0]).toBe('\ufffd');
    expect(b.packets).toBe(1);
    expect(b.malformed).toBeNull();
  });

  it('the malformed counter, when the pipeline provides one, is printed', async () => {
    setMalformedCounterFactory(() => {
      let n = 0;
      return { frame: (f) => { if (f.capLen < 60) n++; }, get count() { return n; } };
    });
    const s = await infoJson(join(CORPUS, 'ppp-nanosecs_big_endian.pcap'));
    expect(s.malformed).toBeTypeOf('number');
    const { lines } = await info([join(CORPUS, 'ppp-nanosecs_big_endian.pcap')]);
    expect(lines.join('\n')).toMatch(/^Malformed packets:\s+\d+$/m);
  });

  it('not a capture file: a CaptureError with the magic (one file); several files: error line, others printed, exit 1', async () => {
    const bad = tempFile('GET / HTTP/1.1\r\n', 'bad.txt');
    await expect(command.run([bad], fakeIo())).rejects.toThrow(CaptureError);
    await expect(command.run([bad], fakeIo())).rejects.toThrow(/not a capture file \(magic 47 45 54 20;/);
    const good = tempFile(buildPcap([{ tsSec: 1, data: ethIpv4Tcp() }]), 'good.pcap');
    const r = await info([bad, good]);
    expect(r.code).toBe(1);
    expect(r.errs.length).toBe(1);
    expect(r.errs[0]).toMatch(/^synack: .*bad\.txt is not a capture file/);
    expect(r.lines.some((l) => /^Number of packets:\s+1$/.test(l))).toBe(true);
  });

  it('usage errors', async () => {
    await expect(command.run([], fakeIo())).rejects.toThrow(UsageError);
    await expect(command.run(['x.pcap', '--reader', 'bogus'], fakeIo())).rejects.toThrow(/--reader must be/);
    await expect(command.run(['--nope'], fakeIo())).rejects.toThrow(UsageError);
  });

  it('both classic readers give the same summary', async () => {
    const p = join(CORPUS, 'zeek-http-206_example_b.pcap');
    const a = await info([p, '--json', '--reader', 'fast']);
    const b = await info([p, '--json', '--reader', 'pcap-parser']);
    expect(a.lines).toEqual(b.lines);
  });
});
