/**
 * `synack conns` and `synack timeline`: what a user reads, on corpus
 * captures whose facts come from their descriptions (MANIFEST.tsv) and
 * tshark's expected files, plus hostile text arriving inert.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPcap, ethIpv4Tcp } from '../../src/capture/pcap-writer.js';
import { command as conns, fmtBytes, fmtSeconds } from '../../src/cli/cmd-conns.js';
import { command as timeline } from '../../src/cli/cmd-timeline.js';
import { type Io, UsageError } from '../../src/cli/io.js';
import type { ConnSummary, TimelineEntry } from '../../src/flow/model.js';
import { CORPUS, tempFile } from '../capture/helpers.js';

function fakeIo(): Io & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return {
    lines, errs,
    out: (l) => { for (const x of l.split('\n')) lines.push(x); },
    err: (l) => errs.push(l), isTty: false, color: false,
  };
}

async function run(cmd: typeof conns, args: string[]): Promise<{ code: number; lines: string[]; errs: string[] }> {
  const io = fakeIo();
  const code = await cmd.run(args, io);
  return { code, lines: io.lines, errs: io.errs };
}

const have = existsSync(CORPUS);
const WEB = join(CORPUS, 'zeek-web.pcap');

describe.runIf(have)('synack conns', () => {
  it('zeek-web.pcap: the refused connection and the HTTP one', async () => {
    // MANIFEST: "connection refused (SYN answered by RST/ACK) followed by a second
    // connection: HTTP/1.0 request, … FIN teardown".
    const r = await run(conns, [WEB]);
    expect(r.code).toBe(0);
    const rows = r.lines.filter((l) => /^\s*\d+\*? .* → /.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/141\.42\.64\.125:56729 → 125\.190\.109\.199:12345 +refused +rst>s +REJ/);
    expect(rows[1]).toMatch(/141\.42\.64\.125:56730 → 125\.190\.109\.199:80 +3way +fin +SF .* HTTP$/);
    // packets per direction as tshark's conv,tcp: 12 frames client→server, 10 back.
    expect(rows[1]).toMatch(/ 12\/10 /);
    expect(r.lines).toContain('2 TCP connections');
  });

  it('--json: one valid object per connection with the summary fields', async () => {
    const r = await run(conns, [WEB, '--json']);
    const objs = r.lines.filter((l) => l !== '').map((l) => JSON.parse(l) as ConnSummary);
    expect(objs.map((o) => o.id)).toEqual([0, 1]);
    expect(objs[0]!.connState).toBe('REJ');
    expect(objs[0]!.handshake).toBe('refused');
    expect(objs[1]!.teardown).toBe('fin-both');
    expect(objs[1]!.activeCloser).toBe('client');
    expect(objs[1]!.packets).toEqual([12, 10]);
  });

  it('--port and --host select connections; --udp adds UDP flows', async () => {
    const r = await run(conns, [WEB, '--port', '12345', '--json']);
    expect(r.lines.filter((l) => l !== '')).toHaveLength(1);
    const h = await run(conns, [WEB, '--host', '10.9.9.9', '--json']);
    expect(h.lines.filter((l) => l !== '')).toHaveLength(0);
    const u = await run(conns, [join(CORPUS, 'tcpdump-dns_udp.pcap'), '--udp', '--json']);
    const objs = u.lines.filter((l) => l !== '').map((l) => JSON.parse(l) as ConnSummary);
    expect(objs.length).toBeGreaterThan(0);
    expect(objs.every((o) => o.proto === 'udp')).toBe(true);
  });

  it('mid-stream capture: roles inferred and marked', async () => {
    const r = await run(conns, [join(CORPUS, 'zeek-http-get_nosyn.pcap')]);
    const row = r.lines.find((l) => /^\s*0\*/.test(l));
    expect(row).toMatch(/141\.142\.228\.5:59856 → 192\.150\.187\.43:80 +mid/);
    expect(r.lines.some((l) => l.startsWith('* roles inferred'))).toBe(true);
  });

  it('zeek-tcp-rst-inject-rae.pcap: a handshake completed after an injected RST is complete', async () => {
    // MANIFEST: "SYN answered by RST …, then SYN/ACK with same ports, data, RST, and data after RST".
    const r = await run(conns, [join(CORPUS, 'zeek-tcp-rst-inject-rae.pcap'), '--json']);
    const c = JSON.parse(r.lines[0]!) as ConnSummary;
    expect(c.handshake).toBe('complete');
    expect(c.teardown).toBe('rst-server');
    expect(c.packets).toEqual([4, 5]);
  });

  it('formats durations and sizes', () => {
    expect(fmtSeconds(0)).toBe('0');
    expect(fmtSeconds(0.000119)).toBe('119µs');
    expect(fmtSeconds(0.000999999)).toBe('1.0ms');
    expect(fmtSeconds(0.0331)).toBe('33.1ms');
    expect(fmtSeconds(0.182)).toBe('182ms');
    expect(fmtSeconds(1.734)).toBe('1.73s');
    expect(fmtSeconds(123.4)).toBe('123s');
    expect(fmtBytes(9999)).toBe('9999');
    expect(fmtBytes(10085)).toBe('10.1k');
    expect(fmtBytes(12_345_678)).toBe('12.3M');
  });

  it('usage errors are one line', async () => {
    await expect(run(conns, [])).rejects.toThrow(UsageError);
    await expect(run(conns, [WEB, '--port', 'x'])).rejects.toThrow(/--port expects/);
  });
});

