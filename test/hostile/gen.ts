/**
 * The hostile capture of issue 8, point 2, written with the project's own
 * pcap writer (PcapWriter) and frame builders. Each case lives in its own
 * address range and time span, so the cases can be written one per file or
 * all into one capture (`writeCombined`), in the order of CASES, with
 * `huge-records` last (reading stops at its lying record, by design).
 *
 *   syn-flood     one established connection carrying data, then SYNs from
 *                 N distinct tuples (default 1,000,000), then more data on
 *                 the established connection
 *   header-line   an HTTP request whose first line is `headerBytes` long with
 *                 no CRLF (default 64 MiB; 1 GiB with SYNACK_HOSTILE_FULL=1),
 *                 then a normal request on a new connection
 *   chunked       a response body of `chunks` one-byte chunks (default 1,000,000)
 *   overlap       retransmissions that carry different bytes, in order and
 *                 out of order (the first copy must win, and say so)
 *   wrap          an HTTP response of `wrapBytes` whose sequence numbers cross
 *                 2^32 in the middle (the request's too)
 *   vlan          frames with 12, 200 and 1,000 nested 802.1Q tags
 *   ipv6-ext      IPv6 packets with chains of 40, 300 and 1,000 extension headers
 *   frag-flood    IPv4 fragment floods that never complete: N first fragments
 *                 with distinct ids, and big datagrams missing their last
 *                 fragment (the byte cap)
 *   brotli-bombs  300 responses whose 57-byte brotli bodies claim 64 MiB each
 *   ws-flood      a million 2-byte WebSocket frames (4 MB → a million events)
 *   hpack-bomb    an h2c HEADERS block of 256 KiB: one 4,000-byte header
 *                 added to the HPACK table, then 250,000 one-byte references
 *   pipelined     100,000 pipelined requests, then their responses
 *   huge-records  a record whose original length is 4 GB (legal, captured
 *                 short), then one whose captured length claims 4 GB
 *
 * Frames of the big cases are made from a template whose fields are patched
 * in one reused buffer (the writer copies each record at once), with
 * checksums recomputed: 1,000,000 SYNs take about a second.
 */
import { PcapWriter, ethIpv4Tcp, ethIpv6Tcp } from '../../src/capture/pcap-writer.js';
import { foldChecksum, onesSum } from '../../src/capture/frame-builders.js';

export const CASES = [
  'syn-flood', 'header-line', 'chunked', 'overlap', 'wrap', 'vlan', 'ipv6-ext', 'frag-flood',
  'brotli-bombs', 'ws-flood', 'hpack-bomb', 'pipelined', 'huge-records',
] as const;
export type CaseName = (typeof CASES)[number];

export interface HostileOptions {
  synFlood: number;
  headerBytes: number;
  chunks: number;
  wrapBytes: number;
  fragFlood: number;
  /** Datagrams of 40 × 1480-byte fragments without their last one. */
  bigFragDatagrams: number;
  brotliBombs: number;
  wsFrames: number;
  pipelined: number;
}

const FULL = process.env.SYNACK_HOSTILE_FULL === '1';

export function hostileOptions(): HostileOptions {
  const n = (name: string, dflt: number): number => {
    const v = process.env[name];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : dflt;
  };
  return {
    synFlood: n('SYNACK_HOSTILE_SYNS', 1_000_000),
    headerBytes: n('SYNACK_HOSTILE_HEADER_BYTES', FULL ? 1024 ** 3 : 64 * 1024 * 1024),
    chunks: n('SYNACK_HOSTILE_CHUNKS', 1_000_000),
    wrapBytes: n('SYNACK_HOSTILE_WRAP_BYTES', FULL ? 256 * 1024 * 1024 : 8 * 1024 * 1024),
    fragFlood: n('SYNACK_HOSTILE_FRAGS', 200_000),
    bigFragDatagrams: n('SYNACK_HOSTILE_BIG_FRAGS', 600),
    brotliBombs: n('SYNACK_HOSTILE_BROTLI', 300),
    wsFrames: n('SYNACK_HOSTILE_WS_FRAMES', 1_000_000),
    pipelined: n('SYNACK_HOSTILE_PIPELINED', 100_000),
  };
}

/** Start time of each case (seconds since the epoch): a day apart, so no timeout of one case touches another. */
export function caseTime(name: CaseName): number {
  return 1_700_000_000 + CASES.indexOf(name) * 86_400;
}

