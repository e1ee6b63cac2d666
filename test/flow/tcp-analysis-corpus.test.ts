/**
 * Corpus agreement of TcpAnalyzer with tshark 4.0's tcp.analysis.* fields.
 *
 * Ground truth: ../shared/captures/expected/FILE.tcp.tsv (tshark -Y tcp -T fields …, see
 * expected/README.md). Segments are grouped by tshark's own tcp.stream so that this test does
 * not depend on our connection numbering; the direction is "src (address and port) equals
 * the stream's first packet's src".
 *
 * Every disagreement must be listed, with its reason, in test/golden/tcp-analysis-exceptions.tsv,
 * and every listed exception must still occur; each flag must agree on ≥ 98 % of the segments
 * where either tool sets it.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { AnalysisFlag, ANY_RETRANSMISSION, TcpAnalyzer } from '../../src/flow/tcp-analysis.js';
import { openCapture } from '../../src/capture/open.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { Decoded, TcpFlag } from '../../src/decode/decoded.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');
const EXPECTED = resolve(CAPTURES, 'expected');
const EXCEPTIONS = resolve(process.cwd(), 'test/golden/tcp-analysis-exceptions.tsv');

/** tshark column → our mask (tcp.analysis.retransmission is set for all three kinds). */
const FLAGS: readonly { name: string; col: number; mask: number }[] = [
  { name: 'retransmission', col: 17, mask: ANY_RETRANSMISSION },
  { name: 'fast_retransmission', col: 18, mask: AnalysisFlag.FAST_RETRANSMISSION },
  { name: 'spurious_retransmission', col: 19, mask: AnalysisFlag.SPURIOUS_RETRANSMISSION },
  { name: 'out_of_order', col: 20, mask: AnalysisFlag.OUT_OF_ORDER },
  { name: 'lost_segment', col: 21, mask: AnalysisFlag.LOST_SEGMENT },
  { name: 'ack_lost_segment', col: 22, mask: AnalysisFlag.ACK_LOST_SEGMENT },
  { name: 'duplicate_ack', col: 23, mask: AnalysisFlag.DUPLICATE_ACK },
  { name: 'zero_window', col: 24, mask: AnalysisFlag.ZERO_WINDOW },
  { name: 'keep_alive', col: 25, mask: AnalysisFlag.KEEP_ALIVE },
  { name: 'window_update', col: 26, mask: AnalysisFlag.WINDOW_UPDATE },
];

interface Row {
  frame: number; tsSec: number; tsNsec: number; stream: number; src: string;
  seq: number; ack: number; len: number; flags: number; window: number; cols: string[];
}

function parseTime(s: string): [number, number] {
  const neg = s.startsWith('-');
  const [a = '0', b = ''] = (neg ? s.slice(1) : s).split('.');
  let sec = Number(a);
  let nsec = Number((b + '000000000').slice(0, 9));
  if (neg) { sec = -sec; if (nsec) { sec -= 1; nsec = 1e9 - nsec; } }
  return [sec, nsec];
}

/** Rows of a tcp.tsv for which tshark ran its analysis (tcp.len present). */
export function loadRows(file: string): Row[] {
  const lines = readFileSync(resolve(EXPECTED, `${file}.tcp.tsv`), 'utf8').split('\n');
  const rows: Row[] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const c = line.split('\t');
    if (!c[13]) continue;
    const [tsSec, tsNsec] = parseTime(c[1]!);
    rows.push({
      frame: Number(c[0]), tsSec, tsNsec, stream: Number(c[4]),
      src: `${c[5] || c[6]}:${c[7]}`,
      seq: Number(c[11]), ack: Number(c[12]), len: Number(c[13]), flags: parseInt(c[15]!, 16),
      window: Number(c[16]), cols: c,
    });
  }
  return rows;
}

export function corpusFiles(): string[] {
  return readdirSync(EXPECTED).filter((f) => f.endsWith('.tcp.tsv')).map((f) => f.slice(0, -'.tcp.tsv'.length)).sort();
}

interface Disagreement { file: string; frame: number; flag: string; ours: boolean }

/** test/golden/tcp-analysis-exceptions.tsv: file, frame, flag, test (tsv|pcap), who (us|tshark), reason. */
function loadExceptions(test: 'tsv' | 'pcap'): Map<string, string> {
  const m = new Map<string, string>();
  if (!existsSync(EXCEPTIONS)) return m;
  for (const line of readFileSync(EXCEPTIONS, 'utf8').split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('file\t')) continue;
    const [file, frame, flag, t] = line.split('\t');
    if (t === test) m.set(`${file}\t${frame}\t${flag}`, line);
  }
  return m;
}

interface Counts { both: number; ours: number; theirs: number }

