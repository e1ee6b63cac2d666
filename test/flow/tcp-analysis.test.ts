/**
 * TcpAnalyzer, table-driven, one conversation per case, written from the definitions in
 * Wireshark's "TCP Analysis" (User's Guide §7.5) and tcp_analyze_sequence_number().
 *
 * Each line is one segment:  time_ms  dir  flags  seq  ack  len  window  [ws=N]  |  expected
 *   dir: c = client→server (dir 0), s = server→client (dir 1); flags: S A F R P letters;
 *   seq/ack absolute; window is the raw 16-bit field; ws=N is a Window Scale option on a SYN;
 *   expected: describeAnalysis() names, or nothing. (tshark also sets tcp.analysis.retransmission
 *   on fast and spurious retransmissions; describeAnalysis names only the specific kind, as
 *   Wireshark's Info column does.)
 * Every table was also written to a pcap and read by tshark 4.0.17 (tcp.analysis.* fields and
 * tcp.analysis.duplicate_ack_num), which raised exactly the expected flags.
 */
import { describe, expect, it } from 'vitest';
import { AnalysisFlag, ANY_RETRANSMISSION, describeAnalysis, TcpAnalyzer } from '../../src/flow/tcp-analysis.js';
import { TcpFlag } from '../../src/decode/decoded.js';

const LETTER: Record<string, number> = { S: TcpFlag.SYN, A: TcpFlag.ACK, F: TcpFlag.FIN, R: TcpFlag.RST, P: TcpFlag.PSH };
const T0 = 1_000_000; // seconds; any fixed epoch

interface Step { line: string; expected: string[]; got: string[] }

/** `int32`: seq and ack passed as signed 32-bit values (the same bits), as the tracker passes them. */
function run(table: string, int32 = false): Step[] {
  const a = new TcpAnalyzer();
  const steps: Step[] = [];
  let frame = 0;
  for (const raw of table.split('\n')) {
    const line = raw.replace(/\/\/.*/, '').trim();
    if (!line) continue;
    const [lhs = '', rhs = ''] = line.split('|');
    const p = lhs.trim().split(/\s+/);
    const ms = Number(p[0]);
    const dir = p[1] === 'c' ? 0 : 1;
    let flags = 0;
    for (const ch of p[2] ?? '') flags |= LETTER[ch] ?? 0;
    const seq = int32 ? Number(p[3]) | 0 : Number(p[3]);
    const ack = int32 ? Number(p[4]) | 0 : Number(p[4]);
    const len = Number(p[5]);
    const win = Number(p[6]);
    const wsTok = p.find((x) => x.startsWith('ws='));
    // the caller's contract: on a SYN, the option's shift or -2 without one; afterwards -1 (unknown) here
    const ws = (flags & TcpFlag.SYN) !== 0 ? (wsTok ? Number(wsTok.slice(3)) : -2) : -1;
    const ns = Math.round(ms * 1e6);
    const mask = a.segment(dir as 0 | 1, seq, ack, flags, len, win, ws, T0 + Math.floor(ns / 1e9), ns % 1e9, ++frame);
    const expected = rhs.trim() ? rhs.split(',').map((x) => x.trim()) : [];
    steps.push({ line, expected: expected.sort(), got: describeAnalysis(mask, a.dupAckCount).sort() });
  }
  return steps;
}

function check(table: string, int32 = false): void {
  for (const s of run(table, int32)) expect(s.got, s.line).toEqual(s.expected);
}

const HANDSHAKE = `
  0   c S   1000 0    0 1000
  1   s SA  5000 1001 0 1000
  2   c A   1001 5001 0 1000`;

