/**
 * Hostile traffic for reassembly and HTTP (issue 8, point 2), as a capture
 * written with the project's own pcap writer and read back through the
 * whole pipeline (analyzeFile):
 *   conn 0  a request line of 1 GiB with no CRLF, then a normal request
 *   conn 1  a chunked response of one million 1-byte chunks
 *   conn 2  a retransmission carrying different bytes (first copy wins)
 *   conn 3  a response body across the 2^32 sequence wrap
 * Bounds asserted: memory growth, time, and the markers where limits cut.
 * SYNACK_HOSTILE_MIB sets the long line's size (default 1024 = 1 GiB).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { analyzeFile } from '../../src/analysis.js';
import type { HttpTx } from '../../src/analyzers/http/tx.js';
import { ethIpv4Tcp, PcapWriter } from '../../src/capture/pcap-writer.js';

const LINE_MIB = Number(process.env.SYNACK_HOSTILE_MIB ?? 1024);
const dir = mkdtempSync(join(tmpdir(), 'synack-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let t0 = 0;

/** One connection's frames, sequence numbers tracked per direction. */
class Conn {
  readonly next: [number, number];
  constructor(private readonly w: PcapWriter, readonly cport: number, isn: [number, number] = [1000, 9000]) {
    this.next = [isn[0], isn[1]];
    this.frame(0, 'S', new Uint8Array(0), isn[0], 0);
    this.frame(1, 'SA', new Uint8Array(0), isn[1], (isn[0] + 1) >>> 0);
    this.next[0] = (isn[0] + 1) >>> 0;
    this.next[1] = (isn[1] + 1) >>> 0;
    this.frame(0, 'A', new Uint8Array(0), this.next[0], this.next[1]);
  }

  frame(d: 0 | 1, flags: string, payload: Uint8Array | string, seq: number, ack: number): void {
    const bytes = ethIpv4Tcp({
      src: d === 0 ? '10.0.0.1' : '10.0.0.2', dst: d === 0 ? '10.0.0.2' : '10.0.0.1',
      sport: d === 0 ? this.cport : 80, dport: d === 0 ? 80 : this.cport, flags, seq, ack, payload,
    });
    t0 += 0.0001;
    this.w.write({ tsSec: 1_700_000_000 + Math.floor(t0), tsNsec: Math.floor((t0 % 1) * 1e9), data: bytes });
  }

  send(d: 0 | 1, payload: Uint8Array | string): void {
    const n = typeof payload === 'string' ? Buffer.byteLength(payload, 'latin1') : payload.length;
    this.frame(d, 'PA', payload, this.next[d], this.next[1 - d]!);
    this.next[d] = (this.next[d] + n) >>> 0;
  }

  /** Many segments from one template: only the sequence number is patched (checksum left as is: not verified by default). */
  sendMany(d: 0 | 1, payload: Uint8Array, count: number): void {
    const tpl = ethIpv4Tcp({
      src: d === 0 ? '10.0.0.1' : '10.0.0.2', dst: d === 0 ? '10.0.0.2' : '10.0.0.1',
      sport: d === 0 ? this.cport : 80, dport: d === 0 ? 80 : this.cport, flags: 'A', seq: 0, ack: this.next[1 - d]!, payload,
    });
    const view = new DataView(tpl.buffer, tpl.byteOffset, tpl.byteLength);
    for (let i = 0; i < count; i++) {
      view.setUint32(14 + 20 + 4, this.next[d]);
      t0 += 0.00001;
      this.w.write({ tsSec: 1_700_000_000 + Math.floor(t0), tsNsec: Math.floor((t0 % 1) * 1e9), data: tpl });
      this.next[d] = (this.next[d] + payload.length) >>> 0;
    }
  }

  close(): void {
    this.frame(0, 'FA', new Uint8Array(0), this.next[0], this.next[1]);
    this.next[0] = (this.next[0] + 1) >>> 0;
    this.frame(1, 'FA', new Uint8Array(0), this.next[1], this.next[0]);
    this.next[1] = (this.next[1] + 1) >>> 0;
    this.frame(0, 'A', new Uint8Array(0), this.next[0], this.next[1]);
  }
}

