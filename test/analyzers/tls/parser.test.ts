import { describe, expect, it } from 'vitest';
import { TlsParser, looksLikeTls, MAX_RECORD_LENGTH } from '../../../src/analyzers/tls/index.js';
import type { AppEvent } from '../../../src/analyzers/types.js';
import { Anomaly } from '../../../src/decode/anomalies.js';
import { TLS12_ALPN_H2, TLS12_FULL, TLS13_KYBER, type TcpVector } from './vectors.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** The client is the side that sent the first vector (a ClientHello in every vector set). */
function replay(vs: TcpVector[], split?: { frame: number; at: number }): { events: AppEvent[]; p: TlsParser } {
  const events: AppEvent[] = [];
  const p = new TlsParser(7, (e) => events.push(e));
  const client = vs[0]!.srcPort;
  for (const v of vs) {
    const b = hex(v.hex);
    const dir = v.srcPort === client ? 0 : 1;
    if (split && split.frame === v.frame) {
      p.push(dir, b, 0, split.at, v.frame, 0);
      p.push(dir, b, split.at, b.length - split.at, v.frame, 0);
    } else {
      p.push(dir, b, 0, b.length, v.frame, 0);
    }
  }
  return { events, p };
}

/** Feeds each direction one byte per push (every boundary at once), frames kept. */
function replayBytewise(vs: TcpVector[]): AppEvent[] {
  const events: AppEvent[] = [];
  const p = new TlsParser(7, (e) => events.push(e));
  const client = vs[0]!.srcPort;
  for (const v of vs) {
    const b = hex(v.hex);
    for (let i = 0; i < b.length; i++) p.push(v.srcPort === client ? 0 : 1, b, i, 1, v.frame, 0);
  }
  return events;
}

const lines = (evs: AppEvent[]) => evs.map((e) => `${e.frameNumber} ${e.dir} ${e.text}`);

