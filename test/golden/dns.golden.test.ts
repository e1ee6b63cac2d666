/**
 * DNS against tshark 4.0 on every corpus file: each message's id, QR bit and
 * query name (dns.id, dns.flags.response, dns.qry.name; expected/FILE.app.tsv and,
 * including mDNS/LLMNR, dns-pairs.tshark.tsv) and the pairing of responses with
 * queries (dns.response_to in dns-pairs.tshark.tsv).
 * zeek-ipv6-fragmented-dns.pcap needs the decoder's IPv6 reassembly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPTURES, collectFacts, readTsv } from './tls-harness.js';

const FILES = readdirSync(CAPTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
const PAIRS = readTsv(readFileSync(new URL('./dns-pairs.tshark.tsv', import.meta.url), 'utf8'));

describe.each(FILES)('%s', (file) => {
  it('DNS messages and pairing agree with tshark', async () => {
    const facts = await collectFacts(file);
    const pairs = PAIRS.filter((r) => r.file === file);
    // Every message tshark decodes as DNS/mDNS/LLMNR, with id, QR bit and first question name (tshark joins several with ',').
    expect(facts.dns.map((m) => [m.frame, '0x' + m.id.toString(16).padStart(4, '0'), m.response ? '1' : '0', m.name]))
      .toEqual(pairs.map((r) => [Number(r['frame.number']), r['dns.id'], r['dns.flags.response'], r['dns.qry.name']!.split(',')[0]]));
    // expected/FILE.app.tsv (filter "dns", first 2000 frames) holds the same facts for plain DNS.
    const app = readTsv(readFileSync(`${CAPTURES}expected/${file}.app.tsv`, 'utf8')).filter((r) => r['dns.id'] !== '');
    for (const r of app) {
      expect(pairs.find((x) => x['frame.number'] === r['frame.number'] && x['dns.id'] === r['dns.id'] && x['dns.qry.name'] === r['dns.qry.name'])).toBeDefined();
    }
    for (const r of pairs) {
      const m = facts.dns.find((x) => x.frame === Number(r['frame.number']));
      expect(m, `frame ${r['frame.number']}`).toBeDefined();
      if (r['dns.flags.response'] === '1') {
        // A response answers the query tshark names, or none (0) when tshark saw no query.
        expect({ frame: m!.frame, query: m!.tx.queryFrame }).toEqual({ frame: m!.frame, query: Number(r['dns.response_to'] || 0) });
      } else {
        expect(m!.tx.queryFrame === m!.frame || m!.tx.queryFrame > 0).toBe(true);
      }
    }
    expect(facts.dns.length).toBe(pairs.length);
  });
});

describe('unanswered and retransmitted queries', () => {
  it('zeek-ipv6-fragmented-dns.pcap: the query repeated after 5 s is answered, the first one is not (tshark -2 agrees)', async () => {
    // tshark -2: frame 3 (0x9f91, t=15.15 s) has no dns.response_in; frame 5 (t=20.15 s) → response_in 8, dns.time 0.083189.
    const facts = await collectFacts('zeek-ipv6-fragmented-dns.pcap');
    const tx = facts.dnsTransactions.filter((t) => t.id === 0x9f91);
    expect(tx.map((t) => [t.queryFrame, t.responseFrame])).toEqual([[3, null], [5, 8]]);
    expect(Math.round((tx[1]!.responseTime! - tx[1]!.queryTime) * 1e6)).toBe(83189);
    expect(facts.events.filter((e) => e.proto === 'DNS').map((e) => `${e.frameNumber} ${e.text}`)).toContain(
      '3 query TXT txtpadding_3230.n1.netalyzr.icsi.berkeley.edu id 0x9f91: no response');
  });
});
