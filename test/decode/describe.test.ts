/**
 * The text made from decoded frames: tcpdump-style lines checked against
 * tcpdump's own output (expected/*.tcpdump.out from the tcpdump repository,
 * and the installed tcpdump where present), the layer tree's byte ranges,
 * and the NDJSON objects.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { Frame } from '../../src/capture/source.js';
import { Decoded, LayerId } from '../../src/decode/decoded.js';
import { RelativeSeq, describeFrame, formatTime, frameJson, oneLine, protocolPath } from '../../src/decode/describe.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { ETH_IPV4_TCP_SYN, QINQ_PPPOE_TCP, bytes, decode, frameOf, ipv4Packet, tcpSegment } from '../wire/vectors.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');

/** Our lines for a capture, numbered and timed like `tcpdump -# -n -tttt`. */
async function ourLines(file: string, nano = false): Promise<string[]> {
  const src = await openCapture(resolve(CAPTURES, file));
  const dec = new FrameDecoder();
  const d = new Decoded();
  const rel = new RelativeSeq();
  const out: string[] = [];
  for await (const batch of src) {
    for (const f of batch) {
      dec.decode(f, d);
      out.push(`${String(f.number).padStart(5)}  ${formatTime(f.tsSec, f.tsNsec, 'abs', nano ? 9 : 6)} ${oneLine(d, { rel, anomalies: false })}`);
    }
  }
  return out;
}

