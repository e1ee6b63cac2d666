/**
 * Test helper: a conversation written as a list of segments, turned into
 * real Ethernet/IPv4/TCP frames (src/capture/frame-builders.ts, checksums
 * computed) and fed through the whole Analysis pipeline.
 */
import { Analysis, type AnalysisOptions } from '../../src/analysis.js';
import { ethIpv4Tcp } from '../../src/capture/frame-builders.js';
import type { Frame } from '../../src/capture/source.js';

export const CLIENT = { ip: '10.0.0.1', port: 40000 };
export const SERVER = { ip: '10.0.0.2', port: 80 };

export interface Seg {
  /** Sender: 'C' client, 'S' server. */
  from: 'C' | 'S';
  /** tcpdump-style letters: S, F, R, P, and '.' or A for ACK. */
  flags: string;
  seq: number;
  ack?: number;
  len?: number;
  /** Seconds since the first segment (default: 10 ms per segment). */
  t?: number;
  window?: number;
  options?: number[];
  /** Override endpoints (port-reuse and mid-stream cases). */
  client?: { ip: string; port: number };
  server?: { ip: string; port: number };
}

export function frameOf(seg: Seg, n: number, t: number): Frame {
  const c = seg.client ?? CLIENT;
  const s = seg.server ?? SERVER;
  const a = seg.from === 'C' ? c : s;
  const b = seg.from === 'C' ? s : c;
  const buf = ethIpv4Tcp({
    src: a.ip, dst: b.ip, sport: a.port, dport: b.port,
    seq: seg.seq >>> 0, ack: (seg.ack ?? 0) >>> 0, flags: seg.flags,
    window: seg.window ?? 65535,
    payload: new Uint8Array(seg.len ?? 0).fill(0x61),
    ...(seg.options ? { options: seg.options } : {}),
  });
  const base = 1_700_000_000;
  const sec = Math.floor(t);
  return {
    number: n, buf, offset: 0, capLen: buf.length, origLen: buf.length,
    tsSec: base + sec, tsNsec: Math.round((t - sec) * 1e9), linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined,
  };
}

export function run(segs: Seg[], opts: AnalysisOptions = {}): Analysis {
  const a = new Analysis({ app: false, ...opts });
  a.feed(segs.map((s, i) => frameOf(s, i + 1, s.t ?? i * 0.01)));
  a.finish();
  return a;
}

/** The handshake of RFC 9293 §3.5 Figure 6 with ISNs x=100 (client) and y=300 (server). */
export const HANDSHAKE: Seg[] = [
  { from: 'C', flags: 'S', seq: 100 },
  { from: 'S', flags: 'S.', seq: 300, ack: 101 },
  { from: 'C', flags: '.', seq: 101, ack: 301 },
];
