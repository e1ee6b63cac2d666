/** `synack dns` on corpus files, checked against tcpdump's and tshark's view of the same messages. */
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { runDns } from '../../src/cli/cmd-dns.js';
import { CAPTURES } from './tls-harness.js';

async function run(args: string[]): Promise<{ out: string[]; err: string[]; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false, color: false };
  const code = await runDns(args, io);
  return { out, err, code };
}

describe('synack dns', () => {
  it('prints one line per query (tcpdump-dns_udp.pcap)', async () => {
    // tcpdump: 09:19:54.740079 192.168.1.11.43966 > 209.87.249.18.53: 22836+ [1au] A? www.tcpdump.org.
    //          09:19:54.870361 … 22836*- 2/2/5 A 192.139.46.66, A 198.199.88.104
    const r = await run([CAPTURES + 'tcpdump-dns_udp.pcap']);
    expect(r.out).toEqual([
      '2020-06-10 09:19:54.740079 192.168.1.11:43966 → 209.87.249.18:53 udp id 0x5934 A www.tcpdump.org NOERROR A 192.139.46.66, A 198.199.88.104 130.3 ms',
    ]);
    expect(r.code).toBe(0);
  });

  it('says "no response" and "(query not seen)"', async () => {
    // zeek-ipv6-fragmented-dns.pcap: tshark -2 gives frame 3 no dns.response_in (see dns.golden.test.ts).
    const frag = await run([CAPTURES + 'zeek-ipv6-fragmented-dns.pcap']);
    expect(frag.out[1]).toMatch(/ udp id 0x9f91 TXT txtpadding_3230\.n1\.netalyzr\.icsi\.berkeley\.edu no response$/);
    // ppp-null_loopback.pcap: a lone response (tshark: dns.flags.response 1, no dns.response_to) from 10.0.0.138:53.
    const lone = await run([CAPTURES + 'ppp-null_loopback.pcap']);
    expect(lone.out).toHaveLength(1);
    expect(lone.out[0]).toMatch(/^\S+ \S+ 10\.0\.0\.1:58125 → 10\.0\.0\.138:53 udp id 0x2d6d A www\.google-analytics\.com NOERROR CNAME www-google-analytics\.l\.google\.com, A .* \(query not seen\)$/);
  });

  it('writes NDJSON with --json', async () => {
    const r = await run([CAPTURES + 'zeek-pcapng-multi-interface.pcapng', '--json']);
    const rows = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    // tshark: 0x4fe8 www.apple.com (frames 1/2), 0x0004 google.com A (3/4), 0x0005 google.com AAAA (5/6).
    expect(rows.map((x) => [x.id, x.name, x.type, x.queryFrame, x.responseFrame])).toEqual([
      [0x4fe8, 'www.apple.com', 'A', 1, 2], [4, 'google.com', 'A', 3, 4], [5, 'google.com', 'AAAA', 5, 6],
    ]);
    expect(rows[0]!.client).toBe('172.17.0.2:36343');
    expect(typeof rows[0]!.responseMs).toBe('number');
  });

  it('rejects bad usage', async () => {
    await expect(run([])).rejects.toThrow(/expected one capture FILE/);
    await expect(run(['--bogus', 'x'])).rejects.toThrow(/synack dns:/);
  });
});
