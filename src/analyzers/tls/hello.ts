/**
 * ClientHello, ServerHello and Certificate bodies (RFC 8446 §4.1.2, §4.1.3,
 * §4.4.2; RFC 5246 §7.4.1.2, §7.4.2), parsed from a complete handshake
 * message body `buf[offset .. offset+length)`.
 *
 * Every length prefix is checked against the bytes that enclose it before
 * anything behind it is read, so no read leaves the body: a lying length ends
 * parsing with `error` set and the facts found so far kept (an SNI before a
 * broken extension is still reported). Nothing here throws.
 */
import { ExtensionType, isGrease } from './names.js';

/** RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
const HRR_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** Caps on what one hello may make us keep (the message itself is already bounded by the caller). */
const MAX_LIST_ITEMS = 256;

// Offsets within a hello body (RFC 8446 §4.1.2): legacy_version (2), random (32), session id.
const VERSION = 0;
const RANDOM = 2;
const RANDOM_LEN = 32;
const SESSION_ID_LEN = 34;
const MAX_SESSION_ID = 32;

export interface ClientHelloInfo {
  legacyVersion: number;
  /** Session id as hex ('' when empty): compared with the ServerHello's to see TLS ≤1.2 resumption. */
  sessionId: string;
  cipherSuites: number[];
  /** First host_name of server_name, as raw Latin-1 text (neutralise before printing); '' if absent. */
  sni: string;
  alpn: string[];
  /** supported_versions (RFC 8446 §4.2.1), GREASE values included as sent. */
  supportedVersions: number[];
  extensionCount: number;
  /** pre_shared_key offered (TLS 1.3 resumption attempt). */
  pskOffered: boolean;
  /** Non-empty session_ticket extension (RFC 5077 resumption attempt). */
  ticketOffered: boolean;
  earlyData: boolean;
  /** '' when the body parsed completely; otherwise what was wrong, facts found so far kept. */
  error: string;
}

export interface ServerHelloInfo {
  legacyVersion: number;
  /** supported_versions selected_version, or -1 when absent (then legacyVersion is the version). */
  selectedVersion: number;
  helloRetryRequest: boolean;
  sessionId: string;
  cipherSuite: number;
  compression: number;
  alpn: string;
  /** pre_shared_key accepted (TLS 1.3 resumption). */
  pskAccepted: boolean;
  extensionCount: number;
  error: string;
}

export interface CertificateInfo {
  /** Number of certificates in the chain as far as it could be walked. */
  count: number;
  /** Offset and length of the first (leaf) certificate's DER inside the buffer, or -1. */
  leafOffset: number;
  leafLength: number;
  error: string;
}

function u16(b: Uint8Array, o: number): number { return (b[o]! << 8) | b[o + 1]!; }
function u24(b: Uint8Array, o: number): number { return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!; }

/** Latin-1 text of raw bytes: one character per byte, so nothing is hidden or merged. */
export function latin1(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[o + i]!);
  return s;
}

function hex(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += b[o + i]!.toString(16).padStart(2, '0');
  return s;
}

/** Reads legacy_version, skips random, reads session id. Returns the offset after it, or -1 with `why`. */
function helloStart(b: Uint8Array, o: number, end: number, out: { sessionId: string; error: string }): number {
  if (end - o < SESSION_ID_LEN + 1) { out.error = 'hello shorter than version+random+session id'; return -1; }
  const sidLen = b[o + SESSION_ID_LEN]!;
  if (sidLen > MAX_SESSION_ID) { out.error = `session id length ${sidLen} > 32`; return -1; }
  const p = o + SESSION_ID_LEN + 1;
  if (p + sidLen > end) { out.error = 'session id exceeds message'; return -1; }
  out.sessionId = hex(b, p, sidLen);
  return p + sidLen;
}

