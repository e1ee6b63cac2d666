/**
 * BPF on capture files keeps exactly the frames tcpdump keeps.
 *
 * Ground truth: `tcpdump -r FILE -w OUT FILTER` (libpcap's compiler and
 * interpreter, run by tcpdump). OUT's records are located in FILE in order
 * (same timestamp and bytes) to get tcpdump's frame numbers; ours must be the
 * same list. When tcpdump rejects a filter for a file's link type, we must
 * reject it too with libpcap's message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBpf, bpfAvailable, compileBpf } from '../../src/capture/bpf.js';
import { openCapture } from '../../src/capture/open.js';
import { CaptureError } from '../../src/capture/source.js';
import { arraySource, readPcap } from './pcap-min.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');
const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
const native = bpfAvailable();
const skipWhy = !native ? 'native addon not built (node native/build.cjs)' : !haveTcpdump ? 'tcpdump not installed' : '';
if (skipWhy) console.warn(`bpf tests skipped: ${skipWhy}`);

const tmp = mkdtempSync(join(tmpdir(), 'synack-bpf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** file → filters (chosen so that each file has hits and misses; some are rejected for its link type). */
const CASES: Record<string, string[]> = {
  'zeek-http-get.pcap': ['tcp port 80', 'host 141.142.228.5', 'tcp[tcpflags] & tcp-syn != 0', 'tcp[tcpflags] & (tcp-fin|tcp-rst) != 0', 'vlan', 'ip6', 'greater 1000', 'src host 192.150.187.43 and tcp[13] == 0x12'],
  'zeek-http-vlan-0.pcap': ['vlan', 'vlan and tcp port 80', 'tcp port 80', 'vlan 0', 'vlan 1', 'vlan and host 141.142.228.5 and tcp[tcpflags] & tcp-push != 0'],
  'ppp-one_http_stream_rst.pcap': ['vlan', 'vlan and vlan', 'pppoes', 'pppoes and tcp', 'vlan and pppoes and tcp[tcpflags] & tcp-rst != 0', 'tcp'],
  'arkime-v6-http.pcap': ['ip6', 'ip6 and tcp', 'icmp6', 'udp port 5353', 'ip', 'ip6 and tcp[tcpflags] & tcp-syn != 0', 'ip6 host 2001:6f8:102d:0:1033:c4c:7e57:b19e'],
  'ppp-raw_ip.pcap': ['ip6', 'ip', 'tcp port 80', 'host 10.0.0.1', 'vlan', 'ether host 00:11:22:33:44:55', 'ip6 and tcp[tcpflags] & tcp-fin != 0'],
  'ppp-null_loopback.pcap': ['ip6', 'udp', 'tcp', 'port 53'],
  'arkime-http2-nghttp2.pcap': ['tcp port 80', 'ip6', 'tcp[tcpflags] & tcp-push != 0', 'greater 200'],
  'sv-websocket-ping.pcap': ['tcp port 80', 'tcp[tcpflags] & tcp-syn != 0', 'host 127.0.0.1', 'less 70'],
  'lwerdna-simple_http_sll2.pcap': ['tcp port 56789', 'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0', 'ip6'],
  'tcpdump-tcp-handshake-nano.pcap': ['tcp[tcpflags] == tcp-syn', 'tcp'],
  'ppp-nanosecs_big_endian.pcap': ['tcp port 8000', 'tcp[tcpflags] & tcp-fin != 0'],
  'tcpdump-pptp.pcap': ['tcp port 1723', 'proto gre', 'ip proto 47'],
  'zeek-workshop_2011_browse.pcap': ['tcp port 80 and host 10.0.2.15', 'udp port 53', 'tcp[tcpflags] & tcp-syn != 0 and not tcp[tcpflags] & tcp-ack != 0', 'net 192.150.187.0/24'],
  'ppp-frag_http_req.pcap': ['ip[6:2] & 0x3fff != 0', 'tcp port 80', 'ip'],
  'tcpdump-tcp_rst_data-trunc.pcap': ['tcp[tcpflags] & tcp-rst != 0', 'greater 100'],
  'zeek-http-206_example_b.pcap': ['tcp[tcpflags] & tcp-push != 0', 'src port 80 and greater 1000', 'tcp[14:2] == 0'],
};

interface Truth { ok: true; frames: number[] }
interface Rejected { ok: false; message: string }

