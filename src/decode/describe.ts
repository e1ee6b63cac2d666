/**
 * Descriptions of a decoded frame, made at the edge (STYLE principle 1): a
 * layer tree for the dashboard's detail pane, its hex highlight and
 * `packets --json --verbose`, and the one-line, tcpdump -nn style summary.
 *
 * These allocate freely — they run for the frames a person looks at, not on
 * the decode hot path. Every packet-derived string goes through safeText /
 * safeBytes; every other value is a number we format ourselves.
 */
import type { Frame } from '../capture/source.js';
import { safeBytes, safeText } from '../bytes/safe-text.js';
import { hex, hex16, ipv4String, u16, u32 } from '../wire/bytes.js';
import { ArpView, arpOpName } from '../wire/arp.js';
import { EthernetView, etherTypeName } from '../wire/ethernet.js';
import { GreView } from '../wire/gre.js';
import { IcmpView, icmpTypeName } from '../wire/icmp.js';
import { Icmpv6View, icmpv6TypeName } from '../wire/icmpv6.js';
import { ipProtoName } from '../wire/ipproto.js';
import { Ipv4View, OptStep, TlvOptionIter, ipv4OptionName } from '../wire/ipv4.js';
import { Ipv6ExtView, Ipv6View, ipv6BytesToString, ipv6ExtName } from '../wire/ipv6.js';
import { LlcView } from '../wire/llc.js';
import { NullView } from '../wire/null.js';
import { PppView, lcpCodeName, pppProtocolName } from '../wire/ppp.js';
import { PppoeView, pppoeCodeName } from '../wire/pppoe.js';
import { linkTypeName } from '../wire/rawip.js';
import { SllView, sllPacketTypeName } from '../wire/sll.js';
import { Sll2View } from '../wire/sll2.js';
import { TcpView, formatTcpOption, tcpFlagsTcpdump, tcpFlagsTshark, tcpOptionName } from '../wire/tcp.js';
import { UdpView } from '../wire/udp.js';
import { VlanView } from '../wire/vlan.js';
import { Anomaly } from './anomalies.js';
import { Decoded, LayerId } from './decoded.js';
import { FrameDecoder, addrToString, innerAddrToString } from './stack.js';

export interface LayerNode {
  id: LayerId;
  /** Short protocol name, TShark's where one exists: eth, vlan, sll, ip, ipv6, ipv6.fraghdr, tcp, ... */
  proto: string;
  /** Display name. */
  name: string;
  /** One line. */
  summary: string;
  /** Every decoded field as [name, value]; values are display text. */
  fields: Array<[string, string]>;
  /** Byte range [start, end) relative to the frame's first byte; -1/-1 when the layer comes from a reassembled datagram. */
  start: number;
  end: number;
  /** The layer was decoded from the reassembled datagram (see Decoded.reassembled). */
  reassembled: boolean;
  /** Nested nodes: TCP/IP options, the packet embedded in an ICMP error. */
  children: LayerNode[];
  /** Anomalies recorded on this layer: "name: text". */
  anomalies: string[];
}

const PROTO: Record<number, string> = {
  [LayerId.eth]: 'eth', [LayerId.vlan]: 'vlan', [LayerId.sll]: 'sll', [LayerId.sll2]: 'sll2', [LayerId.null]: 'null',
  [LayerId.loop]: 'loop', [LayerId.rawip]: 'raw', [LayerId.pppoe]: 'pppoes', [LayerId.ppp]: 'ppp', [LayerId.llc]: 'llc',
  [LayerId.arp]: 'arp', [LayerId.ipv4]: 'ip', [LayerId.ipv6]: 'ipv6', [LayerId.ipv6ext]: 'ipv6.ext', [LayerId.icmp]: 'icmp',
  [LayerId.icmpv6]: 'icmpv6', [LayerId.tcp]: 'tcp', [LayerId.udp]: 'udp', [LayerId.gre]: 'gre', [LayerId.data]: 'data',
  [LayerId.igmp]: 'igmp', [LayerId.sctp]: 'sctp', [LayerId.esp]: 'esp', [LayerId.ah]: 'ah', [LayerId.lcp]: 'lcp',
};

const EXT_PROTO: Record<number, string> = {
  0: 'ipv6.hopopts', 43: 'ipv6.routing', 44: 'ipv6.fraghdr', 60: 'ipv6.dstopts', 51: 'ah', 135: 'mipv6', 139: 'hip', 140: 'shim6',
};

/** Short name of layer i (TShark's protocol names where they exist). */
export function layerProtoName(d: Decoded, i: number): string {
  const id = d.layers[i]!;
  if (id === LayerId.ipv6ext) return EXT_PROTO[d.layerProtos[i]!] ?? `ipv6.ext${d.layerProtos[i]!}`;
  if (id === LayerId.pppoe) return 'pppoe';
  return PROTO[id] ?? `layer${id}`;
}

/** The protocol path, `eth:vlan:ip:tcp`. */
export function protocolPath(d: Decoded): string {
  let s = '';
  for (let i = 0; i < d.layerCount; i++) s += (i > 0 ? ':' : '') + layerProtoName(d, i);
  return s;
}

/** Anomalies of a frame as plain objects (for JSON and the UI). */
export function anomalyList(d: Decoded): Array<{ code: number; name: string; severity: string; layer: string; offset: number; text: string }> {
  const out = [];
  for (let i = 0; i < d.anomalyCount; i++) {
    const code = d.anomalyCodes[i]!;
    out.push({
      code, name: Anomaly.name(code), severity: Anomaly.severity(code),
      layer: PROTO[d.anomalyLayers[i]!] ?? 'frame', offset: d.anomalyOffsets[i]!, text: Anomaly.text(code),
    });
  }
  return out;
}

// ------------------------------------------------------------------ the tree

const views = {
  eth: new EthernetView(), vlan: new VlanView(), sll: new SllView(), sll2: new Sll2View(), nul: new NullView(),
  llc: new LlcView(), pppoe: new PppoeView(), ppp: new PppView(), arp: new ArpView(), ip4: new Ipv4View(),
  ip6: new Ipv6View(), ext: new Ipv6ExtView(), tcp: new TcpView(), udp: new UdpView(), icmp: new IcmpView(),
  icmp6: new Icmpv6View(), gre: new GreView(),
};
const optIter = new TlvOptionIter();
const redecoder = new FrameDecoder({ defrag: false });

