/**
 * Byte-vector regressions found by the hardening work: each case is the
 * smallest input that showed the problem, run through the whole pipeline
 * (harness.ts) with the bound that failed before the fix.
 */
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analysis.js';
import { buildPcap, ethIpv4Tcp } from '../../src/capture/pcap-writer.js';
import { type Frame, newFrame } from '../../src/capture/source.js';
import { MAX_DECODE_FAILURES } from '../../src/analyzers/http/parser.js';

/** Frames of one keep-alive connection: handshake, then the given client/server payloads in turn. */
function exchange(pairs: Array<[string | Uint8Array, string | Uint8Array]>): Uint8Array[] {
  const c = { src: '10.9.0.1', dst: '10.9.0.2', sport: 40000, dport: 80 };
  const s = { src: '10.9.0.2', dst: '10.9.0.1', sport: 80, dport: 40000 };
  const frames = [ethIpv4Tcp({ ...c, flags: 'S', seq: 0 }), ethIpv4Tcp({ ...s, flags: 'SA', seq: 0, ack: 1 }), ethIpv4Tcp({ ...c, flags: 'A', seq: 1, ack: 1 })];
  let cs = 1, ss = 1;
  const len = (p: string | Uint8Array): number => (typeof p === 'string' ? Buffer.byteLength(p, 'latin1') : p.length);
  for (const [q, r] of pairs) {
    frames.push(ethIpv4Tcp({ ...c, flags: 'PA', seq: cs, ack: ss, payload: q }));
    cs += len(q);
    frames.push(ethIpv4Tcp({ ...s, flags: 'PA', seq: ss, ack: cs, payload: r }));
    ss += len(r);
  }
  return frames;
}

function pcap(frames: Uint8Array[]): Buffer {
  return buildPcap(frames.map((data, i) => ({ tsSec: 1_700_000_000, tsNsec: i * 1000, data })));
}

/** Feeds built frames straight into an Analysis (no file): [analysis, CPU ms]. */
function analyse(frames: Uint8Array[]): [Analysis, number] {
  const a = new Analysis();
  const batch: Frame[] = frames.map((buf, i) => ({ ...newFrame(), number: i + 1, buf, offset: 0, capLen: buf.length, origLen: buf.length, tsSec: 1_700_000_000, tsNsec: i * 1000 }));
  const c0 = process.cpuUsage();
  a.feed(batch);
  a.finish();
  const cpu = process.cpuUsage(c0);
  return [a, (cpu.user + cpu.system) / 1000];
}

