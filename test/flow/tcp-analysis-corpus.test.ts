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
import { AnalysisFlag, ANY_RETRANSMISSION, TcpAnalyzer } from '../../src/flow/tcp-analysis.js';

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

function loadExceptions(): Map<string, string> {
  const m = new Map<string, string>();
  if (!existsSync(EXCEPTIONS)) return m;
  for (const line of readFileSync(EXCEPTIONS, 'utf8').split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('file\t')) continue;
    const [file, frame, flag] = line.split('\t');
    m.set(`${file}\t${frame}\t${flag}`, line);
  }
  return m;
}

describe('tcp analysis vs tshark tcp.analysis.* over the corpus (tcp.tsv driven)', () => {
  it('agrees on ≥ 98 % per flag, and every disagreement is a listed exception', () => {
    const counts = new Map<string, { both: number; ours: number; theirs: number }>();
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
    const lines: string[] = ['flag                      both  only-us  only-tshark  agreement'];
    for (const f of FLAGS) {
      const c = counts.get(f.name)!;
      const total = c.both + c.ours + c.theirs;
      const pct = total === 0 ? 100 : (100 * c.both) / total;
      lines.push(`${f.name.padEnd(24)} ${String(c.both).padStart(5)} ${String(c.ours).padStart(8)} ${String(c.theirs).padStart(12)}  ${pct.toFixed(2)}%`);
    }
    console.log(lines.join('\n'));
    const exceptions = loadExceptions();
    const unlisted = disagreements.filter((d) => !exceptions.has(`${d.file}\t${d.frame}\t${d.flag}`));
    if (unlisted.length) console.log('unlisted disagreements:\n' + unlisted.map((d) => `${d.file}\t${d.frame}\t${d.flag}\t${d.ours ? 'only us' : 'only tshark'}`).join('\n'));
    const seen = new Set(disagreements.map((d) => `${d.file}\t${d.frame}\t${d.flag}`));
    const stale = [...exceptions.keys()].filter((k) => !seen.has(k));
    expect(stale, 'exceptions listed that no longer occur').toEqual([]);
    expect(unlisted.map((d) => `${d.file} ${d.frame} ${d.flag}`)).toEqual([]);
    for (const f of FLAGS) {
      const c = counts.get(f.name)!;
      const total = c.both + c.ours + c.theirs;
      if (total > 0) expect(c.both / total, f.name).toBeGreaterThanOrEqual(0.98);
    }
  });
});
