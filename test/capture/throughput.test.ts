/**
 * Reading throughput of the classic pcap readers (frames/s), on a capture
 * generated with our writer: short HTTP/1.1 connections on loopback-like
 * Ethernet frames (handshake, request, ~2.9 KB response, teardown).
 *
 * By default a small file (100k frames) and a loose floor, so a shared CI
 * machine does not make the suite flaky; `SYNACK_BENCH=1` uses the 500k-frame
 * (~190 MB) file in the temp directory and asserts the target (≥ 3 M frames/s
 * for our reader on a regular file), printing both readers' figures.
 */
import { existsSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { ethIpv4Tcp, PcapWriter } from '../../src/capture/pcap-writer.js';

const FULL = process.env.SYNACK_BENCH === '1';
const N = FULL ? 500_000 : 100_000;
const FILE = join(tmpdir(), `synack-read-bench-${N}.pcap`);

function connectionFrames(): Uint8Array[] {
  const req = 'GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n';
  const resp = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2800\r\n\r\n' + 'x'.repeat(2800);
  const c = { src: '127.0.0.1', dst: '127.0.0.1', srcMac: '00:00:00:00:00:00', dstMac: '00:00:00:00:00:00' };
  const ts = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 1];
  const cli = { ...c, sport: 40000, dport: 80, options: ts };
  const srv = { ...c, sport: 80, dport: 40000, options: ts };
  return [
    ethIpv4Tcp({ ...cli, flags: 'S', options: [2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7] }),
    ethIpv4Tcp({ ...srv, flags: 'SA', options: [2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 1, 1, 3, 3, 7] }),
    ethIpv4Tcp({ ...cli, flags: 'A' }),
    ethIpv4Tcp({ ...cli, flags: 'PA', payload: req }),
    ethIpv4Tcp({ ...srv, flags: 'A' }),
    ethIpv4Tcp({ ...srv, flags: 'PA', payload: resp }),
    ethIpv4Tcp({ ...cli, flags: 'A' }),
    ethIpv4Tcp({ ...cli, flags: 'FA' }),
    ethIpv4Tcp({ ...srv, flags: 'FA' }),
    ethIpv4Tcp({ ...cli, flags: 'A' }),
  ];
}

function ensureFile(): void {
  if (existsSync(FILE) && statSync(FILE).size > 24) return;
  const frames = connectionFrames();
  const tmp = `${FILE}.${process.pid}.tmp`;
  const w = PcapWriter.open(tmp, { flushIntervalMs: 0, overwrite: true });
  let t = 1_700_000_000 * 1e6;
  for (let i = 0; i < N; i++) {
    t += 9;
    w.write({ tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000, data: frames[i % frames.length]! });
  }
  w.close();
  // rename: a concurrent run never sees a half-written file
  renameSync(tmp, FILE);
}

async function timeRead(reader: 'fast' | 'pcap-parser'): Promise<number> {
  const t0 = process.hrtime.bigint();
  const src = await openCapture(FILE, { reader });
  let n = 0;
  let sum = 0;
  for await (const batch of src) {
    for (const f of batch) {
      n++;
      sum += f.capLen + f.buf[f.offset]!;
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  expect(n).toBe(N);
  expect(sum).toBeGreaterThan(0);
  return s;
}

describe(`classic pcap read throughput (${N} frames)`, () => {
  it('our reader and pcap-parser, best of several runs', async () => {
    ensureFile();
    const size = statSync(FILE).size;
    const best = async (reader: 'fast' | 'pcap-parser', runs: number): Promise<number> => {
      let b = Infinity;
      for (let i = 0; i < runs; i++) b = Math.min(b, await timeRead(reader));
      return b;
    };
    const fast = await best('fast', 5);
    const parser = await best('pcap-parser', FULL ? 3 : 2);
    const line = (name: string, s: number): string =>
      `${name}: ${(N / s / 1e6).toFixed(2)} M frames/s, ${(size / s / 1048576).toFixed(0)} MiB/s (${s.toFixed(3)} s)`;
    console.log(`${FILE} (${(size / 1e6).toFixed(0)} MB)\n  ${line('fast reader', fast)}\n  ${line('pcap-parser', parser)}`);
    expect(N / fast).toBeGreaterThan(FULL ? 3_000_000 : 500_000);
  }, 300_000);
});