describe('TcpAnalyzer: one case per flag', () => {
  it('plain handshake, data and teardown raise nothing', () => {
    check(`${HANDSHAKE}
      10  c PA  1001 5001 100 1000
      11  s A   5001 1101 0   1000
      20  s PA  5001 1101 200 1000
      21  c A   1101 5201 0   1000
      30  c FA  1101 5201 0   1000
      31  s FA  5201 1102 0   1000
      32  c A   1102 5202 0   1000`);
  });

  it('retransmission: same bytes again after the RTO, not yet acknowledged', () => {
    check(`${HANDSHAKE}
      10  c PA  1001 5001 100 1000
      300 c PA  1001 5001 100 1000 | retransmission`);
  });

  it('a retransmitted SYN and SYN-ACK are retransmissions (they occupy one sequence number)', () => {
    check(`
      0    c S   1000 0    0 1000
      1000 c S   1000 0    0 1000 | retransmission
      1001 s SA  5000 1001 0 1000
      2000 s SA  5000 1001 0 1000 | retransmission`);
  });

  it('keep-alive: 0 or 1 byte at nextseq-1 is a keep-alive, not a retransmission; the echo is a keep-alive ACK', () => {
    check(`${HANDSHAKE}
      10    c PA  1001 5001 100 1000
      11    s A   5001 1101 0   1000
      45000 c A   1100 5001 1   1000 | keep_alive
      45001 s A   5001 1101 0   1000 | keep_alive_ack
      90000 c A   1100 5001 0   1000 | keep_alive
      90001 s A   5001 1101 0   1000 | keep_alive_ack`);
  });

  it('zero window, zero-window probe, probe ACK, window update; the probe does not advance nextseq', () => {
    check(`${HANDSHAKE}
      10  c PA  1001 5001 100 1000
      11  s A   5001 1101 0   0    | zero_window
      200 c A   1101 5001 1   1000 | zero_window_probe
      201 s A   5001 1101 0   0    | zero_window, zero_window_probe_ack
      400 s A   5001 1101 0   1000 | window_update
      401 c PA  1101 5001 100 1000`);
  });

  it('RST, SYN and FIN segments are never zero window', () => {
    check(`${HANDSHAKE}
      10  s R   5001 0    0 0`);
  });

  it('window full: data up to the peer\'s right edge, with the negotiated scale (25 << 2 = 100)', () => {
    check(`
      0   c S   1000 0    0   1000 ws=2
      1   s SA  5000 1001 0   1000 ws=0
      2   c A   1001 5001 0   25
      10  s PA  5001 1001 100 1000 | window_full`);
  });

  it('window full is not judged while the peer\'s scaling is unknown (no handshake seen)', () => {
    check(`
      0   c A   1001 5001 0   25
      10  s PA  5001 1001 25  1000`);
  });

  it('spurious retransmission: every byte was already acknowledged', () => {
    check(`${HANDSHAKE}
      10  s PA  5001 1001 100 1000
      11  c A   1001 5101 0   1000
      300 s PA  5001 1001 100 1000 | spurious_retransmission`);
  });

  it('duplicate ACKs #1 #2 #3, then fast retransmission of the missing segment', () => {
    check(`${HANDSHAKE}
      10   s A   5001 1001 100 1000
      10.1 s A   5201 1001 100 1000 | lost_segment
      10.2 c A   1001 5101 0   1000
      10.3 s A   5301 1001 100 1000
      10.4 c A   1001 5101 0   1000 | dup_ack #1
      10.5 c A   1001 5101 0   1000 | dup_ack #2
      10.6 c A   1001 5101 0   1000 | dup_ack #3
      11   s A   5101 1001 100 1000 | fast_retransmission
      11.1 c A   1001 5401 0   1000`);
  });

  it('a fast retransmission must come within 20 ms of the last duplicate ACK', () => {
    check(`${HANDSHAKE}
      10   s A   5001 1001 100 1000
      10.1 s A   5201 1001 100 1000 | lost_segment
      10.2 c A   1001 5101 0   1000
      10.4 c A   1001 5101 0   1000 | dup_ack #1
      10.5 c A   1001 5101 0   1000 | dup_ack #2
      40   s A   5101 1001 100 1000 | retransmission`);
  });

  it('a new ack number restarts the duplicate-ACK count', () => {
    check(`${HANDSHAKE}
      10   s A   5001 1001 100 1000
      11   c A   1001 5101 0   1000
      12   c A   1001 5101 0   1000 | dup_ack #1
      20   s A   5101 1001 100 1000
      21   c A   1001 5201 0   1000
      22   c A   1001 5201 0   1000 | dup_ack #1`);
  });

  it('out-of-order: the earlier segment arrives within 3 ms (no handshake RTT known)', () => {
    check(`
      0    s A   5101 1001 100 1000
      10   s A   5301 1001 100 1000 | lost_segment
      11   s A   5201 1001 100 1000 | out_of_order`);
  });

  it('the same late segment after 3 ms is a retransmission when no handshake RTT is known', () => {
    check(`
      0    s A   5101 1001 100 1000
      10   s A   5301 1001 100 1000 | lost_segment
      15   s A   5201 1001 100 1000 | retransmission`);
  });

  it('with a handshake, the out-of-order window is the handshake RTT (SYN → first ACK, here 50 ms)', () => {
    check(`
      0    c S   1000 0    0 1000
      25   s SA  5000 1001 0 1000
      50   c A   1001 5001 0 1000
      60   s A   5001 1001 100 1000
      70   s A   5201 1001 100 1000 | lost_segment
      100  s A   5101 1001 100 1000 | out_of_order
      110  s A   5401 1001 100 1000 | lost_segment
      200  s A   5301 1001 100 1000 | retransmission`);
  });

  it('previous segment not captured, and ACKed unseen segment', () => {
    check(`${HANDSHAKE}
      10  s A   5001 1001 100 1000
      20  s A   5201 1001 100 1000 | lost_segment
      30  c A   1001 5501 0   1000 | ack_lost_segment`);
  });

  it('ACKed unseen segment: a capture that starts mid-stream, reported once until the peer sends again', () => {
    check(`
      0   s A   5001 1001 100 1000
      1   c A   1001 6001 0   1000 | ack_lost_segment
      2   c A   1001 6001 0   1000 | dup_ack #1
      3   c A   1001 7001 0   1000`);
  });

  it('window update: same seq and ack, a new non-zero window', () => {
    check(`${HANDSHAKE}
      10  c A   1001 5001 0 2000 | window_update
      11  c A   1001 5001 0 2000 | dup_ack #1`);
  });

  it('timestamps that go backwards count as long ago (no out-of-order, no fast retransmission)', () => {
    check(`
      100  s A   5101 1001 100 1000
      110  s A   5301 1001 100 1000 | lost_segment
      50   s A   5201 1001 100 1000 | retransmission`);
  });

  const WRAP = `
      0    c S   4294967290 0          0   1000
      1    s SA  5000       4294967291 0   1000
      2    c A   4294967291 5001       0   1000
      10   c A   4294967291 5001       100 1000
      11   s A   5001       95         0   1000
      300  c A   4294967291 5001       100 1000 | spurious_retransmission
      310  c A   95         5001       10  1000`;

  it('sequence numbers wrap around 2^32', () => {
    check(WRAP);
  });

  it('sequence numbers given as int32 (the same bits) give the same flags', () => {
    check(WRAP, true);
    // Both ISNs above 2^31: a lost segment, duplicate ACKs, fast retransmissions, FINs.
    const table = `
      0    c S   3000000000 0          0    1000
      1    s SA  4000000000 3000000001 0    1000
      2    c A   3000000001 4000000001 0    1000
      10   c A   3000000001 4000000001 100  1000
      11   c A   3000000201 4000000001 100  1000
      12   s A   4000000001 3000000101 0    1000
      13   s A   4000000001 3000000101 0    1000
      14   s A   4000000001 3000000101 0    1000
      15   c A   3000000101 4000000001 100  1000
      30   c A   3000000101 4000000001 100  1000
      40   s A   4000000001 3000000301 0    2000
      50   c FA  3000000301 4000000001 0    1000
      51   s FA  4000000001 3000000302 0    2000
      52   c A   3000000302 4000000002 0    1000`;
    const got = (int32: boolean): string[][] => run(table, int32).map((step) => step.got);
    expect(got(true)).toEqual(got(false));
    expect(got(false).flat()).toEqual(expect.arrayContaining(['lost_segment', 'dup_ack #2', 'fast_retransmission']));
  });
});

