/**
 * `Decoded`: the reusable result of decoding one frame, filled in place by
 * `decodeFrame()` (src/decode/stack.ts). One instance is reused for every
 * frame on the hot path: nothing here is allocated per packet. Fields refer
 * to bytes by offset into `buf`, which is the frame's buffer — or, for a
 * datagram completed by IP reassembly, the reassembled datagram's buffer
 * (see `reassembled`).
 *
 * Whoever wants to keep a fact past the next frame copies it out.
 */
import { Anomaly, type AnomalyCode } from './anomalies.js';

/** Layer identifiers, in the order they appear in `layers`. Raw numbers kept where unknown. */
export const LayerId = {
  none: 0,
  eth: 1, vlan: 2, sll: 3, sll2: 4, null: 5, loop: 6, rawip: 7, pppoe: 8, ppp: 9, llc: 10,
  arp: 11, ipv4: 12, ipv6: 13, ipv6ext: 14, icmp: 15, icmpv6: 16, tcp: 17, udp: 18,
  gre: 19, data: 20, igmp: 21, sctp: 22, esp: 23, ah: 24,
  /** PPP link control (LCP) and the other PPP control protocols (IPCP, CHAP, ...). */
  lcp: 25,
} as const;
export type LayerId = (typeof LayerId)[keyof typeof LayerId];
// Optimized code reads an exported binding through its module cell, with a check that it is
// initialized, at every use, even in its own module; a constant that is not exported is folded
// into the instruction. Hence private copies for the hot paths: isTcp and isUdp, once a frame.
const LAYER_TCP = LayerId.tcp;
const LAYER_UDP = LayerId.udp;

export const MAX_LAYERS = 48;
export const MAX_ANOMALIES = 8;

export class Decoded {
  // ---- frame ----
  frameNumber = 0;
  tsSec = 0;
  tsNsec = 0;
  capLen = 0;
  origLen = 0;
  linkType = 0;
  /** Buffer that offsets below (from `l3Offset` on) refer to. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the frame's first byte in the frame buffer. */
  frameOffset = 0;

  // ---- layer stack ----
  layerCount = 0;
  readonly layers = new Uint8Array(MAX_LAYERS);
  /** Start offset of each layer (in the frame buffer for link layers, in `buf` from L3 on). */
  readonly layerOffsets = new Int32Array(MAX_LAYERS);
  /**
   * The protocol number that announced each layer where the layer id alone
   * does not say which header it is: for `ipv6ext`, the extension header's
   * next-header value (0 hop-by-hop, 43 routing, 44 fragment, 60 destination
   * options, 51 AH, ...). 0 elsewhere.
   */
  readonly layerProtos = new Uint16Array(MAX_LAYERS);

  // ---- link ----
  ethertype = -1;
  /** Number of 802.1Q/802.1ad tags seen, and the outermost VLAN id (-1 if none). */
  vlanCount = 0;
  vlanId = -1;
  /** Offset of the Ethernet header (dst MAC at +0, src MAC at +6), or -1. */
  ethOffset = -1;

  // ---- network ----
  /**
   * The fields below describe the innermost IP layer (after tunnels such as
   * GRE or IP-in-IP), the one the transport header belongs to.
   */
  /** 4, 6, or 0 when there is no IP layer. */
  ipVersion = 0;
  l3Offset = -1;
  ipHeaderLen = 0;
  /** IPv4 total length / IPv6 (payload length + 40) as the header claims. */
  ipTotalLen = 0;
  /** Source then destination address as 4 big-endian 32-bit words each; IPv4 uses word 3 only. */
  readonly addr = new Uint32Array(8);
  /** Upper-layer protocol number (after IPv6 extension headers). */
  ipProto = -1;
  ttl = 0;
  ipId = 0;
  /** This frame carries an IP fragment (its payload is not decoded above IP unless `reassembled`). */
  isFragment = false;
  /** This frame completed an IP datagram; layers above IP are decoded from the reassembled bytes. */
  reassembled = false;
  fragOffset = 0;
  moreFragments = false;
  /**
   * Offset of this frame's own IP header in the frame buffer (equal to
   * `l3Offset` unless `reassembled`, when `l3Offset` points into `buf`).
   */
  frameL3Offset = -1;
  /**
   * Index in `layers` of the first layer decoded from the reassembled
   * datagram (its offsets refer to `buf`, which then is not the frame
   * buffer); -1 when nothing was reassembled.
   */
  reassembledLayer = -1;

  // ---- transport ----
  l4Offset = -1;
  srcPort = -1;
  dstPort = -1;
  /** TCP fields (absolute sequence numbers, as unsigned 32-bit values). */
  seq = 0;
  ack = 0;
  /** 12 bits: FIN 0x001 SYN 0x002 RST 0x004 PSH 0x008 ACK 0x010 URG 0x020 ECE 0x040 CWR 0x080 AE/NS 0x100, reserved 0xE00. */
  tcpFlags = 0;
  window = 0;
  tcpHeaderLen = 0;
  urgentPtr = 0;
  /** TCP options: -1 when absent. */
  mss = -1;
  wscale = -1;
  sackPermitted = false;
  tsVal = -1;
  tsEcr = -1;
  sackCount = 0;
  /** SACK blocks as (left, right) pairs. */
  readonly sack = new Uint32Array(8);
  optionsOffset = -1;
  optionsLen = 0;
  udpLength = 0;
  icmpType = -1;
  icmpCode = -1;
  /**
   * ICMP/ICMPv6 errors: the invoking packet's IP header (offset in `buf`,
   * -1 if none) and what could be read of it. The embedded layers also
   * appear in `layers` after the ICMP layer; they never change the fields
   * above, which describe the packet itself.
   */
  innerL3Offset = -1;
  innerIpVersion = 0;
  readonly innerAddr = new Uint32Array(8);
  innerProto = -1;
  innerSrcPort = -1;
  innerDstPort = -1;

