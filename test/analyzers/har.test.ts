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

type Spec = Record<string, string>;

/** Field → type ("string", "number", "boolean", "object", "array"); a trailing "?" marks optional. */
const SPEC: Record<string, Spec> = {
  log: { version: 'string', creator: 'object', 'browser?': 'object', 'pages?': 'array', entries: 'array', 'comment?': 'string' },
  creator: { name: 'string', version: 'string', 'comment?': 'string' },
  page: { startedDateTime: 'string', id: 'string', title: 'string', pageTimings: 'object', 'comment?': 'string' },
  pageTimings: { 'onContentLoad?': 'number', 'onLoad?': 'number', 'comment?': 'string' },
  entry: {
    'pageref?': 'string', startedDateTime: 'string', time: 'number', request: 'object', response: 'object', cache: 'object',
    timings: 'object', 'serverIPAddress?': 'string', 'connection?': 'string', 'comment?': 'string',
  },
  request: {
    method: 'string', url: 'string', httpVersion: 'string', cookies: 'array', headers: 'array', queryString: 'array',
    'postData?': 'object', headersSize: 'number', bodySize: 'number', 'comment?': 'string',
  },
  response: {
    status: 'number', statusText: 'string', httpVersion: 'string', cookies: 'array', headers: 'array', content: 'object',
    redirectURL: 'string', headersSize: 'number', bodySize: 'number', 'comment?': 'string',
  },
  cookie: {
    name: 'string', value: 'string', 'path?': 'string', 'domain?': 'string', 'expires?': 'string', 'httpOnly?': 'boolean',
    'secure?': 'boolean', 'comment?': 'string',
  },
  nameValue: { name: 'string', value: 'string', 'comment?': 'string' },
  postData: { mimeType: 'string', params: 'array', text: 'string', 'comment?': 'string' },
  param: { name: 'string', 'value?': 'string', 'fileName?': 'string', 'contentType?': 'string', 'comment?': 'string' },
  content: { size: 'number', 'compression?': 'number', mimeType: 'string', 'text?': 'string', 'encoding?': 'string', 'comment?': 'string' },
  cache: { 'beforeRequest?': 'object', 'afterRequest?': 'object', 'comment?': 'string' },
  timings: {
    'blocked?': 'number', 'dns?': 'number', 'connect?': 'number', send: 'number', wait: 'number', receive: 'number',
    'ssl?': 'number', 'comment?': 'string',
  },
};

const ISO8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function typeOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function checkObject(where: string, obj: unknown, spec: Spec, errors: string[]): Record<string, unknown> {
  if (typeOf(obj) !== 'object') { errors.push(`${where}: not an object`); return {}; }
  const o = obj as Record<string, unknown>;
  const known = new Set<string>();
  for (const [key, type] of Object.entries(spec)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    known.add(name);
    if (!(name in o)) { if (!optional) errors.push(`${where}.${name}: missing`); continue; }
    if (typeOf(o[name]) !== type) errors.push(`${where}.${name}: ${typeOf(o[name])}, expected ${type}`);
  }
  for (const k of Object.keys(o)) if (!known.has(k) && !k.startsWith('_')) errors.push(`${where}.${k}: not in HAR 1.2 (custom fields start with "_")`);
  return o;
}

/** Checks a HAR document; returns the list of violations (empty = valid). */
export function validateHar(doc: unknown): string[] {
  const errors: string[] = [];
  const root = checkObject('$', doc, { log: 'object' }, errors);
  const log = checkObject('log', root.log, SPEC.log!, errors);
  if (log.version !== '1.2') errors.push('log.version: not "1.2"');
  checkObject('log.creator', log.creator, SPEC.creator!, errors);
  const pageIds = new Set<string>();
  ((log.pages as unknown[]) ?? []).forEach((p, i) => {
    const page = checkObject(`log.pages[${i}]`, p, SPEC.page!, errors);
    checkObject(`log.pages[${i}].pageTimings`, page.pageTimings, SPEC.pageTimings!, errors);
    if (typeof page.startedDateTime === 'string' && !ISO8601.test(page.startedDateTime)) errors.push(`log.pages[${i}].startedDateTime: not ISO 8601`);
    pageIds.add(String(page.id));
  });
  ((log.entries as unknown[]) ?? []).forEach((x, i) => {
    const w = `log.entries[${i}]`;
    const e = checkObject(w, x, SPEC.entry!, errors);
    if (typeof e.startedDateTime === 'string' && !ISO8601.test(e.startedDateTime)) errors.push(`${w}.startedDateTime: not ISO 8601`);
    if (e.pageref !== undefined && !pageIds.has(String(e.pageref))) errors.push(`${w}.pageref: no such page`);
    const req = checkObject(`${w}.request`, e.request, SPEC.request!, errors);
    const res = checkObject(`${w}.response`, e.response, SPEC.response!, errors);
    for (const [part, o] of [['request', req], ['response', res]] as const) {
      ((o.cookies as unknown[]) ?? []).forEach((c, j) => checkObject(`${w}.${part}.cookies[${j}]`, c, SPEC.cookie!, errors));
      ((o.headers as unknown[]) ?? []).forEach((h, j) => checkObject(`${w}.${part}.headers[${j}]`, h, SPEC.nameValue!, errors));
    }
    ((req.queryString as unknown[]) ?? []).forEach((q, j) => checkObject(`${w}.request.queryString[${j}]`, q, SPEC.nameValue!, errors));
    if (req.postData !== undefined) {
      const pd = checkObject(`${w}.request.postData`, req.postData, SPEC.postData!, errors);
      ((pd.params as unknown[]) ?? []).forEach((p, j) => checkObject(`${w}.request.postData.params[${j}]`, p, SPEC.param!, errors));
    }
    checkObject(`${w}.response.content`, res.content, SPEC.content!, errors);
    checkObject(`${w}.cache`, e.cache, SPEC.cache!, errors);
    const t = checkObject(`${w}.timings`, e.timings, SPEC.timings!, errors);
    let sum = 0;
    for (const k of ['blocked', 'dns', 'connect', 'send', 'wait', 'receive', 'ssl']) {
      const v = t[k];
      if (v === undefined) continue;
      const n = v as number;
      if (['send', 'wait', 'receive'].includes(k) ? n < 0 : n < -1) errors.push(`${w}.timings.${k}: ${n} out of range`);
      // ssl time is included in connect (spec), so it is not added twice.
      if (n >= 0 && k !== 'ssl') sum += n;
    }
    if (typeof e.time === 'number' && Math.abs(e.time - sum) > 0.01) errors.push(`${w}.time: ${e.time} is not the sum of the timings (${sum})`);
    for (const k of ['headersSize', 'bodySize'] as const) {
      if (typeof req[k] === 'number' && (req[k] as number) < -1) errors.push(`${w}.request.${k} < -1`);
      if (typeof res[k] === 'number' && (res[k] as number) < -1) errors.push(`${w}.response.${k} < -1`);
    }
  });
  return errors;
}

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
