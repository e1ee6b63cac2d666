/**
 * The packet detail of one frame: a layer tree (every decoded field, with
 * its byte range when known) and a hex dump in which a selected range is
 * highlighted. Pure functions from a re-read frame to lines of tagged text.
 */
import type { Frame } from '../capture/source.js';
import { Anomaly, type AnomalyCode } from '../decode/anomalies.js';
import { Decoded, LayerId } from '../decode/decoded.js';
import { addrToString, decodeFrame } from '../decode/stack.js';
import { safeTag } from '../bytes/safe-text.js';
import { flagNames } from './ladder.js';
import type { Theme } from './theme.js';

export interface FieldView {
  name: string;
  /** Display value; packet-derived text is neutralised by the renderer. */
  value: string;
  /** Byte range relative to the frame's first byte, or -1 when not a byte range. */
  offset: number;
  length: number;
}

export interface LayerView {
  name: string;
  summary: string;
  offset: number;
  length: number;
  fields: FieldView[];
}

const LAYER_NAMES: Record<number, string> = {
  [LayerId.eth]: 'Ethernet II', [LayerId.vlan]: '802.1Q VLAN', [LayerId.sll]: 'Linux cooked capture v1',
  [LayerId.sll2]: 'Linux cooked capture v2', [LayerId.null]: 'Null/Loopback', [LayerId.loop]: 'OpenBSD loopback',
  [LayerId.rawip]: 'Raw IP', [LayerId.pppoe]: 'PPPoE', [LayerId.ppp]: 'PPP', [LayerId.llc]: 'LLC',
  [LayerId.arp]: 'ARP', [LayerId.ipv4]: 'Internet Protocol Version 4', [LayerId.ipv6]: 'Internet Protocol Version 6',
  [LayerId.ipv6ext]: 'IPv6 extension header', [LayerId.icmp]: 'ICMP', [LayerId.icmpv6]: 'ICMPv6',
  [LayerId.tcp]: 'Transmission Control Protocol', [LayerId.udp]: 'User Datagram Protocol', [LayerId.gre]: 'GRE',
  [LayerId.data]: 'Data', [LayerId.igmp]: 'IGMP', [LayerId.sctp]: 'SCTP', [LayerId.esp]: 'ESP', [LayerId.ah]: 'AH',
};

