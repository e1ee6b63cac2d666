/**
 * HTTP Archive 1.2 (http://www.softwareishard.com/blog/har-12-spec/) from
 * HTTP/1.x transactions, for import into browser developer tools.
 *
 * Mapping (units: milliseconds and bytes, as the spec says):
 * - startedDateTime: first request byte (ISO 8601); time: sum of the
 *   timings that apply.
 * - timings: send = request start → request end; wait = request end → first
 *   response byte; receive = first → last response byte. blocked, dns, ssl
 *   are -1 (not seen on the wire); connect is the TCP handshake (SYN to the
 *   handshake's final ACK) for the first request of a connection when the
 *   caller knows it, else -1.
 * - request.headersSize / response.headersSize: bytes from the start line
 *   through the empty line; bodySize: the body after de-chunking, before
 *   content decoding (so it equals content.size when there is no
 *   Content-Encoding, as the spec asks).
 * - response.content.size is the decoded size; `compression` the bytes
 *   saved; `text` the decoded body when bodies were kept, as text when it is
 *   valid UTF-8 of a textual type, otherwise base64 with encoding "base64".
 * - Requests without a response get status 0 (as browsers record aborted
 *   requests); responses whose request was not captured are left out (the
 *   log comment says how many).
 *
 * Everything is plain JSON made with JSON.stringify, so any byte from the
 * wire ends up escaped, never able to break the document.
 */
import type { HttpTx } from './http/tx.js';

export interface HarNameValue { name: string; value: string; comment?: string }
export interface HarCookie {
  name: string; value: string; path?: string; domain?: string; expires?: string; httpOnly?: boolean; secure?: boolean;
}
export interface HarTimings {
  blocked: number; dns: number; connect: number; send: number; wait: number; receive: number; ssl: number;
}
export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  time: number;
  request: {
    method: string; url: string; httpVersion: string; cookies: HarCookie[]; headers: HarNameValue[];
    queryString: HarNameValue[];
    postData?: { mimeType: string; params: HarNameValue[]; text: string; _encoding?: string };
    headersSize: number; bodySize: number;
  };
  response: {
    status: number; statusText: string; httpVersion: string; cookies: HarCookie[]; headers: HarNameValue[];
    content: { size: number; compression?: number; mimeType: string; text?: string; encoding?: string };
    redirectURL: string; headersSize: number; bodySize: number;
  };
  cache: Record<string, never>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _synack: Record<string, unknown>;
}
export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    pages?: { startedDateTime: string; id: string; title: string; pageTimings: { onContentLoad: number; onLoad: number } }[];
    entries: HarEntry[];
    comment?: string;
  };
}

export interface HarOptions {
  creatorVersion: string;
  /** Page title (the capture's file name); one page holds every entry. */
  title?: string;
  /** Server address of a connection ("192.0.2.1" or "2001:db8::1"), when known. */
  serverAddress?(connId: number): string | undefined;
  /** Server port of a connection, for URLs of requests without a Host header. */
  serverPort?(connId: number): number | undefined;
  /** TCP handshake duration in seconds, for the first request of a connection. */
  connectTime?(connId: number): number | null | undefined;
}

const ms = (s: number): number => Math.max(0, Math.round(s * 1e6) / 1e3);

export function buildHar(txs: readonly HttpTx[], opts: HarOptions): Har {
  const entries: HarEntry[] = [];
  let orphans = 0;
  for (const tx of txs) {
    if (tx.orphanResponse) { orphans++; continue; }
    entries.push(entry(tx, opts));
  }
  entries.sort((a, b) => (a.startedDateTime < b.startedDateTime ? -1 : a.startedDateTime > b.startedDateTime ? 1 : 0));
  const first = entries[0]?.startedDateTime ?? new Date(0).toISOString();
  for (const e of entries) e.pageref = 'page_1';
  const log: Har['log'] = {
    version: '1.2',
    creator: { name: 'synack', version: opts.creatorVersion },
    pages: [{ startedDateTime: first, id: 'page_1', title: opts.title ?? 'capture', pageTimings: { onContentLoad: -1, onLoad: -1 } }],
    entries,
  };
  if (orphans > 0) log.comment = `${orphans} response(s) whose request was not captured are not included`;
  return { log };
}