/** Addresses of each case: 10.<case index + 1>.x.y, server .0.1 unless the case says otherwise. */
function net(name: CaseName): number {
  return (10 << 24) | ((CASES.indexOf(name) + 1) << 16);
}
const ip4 = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;

// ------------------------------------------------------------------ writing

class Clock {
  constructor(public sec: number, public nsec = 0) {}
  /** Advances by `us` microseconds. */
  tick(us = 10): void {
    this.nsec += us * 1000;
    while (this.nsec >= 1e9) { this.nsec -= 1e9; this.sec++; }
  }
}

interface Out {
  w: PcapWriter;
  frames: number;
}

function put(o: Out, c: Clock, data: Uint8Array, extra: { origLen?: number; capLen?: number } = {}): void {
  o.w.write({ tsSec: c.sec, tsNsec: c.nsec, data, ...extra });
  o.frames++;
  c.tick();
}

/**
 * A TCP frame template (Ethernet, IPv4, TCP without options) whose addresses,
 * ports, sequence numbers and flags are patched in place; checksums are
 * recomputed with the payload's sum computed once.
 */
class FastTcp {
  readonly buf: Uint8Array;
  private readonly payloadSum: number;
  private readonly segLen: number;
  constructor(payload: Uint8Array) {
    this.buf = ethIpv4Tcp({ payload, flags: 'A' });
    this.segLen = this.buf.length - 34;
    this.payloadSum = onesSum(this.buf, 54, payload.length);
  }
  set(src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, ipId = 0): Uint8Array {
    const b = this.buf;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    dv.setUint16(18, ipId & 0xffff);
    dv.setUint32(26, src >>> 0);
    dv.setUint32(30, dst >>> 0);
    dv.setUint16(24, 0);
    dv.setUint16(24, foldChecksum(onesSum(b, 14, 20)));
    dv.setUint16(34, sport);
    dv.setUint16(36, dport);
    dv.setUint32(38, seq >>> 0);
    dv.setUint32(42, ack >>> 0);
    b[47] = flags & 0xff;
    dv.setUint16(50, 0);
    let sum = onesSum(b, 26, 8) + 6 + this.segLen;
    sum = onesSum(b, 34, 20, sum) + this.payloadSum;
    dv.setUint16(50, foldChecksum(sum));
    return b;
  }
}

const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

/** A TCP conversation that keeps both sides' sequence numbers. */
class Conv {
  /** Next sequence number to send, per side (0 = client). */
  readonly next: [number, number];
  constructor(
    private readonly o: Out,
    private readonly clock: Clock,
    readonly client: { ip: string; port: number },
    readonly server: { ip: string; port: number },
    isnC: number,
    isnS: number,
    private readonly v6 = false,
  ) {
    this.next = [isnC >>> 0, isnS >>> 0];
  }

  private frame(dir: 0 | 1, flags: string, seq: number, payload?: Uint8Array | string): Uint8Array {
    const a = dir === 0 ? this.client : this.server;
    const b = dir === 0 ? this.server : this.client;
    const ack = (flags.includes('A') || flags.includes('.')) ? this.next[dir ^ 1]! : 0;
    const build = this.v6 ? ethIpv6Tcp : ethIpv4Tcp;
    return build({ src: a.ip, dst: b.ip, sport: a.port, dport: b.port, seq, ack, flags, payload });
  }

  handshake(): void {
    put(this.o, this.clock, this.frame(0, 'S', this.next[0]));
    this.next[0] = (this.next[0] + 1) >>> 0;
    put(this.o, this.clock, this.frame(1, 'SA', this.next[1]));
    this.next[1] = (this.next[1] + 1) >>> 0;
    put(this.o, this.clock, this.frame(0, 'A', this.next[0]));
  }

  send(dir: 0 | 1, payload: Uint8Array | string, flags = 'PA'): void {
    const n = typeof payload === 'string' ? Buffer.byteLength(payload, 'latin1') : payload.length;
    put(this.o, this.clock, this.frame(dir, flags, this.next[dir], payload));
    this.next[dir] = (this.next[dir] + n) >>> 0;
  }