describe.runIf(have)('synack timeline', () => {
  it('zeek-http-get.pcap: handshake 1/3 2/3 3/3 and the teardown steps with both states', async () => {
    // MANIFEST: "handshake + FIN/FIN/ACK teardown".
    const r = await run(timeline, [join(CORPUS, 'zeek-http-get.pcap'), '--conn', '0']);
    const text = r.lines.join('\n');
    expect(text).toMatch(/connection 0: 141\.142\.228\.5:59856 → 192\.150\.187\.43:80/);
    const seg = (frame: number): string => r.lines.find((l) => new RegExp(`^\\s*${frame}  `).test(l))!;
    expect(seg(1)).toMatch(/SYN_SENT +── S seq=0 .*▶ SYN_RECEIVED +handshake 1\/3: SYN seq=x/);
    expect(seg(2)).toMatch(/ESTABLISHED +◀─+ S\. seq=0 ack=1 .*── SYN_RECEIVED +handshake 2\/3: SYN-ACK seq=y ack=x\+1/);
    expect(seg(3)).toMatch(/ESTABLISHED +── \. seq=1 ack=1 .*▶ ESTABLISHED +handshake 3\/3/);
    expect(text).toMatch(/FIN_WAIT_1 +── F\. .*CLOSE_WAIT +teardown: FIN from client \(active close\)/);
    expect(text).toMatch(/TIME_WAIT .* CLOSED +teardown: last ACK/);
    expect(text).toMatch(/→ HTTP GET \/download\/CHANGES\.bro-aux\.txt/);
  });

  it('--json: NDJSON entries with conn, states and notes', async () => {
    const r = await run(timeline, [WEB, '--conn', '0', '--json']);
    const es = r.lines.filter((l) => l !== '').map((l) => JSON.parse(l) as TimelineEntry & { conn: number });
    expect(es).toHaveLength(2);
    expect(es[0]!.conn).toBe(0);
    expect([es[1]!.clientState, es[1]!.serverState]).toEqual(['CLOSED', 'CLOSED']);
    expect(es[1]!.note).toMatch(/connection refused/);
    expect(es[1]!.flags).toBe('R.');
  });

  it('-v: TCP options on every segment, as tcpdump prints them', async () => {
    // tcpdump -nr zeek-web.pcap: "Flags [.], ack 1, win 1460, options [nop,nop,TS val 1772678153 ecr 391880539]"
    // and the SYN-ACK's "options [mss 1460,nop,wscale 0,nop,nop,TS val 391880539 ecr 1772677970]".
    const r = await run(timeline, [WEB, '--conn', '1', '-v']);
    const text = r.lines.join('\n');
    expect(text).toContain('options: nop,nop,TS val 1772678153 ecr 391880539');
    expect(text).toContain('options: mss 1460,nop,wscale 0,nop,nop,TS val 391880539 ecr 1772677970');
    // Window scaled by the client's wscale 2 from its SYN (tcpdump prints the raw 1460).
    expect(text).toMatch(/── \. seq=1 ack=1 len=0 win=5840/);
  });

  it('--conn out of range is a usage error', async () => {
    await expect(run(timeline, [WEB, '--conn', '9'])).rejects.toThrow(/no connection 9/);
  });
});

describe('packet-derived text is inert in conns and timeline output', () => {
  it('an HTTP request line carrying ESC sequences and braces', async () => {
    const c = { src: '10.0.0.1', sport: 40000 };
    const s = { src: '10.0.0.2', sport: 80 };
    const req = 'GET /\x1b[31mred\x1b]0;title\x07{bold} HTTP/1.1\r\nHost: x\x1b[2J\r\n\r\n';
    const frames = [
      ethIpv4Tcp({ src: c.src, dst: s.src, sport: c.sport, dport: s.sport, flags: 'S', seq: 100 }),
      ethIpv4Tcp({ src: s.src, dst: c.src, sport: s.sport, dport: c.sport, flags: 'SA', seq: 300, ack: 101 }),
      ethIpv4Tcp({ src: c.src, dst: s.src, sport: c.sport, dport: s.sport, flags: 'A', seq: 101, ack: 301 }),
      ethIpv4Tcp({ src: c.src, dst: s.src, sport: c.sport, dport: s.sport, flags: 'PA', seq: 101, ack: 301, payload: req }),
    ];
    const file = tempFile(buildPcap(frames.map((data, i) => ({ tsSec: 1_700_000_000, tsNsec: i * 1000, data }))), 'esc.pcap');
    for (const [cmd, args] of [[conns, [file]], [timeline, [file]], [conns, [file, '--json']], [timeline, [file, '--json']]] as const) {
      const r = await run(cmd, [...args]);
      const all = r.lines.join('\n') + r.errs.join('\n');
      // eslint-disable-next-line no-control-regex
      expect(all).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
      if (args.length === 2) for (const l of r.lines.filter((x) => x !== '')) expect(() => JSON.parse(l)).not.toThrow();
    }
    const t = await run(timeline, [file]);
    expect(t.lines.join('\n')).toMatch(/\\x1b\[31mred/);
  });
});
