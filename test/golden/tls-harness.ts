/**
 * Drives the TLS, HTTP/2, DNS and QUIC analyzers over a capture through the
 * real pipeline (openCapture → FrameDecoder with IP reassembly → TCP/UDP
 * tracking → TCP reassembly), with a small detector of its own so each
 * parser's facts can be read at frame level and compared with tshark:
 *   TLS:   a direction whose first bytes (or, after a non-TLS preamble such as
 *          MySQL's SSL request, a later push) start with a TLS record.
 *   HTTP/2: the client preface, a decode-as port, or an HTTP/1.1 101 with
 *          "Upgrade: h2c" (the bytes after the 101 head go to HTTP/2).
 *   DNS:   UDP or TCP port 53/5353/5355.   QUIC: UDP port 443 or a QUIC long header.
 */
import { analyzeFile } from '../../src/analysis.js';
import { DnsTracker, isDnsPort } from '../../src/analyzers/dns/index.js';
import { H2_PREFACE, Http2Parser } from '../../src/analyzers/http2/index.js';
import { looksLikeQuic, QuicTracker, splitQuicDatagram } from '../../src/analyzers/quic/index.js';
import {
  DEFAULT_REASSEMBLY_LIMITS, ReassemblyBudget, type StreamChunk, type StreamSink, TcpReassembler,
} from '../../src/analyzers/reassembly.js';
import { looksLikeTls, TlsParser } from '../../src/analyzers/tls/index.js';
import type { AppEvent, AppLayer, DnsTransaction, HttpTransaction } from '../../src/analyzers/types.js';
import type { AnomalyCode } from '../../src/decode/anomalies.js';
import type { Dir, TcpSegmentInfo, UdpDatagramInfo } from '../../src/flow/hooks.js';

export const CAPTURES = new URL('../../../shared/captures/', import.meta.url).pathname;

export interface DnsMessage { frame: number; id: number; response: boolean; name: string; tx: DnsTransaction }

export interface Facts {
  /** ClientHello frame → SNI and offered ALPN list (TLS over TCP and QUIC Initial). */
  clientHellos: Map<number, { sni: string; alpn: string }>;
  /** ServerHello frame → chosen ALPN (TLS over TCP). */
  serverHellos: Map<number, { alpn: string }>;
  /** TCP segment frame → HTTP/2 frames it completed. */
  h2: Map<number, { streams: number[]; types: number[] }>;
  dns: DnsMessage[];
  dnsTransactions: DnsTransaction[];
  /** UDP frame → long-header packet types (Wireshark numbering) and versions. */
  quic: Map<number, { types: number[]; versions: number[] }>;
  events: AppEvent[];
  tcpLabels: Map<number, string>;
  udpLabels: Map<number, string>;
}

class Conn implements StreamSink {
  readonly reasm: TcpReassembler;
  tls: TlsParser | null = null;
  h2: Http2Parser | null = null;
  dns = false;
  done = false;
  /** HTTP/1 text seen so far per direction (to find an h2c upgrade). */
  readonly text: [string, string] = ['', ''];

  constructor(private readonly L: Layer, readonly id: number, budget: ReassemblyBudget, readonly ports: [number, number]) {
    this.reasm = new TcpReassembler(this, budget, false);
  }