/** RFC 6066 §3 ServerNameList: the first host_name. */
function parseServerName(b: Uint8Array, p: number, end: number): string | null {
  if (end - p < 2) return null;
  const listLen = u16(b, p);
  p += 2;
  if (p + listLen > end) return null;
  const listEnd = p + listLen;
  while (p + 3 <= listEnd) {
    const type = b[p]!;
    const n = u16(b, p + 1);
    p += 3;
    if (p + n > listEnd) return null;
    if (type === 0) return latin1(b, p, n);
    p += n;
  }
  return p === listEnd ? '' : null;
}

/** RFC 7301 §3.1 ProtocolNameList. Returns null when a length lies. */
function parseAlpn(b: Uint8Array, p: number, end: number): string[] | null {
  if (end - p < 2) return null;
  const listLen = u16(b, p);
  p += 2;
  if (p + listLen > end) return null;
  const listEnd = p + listLen;
  const out: string[] = [];
  while (p < listEnd) {
    const n = b[p]!;
    p += 1;
    if (p + n > listEnd) return null;
    if (out.length < MAX_LIST_ITEMS) out.push(latin1(b, p, n));
    p += n;
  }
  return out;
}

export function parseClientHello(b: Uint8Array, offset: number, length: number): ClientHelloInfo {
  const end = offset + length;
  const ch: ClientHelloInfo = {
    legacyVersion: -1, sessionId: '', cipherSuites: [], sni: '', alpn: [], supportedVersions: [],
    extensionCount: 0, pskOffered: false, ticketOffered: false, earlyData: false, error: '',
  };
  if (length >= 2) ch.legacyVersion = u16(b, offset + VERSION);
  let p = helloStart(b, offset, end, ch);
  if (p < 0) return ch;
  // cipher_suites<2..2^16-2>
  if (p + 2 > end) { ch.error = 'cipher suites missing'; return ch; }
  const csLen = u16(b, p);
  p += 2;
  if (p + csLen > end) { ch.error = 'cipher suites length exceeds message'; return ch; }
  if (csLen & 1) { ch.error = 'odd cipher suites length'; return ch; }
  for (let i = 0; i < csLen; i += 2) ch.cipherSuites.push(u16(b, p + i));
  p += csLen;
  // legacy_compression_methods<1..2^8-1>
  if (p + 1 > end) { ch.error = 'compression methods missing'; return ch; }
  const cmLen = b[p]!;
  p += 1;
  if (p + cmLen > end) { ch.error = 'compression methods length exceeds message'; return ch; }
  p += cmLen;
  // Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.2: "may" be present).
  if (p === end) return ch;
  parseExtensions(b, p, end, ch, (type, q, qEnd) => {
    switch (type) {
      case ExtensionType.server_name: {
        const sni = parseServerName(b, q, qEnd);
        if (sni === null) return 'server_name length exceeds extension';
        ch.sni = sni;
        return '';
      }
      case ExtensionType.alpn: {
        const alpn = parseAlpn(b, q, qEnd);
        if (alpn === null) return 'ALPN length exceeds extension';
        ch.alpn = alpn;
        return '';
      }
      case ExtensionType.supported_versions: {
        if (qEnd - q < 1) return 'supported_versions empty';
        const n = b[q]!;
        if (q + 1 + n > qEnd || (n & 1)) return 'supported_versions length invalid';
        for (let i = 0; i < n && ch.supportedVersions.length < MAX_LIST_ITEMS; i += 2) ch.supportedVersions.push(u16(b, q + 1 + i));
        return '';
      }
      case ExtensionType.pre_shared_key: ch.pskOffered = true; return '';
      case ExtensionType.session_ticket: ch.ticketOffered = qEnd > q; return '';
      case ExtensionType.early_data: ch.earlyData = true; return '';
    }
    return '';
  });
  return ch;
}

