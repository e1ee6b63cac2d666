import hpack from 'hpack.js';
import { describe, expect, it } from 'vitest';
import { H2_PREFACE, Http2Parser } from '../../../src/analyzers/http2/index.js';
import type { AppEvent } from '../../../src/analyzers/types.js';
import { Anomaly } from '../../../src/decode/anomalies.js';
import { H2C_PRIOR_KNOWLEDGE, H2C_UPGRADE, type TcpVector } from './vectors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

interface Run { events: AppEvent[]; frames: Map<number, { streams: number[]; types: number[] }>; p: Http2Parser }

/**
 * Replays h2 vectors. `client` is the client's port; frames that are HTTP/1.1
 * (before the preface) are skipped and the upgrade request is handed over instead.
 */
function replay(vs: TcpVector[], client: number, cut?: { frame: number; at: number } | 'bytewise'): Run {
  const events: AppEvent[] = [];
  const frames = new Map<number, { streams: number[]; types: number[] }>();
  const p = new Http2Parser(3, (e) => events.push(e), {
    onFrame: (_dir, type, _flags, sid, _len, fn) => {
      const f = frames.get(fn) ?? { streams: [], types: [] };
      f.streams.push(sid);
      f.types.push(type);
      frames.set(fn, f);
    },
  });
  let h2 = false;
  for (const v of vs) {
    const b = hex(v.hex);
    const dir = v.srcPort === client ? 0 : 1;
    if (!h2) {
      if (b.length >= 3 && b[0] === 0x50 && b[1] === 0x52 && b[2] === 0x49) h2 = true; // "PRI"
      else if (Buffer.from(b).toString('latin1').startsWith('HTTP/1.1 101')) {
        p.upgradeRequest({ method: 'GET', authority: '127.0.0.1:8080', path: '/', frameNumber: 5, time: 0 });
        continue;
      } else continue;
    }
    if (cut === 'bytewise') for (let i = 0; i < b.length; i++) p.push(dir, b, i, 1, v.frame, 0);
    else if (cut && cut.frame === v.frame) {
      p.push(dir, b, 0, cut.at, v.frame, 0);
      p.push(dir, b, cut.at, b.length - cut.at, v.frame, 0);
    } else p.push(dir, b, 0, b.length, v.frame, 0);
  }
  return { events, frames, p };
}

const lines = (evs: AppEvent[]) => evs.map((e) => `${e.frameNumber} ${e.dir} ${e.text}`);

function agreesWithTshark(vs: TcpVector[], r: Run): void {
  for (const v of vs) {
    const ours = r.frames.get(v.frame);
    expect({ frame: v.frame, streams: ours?.streams.join(',') ?? '', types: ours?.types.join(',') ?? '' })
      .toEqual({ frame: v.frame, streams: v.streams, types: v.types });
  }
}

describe('h2c with prior knowledge (ndpi-http2.pcapng, port 29518)', () => {
  it('frames agree with tshark (decode-as http2): stream ids and types per TCP segment', () => {
    agreesWithTshark(H2C_PRIOR_KNOWLEDGE, replay(H2C_PRIOR_KNOWLEDGE, 37824));
  });

  it('decodes the request and response headers', () => {
    // tshark: frame 2 HEADERS[3]: POST /namf-comm/v1/subscriptions; frame 7 HEADERS[3]: 201 Created;
    // frame 10 GOAWAY[0].
    const { events, p } = replay(H2C_PRIOR_KNOWLEDGE, 37824);
    const t = lines(events);
    expect(t[0]).toBe('1 0 Connection preface (PRI * HTTP/2.0)');
    expect(t).toContain('2 0 HEADERS stream 3: POST /namf-comm/v1/subscriptions');
    expect(t.find((l) => l.startsWith('7 1 '))).toBe('7 1 HEADERS stream 3: 201 application/json');
    expect(t.find((l) => l.startsWith('10 1 '))).toMatch(/^10 1 GOAWAY last stream 3: NO_ERROR/);
    expect(p.streams).toHaveLength(1);
    const s = p.streams[0]!;
    expect({ id: s.id, method: s.method, path: s.path, status: s.status }).toEqual({
      id: 3, method: 'POST', path: '/namf-comm/v1/subscriptions', status: 201,
    });
    expect(s.authority).not.toBe('');
    expect(s.dataBytes[0]).toBeGreaterThan(0);
    expect(s.dataBytes[1]).toBeGreaterThan(0);
    expect(events.every((e) => e.anomaly === undefined)).toBe(true);
  });

  it('gives the same events when any segment is cut at any byte, or fed byte by byte', () => {
    const whole = lines(replay(H2C_PRIOR_KNOWLEDGE, 37824).events);
    for (const v of H2C_PRIOR_KNOWLEDGE) {
      for (let at = 0; at <= v.hex.length / 2; at++) {
        expect(lines(replay(H2C_PRIOR_KNOWLEDGE, 37824, { frame: v.frame, at }).events)).toEqual(whole);
      }
    }
    expect(lines(replay(H2C_PRIOR_KNOWLEDGE, 37824, 'bytewise').events)).toEqual(whole);
  });
});

