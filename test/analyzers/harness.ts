/**
 * Test harness for the application layer: feeds `createAppLayer()` with TCP
 * segments, either built by hand (`SegmentBuilder`) or taken from a corpus
 * capture through tshark's own TCP fields (connection ids are tshark's
 * tcp.stream, so they line up with expected/FILE.frames.tsv). The flow
 * engine is not involved: this isolates reassembly and the parsers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TcpFlag } from '../../src/decode/decoded.js';
import type { Dir, TcpSegmentInfo } from '../../src/flow/hooks.js';
import { createAppLayer, type AppLayerOptions } from '../../src/analyzers/index.js';
import type { AppLayer } from '../../src/analyzers/types.js';

export const CAPTURES = join(process.cwd(), '..', 'shared', 'captures');
export const EXPECTED = join(CAPTURES, 'expected');
export const haveTshark = (() => {
  try { execFileSync('tshark', ['-v'], { stdio: 'ignore' }); return true; } catch { return false; }
})();
export const haveCorpus = existsSync(CAPTURES);

export function newInfo(): TcpSegmentInfo {
  return {
    connId: 0, dir: 0, frameNumber: 0, tsSec: 0, tsNsec: 0, seq: 0, ack: 0, flags: 0,
    buf: new Uint8Array(0), payloadOffset: 0, payloadLen: 0, payloadWireLen: 0, isn: -1, clientPort: 40000, serverPort: 80,
  };
}

export const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/**
 * Builds one connection's segments by hand. Sequence numbers start at the
 * given ISNs; `send` advances them, `sendAt` places bytes anywhere.
 */
export class SegmentBuilder {
  readonly isn: [number, number];
  readonly next: [number, number];
  frame = 0;
  time = 1_700_000_000;
  private readonly info = newInfo();
  private synSeen: [boolean, boolean] = [false, false];

  constructor(readonly layer: AppLayer, readonly connId = 0, isn: [number, number] = [1000, 5000], readonly serverPort = 80) {
    this.isn = [isn[0] >>> 0, isn[1] >>> 0];
    this.next = [(isn[0] + 1) >>> 0, (isn[1] + 1) >>> 0];
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): this {
    this.raw(0, this.isn[0], 0, TcpFlag.SYN, new Uint8Array(0));
    this.synSeen[0] = true;
    this.raw(1, this.isn[1], this.next[0], TcpFlag.SYN | TcpFlag.ACK, new Uint8Array(0));
    this.synSeen[1] = true;
    this.raw(0, this.next[0], this.next[1], TcpFlag.ACK, new Uint8Array(0));
    return this;
  }

  /** Sends bytes in order in `dir` (one segment), ACKing the peer. */
  send(dir: Dir, data: Uint8Array | string, flags = TcpFlag.ACK | TcpFlag.PSH): this {
    const d = typeof data === 'string' ? enc(data) : data;
    this.raw(dir, this.next[dir], this.next[1 - dir], flags, d);
    this.next[dir] = (this.next[dir] + d.length) >>> 0;
    return this;
  }

  /** Sends bytes split into segments of at most `mss` bytes. */
  sendSplit(dir: Dir, data: Uint8Array | string, mss: number): this {
    const d = typeof data === 'string' ? enc(data) : data;
    for (let i = 0; i < d.length; i += mss) this.send(dir, d.subarray(i, Math.min(d.length, i + mss)));
    return this;
  }

  /** Places bytes at `next + rel` without advancing (out of order, retransmission). */
  sendAt(dir: Dir, rel: number, data: Uint8Array | string, ack?: number): this {
    const d = typeof data === 'string' ? enc(data) : data;
    this.raw(dir, (this.next[dir] + rel) >>> 0, ack ?? this.next[1 - dir], TcpFlag.ACK | TcpFlag.PSH, d);
    return this;
  }

  /** Moves `next` forward (after sendAt filled the space). */
  advance(dir: Dir, n: number): this {
    this.next[dir] = (this.next[dir] + n) >>> 0;
    return this;
  }

  /** A pure ACK from `dir` acknowledging `ack` (default: everything the peer sent). */
  ackOnly(dir: Dir, ack?: number): this {
    this.raw(dir, this.next[dir], ack ?? this.next[1 - dir], TcpFlag.ACK, new Uint8Array(0));
    return this;
  }

  fin(dir: Dir): this {
    this.raw(dir, this.next[dir], this.next[1 - dir], TcpFlag.FIN | TcpFlag.ACK, new Uint8Array(0));
    this.next[dir] = (this.next[dir] + 1) >>> 0;
    return this;
  }