function mac(b: Uint8Array, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[o + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}
function u16(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}
function hex(n: number, digits: number): string {
  return '0x' + n.toString(16).padStart(digits, '0');
}

const decoded = new Decoded();

/**
 * Layers of a frame from the decoder's `Decoded` struct. Byte offsets are
 * relative to the frame's first byte. Used when no richer description is
 * available from src/decode/describe.ts.
 */
export function describeLayers(frame: Frame): LayerView[] {
  const d = decoded;
  decodeFrame(frame, d);
  const b = frame.buf;
  const base = frame.offset;
  const out: LayerView[] = [];
  out.push({
    name: `Frame ${frame.number}`,
    summary: `${frame.origLen} bytes on wire, ${frame.capLen} bytes captured, link type ${frame.linkType}`,
    offset: 0,
    length: frame.capLen,
    fields: [
      { name: 'Frame length', value: `${frame.origLen} bytes`, offset: -1, length: 0 },
      { name: 'Capture length', value: `${frame.capLen} bytes`, offset: -1, length: 0 },
      { name: 'Link type', value: String(frame.linkType), offset: -1, length: 0 },
      ...(frame.fileOffset >= 0 ? [{ name: 'File offset', value: String(frame.fileOffset), offset: -1, length: 0 }] : []),
    ],
  });
  // Layer offsets refer to the frame buffer unless the datagram was reassembled.
  const sameBuf = d.buf === frame.buf && !d.reassembled;
  for (let i = 0; i < d.layerCount; i++) {
    const id = d.layers[i]! as LayerId;
    const at = d.layerOffsets[i]!;
    const next = i + 1 < d.layerCount ? d.layerOffsets[i + 1]! : -1;
    const o = sameBuf ? at - base : -1;
    let len = next >= 0 ? next - at : 0;
    const fields: FieldView[] = [];
    let summary = '';
    const f = (name: string, value: string, off: number, l: number): void => {
      fields.push({ name, value, offset: o >= 0 ? o + off : -1, length: l });
    };
    switch (id) {
      case LayerId.eth:
        f('Destination', mac(b, at), 0, 6);
        f('Source', mac(b, at + 6), 6, 6);
        f('Type', hex(u16(b, at + 12), 4), 12, 2);
        summary = `Src: ${mac(b, at + 6)}, Dst: ${mac(b, at)}`;
        len = 14;
        break;
      case LayerId.vlan:
        f('Priority', String((b[at] ?? 0) >> 5), 0, 2);
        f('ID', String(u16(b, at) & 0xfff), 0, 2);
        f('Type', hex(u16(b, at + 2), 4), 2, 2);
        summary = `ID: ${u16(b, at) & 0xfff}`;
        len = 4;
        break;
      case LayerId.ipv4:
        f('Version', '4', 0, 1);
        f('Header length', `${d.ipHeaderLen} bytes`, 0, 1);
        f('Total length', String(d.ipTotalLen), 2, 2);
        f('Identification', hex(d.ipId, 4), 4, 2);
        f('Fragment offset', String(d.fragOffset), 6, 2);
        f('More fragments', d.moreFragments ? 'set' : 'not set', 6, 1);
        f('Time to live', String(d.ttl), 8, 1);
        f('Protocol', String(d.ipProto), 9, 1);
        f('Header checksum', hex(u16(d.buf, at + 10), 4), 10, 2);
        f('Source address', addrToString(d, 0), 12, 4);
        f('Destination address', addrToString(d, 1), 16, 4);
        summary = `Src: ${addrToString(d, 0)}, Dst: ${addrToString(d, 1)}`;
        len = d.ipHeaderLen;
        break;
      case LayerId.ipv6:
        f('Version', '6', 0, 1);
        f('Payload length', String(d.ipTotalLen - 40), 4, 2);
        f('Next header', String(d.buf[at + 6] ?? 0), 6, 1);
        f('Hop limit', String(d.ttl), 7, 1);
        f('Source address', addrToString(d, 0), 8, 16);
        f('Destination address', addrToString(d, 1), 24, 16);
        summary = `Src: ${addrToString(d, 0)}, Dst: ${addrToString(d, 1)}`;
        len = 40;
        break;
      case LayerId.tcp: {
        f('Source port', String(d.srcPort), 0, 2);
        f('Destination port', String(d.dstPort), 2, 2);
        f('Sequence number (raw)', String(d.seq), 4, 4);
        f('Acknowledgment number (raw)', String(d.ack), 8, 4);
        f('Header length', `${d.tcpHeaderLen} bytes`, 12, 1);
        f('Flags', `${hex(d.tcpFlags, 3)} (${flagNames(d.tcpFlags)})`, 12, 2);
        f('Window', String(d.window), 14, 2);
        f('Checksum', hex(u16(d.buf, at + 16), 4), 16, 2);
        f('Urgent pointer', String(d.urgentPtr), 18, 2);
        if (d.optionsLen > 0) {
          const opts: string[] = [];
          if (d.mss >= 0) opts.push(`mss ${d.mss}`);
          if (d.sackPermitted) opts.push('sackOK');
          if (d.tsVal >= 0) opts.push(`TS val ${d.tsVal} ecr ${d.tsEcr}`);
          if (d.wscale >= 0) opts.push(`wscale ${d.wscale}`);
          for (let s = 0; s < d.sackCount; s++) opts.push(`sack ${d.sack[2 * s]}-${d.sack[2 * s + 1]}`);
          f('Options', opts.join(', ') || `${d.optionsLen} bytes`, 20, d.optionsLen);
        }
        summary = `Src Port: ${d.srcPort}, Dst Port: ${d.dstPort}, [${flagNames(d.tcpFlags)}], Len: ${d.payloadWireLen}`;
        len = d.tcpHeaderLen;
        break;
      }
      case LayerId.udp:
        f('Source port', String(d.srcPort), 0, 2);
        f('Destination port', String(d.dstPort), 2, 2);
        f('Length', String(d.udpLength), 4, 2);
        f('Checksum', hex(u16(d.buf, at + 6), 4), 6, 2);
        summary = `Src Port: ${d.srcPort}, Dst Port: ${d.dstPort}`;
        len = 8;
        break;
      case LayerId.icmp:
      case LayerId.icmpv6:
        f('Type', String(d.icmpType), 0, 1);
        f('Code', String(d.icmpCode), 1, 1);
        summary = `Type ${d.icmpType}, Code ${d.icmpCode}`;
        len = 4;
        break;
    }
    out.push({ name: LAYER_NAMES[id] ?? `Layer ${id}`, summary, offset: o, length: o >= 0 ? len : 0, fields });
  }
  if (d.payloadLen > 0) {
    const o = d.buf === frame.buf ? d.payloadOffset - base : -1;
    out.push({
      name: 'Data',
      summary: `${d.payloadLen} bytes${d.payloadWireLen > d.payloadLen ? ` (of ${d.payloadWireLen} on the wire)` : ''}`,
      offset: o,
      length: o >= 0 ? d.payloadLen : 0,
      fields: [],
    });
  }
  if (d.anomalyCount > 0) {
    const fields: FieldView[] = [];
    for (let i = 0; i < d.anomalyCount; i++) {
      const code = d.anomalyCodes[i]! as AnomalyCode;
      fields.push({ name: Anomaly.name(code), value: Anomaly.text(code), offset: d.anomalyOffsets[i]!, length: 1 });
    }
    out.push({ name: 'Anomalies', summary: `${d.anomalyCount}`, offset: -1, length: 0, fields });
  }
  return out;
}

/**
 * Hex dump lines of `bytes` with [hlFrom, hlTo) highlighted, `perLine` bytes
 * per line: `0010  45 00 00 3c …  E..<`. The ASCII column shows printable
 * bytes only, so nothing from the packet can act on the terminal.
 */
export function hexLines(bytes: Uint8Array, hlFrom: number, hlTo: number, perLine: number, theme: Theme): string[] {
  const lines: string[] = [];
  for (let line = 0; line < bytes.length; line += perLine) {
    let hexPart = '';
    let ascii = '';
    for (let i = line; i < line + perLine; i++) {
      const sep = i === line ? '' : i - line === perLine / 2 ? '  ' : ' ';
      if (i >= bytes.length) {
        hexPart += sep + '  ';
        ascii += ' ';
        continue;
      }
      const b = bytes[i]!;
      const h = b.toString(16).padStart(2, '0');
      // '{' and '}' are printable but would open blessed tags: shown as '.'.
      const a = b >= 0x20 && b < 0x7f && b !== 0x7b && b !== 0x7d ? String.fromCharCode(b) : '.';
      const on = i >= hlFrom && i < hlTo;
      hexPart += sep + (on ? theme.mark(h) : h);
      ascii += on ? theme.mark(a) : a;
    }
    lines.push(`${line.toString(16).padStart(4, '0')}  ${hexPart}  ${ascii}`);
  }
  return lines;
}

/** A tree line's text: layer headers bold, fields indented; packet text neutralised. */
export function layerLine(l: LayerView, theme: Theme): string {
  return theme.bold(safeTag(l.name)) + (l.summary ? ', ' + safeTag(l.summary) : '');
}
export function fieldLine(f: FieldView): string {
  return `    ${safeTag(f.name)}: ${safeTag(f.value)}`;
}