describe('h2c by Upgrade from HTTP/1.1 (sv-http2-deflate.pcap)', () => {
  it('frames agree with tshark, and the upgraded request is stream 1', () => {
    const r = replay(H2C_UPGRADE, 61321);
    agreesWithTshark(H2C_UPGRADE.filter((v) => v.frame >= 9), r);
    // tshark -V: frame 23 HEADERS[1] :status 200, content-type application/octet-stream, content-length 30;
    // frame 25 DATA[1], RST_STREAM[1].
    const s = r.p.streams.find((x) => x.id === 1)!;
    expect({ method: s.method, path: s.path, status: s.status, upgraded: s.upgraded }).toEqual({ method: 'GET', path: '/', status: 200, upgraded: true });
    expect(lines(r.events).filter((l) => l.startsWith('23 ') || l.startsWith('25 '))).toEqual([
      '23 1 HEADERS stream 1: 200 application/octet-stream',
      '25 1 DATA stream 1: 30 bytes, END_STREAM',
      '25 1 RST_STREAM stream 1: NO_ERROR',
    ]);
    expect(r.p.label()).toBe('HTTP2 h2c 127.0.0.1:8080');
  });

  it('gives the same events when any segment is cut at any byte', () => {
    const whole = lines(replay(H2C_UPGRADE, 61321).events);
    for (const v of H2C_UPGRADE.filter((x) => x.frame >= 9)) {
      for (let at = 0; at <= v.hex.length / 2; at++) expect(lines(replay(H2C_UPGRADE, 61321, { frame: v.frame, at }).events)).toEqual(whole);
    }
  });
});

// ---- synthetic frames (RFC 9113 §4.1 layout), header blocks from hpack.js's own compressor ----

function frame(type: number, flags: number, sid: number, payload: number[] | Uint8Array): number[] {
  const n = payload.length;
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, type, flags, (sid >>> 24) & 0x7f, (sid >> 16) & 0xff, (sid >> 8) & 0xff, sid & 0xff, ...payload];
}
function block(headers: [string, string][]): Uint8Array {
  const c = (hpack as unknown as { compressor: { create(o: unknown): { write(h: unknown): void; read(): Buffer } } }).compressor.create({ table: { maxSize: 4096 } });
  c.write(headers.map(([name, value]) => ({ name, value })));
  return Uint8Array.from(c.read());
}
function runH2(client: number[], server: number[] = []): { events: AppEvent[]; p: Http2Parser } {
  const events: AppEvent[] = [];
  const p = new Http2Parser(0, (e) => events.push(e));
  const c = Uint8Array.from([...H2_PREFACE, ...client]);
  p.push(0, c, 0, c.length, 1, 0);
  const s = Uint8Array.from(server);
  p.push(1, s, 0, s.length, 2, 0);
  return { events, p };
}