  data(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number): void {
    const L = this.L;
    if (this.tls) { this.tls.push(dir, buf, offset, length, frameNumber, time); return; }
    if (this.h2) { this.h2.push(dir, buf, offset, length, frameNumber, time); return; }
    if (this.dns) { L.dnsTracker.tcpPush(this.id, dir, buf, offset, length, frameNumber, time, '', ''); return; }
    if (this.done) return;
    if (isDnsPort(this.ports[0]) || isDnsPort(this.ports[1])) {
      this.dns = true;
      this.data(dir, buf, offset, length, frameNumber, time);
      return;
    }
    if (looksLikeTls(buf, offset, length)) {
      this.tls = new TlsParser(this.id, (ev) => L.tlsEvent(ev, this));
      this.tls.push(dir, buf, offset, length, frameNumber, time);
      return;
    }
    const isPreface = length >= 3 && buf[offset] === H2_PREFACE[0] && buf[offset + 1] === H2_PREFACE[1] && buf[offset + 2] === H2_PREFACE[2];
    if (isPreface || L.h2Ports.includes(this.ports[0]) || L.h2Ports.includes(this.ports[1])) {
      this.h2 = L.newH2(this.id);
      this.h2.push(dir, buf, offset, length, frameNumber, time);
      return;
    }
    // HTTP/1: look for "HTTP/1.1 101" with Upgrade: h2c.
    const before = this.text[dir].length;
    this.text[dir] += Buffer.from(buf.buffer, buf.byteOffset + offset, Math.min(length, 8192)).toString('latin1');
    if (this.text[dir].length > 65536) { this.done = true; return; }
    const t = this.text[dir];
    const headEnd = t.indexOf('\r\n\r\n');
    if (dir === 1 && t.startsWith('HTTP/1.1 101') && headEnd >= 0 && /\r\nupgrade:\s*h2c/i.test(t.slice(0, headEnd))) {
      const req = this.text[0];
      const line = req.slice(0, req.indexOf('\r\n')).split(' ');
      const host = /\r\nhost:\s*([^\r\n]*)/i.exec(req)?.[1] ?? '';
      const h2 = L.newH2(this.id);
      h2.upgradeRequest({ method: line[0] ?? '', authority: host, path: line[1] ?? '', frameNumber, time });
      this.h2 = h2;
      const rest = headEnd + 4 - before;
      if (rest < length) h2.push(dir, buf, offset + rest, length - rest, frameNumber, time);
    }
  }

  gap(dir: Dir): void {
    this.tls?.gap(dir);
    this.h2?.gap(dir);
    if (this.dns) this.L.dnsTracker.tcpGap(this.id, dir);
  }

  end(): void {}

  marker(_code: AnomalyCode, _dir: Dir, _frameNumber: number, _time: number, _detail: string): void {}
}

class Layer implements AppLayer {
  readonly events: AppEvent[] = [];
  readonly http: HttpTransaction[] = [];
  readonly budget = new ReassemblyBudget(DEFAULT_REASSEMBLY_LIMITS);
  readonly conns = new Map<number, Conn>();
  readonly quicFlows = new Set<number>();
  readonly dnsFlows = new Set<number>();
  readonly facts: Facts;
  readonly dnsTracker: DnsTracker;
  readonly quic: QuicTracker;

  constructor(readonly h2Ports: number[]) {
    this.facts = {
      clientHellos: new Map(), serverHellos: new Map(), h2: new Map(), dns: [], dnsTransactions: [], quic: new Map(),
      events: this.events, tcpLabels: new Map(), udpLabels: new Map(),
    };
    const f = this.facts;
    this.dnsTracker = new DnsTracker((e) => this.events.push(e), {
      onMessage: (frame, id, response, name, tx) => f.dns.push({ frame, id, response, name, tx }),
    });
    this.quic = new QuicTracker((e) => {
      this.events.push(e);
      const s = this.quic.flow(e.connId)?.tls;
      if (s && /^ClientHello\b/.test(e.text)) f.clientHellos.set(e.frameNumber, { sni: s.sni, alpn: s.alpnOffered.join(',') });
      if (s && /^ServerHello\b/.test(e.text)) f.serverHellos.set(e.frameNumber, { alpn: s.alpn });
    });
    f.dnsTransactions = this.dnsTracker.transactions;
  }

  get dns(): DnsTransaction[] { return this.dnsTracker.transactions; }

  tlsEvent(e: AppEvent, c: Conn): void {
    this.events.push(e);
    const s = c.tls!.summary;
    if (/^ClientHello\b/.test(e.text)) this.facts.clientHellos.set(e.frameNumber, { sni: s.sni, alpn: s.alpnOffered.join(',') });
    if (/^ServerHello\b/.test(e.text)) this.facts.serverHellos.set(e.frameNumber, { alpn: s.alpn });
  }

