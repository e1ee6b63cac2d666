/**
 * The layer stack: decodes one frame into a reused `Decoded`, in place.
 * (First version: link Ethernet/VLAN/SLL/SLL2/null/raw, IPv4, IPv6, TCP, UDP.)
 */
import type { Frame } from '../capture/source.js';
import { Anomaly } from './anomalies.js';
import { Decoded, LayerId } from './decoded.js';

export interface DecodeLimits {
  maxVlanTags: number;
  maxIpv6ExtHeaders: number;
}
export const DEFAULT_LIMITS: DecodeLimits = { maxVlanTags: 8, maxIpv6ExtHeaders: 32 };

export interface FrameDecoderOptions {
  defrag?: boolean;
  limits?: Partial<DecodeLimits>;
}

function u16(b: Uint8Array, o: number): number { return (b[o]! << 8) | b[o + 1]!; }
function u32(b: Uint8Array, o: number): number { return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0; }

export class FrameDecoder {
  readonly limits: DecodeLimits;
  constructor(opts: FrameDecoderOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  decode(frame: Frame, d: Decoded): void {
    d.reset();
    d.frameNumber = frame.number;
    d.tsSec = frame.tsSec;
    d.tsNsec = frame.tsNsec;
    d.capLen = frame.capLen;
    d.origLen = frame.origLen;
    d.linkType = frame.linkType;
    d.buf = frame.buf;
    d.frameOffset = frame.offset;
    const b = frame.buf;
    const start = frame.offset;
    const end = Math.min(frame.offset + frame.capLen, b.length);
    if (frame.capLen > frame.origLen) d.mark(Anomaly.frame_caplen_exceeds_origlen, LayerId.none, 0);
    d.payloadOffset = start;
    d.payloadLen = end - start;
    d.payloadWireLen = frame.origLen;
    switch (frame.linkType) {
      case 1: this.ethernet(d, b, start, end); break;
      case 113: this.sll(d, b, start, end); break;
      case 276: this.sll2(d, b, start, end); break;
      case 0: case 108: this.nullLoop(d, b, start, end, frame.linkType); break;
      case 101: case 12: case 14: this.rawIp(d, b, start, end, 0); break;
      case 228: this.rawIp(d, b, start, end, 4); break;
      case 229: this.rawIp(d, b, start, end, 6); break;
      default: d.mark(Anomaly.unsupported_linktype, LayerId.none, 0);
    }
  }

  private ethernet(d: Decoded, b: Uint8Array, o: number, end: number): void {
    if (end - o < 14) { d.mark(Anomaly.link_truncated, LayerId.eth, o - d.frameOffset); return; }
    d.pushLayer(LayerId.eth, o);
    d.ethOffset = o;
    this.ethertype(d, b, u16(b, o + 12), o + 14, end);
  }

  private ethertype(d: Decoded, b: Uint8Array, type: number, o: number, end: number): void {
    for (;;) {
      d.ethertype = type;
      if (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
        if (d.vlanCount >= this.limits.maxVlanTags) { d.mark(Anomaly.too_many_vlan_tags, LayerId.vlan, o - d.frameOffset); this.setPayload(d, o, end); return; }
        if (end - o < 4) { d.mark(Anomaly.vlan_truncated, LayerId.vlan, o - d.frameOffset); this.setPayload(d, o, end); return; }
        d.pushLayer(LayerId.vlan, o);
        if (d.vlanCount === 0) d.vlanId = u16(b, o) & 0xfff;
        d.vlanCount++;
        type = u16(b, o + 2);
        o += 4;
        continue;
      }
      break;
    }
    if (type === 0x0800) this.ipv4(d, b, o, end);
    else if (type === 0x86dd) this.ipv6(d, b, o, end);
    else {
      if (type !== 0x0806) d.mark(Anomaly.unknown_ethertype, LayerId.eth, o - d.frameOffset);
      this.setPayload(d, o, end);
    }
  }

  private sll(d: Decoded, b: Uint8Array, o: number, end: number): void {
    if (end - o < 16) { d.mark(Anomaly.sll_truncated, LayerId.sll, 0); return; }
    d.pushLayer(LayerId.sll, o);
    this.ethertype(d, b, u16(b, o + 14), o + 16, end);
  }

  private sll2(d: Decoded, b: Uint8Array, o: number, end: number): void {
    if (end - o < 20) { d.mark(Anomaly.sll_truncated, LayerId.sll2, 0); return; }
    d.pushLayer(LayerId.sll2, o);
    this.ethertype(d, b, u16(b, o), o + 20, end);
  }

  private nullLoop(d: Decoded, b: Uint8Array, o: number, end: number, lt: number): void {
    if (end - o < 4) { d.mark(Anomaly.link_truncated, LayerId.null, 0); return; }
    d.pushLayer(lt === 0 ? LayerId.null : LayerId.loop, o);
    let fam = u32(b, o);
    if (lt === 0 && (fam & 0xffff) === 0) fam = ((b[o + 3]! << 24) | (b[o + 2]! << 16) | (b[o + 1]! << 8) | b[o]!) >>> 0;
    if (fam === 2) this.ipv4(d, b, o + 4, end);
    else if (fam === 24 || fam === 28 || fam === 30 || fam === 10) this.ipv6(d, b, o + 4, end);
    else { d.mark(Anomaly.null_family_unknown, LayerId.null, 0); this.setPayload(d, o + 4, end); }
  }

  private rawIp(d: Decoded, b: Uint8Array, o: number, end: number, v: number): void {
    d.pushLayer(LayerId.rawip, o);
    if (v === 0) v = end > o ? b[o]! >> 4 : 4;
    if (v === 6) this.ipv6(d, b, o, end); else this.ipv4(d, b, o, end);
  }

  private setPayload(d: Decoded, o: number, end: number): void {
    d.payloadOffset = o;
    d.payloadLen = end > o ? end - o : 0;
    d.payloadWireLen = d.payloadLen;
  }

  private ipv4(d: Decoded, b: Uint8Array, o: number, end: number): void {
    const rel = o - d.frameOffset;
    if (end - o < 20) { d.mark(Anomaly.ipv4_truncated, LayerId.ipv4, rel); this.setPayload(d, o, end); return; }
    if (b[o]! >> 4 !== 4) { d.mark(Anomaly.ipv4_bad_version, LayerId.ipv4, rel); this.setPayload(d, o, end); return; }
    const hl = (b[o]! & 15) * 4;
    d.pushLayer(LayerId.ipv4, o);
    d.ipVersion = 4;
    d.l3Offset = o;
    d.ipHeaderLen = hl;
    d.ttl = b[o + 8]!;
    d.ipId = u16(b, o + 4);
    d.ipProto = b[o + 9]!;
    d.addr[3] = u32(b, o + 12);
    d.addr[7] = u32(b, o + 16);
    if (hl < 20) { d.mark(Anomaly.ipv4_bad_ihl, LayerId.ipv4, rel); this.setPayload(d, o + 20, end); return; }
    if (end - o < hl) { d.mark(Anomaly.ipv4_truncated, LayerId.ipv4, rel); this.setPayload(d, end, end); return; }
    let total = u16(b, o + 2);
    d.ipTotalLen = total;
    let pend: number;
    if (total === 0) {
      d.mark(Anomaly.ipv4_total_length_zero, LayerId.ipv4, rel + 2);
      total = end - o;
      pend = end;
    } else if (total < hl) {
      d.mark(Anomaly.ipv4_bad_total_length, LayerId.ipv4, rel + 2);
      this.setPayload(d, o + hl, end);
      return;
    } else {
      pend = o + total;
    }
    const wireEnd = o + total;
    if (pend > end) { pend = end; }
    else if (pend < end) d.mark(Anomaly.trailing_bytes, LayerId.ipv4, pend - d.frameOffset);
    const frag = u16(b, o + 6);
    d.moreFragments = (frag & 0x2000) !== 0;
    d.fragOffset = (frag & 0x1fff) * 8;
    if (d.moreFragments || d.fragOffset !== 0) {
      d.isFragment = true;
      d.mark(Anomaly.ipv4_fragment, LayerId.ipv4, rel + 6);
      d.payloadOffset = o + hl; d.payloadLen = pend - (o + hl); d.payloadWireLen = total - hl;
      return;
    }
    this.transport(d, b, d.ipProto, o + hl, pend, wireEnd);
  }

  private ipv6(d: Decoded, b: Uint8Array, o: number, end: number): void {
    const rel = o - d.frameOffset;
    if (end - o < 40) { d.mark(Anomaly.ipv6_truncated, LayerId.ipv6, rel); this.setPayload(d, o, end); return; }
    if (b[o]! >> 4 !== 6) { d.mark(Anomaly.ipv6_bad_version, LayerId.ipv6, rel); this.setPayload(d, o, end); return; }
    d.pushLayer(LayerId.ipv6, o);
    d.ipVersion = 6;
    d.l3Offset = o;
    d.ipHeaderLen = 40;
    d.ttl = b[o + 7]!;
    for (let i = 0; i < 8; i++) d.addr[i] = u32(b, o + 8 + 4 * i);
    const plen = u16(b, o + 4);
    d.ipTotalLen = plen + 40;
    let pend = o + 40 + plen;
    let wireEnd = pend;
    if (plen === 0) { d.mark(Anomaly.ipv6_jumbo_or_zero_length, LayerId.ipv6, rel + 4); pend = end; wireEnd = end; }
    else if (pend > end) { pend = end; d.mark(Anomaly.ipv6_payload_exceeds_frame, LayerId.ipv6, rel + 4); }
    else if (pend < end) d.mark(Anomaly.trailing_bytes, LayerId.ipv6, pend - d.frameOffset);
    let nh = b[o + 6]!;
    let p = o + 40;
    let count = 0;
    for (;;) {
      if (nh === 0 || nh === 43 || nh === 60 || nh === 44 || nh === 51) {
        if (count >= this.limits.maxIpv6ExtHeaders) { d.mark(Anomaly.ipv6_too_many_ext, LayerId.ipv6ext, p - d.frameOffset); d.ipProto = nh; this.setPayload(d, p, pend); return; }
        if (pend - p < 8) { d.mark(Anomaly.ipv6_ext_truncated, LayerId.ipv6ext, p - d.frameOffset); d.ipProto = nh; this.setPayload(d, p, pend); return; }
        const len = nh === 44 ? 8 : nh === 51 ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
        if (pend - p < len) { d.mark(Anomaly.ipv6_ext_truncated, LayerId.ipv6ext, p - d.frameOffset); d.ipProto = nh; this.setPayload(d, p, pend); return; }
        d.pushLayer(LayerId.ipv6ext, p);
        count++;
        if (nh === 44) {
          const fo = u16(b, p + 2);
          d.fragOffset = fo & 0xfff8;
          d.moreFragments = (fo & 1) !== 0;
          d.ipId = u32(b, p + 4);
          if (d.fragOffset !== 0 || d.moreFragments) {
            d.isFragment = true;
            d.ipProto = b[p]!;
            d.mark(Anomaly.ipv6_fragment, LayerId.ipv6ext, p - d.frameOffset);
            d.payloadOffset = p + 8; d.payloadLen = pend - (p + 8); d.payloadWireLen = wireEnd - (p + 8);
            return;
          }
        }
        nh = b[p]!;
        p += len;
        continue;
      }
      break;
    }
    d.ipProto = nh;
    this.transport(d, b, nh, p, pend, wireEnd);
  }

  private transport(d: Decoded, b: Uint8Array, proto: number, o: number, end: number, wireEnd: number): void {
    if (proto === 6) this.tcp(d, b, o, end, wireEnd);
    else if (proto === 17) this.udp(d, b, o, end, wireEnd);
    else if (proto === 1 || proto === 58) {
      const id = proto === 1 ? LayerId.icmp : LayerId.icmpv6;
      if (end - o < 4) { d.mark(proto === 1 ? Anomaly.icmp_truncated : Anomaly.icmpv6_truncated, id, o - d.frameOffset); this.setPayload(d, o, end); return; }
      d.pushLayer(id, o);
      d.l4Offset = o;
      d.icmpType = b[o]!;
      d.icmpCode = b[o + 1]!;
      d.payloadOffset = o + 4; d.payloadLen = end - o - 4; d.payloadWireLen = wireEnd - o - 4;
    } else {
      d.payloadOffset = o; d.payloadLen = end > o ? end - o : 0; d.payloadWireLen = wireEnd > o ? wireEnd - o : 0;
    }
  }

  private tcp(d: Decoded, b: Uint8Array, o: number, end: number, wireEnd: number): void {
    const rel = o - d.frameOffset;
    if (end - o < 20) { d.mark(Anomaly.tcp_truncated, LayerId.tcp, rel); this.setPayload(d, o, end); return; }
    d.pushLayer(LayerId.tcp, o);
    d.l4Offset = o;
    d.srcPort = u16(b, o);
    d.dstPort = u16(b, o + 2);
    d.seq = u32(b, o + 4);
    d.ack = u32(b, o + 8);
    d.tcpFlags = u16(b, o + 12) & 0xfff;
    d.window = u16(b, o + 14);
    d.urgentPtr = u16(b, o + 18);
    const hl = (b[o + 12]! >> 4) * 4;
    d.tcpHeaderLen = hl;
    if ((d.tcpFlags & 3) === 3) d.mark(Anomaly.tcp_syn_fin, LayerId.tcp, rel + 13);
    if (hl < 20) { d.mark(Anomaly.tcp_bad_data_offset, LayerId.tcp, rel + 12); this.setPayload(d, o + 20, end); return; }
    if (wireEnd - o < hl) { d.mark(Anomaly.tcp_header_exceeds_segment, LayerId.tcp, rel + 12); this.setPayload(d, end, end); return; }
    if (end - o < hl) { d.mark(Anomaly.tcp_options_truncated, LayerId.tcp, rel + 20); this.setPayload(d, end, end); return; }
    if (hl > 20) {
      d.optionsOffset = o + 20;
      d.optionsLen = hl - 20;
      this.tcpOptions(d, b, o + 20, o + hl);
    }
    d.payloadOffset = o + hl;
    d.payloadLen = end - o - hl;
    d.payloadWireLen = wireEnd - o - hl;
    if (d.payloadWireLen > d.payloadLen) d.mark(Anomaly.tcp_payload_truncated, LayerId.tcp, end - d.frameOffset);
  }

  private tcpOptions(d: Decoded, b: Uint8Array, p: number, end: number): void {
    while (p < end) {
      const kind = b[p]!;
      if (kind === 0) return;
      if (kind === 1) { p++; continue; }
      if (end - p < 2) { d.mark(Anomaly.tcp_bad_option, LayerId.tcp, p - d.frameOffset); return; }
      const len = b[p + 1]!;
      if (len < 2 || len > end - p) { d.mark(Anomaly.tcp_bad_option, LayerId.tcp, p - d.frameOffset); return; }
      switch (kind) {
        case 2: if (len === 4) d.mss = u16(b, p + 2); break;
        case 3: if (len === 3) d.wscale = b[p + 2]!; break;
        case 4: if (len === 2) d.sackPermitted = true; break;
        case 5: {
          const n = (len - 2) >> 3;
          for (let i = 0; i < n && d.sackCount < 4; i++) {
            d.sack[d.sackCount * 2] = u32(b, p + 2 + i * 8);
            d.sack[d.sackCount * 2 + 1] = u32(b, p + 6 + i * 8);
            d.sackCount++;
          }
          break;
        }
        case 8: if (len === 10) { d.tsVal = u32(b, p + 2); d.tsEcr = u32(b, p + 6); } break;
      }
      p += len;
    }
  }

  private udp(d: Decoded, b: Uint8Array, o: number, end: number, wireEnd: number): void {
    const rel = o - d.frameOffset;
    if (end - o < 8) { d.mark(Anomaly.udp_truncated, LayerId.udp, rel); this.setPayload(d, o, end); return; }
    d.pushLayer(LayerId.udp, o);
    d.l4Offset = o;
    d.srcPort = u16(b, o);
    d.dstPort = u16(b, o + 2);
    const len = u16(b, o + 4);
    d.udpLength = len;
    let wlen = len - 8;
    if (len < 8 || len > wireEnd - o) { d.mark(Anomaly.udp_bad_length, LayerId.udp, rel + 4); wlen = wireEnd - o - 8; }
    d.payloadOffset = o + 8;
    d.payloadWireLen = wlen;
    d.payloadLen = Math.min(wlen, end - o - 8);
    if (d.payloadLen < wlen) d.mark(Anomaly.udp_payload_truncated, LayerId.udp, end - d.frameOffset);
  }
}

/** The address as text: IPv4 dotted quad, IPv6 in RFC 5952 form. `which`: 0 = source, 1 = destination. */
export function addrToString(d: Decoded, which: 0 | 1): string {
  const base = which * 4;
  if (d.ipVersion === 4) {
    const a = d.addr[base + 3]!;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  if (d.ipVersion !== 6) return '';
  return ipv6ToString(d.addr, base);
}

/** RFC 5952 text form of an IPv6 address held as 4 big-endian words at `words[base..base+4)`. */
export function ipv6ToString(words: Uint32Array, base: number): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const w = words[base + i]!;
    g[i * 2] = w >>> 16;
    g[i * 2 + 1] = w & 0xffff;
  }
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 section 5)
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const a = words[base + 3]!;
    return `::ffff:${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  // Longest run of zero groups (length ≥ 2, first one on ties) becomes "::" (section 4.2).
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) { s += '::'; i += bestLen - 1; continue; }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += g[i]!.toString(16);
  }
  return s;
}

/** Convenience for code off the hot path: one decoder, one call. */
const shared = new FrameDecoder();
export function decodeFrame(frame: Frame, out: Decoded): void {
  shared.decode(frame, out);
}
