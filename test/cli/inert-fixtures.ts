/**
 * Captures whose packet-derived text is hostile to terminals, built with the
 * project's pcap writer and frame builders: HTTP request line, Host, User-
 * Agent, other headers, reason phrase and Content-Type; a TLS ClientHello
 * whose SNI and ALPN carry the same; DNS query, CNAME and TXT names;
 * WebSocket text frames (server and masked client); pcapng section, interface
 * and packet comments and interface names.
 *
 * The payloads: CSI sequences (colour, clear screen, alternate screen), OSC
 * 52 (write the clipboard), OSC 8 (hyperlink), OSC 0 (window title), the
 * 8-bit CSI 0x9b (as a raw byte and as UTF-8 U+009B), BEL, backspace, DEL,
 * Unicode bidi overrides (U+202E, U+2066) and blessed tags.
 */
import dnsPacketModule from 'dns-packet';
import { buildPcap, ethIpv4Tcp, ethIpv4Udp } from '../../src/capture/pcap-writer.js';
import { buildPcapng, epb, idb, shb } from '../../src/capture/pcapng-build.js';

/** Each hostile piece, by name (all free of spaces and CR/LF, so they survive inside an HTTP request line). */
export const EVIL = {
  csi: '\x1b[31mRED\x1b[0m',
  clear: '\x1b[2J\x1b[H',
  alt: '\x1b[?1049h',
  osc52: '\x1b]52;c;ZWNobyBwd25lZAo=\x07',
  osc8: '\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\',
  title: '\x1b]0;owned\x07',
  c1: '\u009b31mC1',
  bel: '\x07\x07',
  bs: 'ab\x08\x08XY',
  del: 'd\x7fe',
  bidi: 'abc\u202Egnp.exe',
  isolate: '\u2066iso\u2069',
  tags: '{bold}{red-fg}TAG{/red-fg}{/bold}',
} as const;

/** All of them in one string. */
export const ALL = Object.values(EVIL).join('');

/** dns-packet's encoder (the project's type declaration covers only the decoder it uses). */
const dnsPacket = dnsPacketModule as unknown as {
  encode(p: Record<string, unknown>): Buffer;
  RECURSION_DESIRED: number;
  RECURSION_AVAILABLE: number;
};

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

class Tcp {
  private seq: [number, number] = [1000, 5000];
  readonly frames: Uint8Array[] = [];
  constructor(private readonly c: string, private readonly s: string, private readonly cport: number, private readonly sport: number) {
    this.push(0, 'S', new Uint8Array(0), 1);
    this.push(1, 'SA', new Uint8Array(0), 1);
    this.push(0, 'A', new Uint8Array(0));
  }
  push(dir: 0 | 1, flags: string, payload: Uint8Array, consume = 0): void {
    const [src, dst, sp, dp] = dir === 0 ? [this.c, this.s, this.cport, this.sport] : [this.s, this.c, this.sport, this.cport];
    this.frames.push(ethIpv4Tcp({ src, dst, sport: sp, dport: dp, flags, seq: this.seq[dir], ack: flags === 'S' ? 0 : this.seq[dir ^ 1], payload }));
    this.seq[dir] = (this.seq[dir] + payload.length + consume) >>> 0;
  }
  send(dir: 0 | 1, payload: Uint8Array): void { this.push(dir, 'PA', payload); }
  close(): void {
    this.push(0, 'FA', new Uint8Array(0), 1);
    this.push(1, 'FA', new Uint8Array(0), 1);
    this.push(0, 'A', new Uint8Array(0));
  }
}

/** The request line's URI: every piece, as UTF-8 (so bidi and U+009B arrive as characters). */
export const URI = `/${ALL}?q=${EVIL.osc52}`;

export function httpFrames(): Uint8Array[] {
  const t = new Tcp('10.66.0.2', '10.66.0.1', 41000, 80);
  t.send(0, Buffer.concat([
    utf8(`GET ${URI} HTTP/1.1\r\nHost: ${EVIL.csi}${EVIL.tags}.example\r\nUser-Agent: ${EVIL.osc8}${EVIL.bidi}\r\nX-Evil: ${EVIL.title}${EVIL.bel}${EVIL.bs}${EVIL.del}\r\n`),
    // The raw 8-bit CSI byte (invalid UTF-8: decoded as Latin-1).
    latin1('X-Raw-C1: \x9b32mRAW\r\n\r\n'),
  ]));
  const body = `${EVIL.clear}body${EVIL.alt}`;
  t.send(1, utf8(`HTTP/1.1 200 ${EVIL.csi}${EVIL.c1}\r\nContent-Type: text/${EVIL.osc52}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nSet-Cookie: a=${EVIL.title}\r\n\r\n${body}`));
  t.close();
  return t.frames;
}

