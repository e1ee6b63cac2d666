/**
 * HTTP/1.x message heads (RFC 9112 §2–§6): the start line and the header
 * fields that decide framing, read straight from the bytes of a complete head
 * (`start .. end`, ending with the empty line). Nothing here allocates except
 * the few strings a transaction keeps (method, URI, version, reason); all
 * other facts are byte spans or small numbers in a reused `HeadInfo`.
 *
 * The caller (parser.ts) has already bounded the head (line length, line
 * count, total bytes), so this code only has to be correct, not defensive
 * about size. Every index it reads is inside `start .. end`.
 */

export const Upgrade = { none: 0, websocket: 1, h2c: 2, other: 3 } as const;
export const Coding = { none: 0, gzip: 1, deflate: 2, br: 3, identity: 4, other: 5 } as const;

/** What a head says, as spans into the head's buffer and small numbers. Reused per direction. */
export class HeadInfo {
  ok = false;
  /** Why the start line was rejected, when !ok. */
  error = '';
  isResponse = false;
  method = '';
  uriStart = 0;
  uriEnd = 0;
  version = '';
  /** 9 for HTTP/0.9 (request line without version), 10, 11, 20… */
  versionNum = 11;
  status = 0;
  reasonStart = 0;
  reasonEnd = 0;
  /** -1: no Content-Length; -2: invalid or conflicting. */
  contentLength = -1;
  chunked = false;
  /** Transfer-Encoding present but not ending in chunked (RFC 9112 §6.3 rule 4/5). */
  teOther = false;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  upgrade: number = Upgrade.none;
  expectContinue = false;
  hostStart = -1;
  hostEnd = -1;
  ctStart = -1;
  ctEnd = -1;
  coding: number = Coding.none;
  wsKeyStart = -1;
  wsKeyEnd = -1;
  wsAcceptStart = -1;
  wsAcceptEnd = -1;

  reset(): void {
    this.ok = false;
    this.error = '';
    this.method = '';
    this.version = '';
    this.versionNum = 11;
    this.status = 0;
    this.uriStart = this.uriEnd = this.reasonStart = this.reasonEnd = 0;
    this.contentLength = -1;
    this.chunked = this.teOther = false;
    this.connClose = this.connKeepAlive = this.connUpgrade = false;
    this.upgrade = Upgrade.none;
    this.expectContinue = false;
    this.hostStart = this.hostEnd = this.ctStart = this.ctEnd = -1;
    this.coding = Coding.none;
    this.wsKeyStart = this.wsKeyEnd = this.wsAcceptStart = this.wsAcceptEnd = -1;
  }
}

const SP = 0x20, HT = 0x09, CR = 0x0d, LF = 0x0a, COLON = 0x3a, COMMA = 0x2c;

/** RFC 9110 §5.6.2 tchar. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/**
 * Where the colon ending a field name that `field` looks at (Host, Expect, Upgrade, Connection,
 * Content-*, Transfer-Encoding, Sec-WebSocket-*) would be in the line buf[p..e), or -1 when the line
 * cannot hold one of them. The name's first letter (either case) gives the few lengths it can have,
 * so a line is not scanned for its colon: a name followed by a colon at one of those lengths is the
 * one `field` would have found by scanning (none of these names contains a colon, so a colon earlier
 * in the line makes `field` reject it either way). Never a space or tab first: obs-fold lines are
 * skipped too.
 */
function nameColon(buf: Uint8Array, p: number, e: number): number {
  switch (buf[p]! | 0x20) {
    case 0x68: return colonAt(buf, p + 4, e); // host
    case 0x65: return colonAt(buf, p + 6, e); // expect
    case 0x75: return colonAt(buf, p + 7, e); // upgrade
    case 0x63: { // connection, content-type, content-length, content-encoding
      const a = colonAt(buf, p + 10, e);
      if (a >= 0) return a;
      const b = colonAt(buf, p + 12, e);
      if (b >= 0) return b;
      const c = colonAt(buf, p + 14, e);
      return c >= 0 ? c : colonAt(buf, p + 16, e);
    }
    case 0x74: return colonAt(buf, p + 17, e); // transfer-encoding
    case 0x73: { // sec-websocket-key, sec-websocket-accept
      const a = colonAt(buf, p + 17, e);
      return a >= 0 ? a : colonAt(buf, p + 20, e);
    }
    default: return -1;
  }
}

function colonAt(buf: Uint8Array, q: number, e: number): number {
  return q < e && buf[q] === COLON ? q : -1;
}

