/**
 * TCP header (RFC 9293 section 3.1) with the AE bit of RFC 9768 (formerly
 * NS, RFC 3540).
 *
 *   0        2        4       8       12                 14       16         18       20
 *   | sport  | dport  | seq   | ack   | doff rsv AE flags | window | checksum | urgent | options
 *
 * Check once, then read: `check(segmentLength)` proves 20 bytes are captured,
 * the data offset is at least 5, the header fits in the segment the IP layer
 * delivered, and the whole header (options included) is captured. After it
 * returns `TcpCheck.ok` no getter can fail. When it returns
 * `TcpCheck.optionsTruncated` or `headerExceedsSegment`, the fixed 20-byte
 * header is still readable.
 */
import { u16, u32, hex } from './bytes.js';
import { TlvOptionIter } from './ipv4.js';

export const TcpOffset = {
  SRC_PORT: 0, DST_PORT: 2, SEQ_NUM: 4, ACK_NUM: 8, DATA_OFFSET: 12, FLAGS: 12, WINDOW: 14, CHECKSUM: 16,
  URGENT: 18, OPTIONS: 20,
} as const;
export const TCP_MIN_HEADER = 20;

export const TcpCheck = {
  ok: 0,
  /** Fewer than 20 bytes captured. */
  truncated: 1,
  /** Data offset < 5 words. */
  badDataOffset: 2,
  /** Data offset points past the end of the segment (the IP payload). */
  headerExceedsSegment: 3,
  /** The header fits the segment but the capture stops inside the options. */
  optionsTruncated: 4,
} as const;
export type TcpCheck = (typeof TcpCheck)[keyof typeof TcpCheck];

/** Flag bits of the 12-bit field (bits 0..11 of bytes 12-13). */
export const TcpFlags = {
  FIN: 0x001, SYN: 0x002, RST: 0x004, PSH: 0x008, ACK: 0x010, URG: 0x020,
  ECE: 0x040, CWR: 0x080, AE: 0x100, RESERVED: 0xe00,
} as const;

export class TcpView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  /** `segmentLength`: bytes of TCP segment the IP layer claims (header + data). */
  check(segmentLength: number): TcpCheck {
    if (this.end - this.start < TCP_MIN_HEADER) return TcpCheck.truncated;
    const hl = this.headerLength;
    if (hl < TCP_MIN_HEADER) return TcpCheck.badDataOffset;
    if (hl > segmentLength) return TcpCheck.headerExceedsSegment;
    if (hl > this.end - this.start) return TcpCheck.optionsTruncated;
    return TcpCheck.ok;
  }

  get srcPort(): number { return u16(this.buf, this.start + TcpOffset.SRC_PORT); }
  get dstPort(): number { return u16(this.buf, this.start + TcpOffset.DST_PORT); }
  get seqNumber(): number { return u32(this.buf, this.start + TcpOffset.SEQ_NUM); }
  get ackNumber(): number { return u32(this.buf, this.start + TcpOffset.ACK_NUM); }
  get dataOffsetWords(): number { return this.buf[this.start + TcpOffset.DATA_OFFSET]! >> 4; }
  /** Header length in bytes (data offset × 4). */
  get headerLength(): number { return (this.buf[this.start + TcpOffset.DATA_OFFSET]! >> 4) * 4; }
  /** All 12 flag bits: reserved(3) AE CWR ECE URG ACK PSH RST SYN FIN. */
  get flags(): number { return u16(this.buf, this.start + TcpOffset.FLAGS) & 0x0fff; }
  get window(): number { return u16(this.buf, this.start + TcpOffset.WINDOW); }
  get checksum(): number { return u16(this.buf, this.start + TcpOffset.CHECKSUM); }
  get urgentPointer(): number { return u16(this.buf, this.start + TcpOffset.URGENT); }
  get optionsStart(): number { return this.start + TcpOffset.OPTIONS; }
  get payloadStart(): number { return this.start + this.headerLength; }
}