describe('framing details', () => {
  const req = block([[':method', 'GET'], [':scheme', 'http'], [':authority', 'example.com'], [':path', '/a']]);

  it('joins HEADERS and CONTINUATION into one header block', () => {
    const a = Array.from(req.subarray(0, 3));
    const b = Array.from(req.subarray(3));
    const { events, p } = runH2([...frame(1, 0x1, 1, a), ...frame(9, 0x4, 1, b)]);
    expect(events.map((e) => e.text)).toEqual([
      'Connection preface (PRI * HTTP/2.0)',
      'HEADERS stream 1: header block continues',
      'CONTINUATION stream 1: GET /a, END_STREAM',
    ]);
    expect(p.streams[0]!.authority).toBe('example.com');
  });

  it('strips padding and priority fields from HEADERS', () => {
    const payload = [2, 0x80, 0, 0, 0, 15, ...req, 0, 0]; // pad length 2, exclusive dependency on 0, weight 16
    const { events } = runH2(frame(1, 0x4 | 0x8 | 0x20, 1, payload));
    expect(events[1]!.text).toBe('HEADERS stream 1: GET /a');
  });

  it('shows interleaved streams (multiplexing)', () => {
    const r2 = block([[':method', 'GET'], [':path', '/b'], [':scheme', 'http'], [':authority', 'example.com']]);
    const resp = block([[':status', '200']]);
    const { events, p } = runH2(
      [...frame(1, 0x5, 1, req), ...frame(1, 0x5, 3, r2)],
      [...frame(1, 0x4, 3, resp), ...frame(0, 0, 1, []), ...frame(0, 0, 3, [1, 2]), ...frame(0, 1, 1, [1]), ...frame(0, 1, 3, [])],
    );
    expect(events.slice(1).map((e) => e.text)).toEqual([
      'HEADERS stream 1: GET /a, END_STREAM',
      'HEADERS stream 3: GET /b, END_STREAM',
      'HEADERS stream 3: 200',
      'DATA stream 1: 0 bytes',
      'DATA stream 3: 2 bytes',
      'DATA stream 1: 1 bytes, END_STREAM',
      'DATA stream 3: 0 bytes, END_STREAM',
    ]);
    expect(p.streams.map((s) => [s.id, s.path, s.status, s.dataBytes[1]])).toEqual([[1, '/a', null, 1], [3, '/b', 200, 2]]);
  });

  it('stops decoding headers after an HPACK error and keeps framing', () => {
    const bad = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]; // index beyond any table
    const { events } = runH2([...frame(1, 0x5, 1, bad), ...frame(1, 0x5, 3, req), ...frame(6, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0])]);
    expect(events.slice(1).map((e) => e.text)).toEqual([
      expect.stringMatching(/^HTTP\/2 headers no longer decoded on this connection: HPACK error/),
      'HEADERS stream 1: header block not decoded, END_STREAM',
      'HEADERS stream 3: header block not decoded, END_STREAM',
      'PING',
    ]);
    expect(events[1]!.anomaly).toBe(Anomaly.app_parse_error);
  });

  it('frames a 2^24-1 byte DATA frame without buffering it', () => {
    const hdr = [0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1];
    const events: AppEvent[] = [];
    const p = new Http2Parser(0, (e) => events.push(e));
    p.push(0, H2_PREFACE, 0, H2_PREFACE.length, 1, 0);
    p.push(0, Uint8Array.from(hdr), 0, 9, 2, 0);
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < 15; i++) p.push(0, chunk, 0, chunk.length, 3 + i, 0);
    p.push(0, chunk, 0, chunk.length - 1, 18, 0); // 16 MiB - 1 in all
    p.push(0, Uint8Array.from(frame(6, 1, 0, [1, 2, 3, 4, 5, 6, 7, 8])), 0, 17, 20, 0);
    expect(events.map((e) => `${e.frameNumber} ${e.text}`)).toEqual(['1 Connection preface (PRI * HTTP/2.0)', `18 DATA stream 1: ${(1 << 24) - 1} bytes`, '20 PING ACK']);
  });

  it('reports per-type violations and goes on', () => {
    const { events } = runH2([...frame(4, 0, 0, [0, 1, 0]), ...frame(0, 0, 0, [1]), ...frame(8, 0, 0, [0, 0, 0, 9])]);
    expect(events.slice(1).map((e) => [e.text, e.anomaly])).toEqual([
      ['SETTINGS length 3 is not a multiple of 6 (FRAME_SIZE_ERROR)', Anomaly.app_parse_error],
      ['DATA stream 0 (must not be on stream 0, RFC 9113 §6)', Anomaly.app_parse_error],
      ['WINDOW_UPDATE connection +9', undefined],
    ]);
  });

  it('rejects a client that does not start with the preface', () => {
    const events: AppEvent[] = [];
    const p = new Http2Parser(0, (e) => events.push(e));
    const b = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');
    p.push(0, b, 0, b.length, 1, 0);
    expect(events.map((e) => e.text)).toEqual(['No HTTP/2 connection preface; client direction not parsed']);
  });

  it('never throws on random frames', () => {
    let x = 99;
    for (let round = 0; round < 500; round++) {
      const n = 9 + (round % 64);
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
      b[0] = 0; b[1] = 0; b[2] = n - 9; // a consistent length so the body is parsed
      b[3] = round % 11;
      const events: AppEvent[] = [];
      const p = new Http2Parser(0, (e) => events.push(e));
      expect(() => { p.push(1, b, 0, n, 1, 0); p.push(1, b, 0, n, 2, 0); p.gap(1); p.push(1, b, 0, n, 3, 0); }).not.toThrow();
    }
  });
});

describe('gaps', () => {
  it('resumes framing at a plausible frame header and says once that headers are no longer decoded', () => {
    const events: AppEvent[] = [];
    const p = new Http2Parser(0, (e) => events.push(e));
    p.push(0, H2_PREFACE, 0, H2_PREFACE.length, 1, 0);
    p.gap(0);
    const junk = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    p.push(0, junk, 0, junk.length, 2, 0); // not a frame start: skipped
    const ping = Uint8Array.from(frame(6, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]));
    p.push(0, ping, 0, ping.length, 3, 0);
    expect(events.map((e) => `${e.frameNumber} ${e.text}`)).toEqual([
      '1 Connection preface (PRI * HTTP/2.0)',
      '2 HTTP/2 header compression state lost in a gap: header blocks no longer decoded on this connection',
      '3 PING',
    ]);
  });
});
