import { describe, expect, it } from 'vitest';
import {
  initialKeys, looksLikeQuic, parseQuicLongHeader, QuicTracker, readInitialFrames, splitQuicDatagram,
} from '../../../src/analyzers/quic/index.js';
import { decodePacketNumber, hkdfExpandLabel } from '../../../src/analyzers/quic/initial.js';
import type { AppEvent } from '../../../src/analyzers/types.js';
import { Anomaly } from '../../../src/decode/anomalies.js';
import { QUIC_GOOGLE, QUIC_LOCALHOST, type QuicVector } from './vectors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

function replay(vs: QuicVector[], mutate?: (b: Uint8Array, v: QuicVector) => Uint8Array): { events: AppEvent[]; t: QuicTracker } {
  const events: AppEvent[] = [];
  const t = new QuicTracker((e) => events.push(e));
  const client = vs[0]!.srcPort;
  for (const v of vs) {
    let b = hex(v.hex);
    if (mutate) b = mutate(b, v);
    t.udp(0, v.srcPort === client ? 0 : 1, b, 0, b.length, v.frame, 0, v.srcPort, v.dstPort);
  }
  return { events, t };
}

describe('long headers agree with tshark (quic.long.packet_type, quic.version)', () => {
  for (const [name, vs] of [['tcpdump-quic_handshake.pcap', QUIC_LOCALHOST], ['zeek-quic-curl…www-google-de.pcap', QUIC_GOOGLE]] as const) {
    it(name, () => {
      for (const v of vs) {
        const b = hex(v.hex);
        const longs = splitQuicDatagram(b, 0, b.length).filter((p) => p.long).map((p) => p.long!);
        expect({ frame: v.frame, types: longs.map((h) => h.typeCode).join(','), versions: longs.map((h) => '0x' + h.version.toString(16).padStart(8, '0')).join(',') })
          .toEqual({ frame: v.frame, types: v.types, versions: v.versions });
      }
    });
  }

  it('claims datagrams with a QUIC long header, and only those', () => {
    for (const v of [...QUIC_LOCALHOST, ...QUIC_GOOGLE]) {
      const b = hex(v.hex);
      expect(looksLikeQuic(b, 0, b.length)).toBe(v.types !== '');
    }
  });

  it('reads the connection ids tcpdump prints', () => {
    // tcpdump: 1 "quic, initial, dcid 84acac06b42ed863, length 1182"; 2 "quic, initial, scid 51d1e44dc57a579e, length 116".
    const h1 = parseQuicLongHeader(hex(QUIC_LOCALHOST[0]!.hex), 0, QUIC_LOCALHOST[0]!.hex.length / 2)!;
    expect([h1.packetType, h1.dcid, h1.scid, h1.payloadLength]).toEqual(['Initial', '84acac06b42ed863', '', 1182]);
    const h2 = parseQuicLongHeader(hex(QUIC_LOCALHOST[1]!.hex), 0, QUIC_LOCALHOST[1]!.hex.length / 2)!;
    expect([h2.packetType, h2.scid, h2.payloadLength]).toEqual(['Initial', '51d1e44dc57a579e', 116]);
  });
});