function buildCapture(path: string): void {
  const w = PcapWriter.open(path, { flushIntervalMs: 0, bufferSize: 4 << 20 });
  // conn 0: a request line of LINE_MIB MiB with no CRLF, then a normal request.
  const c0 = new Conn(w, 40000);
  c0.send(0, 'GET /');
  // 64 KiB less the IPv4 and TCP headers: the largest payload an IPv4 total length can carry is 65495.
  const chunk = new Uint8Array(65_536 - 1024).fill(0x41);
  c0.sendMany(0, chunk, Math.ceil((LINE_MIB * 2 ** 20) / chunk.length));
  c0.send(0, '\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n');
  c0.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  c0.close();
  // conn 1: one million 1-byte chunks.
  const c1 = new Conn(w, 40001);
  c1.send(0, 'GET /chunks HTTP/1.1\r\nHost: h\r\n\r\n');
  c1.send(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
  const tiny = Buffer.from('1\r\na\r\n'.repeat(10_000), 'latin1');
  c1.sendMany(1, tiny, 100);
  c1.send(1, '0\r\n\r\n');
  c1.close();
  // conn 2: the request is retransmitted with different bytes at the same sequence numbers.
  const c2 = new Conn(w, 40002);
  const seq = c2.next[0];
  c2.send(0, 'GET /first HTTP/1.1\r\nHost: h\r\n\r\n');
  c2.frame(0, 'PA', 'GET /other HTTP/1.1\r\nHost: h\r\n\r\n', seq, c2.next[1]);
  c2.send(1, 'HTTP/1.1 204 No Content\r\n\r\n');
  c2.close();
  // conn 3: ISNs just below 2^32, a 20,000-byte body crossing the wrap.
  const c3 = new Conn(w, 40003, [0xffffff00, 0xfffff000]);
  c3.send(0, 'GET /wrap HTTP/1.1\r\nHost: h\r\n\r\n');
  const body = Buffer.alloc(20_000, 0x62);
  c3.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n');
  for (let i = 0; i < body.length; i += 1400) c3.send(1, body.subarray(i, i + 1400));
  c3.close();
  w.close();
}

describe('hostile HTTP traffic through the whole pipeline', () => {
  test(`${LINE_MIB} MiB request line, 10^6 chunks, differing retransmission, sequence wrap`, async () => {
    const path = join(dir, 'hostile-http.pcap');
    buildCapture(path);
    const size = statSync(path).size;
    global.gc?.();
    const before = process.memoryUsage();
    const start = performance.now();
    const a = await analyzeFile(path, { timelines: false });
    const seconds = (performance.now() - start) / 1000;
    const after = process.memoryUsage();
    const app = a.app!;
    const txs = app.http as HttpTx[];
    const growthMiB = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
    console.log(`hostile capture: ${(size / 2 ** 20).toFixed(0)} MiB, analysed in ${seconds.toFixed(2)} s `
      + `(${(size / 2 ** 20 / seconds).toFixed(0)} MiB/s), heap+buffers growth ${growthMiB.toFixed(1)} MiB`);

    // conn 0: the cap cut the line (app_limit marker), nothing grew with it, and parsing resumed.
    const limit = app.events.filter((e) => e.connId === 0 && e.anomaly === 304);
    expect(limit.length).toBe(1);
    expect(limit[0]!.text).toContain('line longer than 16384 bytes');
    const t0s = txs.filter((t) => t.connId === 0);
    expect(t0s.map((t) => [t.uri, t.status])).toEqual([['/after', 200]]);
    // conn 1: a million chunks, one exchange, exact sizes: 6 bytes per chunk + "0\r\n\r\n".
    const t1 = txs.find((t) => t.connId === 1)!;
    expect([t1.responseBodyEntity, t1.responseBodyWire, t1.responseComplete]).toEqual([1_000_000, 6_000_005, true]);
    // conn 2: the first copy was kept and the differing copy is marked with its frame.
    const t2 = txs.find((t) => t.connId === 2)!;
    expect(t2.uri).toBe('/first');
    const differs = app.events.filter((e) => e.connId === 2 && e.anomaly === 301);
    expect(differs.length).toBe(1);
    expect(differs[0]!.text).toMatch(/first copy kept, frame \d+ ignored/);
    // conn 3: the body crossed the wrap intact.
    const t3 = txs.find((t) => t.connId === 3)!;
    expect([t3.responseBodyEntity, t3.responseComplete]).toEqual([20_000, true]);
    expect(app.events.filter((e) => e.connId === 3 && e.anomaly !== undefined)).toEqual([]);

    // Bounds: memory does not follow the 1 GiB line; time stays linear (generous for slow CI machines).
    expect(growthMiB).toBeLessThan(150);
    expect(seconds).toBeLessThan(Math.max(30, LINE_MIB / 20));
  }, 600_000);
});