function entry(tx: HttpTx, opts: HarOptions): HarEntry {
  const reqHeaders = tx.requestHeaders;
  const resHeaders = tx.responseHeaders;
  const header = (h: [string, string][], name: string): string | undefined => {
    const n = name.toLowerCase();
    for (const [k, v] of h) if (k.toLowerCase() === n) return v;
    return undefined;
  };
  const url = absoluteUrl(tx, opts);
  const haveResponse = tx.status !== null || tx.responseStart !== null;
  const reqEnd = tx.requestEnd ?? tx.requestStart;
  const send = ms(reqEnd - tx.requestStart);
  const wait = tx.responseStart !== null ? ms(tx.responseStart - reqEnd) : 0;
  const receive = tx.responseStart !== null && tx.responseEnd !== null ? ms(tx.responseEnd - tx.responseStart) : 0;
  const connectS = tx.index === 1 ? opts.connectTime?.(tx.connId) : null;
  const connect = connectS !== null && connectS !== undefined && connectS >= 0 ? ms(connectS) : -1;
  const timings: HarTimings = { blocked: -1, dns: -1, connect, send, wait, receive, ssl: -1 };
  const time = Math.round((send + wait + receive + (connect > 0 ? connect : 0)) * 1000) / 1000;
  const started = connect > 0 ? tx.requestStart - connect / 1000 : tx.requestStart;

  const request: HarEntry['request'] = {
    method: tx.method,
    url,
    httpVersion: tx.version,
    cookies: requestCookies(header(reqHeaders, 'cookie')),
    headers: reqHeaders.map(([name, value]) => ({ name, value })),
    queryString: queryString(tx.uri),
    headersSize: tx.requestHeadBytes,
    bodySize: tx.requestBodyEntity,
  };
  if (tx.requestBody !== null && tx.requestBody.length > 0) {
    const mimeType = header(reqHeaders, 'content-type') ?? '';
    const asText = textOf(tx.requestBody, mimeType);
    request.postData = asText !== null
      ? { mimeType, params: formParams(mimeType, asText), text: asText }
      : { mimeType, params: [], text: Buffer.from(tx.requestBody).toString('base64'), _encoding: 'base64' };
  }

  const mimeType = tx.contentType !== '' ? tx.contentType : 'x-unknown';
  const content: HarEntry['response']['content'] = {
    size: tx.responseBodyDecoded >= 0 ? tx.responseBodyDecoded : tx.responseBodyEntity,
    mimeType,
  };
  if (tx.contentEncoding !== '' && tx.responseBodyDecoded >= 0) content.compression = tx.responseBodyDecoded - tx.responseBodyEntity;
  const body = tx.decodedBody();
  if (body !== null && body.length > 0) {
    const t = textOf(body, mimeType);
    if (t !== null) content.text = t;
    else { content.text = Buffer.from(body.buffer, body.byteOffset, body.length).toString('base64'); content.encoding = 'base64'; }
  }
  const response: HarEntry['response'] = {
    status: tx.status ?? 0,
    statusText: tx.reason,
    httpVersion: tx.responseVersion,
    cookies: resHeaders.filter(([k]) => k.toLowerCase() === 'set-cookie').map(([, v]) => setCookie(v)).filter((c): c is HarCookie => c !== null),
    headers: resHeaders.map(([name, value]) => ({ name, value })),
    content,
    redirectURL: header(resHeaders, 'location') ?? '',
    headersSize: haveResponse ? tx.responseHeadBytes : -1,
    bodySize: haveResponse ? tx.responseBodyEntity : -1,
  };
  const e: HarEntry = {
    startedDateTime: new Date(started * 1000).toISOString(),
    time,
    request,
    response,
    cache: {},
    timings,
    connection: String(tx.connId),
    _synack: {
      connId: tx.connId, index: tx.index, pipelined: tx.pipelined, persistence: tx.persistence,
      requestFrames: tx.requestFrames, responseFrames: tx.responseFrames,
      requestComplete: tx.requestComplete, responseComplete: tx.responseComplete,
    },
  };
  const ip = opts.serverAddress?.(tx.connId);
  if (ip) e.serverIPAddress = ip;
  const notes: string[] = [];
  if (!haveResponse) notes.push('no response captured');
  if (tx.notes) notes.push(...tx.notes);
  if (notes.length > 0) e.comment = notes.join('; ');
  return e;
}

