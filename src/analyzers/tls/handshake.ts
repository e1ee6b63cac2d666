/**
 * The TLS handshake protocol above the record layer: messages
 * (RFC 8446 §4: type u8, length u24, body) reassembled across records and
 * segments, and what they reveal gathered into a per-connection summary.
 *
 * `HandshakeReader` is a push parser for one direction's handshake bytes; it
 * keeps a message body only for the types we look into (ClientHello,
 * ServerHello, Certificate), and only up to a cap; other messages are
 * skipped by counting, whatever their claimed length (up to 2^24-1).
 *
 * `TlsSession` turns complete messages into events and the summary. It is
 * shared by TLS over TCP (src/analyzers/tls/parser.ts) and QUIC, whose
 * CRYPTO frames carry the same messages without records (RFC 9001 §4).
 */
import { X509Certificate } from 'node:crypto';
import { safeText } from '../../bytes/safe-text.js';
import { Anomaly } from '../../decode/anomalies.js';
import type { Dir } from '../../flow/hooks.js';
import type { AppEvent } from '../types.js';
import { type ClientHelloInfo, offeredVersions, parseCertificateList, parseClientHello, parseServerHello } from './hello.js';
import { alertLevelName, alertName, cipherSuiteName, HandshakeType, handshakeName, hex4, versionName } from './names.js';

/** Largest ClientHello/ServerHello body kept for parsing (a post-quantum ClientHello is ~2 KB). */
export const MAX_HELLO_BYTES = 64 * 1024;
/** Largest Certificate body kept (long chains run to 10–20 KB). */
export const MAX_CERTIFICATE_BYTES = 256 * 1024;
const HEADER_LEN = 4;

export interface CipherSuite {
  name: string;
  /** "0x1301" */
  hex: string;
}

/** What a TLS connection revealed; strings are already neutralised. */
export interface TlsSummary {
  /** Negotiated version ("TLS1.3"), '' until a ServerHello is seen. */
  version: string;
  /** Versions the client offered, best first, GREASE left out. */
  versionsOffered: string[];
  sni: string;
  alpnOffered: string[];
  /** ALPN chosen by the server; '' when not chosen or not visible (TLS 1.3 sends it encrypted). */
  alpn: string;
  cipherSuite: CipherSuite | null;
  /** Number of suites the client offered (GREASE included, as tshark counts). */
  cipherSuiteCount: number;
  certificateSeen: boolean;
  /** Number of certificates in the chain and the leaf's subject CN, when a TLS ≤1.2 Certificate was seen. */
  certificateCount: number;
  certificateSubject: string;
  /** "fatal handshake_failure", "encrypted" for alerts sent after ChangeCipherSpec. */
  alerts: string[];
  /** true: abbreviated handshake / PSK accepted; false: full handshake; null: cannot tell (yet). */
  resumed: boolean | null;
  helloRetryRequest: boolean;
  /** Frame numbers of the hellos, or 0. */
  clientHelloFrame: number;
  serverHelloFrame: number;
  /** Application data records seen, per direction. */
  applicationData: [number, number];
  label(): string;
}

/** Where complete handshake messages go: `body` is null for messages not kept (skipped or over the cap). */
export interface HandshakeSink {
  message(dir: Dir, type: number, body: Uint8Array | null, offset: number, length: number, frameNumber: number): void;
}

/**
 * One direction's handshake byte stream → messages. Resumes anywhere, even
 * inside the 4-byte message header; owns a copy only of the bodies it keeps.
 */
export class HandshakeReader {
  private readonly hdr = new Uint8Array(HEADER_LEN);
  private hdrHave = 0;
  private type = 0;
  private msgLen = 0;
  private have = 0;
  private body: Uint8Array | null = null;

  constructor(private readonly dir: Dir, private readonly sink: HandshakeSink) {}

  /** True between messages (no partial header or body buffered). */
  get idle(): boolean { return this.hdrHave === 0; }

  reset(): void {
    this.hdrHave = 0;
    this.body = null;
    this.have = 0;
  }

  push(b: Uint8Array, offset: number, length: number, frameNumber: number): void {
    let p = offset;
    const end = offset + length;
    while (p < end) {
      if (this.hdrHave < HEADER_LEN) {
        // Fast path: a whole message inside this push is parsed in place, no copy.
        if (this.hdrHave === 0 && end - p >= HEADER_LEN) {
          const type = b[p]!;
          const len = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
          if (end - p - HEADER_LEN >= len) {
            this.sink.message(this.dir, type, keeps(type, len) ? b : null, p + HEADER_LEN, len, frameNumber);
            p += HEADER_LEN + len;
            continue;
          }
        }
        const take = Math.min(HEADER_LEN - this.hdrHave, end - p);
        this.hdr.set(b.subarray(p, p + take), this.hdrHave);
        this.hdrHave += take;
        p += take;
        if (this.hdrHave < HEADER_LEN) return;
        this.type = this.hdr[0]!;
        this.msgLen = (this.hdr[1]! << 16) | (this.hdr[2]! << 8) | this.hdr[3]!;
        this.have = 0;
        // Copy kept bodies; the caller's buffer is only valid for this call.
        this.body = keeps(this.type, this.msgLen) ? new Uint8Array(this.msgLen) : null;
        if (this.msgLen === 0) { this.complete(frameNumber); continue; }
      }
      const take = Math.min(this.msgLen - this.have, end - p);
      if (this.body) this.body.set(b.subarray(p, p + take), this.have);
      this.have += take;
      p += take;
      if (this.have === this.msgLen) this.complete(frameNumber);
    }
  }