  raw(dir: Dir, seq: number, ack: number, flags: number, data: Uint8Array, wireLen = data.length): this {
    const s = this.info;
    this.frame++;
    this.time += 0.001;
    s.connId = this.connId;
    s.dir = dir;
    s.frameNumber = this.frame;
    s.tsSec = Math.floor(this.time);
    s.tsNsec = Math.round((this.time - s.tsSec) * 1e9);
    s.seq = seq >>> 0;
    s.ack = ack >>> 0;
    s.flags = flags;
    // Put the payload at an offset inside a bigger buffer, as a real frame would be.
    const buf = new Uint8Array(data.length + 54 + 16);
    buf.set(data, 54);
    s.buf = buf;
    s.payloadOffset = 54;
    s.payloadLen = data.length;
    s.payloadWireLen = wireLen;
    s.isn = this.synSeen[dir] || flags & TcpFlag.SYN ? this.isn[dir] : -1;
    s.clientPort = 40000;
    s.serverPort = this.serverPort;
    this.layer.tcpSegment(s);
    // The info object is reused by flow: make sure nobody kept it.
    s.buf.fill(0xee);
    return this;
  }
}

/** One TCP segment as tshark reports it. */
export interface TsharkSegment {
  frame: number;
  time: number;
  stream: number;
  src: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  len: number;
  payload: Uint8Array;
}

const cache = new Map<string, TsharkSegment[]>();

export function tsharkSegments(file: string): TsharkSegment[] {
  const hit = cache.get(file);
  if (hit) return hit;
  // tshark exits non-zero on damaged files after printing what it could read: keep that part.
  const out = spawnSync('tshark', [
    '-r', join(CAPTURES, file), '-Y', 'tcp', '-T', 'fields',
    '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'tcp.stream', '-e', 'ip.src', '-e', 'ipv6.src',
    '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.seq_raw', '-e', 'tcp.ack_raw', '-e', 'tcp.flags',
    '-e', 'tcp.len', '-e', 'tcp.payload',
  ], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).stdout.toString('latin1');
  const segs: TsharkSegment[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    const first = (s: string | undefined): string => (s ?? '').split(',')[0] ?? '';
    segs.push({
      frame: Number(f[0]), time: Number(f[1]), stream: Number(first(f[2])),
      src: first(f[3]) || first(f[4]), srcPort: Number(first(f[5])), dstPort: Number(first(f[6])),
      seq: Number(first(f[7])), ack: Number(first(f[8])), flags: Number(first(f[9])), len: Number(first(f[10]) || 0),
      payload: Buffer.from(first(f[11]).replace(/:/g, ''), 'hex'),
    });
  }
  cache.set(file, segs);
  return segs;
}

/**
 * Feeds a capture's TCP segments to a fresh application layer. Client =
 * sender of a SYN without ACK, else the first sender seen. Ends every
 * connection at the end (as flow would with `finish`).
 */
export function runCapture(file: string, opts: AppLayerOptions = {}): AppLayer {
  const layer = createAppLayer(opts);
  const segs = tsharkSegments(file);
  const client = new Map<number, string>();
  const isn = new Map<string, number>();
  const info = newInfo();
  for (const s of segs) {
    const key = `${s.src}:${s.srcPort}`;
    if (!client.has(s.stream)) {
      const synOnly = (s.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
      const synAck = (s.flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);
      client.set(s.stream, synAck ? `other-than:${key}` : key);
      void synOnly;
    }
    const c = client.get(s.stream)!;
    const dir: Dir = c.startsWith('other-than:') ? (c.slice(11) === key ? 1 : 0) : c === key ? 0 : 1;
    const ikey = `${s.stream}/${dir}`;
    if (s.flags & TcpFlag.SYN) isn.set(ikey, s.seq);
    info.connId = s.stream;
    info.dir = dir;
    info.frameNumber = s.frame;
    info.tsSec = Math.floor(s.time);
    info.tsNsec = Math.round((s.time - info.tsSec) * 1e9);
    info.seq = s.seq;
    info.ack = s.ack;
    info.flags = s.flags;
    info.buf = s.payload;
    info.payloadOffset = 0;
    info.payloadLen = s.payload.length;
    info.payloadWireLen = s.len;
    info.isn = isn.get(ikey) ?? -1;
    info.clientPort = dir === 0 ? s.srcPort : s.dstPort;
    info.serverPort = dir === 0 ? s.dstPort : s.srcPort;
    layer.tcpSegment(info);
  }
  layer.finish();
  return layer;
}
