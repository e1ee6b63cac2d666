/**
 * IPv4 header (RFC 791 section 3.1).
 *
 *   0        1         2              4       6               8     9       10        12    16    20
 *   | ver ihl | DSCP ECN | total length | ident | flags fragoff | TTL | proto | checksum | src | dst | options
 *
 * Check once, then read: `check()` proves the fixed header and the options
 * the IHL announces are inside `[start, end)` and that version and IHL are
 * possible; after it returns `Ipv4Check.ok` no getter can fail. The total
 * length is judged by the caller, which knows the frame's captured and
 * wire lengths (truncation and malformation are told apart there).
 */
import { u16, u32, ipv4String } from './bytes.js';

export const Ipv4Offset = {
  VER_IHL: 0, DSCP_ECN: 1, TOTAL_LEN: 2, IDENT: 4, FLAGS_FRAG: 6, TTL: 8, PROTOCOL: 9, CHECKSUM: 10,
  SRC: 12, DST: 16, OPTIONS: 20,
} as const;
export const IPV4_MIN_HEADER = 20;

export const Ipv4Check = {
  ok: 0,
  /** Fewer than 20 bytes captured. */
  truncated: 1,
  /** Version nibble is not 4. */
  badVersion: 2,
  /** IHL < 5 (header shorter than 20 bytes). */
  badIhl: 3,
  /** The options the IHL announces are not all captured. */
  optionsTruncated: 4,
} as const;
export type Ipv4Check = (typeof Ipv4Check)[keyof typeof Ipv4Check];

export class Ipv4View {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Ipv4Check {
    const avail = this.end - this.start;
    if (avail < IPV4_MIN_HEADER) return Ipv4Check.truncated;
    const b0 = this.buf[this.start]!;
    if (b0 >> 4 !== 4) return Ipv4Check.badVersion;
    const hl = (b0 & 15) * 4;
    if (hl < IPV4_MIN_HEADER) return Ipv4Check.badIhl;
    if (avail < hl) return Ipv4Check.optionsTruncated;
    return Ipv4Check.ok;
  }

  get version(): number { return this.buf[this.start]! >> 4; }
  /** Header length in bytes (IHL × 4). */
  get headerLength(): number { return (this.buf[this.start]! & 15) * 4; }
  get dscp(): number { return this.buf[this.start + Ipv4Offset.DSCP_ECN]! >> 2; }
  get ecn(): number { return this.buf[this.start + Ipv4Offset.DSCP_ECN]! & 3; }
  get tos(): number { return this.buf[this.start + Ipv4Offset.DSCP_ECN]!; }
  /** Total length in bytes as the header claims (0 with segmentation offload). */
  get totalLength(): number { return u16(this.buf, this.start + Ipv4Offset.TOTAL_LEN); }
  get ident(): number { return u16(this.buf, this.start + Ipv4Offset.IDENT); }
  get flagsFrag(): number { return u16(this.buf, this.start + Ipv4Offset.FLAGS_FRAG); }
  /** The reserved ("evil") bit, RFC 3514. */
  get reservedFlag(): boolean { return (this.flagsFrag & 0x8000) !== 0; }
  get dontFragment(): boolean { return (this.flagsFrag & 0x4000) !== 0; }
  get moreFragments(): boolean { return (this.flagsFrag & 0x2000) !== 0; }
  /** Fragment offset in bytes (the field counts 8-byte units). */
  get fragOffsetBytes(): number { return (this.flagsFrag & 0x1fff) * 8; }
  get isFragment(): boolean { return (this.flagsFrag & 0x3fff) !== 0; }
  get ttl(): number { return this.buf[this.start + Ipv4Offset.TTL]!; }
  get protocol(): number { return this.buf[this.start + Ipv4Offset.PROTOCOL]!; }
  get checksum(): number { return u16(this.buf, this.start + Ipv4Offset.CHECKSUM); }
  get src(): number { return u32(this.buf, this.start + Ipv4Offset.SRC); }
  get dst(): number { return u32(this.buf, this.start + Ipv4Offset.DST); }
  get optionsStart(): number { return this.start + Ipv4Offset.OPTIONS; }
  get optionsLength(): number { return this.headerLength - IPV4_MIN_HEADER; }
  get payloadStart(): number { return this.start + this.headerLength; }
  srcString(): string { return ipv4String(this.src); }
  dstString(): string { return ipv4String(this.dst); }
}

/** IPv4 option kinds (RFC 791, IANA "ip-parameters"). */
export const Ipv4OptionKind = {
  eol: 0, nop: 1, rr: 7, ts: 68, security: 130, lsrr: 131, ssrr: 137, streamId: 136, routerAlert: 148,
} as const;
const OPT_NAMES: Record<number, string> = {
  0: 'EOL', 1: 'NOP', 7: 'RR', 68: 'TS', 130: 'SEC', 131: 'LSRR', 136: 'SID', 137: 'SSRR', 148: 'RTRALT',
};
export function ipv4OptionName(k: number): string { return OPT_NAMES[k] ?? `opt-${k}`; }

/**
 * Walks type-length-value options shared by IPv4 (RFC 791) and TCP
 * (RFC 9293 section 3.1): kinds 0 (end of list) and 1 (no-op) are one byte,
 * every other option has a length byte that counts the kind and length bytes.
 * `next()` returns `OptStep.option` with `kind`, `start`, `length` set,
 * `OptStep.end` when the list is over, `OptStep.bad` when a length is 0, 1
 * or runs past the end (then `start` is where the bad option begins).
 */
export const OptStep = { end: 0, option: 1, bad: 2 } as const;
export type OptStep = (typeof OptStep)[keyof typeof OptStep];

export class TlvOptionIter {
  buf: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  kind = 0;
  start = 0;
  length = 0;

  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.pos = start; this.end = end; this.kind = 0; this.start = start; this.length = 0;
    return this;
  }

  next(): OptStep {
    if (this.pos >= this.end) return OptStep.end;
    const p = this.pos;
    const kind = this.buf[p]!;
    this.kind = kind; this.start = p;
    if (kind === 0) { this.length = 1; this.pos = this.end; return OptStep.option; }
    if (kind === 1) { this.length = 1; this.pos = p + 1; return OptStep.option; }
    if (this.end - p < 2) { this.length = this.end - p; this.pos = this.end; return OptStep.bad; }
    const len = this.buf[p + 1]!;
    if (len < 2 || len > this.end - p) { this.length = len; this.pos = this.end; return OptStep.bad; }
    this.length = len;
    this.pos = p + len;
    return OptStep.option;
  }
}

const EMPTY = new Uint8Array(0);
