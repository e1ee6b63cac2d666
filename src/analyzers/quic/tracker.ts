/**
 * QUIC over UDP, per flow: packet headers of every datagram, Initial
 * packets decrypted with their public keys (initial.ts) so that the TLS
 * ClientHello/ServerHello in their CRYPTO frames are read by the same code
 * as TLS over TCP, everything else reported as encrypted.
 *
 * Events: one per datagram that holds a long-header packet ("Initial v1
 * DCID=… SCID=…: CRYPTO, PADDING + Handshake v1 … (encrypted)"), one for the
 * first short-header (1-RTT) packet of each direction; later 1-RTT packets
 * are only counted. The handshake messages follow as their own events
 * ("ClientHello SNI=… ALPN=h3 …").
 *
 * Limits: CRYPTO data kept out of order up to MAX_CRYPTO_BUFFER bytes per
 * direction; flows tracked up to MAX_FLOWS (oldest dropped first).
 */
import { Anomaly } from '../../decode/anomalies.js';
import type { Dir } from '../../flow/hooks.js';
import { HandshakeReader, TlsSession, type TlsSummary } from '../tls/handshake.js';
import type { AppEvent } from '../types.js';
import { parseQuicLongHeader, type QuicLongHeader, quicVersionName, splitQuicDatagram } from './header.js';
import { decryptInitial, type InitialKeys, initialKeys, readInitialFrames } from './initial.js';

export const MAX_CRYPTO_BUFFER = 64 * 1024;
export const MAX_FLOWS = 100_000;
const HTTP3_PORT = 443;

/** What a QUIC flow revealed. */
export interface QuicSummary {
  /** Version of the first long-header packet ("v1"), '' if none seen. */
  version: string;
  /** Connection ids of the client's first Initial packet. */
  dcid: string;
  scid: string;
  /** Long-header packets by type name, and short-header (1-RTT) packets per direction. */
  packets: Record<string, number>;
  shortPackets: [number, number];
  /** Initial packets that could not be decrypted. */
  undecryptable: number;
  /** The TLS handshake seen in Initial packets (SNI, ALPN offered, ServerHello version and suite). */
  tls: TlsSummary;
  label(): string;
}

/** Contiguous delivery of one direction's CRYPTO stream (Initial packet number space). */
class CryptoStream {
  delivered = 0;
  private readonly pending = new Map<number, Uint8Array>();
  private pendingBytes = 0;
  private readonly ready: Uint8Array[] = [];

  /** Stores a CRYPTO frame's data (copied). Returns false when over the buffer limit. */
  add(off: number, b: Uint8Array, o: number, n: number): boolean {
    if (off + n <= this.delivered || n === 0) return true; // already delivered (retransmission)
    if (off <= this.delivered) {
      const skip = this.delivered - off;
      this.ready.push(b.slice(o + skip, o + n));
      this.delivered = off + n;
      this.drain();
      return true;
    }
    if (this.pendingBytes + n > MAX_CRYPTO_BUFFER) return false;
    if (!this.pending.has(off)) { this.pending.set(off, b.slice(o, o + n)); this.pendingBytes += n; }
    return true;
  }

  private drain(): void {
    for (let moved = true; moved;) {
      moved = false;
      for (const [off, data] of this.pending) {
        if (off > this.delivered) continue;
        this.pending.delete(off);
        this.pendingBytes -= data.length;
        if (off + data.length > this.delivered) {
          this.ready.push(data.subarray(this.delivered - off));
          this.delivered = off + data.length;
        }
        moved = true;
      }
    }
  }

  /** Hands contiguous data to `fn` and forgets it. */
  flush(fn: (b: Uint8Array) => void): void {
    for (const c of this.ready) fn(c);
    this.ready.length = 0;
  }
}

class QuicFlow implements QuicSummary {
  version = '';
  dcid = '';
  scid = '';
  packets: Record<string, number> = {};
  shortPackets: [number, number] = [0, 0];
  undecryptable = 0;
  readonly session: TlsSession;
  readonly readers: [HandshakeReader, HandshakeReader];
  readonly crypto: [CryptoStream, CryptoStream] = [new CryptoStream(), new CryptoStream()];
  keys: InitialKeys | null = null;
  keysVersion = 0;
  /** Direction of the client (sender of the first Initial), -1 until known. */
  clientDir: Dir | -1 = -1;
  readonly largestPn: [number, number] = [-1, -1];
  cryptoLimitSaid = false;
  constructor(flowId: number, emit: (ev: AppEvent) => void, readonly port443: boolean) {
    this.session = new TlsSession(flowId, emit, { transport: 'udp', proto: 'QUIC' });
    this.readers = [new HandshakeReader(0, this.session), new HandshakeReader(1, this.session)];
  }
  get tls(): TlsSummary { return this.session.summary; }
  label(): string {
    const s = this.session.summary;
    const h3 = this.port443 || s.alpnOffered.some((a) => a === 'h3' || a.startsWith('h3-'));
    return [h3 ? 'HTTP3' : 'QUIC', s.sni].filter(Boolean).join(' ');
  }
}

export class QuicTracker {
  private readonly flows = new Map<number, QuicFlow>();

  constructor(private readonly emitFn: (ev: AppEvent) => void) {}

  /** Summary of a flow, if any datagram of it was seen. */
  flow(flowId: number): QuicSummary | undefined { return this.flows.get(flowId); }

  /** "HTTP3 www.example.com", "QUIC", or '' for a flow never seen. */
  label(flowId: number): string { return this.flows.get(flowId)?.label() ?? ''; }

