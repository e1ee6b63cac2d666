/**
 * Building pcapng files in memory, block by block, for tests and hostile
 * captures (lengths can be made to lie). Not a production writer: synack
 * writes captures as classic pcap (pcap-writer.ts).
 *
 *   buildPcapng([shb({ comments: ['hello'] }), idb({ linkType: 1, name: 'eth0' }),
 *                epb({ ts: 1_700_000_000_000_000n, data: frame })])
 */

export interface BlockOpts {
  /** Byte order of the block (must match its section's SHB). Default little-endian. */
  bigEndian?: boolean;
  /** Lie: total length written at the start (default: the real length). */
  totalLen?: number;
  /** Lie: total length written at the end (default: the same as at the start). */
  trailerLen?: number;
}

export interface Option {
  code: number;
  value: Uint8Array | string;
  /** Lie: the length field written (default: the value's length). */
  len?: number;
}

function bytes(v: Uint8Array | string): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Encodes options followed by opt_endofopt (none: empty). */
export function encodeOptions(opts: Option[], bigEndian = false): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  let size = 4;
  for (const o of opts) size += 4 + pad4(bytes(o.value).length);
  const b = Buffer.alloc(size);
  let p = 0;
  for (const o of opts) {
    const v = bytes(o.value);
    if (bigEndian) {
      b.writeUInt16BE(o.code, p);
      b.writeUInt16BE(o.len ?? v.length, p + 2);
    } else {
      b.writeUInt16LE(o.code, p);
      b.writeUInt16LE(o.len ?? v.length, p + 2);
    }
    b.set(v, p + 4);
    p += 4 + pad4(v.length);
  }
  return b; // the final 4 zero bytes are opt_endofopt
}

/** A block of any type around `body` (padded to 4 bytes). */
export function block(type: number, body: Uint8Array, o: BlockOpts = {}): Buffer {
  const len = 12 + pad4(body.length);
  const b = Buffer.alloc(len);
  const w = (v: number, at: number): void => {
    if (o.bigEndian) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  };
  w(type, 0);
  w(o.totalLen ?? len, 4);
  b.set(body, 8);
  w(o.trailerLen ?? o.totalLen ?? len, len - 4);
  return b;
}

export interface ShbOpts extends BlockOpts {
  versionMajor?: number;
  versionMinor?: number;
  comments?: string[];
  hardware?: string;
  os?: string;
  application?: string;
  options?: Option[];
}

export function shb(o: ShbOpts = {}): Buffer {
  const opts: Option[] = [
    ...(o.comments ?? []).map((c) => ({ code: 1, value: c })),
    ...(o.hardware ? [{ code: 2, value: o.hardware }] : []),
    ...(o.os ? [{ code: 3, value: o.os }] : []),
    ...(o.application ? [{ code: 4, value: o.application }] : []),
    ...(o.options ?? []),
  ];
  const enc = encodeOptions(opts, o.bigEndian);
  const body = Buffer.alloc(16 + enc.length);
  if (o.bigEndian) {
    body.writeUInt32BE(0x1a2b3c4d, 0);
    body.writeUInt16BE(o.versionMajor ?? 1, 4);
    body.writeUInt16BE(o.versionMinor ?? 0, 6);
  } else {
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(o.versionMajor ?? 1, 4);
    body.writeUInt16LE(o.versionMinor ?? 0, 6);
  }
  body.writeInt32LE(-1, 8); // section length: unknown (all ones, byte order does not matter)
  body.writeInt32LE(-1, 12);
  body.set(enc, 16);
  return block(0x0a0d0d0a, body, o);
}

export interface IdbOpts extends BlockOpts {
  linkType?: number;
  snapLen?: number;
  name?: string;
  description?: string;
  os?: string;
  /** if_tsresol byte (6 = µs default, 9 = ns, 0x80 | k = 2^-k). */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: bigint;
  options?: Option[];
}

export function idb(o: IdbOpts = {}): Buffer {
  const opts: Option[] = [];
  if (o.name !== undefined) opts.push({ code: 2, value: o.name });
  if (o.description !== undefined) opts.push({ code: 3, value: o.description });
  if (o.tsresol !== undefined) opts.push({ code: 9, value: Uint8Array.of(o.tsresol) });
  if (o.os !== undefined) opts.push({ code: 12, value: o.os });
  if (o.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (o.bigEndian) v.writeBigInt64BE(o.tsoffset);
    else v.writeBigInt64LE(o.tsoffset);
    opts.push({ code: 14, value: v });
  }
  opts.push(...(o.options ?? []));
  const enc = encodeOptions(opts, o.bigEndian);
  const body = Buffer.alloc(8 + enc.length);
  if (o.bigEndian) {
    body.writeUInt16BE(o.linkType ?? 1, 0);
    body.writeUInt32BE(o.snapLen ?? 262144, 4);
  } else {
    body.writeUInt16LE(o.linkType ?? 1, 0);
    body.writeUInt32LE(o.snapLen ?? 262144, 4);
  }
  body.set(enc, 8);
  return block(1, body, o);
}

export interface EpbOpts extends BlockOpts {
  ifId?: number;
  /** Timestamp in the interface's units (64 bits). */
  ts?: bigint;
  data: Uint8Array;
  origLen?: number;
  /** Lie: captured length field. */
  capLen?: number;
  comments?: string[];
  options?: Option[];
}

function packetBody(o: EpbOpts, legacy: boolean): Buffer {
  const opts: Option[] = [...(o.comments ?? []).map((c) => ({ code: 1, value: c })), ...(o.options ?? [])];
  const enc = encodeOptions(opts, o.bigEndian);
  const body = Buffer.alloc(20 + pad4(o.data.length) + enc.length);
  const ts = o.ts ?? 0n;
  const hi = Number((ts >> 32n) & 0xffffffffn);
  const lo = Number(ts & 0xffffffffn);
  const w = (v: number, at: number): void => {
    if (o.bigEndian) body.writeUInt32BE(v >>> 0, at);
    else body.writeUInt32LE(v >>> 0, at);
  };
  if (legacy) {
    // obsolete Packet Block: interface id u16, drops count u16
    if (o.bigEndian) body.writeUInt16BE(o.ifId ?? 0, 0);
    else body.writeUInt16LE(o.ifId ?? 0, 0);
  } else w(o.ifId ?? 0, 0);
  w(hi, 4);
  w(lo, 8);
  w(o.capLen ?? o.data.length, 12);
  w(o.origLen ?? o.data.length, 16);
  body.set(o.data, 20);
  body.set(enc, 20 + pad4(o.data.length));
  return body;
}

export function epb(o: EpbOpts): Buffer {
  return block(6, packetBody(o, false), o);
}

/** The obsolete Packet Block (type 2). */
export function pb(o: EpbOpts): Buffer {
  return block(2, packetBody(o, true), o);
}

export interface SpbOpts extends BlockOpts {
  data: Uint8Array;
  origLen?: number;
}

export function spb(o: SpbOpts): Buffer {
  const body = Buffer.alloc(4 + pad4(o.data.length));
  if (o.bigEndian) body.writeUInt32BE(o.origLen ?? o.data.length, 0);
  else body.writeUInt32LE(o.origLen ?? o.data.length, 0);
  body.set(o.data, 4);
  return block(3, body, o);
}

export function buildPcapng(blocks: Uint8Array[]): Buffer {
  return Buffer.concat(blocks);
}