  /** Sends `data` in segments of at most `mss` bytes, with an ACK from the peer every `ackEvery` segments. */
  stream(dir: 0 | 1, data: Uint8Array, mss = 1448, ackEvery = 8): void {
    let k = 0;
    for (let p = 0; p < data.length; p += mss) {
      this.send(dir, data.subarray(p, Math.min(data.length, p + mss)), 'A');
      if (++k % ackEvery === 0) this.ack((dir ^ 1) as 0 | 1);
    }
    // The last ACK, unless the loop just sent it (a second one would be a duplicate ACK).
    if (k % ackEvery !== 0) this.ack((dir ^ 1) as 0 | 1);
  }

  /** A segment at an explicit sequence number (retransmissions, overlaps); does not move `next`. */
  at(dir: 0 | 1, seq: number, payload: Uint8Array | string, flags = 'PA'): void {
    put(this.o, this.clock, this.frame(dir, flags, seq >>> 0, payload));
  }

  ack(dir: 0 | 1): void {
    put(this.o, this.clock, this.frame(dir, 'A', this.next[dir]));
  }

  close(): void {
    put(this.o, this.clock, this.frame(0, 'FA', this.next[0]));
    this.next[0] = (this.next[0] + 1) >>> 0;
    put(this.o, this.clock, this.frame(1, 'FA', this.next[1]));
    this.next[1] = (this.next[1] + 1) >>> 0;
    put(this.o, this.clock, this.frame(0, 'A', this.next[0]));
  }
}

// ------------------------------------------------------------------ cases

function synFlood(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('syn-flood'));
  const base = net('syn-flood');
  const server = base | 1;
  // An established connection first: the flood must not evict it (half-open entries go first).
  const est = new Conv(o, c, { ip: ip4(base | 0xff00 | 2), port: 50000 }, { ip: ip4(server), port: 80 }, 1000, 5000);
  est.handshake();
  est.send(0, 'GET /before HTTP/1.1\r\nHost: flood.test\r\n\r\n');
  est.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  est.ack(0);
  const t = new FastTcp(new Uint8Array(0));
  for (let i = 0; i < opts.synFlood; i++) {
    // Distinct tuples: source address 11.a.b.c (24 bits of i), source port from i too.
    const src = ((11 << 24) | (i & 0xffffff)) >>> 0;
    const sport = 1024 + ((i >>> 24) * 7 + (i % 50000));
    put(o, c, t.set(src, server, sport, 80, Math.imul(i, 2654435761) >>> 0, 0, F.SYN, i), {});
    if (i % 1000 === 999) c.tick(1000); // 1,000 SYNs per ms of packet time: nothing expires
  }
  // The established connection goes on after the flood.
  est.send(0, 'GET /after HTTP/1.1\r\nHost: flood.test\r\n\r\n');
  est.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  est.close();
}

function headerLine(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('header-line'));
  const base = net('header-line');
  const cli = base | 2, srv = base | 1;
  const conv = new Conv(o, c, { ip: ip4(cli), port: 40000 }, { ip: ip4(srv), port: 80 }, 7, 9);
  conv.handshake();
  conv.send(0, 'GET /');
  const mss = 1448;
  const t = new FastTcp(new Uint8Array(mss).fill(0x41));
  let left = opts.headerBytes;
  let k = 0;
  while (left >= mss) {
    put(o, c, t.set(cli, srv, 40000, 80, conv.next[0], conv.next[1], F.ACK, k));
    conv.next[0] = (conv.next[0] + mss) >>> 0;
    left -= mss;
    if (++k % 16 === 0) conv.ack(1);
  }
  if (left > 0) conv.send(0, new Uint8Array(left).fill(0x41), 'A');
  conv.ack(1);
  // The server gives up on it.
  conv.send(1, 'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  conv.close();
  // Analysis goes on: a normal exchange on a new connection.
  const next = new Conv(o, c, { ip: ip4(cli), port: 40001 }, { ip: ip4(srv), port: 80 }, 100, 200);
  next.handshake();
  next.send(0, 'GET /after-the-long-line HTTP/1.1\r\nHost: long.test\r\n\r\n');
  next.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes');
  next.close();
}

function chunked(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('chunked'));
  const base = net('chunked');
  const conv = new Conv(o, c, { ip: ip4(base | 2), port: 40000 }, { ip: ip4(base | 1), port: 80 }, 1, 1);
  conv.handshake();
  conv.send(0, 'GET /million-chunks HTTP/1.1\r\nHost: chunks.test\r\n\r\n');
  const head = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n', 'latin1');
  const one = Buffer.from('1\r\nx\r\n', 'latin1');
  const tail = Buffer.from('0\r\n\r\n', 'latin1');
  const body = Buffer.allocUnsafe(head.length + one.length * opts.chunks + tail.length);
  head.copy(body, 0);
  for (let i = 0, p = head.length; i < opts.chunks; i++, p += one.length) one.copy(body, p);
  tail.copy(body, body.length - tail.length);
  conv.stream(1, body);
  conv.close();
}

