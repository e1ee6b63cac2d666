/**
 * TCP reassembly, table-driven: segments in, the sink's log out. Each row
 * is a small story (RFC 9293 §3.4 sequence numbers, §3.10.7.4 segment
 * trimming, "first copy wins" as Zeek and the BSD/Linux stacks keep it).
 * Log entries: D<dir>:<bytes>@<frame> data, G<dir>:<n> gap, E<dir> end,
 * M:<anomaly>@<frame> marker.
 */
import { describe, expect, test } from 'vitest';
import { Anomaly, type AnomalyCode } from '../../src/decode/anomalies.js';
import { TcpFlag } from '../../src/decode/decoded.js';
import type { Dir, TcpSegmentInfo } from '../../src/flow/hooks.js';
import { DEFAULT_REASSEMBLY_LIMITS, ReassemblyBudget, TcpReassembler, type StreamSink } from '../../src/analyzers/reassembly.js';
import { newInfo } from './harness.js';

class Log implements StreamSink {
  readonly lines: string[] = [];
  readonly bufs: Uint8Array[] = [];
  data(dir: Dir, buf: Uint8Array, offset: number, length: number, frame: number): void {
    this.bufs.push(buf);
    this.lines.push(`D${dir}:${Buffer.from(buf.subarray(offset, offset + length)).toString('latin1')}@${frame}`);
  }
  gap(dir: Dir, length: number): void { this.lines.push(`G${dir}:${length}`); }
  end(dir: Dir): void { this.lines.push(`E${dir}`); }
  marker(code: AnomalyCode, _dir: Dir, frame: number): void { this.lines.push(`M:${Anomaly.name(code)}@${frame}`); }
}

interface Seg { dir?: Dir; seq: number; data?: string; flags?: number; ack?: number; isn?: number; wire?: number }

const A = TcpFlag.ACK, S = TcpFlag.SYN, F = TcpFlag.FIN, P = TcpFlag.PSH;

function run(segs: Seg[], limits = {}, finish = true): { log: Log; r: TcpReassembler; budget: ReassemblyBudget; infos: TcpSegmentInfo[] } {
  const log = new Log();
  const budget = new ReassemblyBudget({ ...DEFAULT_REASSEMBLY_LIMITS, ...limits });
  const r = new TcpReassembler(log, budget);
  const infos: TcpSegmentInfo[] = [];
  let frame = 0;
  for (const s of segs) {
    const info = newInfo();
    const data = Buffer.from(s.data ?? '', 'latin1');
    info.dir = s.dir ?? 0;
    info.frameNumber = ++frame;
    info.seq = s.seq >>> 0;
    info.ack = (s.ack ?? 0) >>> 0;
    info.flags = s.flags ?? (data.length > 0 ? A | P : A);
    info.buf = new Uint8Array(data);
    info.payloadOffset = 0;
    info.payloadLen = data.length;
    info.payloadWireLen = s.wire ?? data.length;
    info.isn = s.isn ?? -1;
    infos.push(info);
    r.segment(info, frame);
  }
  if (finish) r.finish();
  return { log, r, budget, infos };
}