/** tcpdump's TCP lines, cut after ", length N" (the application decoders we do not mimic). */
function tcpLinesOf(lines: string[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const l of lines) {
    const num = /^\s*(\d+)\s\s/.exec(l);
    if (!num || !/ Flags \[/.test(l)) continue;
    const cut = /^(.*?, length \d+)/.exec(l);
    m.set(Number(num[1]), cut ? cut[1]! : l);
  }
  return m;
}

describe('one line, against tcpdump', () => {
  for (const file of ['tcpdump-print-flags.pcap', 'tcpdump-pptp.pcap', 'tcpdump-tcp_rst_data-trunc.pcap', 'tcpdump-tcp_eight_lowest_weight_flags_set.pcap']) {
    it(`${file}: TCP lines agree with the tcpdump repository's expected output`, async () => {
      const expected = tcpLinesOf(readFileSync(resolve(CAPTURES, 'expected', `${file}.tcpdump.out`), 'utf8').split('\n'));
      expect(expected.size).toBeGreaterThan(0);
      const ours = tcpLinesOf(await ourLines(file));
      for (const [n, line] of expected) expect(ours.get(n), `frame ${n}`).toBe(line);
    });
  }

  const installed = (() => { try { execFileSync('tcpdump', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  for (const file of ['zeek-http-get.pcap', 'lwerdna-simple_http.pcap', 'arkime-v6-http.pcap', 'zeek-tcp-rst-inject-rae.pcap', 'ppp-raw_ip.pcap', 'sv-websocket-ping.pcap', 'zeek-http-vlan-0.pcap']) {
    it.skipIf(!installed)(`${file}: TCP lines agree with the installed tcpdump (-# -nn -tttt)`, async () => {
      const out = execFileSync('tcpdump', ['-#', '-nn', '-tttt', '-r', resolve(CAPTURES, file)], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
      const expected = tcpLinesOf(out.split('\n'));
      // tcpdump 4.99.3 predates the AE letter 'e' (print-tcp.c in tcpdump master prints it, as we do).
      const ours = new Map([...tcpLinesOf(await ourLines(file))].map(([n, l]) => [n, l.replace(/Flags \[([^\]]*)e\]/, (_, f: string) => `Flags [${f || 'none'}]`)]));
      expect(expected.size).toBeGreaterThan(0);
      let same = 0;
      const differ: string[] = [];
      for (const [n, line] of expected) {
        if (ours.get(n) === line) same++;
        else differ.push(`${n}: tcpdump ${line}\n${' '.repeat(String(n).length)}  ours    ${ours.get(n)}`);
      }
      expect(differ, differ.join('\n')).toEqual([]);
      expect(same).toBe(expected.size);
    });
  }

  it('tcpdump-tcp-handshake-nano.pcap: nanosecond times as tcpdump --nano prints them', async () => {
    const exp = readFileSync(resolve(CAPTURES, 'expected', 'tcpdump-tcp-handshake-nano.pcap.tcpdump.out'), 'utf8').split('\n')[0]!;
    // tcpdump -q: "    1  <time> IP 192.168.1.1.50056 > 192.168.1.2.80: tcp 0"
    const time = /^\s+1\s+(\S+ \S+) /.exec(exp)?.[1] ?? exp.slice(7, 36);
    const ours = (await ourLines('tcpdump-tcp-handshake-nano.pcap', true))[0]!;
    expect(ours).toContain(time);
  });
});

describe('one line, by construction', () => {
  it('anomalies inline, fragments, reassembly', () => {
    const d = decode(ipv4Packet(6, tcpSegment(new Uint8Array(0), 0x03)));
    expect(oneLine(d)).toBe('IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [FS], seq 100, win 65535, length 0 [!tcp_syn_fin]');
    const frag = decode(ipv4Packet(6, new Uint8Array(16), { flagsFrag: 0x2000, id: 77 }));
    expect(oneLine(frag)).toBe('IP 10.0.0.1 > 10.0.0.2: TCP frag id 77, offset 0+, length 16');
    expect(oneLine(decode(QINQ_PPPOE_TCP))).toBe('IP 10.3.65.35.5068 > 185.8.212.46.80: Flags [S], seq 2631065158, win 8192, options [mss 1440,nop,wscale 8,nop,nop,sackOK], length 0');
  });

  it('relative sequence numbers follow tcpdump (absolute until the first ACK, then relative)', () => {
    const rel = new RelativeSeq();
    const syn = decode(ipv4Packet(6, tcpSegment(new Uint8Array(0), 0x02, 1000, 0)));
    expect(oneLine(syn, { rel })).toContain('seq 1000,');
    const synack = decode(ipv4Packet(6, tcpSegment(new Uint8Array(0), 0x12, 5000, 1001), { src: 0x0a000002, dst: 0x0a000001 }));
    // swap ports for the reply
    const b = ipv4Packet(6, (() => { const t = tcpSegment(new Uint8Array(0), 0x12, 5000, 1001); t.set(bytes('0050 04d2'), 0); return t; })(), { src: 0x0a000002, dst: 0x0a000001 });
    void synack;
    expect(oneLine(decode(b), { rel })).toContain('seq 5000, ack 1001,');
    const ack = decode(ipv4Packet(6, tcpSegment(bytes('68656c6c6f'), 0x18, 1001, 5001)));
    expect(oneLine(ack, { rel })).toContain('seq 1:6, ack 1,');
  });
});

describe('layer tree', () => {
  it('gives every layer its byte range and fields', () => {
    const f = frameOf(QINQ_PPPOE_TCP);
    const tree = describeFrame(f);
    expect(tree.map((n) => n.proto)).toEqual(['frame', 'eth', 'vlan', 'vlan', 'pppoe', 'ppp', 'ip', 'tcp']);
    expect(tree.map((n) => [n.start, n.end])).toEqual([[0, 82], [0, 14], [14, 18], [18, 22], [22, 28], [28, 30], [30, 50], [50, 82]]);
    const tcp = tree.find((n) => n.proto === 'tcp')!;
    expect(Object.fromEntries(tcp.fields)['sequence number (raw)']).toBe('2631065158');
    expect(tcp.children.map((c) => c.summary)).toEqual(['mss 1440', 'nop', 'wscale 8', 'nop', 'nop', 'sackOK']);
    expect(tcp.children[0]!.start).toBe(70);
    const ip = tree.find((n) => n.proto === 'ip')!;
    expect(Object.fromEntries(ip.fields)).toMatchObject({ source: '10.3.65.35', destination: '185.8.212.46', ttl: '128' });
    expect(protocolPath(decode(QINQ_PPPOE_TCP))).toBe('eth:vlan:vlan:pppoe:ppp:ip:tcp');
  });

  it('shows anomalies on their layer and payload as safe text', () => {
    const evil = bytes('1b5d303b6f776e65641b5c 0a'); // ESC ] 0 ; owned ESC \ LF
    const p = ipv4Packet(6, tcpSegment(evil, 0x03));
    const tree = describeFrame(frameOf(p));
    expect(tree.find((n) => n.proto === 'tcp')!.anomalies[0]).toMatch(/^tcp_syn_fin/);
    const text = Object.fromEntries(tree.find((n) => n.proto === 'data')!.fields).text!;
    expect(text).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(text).toContain('\\x1b');
  });

  it('marks layers of a reassembled datagram as not in the frame', async () => {
    const src = await openCapture(resolve(CAPTURES, 'ppp-frag_http_req.pcap'));
    const dec = new FrameDecoder();
    const d = new Decoded();
    let last: Frame | undefined;
    for await (const batch of src) for (const f of batch) { dec.decode(f, d); last = f; }
    const tree = describeFrame(last!, d);
    const tcp = tree.find((n) => n.proto === 'tcp')!;
    expect(tcp.reassembled).toBe(true);
    expect([tcp.start, tcp.end]).toEqual([-1, -1]);
    expect(tree.find((n) => n.proto === 'ip')!.start).toBe(14);
  });

  it('gives ranges relative to the frame when the frame sits inside a larger buffer', () => {
    const big = new Uint8Array(QINQ_PPPOE_TCP.length + 300);
    big.set(QINQ_PPPOE_TCP, 123);
    const f = { ...frameOf(big), offset: 123, capLen: QINQ_PPPOE_TCP.length, origLen: QINQ_PPPOE_TCP.length };
    const tree = describeFrame(f);
    const tcp = tree.find((n) => n.proto === 'tcp')!;
    expect([tcp.start, tcp.end]).toEqual([50, 82]);
    expect([tcp.children[0]!.start, tcp.children[0]!.end]).toEqual([70, 74]);
  });
});

describe('NDJSON objects', () => {
  it('are valid JSON whatever the bytes, with binary as hex', () => {
    const p = ipv4Packet(6, tcpSegment(bytes('00ff1b22275c0a')));
    const d = decode(p);
    const line = JSON.stringify(frameJson(frameOf(p), d, { verbose: true, summary: 'x\u2028y' }));
    const back = JSON.parse(line) as Record<string, unknown>;
    expect(back.protocols).toBe('eth:ip:tcp');
    expect((back.tcp as Record<string, unknown>).flags).toBe('.');
    expect(back.hex).toMatch(/^[0-9a-f]+$/);
    expect(line).not.toMatch(/[\x00-\x1f]/);
  });

  it('carries the TCP fields and anomalies', () => {
    const d = decode(ETH_IPV4_TCP_SYN);
    const o = frameJson(frameOf(ETH_IPV4_TCP_SYN), d) as { tcp: Record<string, unknown>; ip: Record<string, unknown> };
    expect(o.tcp).toMatchObject({ sport: 55920, dport: 80, seq: 928549246, flags: 'S', flagsHex: '0x002', win: 32767, mss: 16396, wscale: 2, sackPermitted: true, tsval: 1306300950, tsecr: 0 });
    expect(o.ip).toMatchObject({ version: 4, src: '127.0.0.1', dst: '127.0.0.1', proto: 6, ttl: 64 });
    void LayerId;
    void existsSync;
  });
});