/**
 * The layer tree of a frame. Pass the `Decoded` the pipeline filled for this
 * frame to keep what reassembly added; without it the frame is decoded
 * again, on its own (no reassembly).
 */
export function describeFrame(frame: Frame, decoded?: Decoded): LayerNode[] {
  let d = decoded;
  if (d === undefined || d.frameNumber !== frame.number) {
    d = new Decoded();
    redecoder.decode(frame, d);
  }
  const fb = frame.buf;
  const fStart = frame.offset;
  const fEnd = Math.min(frame.offset + frame.capLen, fb.length);
  const nodes: LayerNode[] = [];
  const frameNode = node(LayerId.none, 'frame', 'Frame', `Frame ${frame.number}: ${frame.origLen} bytes on wire, ${frame.capLen} captured`, 0, fEnd - fStart, false);
  frameNode.fields.push(
    ['number', String(frame.number)], ['time', formatTime(frame.tsSec, frame.tsNsec, 'abs', 9)],
    ['epoch', `${frame.tsSec}.${String(frame.tsNsec).padStart(9, '0')}`],
    ['wire length', String(frame.origLen)], ['captured length', String(frame.capLen)],
    ['link type', `${linkTypeName(frame.linkType)} (${frame.linkType})`], ['interface', String(frame.ifIndex)],
    ['protocols', protocolPath(d)],
  );
  if (frame.comment !== undefined) frameNode.fields.push(['comment', safeText(frame.comment)]);
  if (d.isFragment) frameNode.fields.push(['IP fragment', `offset ${d.fragOffset}${d.moreFragments ? ', more' : ''}${d.reassembled ? ', completes the datagram' : ''}`]);
  for (let i = 0; i < d.anomalyCount; i++) if (d.anomalyLayers[i] === LayerId.none) frameNode.anomalies.push(anomalyLine(d, i));
  nodes.push(frameNode);

  let icmpNode: LayerNode | null = null;
  for (let i = 0; i < d.layerCount; i++) {
    const id = d.layers[i]! as LayerId;
    const inWhole = d.reassembledLayer >= 0 && i >= d.reassembledLayer;
    const b = inWhole ? d.buf : fb;
    const o = d.layerOffsets[i]!;
    const end = inWhole ? d.buf.length : fEnd;
    const nextOff = i + 1 < d.layerCount && (d.reassembledLayer < 0 || (i + 1 >= d.reassembledLayer) === inWhole) ? d.layerOffsets[i + 1]! : -1;
    const n = describeLayer(d, i, id, b, o, end, nextOff);
    // Byte ranges relative to the frame's first byte (options nested in the layer too).
    const rebase = (x: LayerNode): void => {
      if (inWhole) { x.start = -1; x.end = -1; x.reassembled = true; }
      else { x.start -= fStart; x.end = Math.min(x.end, end) - fStart; }
      for (const c of x.children) rebase(c);
    };
    rebase(n);
    // Layers after an ICMP error's header are the embedded packet: nest them.
    if (icmpNode !== null && d.innerL3Offset >= 0 && o >= d.innerL3Offset) { icmpNode.children.push(n); continue; }
    if ((id === LayerId.icmp || id === LayerId.icmpv6) && d.innerL3Offset >= 0) icmpNode = n;
    nodes.push(n);
  }
  // Each anomaly goes to the layer it names — of several (two VLAN tags), the last one starting at or
  // before its byte offset — or to the frame when that layer was never listed (cut before it could be read).
  for (let k = 0; k < d.anomalyCount; k++) {
    const lid = d.anomalyLayers[k]!;
    if (lid === LayerId.none) continue;
    let target: LayerNode | undefined;
    for (const n of nodes) {
      if (n.id !== lid) continue;
      if (target === undefined || n.reassembled || (n.start >= 0 && n.start <= d.anomalyOffsets[k]!)) target = n;
    }
    (target ?? frameNode).anomalies.push(anomalyLine(d, k));
  }
  if (d.payloadLen > 0 || d.payloadWireLen > 0) {
    const inWhole = d.reassembled && d.buf !== fb;
    const p = node(LayerId.data, 'data', 'Payload', `${d.payloadWireLen} bytes${d.payloadLen < d.payloadWireLen ? ` (${d.payloadLen} captured)` : ''}`,
      inWhole ? -1 : d.payloadOffset - fStart, inWhole ? -1 : d.payloadOffset + d.payloadLen - fStart, inWhole);
    p.fields.push(['length', String(d.payloadWireLen)], ['captured', String(d.payloadLen)]);
    const show = Math.min(d.payloadLen, 64);
    if (show > 0) {
      p.fields.push(['hex', hex(d.buf, d.payloadOffset, show) + (d.payloadLen > show ? '…' : '')]);
      p.fields.push(['text', safeBytes(d.buf, d.payloadOffset, d.payloadLen, 64)]);
    }
    nodes.push(p);
  }
  return nodes;
}

function node(id: LayerId, proto: string, name: string, summary: string, start: number, end: number, reassembled: boolean): LayerNode {
  return { id, proto, name, summary, fields: [], start, end, reassembled, children: [], anomalies: [] };
}

function anomalyLine(d: Decoded, k: number): string {
  const c = d.anomalyCodes[k]!;
  return `${Anomaly.name(c)}: ${Anomaly.text(c)} (byte ${d.anomalyOffsets[k]!})`;
}

const mac = (b: Uint8Array, o: number) => {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + (b[o + i] ?? 0).toString(16).padStart(2, '0');
  return s;
};

