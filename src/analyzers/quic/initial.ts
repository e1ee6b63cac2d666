/**
 * QUIC Initial packets can be read by anyone: their keys derive from the
 * client's first Destination Connection ID and a salt published in the RFC
 * (RFC 9001 §5.2; RFC 9369 §3.3.1 for v2). That is how the ClientHello (SNI,
 * ALPN) and ServerHello of a QUIC handshake are seen, as Wireshark shows
 * them. Everything after (Handshake, 0-RTT, 1-RTT packets) needs the TLS
 * secrets and stays encrypted.
 *
 * Steps (RFC 9001 §5): initial_secret = HKDF-Extract(salt, DCID); client and
 * server secrets by HKDF-Expand-Label "client in" / "server in"; key, iv, hp
 * by "quic key" / "quic iv" / "quic hp" ("quicv2 …" in v2). Header
 * protection (§5.4): AES-ECB of a 16-byte sample taken 4 bytes after the
 * packet number's start gives the mask for the first byte's low 4 bits and
 * the packet number. Payload: AES-128-GCM with nonce = iv XOR packet number
 * and the unprotected header as associated data (§5.3).
 *
 * Nothing here throws; the caller's buffer is never modified.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { QUIC_V1, QUIC_V2, type QuicLongHeader, readVarint } from './header.js';

const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex');
/** draft-ietf-quic-tls-29 (also used by drafts 30–32). */
const SALT_DRAFT29 = Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex');
const SAMPLE_LEN = 16;
const TAG_LEN = 16;
const PN_SAMPLE_OFFSET = 4;

export interface PacketKeys { key: Buffer; iv: Buffer; hp: Buffer }
export interface InitialKeys { client: PacketKeys; server: PacketKeys }

function hkdfExtract(salt: Buffer, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}

/** RFC 5869 HKDF-Expand with SHA-256. */
function hkdfExpand(prk: Buffer, info: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1, have = 0; have < length; i++) {
    prev = createHmac('sha256', prk).update(Buffer.concat([prev, info, Buffer.from([i])])).digest();
    out.push(prev);
    have += prev.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 8446 §7.1 HKDF-Expand-Label with an empty context. */
export function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  return hkdfExpand(secret, info, length);
}

function saltFor(version: number): Buffer | null {
  if (version === QUIC_V1) return SALT_V1;
  if (version === QUIC_V2) return SALT_V2;
  if (version >= 0xff00001d && version <= 0xff000020) return SALT_DRAFT29;
  return null;
}

/** Keys for both directions' Initial packets, or null for a version whose salt we do not know. */
export function initialKeys(version: number, dcid: Uint8Array): InitialKeys | null {
  const salt = saltFor(version);
  if (!salt) return null;
  const initial = hkdfExtract(salt, dcid);
  const prefix = version === QUIC_V2 ? 'quicv2 ' : 'quic ';
  const derive = (secret: Buffer): PacketKeys => ({
    key: hkdfExpandLabel(secret, prefix + 'key', 16),
    iv: hkdfExpandLabel(secret, prefix + 'iv', 12),
    hp: hkdfExpandLabel(secret, prefix + 'hp', 16),
  });
  return {
    client: derive(hkdfExpandLabel(initial, 'client in', 32)),
    server: derive(hkdfExpandLabel(initial, 'server in', 32)),
  };
}