/** The copies the overlap case sends; the test checks which one is shown. */
export const OVERLAP = {
  first: 'GET /first-copy HTTP/1.1\r\nHost: overlap.test\r\n\r\n',
  second: 'GET /later-copy HTTP/1.1\r\nHost: overlap.test\r\n\r\n',
  respFirst: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nFIRST-COPY',
  respLater: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nLATER-COPY',
  /** Out-of-order case: the second request arrives before the first, then a differing copy of it. */
  oooA: 'GET /ooo-a HTTP/1.1\r\nHost: overlap.test\r\n\r\n',
  oooB: 'GET /ooo-b HTTP/1.1\r\nHost: overlap.test\r\n\r\n',
  oooBLater: 'GET /ooo-X HTTP/1.1\r\nHost: overlap.test\r\n\r\n',
};

function overlap(o: Out): void {
  const c = new Clock(caseTime('overlap'));
  const base = net('overlap');
  // 1. In order: the request, then a retransmission of the same range with other bytes.
  const a = new Conv(o, c, { ip: ip4(base | 2), port: 40000 }, { ip: ip4(base | 1), port: 80 }, 1000, 2000);
  a.handshake();
  const s0 = a.next[0];
  a.send(0, OVERLAP.first);
  a.at(0, s0, OVERLAP.second);
  const r0 = a.next[1];
  a.send(1, OVERLAP.respFirst);
  a.at(1, r0, OVERLAP.respLater);
  a.ack(0);
  a.close();
  // 2. Out of order: B (after A) arrives first and is buffered, then a differing copy of B, then A.
  const b = new Conv(o, c, { ip: ip4(base | 3), port: 40001 }, { ip: ip4(base | 1), port: 80 }, 5000, 6000);
  b.handshake();
  const sa = b.next[0];
  const sb = (sa + OVERLAP.oooA.length) >>> 0;
  b.at(0, sb, OVERLAP.oooB);
  b.at(0, sb, OVERLAP.oooBLater);
  b.at(0, sa, OVERLAP.oooA);
  b.next[0] = (sb + OVERLAP.oooB.length) >>> 0;
  b.ack(1);
  b.send(1, 'HTTP/1.1 204 No Content\r\n\r\n');
  b.send(1, 'HTTP/1.1 204 No Content\r\n\r\n');
  b.close();
}