  // ---- payload (above L4, or above the last decoded layer) ----
  payloadOffset = 0;
  /** Payload bytes present in the capture. */
  payloadLen = 0;
  /** Payload bytes the headers claim (may exceed payloadLen when truncated by snaplen). */
  payloadWireLen = 0;

  // ---- anomalies ----
  anomalyCount = 0;
  readonly anomalyCodes = new Uint16Array(MAX_ANOMALIES);
  readonly anomalyLayers = new Uint8Array(MAX_ANOMALIES);
  readonly anomalyOffsets = new Int32Array(MAX_ANOMALIES);
  /** Some layer was cut by the snapshot length. */
  truncated = false;
  /** Some layer's header is impossible. */
  malformed = false;

  reset(): void {
    this.layerCount = 0;
    this.ethertype = -1; this.vlanCount = 0; this.vlanId = -1; this.ethOffset = -1;
    // The IP decoders write all 8 address words; clear them only if the last frame had an IP layer.
    if (this.ipVersion !== 0) {
      const a = this.addr; // eight stores are cheaper than TypedArray.prototype.fill for eight words
      a[0] = 0; a[1] = 0; a[2] = 0; a[3] = 0; a[4] = 0; a[5] = 0; a[6] = 0; a[7] = 0;
    }
    this.ipVersion = 0; this.l3Offset = -1; this.ipHeaderLen = 0; this.ipTotalLen = 0;
    this.ipProto = -1; this.ttl = 0; this.ipId = 0;
    this.isFragment = false; this.reassembled = false; this.fragOffset = 0; this.moreFragments = false;
    this.frameL3Offset = -1; this.reassembledLayer = -1;
    this.l4Offset = -1; this.srcPort = -1; this.dstPort = -1;
    this.seq = 0; this.ack = 0; this.tcpFlags = 0; this.window = 0; this.tcpHeaderLen = 0; this.urgentPtr = 0;
    this.mss = -1; this.wscale = -1; this.sackPermitted = false; this.tsVal = -1; this.tsEcr = -1; this.sackCount = 0;
    this.optionsOffset = -1; this.optionsLen = 0; this.udpLength = 0; this.icmpType = -1; this.icmpCode = -1;
    if (this.innerIpVersion !== 0) { this.innerAddr.fill(0); this.innerIpVersion = 0; }
    this.innerL3Offset = -1; this.innerProto = -1; this.innerSrcPort = -1; this.innerDstPort = -1;
    this.payloadOffset = 0; this.payloadLen = 0; this.payloadWireLen = 0;
    this.anomalyCount = 0; this.truncated = false; this.malformed = false;
  }

  pushLayer(id: LayerId, offset: number, proto = 0): void {
    if (this.layerCount < MAX_LAYERS) {
      this.layers[this.layerCount] = id;
      this.layerOffsets[this.layerCount] = offset;
      this.layerProtos[this.layerCount] = proto;
      this.layerCount++;
    }
  }

  hasLayer(id: LayerId): boolean {
    // From the top: the layer asked for is most often the transport, the last one decoded
    // (isTcp/isUdp, once a frame).
    for (let i = this.layerCount - 1; i >= 0; i--) if (this.layers[i] === id) return true;
    return false;
  }

  /** Records a named anomaly (kept even when more than MAX_ANOMALIES occur: the last slot is overwritten). */
  mark(code: AnomalyCode, layer: LayerId, byteOffset: number): void {
    const i = this.anomalyCount < MAX_ANOMALIES ? this.anomalyCount++ : MAX_ANOMALIES - 1;
    this.anomalyCodes[i] = code;
    this.anomalyLayers[i] = layer;
    this.anomalyOffsets[i] = byteOffset;
    const sev = Anomaly.severity(code);
    if (sev === 'truncated') this.truncated = true;
    else if (sev === 'malformed') this.malformed = true;
  }

  get isTcp(): boolean { return this.ipProto === 6 && this.l4Offset >= 0 && this.srcPort >= 0 && this.hasLayer(LAYER_TCP); }
  get isUdp(): boolean { return this.ipProto === 17 && this.l4Offset >= 0 && this.srcPort >= 0 && this.hasLayer(LAYER_UDP); }
}

export const TcpFlag = {
  FIN: 0x001, SYN: 0x002, RST: 0x004, PSH: 0x008, ACK: 0x010, URG: 0x020,
  ECE: 0x040, CWR: 0x080, AE: 0x100, RESERVED: 0xe00,
} as const;
