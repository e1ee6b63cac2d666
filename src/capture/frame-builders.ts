/**
 * Small builders of valid frames (checksums computed), for tests, hostile
 * captures and benchmark generation. Not on any hot path: each call
 * allocates its frame.
 *
 *   ethIpv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, flags: 'S', seq: 1 })
 *   ethIpv6Tcp({ src: '2001:db8::1', dst: '2001:db8::2', flags: 'PA', payload: 'GET / HTTP/1.1\r\n\r\n' })
 *   ethIpv4Udp({ sport: 5353, dport: 53, payload: dnsBytes })
 *
 * Flags are a number (RFC 9293 bit values, AE = 0x100) or letters:
 * F S R P A U E C N (N = AE/NS); '.' is ACK, as tcpdump writes it.
 */

export const TcpFlags = {
  FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, AE: 0x100,
} as const;

const FLAG_LETTERS: Record<string, number> = {
  F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, '.': 0x10, U: 0x20, E: 0x40, C: 0x80, W: 0x80, N: 0x100,
};

export function tcpFlags(f: number | string | undefined): number {
  if (f === undefined) return 0;
  if (typeof f === 'number') return f;
  let v = 0;
  for (const c of f.toUpperCase()) {
    const bit = FLAG_LETTERS[c];
    if (bit === undefined) throw new Error(`unknown TCP flag letter '${c}'`);
    v |= bit;
  }
  return v;
}

export interface EthOpts {
  srcMac?: string;
  dstMac?: string;
  /** 802.1Q VLAN ids, outermost first (each adds a 4-byte tag). */
  vlans?: number[];
}

export interface TcpFrameOpts extends EthOpts {
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number | string;
  window?: number;
  urgent?: number;
  /** Raw TCP options (padded to 4 bytes with EOL by the builder). */
  options?: Uint8Array | number[];
  payload?: Uint8Array | string;
  ttl?: number;
  ipId?: number;
  /** IPv4 DF bit (default set, as Linux does). */
  dontFragment?: boolean;
  /** Write a wrong TCP checksum on purpose (checksum offload, tests). */
  badChecksum?: boolean;
}