/** One layer's node; `end` is the captured end of the buffer, `nextOff` the next layer's start or -1. */
function describeLayer(d: Decoded, i: number, id: LayerId, b: Uint8Array, o: number, end: number, nextOff: number): LayerNode {
  const proto = layerProtoName(d, i);
  const hdrEnd = (len: number) => Math.min(o + len, end);
  switch (id) {
    case LayerId.eth: {
      const v = views.eth.wrap(b, o, end);
      const t = v.typeOrLength;
      const n = node(id, proto, 'Ethernet II', `${v.srcString()} > ${v.dstString()}, ${t < 0x600 ? `802.3 length ${t}` : etherTypeName(t)}`, o, hdrEnd(14), false);
      n.fields.push(['destination', v.dstString()], ['source', v.srcString()], [t < 0x600 ? 'length' : 'type', t < 0x600 ? String(t) : `${etherTypeName(t)} (${hex16(t)})`]);
      return n;
    }
    case LayerId.vlan: {
      const v = views.vlan.wrap(b, o, end);
      const n = node(id, proto, '802.1Q VLAN', `vlan ${v.vlanId}, p ${v.priority}, ${etherTypeName(v.innerType)}`, o, hdrEnd(4), false);
      n.fields.push(['vlan id', String(v.vlanId)], ['priority', String(v.priority)], ['drop eligible', String(v.dei)], ['type', `${etherTypeName(v.innerType)} (${hex16(v.innerType)})`]);
      return n;
    }
    case LayerId.sll: {
      const v = views.sll.wrap(b, o, end);
      const n = node(id, proto, 'Linux cooked capture v1', `${sllPacketTypeName(v.packetType)}, ${etherTypeName(v.protocol)}`, o, hdrEnd(16), false);
      n.fields.push(['packet type', `${sllPacketTypeName(v.packetType)} (${v.packetType})`], ['ARPHRD type', String(v.arphrd)],
        ['address length', String(v.addrLength)], ['address', v.addrString()], ['protocol', `${etherTypeName(v.protocol)} (${hex16(v.protocol)})`]);
      return n;
    }
    case LayerId.sll2: {
      const v = views.sll2.wrap(b, o, end);
      const n = node(id, proto, 'Linux cooked capture v2', `if ${v.ifIndex}, ${sllPacketTypeName(v.packetType)}, ${etherTypeName(v.protocol)}`, o, hdrEnd(20), false);
      n.fields.push(['protocol', `${etherTypeName(v.protocol)} (${hex16(v.protocol)})`], ['interface index', String(v.ifIndex)], ['ARPHRD type', String(v.arphrd)],
        ['packet type', `${sllPacketTypeName(v.packetType)} (${v.packetType})`], ['address length', String(v.addrLength)], ['address', v.addrString()]);
      return n;
    }
    case LayerId.null: case LayerId.loop: {
      const v = views.nul.wrap(b, o, end, id === LayerId.loop);
      const n = node(id, proto, id === LayerId.loop ? 'OpenBSD loopback' : 'Null/Loopback', `family ${v.family}`, o, hdrEnd(4), false);
      n.fields.push(['family', String(v.family)], ['carries', v.ipVersion === 0 ? 'unknown' : `IPv${v.ipVersion}`]);
      return n;
    }
    case LayerId.rawip: return node(id, proto, 'Raw IP', 'no link header', o, o, false);
    case LayerId.llc: {
      const v = views.llc.wrap(b, o, end);
      v.check();
      const n = node(id, proto, 'IEEE 802.2 LLC', `DSAP 0x${v.dsap.toString(16)} SSAP 0x${v.ssap.toString(16)}${v.isSnap ? ', SNAP' : ''}`, o, hdrEnd(v.headerLength), false);
      n.fields.push(['DSAP', `0x${v.dsap.toString(16).padStart(2, '0')}`], ['SSAP', `0x${v.ssap.toString(16).padStart(2, '0')}`], ['control', `0x${v.control.toString(16)}`]);
      if (v.isSnap) n.fields.push(['OUI', `0x${v.snapOui.toString(16).padStart(6, '0')}`], ['type', hex16(v.snapType)]);
      return n;
    }
    case LayerId.pppoe: {
      const v = views.pppoe.wrap(b, o, end);
      const n = node(id, proto, 'PPPoE', `${pppoeCodeName(v.code)}, session 0x${v.sessionId.toString(16).padStart(4, '0')}, length ${v.payloadLength}`, o, hdrEnd(6), false);
      n.fields.push(['version', String(v.version)], ['type', String(v.type)], ['code', `${pppoeCodeName(v.code)} (0x${v.code.toString(16).padStart(2, '0')})`],
        ['session id', `0x${v.sessionId.toString(16).padStart(4, '0')}`], ['payload length', String(v.payloadLength)]);
      return n;
    }
    case LayerId.ppp: {
      const v = views.ppp.wrap(b, o, end);
      v.check();
      const n = node(id, proto, 'PPP', pppProtocolName(v.protocol), o, hdrEnd(v.headerLength), false);
      if (v.acLength > 0) n.fields.push(['address', '0xff'], ['control', '0x03']);
      n.fields.push(['protocol', `${pppProtocolName(v.protocol)} (${hex16(v.protocol)})`]);
      return n;
    }
    case LayerId.lcp: {
      const code = b[o] ?? 0, ident = b[o + 1] ?? 0, len = o + 4 <= end ? u16(b, o + 2) : 0;
      const n = node(id, proto, 'PPP control', `${lcpCodeName(code)}, id ${ident}, length ${len}`, o, hdrEnd(Math.max(4, len)), false);
      n.fields.push(['code', `${lcpCodeName(code)} (${code})`], ['identifier', String(ident)], ['length', String(len)]);
      return n;
    }
    case LayerId.arp: {
      const v = views.arp.wrap(b, o, end);
      const op = v.operation;
      const summary = op === 1 ? `who-has ${v.targetProtocol()} tell ${v.senderProtocol()}` : op === 2 ? `${v.senderProtocol()} is-at ${v.senderHardware()}` : arpOpName(op);
      const n = node(id, proto, 'ARP', `${arpOpName(op)} ${summary}`, o, hdrEnd(v.totalLength), false);
      n.fields.push(['hardware type', String(v.hardwareType)], ['protocol type', hex16(v.protocolType)], ['hardware size', String(v.hardwareLength)],
        ['protocol size', String(v.protocolLength)], ['opcode', `${arpOpName(op)} (${op})`], ['sender MAC', v.senderHardware()],
        ['sender IP', v.senderProtocol()], ['target MAC', v.targetHardware()], ['target IP', v.targetProtocol()]);
      return n;
    }
    case LayerId.ipv4: {
      if (end - o < 20) return partialIp(id, proto, 'IPv4', b, o, end);
      const v = views.ip4.wrap(b, o, end);
      const hl = v.headerLength;
      const flags = [v.reservedFlag ? 'reserved' : '', v.dontFragment ? 'DF' : '', v.moreFragments ? 'MF' : ''].filter(Boolean).join(',') || 'none';
      const n = node(id, proto, 'IPv4', `${v.srcString()} > ${v.dstString()}, ${ipProtoName(v.protocol)}, ttl ${v.ttl}, id ${v.ident}, length ${v.totalLength}`, o, hdrEnd(Math.max(20, hl)), false);
      n.fields.push(['version', String(v.version)], ['header length', `${hl} bytes (${hl / 4})`], ['DSCP', String(v.dscp)], ['ECN', String(v.ecn)],
        ['total length', String(v.totalLength)], ['identification', `0x${v.ident.toString(16).padStart(4, '0')} (${v.ident})`], ['flags', flags],
        ['fragment offset', String(v.fragOffsetBytes)], ['ttl', String(v.ttl)], ['protocol', `${ipProtoName(v.protocol)} (${v.protocol})`],
        ['header checksum', `0x${v.checksum.toString(16).padStart(4, '0')}`], ['source', v.srcString()], ['destination', v.dstString()]);
      if (hl > 20 && o + hl <= end) {
        const it = optIter.reset(b, o + 20, o + hl);
        for (let s = it.next(); s === OptStep.option; s = it.next()) {
          const on = node(id, 'ip.opt', `Option ${ipv4OptionName(it.kind)}`, `${ipv4OptionName(it.kind)} (${it.kind}), length ${it.length}`, it.start, it.start + it.length, false);
          on.fields.push(['kind', String(it.kind)], ['length', String(it.length)]);
          if (it.length > 2) on.fields.push(['value', hex(b, it.start + 2, it.length - 2)]);
          n.children.push(on);
        }
      }
      return n;
    }
    case LayerId.ipv6: {
      if (end - o < 40) return partialIp(id, proto, 'IPv6', b, o, end);
      const v = views.ip6.wrap(b, o, end);
      const src = ipv6BytesToString(b, o + 8), dst = ipv6BytesToString(b, o + 24);
      const n = node(id, proto, 'IPv6', `${src} > ${dst}, next ${ipProtoName(v.nextHeader)}, hlim ${v.hopLimit}, payload ${v.payloadLength}`, o, hdrEnd(40), false);
      n.fields.push(['version', String(v.version)], ['traffic class', `0x${v.trafficClass.toString(16).padStart(2, '0')}`], ['flow label', `0x${v.flowLabel.toString(16).padStart(5, '0')}`],
        ['payload length', String(v.payloadLength)], ['next header', `${ipProtoName(v.nextHeader)} (${v.nextHeader})`], ['hop limit', String(v.hopLimit)],
        ['source', src], ['destination', dst]);
      return n;
    }
    case LayerId.ipv6ext: {
      const type = d.layerProtos[i]!;
      const v = views.ext.wrap(b, o, end, type);
      const hl = v.headerLength;
      const n = node(id, proto, `IPv6 ${ipv6ExtName(type)}`, `${ipv6ExtName(type)}, next ${ipProtoName(v.nextHeader)}, length ${hl}`, o, hdrEnd(hl), false);
      n.fields.push(['next header', `${ipProtoName(v.nextHeader)} (${v.nextHeader})`], ['length', `${hl} bytes`]);
      if (type === 44) {
        n.summary = `Fragment id 0x${v.fragIdent.toString(16)}, offset ${v.fragOffsetBytes}${v.moreFragments ? ', more' : ''}`;
        n.fields.push(['fragment offset', String(v.fragOffsetBytes)], ['more fragments', String(v.moreFragments)], ['identification', `0x${v.fragIdent.toString(16).padStart(8, '0')}`]);
      } else if (type === 43) {
        n.fields.push(['routing type', String(v.routingType)], ['segments left', String(v.segmentsLeft)]);
      } else if (type === 51) {
        n.fields.push(['SPI', `0x${v.ahSpi.toString(16).padStart(8, '0')}`], ['sequence', String(v.ahSeq)]);
      } else if (type === 0 || type === 60) {
        const it = optIter.reset(b, o + 2, o + hl);
        // RFC 8200 section 4.2 options: Pad1 (0) is one byte, the rest type-length-value (length counts data only).
        let p = o + 2;
        while (p < o + hl) {
          const t = b[p]!;
          if (t === 0) { p++; continue; }
          if (p + 2 > o + hl) break;
          const len = b[p + 1]!;
          if (t !== 1) n.fields.push([`option ${t}`, `length ${len}${len > 0 ? ' ' + hex(b, p + 2, Math.min(len, o + hl - p - 2)) : ''}`]);
          p += 2 + len;
        }
        void it;
      }
      return n;
    }
    case LayerId.tcp: {
      if (end - o < 20) return partialPorts(id, proto, 'TCP', b, o, end);
      const v = views.tcp.wrap(b, o, end);
      const hl = v.headerLength;
      const flags = v.flags;
      const n = node(id, proto, 'TCP', `${v.srcPort} > ${v.dstPort} [${tcpFlagsTcpdump(flags)}] seq ${v.seqNumber} ack ${v.ackNumber} win ${v.window}`, o, hdrEnd(Math.max(20, hl)), false);
      n.fields.push(['source port', String(v.srcPort)], ['destination port', String(v.dstPort)], ['sequence number (raw)', String(v.seqNumber)],
        ['acknowledgment number (raw)', String(v.ackNumber)], ['header length', `${hl} bytes (${v.dataOffsetWords})`],
        ['flags', `0x${flags.toString(16).padStart(3, '0')} ${tcpFlagsTshark(flags)} [${tcpFlagsTcpdump(flags)}]`], ['window', String(v.window)],
        ['checksum', `0x${v.checksum.toString(16).padStart(4, '0')}`], ['urgent pointer', String(v.urgentPointer)], ['segment length', String(d.l4Offset === o ? d.payloadWireLen : 0)]);
      if (hl > 20) {
        const it = optIter.reset(b, o + 20, Math.min(o + hl, end));
        for (;;) {
          const s = it.next();
          if (s === OptStep.end) break;
          if (s === OptStep.bad) {
            const bad = node(id, 'tcp.option', 'Option (invalid)', `kind ${it.kind}, length ${it.length}: runs past the header`, it.start, Math.min(o + hl, end), false);
            n.children.push(bad);
            break;
          }
          const on = node(id, 'tcp.option', `Option ${tcpOptionName(it.kind)}`, formatTcpOption(b, it.kind, it.start, it.length), it.start, it.start + it.length, false);
          on.fields.push(['kind', String(it.kind)], ['length', String(it.length)]);
          if (it.length > 2) on.fields.push(['value', hex(b, it.start + 2, it.length - 2)]);
          n.children.push(on);
        }
      }
      return n;
    }
    case LayerId.udp: {
      if (end - o < 8) return partialPorts(id, proto, 'UDP', b, o, end);
      const v = views.udp.wrap(b, o, end);
      const n = node(id, proto, 'UDP', `${v.srcPort} > ${v.dstPort}, length ${v.length}`, o, hdrEnd(8), false);
      n.fields.push(['source port', String(v.srcPort)], ['destination port', String(v.dstPort)], ['length', String(v.length)], ['checksum', `0x${v.checksum.toString(16).padStart(4, '0')}`]);
      return n;
    }
    case LayerId.icmp: {
      const v = views.icmp.wrap(b, o, end);
      const n = node(id, proto, 'ICMP', icmpTypeName(v.type, v.code), o, hdrEnd(8), false);
      n.fields.push(['type', String(v.type)], ['code', String(v.code)], ['checksum', `0x${v.checksum.toString(16).padStart(4, '0')}`]);
      if (o + 8 <= end) {
        if (v.type === 0 || v.type === 8 || v.type === 13 || v.type === 14) n.fields.push(['identifier', String(v.ident)], ['sequence', String(v.sequence)]);
        else if (v.type === 5) n.fields.push(['gateway', ipv4String(v.restOfHeader)]);
        else if (v.type === 3 && v.code === 4) n.fields.push(['next-hop MTU', String(v.nextHopMtu)]);
      }
      if (d.innerL3Offset >= 0 && d.innerIpVersion === 4) n.summary += `, about ${innerSummary(d)}`;
      return n;
    }
    case LayerId.icmpv6: {
      const v = views.icmp6.wrap(b, o, end);
      const n = node(id, proto, 'ICMPv6', icmpv6TypeName(v.type, v.code), o, hdrEnd(8), false);
      n.fields.push(['type', String(v.type)], ['code', String(v.code)], ['checksum', `0x${v.checksum.toString(16).padStart(4, '0')}`]);
      if (o + 8 <= end) {
        if (v.type === 128 || v.type === 129) n.fields.push(['identifier', String(v.ident)], ['sequence', String(v.sequence)]);
        else if (v.type === 2) n.fields.push(['MTU', String(v.body32)]);
      }
      if (v.hasTarget) {
        const t = ipv6BytesToString(b, o + 8);
        n.fields.push(['target', t]);
        n.summary += ` ${t}`;
      }
      if (d.innerL3Offset >= 0 && d.innerIpVersion === 6) n.summary += `, about ${innerSummary(d)}`;
      return n;
    }
    case LayerId.gre: {
      const v = views.gre.wrap(b, o, end);
      v.check();
      const n = node(id, proto, 'GRE', `version ${v.version}, ${etherTypeName(v.protocol)}`, o, hdrEnd(v.headerLength), false);
      n.fields.push(['flags', `0x${v.flags.toString(16).padStart(4, '0')}`], ['version', String(v.version)], ['protocol', `${etherTypeName(v.protocol)} (${hex16(v.protocol)})`]);
      if (o + v.headerLength <= end) {
        if (v.hasKey) {
          if (v.version === 1) n.fields.push(['payload length', String(v.pptpPayloadLength)], ['call id', String(v.pptpCallId)]);
          else n.fields.push(['key', `0x${v.key.toString(16)}`]);
        }
        if (v.hasSeq) n.fields.push(['sequence', String(v.seq)]);
        if (v.hasAck) n.fields.push(['acknowledgment', String(v.ack)]);
      }
      return n;
    }
    case LayerId.sctp: {
      if (end - o < 12) return partialPorts(id, proto, 'SCTP', b, o, end);
      const n = node(id, proto, 'SCTP', `${u16(b, o)} > ${u16(b, o + 2)}`, o, hdrEnd(12), false);
      n.fields.push(['source port', String(u16(b, o))], ['destination port', String(u16(b, o + 2))], ['verification tag', `0x${u32(b, o + 4).toString(16)}`]);
      return n;
    }
    case LayerId.esp: {
      const n = node(id, proto, 'ESP', `SPI 0x${u32(b, o).toString(16)}, seq ${u32(b, o + 4)}`, o, hdrEnd(8), false);
      n.fields.push(['SPI', `0x${u32(b, o).toString(16).padStart(8, '0')}`], ['sequence', String(u32(b, o + 4))]);
      return n;
    }
    case LayerId.igmp: {
      const n = node(id, proto, 'IGMP', `type 0x${(b[o] ?? 0).toString(16)}`, o, hdrEnd(8), false);
      n.fields.push(['type', `0x${(b[o] ?? 0).toString(16)}`], ['group', ipv4String(u32(b, o + 4))]);
      return n;
    }
    default:
      return node(id, proto, proto, '', o, nextOff >= 0 ? nextOff : o, false);
  }
}

