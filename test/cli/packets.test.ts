import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { runPackets } from '../../src/cli/cmd-packets.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(...l.split('\n')), err: (l) => err.push(l), isTty: false, color: false };
  return { io, out, err };
}

describe('synack packets', () => {
  it('prints tcpdump -# -nn -tttt lines', async () => {
    const { io, out, err } = fakeIo();
    expect(await runPackets([resolve(CAPTURES, 'tcpdump-print-flags.pcap')], io)).toBe(0);
    expect(out).toHaveLength(10);
    // tests/print-x.out in the tcpdump repository, first line
    expect(out[0]).toBe('    1  2005-07-06 03:57:35.938066 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [S], seq 928549246, win 32767, options [mss 16396,sackOK,TS val 1306300950 ecr 0,nop,wscale 2], length 0');
    expect(out[3]).toContain('Flags [P.], seq 1:203, ack 1,');
    expect(err).toEqual([]);
  });

  it('-S prints absolute sequence numbers, -c stops, -t rel and delta', async () => {
    const f = resolve(CAPTURES, 'tcpdump-print-flags.pcap');
    const a = fakeIo();
    await runPackets([f, '-S', '-c', '4', '-t', 'rel'], a.io);
    expect(a.out).toHaveLength(4);
    expect(a.out[3]).toContain('seq 928549247:928549449, ack 930778610,');
    expect(a.out[0]).toMatch(/^ {4}1 {2}0\.000000 IP /);
    expect(a.out[1]).toMatch(/^ {4}2 {2}0\.000056 IP /);
    const b = fakeIo();
    await runPackets([f, '--time', 'delta', '--nano', '-c', '3'], b.io);
    expect(b.out[2]).toMatch(/^ {4}3 {2}0\.000045000 IP /);
  });

  it('--json gives one valid JSON object per frame', async () => {
    const { io, out } = fakeIo();
    await runPackets([resolve(CAPTURES, 'ppp-one_http_stream_rst.pcap'), '--json'], io);
    expect(out).toHaveLength(10);
    const objs = out.map((l) => JSON.parse(l) as { frame: number; protocols: string; tcp?: { sport: number } });
    expect(objs[0]).toMatchObject({ frame: 1, protocols: 'eth:vlan:vlan:pppoe:ppp:ip:tcp', tcp: { sport: 5068 } });
  });

  it('--json --verbose includes the layer tree and hex; -v -x print them as text', async () => {
    const j = fakeIo();
    await runPackets([resolve(CAPTURES, 'tcpdump-print-flags.pcap'), '--json', '-v', '-c', '1'], j.io);
    const o = JSON.parse(j.out[0]!) as { layers: Array<{ proto: string }>; hex: string };
    expect(o.layers.map((l) => l.proto)).toEqual(['frame', 'eth', 'ip', 'tcp']);
    expect(o.hex.startsWith('000000000000')).toBe(true);
    const t = fakeIo();
    await runPackets([resolve(CAPTURES, 'tcpdump-print-flags.pcap'), '-v', '-x', '-c', '1'], t.io);
    expect(t.out.some((l) => l.includes('TCP: 55920 > 80 [S]'))).toBe(true);
    expect(t.out.some((l) => l.startsWith('\t0000  00 00 00 00'))).toBe(true);
  });

  it('accepts an application summary hook', async () => {
    const { io, out } = fakeIo();
    const seen: number[] = [];
    await runPackets([resolve(CAPTURES, 'tcpdump-print-flags.pcap'), '-c', '4'], io, {
      onFrame: (f) => seen.push(f.number),
      summary: (n) => (n === 4 ? 'HTTP GET /' : undefined),
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(out[3]!.endsWith('length 202: HTTP GET /')).toBe(true);
  });

  it('reports reader problems on stderr, one line each, and exits 0', async () => {
    const { io, out, err } = fakeIo();
    expect(await runPackets([resolve(CAPTURES, 'ndpi-fuzz-2021-10-13.pcap')], io)).toBe(0);
    expect(err.length).toBeGreaterThan(0);
    for (const l of err) expect(l).toMatch(/^synack: .*ndpi-fuzz-2021-10-13\.pcap: /);
    void out;
  });

  it('fails when the file cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synack-packets-'));
    const bad = join(dir, 'not-a-capture.txt');
    writeFileSync(bad, 'hello world');
    const { io } = fakeIo();
    await expect(runPackets([bad], io)).rejects.toThrow(/not a capture file/);
    await expect(runPackets([join(dir, 'missing.pcap')], io)).rejects.toThrow();
    await expect(runPackets([], io)).rejects.toThrow(/expected one capture FILE/);
    await expect(runPackets([bad, '-c', 'x'], io)).rejects.toThrow(/-c expects a number/);
  });
});
