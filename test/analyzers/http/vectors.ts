/**
 * HTTP/1.x exchanges as byte vectors, with the facts RFC 9112 says a parser
 * must find in them. Each vector is a list of messages in wire order; the
 * expected values are written by hand from the bytes (sizes counted from
 * the strings), never copied from our own output.
 */
import { gzipSync } from 'node:zlib';
import type { Dir } from '../../../src/flow/hooks.js';

export interface Vector {
  name: string;
  /** Messages in the order they are sent: [direction, bytes]. */
  steps: [Dir, Uint8Array][];
  /** Fields of each transaction, in order. */
  expect: Record<string, unknown>[];
  /** The server closes after the last step (for bodies delimited by close). */
  closeAfter?: boolean;
}

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const cat = (...parts: (Uint8Array | string)[]): Uint8Array => Buffer.concat(parts.map((p) => (typeof p === 'string' ? b(p) : p)));

const html = '<html><body>hello</body></html>'; // 31 bytes
const gz = gzipSync(Buffer.from('x'.repeat(5000)));

export const VECTORS: Vector[] = [
  {
    name: 'GET, 200 with Content-Length',
    steps: [
      [0, b('GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n')],
      [1, b(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${html.length}\r\n\r\n${html}`)],
    ],
    expect: [{
      index: 1, method: 'GET', uri: '/index.html', host: 'example.com', version: 'HTTP/1.1', status: 200, reason: 'OK',
      contentType: 'text/html', responseBodyWire: 31, responseBodyDecoded: 31, persistence: 'keep-alive',
      requestHeaders: [['Host', 'example.com'], ['User-Agent', 't']],
      responseHeaders: [['Content-Type', 'text/html'], ['Content-Length', '31']],
      requestComplete: true, responseComplete: true, pipelined: false,
    }],
  },
  {
    name: 'POST with a body, then a second request on the same connection (keep-alive)',
    steps: [
      [0, b('POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\na=1&b=2')],
      [1, b('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n')],
      [0, b('GET /next HTTP/1.1\r\nHost: h\r\n\r\n')],
      [1, b('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n')],
    ],
    expect: [
      { index: 1, method: 'POST', uri: '/form', requestBodyWire: 7, status: 201, responseBodyWire: 0, pipelined: false },
      { index: 2, method: 'GET', uri: '/next', requestBodyWire: 0, status: 404, reason: 'Not Found', responseBodyWire: 3, pipelined: false },
    ],
  },
  {
    name: 'chunked response with extension and trailer (RFC 9112 §7.1)',
    steps: [
      [0, b('GET /c HTTP/1.1\r\nHost: h\r\n\r\n')],
      [1, b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: yes\r\n\r\n')],
      [0, b('GET /after HTTP/1.1\r\nHost: h\r\n\r\n')],
      [1, b('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')],
    ],
    expect: [
      // wire: "5;ext=1\r\n"(9) + "hello\r\n"(7) + "1A\r\n"(4) + 26 + "\r\n"(2) + "0\r\n"(3) + "X-Trailer: yes\r\n"(16) + "\r\n"(2) = 69
      { index: 1, uri: '/c', status: 200, responseBodyWire: 69, responseBodyEntity: 31, responseBodyDecoded: 31, responseChunked: true },
      { index: 2, uri: '/after', status: 200, responseBodyWire: 2 },
    ],
  },
  {
    name: 'HEAD: the response has Content-Length but no body (RFC 9110 §9.3.2)',
    steps: [
      [0, b('HEAD /big HTTP/1.1\r\nHost: h\r\n\r\n')],
      [1, b('HTTP/1.1 200 OK\r\nContent-Length: 123456\r\n\r\n')],
      [0, b('GET /small HTTP/1.1\r\nHost: h\r\n\r\n')],
      [1, b('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz')],
    ],
    expect: [
      { index: 1, method: 'HEAD', status: 200, responseBodyWire: 0 },
      { index: 2, method: 'GET', uri: '/small', status: 200, responseBodyWire: 1 },
    ],
  },
  {
    name: 'Expect: 100-continue, interim 100, then the body and the final response',
    steps: [
      [0, b('PUT /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n')],
      [1, b('HTTP/1.1 100 Continue\r\n\r\n')],
      [0, b('data')],
      [1, b('HTTP/1.1 204 No Content\r\n\r\n')],
    ],
    expect: [{ index: 1, method: 'PUT', requestBodyWire: 4, status: 204, interimStatuses: [100], responseBodyWire: 0 }],
  },
  {
    name: '304 has no body even with Content-Length',
    steps: [
      [0, b('GET /c HTTP/1.1\r\nHost: h\r\nIf-None-Match: "x"\r\n\r\n')],
      [1, b('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n')],
      [0, b('GET /d HTTP/1.1\r\nHost: h\r\n\r\n')],
      [1, b('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
    ],
    expect: [{ index: 1, status: 304, responseBodyWire: 0 }, { index: 2, uri: '/d', status: 200 }],
  },
  {
    name: 'HTTP/1.0 response without length: body until close (RFC 9112 §6.3 rule 8)',
    steps: [
      [0, b('GET / HTTP/1.0\r\n\r\n')],
      [1, b('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nline one\nline two\n')],
    ],
    closeAfter: true,
    expect: [{ index: 1, version: 'HTTP/1.0', status: 200, responseBodyWire: 18, persistence: 'http1.0-close', responseComplete: true }],
  },
  {
    name: 'pipelined: three requests in one segment, responses in one segment',
    steps: [
      [0, b('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')],
      [1, b('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nbbHTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nccc')],
    ],
    expect: [
      { index: 1, uri: '/1', status: 200, responseBodyWire: 1, pipelined: false },
      { index: 2, uri: '/2', status: 404, responseBodyWire: 2, pipelined: true },
      { index: 3, uri: '/3', status: 200, responseBodyWire: 3, pipelined: true, persistence: 'close' },
    ],
  },
  {
    name: 'gzip Content-Encoding is decoded for the size (RFC 9110 §8.4.1.3)',
    steps: [
      [0, b('GET /z HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n')],
      [1, cat(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`, gz)],
    ],
    expect: [{ index: 1, status: 200, contentEncoding: 'gzip', responseBodyWire: gz.length, responseBodyDecoded: 5000 }],
  },
  {
    name: 'obs-fold and bare LF line ends are tolerated (RFC 9112 §2.2, §5.2)',
    steps: [
      [0, b('GET /lf HTTP/1.1\nHost: h\nX-Long: a\n  b\n\n')],
      [1, b('HTTP/1.1 200 OK\nContent-Length: 2\n\nhi')],
    ],
    expect: [{ index: 1, uri: '/lf', host: 'h', status: 200, responseBodyWire: 2, requestHeaders: [['Host', 'h'], ['X-Long', 'a b']] }],
  },
  {
    name: 'leading empty lines before a request are ignored (RFC 9112 §2.2)',
    steps: [
      [0, b('\r\n\r\nGET /e HTTP/1.1\r\nHost: h\r\n\r\n')],
      [1, b('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
    ],
    expect: [{ index: 1, uri: '/e', status: 200 }],
  },
  {
    name: 'WebSocket upgrade: 101 with a matching Sec-WebSocket-Accept (RFC 6455 §1.3 example)',
    steps: [
      [0, b('GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')],
      [1, b('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n')],
      // RFC 6455 §5.7: a single-frame unmasked text message "Hello", and the masked one.
      [1, Uint8Array.from([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])],
      [0, Uint8Array.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])],
    ],
    expect: [{ index: 1, status: 101, upgrade: 'websocket', wsAcceptOk: true, persistence: 'upgrade' }],
  },
];