/** An IP header the capture cut short: the fields that are there. */
function partialIp(id: LayerId, proto: string, name: string, b: Uint8Array, o: number, end: number): LayerNode {
  const n = node(id, proto, name, `header cut short (${end - o} bytes captured)`, o, end, false);
  n.fields.push(['version', String((b[o] ?? 0) >> 4)]);
  if (name === 'IPv4') {
    if (end - o >= 4) n.fields.push(['total length', String(u16(b, o + 2))]);
    if (end - o >= 10) n.fields.push(['protocol', `${ipProtoName(b[o + 9]!)} (${b[o + 9]!})`]);
    if (end - o >= 16) n.fields.push(['source', ipv4String(u32(b, o + 12))]);
  } else {
    if (end - o >= 6) n.fields.push(['payload length', String(u16(b, o + 4))]);
    if (end - o >= 24) n.fields.push(['source', ipv6BytesToString(b, o + 8)]);
  }
  return n;
}

/** A transport header of which only the ports are captured (the packet inside an ICMP error). */
function partialPorts(id: LayerId, proto: string, name: string, b: Uint8Array, o: number, end: number): LayerNode {
  const n = node(id, proto, name, 'header cut short', o, end, false);
  if (end - o >= 4) {
    n.summary = `${u16(b, o)} > ${u16(b, o + 2)} (header cut short)`;
    n.fields.push(['source port', String(u16(b, o))], ['destination port', String(u16(b, o + 2))]);
  }
  if (proto === 'tcp' && end - o >= 8) n.fields.push(['sequence number (raw)', String(u32(b, o + 4))]);
  return n;
}