  newH2(id: number): Http2Parser {
    return new Http2Parser(id, (e) => this.events.push(e), {
      onFrame: (_dir, type, _flags, sid, _len, fn) => {
        const x = this.facts.h2.get(fn) ?? { streams: [], types: [] };
        x.streams.push(sid);
        x.types.push(type);
        this.facts.h2.set(fn, x);
      },
    });
  }

  tcpSegment(s: TcpSegmentInfo): void {
    let c = this.conns.get(s.connId);
    if (!c) {
      c = new Conn(this, s.connId, this.budget, [s.clientPort, s.serverPort]);
      this.conns.set(s.connId, c);
    }
    c.reasm.segment(s, s.tsSec + s.tsNsec * 1e-9);
  }

  tcpEnd(connId: number): void {
    const c = this.conns.get(connId);
    if (!c) return;
    c.reasm.finish();
    this.facts.tcpLabels.set(connId, c.tls?.label() ?? c.h2?.label() ?? (c.dns ? 'DNS' : ''));
    this.dnsTracker.tcpEnd(connId);
  }

  udpDatagram(d: UdpDatagramInfo): void {
    const t = d.tsSec + d.tsNsec * 1e-9;
    if (isDnsPort(d.srcPort) || isDnsPort(d.dstPort) || this.dnsFlows.has(d.flowId)) {
      this.dnsFlows.add(d.flowId);
      this.dnsTracker.udp(d.flowId, d.dir, d.buf, d.payloadOffset, d.payloadLen, d.frameNumber, t, '', '');
      this.facts.udpLabels.set(d.flowId, 'DNS');
      return;
    }
    if (this.quicFlows.has(d.flowId) || d.srcPort === 443 || d.dstPort === 443 || looksLikeQuic(d.buf, d.payloadOffset, d.payloadLen)) {
      this.quicFlows.add(d.flowId);
      const longs = splitQuicDatagram(d.buf, d.payloadOffset, d.payloadLen).filter((p) => p.long);
      if (longs.length) {
        this.facts.quic.set(d.frameNumber, { types: longs.map((p) => p.long!.typeCode), versions: longs.map((p) => p.long!.version) });
      }
      this.quic.udp(d.flowId, d.dir, d.buf, d.payloadOffset, d.payloadLen, d.frameNumber, t, d.srcPort, d.dstPort);
      this.facts.udpLabels.set(d.flowId, this.quic.label(d.flowId));
    }
  }

  finish(): void {
    for (const id of this.conns.keys()) this.tcpEnd(id);
    this.dnsTracker.finish();
  }

  tcpLabel(connId: number): string { return this.facts.tcpLabels.get(connId) ?? ''; }
  udpLabel(flowId: number): string { return this.facts.udpLabels.get(flowId) ?? ''; }
  stream(): StreamChunk[] | undefined { return undefined; }
}

/** Runs the analyzers over `file` (a name in the corpus directory). `h2Ports`: tshark's decode-as for HTTP/2. */
export function collectFacts(file: string, h2Ports: number[] = []): Promise<Facts> {
  const key = `${file} ${h2Ports.join(',')}`;
  let p = cache.get(key);
  if (!p) {
    const layer = new Layer(h2Ports);
    p = analyzeFile(CAPTURES + file, { appLayer: layer, timelines: false }).then(() => layer.facts);
    cache.set(key, p);
  }
  return p;
}
/** One analysis per file and options within a test file (the facts are read, never changed). */
const cache = new Map<string, Promise<Facts>>();

/** Reads one of tshark's expected TSV files into rows keyed by column name. */
export function readTsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l !== '');
  const head = (lines.shift() ?? '').split('\t');
  return lines.map((l) => {
    const cells = l.split('\t');
    const row: Record<string, string> = {};
    head.forEach((h, i) => { row[h] = cells[i] ?? ''; });
    return row;
  });
}