/** A TLS 1.2-style ClientHello with the given SNI and ALPN names (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301). */
export function clientHello(sni: Uint8Array, alpn: Uint8Array[]): Uint8Array {
  const u16 = (n: number): number[] => [n >> 8, n & 255];
  const sniExt = [...u16(sni.length + 3), 0, ...u16(sni.length), ...sni];
  const alpnList = alpn.flatMap((p) => [p.length, ...p]);
  const alpnExt = [...u16(alpnList.length), ...alpnList];
  const ext = [0, 0, ...u16(sniExt.length), ...sniExt, 0, 16, ...u16(alpnExt.length), ...alpnExt];
  const body = [3, 3, ...new Array<number>(32).fill(7), 0, ...u16(4), 0x13, 0x01, 0xc0, 0x2f, 1, 0, ...u16(ext.length), ...ext];
  const hs = [1, (body.length >> 16) & 255, ...u16(body.length & 0xffff), ...body];
  return Uint8Array.from([22, 3, 1, ...u16(hs.length), ...hs]);
}

export const SNI = `${EVIL.csi}${EVIL.osc52}${EVIL.tags}.example`;

export function tlsFrames(): Uint8Array[] {
  const t = new Tcp('10.66.0.3', '10.66.0.1', 41001, 443);
  t.send(0, clientHello(utf8(SNI), [utf8(`h2${EVIL.title}`), latin1('\x9bx')]));
  t.close();
  return t.frames;
}

export const DNS_NAME = `${EVIL.csi}${EVIL.c1}.evil.example`;

export function dnsFrames(): Uint8Array[] {
  const q = dnsPacket.encode({ type: 'query', id: 0x4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: DNS_NAME }] });
  const r = dnsPacket.encode({
    type: 'response', id: 0x4242, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type: 'A', name: DNS_NAME }],
    answers: [
      { type: 'CNAME', name: DNS_NAME, ttl: 60, data: `${EVIL.osc52}${EVIL.bidi}.example` },
      { type: 'TXT', name: `${EVIL.osc52}${EVIL.bidi}.example`, ttl: 60, data: [`${EVIL.title}${EVIL.tags}`] },
      { type: 'A', name: `${EVIL.osc52}${EVIL.bidi}.example`, ttl: 60, data: '192.0.2.7' },
    ],
  });
  return [
    ethIpv4Udp({ src: '10.66.0.4', dst: '10.66.0.53', sport: 53000, dport: 53, payload: q }),
    ethIpv4Udp({ src: '10.66.0.53', dst: '10.66.0.4', sport: 53, dport: 53000, payload: r }),
  ];
}

/** A WebSocket frame (RFC 6455 §5.2), masked when `mask` is given. */
function wsFrame(opcode: number, payload: Uint8Array, mask?: number[]): Uint8Array {
  const head = payload.length < 126 ? [0x80 | opcode, (mask ? 0x80 : 0) | payload.length] : [0x80 | opcode, (mask ? 0x80 : 0) | 126, payload.length >> 8, payload.length & 255];
  const p = Uint8Array.from(payload);
  if (mask) for (let i = 0; i < p.length; i++) p[i] = p[i]! ^ mask[i % 4]!;
  return Uint8Array.from([...head, ...(mask ?? []), ...p]);
}

export const WS_TEXT = `${EVIL.osc52}${EVIL.csi}${EVIL.c1}${EVIL.bidi}${EVIL.tags}`;

export function wsFrames(): Uint8Array[] {
  const t = new Tcp('10.66.0.5', '10.66.0.1', 41002, 8080);
  t.send(0, utf8('GET /chat HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
  t.send(1, utf8('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'));
  t.send(1, wsFrame(1, utf8(WS_TEXT)));
  t.send(0, wsFrame(1, utf8(`client ${WS_TEXT}`), [1, 2, 3, 4]));
  // A close frame whose reason carries an escape too (RFC 6455 §5.5.1: code, then UTF-8 reason).
  t.send(1, wsFrame(8, Uint8Array.from([0x03, 0xe8, ...utf8(EVIL.title)])));
  t.close();
  return t.frames;
}

/** Everything above in one classic pcap. */
export function hostilePcap(): Buffer {
  const frames = [...httpFrames(), ...tlsFrames(), ...dnsFrames(), ...wsFrames()];
  return buildPcap(frames.map((data, i) => ({ tsSec: 1_700_000_000, tsNsec: i * 1000, data })));
}

/** The same frames in a pcapng whose comments and interface name and description are hostile too. */
export function hostilePcapng(): Buffer {
  const frames = [...httpFrames(), ...dnsFrames()];
  return buildPcapng([
    shb({ comments: [`section ${EVIL.osc52}${EVIL.csi}`], hardware: `hw${EVIL.c1}`, os: `os${EVIL.bidi}`, application: `app${EVIL.title}` }),
    idb({ name: `eth${EVIL.csi}`, description: `desc${EVIL.osc8}`, os: `os${EVIL.bel}`, tsresol: 6 }),
    ...frames.map((data, i) => epb({ ts: 1_700_000_000_000_000n + BigInt(i), data, comments: i === 0 ? [`pkt ${EVIL.osc52}${EVIL.tags}${EVIL.bidi}`] : [] })),
  ]);
}