/** Methods we name without allocating, and that resynchronisation accepts as a message start. */
export const METHODS = [
  'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'PATCH',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT',
  'MKACTIVITY', 'CHECKOUT', 'MERGE', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PURGE', 'LINK', 'UNLINK',
  'MKCALENDAR', 'ACL', 'BIND', 'REBIND', 'UNBIND', 'MSEARCH', 'M-SEARCH', 'SOURCE', 'QUERY',
] as const;
const METHOD_BYTES = METHODS.map((m) => Uint8Array.from(m, (c) => c.charCodeAt(0)));

/** Known method at buf[s..e) (exact), or ''. */
function knownMethod(buf: Uint8Array, s: number, e: number): string {
  const n = e - s;
  for (let i = 0; i < METHOD_BYTES.length; i++) {
    const m = METHOD_BYTES[i]!;
    if (m.length !== n) continue;
    let j = 0;
    while (j < n && buf[s + j] === m[j]) j++;
    if (j === n) return METHODS[i]!;
  }
  return '';
}

/**
 * True when buf[p..end) begins like a request line: a known method then a
 * space. Used to detect HTTP by content and to resynchronise.
 */
export function looksLikeRequest(buf: Uint8Array, p: number, end: number): boolean {
  const lim = Math.min(end, p + 13);
  for (let q = p; q < lim; q++) {
    const b = buf[q]!;
    if (b === SP) return q > p && knownMethod(buf, p, q) !== '';
    if (TCHAR[b] === 0) return false;
  }
  return false;
}

/** True when buf[p..end) begins with "HTTP/" and a digit (a status line). */
export function looksLikeResponse(buf: Uint8Array, p: number, end: number): boolean {
  return end - p >= 6 && buf[p] === 0x48 && buf[p + 1] === 0x54 && buf[p + 2] === 0x54 && buf[p + 3] === 0x50
    && buf[p + 4] === 0x2f && buf[p + 5]! >= 0x30 && buf[p + 5]! <= 0x39;
}

/**
 * How many leading bytes of buf[p..end) agree with a message start of the
 * given kind: -1 = they cannot start one, 0 = not enough bytes yet to say, 1 = plausible.
 */
export function startVerdict(buf: Uint8Array, p: number, end: number, response: boolean): number {
  if (response) {
    const n = Math.min(end - p, 5);
    for (let i = 0; i < n; i++) if (buf[p + i] !== HTTP_SLASH[i]) return -1;
    return n === 5 ? 1 : 0;
  }
  const lim = Math.min(end, p + 21);
  for (let q = p; q < lim; q++) {
    const b = buf[q]!;
    if (b === SP) return q > p ? 1 : -1;
    if (TCHAR[b] === 0) return -1;
  }
  return lim - p >= 21 ? -1 : 0;
}

const HTTP_SLASH = Uint8Array.of(0x48, 0x54, 0x54, 0x50, 0x2f);

const VERSIONS: Record<number, string> = { 9: 'HTTP/0.9', 10: 'HTTP/1.0', 11: 'HTTP/1.1', 20: 'HTTP/2.0' };

/** Parses "HTTP/d.d" at buf[s..e); returns major*10+minor or -1. */
function parseVersion(buf: Uint8Array, s: number, e: number): number {
  if (e - s !== 8 || buf[s] !== 0x48 || buf[s + 1] !== 0x54 || buf[s + 2] !== 0x54 || buf[s + 3] !== 0x50
    || buf[s + 4] !== 0x2f || buf[s + 6] !== 0x2e) return -1;
  const a = buf[s + 5]! - 0x30, b = buf[s + 7]! - 0x30;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

function versionString(v: number): string {
  return VERSIONS[v] ?? `HTTP/${Math.floor(v / 10)}.${v % 10}`;
}

/** Decodes bytes as text: ASCII/Latin-1 byte-for-byte, UTF-8 when the bytes are valid UTF-8. */
export function text(buf: Uint8Array, s: number, e: number): string {
  if (e <= s) return '';
  for (let i = s; i < e; i++) {
    if (buf[i]! >= 0x80) {
      try {
        return UTF8.decode(buf.subarray(s, e));
      } catch {
        break;
      }
    }
  }
  return latin1(buf, s, e);
}
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, s: number, e: number) => string;
export function latin1(buf: Uint8Array, s: number, e: number): string {
  return latin1Slice.call(buf, s, e);
}