function tcpdumpKeeps(file: string, filter: string): Truth | Rejected {
  const out = join(tmp, 'out.pcap');
  rmSync(out, { force: true });
  const r = spawnSync('tcpdump', ['-r', file, '-w', out, filter], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, message: r.stderr.replace(/^tcpdump: /m, '').trim().split('\n').pop() ?? '' };
  const o = readPcap(file);
  const orig = o.records;
  const k0 = existsSync(out) ? readPcap(out) : undefined;
  const kept = k0?.records ?? [];
  // tcpdump may write µs where the input had ns: compare in the coarser unit.
  const usec = (nanos: boolean, frac: number): number => (nanos ? Math.floor(frac / 1000) : frac);
  const frames: number[] = [];
  let j = 0;
  for (const k of kept) {
    const kf = usec(k0!.nanos, k.tsFrac);
    while (j < orig.length && !(orig[j]!.tsSec === k.tsSec && usec(o.nanos, orig[j]!.tsFrac) === kf && orig[j]!.data.equals(k.data))) j++;
    if (j === orig.length) throw new Error(`a record tcpdump kept is not in ${file}`);
    frames.push(++j);
  }
  return { ok: true, frames };
}

async function ourFrames(file: string, filter: string): Promise<number[]> {
  const src = applyBpf(arraySource(readPcap(file)), filter);
  const got: number[] = [];
  for await (const batch of src) for (const f of batch) got.push(f.number);
  return got;
}

describe.skipIf(skipWhy !== '')('BPF on files agrees with tcpdump -r FILE FILTER', () => {
  for (const [name, filters] of Object.entries(CASES)) {
    const file = join(CAPTURES, name);
    it.skipIf(!existsSync(file))(name, async () => {
      let hits = 0;
      for (const filter of filters) {
        const truth = tcpdumpKeeps(file, filter);
        if (!truth.ok) {
          await expect(ourFrames(file, filter), `${filter}: tcpdump says ${truth.message}`).rejects.toThrow(CaptureError);
          await expect(ourFrames(file, filter)).rejects.toThrow(truth.message.replace(/^.*?: /, ''));
          continue;
        }
        const ours = await ourFrames(file, filter);
        expect(ours, `${name} '${filter}'`).toEqual(truth.frames);
        hits += truth.frames.length;
      }
      expect(hits).toBeGreaterThan(0);
    });
  }

  // pcapng (libpcap reads single-link-type pcapng files): the frames come from synack's own reader.
  const PCAPNG: Record<string, string[]> = {
    'ndpi-http2.pcapng': ['tcp port 29518', 'tcp[tcpflags] & tcp-push != 0', 'greater 300'],
    'zeek-pcapng-multi-interface.pcapng': ['tcp', 'udp', 'icmp', 'host 192.168.1.1'],
    'ppp-HttpMalformedResponse.pcapng': ['tcp port 80', 'tcp[tcpflags] & tcp-push != 0'],
  };
  for (const [name, filters] of Object.entries(PCAPNG)) {
    const file = join(CAPTURES, name);
    it.skipIf(!existsSync(file))(name, async () => {
      const all: { ts: number; data: Buffer }[] = [];
      for await (const b of await openCapture(file)) {
        for (const f of b) all.push({ ts: f.tsSec * 1e6 + Math.floor(f.tsNsec / 1000), data: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)) });
      }
      for (const filter of filters) {
        const out = join(tmp, 'ng.pcap');
        rmSync(out, { force: true });
        const r = spawnSync('tcpdump', ['-r', file, '-w', out, filter], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        const truth: number[] = [];
        let j = 0;
        for (const k of readPcap(out).records) {
          const ts = k.tsSec * 1e6 + k.tsFrac;
          while (j < all.length && !(all[j]!.ts === ts && all[j]!.data.equals(k.data))) j++;
          expect(j, `${name}: tcpdump kept a frame we did not read`).toBeLessThan(all.length);
          truth.push(++j);
        }
        const ours: number[] = [];
        for await (const b of applyBpf(await openCapture(file), filter)) for (const f of b) ours.push(f.number);
        expect(ours, `${name} '${filter}'`).toEqual(truth);
      }
    });
  }

  it('reports libpcap’s message for a bad expression, in one line', () => {
    expect(() => compileBpf('tcp port', 1, 65535)).toThrow(/^synack: invalid filter 'tcp port': .*syntax error/);
    expect(() => compileBpf('host nosuchhost.invalid', 1, 65535)).toThrow(CaptureError);
    expect(() => compileBpf('tcp port 80', 1, 65535)).not.toThrow();
  });

  it('dumps the program as tcpdump -d does', () => {
    const d = spawnSync('tcpdump', ['-d', '-y', 'EN10MB', 'tcp port 80'], { encoding: 'utf8' });
    if (d.status !== 0) return;
    expect(compileBpf('tcp port 80', 1, 262144).dump().trim()).toBe(d.stdout.trim());
  });
});