function wrap(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('wrap'));
  const base = net('wrap');
  // Both ISNs close to 2^32: the request crosses it within its first segments, the response in the middle of the body.
  const isnS = (2 ** 32 - Math.floor(opts.wrapBytes / 2)) >>> 0;
  const conv = new Conv(o, c, { ip: ip4(base | 2), port: 40000 }, { ip: ip4(base | 1), port: 80 }, 0xffffffd0, isnS);
  conv.handshake();
  conv.send(0, 'GET /across-2-to-the-32 HTTP/1.1\r\nHost: wrap.test\r\nUser-Agent: wraparound\r\n\r\n');
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${opts.wrapBytes}\r\nContent-Type: application/octet-stream\r\n\r\n`, 'latin1');
  const body = Buffer.allocUnsafe(head.length + opts.wrapBytes);
  head.copy(body, 0);
  for (let p = head.length; p < body.length; p++) body[p] = p & 0xff;
  conv.stream(1, body);
  conv.send(0, 'GET /second HTTP/1.1\r\nHost: wrap.test\r\n\r\n');
  conv.send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone');
  conv.close();
}

function vlan(o: Out): void {
  const c = new Clock(caseTime('vlan'));
  const base = net('vlan');
  for (const depth of [12, 200, 1000]) {
    const vlans = Array.from({ length: depth }, (_, i) => (i % 4094) + 1);
    put(o, c, ethIpv4Tcp({ vlans, src: ip4(base | 2), dst: ip4(base | 1), sport: 40000 + depth, dport: 80, flags: 'S', seq: depth }));
  }
}

function ipv6Ext(o: Out): void {
  const c = new Clock(caseTime('ipv6-ext'));
  for (const depth of [40, 300, 1000]) {
    const plain = ethIpv6Tcp({ src: '2001:db8:6::2', dst: '2001:db8:6::1', sport: 40000 + depth, dport: 80, flags: 'S', seq: depth });
    // Insert `depth` destination-options headers (RFC 8200 §4.6: 8 bytes each, a PadN option filling them) after the IPv6 header.
    const chain = new Uint8Array(depth * 8);
    for (let i = 0; i < depth; i++) {
      chain[i * 8] = i === depth - 1 ? 6 : 60; // next header: another destination options header, then TCP
      chain[i * 8 + 1] = 0; // length in 8-octet units, not counting the first 8
      chain[i * 8 + 2] = 1; // PadN
      chain[i * 8 + 3] = 4;
    }
    const f = new Uint8Array(plain.length + chain.length);
    f.set(plain.subarray(0, 54), 0);
    f.set(chain, 54);
    f.set(plain.subarray(54), 54 + chain.length);
    f[20] = 60; // IPv6 next header
    const plen = f.length - 54;
    f[18] = plen >> 8; f[19] = plen & 0xff;
    put(o, c, f);
  }
}

/** An IPv4 fragment (Ethernet + IPv4) of protocol 17 with the given id, offset (bytes) and MF bit. */
function fragment(src: number, dst: number, id: number, offset: number, more: boolean, data: Uint8Array): Uint8Array {
  const f = new Uint8Array(34 + data.length);
  const dv = new DataView(f.buffer);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0]);
  f[14] = 0x45;
  dv.setUint16(16, 20 + data.length);
  dv.setUint16(18, id & 0xffff);
  dv.setUint16(20, (more ? 0x2000 : 0) | (offset >> 3));
  f[22] = 64;
  f[23] = 17;
  dv.setUint32(26, src >>> 0);
  dv.setUint32(30, dst >>> 0);
  dv.setUint16(24, foldChecksum(onesSum(f, 14, 20)));
  f.set(data, 34);
  return f;
}

function fragFlood(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('frag-flood'));
  const base = net('frag-flood');
  const small = new Uint8Array(64).fill(0x55);
  // Many first fragments, distinct (source, id): none ever completes.
  for (let i = 0; i < opts.fragFlood; i++) {
    put(o, c, fragment((base | 0x8000 | (i >>> 16)) >>> 0, base | 1, i & 0xffff, 0, true, small));
  }
  // Big datagrams missing their last fragment: the byte cap is what stops these.
  const big = new Uint8Array(1480).fill(0x42);
  for (let d = 0; d < opts.bigFragDatagrams; d++) {
    for (let k = 0; k < 40; k++) put(o, c, fragment(base | 0x4000 | (d >>> 16), base | 1, d & 0xffff, k * 1480, true, big));
  }
  // A datagram that does complete, after the floods: reassembly still works.
  const whole = new Uint8Array(3000);
  whole.set([0x9c, 0x40, 0x00, 0x35, 3000 >> 8, 3000 & 0xff, 0, 0]); // UDP 40000 → 53, length 3000, no checksum
  put(o, c, fragment(base | 2, base | 1, 4242, 0, true, whole.subarray(0, 1480)));
  put(o, c, fragment(base | 2, base | 1, 4242, 1480, true, whole.subarray(1480, 2960)));
  put(o, c, fragment(base | 2, base | 1, 4242, 2960, false, whole.subarray(2960)));
}

/** 57 bytes of brotli (window 2^24): one byte, a flush, then 64 MiB of zeros. */
export const BROTLI_BOMB = Buffer.from('0f008078fcffff877f02201e0b0472effff9ffff0fff04401c1600e8defff3ffff1ffe0980382c00d0bdffe7ffff3ffc1300715800a07bff3f', 'hex');

function brotliBombs(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('brotli-bombs'));
  const base = net('brotli-bombs');
  const conv = new Conv(o, c, { ip: ip4(base | 2), port: 40000 }, { ip: ip4(base | 1), port: 80 }, 1, 1);
  conv.handshake();
  const resp = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: ${BROTLI_BOMB.length}\r\n\r\n`, 'latin1'), BROTLI_BOMB]);
  for (let i = 0; i < opts.brotliBombs; i++) {
    conv.send(0, `GET /bomb${i} HTTP/1.1\r\nHost: bombs.test\r\n\r\n`);
    conv.send(1, resp);
  }
  conv.close();
}

