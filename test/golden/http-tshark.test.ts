/**
 * HTTP/1.x against tshark on every corpus capture (issue 4, "How we will know
 * it works"): per connection and in order, the request methods and URIs and
 * the response codes we find must agree with tshark's http.request.method,
 * http.request.uri and http.response.code (expected/FILE.frames.tsv) on at
 * least 99% of transactions. tshark prints HTTP fields on the frame that
 * completes each PDU, so we compare sequences per connection rather than per
 * frame. Every disagreement must be listed, with its reason, in
 * test/golden/http-exceptions.tsv.
 *
 * tshark shows a PDU only once it is complete; a message we saw only in part
 * (the capture ends inside it, or bytes are missing) has no tshark fields by
 * construction. Such messages (requestComplete/responseComplete false) are
 * left out of the sequences we compare; if tshark did show one of them, the
 * sequences would no longer line up and the test would report it. How many
 * were left out is printed.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CAPTURES, EXPECTED, haveCorpus, haveTshark } from '../analyzers/harness.js';
import { analyzeForTest } from './http-support.js';
import type { HttpTx } from '../../src/analyzers/http/tx.js';

interface Seqs { methods: string[]; uris: string[]; codes: string[] }

function tsharkSeqs(file: string): Map<number, Seqs> {
  const out = new Map<number, Seqs>();
  const path = join(EXPECTED, `${file}.frames.tsv`);
  if (!existsSync(path)) return out;
  const lines = readFileSync(path, 'utf8').split('\n');
  const head = lines[0]!.split('\t');
  const iStream = head.indexOf('tcp.stream');
  const iMethod = head.indexOf('http.request.method');
  const iUri = head.indexOf('http.request.uri');
  const iCode = head.indexOf('http.response.code');
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const f = line.split('\t');
    const stream = Number((f[iStream] ?? '').split(',')[0]);
    const m = f[iMethod] ?? '', u = f[iUri] ?? '', c = f[iCode] ?? '';
    if (m === '' && c === '') continue;
    let s = out.get(stream);
    if (!s) out.set(stream, (s = { methods: [], uris: [], codes: [] }));
    if (m !== '') {
      const ms = m.split(',');
      const us = u.split(',');
      s.methods.push(...ms);
      // tshark joins several values with ","; a URI containing "," makes the split ambiguous.
      if (us.length === ms.length) s.uris.push(...us);
      else { s.uris.push(u); for (let i = 1; i < ms.length; i++) s.uris.push(''); }
    }
    if (c !== '') s.codes.push(...c.split(','));
  }
  return out;
}

let incompleteLeftOut = 0;

function oursSeqs(file: string): Promise<Map<number, Seqs>> {
  return analyzeForTest(file).then((layer) => {
    const out = new Map<number, Seqs>();
    for (const tx of layer.http) {
      let s = out.get(tx.connId);
      if (!s) out.set(tx.connId, (s = { methods: [], uris: [], codes: [] }));
      const t = tx as HttpTx;
      if (!t.orphanResponse) {
        if (t.requestComplete) { s.methods.push(tx.method); s.uris.push(tx.uri); } else incompleteLeftOut++;
      }
      for (const i of t.interim ?? []) s.codes.push(String(i.status));
      if (tx.status !== null) {
        if (t.responseComplete) s.codes.push(String(tx.status)); else incompleteLeftOut++;
      }
    }
    return out;
  });
}

/** file, conn, field, position (1-based), ours, tshark, reason */
function exceptions(): Set<string> {
  const set = new Set<string>();
  const text = readFileSync(join(__dirname, 'http-exceptions.tsv'), 'utf8');
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split('\t');
    expect(f.length, `exception line needs 7 columns: ${line}`).toBe(7);
    expect(f[6]!.length, `exception needs a reason: ${line}`).toBeGreaterThan(10);
    set.add(f.slice(0, 4).join('\t'));
  }
  return set;
}

const files = haveCorpus ? readdirSync(CAPTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort() : [];

describe.skipIf(!haveCorpus || !haveTshark)('HTTP transactions agree with tshark', () => {
  test('≥ 99% agreement on method, URI and status; every difference is a listed exception', async () => {
    const allowed = exceptions();
    let total = 0, agree = 0;
    const unexplained: string[] = [];
    const used = new Set<string>();
    for (const file of files) {
      const theirs = tsharkSeqs(file);
      const ours = await oursSeqs(file);
      const conns = new Set([...theirs.keys(), ...ours.keys()]);
      for (const conn of conns) {
        const t = theirs.get(conn) ?? { methods: [], uris: [], codes: [] };
        const o = ours.get(conn) ?? { methods: [], uris: [], codes: [] };
        for (const field of ['methods', 'uris', 'codes'] as const) {
          const n = Math.max(t[field].length, o[field].length);
          for (let i = 0; i < n; i++) {
            total++;
            const a = o[field][i] ?? '(none)', b = t[field][i] ?? '(none)';
            if (a === b) { agree++; continue; }
            const key = [file, String(conn), field, String(i + 1)].join('\t');
            used.add(key);
            if (!allowed.has(key)) unexplained.push(`${key}\tours=${a}\ttshark=${b}`);
          }
        }
      }
    }
    const rate = agree / total;
    console.log(`HTTP agreement with tshark: ${agree}/${total} = ${(rate * 100).toFixed(2)}% `
      + `(${incompleteLeftOut} messages we saw only in part left out)`);
    expect(unexplained, 'differences not listed in http-exceptions.tsv').toEqual([]);
    const stale = [...allowed].filter((k) => !used.has(k));
    expect(stale, 'exceptions that no longer happen (remove them)').toEqual([]);
    expect(total).toBeGreaterThan(400);
    expect(rate).toBeGreaterThanOrEqual(0.99);
  }, 300_000);
});
