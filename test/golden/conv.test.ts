/**
 * Connections against tshark on the whole corpus:
 * - the TCP connection count and, per connection, packets and bytes in each
 *   direction equal `tshark -q -z conv,tcp` (same for UDP flows and conv,udp);
 * - our connection numbering is tshark's tcp.stream (FILE.frames.tsv);
 * - relative seq/ack of every segment equal tshark's tcp.seq / tcp.ack.
 * Known, justified differences are listed in conv-exceptions.tsv
 * (file, kind, detail, reason) and must still occur.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analysisOf, corpus, ep, parseConv, parseFrames, tsharkSize, type ConvRow } from './conv-support.js';
import type { ConnSummary } from '../../src/flow/model.js';

const EXCEPTIONS = resolve(process.cwd(), 'test/golden/conv-exceptions.tsv');

function loadExceptions(): Map<string, string> {
  const m = new Map<string, string>();
  if (!existsSync(EXCEPTIONS)) return m;
  for (const line of readFileSync(EXCEPTIONS, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [file, kind, detail, reason] = line.split('\t');
    if (!reason) throw new Error(`exception without a reason: ${line}`);
    m.set(`${file}\t${kind}\t${detail}`, reason);
  }
  return m;
}

function key(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Compares a conv table with our summaries; returns the differences as "kind\tdetail". */
function compareConv(rows: ConvRow[], ours: ConnSummary[]): string[] {
  const diffs: string[] = [];
  const byTuple = new Map<string, ConvRow[]>();
  for (const r of rows) {
    const k = key(r.a, r.b);
    const l = byTuple.get(k) ?? [];
    l.push(r);
    byTuple.set(k, l);
  }
  const oursByTuple = new Map<string, ConnSummary[]>();
  for (const c of ours) {
    const k = key(ep(c.client.ip, c.client.port), ep(c.server.ip, c.server.port));
    const l = oursByTuple.get(k) ?? [];
    l.push(c);
    oursByTuple.set(k, l);
  }
  if (rows.length !== ours.length) diffs.push(`count\t${rows.length} vs ${ours.length}`);
  for (const [k, list] of byTuple) {
    list.sort((x, y) => x.relStart - y.relStart);
    const mine = (oursByTuple.get(k) ?? []).sort((x, y) => x.id - y.id);
    if (mine.length !== list.length) { diffs.push(`tuple\t${k} tshark ${list.length} ours ${mine.length}`); continue; }
    list.forEach((r, i) => {
      const c = mine[i]!;
      const aIsClient = ep(c.client.ip, c.client.port) === r.a;
      const aToB = aIsClient ? 0 : 1;
      const got = {
        framesAtoB: c.packets[aToB], framesBtoA: c.packets[1 - aToB],
        bytesAtoB: tsharkSize(c.bytes[aToB]), bytesBtoA: tsharkSize(c.bytes[1 - aToB]),
      };
      const want = { framesAtoB: r.framesAtoB, framesBtoA: r.framesBtoA, bytesAtoB: r.bytesAtoB, bytesBtoA: r.bytesBtoA };
      if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`conn\t${c.id} ${k} tshark ${JSON.stringify(want)} ours ${JSON.stringify(got)}`);
    });
  }
  for (const k of oursByTuple.keys()) if (!byTuple.has(k)) diffs.push(`extra\t${k}`);
  return diffs;
}

const files = corpus();
const exceptions = loadExceptions();
const seen = new Set<string>();

describe('connections agree with tshark', () => {
  for (const file of files) {
    it(file, async () => {
      const a = await analysisOf(file);
      const diffs: string[] = [];
      for (const d of compareConv(parseConv(file, 'tcp'), a.connections())) diffs.push(`tcp-${d}`);
      for (const d of compareConv(parseConv(file, 'udp'), a.udpFlows())) diffs.push(`udp-${d}`);

      // Numbering: our id is tshark's tcp.stream; relative seq/ack equal.
      const frames = parseFrames(file);
      let seqBad = 0;
      let firstSeqBad = '';
      for (const r of frames) {
        const fc = a.frameConn(r.frame);
        if (!fc || fc.proto !== 'tcp') { diffs.push(`stream\tframe ${r.frame}: tshark ${r.stream}, ours none`); continue; }
        if (fc.id !== r.stream) diffs.push(`stream\tframe ${r.frame}: tshark ${r.stream}, ours ${fc.id}`);
        const e = a.timeline(fc.id, fc.index, fc.index + 1)[0]!;
        if (e.relSeq !== r.seq || e.relAck !== r.ack) {
          const d = `seq\tframe ${r.frame}`;
          diffs.push(d);
          if (!exceptions.has(`${file}\t${d}`)) {
            seqBad++;
            if (!firstSeqBad) firstSeqBad = `frame ${r.frame}: tshark ${r.seq}/${r.ack}, ours ${e.relSeq}/${e.relAck}`;
          }
        }
      }
      const unexplained: string[] = [];
      for (const d of diffs) {
        const k = `${file}\t${d}`;
        const [kind, detail] = d.split('\t');
        const kk = `${file}\t${kind}\t${detail}`;
        if (exceptions.has(kk)) { seen.add(kk); continue; }
        unexplained.push(k);
      }
      if (firstSeqBad) unexplained.push(`(first seq difference: ${firstSeqBad}; ${seqBad} in all)`);
      expect(unexplained).toEqual([]);
    });
  }

  it('every listed exception still occurs', () => {
    const stale = [...exceptions.keys()].filter((k) => !seen.has(k));
    expect(stale).toEqual([]);
  });
});