/** Case-insensitive compare of buf[s..s+lit.length) with a lower-case ASCII literal. */
function eqi(buf: Uint8Array, s: number, lit: Uint8Array): boolean {
  for (let i = 0; i < lit.length; i++) if ((buf[s + i]! | 0x20) !== lit[i]) return false;
  return true;
}

const lit = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const H_HOST = lit('host'), H_EXPECT = lit('expect'), H_UPGRADE = lit('upgrade'), H_CONNECTION = lit('connection');
const H_CT = lit('content-type'), H_CL = lit('content-length'), H_CE = lit('content-encoding');
const H_TE = lit('transfer-encoding'), H_WSKEY = lit('sec-websocket-key'), H_WSACCEPT = lit('sec-websocket-accept');
const T_CHUNKED = lit('chunked'), T_CLOSE = lit('close'), T_KEEPALIVE = lit('keep-alive'), T_UPGRADE = lit('upgrade');
const T_WEBSOCKET = lit('websocket'), T_H2C = lit('h2c'), T_100 = lit('100-continue');
const T_GZIP = lit('gzip'), T_XGZIP = lit('x-gzip'), T_DEFLATE = lit('deflate'), T_BR = lit('br'), T_IDENTITY = lit('identity');

/**
 * Comma-separated list walking without closures (RFC 9110 §5.6.1): call
 * `nextToken(buf, p, e)` with p = start; it returns the token's start (or -1
 * when none is left) and sets `tokEnd` (token end, trimmed) and `tokNext`
 * (where to continue).
 */
let tokEnd = 0;
let tokNext = 0;
function nextToken(buf: Uint8Array, p: number, e: number): number {
  while (p < e && (buf[p] === SP || buf[p] === HT || buf[p] === COMMA)) p++;
  if (p >= e) return -1;
  let q = p;
  while (q < e && buf[q] !== COMMA) q++;
  let r = q;
  while (r > p && (buf[r - 1] === SP || buf[r - 1] === HT)) r--;
  tokEnd = r;
  tokNext = q + 1;
  return p;
}

/** Index of the LF ending the line that starts at p, or -1 (never beyond end). */
function lineEnd(buf: Uint8Array, p: number, end: number): number {
  for (let q = p; q < end; q++) if (buf[q] === LF) return q;
  return -1;
}

/**
 * Parses a complete head buf[start..end) into `h`. `response` says which kind
 * of start line to expect. With `startLineOnly`, header fields are skipped
 * (used when a cap cut the head). Returns h.ok.
 */
export function parseHead(
  buf: Uint8Array, start: number, end: number, response: boolean, h: HeadInfo, startLineOnly = false,
  lineEnds: Int32Array | null = null, nLines = 0,
): boolean {
  h.reset();
  h.isResponse = response;
  let le = lineEnds !== null && nLines > 0 ? lineEnds[0]! : lineEnd(buf, start, end);
  if (le < 0) le = end;
  let e = le > start && buf[le - 1] === CR ? le - 1 : le;
  if (response ? !parseStatusLine(buf, start, e, h) : !parseRequestLine(buf, start, e, h)) return false;
  h.ok = true;
  if (startLineOnly) return true;
  let p = le + 1;
  let line = 1;
  while (p < end) {
    // The caller may already know where each line ends (it looked for the empty line).
    le = lineEnds !== null ? (line < nLines ? lineEnds[line]! : end - 1) : lineEnd(buf, p, end);
    line++;
    if (le < 0) le = end;
    e = le > p && buf[le - 1] === CR ? le - 1 : le;
    if (e <= p) break; // the empty line
    // Only the fields `field` reads matter here: other lines (Date, Server, Accept, an obs-fold
    // continuation, a line without a colon, …) are not looked at further.
    const colon = nameColon(buf, p, e);
    if (colon < 0) {
      p = le + 1;
      continue;
    }
    let vs = colon + 1;
    while (vs < e && (buf[vs] === SP || buf[vs] === HT)) vs++;
    let ve = e;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
    field(buf, p, colon, vs, ve, h);
    p = le + 1;
  }
  return true;
}