function wsFlood(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('ws-flood'));
  const base = net('ws-flood');
  const conv = new Conv(o, c, { ip: ip4(base | 2), port: 40000 }, { ip: ip4(base | 1), port: 80 }, 1, 1);
  conv.handshake();
  conv.send(0, 'GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  conv.send(1, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
  const body = new Uint8Array(2 * opts.wsFrames);
  for (let i = 0; i < opts.wsFrames; i++) body[2 * i] = 0x81; // FIN, text, unmasked, length 0
  conv.stream(1, body);
  conv.close();
}

/** RFC 7541 §5.1 integer with an N-bit prefix. */
function hpackInt(prefixBits: number, first: number, v: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (v < max) return [first | v];
  const out = [first | max];
  for (v -= max; v >= 128; v >>= 7) out.push((v & 127) | 128);
  out.push(v);
  return out;
}

function hpackBomb(o: Out): void {
  const c = new Clock(caseTime('hpack-bomb'));
  const base = net('hpack-bomb');
  const conv = new Conv(o, c, { ip: ip4(base | 2), port: 40000 }, { ip: ip4(base | 1), port: 80 }, 1, 1);
  conv.handshake();
  // Literal with incremental indexing, new name "x", a 4,000-byte value; then index 62 (that entry) over and over (RFC 7541 §6.1, §6.2.1).
  const block = [0x40, 1, 0x78, ...hpackInt(7, 0, 4000), ...new Array<number>(4000).fill(0x61), ...new Array<number>(250_000).fill(0xbe)];
  const parts: Uint8Array[] = [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Uint8Array.of(0, 0, 0, 4, 0, 0, 0, 0, 0)];
  for (let p = 0, first = true; p < block.length; p += 16384, first = false) {
    const chunk = block.slice(p, p + 16384);
    const last = p + 16384 >= block.length;
    // HEADERS (END_STREAM) then CONTINUATIONs, END_HEADERS on the last (RFC 9113 §6.2, §6.10).
    parts.push(Uint8Array.of(chunk.length >> 16, (chunk.length >> 8) & 255, chunk.length & 255, first ? 1 : 9, (first ? 1 : 0) | (last ? 4 : 0), 0, 0, 0, 1), Uint8Array.from(chunk));
  }
  conv.stream(0, Buffer.concat(parts));
  conv.close();
}

function pipelined(o: Out, opts: HostileOptions): void {
  const c = new Clock(caseTime('pipelined'));
  const base = net('pipelined');
  const conv = new Conv(o, c, { ip: ip4(base | 2), port: 40000 }, { ip: ip4(base | 1), port: 80 }, 1, 1);
  conv.handshake();
  conv.stream(0, Buffer.from('GET /p HTTP/1.1\r\nHost: pipe.test\r\n\r\n'.repeat(opts.pipelined), 'latin1'));
  conv.stream(1, Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'.repeat(opts.pipelined), 'latin1'));
  conv.close();
}

function hugeRecords(o: Out): void {
  const c = new Clock(caseTime('huge-records'));
  const base = net('huge-records');
  const f = ethIpv4Tcp({ src: ip4(base | 2), dst: ip4(base | 1), flags: 'S' });
  // Legal: a frame 4 GB long on the wire, captured short (the snapshot length).
  put(o, c, f, { origLen: 0xffffffff });
  // Not legal: a record whose captured length claims 4 GB (with only the frame's bytes after it).
  put(o, c, f, { capLen: 0xffffffff, origLen: 0xffffffff });
  put(o, c, f);
}

const WRITERS: Record<CaseName, (o: Out, opts: HostileOptions) => void> = {
  'syn-flood': synFlood,
  'header-line': headerLine,
  chunked,
  overlap,
  wrap,
  vlan,
  'ipv6-ext': ipv6Ext,
  'frag-flood': fragFlood,
  'brotli-bombs': brotliBombs,
  'ws-flood': wsFlood,
  'hpack-bomb': hpackBomb,
  pipelined,
  'huge-records': hugeRecords,
};

/** Writes the given cases, in order, into one new pcap file. Returns the number of records. */
export function writeCases(path: string, names: readonly CaseName[], opts: HostileOptions): number {
  const w = PcapWriter.open(path, { overwrite: true, flushIntervalMs: 0, bufferSize: 4 << 20 });
  const o: Out = { w, frames: 0 };
  try {
    for (const n of names) WRITERS[n](o, opts);
  } finally {
    w.close();
  }
  return o.frames;
}