describe('reassembly: in order', () => {
  test('SYN consumes one sequence number; data starts at ISN+1', () => {
    const { log } = run([
      { seq: 100, flags: S, isn: 100 },
      { seq: 101, data: 'GET ', isn: 100 },
      { seq: 105, data: '/ HTTP/1.1', isn: 100 },
    ]);
    expect(log.lines).toEqual(['D0:GET @2', 'D0:/ HTTP/1.1@3', 'E0', 'E1']);
  });

  test('fast path hands the frame\'s own buffer to the parser (no copy)', () => {
    const { log, infos } = run([{ seq: 1, data: 'abc' }, { seq: 4, data: 'def' }]);
    expect(log.bufs[0]).toBe(infos[0]!.buf);
    expect(log.bufs[1]).toBe(infos[1]!.buf);
  });

  test('no SYN seen: the stream starts at the first segment\'s sequence number', () => {
    const { log } = run([{ seq: 5000, data: 'xy' }, { seq: 5002, data: 'z' }]);
    expect(log.lines).toEqual(['D0:xy@1', 'D0:z@2', 'E0', 'E1']);
  });

  test('FIN ends the direction once; bytes beyond the FIN are ignored', () => {
    const { log } = run([
      { seq: 1, data: 'ab', flags: A | P | F },
      { seq: 3, data: 'zz' },
      { seq: 1, data: 'ab', flags: A | F },
    ]);
    expect(log.lines).toEqual(['D0:ab@1', 'E0', 'E1']);
  });

  test('sequence wraparound is invisible (mod 2^32)', () => {
    const isn = 0xfffffffa;
    const { log } = run([
      { seq: isn, flags: S, isn },
      { seq: 0xfffffffb, data: 'abcd', isn },
      { seq: 0xffffffff, data: 'efgh', isn },
      { seq: 3, data: 'ijkl', isn },
    ]);
    expect(log.lines.filter((l) => l.startsWith('D')).map((l) => l.slice(3, 7)).join('')).toBe('abcdefghijkl');
  });
});

describe('reassembly: out of order, retransmissions, overlaps', () => {
  test('out-of-order segment is buffered (copied) and delivered when the hole fills', () => {
    const { log, infos } = run([{ seq: 1, data: 'ab' }, { seq: 5, data: 'ef' }, { seq: 3, data: 'cd' }], {}, false);
    expect(log.lines).toEqual(['D0:ab@1', 'D0:cd@3', 'D0:ef@2']);
    expect(log.bufs[2]).not.toBe(infos[1]!.buf);
  });

  test('identical retransmission: nothing delivered twice, no marker', () => {
    const { log } = run([{ seq: 1, data: 'abcd' }, { seq: 1, data: 'abcd' }, { seq: 3, data: 'cdef' }], {}, false);
    expect(log.lines).toEqual(['D0:abcd@1', 'D0:ef@3']);
  });

  test('retransmission with different bytes: first copy kept, marker names the frame', () => {
    const { log, r } = run([{ seq: 1, data: 'abcd' }, { seq: 1, data: 'abXd' }], {}, false);
    expect(log.lines).toEqual(['D0:abcd@1', 'M:stream_overlap_differs@2']);
    expect(Buffer.from(r.chunks()![0]!.data).toString()).toBe('abcd');
  });

  test('a later copy overlapping buffered bytes: the buffered (first) copy wins', () => {
    const { log } = run([{ seq: 1, data: 'ab' }, { seq: 5, data: 'XY' }, { seq: 3, data: 'cdef' }], {}, false);
    expect(log.lines).toEqual(['D0:ab@1', 'D0:cd@3', 'M:stream_overlap_differs@3', 'D0:XY@2']);
  });

  test('overlapping out-of-order pieces fill only the holes', () => {
    const { log } = run([
      { seq: 1, data: 'a' }, { seq: 4, data: 'de' }, { seq: 3, data: 'cdefg' }, { seq: 2, data: 'b' },
    ], {}, false);
    expect(log.lines.join('|')).toBe('D0:a@1|D0:b@4|D0:c@3|D0:de@2|D0:fg@3');
  });

  test('TCP keep-alive probe (one old byte at next-1) is not compared', () => {
    const { log } = run([{ seq: 1, data: 'abc' }, { seq: 3, data: '\0' }], {}, false);
    expect(log.lines).toEqual(['D0:abc@1']);
  });
});