function innerSummary(d: Decoded): string {
  const src = innerAddrToString(d, 0), dst = innerAddrToString(d, 1);
  const proto = d.innerProto >= 0 ? ipProtoName(d.innerProto) : '?';
  if (d.innerSrcPort >= 0) return `${proto} ${hostPort(src, d.innerSrcPort, d.innerIpVersion)} > ${hostPort(dst, d.innerDstPort, d.innerIpVersion)}`;
  return `${proto} ${src} > ${dst}`;
}

function hostPort(addr: string, port: number, _v: number): string { return `${addr}.${port}`; }

// ------------------------------------------------------------------ one line

/** Time formats for one-line output. */
export type TimeFormat = 'abs' | 'rel' | 'epoch' | 'delta' | 'none';

/** `2005-07-06 03:57:35.938066` (UTC) with `digits` fractional digits (6 or 9). */
export function formatTime(sec: number, nsec: number, fmt: 'abs' | 'epoch', digits: 6 | 9): string {
  const frac = digits === 9 ? String(nsec).padStart(9, '0') : String(Math.floor(nsec / 1000)).padStart(6, '0');
  if (fmt === 'epoch') return `${sec}.${frac}`;
  const dt = new Date(sec * 1000);
  if (Number.isNaN(dt.getTime())) return `${sec}.${frac}`;
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${dt.getUTCFullYear()}-${p2(dt.getUTCMonth() + 1)}-${p2(dt.getUTCDate())} ${p2(dt.getUTCHours())}:${p2(dt.getUTCMinutes())}:${p2(dt.getUTCSeconds())}.${frac}`;
}

/**
 * tcpdump's relative sequence numbers (print-tcp.c): per connection, the
 * first packet with ACK set (or any later SYN) records the base for both
 * directions and is printed absolute; later packets print seq − base.
 * Bounded: at most `max` connections are remembered (oldest forgotten).
 */
export class RelativeSeq {
  private readonly table = new Map<string, { seq: number; ack: number }>();
  constructor(private readonly max = 65536) {}

  /** Returns [seq, ack] to print. */
  apply(d: Decoded): [number, number] {
    if ((d.tcpFlags & 0x10) === 0) return [d.seq, d.ack];
    const src = addrToString(d, 0), dst = addrToString(d, 1);
    let rev = false;
    if (d.srcPort > d.dstPort) rev = true;
    else if (d.srcPort === d.dstPort) rev = compareAddr(d) > 0;
    const key = rev ? `${dst}|${src}|${d.dstPort}|${d.srcPort}` : `${src}|${dst}|${d.srcPort}|${d.dstPort}`;
    const th = this.table.get(key);
    if (th === undefined || (d.tcpFlags & 0x02) !== 0) {
      if (th === undefined && this.table.size >= this.max) {
        const oldest = this.table.keys().next();
        if (!oldest.done) this.table.delete(oldest.value);
      }
      const e = rev ? { ack: d.seq, seq: (d.ack - 1) >>> 0 } : { seq: d.seq, ack: (d.ack - 1) >>> 0 };
      this.table.set(key, e);
      return [d.seq, d.ack];
    }
    return rev ? [(d.seq - th.ack) >>> 0, (d.ack - th.seq) >>> 0] : [(d.seq - th.seq) >>> 0, (d.ack - th.ack) >>> 0];
  }
}

function compareAddr(d: Decoded): number {
  for (let i = 0; i < 4; i++) {
    const a = d.addr[i]!, b = d.addr[4 + i]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

export interface OneLineOptions {
  /** Relative sequence numbers (tcpdump's default); absolute when absent (`-S`). */
  rel?: RelativeSeq;
  /** Application summary to append (`: HTTP: GET / HTTP/1.1`). */
  summary?: string;
  /** Show anomalies inline (default true). */
  anomalies?: boolean;
}

/** Anomalies that the line itself already says (a fragment says "frag"). */
const QUIET = new Set<number>([Anomaly.ipv4_fragment, Anomaly.ipv6_fragment]);

/**
 * One line in tcpdump -nn style, without the frame number and time:
 * `IP 10.0.0.1.80 > 10.0.0.2.1234: Flags [S.], seq 1, ack 2, win 8192, options [mss 1460], length 0`.
 * Packet-derived text in `opts.summary` must already be safe.
 */
export function oneLine(d: Decoded, opts: OneLineOptions = {}): string {
  let s = body(d, opts);
  if (opts.summary) s += `: ${opts.summary}`;
  if (d.reassembled) s += ' [reassembled]';
  if (opts.anomalies !== false) {
    for (let i = 0; i < d.anomalyCount; i++) {
      const c = d.anomalyCodes[i]!;
      if (!QUIET.has(c)) s += ` [!${Anomaly.name(c)}]`;
    }
  }
  return s;
}

function body(d: Decoded, opts: OneLineOptions): string {
  if (d.ipVersion === 0) return linkOnly(d);
  const ipTag = d.ipVersion === 4 ? 'IP' : 'IP6';
  const src = addrToString(d, 0), dst = addrToString(d, 1);
  if (d.isFragment && !d.reassembled) {
    return `${ipTag} ${src} > ${dst}: ${ipProtoName(d.ipProto)} frag id ${d.ipId}, offset ${d.fragOffset}${d.moreFragments ? '+' : ''}, length ${d.payloadWireLen}`;
  }
  if (d.hasLayer(LayerId.tcp) && d.ipProto === 6 && d.l4Offset >= 0) return `${ipTag} ${src}.${d.srcPort} > ${dst}.${d.dstPort}: ${tcpPart(d, opts)}`;
  if (d.hasLayer(LayerId.udp) && d.ipProto === 17 && d.l4Offset >= 0) return `${ipTag} ${src}.${d.srcPort} > ${dst}.${d.dstPort}: UDP, length ${d.payloadWireLen}`;
  if (d.ipProto === 1 && d.icmpType >= 0) return `${ipTag} ${src} > ${dst}: ICMP ${icmpTypeName(d.icmpType, d.icmpCode)}${icmpExtra(d)}, length ${d.payloadWireLen + 8}`;
  if (d.ipProto === 58 && d.icmpType >= 0) return `${ipTag} ${src} > ${dst}: ${extPrefix(d)}ICMP6, ${icmpv6TypeName(d.icmpType, d.icmpCode)}${icmpExtra(d)}, length ${d.payloadWireLen + 8}`;
  // A transport header the capture cut: ports when they are there, then tcpdump's [|tcp] mark.
  if (d.ipProto === 6) return d.srcPort >= 0 ? `${ipTag} ${src}.${d.srcPort} > ${dst}.${d.dstPort}: [|tcp]` : `${ipTag} ${src} > ${dst}: [|tcp]`;
  if (d.ipProto === 17) return d.srcPort >= 0 ? `${ipTag} ${src}.${d.srcPort} > ${dst}.${d.dstPort}: [|udp]` : `${ipTag} ${src} > ${dst}: [|udp]`;
  if (d.ipProto === 47 && d.hasLayer(LayerId.gre)) return `${ipTag} ${src} > ${dst}: ${greLine(d)}`;
  if (d.ipProto === 132 && d.srcPort >= 0) return `${ipTag} ${src}.${d.srcPort} > ${dst}.${d.dstPort}: sctp, length ${d.payloadWireLen}`;
  return `${ipTag} ${src} > ${dst}: ${ipProtoName(d.ipProto)} ${d.payloadWireLen}`;
}

/** tcpdump names IPv6 hop-by-hop and destination options before the upper protocol ("HBH ICMP6, ..."). */
function extPrefix(d: Decoded): string {
  let s = '';
  for (let i = 0; i < d.layerCount; i++) {
    if (d.layers[i] !== LayerId.ipv6ext) continue;
    const t = d.layerProtos[i];
    if (t === 0) s += 'HBH ';
    else if (t === 60) s += 'DSTOPT ';
  }
  return s;
}

/** tcpdump's GRE line: `GREv1, call 0, seq 0, length 60: LCP Configure-Request, id 0, length 44`. */
function greLine(d: Decoded): string {
  const b = d.buf;
  let gi = -1;
  for (let i = 0; i < d.layerCount; i++) if (d.layers[i] === LayerId.gre) { gi = i; break; }
  const o = d.layerOffsets[gi]!;
  const v = views.gre.wrap(b, o, b.length);
  v.check();
  let s = `GREv${v.version}`;
  const ipEnd = d.payloadOffset + d.payloadWireLen;
  if (o + v.headerLength <= b.length) {
    if (v.version === 1 && v.hasKey) s += `, call ${v.pptpCallId}`;
    else if (v.hasKey) s += `, key=0x${v.key.toString(16)}`;
    if (v.hasSeq) s += `, seq ${v.seq}`;
    if (v.hasAck) s += `, ack ${v.ack}`;
  }
  s += `, length ${ipEnd - o}`;
  for (let i = gi + 1; i < d.layerCount; i++) {
    if (d.layers[i] === LayerId.lcp) {
      const p = d.layerOffsets[i]!;
      s += `: ${pppProtocolName(views.ppp.wrap(b, d.layerOffsets[i - 1]!, b.length).check() === 0 ? views.ppp.protocol : 0)} ${lcpCodeName(b[p] ?? 0)}, id ${b[p + 1] ?? 0}, length ${p + 4 <= b.length ? u16(b, p + 2) : 0}`;
      break;
    }
  }
  return s;
}

/** What tcpdump adds after the ICMP type: echo id/seq, the neighbor-discovery target, the invoking packet. */
function icmpExtra(d: Decoded): string {
  const b = d.buf, o = d.l4Offset;
  if (d.innerL3Offset >= 0) return `, about ${innerSummary(d)}`;
  if (o < 0 || o + 8 > b.length) return '';
  const t = d.icmpType;
  const echo = d.ipProto === 1 ? t === 0 || t === 8 : t === 128 || t === 129;
  if (echo) return `, id ${u16(b, o + 4)}, seq ${u16(b, o + 6)}`;
  if (d.ipProto === 58 && (t === 135 || t === 136) && o + 24 <= b.length) return `${t === 135 ? ', who has' : ', tgt is'} ${ipv6BytesToString(b, o + 8)}`;
  return '';
}

function tcpPart(d: Decoded, opts: OneLineOptions): string {
  const f = d.tcpFlags;
  let s = `Flags [${tcpFlagsTcpdump(f)}]`;
  const [seq, ack] = opts.rel ? opts.rel.apply(d) : [d.seq, d.ack];
  const len = d.payloadWireLen;
  // print-tcp.c: seq when there is data or SYN/FIN/RST; ack when ACK is set.
  if (len > 0 || (f & 0x07) !== 0) s += len > 0 ? `, seq ${seq}:${(seq + len) >>> 0}` : `, seq ${seq}`;
  if (f & 0x10) s += `, ack ${ack}`;
  s += `, win ${d.window}`;
  if (f & 0x20) s += `, urg ${d.urgentPtr}`;
  if (d.optionsOffset >= 0 && d.optionsLen > 0) {
    const b = d.buf;
    const it = optIter.reset(b, d.optionsOffset, d.optionsOffset + d.optionsLen);
    const parts: string[] = [];
    let bad = false;
    for (;;) {
      const st = it.next();
      if (st === OptStep.end) break;
      if (st === OptStep.bad) { bad = true; break; }
      parts.push(formatTcpOption(b, it.kind, it.start, it.length));
      if (it.kind === 0) break;
    }
    s += `, options [${parts.join(',')}${bad ? (parts.length ? ',' : '') + 'bad opt' : ''}]`;
  }
  s += `, length ${len}`;
  return s;
}

function linkOnly(d: Decoded): string {
  const b = d.buf;
  for (let i = 0; i < d.layerCount; i++) {
    if (d.layers[i] === LayerId.arp) {
      const v = views.arp.wrap(b, d.layerOffsets[i]!, b.length);
      const op = v.operation;
      if (op === 1) return `ARP, Request who-has ${v.targetProtocol()} tell ${v.senderProtocol()}, length ${d.payloadWireLen + v.totalLength}`;
      if (op === 2) return `ARP, Reply ${v.senderProtocol()} is-at ${v.senderHardware()}, length ${d.payloadWireLen + v.totalLength}`;
      return `ARP, ${arpOpName(op)}, length ${d.payloadWireLen + v.totalLength}`;
    }
    if (d.layers[i] === LayerId.lcp) return `PPP ${lcpCodeName(b[d.layerOffsets[i]!] ?? 0)}, length ${d.payloadWireLen + 4}`;
    if (d.layers[i] === LayerId.llc) {
      const o = d.layerOffsets[i]!;
      return `LLC, dsap 0x${(b[o] ?? 0).toString(16).padStart(2, '0')}, ssap 0x${(b[o + 1] ?? 0).toString(16).padStart(2, '0')}, length ${d.origLen}`;
    }
  }
  if (d.ethOffset >= 0 && d.ethertype >= 0) {
    const e = d.ethOffset;
    return `${mac(b, e + 6)} > ${mac(b, e)}, ${etherTypeName(d.ethertype)}, length ${d.origLen}`;
  }
  return `${linkTypeName(d.linkType)}, length ${d.origLen}`;
}

// ------------------------------------------------------------------ JSON

/** A plain object for NDJSON output: numbers and safe strings only, binary as hex. */
export function frameJson(frame: Frame, d: Decoded, opts: { rel?: RelativeSeq; summary?: string; verbose?: boolean } = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {
    frame: frame.number,
    time: formatTime(frame.tsSec, frame.tsNsec, 'abs', 9).replace(' ', 'T') + 'Z',
    epoch: `${frame.tsSec}.${String(frame.tsNsec).padStart(9, '0')}`,
    len: frame.origLen,
    caplen: frame.capLen,
    linktype: frame.linkType,
    protocols: protocolPath(d),
  };
  if (frame.ifIndex !== 0) o.interface = frame.ifIndex;
  if (d.vlanCount > 0) o.vlan = d.vlanId;
  if (d.ipVersion !== 0) {
    o.ip = {
      version: d.ipVersion, src: addrToString(d, 0), dst: addrToString(d, 1), proto: d.ipProto, ttl: d.ttl, id: d.ipId,
      ...(d.isFragment ? { fragment: { offset: d.fragOffset, more: d.moreFragments, reassembled: d.reassembled } } : {}),
    };
  }
  if (d.hasLayer(LayerId.tcp) && d.ipProto === 6 && d.l4Offset >= 0) {
    const [seq, ack] = opts.rel ? opts.rel.apply(d) : [d.seq, d.ack];
    const tcp: Record<string, unknown> = {
      sport: d.srcPort, dport: d.dstPort, seq: d.seq, ack: d.ack, flags: tcpFlagsTcpdump(d.tcpFlags), flagsHex: `0x${d.tcpFlags.toString(16).padStart(3, '0')}`,
      win: d.window, hdrLen: d.tcpHeaderLen, len: d.payloadWireLen,
    };
    if (opts.rel) { tcp.relSeq = seq; tcp.relAck = ack; }
    if (d.mss >= 0) tcp.mss = d.mss;
    if (d.wscale >= 0) tcp.wscale = d.wscale;
    if (d.sackPermitted) tcp.sackPermitted = true;
    if (d.tsVal >= 0) { tcp.tsval = d.tsVal; tcp.tsecr = d.tsEcr; }
    if (d.sackCount > 0) tcp.sack = Array.from({ length: d.sackCount }, (_, i) => [d.sack[2 * i]!, d.sack[2 * i + 1]!]);
    if (d.optionsLen > 0) tcp.options = hex(d.buf, d.optionsOffset, d.optionsLen);
    o.tcp = tcp;
  } else if (d.hasLayer(LayerId.udp) && d.ipProto === 17 && d.l4Offset >= 0) {
    o.udp = { sport: d.srcPort, dport: d.dstPort, len: d.payloadWireLen };
  } else if (d.icmpType >= 0) {
    o.icmp = { type: d.icmpType, code: d.icmpCode };
  }
  if (d.payloadLen > 0 || d.payloadWireLen > 0) o.payload = { len: d.payloadWireLen, captured: d.payloadLen };
  if (opts.summary !== undefined) o.summary = opts.summary;
  if (d.anomalyCount > 0) o.anomalies = anomalyList(d);
  if (opts.verbose) {
    o.layers = describeFrame(frame, d);
    o.hex = hex(frame.buf, frame.offset, Math.min(frame.capLen, frame.buf.length - frame.offset));
  }
  return o;
}