describe('TLS 1.2 with ALPN h2 (arkime-tls-alpn-h2.pcap)', () => {
  // tshark: frame 4 Client Hello SNI www.cloudflare.com, ALPN h2,http/1.1, cipher_suites_length 92;
  // frame 6 Server Hello 0x0303 suite 0xcca9 ALPN h2; frame 7 Certificate (2 certs, 1555 + 1004 bytes);
  // frame 9 Server Key Exchange, Server Hello Done. Leaf subject (x509sat fields): CN cloudflare.com.
  it('reports what tshark reports', () => {
    const { events, p } = replay(TLS12_ALPN_H2);
    expect(lines(events)).toEqual([
      '4 0 ClientHello SNI=www.cloudflare.com ALPN=h2,http/1.1 (46 suites, TLS1.2)',
      '6 1 ServerHello TLS1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 ALPN=h2',
      '7 1 Certificate (2 certs, CN=cloudflare.com)',
      '9 1 ServerKeyExchange',
      '9 1 ServerHelloDone',
    ]);
    const s = p.summary;
    expect(s.sni).toBe('www.cloudflare.com');
    expect(s.alpnOffered).toEqual(['h2', 'http/1.1']);
    expect(s.alpn).toBe('h2');
    expect(s.cipherSuite).toEqual({ name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', hex: '0xcca9' });
    expect(s.cipherSuiteCount).toBe(46);
    expect(s.certificateSeen).toBe(true);
    expect(s.certificateCount).toBe(2);
    expect(p.label()).toBe('TLS1.2 h2 www.cloudflare.com');
    expect(events.every((e) => e.proto === 'TLS' && e.transport === 'tcp' && e.connId === 7)).toBe(true);
  });

  it('gives the same events when any frame is cut at any byte', () => {
    const whole = lines(replay(TLS12_ALPN_H2).events);
    for (const v of TLS12_ALPN_H2) {
      const n = v.hex.length / 2;
      for (let at = 0; at <= n; at++) expect(lines(replay(TLS12_ALPN_H2, { frame: v.frame, at }).events)).toEqual(whole);
    }
  });

  it('gives the same events fed one byte at a time', () => {
    expect(lines(replayBytewise(TLS12_ALPN_H2))).toEqual(lines(replay(TLS12_ALPN_H2).events));
  });
});

describe('TLS 1.2 full handshake (zeek-tls-tls12-decryption.pcap)', () => {
  // tshark: frame 4 Client Hello (supported_versions 0x0304,0x0303; one suite 0xc030), frame 6 Server Hello
  // (0xc030, ALPN http/1.1), Certificate, Server Key Exchange, Server Hello Done; frame 8 Client Key Exchange,
  // Change Cipher Spec, Encrypted Handshake Message; frame 9 New Session Ticket, Change Cipher Spec, Encrypted
  // Handshake Message; 10, 11 Application Data; 13 Encrypted Alert. Leaf subject (x509sat fields): CN heise.de.
  it('walks the whole handshake', () => {
    const { events, p } = replay(TLS12_FULL);
    expect(lines(events)).toEqual([
      '4 0 ClientHello SNI=heise.de ALPN=h2,http/1.1 (1 suites, versions TLS1.3,TLS1.2)',
      '6 1 ServerHello TLS1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ALPN=http/1.1',
      '6 1 Certificate (2 certs, CN=heise.de)',
      '6 1 ServerKeyExchange',
      '6 1 ServerHelloDone',
      '8 0 ClientKeyExchange',
      '8 0 ChangeCipherSpec',
      '8 0 Encrypted handshake message (Finished)',
      '9 1 NewSessionTicket',
      '9 1 ChangeCipherSpec',
      '9 1 Encrypted handshake message (Finished)',
      '10 0 Application data',
      '11 1 Application data',
      '13 0 Encrypted alert',
    ]);
    expect(p.summary.resumed).toBe(false);
    expect(p.summary.alerts).toEqual(['encrypted']);
    expect(p.summary.versionsOffered).toEqual(['TLS1.3', 'TLS1.2']);
    expect(p.label()).toBe('TLS1.2 http/1.1 heise.de');
  });

  it('gives the same events when any frame is cut at any byte', () => {
    const whole = lines(replay(TLS12_FULL).events);
    for (const v of TLS12_FULL) {
      const n = v.hex.length / 2;
      for (let at = 0; at <= n; at++) expect(lines(replay(TLS12_FULL, { frame: v.frame, at }).events)).toEqual(whole);
    }
    expect(lines(replayBytewise(TLS12_FULL))).toEqual(whole);
  });
});

describe('TLS 1.3 with a post-quantum key share (zeek-tls-chrome-1250-tls-x25519-kyber.pcap)', () => {
  // tshark: frame 4 Client Hello (1756 bytes in one segment, supported_versions 0x8a8a,0x0304,0x0303, 16 suites,
  // SNI lh3.google.com, ALPN h2,http/1.1); frame 6 Server Hello (0x1301, supported_version 0x0304), Change Cipher
  // Spec; then Application Data records.
  it('says that the rest is encrypted', () => {
    const { events, p } = replay(TLS13_KYBER);
    expect(lines(events)).toEqual([
      '4 0 ClientHello SNI=lh3.google.com ALPN=h2,http/1.1 (16 suites, versions TLS1.3,TLS1.2)',
      '6 1 ServerHello TLS1.3 TLS_AES_128_GCM_SHA256, rest of the handshake encrypted',
      '6 1 ChangeCipherSpec (middlebox compatibility)',
      '10 1 Encrypted records (TLS 1.3: rest of server handshake, then application data)',
      '12 0 ChangeCipherSpec (middlebox compatibility)',
      '12 0 Encrypted records (TLS 1.3: client Finished, then application data)',
    ]);
    expect(p.summary.version).toBe('TLS1.3');
    expect(p.summary.alpn).toBe('');
    expect(p.summary.resumed).toBe(false);
    // ALPN is inside EncryptedExtensions in TLS 1.3: the label marks the client's first choice as inferred.
    expect(p.label()).toBe('TLS1.3 h2? lh3.google.com');
  });

  it('gives the same events when any frame is cut at any byte', () => {
    const whole = lines(replay(TLS13_KYBER).events);
    for (const v of TLS13_KYBER.slice(0, 2)) {
      const n = v.hex.length / 2;
      for (let at = 0; at <= n; at++) expect(lines(replay(TLS13_KYBER, { frame: v.frame, at }).events)).toEqual(whole);
    }
    expect(lines(replayBytewise(TLS13_KYBER))).toEqual(whole);
  });
});

// ---- synthetic records (RFC 8446 §5.1 layout) ----

function record(type: number, body: number[] | Uint8Array, version = 0x0303): Uint8Array {
  const b = Uint8Array.from(body);
  return Uint8Array.from([type, version >> 8, version & 0xff, b.length >> 8, b.length & 0xff, ...b]);
}
function hsMsg(type: number, body: number[]): number[] {
  return [type, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
}
function run(chunks: [0 | 1, Uint8Array][]): { events: AppEvent[]; p: TlsParser } {
  const events: AppEvent[] = [];
  const p = new TlsParser(1, (e) => events.push(e));
  chunks.forEach(([dir, b], i) => p.push(dir, b, 0, b.length, i + 1, 0));
  return { events, p };
}

describe('record layer', () => {
  it('decodes a plaintext alert', () => {
    const { events, p } = run([[1, record(21, [2, 40])]]);
    expect(events.map((e) => e.text)).toEqual(['Alert fatal handshake_failure']);
    expect(p.summary.alerts).toEqual(['fatal handshake_failure']);
  });

  it('marks a record longer than 2^14+2048 as malformed and stops that direction', () => {
    const bad = Uint8Array.from([23, 3, 3, 0xff, 0xff, 1, 2, 3]);
    const { events } = run([[0, record(23, [1])], [0, bad], [0, record(21, [2, 40])], [1, record(21, [1, 0])]]);
    expect(events.map((e) => e.text)).toEqual([
      'Application data',
      `Malformed TLS record (length 65535 > ${MAX_RECORD_LENGTH}); rest of this direction not parsed`,
      'Alert warning close_notify',
    ]);
    expect(events[1]!.anomaly).toBe(Anomaly.app_parse_error);
  });

  it('rejects unknown content types and versions', () => {
    const first = record(21, [1, 0]);
    expect(run([[0, first], [0, Uint8Array.from([99, 3, 3, 0, 0])]]).events[1]!.text).toMatch(/content type 99/);
    expect(run([[0, first], [0, Uint8Array.from([22, 2, 0, 0, 0])]]).events[1]!.text).toMatch(/version 0x0200/);
    // As the very first bytes of a direction, garbage means "not at a record boundary" rather than malformed.
    expect(run([[1, Uint8Array.from([99, 3, 3, 0, 0])]]).events[0]!.anomaly).toBeUndefined();
  });

  it('skips a handshake message claiming 2^24-1 bytes without buffering it', () => {
    const r = record(22, [12, 0xff, 0xff, 0xff, 1, 2, 3]);
    const { events } = run([[1, r], [1, record(23, [1, 2, 3])]]);
    // The message never completes: nothing is reported for it, and the application data record still is.
    expect(events.map((e) => e.text)).toEqual(['Application data']);
  });

  it('keeps facts found before a lying extension length, and says what was wrong', () => {
    // ClientHello: version, random, empty session id, 1 suite, null compression, extensions:
    // server_name "a.b", then an extension claiming 200 bytes.
    const sni = [0, 0, 0, 8, 0, 6, 0, 0, 3, 0x61, 0x2e, 0x62];
    const liar = [0, 16, 0, 200, 0, 3, 2, 0x68, 0x32];
    const exts = [...sni, ...liar];
    const body = [3, 3, ...new Array(32).fill(0), 0, 0, 2, 0x13, 0x01, 1, 0, exts.length >> 8, exts.length & 0xff, ...exts];
    const { events, p } = run([[0, record(22, hsMsg(1, body), 0x0301)]]);
    expect(events[0]!.text).toBe('ClientHello SNI=a.b (1 suites, TLS1.2) (malformed: extension 16 length exceeds extensions)');
    expect(events[0]!.anomaly).toBe(Anomaly.app_parse_error);
    expect(p.summary.sni).toBe('a.b');
  });

  it('never throws on truncated or random input', () => {
    const seed = hex(TLS12_FULL[0]!.hex);
    for (let n = 0; n < seed.length; n++) {
      const p = new TlsParser(0, () => {});
      // Each truncation followed by arbitrary bytes from elsewhere in the hello.
      expect(() => {
        p.push(0, seed, 0, n, 1, 0);
        p.gap(0);
        p.push(0, seed, n, seed.length - n, 2, 0);
      }).not.toThrow();
    }
    let x = 12345;
    for (let round = 0; round < 300; round++) {
      const b = new Uint8Array(64 + (round % 200));
      for (let i = 0; i < b.length; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
      // A plausible header in front so the body gets parsed.
      const r = record(22, hsMsg(round % 3 === 0 ? 1 : round % 3 === 1 ? 2 : 11, Array.from(b)));
      expect(() => run([[round & 1 ? 1 : 0, r]])).not.toThrow();
    }
  });

  it('neutralises control bytes in the SNI', () => {
    const name = [0x1b, 0x5b, 0x32, 0x4a, 0x78]; // ESC [ 2 J x
    const sni = [0, 0, 0, name.length + 5, 0, name.length + 3, 0, 0, name.length, ...name];
    const body = [3, 3, ...new Array(32).fill(0), 0, 0, 2, 0x13, 0x01, 1, 0, 0, sni.length, ...sni];
    const { p } = run([[0, record(22, hsMsg(1, body))]]);
    expect(p.summary.sni).toBe('\\x1b[2Jx');
  });

  it('resynchronises after a gap at the next record header', () => {
    const events: AppEvent[] = [];
    const p = new TlsParser(0, (e) => events.push(e));
    const app = record(23, [1, 2, 3, 4]);
    p.push(1, app, 0, 3, 1, 0);
    p.gap(1);
    p.push(1, Uint8Array.from([9, 9, 9]), 0, 3, 2, 0); // not a record start: ignored
    p.push(1, record(21, [1, 0]), 0, 7, 3, 0);
    expect(events.map((e) => `${e.frameNumber} ${e.text}`)).toEqual(['3 Alert warning close_notify']);
  });

  it('detects a Heartbleed-style heartbeat request', () => {
    // type 1 (request), payload_length 0x4000, but the record holds only 3 bytes.
    const { events } = run([[0, record(24, [1, 0x40, 0x00])]]);
    expect(events[0]!.text).toBe('Heartbeat request claims 16384 payload bytes in a 3-byte record (overread attempt, CVE-2014-0160)');
  });

  it('reports an SSLv2-format ClientHello and goes on with records', () => {
    // RFC 5246 E.2: msg_length 0x8000|n, msg_type 1, version 0x0301, cipher_spec_length 6, session_id_length 0,
    // challenge_length 16, two 3-byte cipher specs, challenge.
    const body = [1, 3, 1, 0, 6, 0, 0, 0, 16, 0, 0, 0x2f, 0, 0, 0x35, ...new Array(16).fill(7)];
    const v2 = Uint8Array.from([0x80 | (body.length >> 8), body.length & 0xff, ...body]);
    expect(looksLikeTls(v2, 0, v2.length)).toBe(true);
    const { events, p } = run([[0, v2], [1, record(21, [2, 70])]]);
    expect(events.map((e) => e.text)).toEqual(['SSLv2-format ClientHello (offers TLS1.0, 2 cipher specs)', 'Alert fatal protocol_version']);
    expect(p.label()).toBe('SSLv2');
  });
});

describe('looksLikeTls', () => {
  it('accepts handshake records and rejects HTTP', () => {
    const ch = hex(TLS12_ALPN_H2[0]!.hex);
    expect(looksLikeTls(ch, 0, ch.length)).toBe(true);
    expect(looksLikeTls(ch, 0, 3)).toBe(true);
    const get = new TextEncoder().encode('GET / HTTP/1.1\r\n');
    expect(looksLikeTls(get, 0, get.length)).toBe(false);
    expect(looksLikeTls(Uint8Array.from([22, 3, 1, 0xff, 0xff]), 0, 5)).toBe(false);
  });
});

describe('captures that start mid-connection', () => {
  it('detects TLS from an application data record and waits for a record boundary in the other direction', () => {
    const app = record(23, [1, 2, 3, 4, 5]);
    expect(looksLikeTls(app, 0, app.length)).toBe(true);
    expect(looksLikeTls(Uint8Array.from([23, 3, 3, 0, 0]), 0, 5)).toBe(false); // empty record: too weak a signal
    const events: AppEvent[] = [];
    const p = new TlsParser(0, (e) => events.push(e));
    p.push(0, app, 0, app.length, 1, 0);
    p.push(1, Uint8Array.from([0x99, 0x98, 0x97, 0x96, 0x95, 0x94]), 0, 6, 2, 0); // the tail of a record
    p.push(1, app, 0, app.length, 3, 0);
    expect(events.map((e) => `${e.frameNumber} ${e.dir} ${e.text}`)).toEqual([
      '1 0 Application data',
      '2 1 Not at a TLS record boundary (capture started mid-stream?); waiting for the next record',
      '3 1 Application data',
    ]);
    expect(events.every((e) => e.anomaly === undefined)).toBe(true);
  });
});

describe('HelloRetryRequest and resumption (RFC 8446 §4.1.3, §4.2.11; RFC 5246 §7.3)', () => {
  const HRR = [0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c];
  const sv13 = [0, 43, 0, 2, 3, 4]; // supported_versions: TLS 1.3
  const sid = new Array(32).fill(0x5a);
  const clientHello = (sessionId: number[], exts: number[] = []) =>
    [3, 3, ...new Array(32).fill(1), sessionId.length, ...sessionId, 0, 2, 0x13, 0x01, 1, 0, exts.length >> 8, exts.length & 0xff, ...exts];
  const serverHello = (random: number[], sessionId: number[], suite: number, exts: number[]) =>
    [3, 3, ...random, sessionId.length, ...sessionId, suite >> 8, suite & 0xff, 0, exts.length >> 8, exts.length & 0xff, ...exts];

  it('reports a HelloRetryRequest and keeps the second ClientHello in plaintext', () => {
    const { events, p } = run([
      [0, record(22, hsMsg(1, clientHello([], [0, 43, 0, 3, 2, 3, 4])))],
      [1, record(22, hsMsg(2, serverHello(HRR, [], 0x1301, sv13)))],
      [0, record(20, [1])],
      [0, record(22, hsMsg(1, clientHello([], [0, 43, 0, 3, 2, 3, 4])))],
      [1, record(22, hsMsg(2, serverHello(new Array(32).fill(2), [], 0x1301, sv13)))],
    ]);
    expect(events.map((e) => e.text)).toEqual([
      'ClientHello (1 suites, versions TLS1.3)',
      'HelloRetryRequest TLS1.3 TLS_AES_128_GCM_SHA256',
      'ChangeCipherSpec (middlebox compatibility)',
      'ClientHello (1 suites, versions TLS1.3)',
      'ServerHello TLS1.3 TLS_AES_128_GCM_SHA256, rest of the handshake encrypted',
    ]);
    expect(p.summary.helloRetryRequest).toBe(true);
    expect(p.summary.version).toBe('TLS1.3');
  });

  it('sees TLS 1.3 PSK resumption (pre_shared_key in ServerHello)', () => {
    const { events, p } = run([
      [0, record(22, hsMsg(1, clientHello([])))],
      [1, record(22, hsMsg(2, serverHello(new Array(32).fill(2), [], 0x1301, [...sv13, 0, 41, 0, 2, 0, 0])))],
    ]);
    expect(events[1]!.text).toBe('ServerHello TLS1.3 TLS_AES_128_GCM_SHA256 (resumed), rest of the handshake encrypted');
    expect(p.summary.resumed).toBe(true);
  });

  it('sees TLS 1.2 session-id resumption (abbreviated handshake)', () => {
    const { p } = run([
      [0, record(22, hsMsg(1, clientHello(sid)))],
      [1, record(22, hsMsg(2, serverHello(new Array(32).fill(2), sid, 0xc02f, [])))],
      [1, record(20, [1])],
    ]);
    expect(p.summary.resumed).toBe(true);
    expect(p.summary.certificateSeen).toBe(false);
  });
});
