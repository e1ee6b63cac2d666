/**
 * Where the length fields of a capture file are, so mutations can aim at
 * them: pcap record caplen/origlen, pcapng block total lengths (leading and
 * trailing) and packet lengths, and inside each frame the IPv4 total length
 * and IHL, the IPv6 payload length, the TCP data offset and the UDP length
 * (found by decoding the frame in place with the project's decoder).
 *
 * Each field knows its width and the value that matches the data ("actual"),
 * so a mutation can set it to 0, actual − 1, actual + 1, the maximum, or any
 * value. Written for valid seed files; on anything odd it simply stops.
 */
import type { Frame } from '../../src/capture/source.js';
import { newFrame } from '../../src/capture/source.js';
import { Decoded, LayerId } from '../../src/decode/decoded.js';
import { FrameDecoder } from '../../src/decode/stack.js';

export type FieldKind =
  | 'pcap.caplen' | 'pcap.origlen'
  | 'pcapng.blocklen' | 'pcapng.trailerlen' | 'pcapng.caplen' | 'pcapng.origlen'
  | 'ipv4.totlen' | 'ipv4.ihl' | 'ipv6.plen' | 'tcp.doff' | 'udp.len';

export interface Field {
  kind: FieldKind;
  /** Byte offset in the file. */
  at: number;
  /** 'u32' | 'u16' (big-endian unless `le`), 'hi4' / 'lo4' nibbles of the byte at `at`. */
  width: 'u32' | 'u16' | 'hi4' | 'lo4';
  le: boolean;
  actual: number;
}

/** A packet record: where its bytes are in the file, for payload-aimed mutations. */
export interface Record {
  dataAt: number;
  capLen: number;
  /** File offsets of the transport payload, when the frame has one. */
  payloadAt: number;
  payloadLen: number;
}

export interface Layout {
  fields: Field[];
  records: Record[];
}

const dec = new FrameDecoder({ defrag: false });
const d = new Decoded();
const frame: Frame = newFrame();

function frameFields(buf: Uint8Array, dataAt: number, capLen: number, linkType: number, out: Layout): void {
  frame.buf = buf;
  frame.offset = dataAt;
  frame.capLen = capLen;
  frame.origLen = capLen;
  frame.linkType = linkType;
  dec.decode(frame, d);
  const end = dataAt + capLen;
  for (let i = 0; i < d.layerCount; i++) {
    const id = d.layers[i]!;
    const o = d.layerOffsets[i]!;
    if (o < dataAt || o >= end) continue;
    const rest = end - o;
    switch (id) {
      case LayerId.ipv4:
        if (rest >= 20) {
          out.fields.push({ kind: 'ipv4.ihl', at: o, width: 'lo4', le: false, actual: buf[o]! & 15 });
          out.fields.push({ kind: 'ipv4.totlen', at: o + 2, width: 'u16', le: false, actual: rest });
        }
        break;
      case LayerId.ipv6:
        if (rest >= 40) out.fields.push({ kind: 'ipv6.plen', at: o + 4, width: 'u16', le: false, actual: rest - 40 });
        break;
      case LayerId.tcp:
        if (rest >= 20) out.fields.push({ kind: 'tcp.doff', at: o + 12, width: 'hi4', le: false, actual: buf[o + 12]! >> 4 });
        break;
      case LayerId.udp:
        if (rest >= 8) out.fields.push({ kind: 'udp.len', at: o + 4, width: 'u16', le: false, actual: rest });
        break;
    }
  }
  const hasL4 = d.l4Offset >= 0 && d.payloadLen > 0 && d.buf === buf;
  out.records.push({ dataAt, capLen, payloadAt: hasL4 ? d.payloadOffset : -1, payloadLen: hasL4 ? d.payloadLen : 0 });
}