describe('reassembly: gaps', () => {
  test('the peer acknowledges bytes the capture never showed: gap, then the buffered data', () => {
    const { log } = run([
      { seq: 1, data: 'ab' },
      { seq: 10, data: 'jk' },
      { dir: 1, seq: 500, flags: A, ack: 12 },
    ], {}, false);
    expect(log.lines).toEqual(['D0:ab@1', 'M:stream_gap@3', 'G0:7', 'D0:jk@2']);
  });

  test('an ACK of FIN+1 is not a gap', () => {
    const { log } = run([
      { seq: 1, data: 'ab', flags: A | P | F },
      { dir: 1, seq: 500, flags: A, ack: 4 },
    ]);
    expect(log.lines).toEqual(['D0:ab@1', 'E0', 'E1']);
  });

  test('holes left at the end become gaps so parsers see what is missing', () => {
    const { log } = run([{ seq: 1, data: 'ab' }, { seq: 6, data: 'fg' }]);
    expect(log.lines).toEqual(['D0:ab@1', 'M:stream_gap@2', 'G0:3', 'D0:fg@2', 'E0', 'E1']);
  });

  test('bytes cut by the snapshot length are a gap', () => {
    const { log } = run([{ seq: 1, data: 'abc', wire: 10 }, { seq: 11, data: 'k' }], {}, false);
    expect(log.lines).toEqual(['D0:abc@1', 'M:stream_gap@1', 'G0:7', 'D0:k@2']);
  });
});

describe('reassembly: bounds', () => {
  test('too many out-of-order blocks: oldest hole skipped, marker, memory stays under the cap', () => {
    const segs: Seg[] = [{ seq: 1, data: 'a' }];
    for (let i = 0; i < 50; i++) segs.push({ seq: 3 + 2 * i, data: 'x' });
    const { log, r, budget } = run(segs, { maxBlocksPerDir: 8 }, false);
    expect(log.lines.some((l) => l.startsWith('M:stream_buffer_limit'))).toBe(true);
    expect(log.lines.filter((l) => l.startsWith('G0')).length).toBeGreaterThan(0);
    expect(r.buffered).toBeLessThanOrEqual(8);
    expect(budget.buffered).toBe(r.buffered);
  });

  test('per-direction byte cap', () => {
    const segs: Seg[] = [{ seq: 1, data: 'a' }];
    for (let i = 0; i < 20; i++) segs.push({ seq: 100 + 1000 * i, data: 'y'.repeat(900) });
    const { r, log } = run(segs, { maxBufferedPerDir: 4000 }, false);
    expect(r.buffered).toBeLessThanOrEqual(4000);
    expect(log.lines.filter((l) => l === 'M:stream_buffer_limit@' + l.split('@')[1]).length).toBeGreaterThan(0);
  });

  test('global cap across connections', () => {
    const budget = new ReassemblyBudget({ ...DEFAULT_REASSEMBLY_LIMITS, maxBufferedTotal: 3000 });
    const rs: TcpReassembler[] = [];
    for (let c = 0; c < 5; c++) {
      const r = new TcpReassembler(new Log(), budget);
      rs.push(r);
      const info = newInfo();
      info.seq = 1; info.buf = new Uint8Array(1); info.payloadLen = 1; info.payloadWireLen = 1; info.flags = A;
      r.segment(info, 1);
      info.seq = 100; info.buf = new Uint8Array(1000); info.payloadLen = 1000; info.payloadWireLen = 1000;
      r.segment(info, 2);
    }
    expect(budget.buffered).toBeLessThanOrEqual(3000);
    expect(rs.reduce((n, r) => n + r.buffered, 0)).toBe(budget.buffered);
  });

  test('follow-stream retention stops at its cap with one marker', () => {
    const segs: Seg[] = [];
    for (let i = 0; i < 10; i++) segs.push({ seq: 1 + 100 * i, data: 'z'.repeat(100) });
    const { log, r } = run(segs, { maxStoredPerConn: 250 }, false);
    expect(log.lines.filter((l) => l.startsWith('M:stream_buffer_limit')).length).toBe(1);
    const kept = r.chunks()!.reduce((n, c) => n + c.data.length, 0);
    expect(kept).toBe(250);
    expect(log.lines.filter((l) => l.startsWith('D0')).length).toBe(10);
  });
});