  /** Forget a flow (expired). */
  end(flowId: number): void { this.flows.delete(flowId); }

  udp(flowId: number, dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, _time: number, srcPort: number, dstPort: number): void {
    let f = this.flows.get(flowId);
    if (!f) {
      if (this.flows.size >= MAX_FLOWS) this.flows.delete(this.flows.keys().next().value as number);
      f = new QuicFlow(flowId, this.emitFn, srcPort === HTTP3_PORT || dstPort === HTTP3_PORT);
      this.flows.set(flowId, f);
    }
    // Fast path for the bulk of a connection: a lone short-header (1-RTT) packet is only counted.
    if (length > 0 && (buf[offset]! & 0x80) === 0 && buf[offset] !== 0 && f.shortPackets[dir] > 0) {
      f.shortPackets[dir]++;
      return;
    }
    const parts: string[] = [];
    let anomaly: AppEvent['anomaly'];
    let sayShort = false;
    for (const pkt of splitQuicDatagram(buf, offset, length)) {
      const h = pkt.long;
      if (!h) {
        f.shortPackets[dir]++;
        if (f.shortPackets[dir] === 1) { parts.push('1-RTT (short header, encrypted)'); sayShort = true; }
        continue;
      }
      f.packets[h.packetType] = (f.packets[h.packetType] ?? 0) + 1;
      if (!f.version && h.version !== 0) f.version = h.versionName;
      if (h.error && !h.truncated) anomaly = Anomaly.app_parse_error;
      parts.push(this.longPacket(f, dir, buf, pkt.offset, h, frameNumber));
    }
    if (parts.length === 0) {
      if (length > 0 && (buf[offset]! & 0x80) !== 0 && !parseQuicLongHeader(buf, offset, length)) {
        parts.push(`packet too short for a long header (${length} bytes)`);
        anomaly = Anomaly.app_parse_error;
      } else return;
    }
    if (sayShort && parts.length === 1) parts[0] += ` (later ones counted, not shown)`;
    const ev: AppEvent = { frameNumber, transport: 'udp', connId: flowId, dir, proto: 'QUIC', text: parts.join(' + ') };
    if (anomaly !== undefined) ev.anomaly = anomaly;
    this.emitFn(ev);
    // Handshake messages completed by this datagram's CRYPTO frames come after the packet event.
    for (const d of [0, 1] as const) f.crypto[d].flush((b) => f.readers[d].push(b, 0, b.length, frameNumber));
  }

  private longPacket(f: QuicFlow, dir: Dir, buf: Uint8Array, at: number, h: QuicLongHeader, frameNumber: number): string {
    const ids = `DCID=${h.dcid || '-'}${h.scidLength ? ' SCID=' + h.scid : ''}`;
    if (h.packetType === 'Version Negotiation') {
      return `Version Negotiation ${ids}: ${h.supportedVersions.map(quicVersionName).join(', ')}${h.error ? ` (malformed: ${h.error})` : ''}`;
    }
    const head = `${h.packetType} ${h.versionName} ${ids}`;
    if (h.error) return `${head} (${h.truncated ? 'truncated' : 'malformed'}: ${h.error})`;
    if (h.packetType === 'Retry') {
      // §17.2.5: the client's next Initial uses a new DCID, so new Initial keys.
      f.keys = null;
      return `${head}, token ${h.tokenLength} bytes`;
    }
    if (h.packetType !== 'Initial') return `${head} (encrypted)`;
    if (f.clientDir === -1) {
      f.clientDir = dir;
      f.dcid = h.dcid;
      f.scid = h.scid;
    }
    const isClient = dir === f.clientDir;
    const token = h.tokenLength > 0 ? `, token ${h.tokenLength} bytes` : '';
    // Keys come from the DCID of the client's first Initial (RFC 9001 §5.2); a client Initial that
    // does not decrypt with them starts over (a new connection on the same ports, or after Retry).
    let dec = null;
    if (f.keys && f.keysVersion === h.version) dec = decryptInitial(buf, at, h, isClient ? f.keys.client : f.keys.server, f.largestPn[dir]);
    if (!dec && isClient) {
      const keys = initialKeys(h.version, buf.subarray(at + h.dcidOffset, at + h.dcidOffset + h.dcidLength));
      if (keys) {
        dec = decryptInitial(buf, at, h, keys.client, f.largestPn[dir]);
        if (dec) { f.keys = keys; f.keysVersion = h.version; }
      }
    }
    if (!dec) {
      f.undecryptable++;
      return `${head}${token} (encrypted)`;
    }
    if (dec.packetNumber > f.largestPn[dir]) f.largestPn[dir] = dec.packetNumber;
    const frames = readInitialFrames(dec.payload, (off, b, o, n) => {
      if (!f.crypto[dir].add(off, b, o, n) && !f.cryptoLimitSaid) {
        f.cryptoLimitSaid = true;
        this.emitFn({ frameNumber, transport: 'udp', connId: f.session.connId, dir, proto: 'QUIC', text: `CRYPTO data out of order beyond ${MAX_CRYPTO_BUFFER} bytes: not reassembled`, anomaly: Anomaly.app_limit });
      }
    });
    let text = `${head}${token} pn ${dec.packetNumber}: ${frames.names.join(', ') || 'no frames'}`;
    if (frames.close) text += ` (${frames.close})`;
    if (frames.error) text += ` (malformed: ${frames.error})`;
    return text;
  }
}