function field(buf: Uint8Array, ns: number, ne: number, vs: number, ve: number, h: HeadInfo): void {
  switch (ne - ns) {
    case 4:
      if (eqi(buf, ns, H_HOST) && h.hostStart < 0) { h.hostStart = vs; h.hostEnd = ve; }
      return;
    case 6:
      if (eqi(buf, ns, H_EXPECT) && ve - vs === T_100.length && eqi(buf, vs, T_100)) h.expectContinue = true;
      return;
    case 7:
      if (eqi(buf, ns, H_UPGRADE) && h.upgrade === Upgrade.none) {
        // The first protocol the client lists, or the one the server picked ("websocket", "h2c", maybe "/version").
        const s = nextToken(buf, vs, ve);
        if (s < 0) return;
        let q = s;
        while (q < tokEnd && buf[q] !== 0x2f) q++;
        h.upgrade = q - s === T_WEBSOCKET.length && eqi(buf, s, T_WEBSOCKET) ? Upgrade.websocket
          : q - s === T_H2C.length && eqi(buf, s, T_H2C) ? Upgrade.h2c : Upgrade.other;
      }
      return;
    case 10:
      if (eqi(buf, ns, H_CONNECTION)) {
        // Usually one option: without a comma the whole (trimmed) value is the one token the list walk would find.
        let c = vs;
        while (c < ve && buf[c] !== COMMA) c++;
        if (c === ve) {
          if (ve > vs) connectionOption(buf, vs, ve, h);
        } else {
          for (let s = nextToken(buf, vs, ve); s >= 0; s = nextToken(buf, tokNext, ve)) connectionOption(buf, s, tokEnd, h);
        }
      }
      return;
    case 12:
      if (eqi(buf, ns, H_CT) && h.ctStart < 0) { h.ctStart = vs; h.ctEnd = ve; }
      return;
    case 14:
      if (eqi(buf, ns, H_CL)) contentLength(buf, vs, ve, h);
      return;
    case 16:
      if (eqi(buf, ns, H_CE)) {
        let n = 0;
        for (let s = nextToken(buf, vs, ve); s >= 0; s = nextToken(buf, tokNext, ve)) {
          const len = tokEnd - s;
          const c = len === 4 && eqi(buf, s, T_GZIP) ? Coding.gzip
            : len === 6 && eqi(buf, s, T_XGZIP) ? Coding.gzip
            : len === 7 && eqi(buf, s, T_DEFLATE) ? Coding.deflate
            : len === 2 && eqi(buf, s, T_BR) ? Coding.br
            : len === 8 && eqi(buf, s, T_IDENTITY) ? Coding.identity : Coding.other;
          if (c === Coding.identity) continue;
          n++;
          h.coding = n > 1 ? Coding.other : c; // only a single coding is decoded
        }
        if (h.coding === Coding.none && n === 0 && ve > vs) h.coding = Coding.identity;
      }
      return;
    case 17:
      if (eqi(buf, ns, H_TE)) {
        // RFC 9112 §6.1: chunked must be the final coding; we look at the last token.
        let last = -1, lastEnd = -1;
        for (let s = nextToken(buf, vs, ve); s >= 0; s = nextToken(buf, tokNext, ve)) { last = s; lastEnd = tokEnd; }
        if (last >= 0 && lastEnd - last === T_CHUNKED.length && eqi(buf, last, T_CHUNKED)) {
          h.chunked = true;
          h.teOther = false;
        } else if (last >= 0) {
          h.chunked = false;
          h.teOther = true;
        }
      } else if (eqi(buf, ns, H_WSKEY)) {
        h.wsKeyStart = vs; h.wsKeyEnd = ve;
      }
      return;
    case 20:
      if (eqi(buf, ns, H_WSACCEPT)) { h.wsAcceptStart = vs; h.wsAcceptEnd = ve; }
      return;
  }
}

function connectionOption(buf: Uint8Array, s: number, e: number, h: HeadInfo): void {
  const n = e - s;
  if (n === 5 && eqi(buf, s, T_CLOSE)) h.connClose = true;
  else if (n === 10 && eqi(buf, s, T_KEEPALIVE)) h.connKeepAlive = true;
  else if (n === 7 && eqi(buf, s, T_UPGRADE)) h.connUpgrade = true;
}

/** RFC 9110 §8.6: digits; a list of identical values is accepted, anything else is invalid. */
function contentLength(buf: Uint8Array, vs: number, ve: number, h: HeadInfo): void {
  // The usual value is one number: read it without walking a list (the same result as the loop below).
  let m = 0, j = vs;
  for (; j < ve; j++) {
    const d = buf[j]! - 0x30;
    if (d < 0 || d > 9 || m > 9e14) break;
    m = m * 10 + d;
  }
  if (j === ve && ve > vs) {
    h.contentLength = h.contentLength === -1 || h.contentLength === m ? m : -2;
    return;
  }
  let value = -1;
  let bad = false;
  for (let s = nextToken(buf, vs, ve); s >= 0 && !bad; s = nextToken(buf, tokNext, ve)) {
    let n = 0;
    for (let i = s; i < tokEnd; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9 || n > 9e14) { bad = true; break; }
      n = n * 10 + d;
    }
    if (value >= 0 && n !== value) bad = true;
    value = n;
  }
  if (bad || value < 0) h.contentLength = -2;
  else if (h.contentLength === -1 || h.contentLength === value) h.contentLength = value;
  else h.contentLength = -2;
}

