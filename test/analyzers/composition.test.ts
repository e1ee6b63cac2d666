/**
 * The application-layer composition (createAppLayer): detection by content
 * on any port, hand-over after Upgrade/CONNECT, DNS over TCP by port,
 * follow-stream data, the event cap, and state only for connections that
 * carry payload.
 */
import dnsPacket from 'dns-packet';
import { describe, expect, test } from 'vitest';
import { createAppLayer } from '../../src/analyzers/index.js';
import type { HttpTx } from '../../src/analyzers/http/tx.js';
import { TcpFlag } from '../../src/decode/decoded.js';
import { SegmentBuilder, newInfo } from './harness.js';

/** A TLS 1.2 ClientHello record header and the first bytes of the handshake (RFC 8446 §5.1, §4.1.2). */
const TLS_START = Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03]);

describe('detection by content, on any port', () => {
  test('HTTP on port 8443, even when the first segment is one byte', () => {
    const layer = createAppLayer();
    const c = new SegmentBuilder(layer, 0, [1, 2], 8443).handshake();
    c.send(0, 'G').send(0, 'ET / HTTP/1.1\r\nHost: x\r\n\r\n').send(1, 'HTTP/1.1 204 No Content\r\n\r\n');
    layer.finish();
    expect(layer.tcpLabel(0)).toBe('HTTP');
    expect(layer.http.map((t) => [t.method, t.uri, t.status])).toEqual([['GET', '/', 204]]);
  });

  test('a status line first in direction 0 (roles guessed the other way) still pairs', () => {
    const layer = createAppLayer();
    const c = new SegmentBuilder(layer, 0, [1, 2], 80);
    // No handshake: the capture starts with the server's response, then the next request.
    c.send(0, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
    c.send(1, 'GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    c.send(0, 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    layer.finish();
    const t = layer.http as HttpTx[];
    expect(t.map((x) => [x.orphanResponse, x.uri, x.status])).toEqual([[true, '', 200], [false, '/next', 404]]);
  });

  test('TLS and HTTP/2 prior knowledge are handed to their parsers', () => {
    const layer = createAppLayer();
    new SegmentBuilder(layer, 0).handshake().send(0, TLS_START);
    new SegmentBuilder(layer, 1).handshake().send(0, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    layer.finish();
    expect(layer.tcpLabel(0)).toMatch(/^TLS/);
    expect(layer.tcpLabel(1)).toMatch(/^HTTP2/);
  });

  test('unknown protocols are given up after a bounded number of segments', () => {
    const layer = createAppLayer({ maxDetectSegments: 4 });
    const c = new SegmentBuilder(layer, 0, [1, 2], 25).handshake();
    c.send(1, '220 mail.example.com ESMTP\r\n').send(0, 'EHLO me\r\n').send(1, '250 ok\r\n').send(0, 'QUIT\r\n');
    c.send(0, 'GET / HTTP/1.1\r\n\r\n');
    layer.finish();
    expect(layer.tcpLabel(0)).toBe('');
    expect(layer.http).toEqual([]);
  });

  test('HTTP CONNECT: the tunnel is detected afresh (TLS inside)', () => {
    const layer = createAppLayer();
    const c = new SegmentBuilder(layer, 0, [1, 2], 3128).handshake();
    c.send(0, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    // The ClientHello is sent before the proxy's answer arrives: it is held, then handed to TLS.
    c.send(0, TLS_START);
    c.send(1, 'HTTP/1.1 200 Connection established\r\n\r\n');
    layer.finish();
    const t = layer.http as HttpTx[];
    expect(t.map((x) => [x.method, x.uri, x.status, x.persistence])).toEqual([['CONNECT', 'example.com:443', 200, 'tunnel']]);
    expect(layer.tcpLabel(0)).toMatch(/^HTTP CONNECT → TLS/);
  });

  test('h2c upgrade: 101 hands the connection to HTTP/2', () => {
    const layer = createAppLayer();
    const c = new SegmentBuilder(layer).handshake();
    c.send(0, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
    c.send(1, 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    layer.finish();
    expect((layer.http[0] as HttpTx).upgrade).toBe('h2c');
    expect(layer.tcpLabel(0)).toMatch(/^HTTP2/);
  });
});

describe('DNS over TCP (RFC 7766) by port', () => {
  test('length-prefixed query and response on port 53 are paired', () => {
    const layer = createAppLayer();
    const q = dnsPacket.streamEncode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'example.com' }] });
    const r = dnsPacket.streamEncode({
      type: 'response', id: 4242, flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'A', name: 'example.com' }], answers: [{ type: 'A', name: 'example.com', ttl: 60, data: '192.0.2.7' }],
    });
    const c = new SegmentBuilder(layer, 0, [10, 20], 53).handshake();
    c.send(0, q.subarray(0, 5)).send(0, q.subarray(5)).send(1, r);
    layer.finish();
    expect(layer.tcpLabel(0)).toBe('DNS');
    expect(layer.dns.map((d) => [d.transport, d.id, d.name, d.type])).toEqual([['tcp', 4242, 'example.com', 'A']]);
    expect(layer.dns[0]!.responseFrame).not.toBe(null);
  });
});

describe('follow stream', () => {
  test('chunks in order with their direction and first frame; kept after the connection ends', () => {
    const layer = createAppLayer();
    const c = new SegmentBuilder(layer).handshake();
    c.send(0, 'GET / HTTP/1.1\r\n').send(0, 'Host: h\r\n\r\n').send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').fin(0).fin(1);
    const chunks = layer.stream(0)!;
    expect(chunks.map((x) => [x.dir, Buffer.from(x.data).toString()])).toEqual([
      [0, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'],
      [1, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ]);
    expect(chunks[0]!.frameNumber).toBe(4);
    layer.finish();
    expect(layer.stream(0)!.length).toBe(2);
    expect(layer.tcpLabel(0)).toBe('HTTP');
  });

  test('keepStreams: false keeps nothing', () => {
    const layer = createAppLayer({ keepStreams: false });
    new SegmentBuilder(layer).handshake().send(0, 'GET / HTTP/1.1\r\n\r\n');
    layer.finish();
    expect(layer.stream(0)).toBe(undefined);
  });
});

describe('bounds', () => {
  test('the event cap keeps the first events and one marker, and counts the rest', () => {
    const layer = createAppLayer({ maxEvents: 10 });
    const c = new SegmentBuilder(layer).handshake();
    for (let i = 0; i < 20; i++) c.send(0, `GET /${i} HTTP/1.1\r\nHost: h\r\n\r\n`).send(1, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    layer.finish();
    expect(layer.http.length).toBe(20);
    expect(layer.events.length).toBe(11);
    expect(layer.events[10]!.anomaly).toBe(304);
    expect(layer.droppedEvents).toBe(30);
  });

  test('segments without payload (a SYN flood) create no per-connection state', () => {
    const layer = createAppLayer();
    const info = newInfo();
    info.flags = TcpFlag.SYN;
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200_000; i++) {
      info.connId = i;
      info.frameNumber = i + 1;
      info.seq = i * 7919;
      info.isn = info.seq;
      layer.tcpSegment(info);
    }
    global.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    for (let i = 0; i < 200_000; i += 50_000) expect(layer.tcpLabel(i)).toBe('');
  });
});