describe('regressions', () => {
  /**
   * A brotli body of 57 bytes (window 2^24; one byte, a flush, then 64 MiB
   * of zeros) made every response cost a full 16 MiB decoder window — about
   * 10–50 ms of CPU each: 300 such responses in a 40 KB capture took 9.5 s.
   * Fixed by bounding decoded output to 1032 × the input and by stopping
   * content decoding after MAX_DECODE_FAILURES bodies that could not be
   * decoded (src/analyzers/http/parser.ts, tx.ts).
   */
  it('brotli decompression bombs: work bounded, marked, honest notes', async () => {
    const bomb = Buffer.from('0f008078fcffff877f02201e0b0472effff9ffff0fff04401c1600e8defff3ffff1ffe0980382c00d0bdffe7ffff3ffc1300715800a07bff3f', 'hex');
    const resp = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: ${bomb.length}\r\n\r\n`, 'latin1'), bomb]);
    const n = 300;
    const bytes = pcap(exchange(Array.from({ length: n }, (_, i) => [`GET /b${i} HTTP/1.1\r\nHost: b\r\n\r\n`, resp])));
    const frames: Uint8Array[] = [];
    for (let off = 24; off < bytes.length;) {
      const cap = bytes.readUInt32LE(off + 8);
      frames.push(bytes.subarray(off + 16, off + 16 + cap));
      off += 16 + cap;
    }
    const [a, cpuMs] = analyse(frames);
    // The fuzz bound (1 s + 10 µs per byte): before the fix this took seconds of CPU per 10 KB.
    expect(cpuMs).toBeLessThan(1000 + bytes.length / 100);
    expect(a.app!.http).toHaveLength(n);
    const txs = a.app!.http as Array<{ responseBodyDecoded: number; notes: string[] | null }>;
    expect(txs.every((t) => t.responseBodyDecoded === -1)).toBe(true);
    expect(txs[0]!.notes![0]).toMatch(/br body could not be decoded .*1032 times its size/);
    expect(txs[n - 1]!.notes![0]).toMatch(/decoding stopped/);
    const limit = a.app!.events.filter((e) => e.anomaly !== undefined && e.text.includes('content decoding stopped'));
    expect(limit).toHaveLength(1);
    expect(MAX_DECODE_FAILURES).toBeLessThan(n);
  });

  /**
   * Two-byte WebSocket frames (0x81 0x00, an empty text frame) each became
   * an event object: 2,000,000 of them in a 4 MB capture held 400 MB.
   * Fixed by a memory budget for event objects (maxEventBytes, 64 MiB by
   * default) next to the count limit, with one app_limit marker.
   */
  it('a flood of tiny WebSocket frames: events bounded in memory, marked', () => {
    const c = { src: '10.9.1.1', dst: '10.9.1.2', sport: 40000, dport: 80 };
    const s = { src: '10.9.1.2', dst: '10.9.1.1', sport: 80, dport: 40000 };
    const req = 'GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const resp = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
    const frames = [ethIpv4Tcp({ ...c, flags: 'S', seq: 0 }), ethIpv4Tcp({ ...s, flags: 'SA', seq: 0, ack: 1 }), ethIpv4Tcp({ ...c, flags: 'A', seq: 1, ack: 1 }),
      ethIpv4Tcp({ ...c, flags: 'PA', seq: 1, ack: 1, payload: req }), ethIpv4Tcp({ ...s, flags: 'PA', seq: 1, ack: 1 + req.length, payload: resp })];
    const n = 600_000;
    const body = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) body[2 * i] = 0x81;
    let seq = 1 + resp.length;
    for (let p = 0; p < body.length; p += 1448) {
      const seg = body.subarray(p, p + 1448);
      frames.push(ethIpv4Tcp({ ...s, flags: 'A', seq, ack: 1 + req.length, payload: seg }));
      seq += seg.length;
    }
    const [a] = analyse(frames);
    const ev = a.app!.events;
    // About 140 bytes each against a 64 MiB budget: well under the 600,000 frames.
    expect(ev.length).toBeLessThan(500_000);
    expect(ev.length).toBeGreaterThan(100_000);
    const cut = ev.filter((e) => e.anomaly !== undefined && /event memory limit reached/.test(e.text));
    expect(cut).toHaveLength(1);
  });

  /**
   * Pipelined requests waiting for their responses were kept in an array
   * shifted once per response: V8 copies large arrays on shift, so 100,000
   * pipelined requests took 6.7 s of CPU and 300,000 took 47 s (quadratic).
   * Fixed with an O(1) queue (src/analyzers/http/parser.ts TxQueue).
   */
  it('100,000 pipelined requests, then their responses: linear time', () => {
    const n = 100_000;
    const rep = (one: string): Uint8Array => Buffer.from(one.repeat(n), 'latin1');
    const c = { src: '10.9.2.1', dst: '10.9.2.2', sport: 40000, dport: 80 };
    const s = { src: '10.9.2.2', dst: '10.9.2.1', sport: 80, dport: 40000 };
    const frames = [ethIpv4Tcp({ ...c, flags: 'S', seq: 0 }), ethIpv4Tcp({ ...s, flags: 'SA', seq: 0, ack: 1 }), ethIpv4Tcp({ ...c, flags: 'A', seq: 1, ack: 1 })];
    const req = rep('GET / HTTP/1.1\r\n\r\n'), resp = rep('HTTP/1.1 204 No Content\r\n\r\n');
    let cs = 1, ss = 1;
    for (let p = 0; p < req.length; p += 1448) { const seg = req.subarray(p, p + 1448); frames.push(ethIpv4Tcp({ ...c, flags: 'A', seq: cs, ack: 1, payload: seg })); cs += seg.length; }
    for (let p = 0; p < resp.length; p += 1448) { const seg = resp.subarray(p, p + 1448); frames.push(ethIpv4Tcp({ ...s, flags: 'A', seq: ss, ack: cs, payload: seg })); ss += seg.length; }
    const [a, cpuMs] = analyse(frames);
    expect(a.app!.http).toHaveLength(n);
    expect(a.app!.http[n - 1]).toMatchObject({ status: 204, pipelined: true });
    // About 0.5 s here; the quadratic queue took 6.7 s.
    expect(cpuMs).toBeLessThan(3000);
  });
});

