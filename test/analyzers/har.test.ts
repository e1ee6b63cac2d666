/**
 * HAR 1.2 export, checked against the structure the specification gives
 * (http://www.softwareishard.com/blog/har-12-spec/): every required field
 * present with its type, optional fields typed when present, custom fields
 * prefixed with "_", `time` the sum of the timings that are not -1, and the
 * document valid JSON whatever bytes the headers carried.
 */
import { describe, expect, test } from 'vitest';
import { createAppLayer } from '../../src/analyzers/index.js';
import { buildHar, queryString, requestCookies, setCookie, type Har } from '../../src/analyzers/har.js';
import type { HttpTx } from '../../src/analyzers/http/tx.js';
import { SegmentBuilder } from './harness.js';
import { VECTORS } from './http/vectors.js';
import { validateHar } from './har-schema.js';

function harOfVectors(keepBodyBytes = 1 << 20): { har: Har; txs: HttpTx[] } {
  const layer = createAppLayer({ http: { keepBodyBytes } });
  VECTORS.forEach((v, i) => {
    const c = new SegmentBuilder(layer, i).handshake();
    for (const [dir, data] of v.steps) c.send(dir, data);
    c.fin(1).fin(0);
  });
  layer.finish();
  const txs = layer.http as HttpTx[];
  return { har: buildHar(txs, { creatorVersion: '0.0.0-test', title: 'vectors', serverAddress: () => '192.0.2.1' }), txs };
}

describe('HAR 1.2 structure', () => {
  test('every exchange of the vectors becomes a valid entry', () => {
    const { har, txs } = harOfVectors();
    expect(validateHar(JSON.parse(JSON.stringify(har)))).toEqual([]);
    expect(har.log.entries.length).toBe(txs.length);
  });

  test('the validator rejects what the spec forbids', () => {
    const { har } = harOfVectors();
    const bad = JSON.parse(JSON.stringify(har)) as { log: { entries: Record<string, Record<string, unknown>>[] } };
    delete bad.log.entries[0]!.request!.url;
    bad.log.entries[0]!.timings!.send = -1;
    bad.log.entries[0]!.response!.status = '200';
    (bad.log.entries[0]! as Record<string, unknown>).extra = 1;
    const errors = validateHar(bad);
    expect(errors.some((e) => e.endsWith('request.url: missing'))).toBe(true);
    expect(errors.some((e) => e.includes('timings.send: -1'))).toBe(true);
    expect(errors.some((e) => e.includes('response.status: string'))).toBe(true);
    expect(errors.some((e) => e.includes('.extra: not in HAR 1.2'))).toBe(true);
  });

  test('fields browser tools read: absolute URL, query string, sizes, decoded content, timings', () => {
    const { har } = harOfVectors();
    const e = har.log.entries.find((x) => x.request.url === 'http://example.com/index.html')!;
    expect(e.request.httpVersion).toBe('HTTP/1.1');
    expect(e.request.headers).toEqual([{ name: 'Host', value: 'example.com' }, { name: 'User-Agent', value: 't' }]);
    // "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n" is 62 bytes.
    expect(e.request.headersSize).toBe(62);
    expect(e.response.status).toBe(200);
    expect(e.response.content).toEqual({ size: 31, mimeType: 'text/html', text: '<html><body>hello</body></html>' });
    expect(e.response.bodySize).toBe(31);
    expect(e.serverIPAddress).toBe('192.0.2.1');
    const gz = har.log.entries.find((x) => x.response.content.mimeType === 'x-unknown' && x.response.content.size === 5000)!;
    expect(gz.response.content.text).toBe('x'.repeat(5000));
    expect(gz.response.content.compression).toBe(5000 - gz.response.bodySize);
    const post = har.log.entries.find((x) => x.request.method === 'POST')!;
    expect(post.request.postData).toEqual({ mimeType: '', params: [], text: 'a=1&b=2' });
    expect(post.request.bodySize).toBe(7);
    const ws = har.log.entries.find((x) => x.response.status === 101)!;
    expect(ws.response.content.size).toBe(0);
  });

  test('query strings and cookies (RFC 6265)', () => {
    expect(queryString('/s?q=a+b&x=%2F&flag#frag')).toEqual([{ name: 'q', value: 'a b' }, { name: 'x', value: '/' }, { name: 'flag', value: '' }]);
    expect(queryString('/bad?%zz=1')).toEqual([{ name: '%zz', value: '1' }]);
    expect(requestCookies('a=1; b=two;c')).toEqual([{ name: 'a', value: '1' }, { name: 'b', value: 'two' }, { name: 'c', value: '' }]);
    expect(setCookie('id=a3fWa; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly; Path=/; Domain=example.com')).toEqual({
      name: 'id', value: 'a3fWa', expires: '2015-10-21T07:28:00.000Z', secure: true, httpOnly: true, path: '/', domain: 'example.com',
    });
  });

  test('hostile bytes in headers and bodies stay inert: valid JSON, exact round trip', () => {
    const layer = createAppLayer({ http: { keepBodyBytes: 1 << 20 } });
    const evil = 'x\x1b]0;pwned\x07"\\</script>\u0000\xff';
    const body = Buffer.from([0, 1, 2, 0xff, 0x1b, 0x5b, 0x32, 0x4a]);
    const c = new SegmentBuilder(layer).handshake();
    c.send(0, `GET /a?k=${encodeURIComponent('"\x1b')} HTTP/1.1\r\nHost: h\r\nX-Evil: ${evil}\r\nCookie: n="\x1b[2J\r\n\r\n`);
    c.send(1, Buffer.concat([Buffer.from(`HTTP/1.1 200 ${evil}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nSet-Cookie: s=${evil}\r\n\r\n`, 'latin1'), body]));
    c.fin(0).fin(1);
    layer.finish();
    const har = buildHar(layer.http as HttpTx[], { creatorVersion: 't' });
    const text = JSON.stringify(har);
    expect(text).not.toMatch(/[\u0000-\u001f\u007f]/);
    const back = JSON.parse(text) as Har;
    expect(validateHar(back)).toEqual([]);
    const e = back.log.entries[0]!;
    expect(e.request.headers.find((h) => h.name === 'X-Evil')!.value).toBe(evil.replace(/\s+$/, ''));
    expect(e.response.statusText).toBe(evil.replace(/\s+$/, ''));
    expect(e.response.content.encoding).toBe('base64');
    expect(Buffer.from(e.response.content.text!, 'base64')).toEqual(body);
    expect(e.request.queryString).toEqual([{ name: 'k', value: '"\x1b' }]);
  });
});