  private complete(frameNumber: number): void {
    const body = this.body;
    this.body = null;
    this.hdrHave = 0;
    this.sink.message(this.dir, this.type, body, 0, this.msgLen, frameNumber);
  }
}

function keeps(type: number, len: number): boolean {
  if (type === HandshakeType.client_hello || type === HandshakeType.server_hello) return len <= MAX_HELLO_BYTES;
  if (type === HandshakeType.certificate) return len <= MAX_CERTIFICATE_BYTES;
  return false;
}

class Summary implements TlsSummary {
  version = '';
  versionCode = -1;
  versionsOffered: string[] = [];
  sni = '';
  alpnOffered: string[] = [];
  alpn = '';
  cipherSuite: CipherSuite | null = null;
  cipherSuiteCount = 0;
  certificateSeen = false;
  certificateCount = 0;
  certificateSubject = '';
  alerts: string[] = [];
  resumed: boolean | null = null;
  helloRetryRequest = false;
  clientHelloFrame = 0;
  serverHelloFrame = 0;
  applicationData: [number, number] = [0, 0];
  sslv2Hello = false;

  label(): string {
    const parts: string[] = [this.version || (this.sslv2Hello ? 'SSLv2' : 'TLS')];
    if (this.alpn) parts.push(this.alpn);
    // TLS 1.3 sends the server's ALPN choice in EncryptedExtensions: what we show is the
    // client's first preference, marked as inferred.
    else if (this.versionCode === 0x0304 && this.alpnOffered[0]) parts.push(this.alpnOffered[0] + '?');
    if (this.sni) parts.push(this.sni);
    return parts.join(' ');
  }
}

/** Names for events: "TLS" over TCP; QUIC carries the same handshake in CRYPTO frames. */
export interface SessionOptions {
  transport: 'tcp' | 'udp';
  proto: string;
  /** Prepended to handshake event texts ("Initial: "). */
  prefix?: string;
}

/**
 * Per-connection handshake state and summary. Call `message()` (through a
 * HandshakeReader) with complete messages; read `summary`.
 */
export class TlsSession implements HandshakeSink {
  readonly summary = new Summary();
  /** Set once a TLS 1.3 (or draft) ServerHello is seen: from then on every record is protected. */
  tls13 = false;
  private clientSessionId = '';
  private clientOfferedTicket = false;
  private serverHelloDone = false;

  constructor(
    readonly connId: number,
    private readonly emitFn: (ev: AppEvent) => void,
    private readonly opts: SessionOptions = { transport: 'tcp', proto: 'TLS' },
  ) {}

  emit(dir: Dir, frameNumber: number, text: string, anomaly?: AppEvent['anomaly']): void {
    const ev: AppEvent = { frameNumber, transport: this.opts.transport, connId: this.connId, dir, proto: this.opts.proto, text };
    if (anomaly !== undefined) ev.anomaly = anomaly;
    this.emitFn(ev);
  }

  message(dir: Dir, type: number, body: Uint8Array | null, offset: number, length: number, frameNumber: number): void {
    const pre = this.opts.prefix ?? '';
    switch (type) {
      case HandshakeType.client_hello:
        if (!body) { this.tooLarge(dir, frameNumber, pre, type, length); return; }
        this.clientHello(dir, body, offset, length, frameNumber, pre);
        return;
      case HandshakeType.server_hello:
        if (!body) { this.tooLarge(dir, frameNumber, pre, type, length); return; }
        this.serverHello(dir, body, offset, length, frameNumber, pre);
        return;
      case HandshakeType.certificate:
        this.certificate(dir, body, offset, length, frameNumber, pre);
        return;
      case HandshakeType.server_hello_done:
        this.serverHelloDone = true;
        break;
    }
    this.emit(dir, frameNumber, pre + handshakeName(type));
  }

  private tooLarge(dir: Dir, frameNumber: number, pre: string, type: number, length: number): void {
    this.emit(dir, frameNumber, `${pre}${handshakeName(type)} of ${length} bytes not parsed (limit ${MAX_HELLO_BYTES})`, Anomaly.app_limit);
  }