function rd32(b: Uint8Array, at: number, le: boolean): number {
  return le
    ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
    : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function layout(buf: Uint8Array): Layout {
  const out: Layout = { fields: [], records: [] };
  if (buf.length < 4) return out;
  const m = rd32(buf, 0, false);
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xd4c3b2a1 || m === 0x4d3cb2a1) {
    const le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
    if (buf.length < 24) return out;
    const linkType = rd32(buf, 20, le) & 0xffff;
    let p = 24;
    while (p + 16 <= buf.length) {
      const cap = rd32(buf, p + 8, le);
      const orig = rd32(buf, p + 12, le);
      out.fields.push({ kind: 'pcap.caplen', at: p + 8, width: 'u32', le, actual: cap });
      out.fields.push({ kind: 'pcap.origlen', at: p + 12, width: 'u32', le, actual: orig });
      if (p + 16 + cap > buf.length) break;
      frameFields(buf, p + 16, cap, linkType, out);
      p += 16 + cap;
    }
    return out;
  }
  if (m !== 0x0a0d0d0a) return out;
  let le = true;
  const links: number[] = [];
  let p = 0;
  while (p + 12 <= buf.length) {
    const type = rd32(buf, p, le);
    if (type === 0x0a0d0d0a) {
      le = rd32(buf, p + 8, true) === 0x1a2b3c4d;
      links.length = 0;
    }
    const len = rd32(buf, p + 4, le);
    if (len < 12 || len % 4 !== 0 || p + len > buf.length) break;
    out.fields.push({ kind: 'pcapng.blocklen', at: p + 4, width: 'u32', le, actual: len });
    out.fields.push({ kind: 'pcapng.trailerlen', at: p + len - 4, width: 'u32', le, actual: len });
    if (type === 1 && len >= 20) {
      links.push(le ? buf[p + 8]! | (buf[p + 9]! << 8) : (buf[p + 8]! << 8) | buf[p + 9]!);
    } else if ((type === 6 || type === 2) && len >= 32) {
      const ifId = type === 6 ? rd32(buf, p + 8, le) : le ? buf[p + 8]! | (buf[p + 9]! << 8) : (buf[p + 8]! << 8) | buf[p + 9]!;
      const cap = rd32(buf, p + 20, le);
      out.fields.push({ kind: 'pcapng.caplen', at: p + 20, width: 'u32', le, actual: cap });
      out.fields.push({ kind: 'pcapng.origlen', at: p + 24, width: 'u32', le, actual: rd32(buf, p + 24, le) });
      if (28 + cap <= len - 4) frameFields(buf, p + 28, cap, links[ifId] ?? 1, out);
    } else if (type === 3 && len >= 16) {
      const orig = rd32(buf, p + 8, le);
      out.fields.push({ kind: 'pcapng.origlen', at: p + 8, width: 'u32', le, actual: orig });
      const cap = Math.min(orig, len - 16);
      frameFields(buf, p + 12, cap, links[0] ?? 1, out);
    }
    p += len;
  }
  return out;
}

/** Writes `value` into a field (clamped to the field's width). */
export function setField(buf: Uint8Array, f: Field, value: number): void {
  const at = f.at;
  switch (f.width) {
    case 'u32': {
      const v = value >>> 0;
      if (at + 4 > buf.length) return;
      if (f.le) { buf[at] = v & 255; buf[at + 1] = (v >>> 8) & 255; buf[at + 2] = (v >>> 16) & 255; buf[at + 3] = v >>> 24; }
      else { buf[at] = v >>> 24; buf[at + 1] = (v >>> 16) & 255; buf[at + 2] = (v >>> 8) & 255; buf[at + 3] = v & 255; }
      return;
    }
    case 'u16': {
      if (at + 2 > buf.length) return;
      const v = value & 0xffff;
      buf[at] = v >> 8; buf[at + 1] = v & 255;
      return;
    }
    case 'hi4': if (at < buf.length) buf[at] = (buf[at]! & 0x0f) | ((value & 15) << 4); return;
    case 'lo4': if (at < buf.length) buf[at] = (buf[at]! & 0xf0) | (value & 15); return;
  }
}

export function fieldMax(f: Field): number {
  return f.width === 'u32' ? 0xffffffff : f.width === 'u16' ? 0xffff : 15;
}