export interface UdpFrameOpts extends EthOpts {
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  payload?: Uint8Array | string;
  ttl?: number;
  ipId?: number;
  badChecksum?: boolean;
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

function bytesOf(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'string' ? Buffer.from(p, 'latin1') : p;
}

export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC address '${s}'`);
  return Uint8Array.from(parts, (x) => {
    const v = parseInt(x, 16);
    if (!(v >= 0 && v <= 255)) throw new Error(`bad MAC address '${s}'`);
    return v;
  });
}

export function parseIpv4(s: string): Uint8Array {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(`bad IPv4 address '${s}'`);
  return Uint8Array.from(parts, (x) => {
    const v = Number(x);
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error(`bad IPv4 address '${s}'`);
    return v;
  });
}

export function parseIpv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const groups = (x: string): number[] => {
    if (x === '') return [];
    const r: number[] = [];
    for (const g of x.split(':')) {
      if (g.includes('.')) {
        const v4 = parseIpv4(g);
        r.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        const v = parseInt(g, 16);
        if (!(v >= 0 && v <= 0xffff) || g.length > 4) throw new Error(`bad IPv6 address '${s}'`);
        r.push(v);
      }
    }
    return r;
  };
  const h = groups(head);
  const t = groups(tail);
  if (dbl < 0 ? h.length !== 8 : h.length + t.length > 7) throw new Error(`bad IPv6 address '${s}'`);
  const all = dbl < 0 ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** RFC 1071 ones'-complement sum of `b[off, off+len)`, added to `sum` (not folded). */
export function onesSum(b: Uint8Array, off: number, len: number, sum = 0): number {
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  return sum;
}

export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

function ethHeader(o: EthOpts, ethertype: number): Uint8Array {
  const vlans = o.vlans ?? [];
  const h = new Uint8Array(14 + 4 * vlans.length);
  h.set(parseMac(o.dstMac ?? '02:00:00:00:00:02'), 0);
  h.set(parseMac(o.srcMac ?? '02:00:00:00:00:01'), 6);
  let p = 12;
  for (const id of vlans) {
    h[p] = ETH_VLAN >> 8;
    h[p + 1] = ETH_VLAN & 0xff;
    h[p + 2] = (id >> 8) & 0x0f;
    h[p + 3] = id & 0xff;
    p += 4;
  }
  h[p] = ethertype >> 8;
  h[p + 1] = ethertype & 0xff;
  return h;
}

function tcpSegment(o: TcpFrameOpts): Uint8Array {
  const payload = bytesOf(o.payload);
  const rawOpts = o.options ? Uint8Array.from(o.options) : new Uint8Array(0);
  const optLen = (rawOpts.length + 3) & ~3;
  const hl = 20 + optLen;
  if (hl > 60) throw new Error('TCP options longer than 40 bytes');
  const seg = new Uint8Array(hl + payload.length);
  const dv = new DataView(seg.buffer);
  const flags = tcpFlags(o.flags ?? 'A');
  dv.setUint16(0, o.sport ?? 40000);
  dv.setUint16(2, o.dport ?? 80);
  dv.setUint32(4, (o.seq ?? 0) >>> 0);
  dv.setUint32(8, (o.ack ?? 0) >>> 0);
  seg[12] = ((hl / 4) << 4) | ((flags >> 8) & 0x01);
  seg[13] = flags & 0xff;
  dv.setUint16(14, o.window ?? 65535);
  dv.setUint16(18, o.urgent ?? 0);
  seg.set(rawOpts, 20);
  seg.set(payload, hl);
  return seg;
}

function udpDatagram(o: UdpFrameOpts): Uint8Array {
  const payload = bytesOf(o.payload);
  const d = new Uint8Array(8 + payload.length);
  const dv = new DataView(d.buffer);
  dv.setUint16(0, o.sport ?? 40000);
  dv.setUint16(2, o.dport ?? 53);
  dv.setUint16(4, d.length);
  d.set(payload, 8);
  return d;
}

function ipv4Packet(src: Uint8Array, dst: Uint8Array, proto: number, l4: Uint8Array, ttl: number, id: number, df: boolean): Uint8Array {
  const p = new Uint8Array(20 + l4.length);
  const dv = new DataView(p.buffer);
  p[0] = 0x45;
  dv.setUint16(2, p.length);
  dv.setUint16(4, id & 0xffff);
  dv.setUint16(6, df ? 0x4000 : 0);
  p[8] = ttl;
  p[9] = proto;
  p.set(src, 12);
  p.set(dst, 16);
  dv.setUint16(10, foldChecksum(onesSum(p, 0, 20)));
  p.set(l4, 20);
  return p;
}

function ipv6Packet(src: Uint8Array, dst: Uint8Array, proto: number, l4: Uint8Array, hopLimit: number): Uint8Array {
  const p = new Uint8Array(40 + l4.length);
  const dv = new DataView(p.buffer);
  p[0] = 0x60;
  dv.setUint16(4, l4.length);
  p[6] = proto;
  p[7] = hopLimit;
  p.set(src, 8);
  p.set(dst, 24);
  p.set(l4, 40);
  return p;
}

/** Sets the TCP/UDP checksum at `ckOff` of `l4` from the pseudo-header (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1). */
function l4Checksum(l4: Uint8Array, ckOff: number, src: Uint8Array, dst: Uint8Array, proto: number, bad: boolean, udp: boolean): void {
  let sum = onesSum(src, 0, src.length);
  sum = onesSum(dst, 0, dst.length, sum);
  sum += proto + l4.length;
  l4[ckOff] = 0;
  l4[ckOff + 1] = 0;
  sum = onesSum(l4, 0, l4.length, sum);
  let ck = foldChecksum(sum);
  if (udp && ck === 0) ck = 0xffff; // RFC 768: a computed 0 is sent as all ones
  if (bad) ck = (ck + 1) & 0xffff || 1;
  l4[ckOff] = ck >> 8;
  l4[ckOff + 1] = ck & 0xff;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a, 0);
  r.set(b, a.length);
  return r;
}

/** Ethernet + IPv4 + TCP, checksums computed. */
export function ethIpv4Tcp(o: TcpFrameOpts = {}): Uint8Array {
  const src = parseIpv4(o.src ?? '10.0.0.1');
  const dst = parseIpv4(o.dst ?? '10.0.0.2');
  const seg = tcpSegment(o);
  l4Checksum(seg, 16, src, dst, IPPROTO_TCP, o.badChecksum ?? false, false);
  return concat(ethHeader(o, ETH_IPV4), ipv4Packet(src, dst, IPPROTO_TCP, seg, o.ttl ?? 64, o.ipId ?? 0, o.dontFragment ?? true));
}

/** Ethernet + IPv6 + TCP, checksum computed. */
export function ethIpv6Tcp(o: TcpFrameOpts = {}): Uint8Array {
  const src = parseIpv6(o.src ?? '2001:db8::1');
  const dst = parseIpv6(o.dst ?? '2001:db8::2');
  const seg = tcpSegment(o);
  l4Checksum(seg, 16, src, dst, IPPROTO_TCP, o.badChecksum ?? false, false);
  return concat(ethHeader(o, ETH_IPV6), ipv6Packet(src, dst, IPPROTO_TCP, seg, o.ttl ?? 64));
}

/** Ethernet + IPv4 + UDP, checksums computed. */
export function ethIpv4Udp(o: UdpFrameOpts = {}): Uint8Array {
  const src = parseIpv4(o.src ?? '10.0.0.1');
  const dst = parseIpv4(o.dst ?? '10.0.0.2');
  const d = udpDatagram(o);
  l4Checksum(d, 6, src, dst, IPPROTO_UDP, o.badChecksum ?? false, true);
  return concat(ethHeader(o, ETH_IPV4), ipv4Packet(src, dst, IPPROTO_UDP, d, o.ttl ?? 64, o.ipId ?? 0, false));
}

/** Ethernet + IPv6 + UDP, checksum computed. */
export function ethIpv6Udp(o: UdpFrameOpts = {}): Uint8Array {
  const src = parseIpv6(o.src ?? '2001:db8::1');
  const dst = parseIpv6(o.dst ?? '2001:db8::2');
  const d = udpDatagram(o);
  l4Checksum(d, 6, src, dst, IPPROTO_UDP, o.badChecksum ?? false, true);
  return concat(ethHeader(o, ETH_IPV6), ipv6Packet(src, dst, IPPROTO_UDP, d, o.ttl ?? 64));
}