export function parseServerHello(b: Uint8Array, offset: number, length: number): ServerHelloInfo {
  const end = offset + length;
  const sh: ServerHelloInfo = {
    legacyVersion: -1, selectedVersion: -1, helloRetryRequest: false, sessionId: '', cipherSuite: -1,
    compression: -1, alpn: '', pskAccepted: false, extensionCount: 0, error: '',
  };
  if (length >= 2) sh.legacyVersion = u16(b, offset + VERSION);
  if (length >= RANDOM + RANDOM_LEN) {
    let hrr = true;
    for (let i = 0; i < RANDOM_LEN; i++) if (b[offset + RANDOM + i] !== HRR_RANDOM[i]) { hrr = false; break; }
    sh.helloRetryRequest = hrr;
  }
  let p = helloStart(b, offset, end, sh);
  if (p < 0) return sh;
  if (p + 3 > end) { sh.error = 'cipher suite or compression missing'; return sh; }
  sh.cipherSuite = u16(b, p);
  sh.compression = b[p + 2]!;
  p += 3;
  if (p === end) return sh;
  parseExtensions(b, p, end, sh, (type, q, qEnd) => {
    switch (type) {
      case ExtensionType.supported_versions:
        if (qEnd - q !== 2) return 'supported_versions length is not 2';
        sh.selectedVersion = u16(b, q);
        return '';
      case ExtensionType.alpn: {
        const alpn = parseAlpn(b, q, qEnd);
        if (alpn === null) return 'ALPN length exceeds extension';
        // RFC 7301 §3.1: the server's list contains exactly one protocol.
        sh.alpn = alpn[0] ?? '';
        return '';
      }
      case ExtensionType.pre_shared_key: sh.pskAccepted = true; return '';
    }
    return '';
  });
  return sh;
}

/**
 * Walks extensions<..2^16-1> starting at the length prefix at `p`. `each`
 * returns '' or an error; the first error stops the walk.
 */
function parseExtensions(
  b: Uint8Array, p: number, end: number, out: { extensionCount: number; error: string },
  each: (type: number, p: number, end: number) => string,
): void {
  if (p + 2 > end) { out.error = 'extensions length truncated'; return; }
  const extLen = u16(b, p);
  p += 2;
  if (p + extLen > end) { out.error = 'extensions length exceeds message'; return; }
  const extEnd = p + extLen;
  while (p < extEnd) {
    if (p + 4 > extEnd) { out.error = 'extension header truncated'; return; }
    const type = u16(b, p);
    const n = u16(b, p + 2);
    p += 4;
    if (p + n > extEnd) { out.error = `extension ${type} length exceeds extensions`; return; }
    out.extensionCount++;
    const why = each(type, p, p + n);
    if (why !== '') { out.error = why; return; }
    p += n;
  }
  if (extEnd !== end) out.error = 'bytes after extensions';
}

/**
 * TLS ≤1.2 Certificate (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>. TLS 1.3's form (RFC 8446 §4.4.2) is encrypted and never reaches here.
 */
export function parseCertificateList(b: Uint8Array, offset: number, length: number): CertificateInfo {
  const out: CertificateInfo = { count: 0, leafOffset: -1, leafLength: 0, error: '' };
  const end = offset + length;
  if (length < 3) { out.error = 'certificate list length missing'; return out; }
  const listLen = u24(b, offset);
  let p = offset + 3;
  if (p + listLen > end) { out.error = 'certificate list length exceeds message'; return out; }
  const listEnd = p + listLen;
  while (p < listEnd) {
    if (p + 3 > listEnd) { out.error = 'certificate length truncated'; return out; }
    const n = u24(b, p);
    p += 3;
    if (p + n > listEnd) { out.error = 'certificate length exceeds list'; return out; }
    if (out.count === 0) { out.leafOffset = p; out.leafLength = n; }
    out.count++;
    p += n;
  }
  return out;
}

/** Versions a ClientHello offers, best first, GREASE left out ("TLS1.3,TLS1.2"). */
export function offeredVersions(ch: ClientHelloInfo): number[] {
  if (ch.supportedVersions.length === 0) return ch.legacyVersion >= 0 ? [ch.legacyVersion] : [];
  return ch.supportedVersions.filter((v) => !isGrease(v));
}