describe('TcpAnalyzer API', () => {
  it('describeAnalysis names every flag in bit order, with the duplicate-ACK ordinal', () => {
    const all = Object.values(AnalysisFlag).reduce((m, b) => m | b, 0);
    expect(describeAnalysis(all, 3)).toEqual([
      'retransmission', 'fast_retransmission', 'spurious_retransmission', 'out_of_order', 'lost_segment',
      'ack_lost_segment', 'dup_ack #3', 'zero_window', 'zero_window_probe', 'zero_window_probe_ack',
      'window_full', 'window_update', 'keep_alive', 'keep_alive_ack',
    ]);
    expect(describeAnalysis(0, 0)).toEqual([]);
    expect(ANY_RETRANSMISSION).toBe(AnalysisFlag.RETRANSMISSION | AnalysisFlag.FAST_RETRANSMISSION | AnalysisFlag.SPURIOUS_RETRANSMISSION);
  });

  it('dupAckCount and dupAckFrame describe the last segment only', () => {
    const a = new TcpAnalyzer();
    a.segment(1, 5001, 1001, TcpFlag.ACK, 100, 1000, -1, T0, 0, 1);
    a.segment(0, 1001, 5101, TcpFlag.ACK, 0, 1000, -1, T0, 1000, 2);
    a.segment(0, 1001, 5101, TcpFlag.ACK, 0, 1000, -1, T0, 2000, 3);
    expect([a.dupAckCount, a.dupAckFrame]).toEqual([1, 2]);
    a.segment(1, 5101, 1001, TcpFlag.ACK, 100, 1000, -1, T0, 3000, 4);
    expect([a.dupAckCount, a.dupAckFrame]).toEqual([0, 0]);
  });

  it('a SYN with a new ISN on the same analyzer starts over (as tshark starts a new tcp.stream)', () => {
    const a = new TcpAnalyzer();
    a.segment(0, 1000, 0, TcpFlag.SYN, 0, 1000, -2, T0, 0, 1);
    a.segment(0, 1001, 0, TcpFlag.ACK, 100, 1000, -1, T0 + 1, 0, 2);
    // new ISN far below: without the reset its data would look like a retransmission
    expect(a.segment(0, 500, 0, TcpFlag.SYN, 0, 1000, -2, T0 + 60, 0, 3)).toBe(0);
    expect(a.segment(0, 501, 0, TcpFlag.ACK, 10, 1000, -1, T0 + 61, 0, 4)).toBe(0);
  });

  it('segment() does not allocate per call', () => {
    const a = new TcpAnalyzer();
    let seq = 1000;
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) {
        a.segment(0, seq, 5001, TcpFlag.ACK, 100, 1000, -1, T0 + (i >> 10), (i & 1023) * 1000, i + 1);
        a.segment(1, 5001, seq + 100, TcpFlag.ACK, 0, 1000, -1, T0 + (i >> 10), (i & 1023) * 1000 + 500, i + 1);
        seq += 100;
      }
    };
    run(50_000); // warm up
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage().heapUsed;
    run(500_000);
    const grown = process.memoryUsage().heapUsed - before;
    // 1M calls: any per-call object (≥ 16 bytes) would show up as ≥ 16 MB
    expect(grown).toBeLessThan(8_000_000);
  });
});