/** RFC 9000 §A.3: the full packet number closest to largest+1 with the given low bits. */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const hwin = win / 2;
  const mask = win - 1;
  const candidate = expected - (expected % win) + (truncated & mask);
  if (candidate <= expected - hwin && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

export interface Decrypted { packetNumber: number; payload: Buffer }

/**
 * Removes header protection and decrypts one Initial packet starting at
 * `buf[offset]` whose header is `h`. Returns null when the packet is too
 * short to sample or authentication fails (wrong keys, corrupted packet).
 */
export function decryptInitial(buf: Uint8Array, offset: number, h: QuicLongHeader, keys: PacketKeys, largestPn: number): Decrypted | null {
  if (h.pnOffset < 0 || h.error) return null;
  const end = offset + h.packetLength;
  const pnAt = offset + h.pnOffset;
  const sampleAt = pnAt + PN_SAMPLE_OFFSET;
  if (sampleAt + SAMPLE_LEN > end) return null;
  try {
    const ecb = createCipheriv('aes-128-ecb', keys.hp, null);
    ecb.setAutoPadding(false);
    const mask = ecb.update(buf.subarray(sampleAt, sampleAt + SAMPLE_LEN));
    const first = buf[offset]! ^ (mask[0]! & 0x0f); // long header: 4 protected bits
    const pnLen = (first & 0x03) + 1;
    if (pnAt + pnLen + TAG_LEN > end) return null;
    const header = Buffer.from(buf.subarray(offset, pnAt + pnLen)); // a copy: the frame stays untouched
    header[0] = first;
    let truncated = 0;
    for (let i = 0; i < pnLen; i++) {
      header[h.pnOffset + i] = header[h.pnOffset + i]! ^ mask[1 + i]!;
      truncated = truncated * 256 + header[h.pnOffset + i]!;
    }
    const pn = decodePacketNumber(largestPn, truncated, pnLen * 8);
    const nonce = Buffer.from(keys.iv);
    let x = pn;
    for (let i = 0; i < 8 && x > 0; i++) {
      nonce[11 - i] = nonce[11 - i]! ^ (x % 256);
      x = Math.floor(x / 256);
    }
    const gcm = createDecipheriv('aes-128-gcm', keys.key, nonce);
    gcm.setAAD(header);
    gcm.setAuthTag(buf.subarray(end - TAG_LEN, end));
    const payload = Buffer.concat([gcm.update(buf.subarray(pnAt + pnLen, end - TAG_LEN)), gcm.final()]);
    return { packetNumber: pn, payload };
  } catch {
    // Authentication failed or keys unusable: the packet stays opaque.
    return null;
  }
}

export interface InitialFrames {
  /** Frame names in order, runs of PADDING folded into one. */
  names: string[];
  error: string;
  /** CONNECTION_CLOSE error code and reason, when present. */
  close: string;
}

/**
 * Frames of a decrypted Initial payload (RFC 9000 §19; only PADDING, PING,
 * ACK, CRYPTO and CONNECTION_CLOSE may appear in Initial packets, §12.4).
 * CRYPTO data goes to `onCrypto(streamOffset, payload, start, length)`.
 */
export function readInitialFrames(p: Uint8Array, onCrypto: (streamOffset: number, b: Uint8Array, o: number, n: number) => void): InitialFrames {
  const out: InitialFrames = { names: [], error: '', close: '' };
  const v = { value: 0, size: 0 };
  const end = p.length;
  let i = 0;
  const varint = (): number => {
    readVarint(p, i, end, v);
    if (v.size === 0) throw new RangeError('frame field runs past the payload');
    i += v.size;
    return v.value;
  };
  try {
    while (i < end) {
      const type = varint();
      switch (type) {
        case 0x00: {
          while (i < end && p[i] === 0) i++;
          if (out.names[out.names.length - 1] !== 'PADDING') out.names.push('PADDING');
          break;
        }
        case 0x01: out.names.push('PING'); break;
        case 0x02:
        case 0x03: {
          varint(); varint(); // largest acknowledged, ack delay
          const ranges = varint();
          varint(); // first range
          if (ranges > (end - i) / 2) throw new RangeError(`ACK range count ${ranges} exceeds the payload`);
          for (let r = 0; r < ranges; r++) { varint(); varint(); }
          if (type === 0x03) { varint(); varint(); varint(); }
          out.names.push('ACK');
          break;
        }
        case 0x06: {
          const off = varint();
          const len = varint();
          if (len > end - i) throw new RangeError(`CRYPTO length ${len} exceeds the payload`);
          onCrypto(off, p, i, len);
          i += len;
          out.names.push('CRYPTO');
          break;
        }
        case 0x1c:
        case 0x1d: {
          const code = varint();
          if (type === 0x1c) varint();
          const len = varint();
          if (len > end - i) throw new RangeError('CONNECTION_CLOSE reason exceeds the payload');
          out.close = `error 0x${code.toString(16)}${len ? ' "' + Buffer.from(p.buffer, p.byteOffset + i, Math.min(len, 80)).toString('latin1') + '"' : ''}`;
          i += len;
          out.names.push('CONNECTION_CLOSE');
          break;
        }
        default:
          throw new RangeError(`frame type 0x${type.toString(16)} is not allowed in an Initial packet`);
      }
    }
  } catch (err) {
    out.error = (err as Error).message;
  }
  return out;
}
