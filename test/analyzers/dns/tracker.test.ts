import { describe, expect, it } from 'vitest';
import { DnsTracker } from '../../../src/analyzers/dns/index.js';
import type { AppEvent } from '../../../src/analyzers/types.js';
import { Anomaly } from '../../../src/decode/anomalies.js';
import { DNS_MULTI, DNS_UDP, type UdpVector } from './vectors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const C = '192.168.1.11:43966';
const S = '209.87.249.18:53';

function udpRun(vs: UdpVector[], flowOf: (v: UdpVector) => number = () => 0): { events: AppEvent[]; t: DnsTracker } {
  const events: AppEvent[] = [];
  const t = new DnsTracker((e) => events.push(e));
  for (const v of vs) {
    const b = hex(v.hex);
    t.udp(flowOf(v), v.srcPort === 53 ? 1 : 0, b, 0, b.length, v.frame, v.time, C, S);
  }
  t.finish();
  return { events, t };
}

describe('DNS over UDP (tcpdump-dns_udp.pcap)', () => {
  // tcpdump: 22836+ [1au] A? www.tcpdump.org. / 22836*- 2/2/5 A 192.139.46.66, A 198.199.88.104;
  // tshark: dns.id 0x5934, dns.time 0.130282.
  it('pairs the query with its response', () => {
    const { events, t } = udpRun(DNS_UDP);
    expect(events.map((e) => `${e.frameNumber} ${e.dir} ${e.text}`)).toEqual([
      '1 0 query A www.tcpdump.org id 0x5934',
      '2 1 response NOERROR A 192.139.46.66, A 198.199.88.104 (130.3 ms)',
    ]);
    expect(t.transactions).toEqual([{
      flowId: 0, transport: 'udp', id: 0x5934, name: 'www.tcpdump.org', type: 'A', rcode: 'NOERROR',
      answers: ['A 192.139.46.66', 'A 198.199.88.104'], queryFrame: 1, responseFrame: 2,
      queryTime: DNS_UDP[0]!.time, responseTime: DNS_UDP[1]!.time, client: C, server: S, queryDir: 0,
    }]);
  });

  it('reports a query with no response at finish()', () => {
    const { events, t } = udpRun(DNS_UDP.slice(0, 1));
    expect(events.map((e) => e.text)).toEqual(['query A www.tcpdump.org id 0x5934', 'query A www.tcpdump.org id 0x5934: no response']);
    expect(t.transactions[0]!.responseFrame).toBeNull();
  });

  it('keeps a response whose query was not captured', () => {
    const { events, t } = udpRun(DNS_UDP.slice(1));
    expect(events[0]!.text).toBe('response NOERROR A www.tcpdump.org id 0x5934: A 192.139.46.66, A 198.199.88.104 (query not seen)');
    expect(t.transactions[0]!.queryFrame).toBe(0);
    expect(t.transactions[0]!.client).toBe(C);
  });

  it('does not pair across flows', () => {
    const { t } = udpRun(DNS_UDP, (v) => v.frame);
    expect(t.transactions.map((x) => [x.queryFrame, x.responseFrame])).toEqual([[1, null], [0, 2]]);
  });

  it('treats a repeated query as a retransmission', () => {
    const { events, t } = udpRun([DNS_UDP[0]!, { ...DNS_UDP[0]!, frame: 5, time: DNS_UDP[0]!.time + 1 }, DNS_UDP[1]!]);
    expect(events.map((e) => e.text)[1]).toBe('query A www.tcpdump.org id 0x5934 (retransmission)');
    expect(t.transactions).toHaveLength(1);
  });
});

