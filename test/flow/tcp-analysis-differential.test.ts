/**
 * Differential check of TcpAnalyzer against tshark on random conversations.
 *
 * A seeded generator writes TCP conversations full of the situations the analysis flags are
 * about (gaps, retransmissions, duplicate ACKs, keep-alives, zero windows and probes, windows
 * filled to the edge, FIN/RST/SYN repeats, timestamps going backwards, sequence wraparound,
 * long one-way bursts); the pcap is read by tshark and every tcp.analysis.* flag (and the
 * duplicate-ACK ordinal) must match ours on every segment. Skipped when tshark is not installed.
 *
 * The external truth is tshark's output; the generator only chooses inputs.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPcap, ethIpv4Tcp, type PcapRecord } from '../../src/capture/pcap-writer.js';
import { TcpFlag } from '../../src/decode/decoded.js';
import { AnalysisFlag as F, TcpAnalyzer } from '../../src/flow/tcp-analysis.js';

function haveTshark(): boolean {
  try { execFileSync('tshark', ['-v'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seg { tNs: bigint; conv: number; dir: 0 | 1; flags: number; seq: number; ack: number; len: number; win: number; ws: number | null }

const S = TcpFlag.SYN, A = TcpFlag.ACK, Fi = TcpFlag.FIN, R = TcpFlag.RST, P = TcpFlag.PSH;

function generate(seed: number, conversations: number): Seg[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const segs: Seg[] = [];
  let t = 1_000_000_000_000_000n;
  for (let conv = 0; conv < conversations; conv++) {
    const isn = [pick([1000, 2 ** 32 - 500, Math.floor(rnd() * 2 ** 32)]), pick([5000, 2 ** 32 - 50, Math.floor(rnd() * 2 ** 32)])];
    const nxt = [isn[0]!, isn[1]!];
    const rcv = [isn[1]!, isn[0]!];
    const win = [pick([0, 100, 500, 1000, 65535]), pick([0, 100, 500, 1000, 65535])];
    const sent: [number, number][][] = [[], []];
    const emit = (dir: 0 | 1, flags: number, seq: number, ack: number, len: number, w: number, ws: number | null = null): void => {
      const r = rnd();
      let dt: number;
      if (r < 0.02) dt = -pick([1_000, 1_000_000]);
      else if (r < 0.3) dt = pick([1_000, 10_000, 100_000]);
      else if (r < 0.6) dt = pick([500_000, 1_000_000, 2_500_000]);
      else if (r < 0.85) dt = pick([4_000_000, 15_000_000, 25_000_000]);
      else dt = pick([100_000_000, 1_000_000_000]);
      t += BigInt(dt);
      segs.push({ tNs: t, conv, dir, flags, seq: seq >>> 0, ack: ack >>> 0, len, win: w, ws });
    };
    if (rnd() < 0.8) {
      const wsc = pick([null, 0, 2, 7]);
      const wss = pick([null, 0, 1, 3]);
      if (rnd() < 0.9) emit(0, S, nxt[0]!, pick([0, 0, 0, 12345]), 0, win[0]!, wsc);
      if (rnd() < 0.1) emit(0, S, nxt[0]!, 0, 0, win[0]!, wsc);
      nxt[0]!++; rcv[1] = nxt[0]!;
      if (rnd() < 0.9) emit(1, S | A, nxt[1]!, rcv[1]!, 0, win[1]!, wss);
      nxt[1]!++; rcv[0] = nxt[1]!;
      if (rnd() < 0.9) emit(0, A, nxt[0]!, rcv[0]!, 0, win[0]!);
    }
    const n = 5 + Math.floor(rnd() * 55);
    for (let k = 0; k < n; k++) {
      const d = (rnd() < 0.5 ? 0 : 1) as 0 | 1;
      const p = d ^ 1;
      const r = rnd();
      if (r < 0.30) { // new data, sometimes exactly up to the peer's window edge
        let len = pick([1, 2, 10, 100, 1000]);
        if (rnd() < 0.15) {
          len = Math.max(1, (rcv[p]! + win[p]! - nxt[d]!) >>> 0);
          if (len > 3000) len = pick([1, 100]);
        }
        emit(d, rnd() < 0.5 ? P | A : A, nxt[d]!, rcv[d]!, len, win[d]!);
        sent[d]!.push([nxt[d]!, len]);
        nxt[d]! += len;
      } else if (r < 0.38 && sent[d]!.length > 0) { // retransmission of something sent
        const [s0, l0] = pick(sent[d]!);
        emit(d, A, s0, rcv[d]!, l0, win[d]!);
      } else if (r < 0.42) { // a segment the capture misses
        nxt[d]! += pick([1, 100, 1000]);
      } else if (r < 0.60) { // an ACK, sometimes lagging or beyond, sometimes a new window
        rcv[d] = rnd() < 0.8 ? nxt[p]! : nxt[p]! - pick([0, 1, 100]);
        if (rnd() < 0.05) rcv[d] = nxt[p]! + pick([1, 100]);
        if (rnd() < 0.2) win[d] = pick([0, 0, 100, 500, 1000, 65535]);
        emit(d, A, nxt[d]!, rcv[d]!, 0, win[d]!);
      } else if (r < 0.72) { // duplicate ACKs
        const m = 1 + Math.floor(rnd() * 3);
        for (let i = 0; i < m; i++) emit(d, A, nxt[d]!, rcv[d]!, 0, win[d]!);
      } else if (r < 0.78) { // keep-alive
        emit(d, A, nxt[d]! - 1, rcv[d]!, pick([0, 1]), win[d]!);
      } else if (r < 0.84) { // zero-window probe (sometimes accepted)
        emit(d, A, nxt[d]!, rcv[d]!, 1, win[d]!);
        if (rnd() < 0.5) nxt[d]!++;
      } else if (r < 0.88) { // FIN
        emit(d, Fi | A, nxt[d]!, rcv[d]!, pick([0, 0, 10]), win[d]!);
        nxt[d]!++;
      } else if (r < 0.90) { // RST
        emit(d, rnd() < 0.5 ? R | A : R, nxt[d]! + pick([0, 0, 5]), rcv[d]!, 0, 0);
      } else if (r < 0.905) { // the SYN again: same ISN (retransmission) or a new one
        if (rnd() < 0.5) emit(0, S, isn[0]!, 0, 0, win[0]!, pick([null, 2]));
        else {
          isn[0] = Math.floor(rnd() * 2 ** 32); nxt[0] = isn[0] + 1; rcv[1] = nxt[0];
          emit(0, S, isn[0], 0, 0, win[0]!, pick([null, 2]));
        }
      } else if (r < 0.91) {
        emit(1, S | A, isn[1]!, rcv[1]!, 0, win[1]!, pick([null, 1]));
      } else if (r < 0.915) { // no ACK flag, arbitrary ack field
        emit(d, pick([0, P, Fi]), nxt[d]!, Math.floor(rnd() * 2 ** 32), pick([0, 5]), win[d]!);
      } else if (r < 0.92) { // one-way burst
        const m = pick([50, 300]);
        for (let i = 0; i < m; i++) { emit(d, A, nxt[d]!, rcv[d]!, 10, win[d]!); nxt[d]! += 10; }
        if (rnd() < 0.7) { emit(d, Fi | A, nxt[d]!, rcv[d]!, 0, win[d]!); nxt[d]!++; }
      } else if (r < 0.95) { // window change only
        win[d] = pick([0, 100, 1000, 2000, 65535]);
        emit(d, A, nxt[d]!, rcv[d]!, 0, win[d]!);
      } else { // out of order: the later segment first
        const a = pick([10, 100]);
        const b = pick([10, 100]);
        emit(d, A, nxt[d]! + a, rcv[d]!, b, win[d]!);
        emit(d, A, nxt[d]!, rcv[d]!, a, win[d]!);
        nxt[d]! += a + b;
      }
    }
  }
  return segs;
}

const FIELDS: readonly [string, number][] = [
  ['retransmission', F.RETRANSMISSION | F.FAST_RETRANSMISSION | F.SPURIOUS_RETRANSMISSION],
  ['fast_retransmission', F.FAST_RETRANSMISSION],
  ['spurious_retransmission', F.SPURIOUS_RETRANSMISSION],
  ['out_of_order', F.OUT_OF_ORDER],
  ['lost_segment', F.LOST_SEGMENT],
  ['ack_lost_segment', F.ACK_LOST_SEGMENT],
  ['duplicate_ack', F.DUPLICATE_ACK],
  ['zero_window', F.ZERO_WINDOW],
  ['zero_window_probe', F.ZERO_WINDOW_PROBE],
  ['zero_window_probe_ack', F.ZERO_WINDOW_PROBE_ACK],
  ['window_full', F.WINDOW_FULL],
  ['window_update', F.WINDOW_UPDATE],
  ['keep_alive', F.KEEP_ALIVE],
  ['keep_alive_ack', F.KEEP_ALIVE_ACK],
];

describe.skipIf(!haveTshark())('tcp analysis vs tshark on random conversations', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every flag and duplicate-ACK ordinal equals tshark's on every segment`, () => {
      const segs = generate(seed, 250);
      const records: PcapRecord[] = segs.map((s) => {
        const c = s.dir === 0;
        const ws = s.ws;
        return {
          tsSec: Number(s.tNs / 1_000_000_000n),
          tsNsec: Number(s.tNs % 1_000_000_000n),
          data: ethIpv4Tcp({
            src: c ? '10.0.0.1' : '10.0.0.2', dst: c ? '10.0.0.2' : '10.0.0.1',
            sport: c ? 10000 + s.conv : 80, dport: c ? 80 : 10000 + s.conv,
            seq: s.seq, ack: s.ack, flags: s.flags, window: s.win,
            options: ws === null ? undefined : [1, 3, 3, ws],
            payload: new Uint8Array(s.len),
          }),
        };
      });
      const dir = mkdtempSync(join(tmpdir(), 'synack-tcpa-'));
      try {
        const file = join(dir, 'random.pcap');
        writeFileSync(file, buildPcap(records, { nanosecond: true }));
        const args = ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream'];
        for (const [name] of FIELDS) args.push('-e', `tcp.analysis.${name}`);
        args.push('-e', 'tcp.analysis.duplicate_ack_num');
        const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
        const rows = out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
        expect(rows.length).toBe(segs.length);

        const analyzers = new Map<string, TcpAnalyzer>();
        const wrong: string[] = [];
        const counts = new Map<string, number>();
        segs.forEach((s, i) => {
          const row = rows[i]!;
          let a = analyzers.get(row[1]!);
          if (!a) { a = new TcpAnalyzer(); analyzers.set(row[1]!, a); }
          // On a SYN: the option's shift, or -2 without one; afterwards -1 (the analyzer keeps what it learned).
          const ws = (s.flags & TcpFlag.SYN) !== 0 ? (s.ws ?? -2) : -1;
          const mask = a.segment(s.dir, s.seq, s.ack, s.flags, s.len, s.win, ws,
            Number(s.tNs / 1_000_000_000n), Number(s.tNs % 1_000_000_000n), i + 1);
          FIELDS.forEach(([name, bit], j) => {
            const theirs = (row[2 + j] ?? '') !== '';
            const ours = (mask & bit) !== 0;
            if (theirs) counts.set(name, (counts.get(name) ?? 0) + 1);
            if (theirs !== ours) wrong.push(`frame ${i + 1} ${name}: tshark ${theirs}, ours ${ours}`);
          });
          const num = Number((row[2 + FIELDS.length] ?? '').split(',')[0] || 0);
          if ((mask & F.DUPLICATE_ACK) !== 0 && num !== a.dupAckCount) wrong.push(`frame ${i + 1} dup ack #${a.dupAckCount}, tshark #${num}`);
        });
        console.log(`seed ${seed}: ${segs.length} segments; tshark flags: ` + FIELDS.map(([n]) => `${n} ${counts.get(n) ?? 0}`).join(', '));
        expect(wrong.slice(0, 20)).toEqual([]);
        // the generator must really exercise every flag
        for (const [name] of FIELDS) expect(counts.get(name) ?? 0, `${name} occurrences`).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