/** Absolute URL (RFC 9112 §3.3): absolute-form as is, otherwise http:// + Host (or the server address) + target. */
export function absoluteUrl(tx: HttpTx, opts: Pick<HarOptions, 'serverAddress' | 'serverPort'> = {}): string {
  const uri = tx.uri;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri)) return uri;
  let host = tx.host;
  if (host === '') {
    const ip = opts.serverAddress?.(tx.connId) ?? '';
    const port = opts.serverPort?.(tx.connId);
    host = ip.includes(':') ? `[${ip}]` : ip;
    if (port !== undefined && port !== 80) host += `:${port}`;
  }
  if (tx.method === 'CONNECT') return `http://${uri}`;
  return `http://${host}${uri.startsWith('/') ? uri : uri === '*' ? '/*' : '/' + uri}`;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function queryString(uri: string): HarNameValue[] {
  const q = uri.indexOf('?');
  if (q < 0) return [];
  let query = uri.slice(q + 1);
  const hash = query.indexOf('#');
  if (hash >= 0) query = query.slice(0, hash);
  if (query === '') return [];
  return query.split('&').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? { name: decode(part), value: '' } : { name: decode(part.slice(0, eq)), value: decode(part.slice(eq + 1)) };
  });
}

function formParams(mimeType: string, text: string): HarNameValue[] {
  return /^application\/x-www-form-urlencoded/i.test(mimeType) ? queryString('?' + text) : [];
}

/** RFC 6265 §4.2.1: cookie-string = cookie-pair *( ";" SP cookie-pair ). */
export function requestCookies(value: string | undefined): HarCookie[] {
  if (value === undefined || value === '') return [];
  const out: HarCookie[] = [];
  for (const part of value.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    out.push(eq < 0 ? { name: p, value: '' } : { name: p.slice(0, eq).trim(), value: p.slice(eq + 1).trim() });
  }
  return out;
}

/** RFC 6265 §5.2: name=value, then attributes. */
export function setCookie(value: string): HarCookie | null {
  const parts = value.split(';');
  const first = parts[0]!.trim();
  const eq = first.indexOf('=');
  if (eq <= 0) return null;
  const c: HarCookie = { name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim() };
  for (const raw of parts.slice(1)) {
    const a = raw.trim();
    const i = a.indexOf('=');
    const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    const v = i < 0 ? '' : a.slice(i + 1).trim();
    if (k === 'path') c.path = v;
    else if (k === 'domain') c.domain = v;
    else if (k === 'expires') {
      const d = new Date(v);
      if (!Number.isNaN(d.getTime())) c.expires = d.toISOString();
    } else if (k === 'httponly') c.httpOnly = true;
    else if (k === 'secure') c.secure = true;
  }
  return c;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const TEXTUAL = /^(text\/|application\/(json|javascript|ecmascript|xml|xhtml\+xml|x-www-form-urlencoded|.*\+json|.*\+xml)|image\/svg\+xml)/i;

/** The body as text when it is valid UTF-8 of a textual type (or when no type says otherwise), else null. */
function textOf(body: Uint8Array, mimeType: string): string | null {
  if (mimeType !== '' && mimeType !== 'x-unknown' && !TEXTUAL.test(mimeType)) return null;
  try {
    const s = UTF8.decode(body);
    // Control characters other than whitespace suggest binary data: keep it exact as base64.
    return /[\u0000-\u0008\u000e-\u001f]/.test(s) ? null : s;
  } catch {
    return null;
  }
}