  private clientHello(dir: Dir, b: Uint8Array, o: number, n: number, frameNumber: number, pre: string): void {
    const ch = parseClientHello(b, o, n);
    const s = this.summary;
    if (!s.clientHelloFrame) s.clientHelloFrame = frameNumber;
    s.sni = safeText(ch.sni);
    s.alpnOffered = ch.alpn.map(safeText);
    s.cipherSuiteCount = ch.cipherSuites.length;
    s.versionsOffered = offeredVersions(ch).map(versionName);
    this.clientSessionId = ch.sessionId;
    this.clientOfferedTicket = ch.ticketOffered || ch.pskOffered;
    this.emit(dir, frameNumber, pre + describeClientHello(ch, s), ch.error ? Anomaly.app_parse_error : undefined);
  }

  private serverHello(dir: Dir, b: Uint8Array, o: number, n: number, frameNumber: number, pre: string): void {
    const sh = parseServerHello(b, o, n);
    const s = this.summary;
    const version = sh.selectedVersion >= 0 ? sh.selectedVersion : sh.legacyVersion;
    const suite = sh.cipherSuite >= 0 ? { name: cipherSuiteName(sh.cipherSuite), hex: hex4(sh.cipherSuite) } : null;
    let text: string;
    if (sh.helloRetryRequest) {
      s.helloRetryRequest = true;
      text = `HelloRetryRequest ${versionName(version)}${suite ? ' ' + suite.name : ''}`;
    } else {
      if (!s.serverHelloFrame) s.serverHelloFrame = frameNumber;
      s.versionCode = version;
      s.version = version >= 0 ? versionName(version) : '';
      s.cipherSuite = suite;
      s.alpn = safeText(sh.alpn);
      this.tls13 = version === 0x0304 || (version & 0xff00) === 0x7f00;
      if (this.tls13) s.resumed = sh.pskAccepted;
      else if (sh.sessionId !== '' && sh.sessionId === this.clientSessionId) s.resumed = true;
      text = `ServerHello ${s.version}${suite ? ' ' + suite.name : ''}${s.alpn ? ' ALPN=' + s.alpn : ''}`;
      if (s.resumed) text += ' (resumed)';
      if (this.tls13) text += ', rest of the handshake encrypted';
    }
    if (sh.error) text += ` (malformed: ${sh.error})`;
    this.emit(dir, frameNumber, pre + text, sh.error ? Anomaly.app_parse_error : undefined);
  }

  private certificate(dir: Dir, b: Uint8Array | null, o: number, n: number, frameNumber: number, pre: string): void {
    const s = this.summary;
    s.certificateSeen = true;
    if (!b) {
      this.emit(dir, frameNumber, `${pre}Certificate (${n} bytes, not parsed: limit ${MAX_CERTIFICATE_BYTES})`, Anomaly.app_limit);
      return;
    }
    const info = parseCertificateList(b, o, n);
    s.certificateCount = info.count;
    let text = `${pre}Certificate (${info.count} cert${info.count === 1 ? '' : 's'}`;
    if (info.leafOffset >= 0) {
      const cn = leafSubjectCn(b, info.leafOffset, info.leafLength);
      if (cn) { s.certificateSubject = cn; text += `, CN=${cn}`; }
    }
    text += ')';
    if (info.error) text += ` (malformed: ${info.error})`;
    this.emit(dir, frameNumber, text, info.error ? Anomaly.app_parse_error : undefined);
  }

  /** TLS ≤1.2: a server ChangeCipherSpec right after ServerHello (no Certificate, no ServerHelloDone) is an abbreviated handshake. */
  serverChangeCipherSpec(): void {
    const s = this.summary;
    if (this.tls13 || !s.serverHelloFrame) return;
    if (s.resumed === null) s.resumed = !s.certificateSeen && !this.serverHelloDone && (this.clientOfferedTicket || this.clientSessionId !== '');
  }

  alert(dir: Dir, frameNumber: number, level: number, desc: number): void {
    const a = `${alertLevelName(level)} ${alertName(desc)}`;
    this.summary.alerts.push(a);
    this.emit(dir, frameNumber, 'Alert ' + a);
  }
}

function describeClientHello(ch: ClientHelloInfo, s: TlsSummary): string {
  let t = 'ClientHello';
  if (s.sni) t += ' SNI=' + s.sni;
  if (s.alpnOffered.length) t += ' ALPN=' + s.alpnOffered.join(',');
  t += ` (${ch.cipherSuites.length} suites`;
  if (ch.supportedVersions.length) t += ', versions ' + s.versionsOffered.join(',');
  else if (ch.legacyVersion >= 0) t += ', ' + versionName(ch.legacyVersion);
  t += ')';
  if (ch.error) t += ` (malformed: ${ch.error})`;
  return t;
}

/** The leaf certificate's subject CN through Node's X.509 parser; '' when it cannot be read. */
function leafSubjectCn(b: Uint8Array, o: number, n: number): string {
  try {
    const cert = new X509Certificate(Buffer.from(b.buffer, b.byteOffset + o, n));
    const line = cert.subject.split('\n').find((l) => l.startsWith('CN='));
    return line ? safeText(line.slice(3)) : '';
  } catch {
    // Not DER we can read: the Certificate message is still reported, without a name.
    return '';
  }
}