describe('Initial packets decrypted with the public Initial keys', () => {
  it('reads SNI and ALPN as tshark does (tcpdump-quic_handshake.pcap)', () => {
    const { events, t } = replay(QUIC_LOCALHOST);
    const s = t.flow(0)!;
    expect(s.tls.sni).toBe(QUIC_LOCALHOST[0]!.sni);
    expect(s.tls.alpnOffered.join(',')).toBe(QUIC_LOCALHOST[0]!.alpn);
    expect(s.tls.version).toBe('TLS1.3');
    expect(t.label(0)).toBe('HTTP3 localhost');
    expect(events.map((e) => `${e.frameNumber} ${e.text}`)).toEqual([
      '1 Initial v1 DCID=84acac06b42ed863 pn 0: CRYPTO, PADDING',
      '1 ClientHello SNI=localhost ALPN=h3 (4 suites, versions TLS1.3)',
      '2 Initial v1 DCID=- SCID=51d1e44dc57a579e pn 0: CRYPTO, ACK',
      '2 ServerHello TLS1.3 TLS_AES_128_GCM_SHA256, rest of the handshake encrypted',
      '3 Handshake v1 DCID=- SCID=51d1e44dc57a579e (encrypted)',
      '4 Handshake v1 DCID=- SCID=51d1e44dc57a579e (encrypted)',
      '5 Initial v1 DCID=51d1e44dc57a579e pn 1: ACK, PADDING',
      '6 Handshake v1 DCID=51d1e44dc57a579e (encrypted)',
      '7 Handshake v1 DCID=51d1e44dc57a579e (encrypted)',
      '8 Handshake v1 DCID=- SCID=51d1e44dc57a579e (encrypted)',
      '9 1-RTT (short header, encrypted) (later ones counted, not shown)',
      '11 1-RTT (short header, encrypted) (later ones counted, not shown)',
    ]);
    expect(s.shortPackets).toEqual([5, 5]);
  });

  it('reads SNI and ALPN as tshark does (zeek-quic-curl-8.1.2-dev-http3-www-google-de.pcap)', () => {
    const { t } = replay(QUIC_GOOGLE);
    const s = t.flow(0)!;
    expect(s.tls.sni).toBe('www.google.de');
    expect(s.tls.alpnOffered.join(',')).toBe(QUIC_GOOGLE[0]!.alpn);
    expect(s.tls.cipherSuite?.name).toBe('TLS_AES_128_GCM_SHA256');
    expect(t.label(0)).toBe('HTTP3 www.google.de');
  });

  it('derives the RFC 9001 appendix A.1 keys', () => {
    // RFC 9001 A.1: DCID 0x8394c8f03e515708.
    const k = initialKeys(1, hex('8394c8f03e515708'))!;
    expect(k.client.key.toString('hex')).toBe('1f369613dd76d5467730efcbe3b1a22d');
    expect(k.client.iv.toString('hex')).toBe('fa044b2f42a3fd3b46fb255c');
    expect(k.client.hp.toString('hex')).toBe('9f50449e04a0e810283a1e9933adedd2');
    expect(k.server.key.toString('hex')).toBe('cf3a5331653c364c88f0f379b6067e37');
    expect(k.server.iv.toString('hex')).toBe('0ac1493ca1905853b0bba03e');
    expect(k.server.hp.toString('hex')).toBe('c206b8d9b9f0f37644430b490eeaa314');
    expect(hkdfExpandLabel(Buffer.alloc(32), 'x', 1)).toHaveLength(1);
  });

  it('decodes packet numbers as RFC 9000 appendix A.3 shows', () => {
    // A.3: largest 0xa82f30ea, truncated 0x9b32 (16 bits) → 0xa82f9b32.
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
    expect(decodePacketNumber(-1, 0, 8)).toBe(0);
  });

  it('leaves a corrupted Initial encrypted and goes on', () => {
    const { events, t } = replay(QUIC_LOCALHOST, (b, v) => { if (v.frame === 1) b[b.length - 1]! ^= 1; return b; });
    expect(events[0]!.text).toBe('Initial v1 DCID=84acac06b42ed863 (encrypted)');
    // The server's Initial then has no keys, and the client's second Initial (DCID = server's SCID) cannot give them.
    expect(t.flow(0)!.undecryptable).toBe(3);
    expect(t.flow(0)!.tls.sni).toBe('');
  });

  it('gives the same handshake when the client Initial CRYPTO arrives in pieces', () => {
    const seen: Array<[number, number]> = [];
    const frames = readInitialFrames(Uint8Array.from([0x06, 0x00, 0x03, 1, 2, 3, 0x00, 0x00, 0x01]), (off, _b, _o, n) => seen.push([off, n]));
    expect(frames).toEqual({ names: ['CRYPTO', 'PADDING', 'PING'], error: '', close: '' });
    expect(seen).toEqual([[0, 3]]);
    expect(readInitialFrames(Uint8Array.from([0x06, 0x00, 0x40, 0xff]), () => {}).error).toMatch(/CRYPTO length 255 exceeds/);
    expect(readInitialFrames(Uint8Array.from([0x08]), () => {}).error).toMatch(/not allowed in an Initial/);
  });
});

describe('malformed and odd packets', () => {
  it('rejects CIDs longer than 20 bytes in v1 and never throws on any truncation', () => {
    const b = Uint8Array.from([0xc0, 0, 0, 0, 1, 21, ...new Array(30).fill(0)]);
    expect(parseQuicLongHeader(b, 0, b.length)!.error).toBe('DCID length 21 > 20');
    expect(looksLikeQuic(b, 0, b.length)).toBe(false);
    const events: AppEvent[] = [];
    new QuicTracker((e) => events.push(e)).udp(1, 0, b, 0, b.length, 1, 0, 1, 2);
    expect(events[0]!.anomaly).toBe(Anomaly.app_parse_error);
    const init = hex(QUIC_GOOGLE[0]!.hex);
    for (let n = 0; n <= init.length; n += 1) {
      expect(() => new QuicTracker(() => {}).udp(0, 0, init, 0, n, 1, 0, 1, 443)).not.toThrow();
    }
  });

  it('reads Version Negotiation and Retry', () => {
    // §17.2.1: first byte with the form bit, version 0, CIDs, then supported versions.
    const vn = Uint8Array.from([0x80, 0, 0, 0, 0, 1, 0xaa, 1, 0xbb, 0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf]);
    const h = parseQuicLongHeader(vn, 0, vn.length)!;
    expect([h.packetType, h.supportedVersions]).toEqual(['Version Negotiation', [1, 0x6b3343cf]]);
    const events: AppEvent[] = [];
    new QuicTracker((e) => events.push(e)).udp(0, 1, vn, 0, vn.length, 1, 0, 443, 5000);
    expect(events[0]!.text).toBe('Version Negotiation DCID=aa SCID=bb: v1, v2');
    const retry = Uint8Array.from([0xf0, 0, 0, 0, 1, 0, 2, 1, 2, 9, 9, 9, ...new Array(16).fill(0)]);
    expect(parseQuicLongHeader(retry, 0, retry.length)).toMatchObject({ packetType: 'Retry', tokenLength: 3, scid: '0102' });
  });

  it('maps QUIC v2 type bits (RFC 9369 §3.2)', () => {
    // v2: Initial is 0b01. Empty CIDs, token length 0, Length 1, one packet number byte.
    const b = Uint8Array.from([0xd0, 0x6b, 0x33, 0x43, 0xcf, 0, 0, 0, 1, 0]);
    expect(parseQuicLongHeader(b, 0, b.length)).toMatchObject({ packetType: 'Initial', typeCode: 0, versionName: 'v2', payloadLength: 1, packetLength: 10 });
  });
});