function parseRequestLine(buf: Uint8Array, s: number, e: number, h: HeadInfo): boolean {
  let sp1 = s;
  while (sp1 < e && TCHAR[buf[sp1]!] === 1) sp1++;
  if (sp1 === s || sp1 === e || buf[sp1] !== SP) { h.error = 'request line: bad method'; return false; }
  const known = knownMethod(buf, s, sp1);
  h.method = known !== '' ? known : latin1(buf, s, sp1);
  let us = sp1 + 1;
  while (us < e && buf[us] === SP) us++;
  // The version is after the last space; without one this is an HTTP/0.9 request (RFC 1945 §4.1).
  let sp2 = e;
  while (sp2 > us && buf[sp2 - 1] !== SP) sp2--;
  let v = -1;
  if (sp2 > us) v = parseVersion(buf, sp2, e);
  if (v < 0) {
    if (sp2 > us) { h.error = 'request line: bad version'; return false; }
    h.versionNum = 9;
    h.version = VERSIONS[9]!;
    h.uriStart = us;
    h.uriEnd = e;
  } else {
    h.versionNum = v;
    h.version = versionString(v);
    let ue = sp2 - 1;
    while (ue > us && buf[ue - 1] === SP) ue--;
    h.uriStart = us;
    h.uriEnd = ue;
  }
  if (h.uriEnd <= h.uriStart) { h.error = 'request line: no target'; return false; }
  return true;
}

function parseStatusLine(buf: Uint8Array, s: number, e: number, h: HeadInfo): boolean {
  const v = parseVersion(buf, s, Math.min(e, s + 8));
  if (v < 0) { h.error = 'status line: bad version'; return false; }
  h.versionNum = v;
  h.version = versionString(v);
  let p = s + 8;
  if (p >= e || buf[p] !== SP) { h.error = 'status line: no status code'; return false; }
  while (p < e && buf[p] === SP) p++;
  let code = 0, n = 0;
  while (p < e && n < 3 && buf[p]! >= 0x30 && buf[p]! <= 0x39) { code = code * 10 + buf[p]! - 0x30; p++; n++; }
  if (n !== 3 || (p < e && buf[p] !== SP)) { h.error = 'status line: bad status code'; return false; }
  h.status = code;
  while (p < e && buf[p] === SP) p++;
  h.reasonStart = p;
  h.reasonEnd = e;
  return true;
}

/**
 * Splits a complete raw head into its header fields (raw order kept), for
 * display and HAR. `withStartLine` false reads a chunked trailer section.
 */
export function headerFields(buf: Uint8Array, start: number, end: number, withStartLine = true): [string, string][] {
  const out: [string, string][] = [];
  let le: number;
  let p = start;
  if (withStartLine) {
    le = lineEnd(buf, start, end);
    if (le < 0) return out;
    p = le + 1;
  }
  while (p < end) {
    le = lineEnd(buf, p, end);
    if (le < 0) le = end;
    const e = le > p && buf[le - 1] === CR ? le - 1 : le;
    if (e === p) break;
    const b0 = buf[p]!;
    let colon = p;
    while (colon < e && buf[colon] !== COLON) colon++;
    if ((b0 === SP || b0 === HT) && out.length > 0) {
      // obs-fold: joined to the previous value with one space.
      const prev = out[out.length - 1]!;
      let s = p;
      while (s < e && (buf[s] === SP || buf[s] === HT)) s++;
      prev[1] = prev[1] + ' ' + text(buf, s, e);
    } else if (colon < e) {
      let vs = colon + 1;
      while (vs < e && (buf[vs] === SP || buf[vs] === HT)) vs++;
      let ve = e;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
      out.push([text(buf, p, colon), text(buf, vs, ve)]);
    } else {
      out.push([text(buf, p, e), '']);
    }
    p = le + 1;
  }
  return out;
}

/** The start line of a raw head, as text (without CRLF). */
export function startLine(buf: Uint8Array, start: number, end: number): string {
  let le = lineEnd(buf, start, end);
  if (le < 0) le = end;
  const e = le > start && buf[le - 1] === CR ? le - 1 : le;
  return text(buf, start, e);
}