function report(names: readonly string[], counts: Map<string, Counts>): string {
  const lines: string[] = ['flag                      both  only-us  only-tshark  agreement'];
  for (const name of names) {
    const c = counts.get(name)!;
    const total = c.both + c.ours + c.theirs;
    const pct = total === 0 ? 100 : (100 * c.both) / total;
    lines.push(`${name.padEnd(24)} ${String(c.both).padStart(5)} ${String(c.ours).padStart(8)} ${String(c.theirs).padStart(12)}  ${pct.toFixed(2)}%`);
  }
  return lines.join('\n');
}

function expectAgreement(test: 'tsv' | 'pcap', names: readonly string[], counts: Map<string, Counts>, disagreements: Disagreement[]): void {
  console.log(`[${test}]\n${report(names, counts)}`);
  const exceptions = loadExceptions(test);
  const key = (d: Disagreement): string => `${d.file}\t${d.frame}\t${d.flag}`;
  const unlisted = disagreements.filter((d) => !exceptions.has(key(d)));
  if (unlisted.length) console.log('unlisted disagreements:\n' + unlisted.map((d) => `${key(d)}\t${test}\t${d.ours ? 'us' : 'tshark'}`).join('\n'));
  const seen = new Set(disagreements.map(key));
  expect([...exceptions.keys()].filter((k) => !seen.has(k)), 'exceptions listed that no longer occur').toEqual([]);
  expect(unlisted.map(key)).toEqual([]);
  for (const name of names) {
    const c = counts.get(name)!;
    const total = c.both + c.ours + c.theirs;
    if (total > 0) expect(c.both / total, name).toBeGreaterThanOrEqual(0.98);
  }
}

describe('tcp analysis vs tshark tcp.analysis.* over the corpus (tcp.tsv driven)', () => {
  it('agrees on ≥ 98 % per flag, and every disagreement is a listed exception', () => {
    const counts = new Map<string, Counts>();
    for (const f of FLAGS) counts.set(f.name, { both: 0, ours: 0, theirs: 0 });
    const disagreements: Disagreement[] = [];
    for (const file of corpusFiles()) {
      const streams = new Map<number, { a: TcpAnalyzer; src: string }>();
      for (const r of loadRows(file)) {
        let s = streams.get(r.stream);
        if (!s) { s = { a: new TcpAnalyzer(), src: r.src }; streams.set(r.stream, s); }
        const dir = r.src === s.src ? 0 : 1;
        const mask = s.a.segment(dir, r.seq, r.ack, r.flags, r.len, r.window, -1, r.tsSec, r.tsNsec, r.frame);
        for (const f of FLAGS) {
          const theirs = (r.cols[f.col] ?? '') !== ''; // "1", or "1,1" when tshark adds the field twice
          const ours = (mask & f.mask) !== 0;
          const c = counts.get(f.name)!;
          if (theirs && ours) c.both++;
          else if (ours) c.ours++;
          else if (theirs) c.theirs++;
          if (ours !== theirs) disagreements.push({ file, frame: r.frame, flag: f.name, ours });
        }
      }
    }
    expectAgreement('tsv', FLAGS.map((f) => f.name), counts, disagreements);
  });
});

/**
 * The same comparison driven by the pcaps themselves: frames read by openCapture() and decoded by
 * FrameDecoder, so the analyzer also gets the window scale from the SYNs' options. Grouping is
 * still tshark's tcp.stream (from tcp.tsv). When tshark is installed, it is run on each capture
 * for the flags tcp.tsv lacks (window full, zero-window probe and its ACK, keep-alive ACK) and
 * for the duplicate-ACK ordinal, with the same -c 2000 limit as tcp.tsv.
 */
const EXTRA: readonly { name: string; mask: number }[] = [
  { name: 'window_full', mask: AnalysisFlag.WINDOW_FULL },
  { name: 'zero_window_probe', mask: AnalysisFlag.ZERO_WINDOW_PROBE },
  { name: 'zero_window_probe_ack', mask: AnalysisFlag.ZERO_WINDOW_PROBE_ACK },
  { name: 'keep_alive_ack', mask: AnalysisFlag.KEEP_ALIVE_ACK },
];