/** TCP option kinds (IANA "tcp-parameters"). */
export const TcpOptionKind = {
  eol: 0, nop: 1, mss: 2, wscale: 3, sackPermitted: 4, sack: 5, echo: 6, echoReply: 7, timestamp: 8,
  md5: 19, uto: 28, tcpAo: 29, mptcp: 30, fastOpen: 34, experiment1: 253, experiment2: 254,
} as const;

/** The length each known option must have (RFC 9293, RFC 7323, RFC 2018); 0 = variable. */
export function tcpOptionExpectedLength(kind: number): number {
  switch (kind) {
    case 2: return 4;
    case 3: return 3;
    case 4: return 2;
    case 8: return 10;
    case 19: return 18;
    case 28: return 4;
    default: return 0;
  }
}

const OPT_NAMES: Record<number, string> = {
  0: 'eol', 1: 'nop', 2: 'mss', 3: 'wscale', 4: 'sackOK', 5: 'sack', 6: 'echo', 7: 'echoreply', 8: 'TS',
  19: 'md5', 28: 'uto', 29: 'tcp-ao', 30: 'mptcp', 34: 'tfo', 253: 'exp', 254: 'exp',
};
/** tcpdump's name for an option kind (`unknown-K` when it has none). */
export function tcpOptionName(kind: number): string { return OPT_NAMES[kind] ?? `unknown-${kind}`; }

/**
 * One walker for TCP options; see `TlvOptionIter` (shared with IPv4). Unknown
 * kinds come out as (kind, start, length): their bytes are kept in place.
 */
export class TcpOptionIter extends TlvOptionIter {}

/** Formats one option like tcpdump does (`mss 1460`, `TS val 1 ecr 2`, `sack 1 {a:b}`, `unknown-99 0x0102`). */
export function formatTcpOption(b: Uint8Array, kind: number, start: number, length: number): string {
  const name = tcpOptionName(kind);
  const v = start + 2;
  const dl = length - 2;
  switch (kind) {
    case 0: case 1: return name;
    case 4: return dl === 0 ? name : `${name}[len ${length}]`;
    case 2: return dl === 2 ? `${name} ${u16(b, v)}` : `${name}[len ${length}]`;
    case 3: return dl === 1 ? `${name} ${b[v]!}` : `${name}[len ${length}]`;
    case 8: return dl === 8 ? `${name} val ${u32(b, v)} ecr ${u32(b, v + 4)}` : `${name}[len ${length}]`;
    case 5: {
      if (dl % 8 !== 0) return `${name} invalid sack`;
      let s = `${name} ${dl / 8} `;
      for (let i = 0; i < dl; i += 8) s += `{${u32(b, v + i)}:${u32(b, v + i + 4)}}`;
      return s;
    }
    default: return dl > 0 ? `${name} 0x${hex(b, v, dl)}` : name;
  }
}

export function tcpFlagsTcpdump(flags: number): string {
  // tcpdump print-tcp.c tcp_flag_values order: F S R P . U E W e
  let s = '';
  if (flags & 0x001) s += 'F';
  if (flags & 0x002) s += 'S';
  if (flags & 0x004) s += 'R';
  if (flags & 0x008) s += 'P';
  if (flags & 0x010) s += '.';
  if (flags & 0x020) s += 'U';
  if (flags & 0x040) s += 'E';
  if (flags & 0x080) s += 'W';
  if (flags & 0x100) s += 'e';
  return s.length === 0 ? 'none' : s;
}

/**
 * TShark's `tcp.flags.str` (packet-tcp.c `tcp_flags_to_str_first_letter`):
 * 12 characters, most significant bit first (three reserved bits `R`, AE,
 * CWR, ECE, URG, ACK, PSH, RST, SYN, FIN); unset bits are U+00B7. TShark
 * 4.0 prints the AE (formerly NS) bit as `A` — older releases used `N`; the
 * corpus (zeek-tcp-rst-inject-rae.pcap frame 2) shows `A`.
 */
export function tcpFlagsTshark(flags: number): string {
  const letters = 'RRRACEUAPRSF';
  let s = '';
  for (let i = 0; i < 12; i++) s += (flags >> (11 - i)) & 1 ? letters[i]! : '\u00b7';
  return s;
}

const EMPTY = new Uint8Array(0);