describe('several transactions and CNAME chains (zeek-pcapng-multi-interface.pcapng)', () => {
  // tshark: 0x4fe8 A www.apple.com → CNAME www-apple-com.v.aaplimg.com, CNAME www.apple.com.edgekey.net,
  // CNAME e6858.dsce9.akamaiedge.net, A 23.194.101.24; 0x0004 A google.com → 6 A; 0x0005 AAAA google.com → 4 AAAA.
  it('pairs each query by id', () => {
    const { t, events } = udpRun(DNS_MULTI, (v) => (v.frame + 1) >> 1);
    expect(t.transactions.map((x) => [x.id, x.name, x.type, x.queryFrame, x.responseFrame, x.answers.length])).toEqual([
      [0x4fe8, 'www.apple.com', 'A', 1, 2, 4],
      [0x0004, 'google.com', 'A', 3, 4, 6],
      [0x0005, 'google.com', 'AAAA', 5, 6, 4],
    ]);
    expect(t.transactions[0]!.answers[0]).toBe('CNAME www-apple-com.v.aaplimg.com');
    expect(t.transactions[2]!.answers[0]).toBe('AAAA 2607:f8b0:4023:2007::66');
    expect(events[3]!.text).toMatch(/^response NOERROR A 142\.251\.181\.138, A 142\.251\.181\.139, A 142\.251\.181\.113, A 142\.251\.181\.100 \(\+2 more\) \(/);
  });
});

function framed(vs: UdpVector[]): Uint8Array {
  const parts = vs.map((v) => hex(v.hex));
  const out = new Uint8Array(parts.reduce((n, p) => n + 2 + p.length, 0));
  let at = 0;
  for (const p of parts) { out[at] = p.length >> 8; out[at + 1] = p.length & 0xff; out.set(p, at + 2); at += 2 + p.length; }
  return out;
}

describe('DNS over TCP (RFC 7766 length-prefixed)', () => {
  const queries = framed([DNS_MULTI[0]!, DNS_MULTI[2]!, DNS_MULTI[4]!]);
  const answers = framed([DNS_MULTI[1]!, DNS_MULTI[3]!, DNS_MULTI[5]!]);
  const run = (cutQ: number, cutA: number) => {
    const events: AppEvent[] = [];
    const t = new DnsTracker((e) => events.push(e));
    t.tcpPush(4, 0, queries, 0, cutQ, 1, 1, 'c', 's');
    t.tcpPush(4, 0, queries, cutQ, queries.length - cutQ, 2, 1, 'c', 's');
    t.tcpPush(4, 1, answers, 0, cutA, 3, 1.5, 'c', 's');
    t.tcpPush(4, 1, answers, cutA, answers.length - cutA, 4, 1.5, 'c', 's');
    t.finish();
    return { events, t };
  };

  it('decodes several messages in one segment', () => {
    const { t } = run(queries.length, answers.length);
    expect(t.transactions.map((x) => [x.transport, x.name, x.type, x.rcode, x.answers.length])).toEqual([
      ['tcp', 'www.apple.com', 'A', 'NOERROR', 4],
      ['tcp', 'google.com', 'A', 'NOERROR', 6],
      ['tcp', 'google.com', 'AAAA', 'NOERROR', 4],
    ]);
  });

  it('gives the same transactions when the streams are cut at any byte', () => {
    const strip = (r: ReturnType<typeof run>) => r.t.transactions.map((x) => [x.id, x.name, x.type, x.rcode, x.answers.join(';')]);
    const whole = strip(run(queries.length, answers.length));
    for (let q = 0; q <= queries.length; q++) expect(strip(run(q, answers.length))).toEqual(whole);
    for (let a = 0; a <= answers.length; a++) expect(strip(run(queries.length, a))).toEqual(whole);
  });
});

describe('malformed messages', () => {
  const q = hex(DNS_UDP[0]!.hex);
  const r = hex(DNS_UDP[1]!.hex);

  it('never throws, marks app_parse_error and still pairs by the header', () => {
    const events: AppEvent[] = [];
    const t = new DnsTracker((e) => events.push(e));
    t.udp(0, 0, q, 0, q.length, 1, 0, 'c', 's');
    // Response cut after its question: the answer count (2) lies.
    const cut = 12 + 17 + 4 + 3;
    t.udp(0, 1, r, 0, cut, 2, 0.01, 'c', 's');
    expect(events[1]!.anomaly).toBe(Anomaly.app_parse_error);
    expect(events[1]!.text).toMatch(/^response NOERROR answers not decoded \(10\.0 ms\) \(malformed: /);
    expect(t.transactions[0]!.responseFrame).toBe(2);
  });

  it('survives every truncation, a header-only message, and a name pointer loop', () => {
    const t = new DnsTracker(() => {});
    for (let n = 0; n <= r.length; n++) expect(() => t.udp(1, 1, r, 0, n, n, 0, 'c', 's')).not.toThrow();
    const loop = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    const evs: AppEvent[] = [];
    const t2 = new DnsTracker((e) => evs.push(e));
    expect(() => t2.udp(0, 0, loop, 0, loop.length, 1, 0, 'c', 's')).not.toThrow();
    expect(evs[0]!.anomaly).toBe(Anomaly.app_parse_error);
    let x = 7;
    for (let round = 0; round < 2000; round++) {
      const b = new Uint8Array(12 + (round % 80));
      for (let i = 0; i < b.length; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
      expect(() => t.udp(2, round & 1 ? 1 : 0, b, 0, b.length, round, round, 'c', 's')).not.toThrow();
      expect(() => t.tcpPush(3, round & 1 ? 1 : 0, b, 0, b.length, round, round, 'c', 's')).not.toThrow();
    }
    expect(() => t.finish()).not.toThrow();
  });

  it('neutralises names with control bytes', () => {
    // Query for a name whose label holds ESC: "\x1b]0;x".
    const label = [0x1b, 0x5d, 0x30, 0x3b, 0x78];
    const m = Uint8Array.from([0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, label.length, ...label, 0, 0, 1, 0, 1]);
    const evs: AppEvent[] = [];
    new DnsTracker((e) => evs.push(e)).udp(0, 0, m, 0, m.length, 1, 0, 'c', 's');
    expect(evs[0]!.text).toBe('query A \\x1b]0;x id 0x1234');
  });
});