function haveTshark(): boolean {
  try { execFileSync('tshark', ['-v'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** frame → [extra flags as '1'/'' in EXTRA order…, duplicate_ack_num] from tshark, or null without tshark. */
function tsharkExtra(file: string): Map<number, string[]> | null {
  const args = ['-r', resolve(CAPTURES, file), '-c', '2000', '-Y', 'tcp', '-T', 'fields', '-e', 'frame.number'];
  for (const f of EXTRA) args.push('-e', `tcp.analysis.${f.name}`);
  args.push('-e', 'tcp.analysis.duplicate_ack_num');
  const out = execFileSync('tshark', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  const m = new Map<number, string[]>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    m.set(Number(c[0]), c.slice(1));
  }
  return m;
}

describe('tcp analysis vs tshark over the corpus (pcap driven: openCapture + FrameDecoder)', () => {
  it('agrees on ≥ 98 % per flag, and every disagreement is a listed exception', async () => {
    const withTshark = haveTshark();
    const names = [...FLAGS.map((f) => f.name), ...(withTshark ? [...EXTRA.map((f) => f.name), 'duplicate_ack_num'] : [])];
    const counts = new Map<string, Counts>();
    for (const n of names) counts.set(n, { both: 0, ours: 0, theirs: 0 });
    const disagreements: Disagreement[] = [];
    const decoderMismatches: string[] = [];
    const decoder = new FrameDecoder();
    const d = new Decoded();
    for (const file of corpusFiles()) {
      const rows = new Map<number, Row>();
      for (const r of loadRows(file)) rows.set(r.frame, r);
      if (rows.size === 0) continue;
      const extra = withTshark ? tsharkExtra(file) : null;
      interface S { a: TcpAnalyzer; src: string; wsOpt: [number, number]; ws: [number, number] }
      const streams = new Map<number, S>();
      const src = await openCapture(resolve(CAPTURES, file));
      try {
        for await (const batch of src) {
          for (const frame of batch) {
            decoder.decode(frame, d); // every frame: IP fragments feed the reassembler
            const r = rows.get(frame.number);
            if (!r) continue;
            if (!d.isTcp) { decoderMismatches.push(`${file} ${r.frame}: no TCP decoded`); continue; }
            const len = d.payloadWireLen > 0 ? d.payloadWireLen : 0;
            if (d.seq !== r.seq || d.ack !== r.ack || d.tcpFlags !== r.flags || d.window !== r.window || len !== r.len) {
              decoderMismatches.push(`${file} ${r.frame}: decoded seq ${d.seq} ack ${d.ack} flags ${d.tcpFlags} win ${d.window} len ${len}`);
            }
            let s = streams.get(r.stream);
            if (!s) { s = { a: new TcpAnalyzer(), src: r.src, wsOpt: [-3, -3], ws: [-1, -1] }; streams.set(r.stream, s); }
            const dir = r.src === s.src ? 0 : 1;
            // Window scale as the connection tracker passes it: on a SYN the option's shift (-2 when
            // absent); once both SYNs were seen, the negotiated shift (-2 unless both carried it).
            let ws: number;
            if ((d.tcpFlags & TcpFlag.SYN) !== 0) {
              s.wsOpt[dir] = d.wscale >= 0 ? Math.min(d.wscale, 14) : -2;
              ws = s.wsOpt[dir];
              if (s.wsOpt[dir ^ 1] !== -3) {
                const both = s.wsOpt[0] >= 0 && s.wsOpt[1] >= 0;
                s.ws = [both ? s.wsOpt[0] : -2, both ? s.wsOpt[1] : -2];
              }
            } else {
              ws = s.ws[dir];
            }
            const mask = s.a.segment(dir, d.seq, d.ack, d.tcpFlags, len, d.window, ws, d.tsSec, d.tsNsec, frame.number);
            const cmp = (name: string, ours: boolean, theirs: boolean): void => {
              const c = counts.get(name)!;
              if (theirs && ours) c.both++;
              else if (ours) c.ours++;
              else if (theirs) c.theirs++;
              if (ours !== theirs) disagreements.push({ file, frame: r.frame, flag: name, ours });
            };
            for (const f of FLAGS) cmp(f.name, (mask & f.mask) !== 0, (r.cols[f.col] ?? '') !== '');
            const e = extra?.get(r.frame);
            if (extra) {
              EXTRA.forEach((f, i) => cmp(f.name, (mask & f.mask) !== 0, (e?.[i] ?? '') !== ''));
              const theirNum = Number((e?.[EXTRA.length] ?? '').split(',')[0] || 0);
              const ourNum = (mask & AnalysisFlag.DUPLICATE_ACK) !== 0 ? s.a.dupAckCount : 0;
              if (theirNum !== 0 || ourNum !== 0) cmp('duplicate_ack_num', ourNum === theirNum && ourNum !== 0, theirNum !== 0 && ourNum === theirNum);
            }
          }
        }
      } finally {
        src.close();
      }
    }
    if (decoderMismatches.length) console.log('decoder differs from tcp.tsv on:\n' + decoderMismatches.join('\n'));
    if (!withTshark) console.log('tshark not found: window_full, zero_window_probe(_ack), keep_alive_ack and duplicate_ack_num not compared');
    expectAgreement('pcap', names, counts, disagreements);
  }, 180_000);
});
