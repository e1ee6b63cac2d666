/**
 * The layer stack: decodes one frame into a reused `Decoded`, in place.
 *
 * Dispatch is by number (link type, EtherType, PPP protocol, IP protocol)
 * through `switch` statements over small integers, which V8 compiles to jump
 * tables; each layer is read through a reused view from src/wire (one
 * instance per decoder), so decoding a frame allocates nothing unless a
 * fragmented datagram completes (then its bytes are copied once, see
 * defrag.ts).
 *
 * Every layer ends in one of three ways (STYLE principle 3):
 * - ok: the layer is pushed, its fields set, decoding continues above it;
 * - truncated: the capture ends inside the header (snaplen) — an anomaly of
 *   severity `truncated`; whatever part of the header was readable is kept;
 * - malformed: the header is impossible — an anomaly of severity
 *   `malformed`; the layer is pushed with what could be read and decoding
 *   continues above it when the boundary is still known (IPv4 total length
 *   beyond the frame, UDP length wrong), or stops when it is not (IHL < 5,
 *   TCP data offset < 5).
 * Nothing here throws: every read is inside a range a view's `check()`
 * proved, and the fuzz tests hold us to it.
 *
 * Offsets: `end` is where the captured bytes of the current layer stop and
 * `wire` where the headers say they stop; the two differ when the snapshot
 * length cut the frame. Anomaly offsets are relative to the frame's first
 * byte (or to the reassembled datagram for layers decoded from it).
 */
import { Slot, SlotState } from '../capture/scan-slot.js';
import type { Frame } from '../capture/source.js';
import * as wireBytes from '../wire/bytes.js';
import { internetChecksum, pseudoSum4, pseudoSum6 } from '../wire/checksum.js';
import { EthernetView, ETH_TYPE_MIN } from '../wire/ethernet.js';
import { GreView, GRE_PROTO_PPP } from '../wire/gre.js';
import { IcmpView, icmpIsError } from '../wire/icmp.js';
import { Icmpv6View, icmpv6IsError } from '../wire/icmpv6.js';
import * as wireIpv4 from '../wire/ipv4.js';
import { Ipv4Check, Ipv4View, TlvOptionIter } from '../wire/ipv4.js';
import { Ipv6Check, Ipv6ExtView, Ipv6View, ipv6ToString, isIpv6ExtHeader } from '../wire/ipv6.js';
import { LlcView } from '../wire/llc.js';
import { NullView } from '../wire/null.js';
import { PppView } from '../wire/ppp.js';
import { PppoeView } from '../wire/pppoe.js';
import { SllView } from '../wire/sll.js';
import { Sll2View } from '../wire/sll2.js';
import * as wireTcp from '../wire/tcp.js';
import { TcpCheck, TcpView } from '../wire/tcp.js';
import { UdpView } from '../wire/udp.js';
import { VlanView } from '../wire/vlan.js';
import { ArpView } from '../wire/arp.js';
import * as anomalies from './anomalies.js';
import type { AnomalyCode } from './anomalies.js';
import * as decoded from './decoded.js';
import { Decoded, type LayerId as LayerIdType } from './decoded.js';
import { Defragmenter, type DefragLimits, type FragmentInfo } from './defrag.js';

// The names used per frame are bound here, as constants of this module: optimized code reads an
// imported binding through its module cell, with a check that it is initialized, at every use,
// while a constant of this module is folded into the instruction (see flow/tcp-tracker.ts).
const { Check, u16, u32 } = wireBytes;
const { Anomaly } = anomalies;
const { LayerId, MAX_LAYERS } = decoded;
const { OptStep } = wireIpv4;
const { tcpOptionExpectedLength } = wireTcp;

export interface DecodeLimits {
  /** 802.1Q/802.1ad tags followed in one frame; more gives `too_many_vlan_tags` and decoding stops there. */
  maxVlanTags: number;
  /** IPv6 extension headers followed in one packet; more gives `ipv6_too_many_ext`. */
  maxIpv6ExtHeaders: number;
  /** IP layers in one frame (tunnels: GRE, IP-in-IP); more gives `encapsulation_limit`. */
  maxIpLayers: number;
}
export const DEFAULT_LIMITS: DecodeLimits = { maxVlanTags: 8, maxIpv6ExtHeaders: 32, maxIpLayers: 4 };

export interface FrameDecoderOptions {
  /** Reassemble IP fragments (default true). The decoder then keeps state across frames. */
  defrag?: boolean;
  limits?: Partial<DecodeLimits>;
  defragLimits?: Partial<DefragLimits>;
  /** Verify IPv4 header, TCP, UDP and ICMP checksums (default false: offload makes most of them wrong on the sender's side, and it reads every byte). */
  checksums?: boolean;
  /** Decode Ethernet/IPv4/TCP frames in one pass when nothing is unusual (default true; tests turn it off to compare). */
  fastPath?: boolean;
}

// Ethernet frames shorter than 60 bytes (64 with one tag) are padded on the
// wire (IEEE 802.3 clause 4.2.3.3): such padding is expected and not noted.
const ETH_MIN_FRAME = 60;

export class FrameDecoder {
  readonly limits: DecodeLimits;
  readonly defrag: Defragmenter | null;
  readonly checksums: boolean;
  private readonly fastPath: boolean;

  // Reused views (STYLE principle 6): one per protocol, re-pointed per layer.
  private readonly eth = new EthernetView();
  private readonly vlan = new VlanView();
  private readonly sll = new SllView();
  private readonly sll2 = new Sll2View();
  private readonly nul = new NullView();
  private readonly llc = new LlcView();
  private readonly pppoe = new PppoeView();
  private readonly ppp = new PppView();
  private readonly arp = new ArpView();
  private readonly ip4 = new Ipv4View();
  private readonly ip6 = new Ipv6View();
  private readonly ext = new Ipv6ExtView();
  private readonly tcpV = new TcpView();
  private readonly udpV = new UdpView();
  private readonly icmpV = new IcmpView();
  private readonly icmp6V = new Icmpv6View();
  private readonly greV = new GreView();
  private readonly opts = new TlvOptionIter();
  private readonly frag: FragmentInfo = {
    version: 4, proto: 0, ident: 0, addr: new Uint32Array(8), offset: 0, more: false,
    buf: new Uint8Array(0), headerStart: 0, headerEnd: 0, dataStart: 0, dataLen: 0, dataWireLen: 0, tsSec: 0,
  };

  /** Per-frame state. */
  private d: Decoded = new Decoded();
  /** Offset that anomaly offsets are relative to (frame start, or 0 in a reassembled datagram). */
  private base = 0;
  /** Decoding a reassembled datagram (offsets refer to it, not to the frame). */
  private inWhole = false;
  private ipLayers = 0;
  /** Bytes of the link frame that may be minimum-size padding (Ethernet), else 0. */
  private padTo = 0;

  constructor(opts: FrameDecoderOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.defrag = opts.defrag === false ? null : new Defragmenter(opts.defragLimits);
    this.checksums = opts.checksums === true;
    this.fastPath = opts.fastPath !== false && !this.checksums;
  }

  decode(frame: Frame, d: Decoded): void {
    d.reset();
    this.d = d;
    d.frameNumber = frame.number;
    d.tsSec = frame.tsSec;
    d.tsNsec = frame.tsNsec;
    d.capLen = frame.capLen;
    d.origLen = frame.origLen;
    d.linkType = frame.linkType;
    const b = frame.buf;
    d.buf = b;
    const start = frame.offset;
    d.frameOffset = start;
    this.base = start;
    this.inWhole = false;
    this.ipLayers = 0;
    this.padTo = 0;
    // Never trust capLen beyond the buffer we were handed.
    const end = Math.max(start, Math.min(start + frame.capLen, b.length));
    if (frame.capLen > frame.origLen) d.mark(Anomaly.frame_caplen_exceeds_origlen, LayerId.none, 0);
    const wire = start + Math.max(frame.origLen, end - start);
    this.setPayload(start, end, wire);
    if (this.defrag !== null && this.defrag.pendingCount > 0) this.defrag.expire(frame.tsSec);

    if (frame.linkType === 1 && this.fastPath) {
      const at = frame.preAt;
      if (at !== undefined && at >= 0 && this.preDecoded(frame.pre!, at, start)) return;
      if (this.ethIpv4Tcp(b, start, end, wire)) return;
    }
    switch (frame.linkType) {
      case 1: this.ethernet(b, start, end, wire); break;
      case 113: this.linuxSll(b, start, end, wire); break;
      case 276: this.linuxSll2(b, start, end, wire); break;
      case 0: this.nullLoop(b, start, end, wire, false); break;
      case 108: this.nullLoop(b, start, end, wire, true); break;
      case 101: case 12: case 14: this.rawIp(b, start, end, wire, 0); break;
      case 228: this.rawIp(b, start, end, wire, 4); break;
      case 229: this.rawIp(b, start, end, wire, 6); break;
      default: d.mark(Anomaly.unsupported_linktype, LayerId.none, 0);
    }
    // Bytes the snapshot length cut that no layer reported (e.g. inside an undecoded payload). Lost link padding is not worth a mark.
    if (!d.truncated && d.payloadWireLen > d.payloadLen) d.mark(Anomaly.frame_truncated, LayerId.none, end - start);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Pushes a layer; when the layer list is full (MAX_LAYERS), records
   * `too_many_layers` once and returns false: the caller stops there, so
   * every decoded layer is also listed.
   */
  private push(id: LayerIdType, o: number, proto = 0): boolean {
    const d = this.d;
    if (d.layerCount < MAX_LAYERS) { d.pushLayer(id, o, proto); return true; }
    if (d.anomalyCount === 0 || d.anomalyCodes[d.anomalyCount - 1] !== Anomaly.too_many_layers) this.mark(Anomaly.too_many_layers, id, o);
    this.setPayload(o, o, o);
    return false;
  }

  private mark(code: AnomalyCode, layer: LayerIdType, at: number): void {
    this.d.mark(code, layer, at - this.base);
  }

  /** The payload is whatever lies above the last decoded layer. */
  private setPayload(o: number, end: number, wire: number): void {
    const d = this.d;
    // Never past the captured bytes, even when the payload starts beyond them on the wire.
    d.payloadOffset = o <= end ? o : end;
    d.payloadLen = end > o ? end - o : 0;
    d.payloadWireLen = wire > o ? wire - o : 0;
  }

  // ---------------------------------------------------------------- fast path

  /**
   * The common frame in one pass: Ethernet II, IPv4 without options, not a
   * fragment, TCP, every byte captured, nothing odd. It reads the same bytes
   * and sets the same fields, layers and payload as ethernet() → ipv4() →
   * tcp() would (test/decode/fast-path.test.ts decodes every corpus frame and
   * mutations of them both ways and compares), without wrapping and checking
   * a view per layer: the conditions below are those views' checks, and
   * everything else (VLAN tags, IP options, fragments, trailing bytes beyond
   * the Ethernet minimum, snaplen cuts, SYN+FIN, checksum verification, a
   * previous anomaly) returns false before anything is written, and the
   * layer-by-layer path decodes the frame. About a quarter of the
   * instructions of the general path (callgrind) on TCP-heavy captures.
   */
  private ethIpv4Tcp(b: Uint8Array, start: number, end: number, wire: number): boolean {
    const d = this.d;
    if (end !== wire || d.anomalyCount !== 0 || end - start < 54) return false;
    if (b[start + 12] !== 0x08 || b[start + 13] !== 0x00) return false;
    const o = start + 14;
    if (b[o] !== 0x45 || b[o + 9] !== 6 || (u16(b, o + 6) & 0x3fff) !== 0) return false;
    const total = u16(b, o + 2);
    const pend = o + total;
    // Bytes after the datagram are allowed only as Ethernet minimum-size padding (no trailing_bytes mark then).
    if (total < 40 || pend > end || (pend < end && end > start + ETH_MIN_FRAME)) return false;
    if (this.ipLayers >= this.limits.maxIpLayers || MAX_LAYERS < 3) return false;
    const t = o + 20;
    const hl = (b[t + 12]! >> 4) * 4;
    const flags = u16(b, t + 12) & 0x0fff;
    if (hl < 20 || t + hl > pend || (flags & 3) === 3) return false;

    this.plainLayers(start, total, hl);
    d.ttl = b[o + 8]!;
    d.ipId = u16(b, o + 4);
    const a = d.addr;
    a[3] = u32(b, o + 12);
    a[7] = u32(b, o + 16);
    d.srcPort = u16(b, t);
    d.dstPort = u16(b, t + 2);
    d.seq = u32(b, t + 4);
    d.ack = u32(b, t + 8);
    d.tcpFlags = flags;
    d.window = u16(b, t + 14);
    d.urgentPtr = u16(b, t + 18);
    if (hl > 20) this.tcpOptions(b, t + 20, t + hl, false);
    return true;
  }

  /**
   * What the fast path and the pre-decoded path set alike for a frame they
   * take: the three layers, the fields every such frame has the same, the
   * option range and the payload (the callers set the fields read from the
   * headers). IPv4 addresses: words 0–2 of each address are zeroed here.
   */
  private plainLayers(start: number, total: number, hl: number): void {
    const d = this.d;
    const o = start + 14;
    const t = o + 20;
    // ethernet(), etherType()
    d.pushLayer(LayerId.eth, start);
    d.ethOffset = start;
    this.padTo = start + ETH_MIN_FRAME;
    d.ethertype = 0x0800;
    // ipv4()
    this.ipLayers++;
    d.pushLayer(LayerId.ipv4, o);
    d.ipVersion = 4;
    d.l3Offset = o;
    d.frameL3Offset = o;
    d.ipProto = 6;
    const a = d.addr;
    a[0] = 0; a[1] = 0; a[2] = 0;
    a[4] = 0; a[5] = 0; a[6] = 0;
    d.ipHeaderLen = 20;
    d.ipTotalLen = total;
    // tcp()
    d.pushLayer(LayerId.tcp, t);
    d.l4Offset = t;
    d.tcpHeaderLen = hl;
    if (hl > 20) {
      d.optionsOffset = t + 20;
      d.optionsLen = hl - 20;
    }
    this.setPayload(t + hl, o + total, o + total);
  }

  /**
   * The fast path's result taken from the frame's scan slot, where the native
   * record scan (native/src/scan.cc) wrote it: the scan applied ethIpv4Tcp's
   * conditions on the frame's bytes (those that depend on this decoder are
   * checked here) and read the same fields, and marked eligible only frames
   * whose TCP options leave no anomaly. This sets what ethIpv4Tcp sets, in
   * the same order (test/decode/pre-decoded.test.ts compares both with the
   * layer-by-layer path). False when the slot is not eligible: the frame is
   * then decoded from its bytes.
   */
  private preDecoded(s: Uint32Array, at: number, start: number): boolean {
    const d = this.d;
    const state = s[at + Slot.state]!;
    if ((state & SlotState.eligible) === 0 || d.anomalyCount !== 0) return false;
    if (this.ipLayers >= this.limits.maxIpLayers || MAX_LAYERS < 3) return false;
    const hl = s[at + Slot.tcpHeaderLen]!;
    this.plainLayers(start, s[at + Slot.ipTotalLen]!, hl);
    d.ttl = s[at + Slot.ttl]!;
    d.ipId = s[at + Slot.ipId]!;
    const a = d.addr;
    a[3] = s[at + Slot.src]!;
    a[7] = s[at + Slot.dst]!;
    d.srcPort = s[at + Slot.srcPort]!;
    d.dstPort = s[at + Slot.dstPort]!;
    d.seq = s[at + Slot.seq]!;
    d.ack = s[at + Slot.ack]!;
    d.tcpFlags = s[at + Slot.tcpFlags]!;
    d.window = s[at + Slot.window]!;
    d.urgentPtr = s[at + Slot.urgentPtr]!;
    if (hl > 20) {
      // tcpOptions(): what the walk found (the fields of options it did not find keep their reset values).
      if ((state & SlotState.mss) !== 0) d.mss = s[at + Slot.mss]!;
      if ((state & SlotState.wscale) !== 0) d.wscale = s[at + Slot.wscale]!;
      if ((state & SlotState.sackPermitted) !== 0) d.sackPermitted = true;
      if ((state & SlotState.timestamps) !== 0) {
        d.tsVal = s[at + Slot.tsVal]!;
        d.tsEcr = s[at + Slot.tsEcr]!;
      }
      const n = s[at + Slot.sackCount]!;
      for (let i = 0; i < n * 2; i++) d.sack[i] = s[at + Slot.sack + i]!;
      d.sackCount = n;
    }
    return true;
  }

  // ---------------------------------------------------------------- link

  private ethernet(b: Uint8Array, o: number, end: number, wire: number): void {
    const v = this.eth.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.mark(Anomaly.link_truncated, LayerId.eth, o); return; }
    const d = this.d;
    if (!this.push(LayerId.eth, o)) return;
    d.ethOffset = o;
    this.padTo = o + ETH_MIN_FRAME;
    const t = v.typeOrLength;
    if (t < ETH_TYPE_MIN) {
      // IEEE 802.3 length: an LLC header follows and the length bounds the payload.
      const lenEnd = o + 14 + t;
      this.llcLayer(b, o + 14, Math.min(end, lenEnd), Math.min(wire, lenEnd));
      return;
    }
    this.etherType(b, t, o + 14, end, wire);
  }

  private etherType(b: Uint8Array, type: number, o: number, end: number, wire: number): void {
    const d = this.d;
    // 802.1Q / 802.1ad / 0x9100 tags, nested up to the limit.
    while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
      d.ethertype = type;
      if (d.vlanCount >= this.limits.maxVlanTags) {
        this.mark(Anomaly.too_many_vlan_tags, LayerId.vlan, o);
        this.setPayload(o, end, wire);
        return;
      }
      const v = this.vlan.wrap(b, o, end);
      if (v.check() !== Check.ok) { this.mark(Anomaly.vlan_truncated, LayerId.vlan, o); this.setPayload(o, end, wire); return; }
      if (!this.push(LayerId.vlan, o)) return;
      if (d.vlanCount === 0) d.vlanId = v.vlanId;
      d.vlanCount++;
      this.padTo += 4;
      type = v.innerType;
      o += 4;
    }
    d.ethertype = type;
    switch (type) {
      case 0x0800: this.ipv4(b, o, end, wire); return;
      case 0x86dd: this.ipv6(b, o, end, wire); return;
      case 0x0806: case 0x8035: this.arpLayer(b, o, end, wire); return;
      case 0x8864: case 0x8863: this.pppoeLayer(b, o, end, wire, type === 0x8864); return;
      default:
        this.mark(Anomaly.unknown_ethertype, LayerId.eth, o);
        this.setPayload(o, end, wire);
    }
  }

  private llcLayer(b: Uint8Array, o: number, end: number, wire: number): void {
    const v = this.llc.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.mark(Anomaly.llc_truncated, LayerId.llc, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.llc, o)) return;
    const p = o + v.headerLength;
    if (v.isSnap && v.snapOui === 0) { this.etherType(b, v.snapType, p, end, wire); return; }
    this.setPayload(p, end, wire);
  }

  private linuxSll(b: Uint8Array, o: number, end: number, wire: number): void {
    const v = this.sll.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.mark(Anomaly.sll_truncated, LayerId.sll, o); return; }
    if (!this.push(LayerId.sll, o)) return;
    this.sllProtocol(b, v.protocol, o + 16, end, wire);
  }

  private linuxSll2(b: Uint8Array, o: number, end: number, wire: number): void {
    const v = this.sll2.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.mark(Anomaly.sll_truncated, LayerId.sll2, o); return; }
    if (!this.push(LayerId.sll2, o)) return;
    this.sllProtocol(b, v.protocol, o + 20, end, wire);
  }

  /**
   * The protocol field of Linux cooked headers is an EtherType, except for
   * a few Linux ETH_P_* values below 0x0600: 0x0004 (ETH_P_802_2) means an
   * 802.2 LLC header follows.
   */
  private sllProtocol(b: Uint8Array, proto: number, o: number, end: number, wire: number): void {
    if (proto === 0x0004) { this.llcLayer(b, o, end, wire); return; }
    this.etherType(b, proto, o, end, wire);
  }

  private nullLoop(b: Uint8Array, o: number, end: number, wire: number, loop: boolean): void {
    const id = loop ? LayerId.loop : LayerId.null;
    const v = this.nul.wrap(b, o, end, loop);
    if (v.check() !== Check.ok) { this.mark(Anomaly.link_truncated, id, o); return; }
    if (!this.push(id, o)) return;
    const ver = v.ipVersion;
    if (ver === 4) this.ipv4(b, o + 4, end, wire);
    else if (ver === 6) this.ipv6(b, o + 4, end, wire);
    else { this.mark(Anomaly.null_family_unknown, id, o); this.setPayload(o + 4, end, wire); }
  }

  private rawIp(b: Uint8Array, o: number, end: number, wire: number, version: number): void {
    if (!this.push(LayerId.rawip, o)) return;
    // LINKTYPE_RAW: the version nibble tells; a frame too short to tell is decoded as IPv4 (and reported truncated there).
    if (version === 0) version = end > o && b[o]! >> 4 === 6 ? 6 : 4;
    if (version === 6) this.ipv6(b, o, end, wire); else this.ipv4(b, o, end, wire);
  }

  private arpLayer(b: Uint8Array, o: number, end: number, wire: number): void {
    const v = this.arp.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.mark(Anomaly.arp_truncated, LayerId.arp, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.arp, o)) return;
    this.setPayload(o + v.totalLength, end, wire);
  }

  private pppoeLayer(b: Uint8Array, o: number, end: number, wire: number, session: boolean): void {
    const v = this.pppoe.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.mark(Anomaly.pppoe_truncated, LayerId.pppoe, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.pppoe, o)) return;
    const p = o + 6;
    const claimed = p + v.payloadLength;
    if (claimed > wire) {
      this.mark(Anomaly.pppoe_bad_length, LayerId.pppoe, o + 4);
    } else {
      // The PPPoE length bounds the payload; what follows is link padding.
      if (claimed < end) end = claimed;
      wire = claimed;
    }
    if (!session) { this.setPayload(p, end, wire); return; }
    this.pppLayer(b, p, end, wire);
  }

  private pppLayer(b: Uint8Array, o: number, end: number, wire: number): void {
    const v = this.ppp.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.mark(Anomaly.ppp_truncated, LayerId.ppp, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.ppp, o)) return;
    const p = v.payloadStart;
    const proto = v.protocol;
    if (proto === 0x0021) { this.ipv4(b, p, end, wire); return; }
    if (proto === 0x0057) { this.ipv6(b, p, end, wire); return; }
    // Control protocols (LCP 0xc021, IPCP 0x8021, PAP, CHAP, CCP...): RFC 1661 section 5 header.
    if ((proto & 0xc000) === 0x8000 || (proto & 0xc000) === 0xc000) {
      if (end - p >= 4) { if (this.push(LayerId.lcp, p)) this.setPayload(p + 4, end, wire); return; }
      this.mark(Anomaly.ppp_truncated, LayerId.lcp, p);
      this.setPayload(p, end, wire);
      return;
    }
    this.mark(Anomaly.unknown_ppp_protocol, LayerId.ppp, o);
    this.setPayload(p, end, wire);
  }

  // ---------------------------------------------------------------- network

  /** Bytes between the end of an IP datagram and the end of the frame: padding, or worth a note. */
  private trailing(pend: number, wire: number, layer: LayerIdType): void {
    if (pend < wire && wire > this.padTo) this.mark(Anomaly.trailing_bytes, layer, pend);
  }

  private enterIp(o: number, id: LayerIdType): boolean {
    if (this.ipLayers >= this.limits.maxIpLayers) {
      this.mark(Anomaly.encapsulation_limit, id, o);
      return false;
    }
    this.ipLayers++;
    return true;
  }

  private ipv4(b: Uint8Array, o: number, end: number, wire: number): void {
    const d = this.d;
    if (!this.enterIp(o, LayerId.ipv4)) { this.setPayload(o, end, wire); return; }
    const v = this.ip4.wrap(b, o, end);
    const c = v.check();
    if (c === Ipv4Check.truncated) {
      // Keep the layer in the list (its bytes are shown), but none of its fields: they are not all there.
      if (end > o && b[o]! >> 4 === 4 && !this.push(LayerId.ipv4, o)) return;
      this.mark(Anomaly.ipv4_truncated, LayerId.ipv4, o);
      this.setPayload(o, end, wire);
      return;
    }
    if (c === Ipv4Check.badVersion) { this.mark(Anomaly.ipv4_bad_version, LayerId.ipv4, o); this.setPayload(o, end, wire); return; }
    // From here the fixed 20-byte header is readable.
    if (!this.push(LayerId.ipv4, o)) return;
    d.ipVersion = 4;
    d.l3Offset = o;
    if (!this.inWhole) d.frameL3Offset = o;
    d.ttl = v.ttl;
    d.ipId = v.ident;
    d.ipProto = v.protocol;
    d.addr[0] = 0; d.addr[1] = 0; d.addr[2] = 0; d.addr[3] = v.src;
    d.addr[4] = 0; d.addr[5] = 0; d.addr[6] = 0; d.addr[7] = v.dst;
    const hl = v.headerLength;
    d.ipHeaderLen = hl;
    if (c === Ipv4Check.badIhl) { this.mark(Anomaly.ipv4_bad_ihl, LayerId.ipv4, o); this.setPayload(o + 20, end, wire); return; }
    if (c === Ipv4Check.optionsTruncated) { this.mark(Anomaly.ipv4_truncated, LayerId.ipv4, o + 20); this.setPayload(end, end, wire); return; }
    const total = v.totalLength;
    d.ipTotalLen = total;
    let pend: number; // end of the datagram as the header says
    if (total === 0) {
      // Segmentation offload: the NIC fills the length in later; the frame says how long it was.
      this.mark(Anomaly.ipv4_total_length_zero, LayerId.ipv4, o + 2);
      pend = wire;
    } else if (total < hl) {
      this.mark(Anomaly.ipv4_bad_total_length, LayerId.ipv4, o + 2);
      this.setPayload(o + hl, end, wire);
      return;
    } else {
      pend = o + total;
      if (pend > wire) {
        // Longer than the frame was on the wire: the header lies. Decode what is there, as tcpdump and tshark do.
        this.mark(Anomaly.ipv4_total_length_exceeds_wire, LayerId.ipv4, o + 2);
        pend = wire;
      } else if (pend <= end) {
        this.trailing(pend, wire, LayerId.ipv4);
      }
    }
    // Cut by the snapshot length: reported once, by the innermost layer that notices (see ipCut).
    const cut = pend > end;
    if (hl > 20) this.ipv4Options(b, o + 20, o + hl);
    if (this.checksums && internetChecksum(b, o, o + hl) !== 0) this.mark(Anomaly.ipv4_bad_checksum, LayerId.ipv4, o + 10);
    const cend = Math.min(end, pend);
    const ff = v.flagsFrag;
    if ((ff & 0x3fff) !== 0) {
      d.isFragment = true;
      d.moreFragments = (ff & 0x2000) !== 0;
      d.fragOffset = (ff & 0x1fff) * 8;
      this.mark(Anomaly.ipv4_fragment, LayerId.ipv4, o + 6);
      this.setPayload(o + hl, cend, pend);
      if (cut && !this.defrag) this.mark(Anomaly.ipv4_total_length_exceeds_frame, LayerId.ipv4, o + 2);
      if (this.defrag !== null && !this.inWhole) { // one reassembly per frame: a fragment inside a reassembled datagram stays a fragment
        const f = this.frag;
        f.version = 4; f.proto = d.ipProto; f.ident = d.ipId; f.addr.set(d.addr);
        f.offset = d.fragOffset; f.more = d.moreFragments;
        f.buf = b; f.headerStart = o; f.headerEnd = o + hl;
        f.dataStart = o + hl; f.dataLen = cend - (o + hl); f.dataWireLen = pend - (o + hl); f.tsSec = d.tsSec;
        const whole = this.defrag.add(f, d);
        if (whole !== null) this.decodeReassembled(whole, 4);
      }
      return;
    }
    this.transport(b, d.ipProto, o + hl, cend, pend);
    this.ipCut(cut, Anomaly.ipv4_total_length_exceeds_frame, LayerId.ipv4, o + 2);
  }

  /** After the upper layers: the IP layer reports the snapshot cut only if no layer above did. */
  private ipCut(cut: boolean, code: AnomalyCode, id: LayerIdType, at: number): void {
    if (cut && !this.d.truncated) this.mark(code, id, at);
  }

  private ipv4Options(b: Uint8Array, o: number, end: number): void {
    const it = this.opts.reset(b, o, end);
    for (;;) {
      const s = it.next();
      if (s === OptStep.end) return;
      if (s === OptStep.bad) { this.mark(Anomaly.ipv4_bad_option, LayerId.ipv4, it.start); return; }
    }
  }

  /** Decodes a completed datagram from its own buffer: the layers from here on refer to it. */
  private decodeReassembled(whole: Uint8Array, version: 4 | 6): void {
    const d = this.d;
    const headerLen = this.defrag!.lastHeaderLength;
    const frameIsFragment = d.isFragment, fo = d.fragOffset, mf = d.moreFragments, ident = d.ipId;
    d.reassembled = true;
    d.buf = whole;
    this.base = 0;
    this.inWhole = true;
    this.ipLayers--;
    const first = d.layerCount;
    if (version === 4) this.ipv4(whole, 0, whole.length, whole.length);
    else this.ipv6(whole, 0, whole.length, whole.length);
    // The datagram starts with a copy of the IP header (and, for IPv6, the
    // extension headers up to the now-atomic fragment header) that the frame
    // itself already showed: drop those duplicates from the list, so the
    // frame reads eth / ip [/ ext...] / tcp as TShark shows it.
    let upper = first;
    while (upper < d.layerCount && d.layerOffsets[upper]! < headerLen) upper++;
    if (upper > first) {
      d.layers.copyWithin(first, upper, d.layerCount);
      d.layerOffsets.copyWithin(first, upper, d.layerCount);
      d.layerProtos.copyWithin(first, upper, d.layerCount);
      d.layerCount -= upper - first;
    }
    d.reassembledLayer = first;
    d.isFragment = frameIsFragment; d.fragOffset = fo; d.moreFragments = mf; d.ipId = ident;
  }

  private ipv6(b: Uint8Array, o: number, end: number, wire: number): void {
    const d = this.d;
    if (!this.enterIp(o, LayerId.ipv6)) { this.setPayload(o, end, wire); return; }
    const v = this.ip6.wrap(b, o, end);
    const c = v.check();
    if (c === Ipv6Check.truncated) {
      if (end > o && b[o]! >> 4 === 6 && !this.push(LayerId.ipv6, o)) return;
      this.mark(Anomaly.ipv6_truncated, LayerId.ipv6, o);
      this.setPayload(o, end, wire);
      return;
    }
    if (c === Ipv6Check.badVersion) { this.mark(Anomaly.ipv6_bad_version, LayerId.ipv6, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.ipv6, o)) return;
    d.ipVersion = 6;
    d.l3Offset = o;
    if (!this.inWhole) d.frameL3Offset = o;
    d.ipHeaderLen = 40;
    d.ttl = v.hopLimit;
    for (let i = 0; i < 4; i++) { d.addr[i] = v.srcWord(i); d.addr[4 + i] = v.dstWord(i); }
    const plen = v.payloadLength;
    d.ipTotalLen = plen + 40;
    let pend = o + 40 + plen;
    if (plen === 0) {
      // Jumbogram (RFC 2675) or offload: the frame says how long it was.
      this.mark(Anomaly.ipv6_jumbo_or_zero_length, LayerId.ipv6, o + 4);
      pend = wire;
    } else if (pend > wire) {
      this.mark(Anomaly.ipv6_payload_exceeds_wire, LayerId.ipv6, o + 4);
      pend = wire;
    } else if (pend <= end) {
      this.trailing(pend, wire, LayerId.ipv6);
    }
    const cut = pend > end;
    const cend = Math.min(end, pend);
    let nh = v.nextHeader;
    let p = o + 40;
    let count = 0;
    while (isIpv6ExtHeader(nh)) {
      if (count >= this.limits.maxIpv6ExtHeaders) {
        this.mark(Anomaly.ipv6_too_many_ext, LayerId.ipv6ext, p);
        d.ipProto = nh;
        this.setPayload(p, cend, pend);
        return;
      }
      const x = this.ext.wrap(b, p, cend, nh);
      if (x.check() !== Check.ok) {
        // Captured bytes end inside the header: truncated if the datagram goes on, malformed if the payload length says it ends there.
        const declared = x.declaredLength();
        const need = p + (declared < 0 ? 8 : Math.max(8, declared));
        this.mark(need > pend ? Anomaly.ipv6_ext_exceeds_payload : Anomaly.ipv6_ext_truncated, LayerId.ipv6ext, p);
        d.ipProto = nh;
        this.setPayload(p, cend, pend);
        return;
      }
      const hl = x.headerLength;
      if (p + hl > pend) {
        this.mark(Anomaly.ipv6_ext_exceeds_payload, LayerId.ipv6ext, p);
        d.ipProto = nh;
        this.setPayload(p, cend, pend);
        return;
      }
      if (!this.push(LayerId.ipv6ext, p, nh)) return;
      count++;
      if (nh === 44) {
        const fo = x.fragOffsetBytes, more = x.moreFragments;
        d.ipId = x.fragIdent;
        if (fo !== 0 || more) {
          // A real fragment (offset 0 and M = 0 is an atomic fragment, RFC 6946: decoded as whole).
          d.isFragment = true;
          d.fragOffset = fo;
          d.moreFragments = more;
          d.ipProto = x.nextHeader;
          this.mark(Anomaly.ipv6_fragment, LayerId.ipv6ext, p);
          this.setPayload(p + 8, cend, pend);
          if (this.defrag !== null && !this.inWhole) { // one reassembly per frame: a fragment inside a reassembled datagram stays a fragment
            const f = this.frag;
            f.version = 6; f.proto = d.ipProto; f.ident = d.ipId; f.addr.set(d.addr);
            f.offset = fo; f.more = more;
            f.buf = b; f.headerStart = o; f.headerEnd = p + 8;
            f.dataStart = p + 8; f.dataLen = cend - (p + 8); f.dataWireLen = pend - (p + 8); f.tsSec = d.tsSec;
            const whole = this.defrag.add(f, d);
            if (whole !== null) this.decodeReassembled(whole, 6);
          }
          return;
        }
      }
      nh = x.nextHeader;
      p += hl;
    }
    d.ipProto = nh;
    this.transport(b, nh, p, cend, pend);
    this.ipCut(cut, Anomaly.ipv6_payload_exceeds_frame, LayerId.ipv6, o + 4);
  }

  // ---------------------------------------------------------------- transport

  private transport(b: Uint8Array, proto: number, o: number, end: number, wire: number): void {
    switch (proto) {
      case 6: this.tcp(b, o, end, wire); return;
      case 17: this.udp(b, o, end, wire); return;
      case 1: this.icmp(b, o, end, wire); return;
      case 58: this.icmpv6(b, o, end, wire); return;
      case 47: this.gre(b, o, end, wire); return;
      case 4: this.ipv4(b, o, end, wire); return;
      case 41: this.ipv6(b, o, end, wire); return;
      case 50: this.simpleLayer(LayerId.esp, 8, o, end, wire); return;
      case 51: this.ah(b, o, end, wire); return;
      case 2: this.simpleLayer(LayerId.igmp, 8, o, end, wire); return;
      case 132: this.sctp(b, o, end, wire); return;
      case 59: this.setPayload(o, end, wire); return; // IPv6 "no next header"
      default:
        this.mark(Anomaly.unknown_ip_protocol, this.d.ipVersion === 6 ? LayerId.ipv6 : LayerId.ipv4, o);
        this.setPayload(o, end, wire);
    }
  }

  /** IPv4 authentication header (RFC 4302): (length + 2) × 4 bytes, then the next protocol. */
  private ah(b: Uint8Array, o: number, end: number, wire: number): void {
    if (end - o < 8) { this.setPayload(o, end, wire); return; }
    const hl = (b[o + 1]! + 2) * 4;
    if (o + hl > end) { this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.ah, o)) return;
    this.d.ipProto = b[o]!;
    this.transport(b, b[o]!, o + hl, end, wire);
  }

  /** A layer we only name and skip: pushed when its fixed header is captured. */
  private simpleLayer(id: LayerIdType, headerLen: number, o: number, end: number, wire: number): void {
    if (end - o >= headerLen) { if (this.push(id, o)) this.setPayload(o + headerLen, end, wire); }
    else this.setPayload(o, end, wire);
  }

  private sctp(b: Uint8Array, o: number, end: number, wire: number): void {
    // RFC 9260 section 3.1 common header: ports, verification tag, checksum.
    if (end - o < 12) { this.setPayload(o, end, wire); return; }
    const d = this.d;
    if (!this.push(LayerId.sctp, o)) return;
    d.l4Offset = o;
    d.srcPort = u16(b, o);
    d.dstPort = u16(b, o + 2);
    this.setPayload(o + 12, end, wire);
  }

  /**
   * A transport header cut by the capture: the layer is listed and its ports
   * kept when they are there (TShark and tcpdump show them), but `l4Offset`
   * stays -1 — it is set only when the whole fixed header was decoded, so
   * `isTcp`/`isUdp` stay false.
   */
  private partialPorts(b: Uint8Array, o: number, end: number, id: LayerIdType): void {
    if (end - o < 4) return;
    const d = this.d;
    if (!this.push(id, o)) return;
    d.srcPort = u16(b, o);
    d.dstPort = u16(b, o + 2);
  }

  private tcp(b: Uint8Array, o: number, end: number, wire: number): void {
    const d = this.d;
    const v = this.tcpV.wrap(b, o, end);
    const c = v.check(wire - o);
    if (c === TcpCheck.truncated) { this.partialPorts(b, o, end, LayerId.tcp); this.mark(Anomaly.tcp_truncated, LayerId.tcp, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.tcp, o)) return;
    d.l4Offset = o;
    d.srcPort = v.srcPort;
    d.dstPort = v.dstPort;
    d.seq = v.seqNumber;
    d.ack = v.ackNumber;
    const flags = v.flags;
    d.tcpFlags = flags;
    d.window = v.window;
    d.urgentPtr = v.urgentPointer;
    const hl = v.headerLength;
    d.tcpHeaderLen = hl;
    if ((flags & 3) === 3) this.mark(Anomaly.tcp_syn_fin, LayerId.tcp, o + 13);
    if (c === TcpCheck.badDataOffset) { this.mark(Anomaly.tcp_bad_data_offset, LayerId.tcp, o + 12); this.setPayload(o + 20, end, wire); return; }
    if (c === TcpCheck.headerExceedsSegment) {
      this.mark(Anomaly.tcp_header_exceeds_segment, LayerId.tcp, o + 12);
      this.setPayload(wire < end ? wire : end, end, wire);
      return;
    }
    if (c === TcpCheck.optionsTruncated) {
      this.mark(Anomaly.tcp_options_truncated, LayerId.tcp, o + 20);
      d.optionsOffset = o + 20;
      d.optionsLen = end - (o + 20);
      this.tcpOptions(b, o + 20, end, true);
      this.setPayload(o + hl, end, wire);
      return;
    }
    if (hl > 20) {
      d.optionsOffset = o + 20;
      d.optionsLen = hl - 20;
      this.tcpOptions(b, o + 20, o + hl, false);
    }
    const p = o + hl;
    this.setPayload(p, end, wire);
    if (d.payloadWireLen > d.payloadLen) this.mark(Anomaly.tcp_payload_truncated, LayerId.tcp, end);
    else if (this.checksums) this.l4Checksum(b, 6, o, wire, LayerId.tcp, Anomaly.tcp_bad_checksum, o + 16);
  }

  /** Walks the options once, filling the known ones; `cut`: the capture ends inside them. */
  private tcpOptions(b: Uint8Array, o: number, end: number, cut: boolean): void {
    const d = this.d;
    // NOP, NOP, Timestamps (RFC 7323 §3, Appendix A layout): most segments after the SYNs carry exactly this.
    if (end - o === 12 && b[o] === 1 && b[o + 1] === 1 && b[o + 2] === 8 && b[o + 3] === 10) {
      d.tsVal = u32(b, o + 4);
      d.tsEcr = u32(b, o + 8);
      return;
    }
    const it = this.opts.reset(b, o, end);
    for (;;) {
      const s = it.next();
      if (s === OptStep.end) return;
      if (s === OptStep.bad) {
        // When the capture cut the options, running past the captured end is truncation, not malformation.
        if (!cut) this.mark(Anomaly.tcp_bad_option, LayerId.tcp, it.start);
        return;
      }
      const kind = it.kind, p = it.start, len = it.length;
      const want = tcpOptionExpectedLength(kind);
      if (want !== 0 && len !== want) { this.mark(Anomaly.tcp_option_wrong_length, LayerId.tcp, p); continue; }
      switch (kind) {
        case 2: d.mss = u16(b, p + 2); break;
        case 3: d.wscale = b[p + 2]!; break;
        case 4: d.sackPermitted = true; break;
        case 8: d.tsVal = u32(b, p + 2); d.tsEcr = u32(b, p + 6); break;
        case 5: {
          if ((len - 2) % 8 !== 0) { this.mark(Anomaly.tcp_option_wrong_length, LayerId.tcp, p); break; }
          for (let q = p + 2; q + 8 <= p + len && d.sackCount < 4; q += 8) {
            d.sack[d.sackCount * 2] = u32(b, q);
            d.sack[d.sackCount * 2 + 1] = u32(b, q + 4);
            d.sackCount++;
          }
          break;
        }
      }
    }
  }

  private udp(b: Uint8Array, o: number, end: number, wire: number): void {
    const d = this.d;
    const v = this.udpV.wrap(b, o, end);
    if (v.check() !== Check.ok) { this.partialPorts(b, o, end, LayerId.udp); this.mark(Anomaly.udp_truncated, LayerId.udp, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.udp, o)) return;
    d.l4Offset = o;
    d.srcPort = v.srcPort;
    d.dstPort = v.dstPort;
    const len = v.length;
    d.udpLength = len;
    let uend = wire;
    if (!v.lengthValid(wire - o)) {
      // RFC 768: the length covers header and data. When it is impossible the IP payload bounds the datagram instead.
      this.mark(Anomaly.udp_bad_length, LayerId.udp, o + 4);
    } else {
      uend = o + len;
    }
    this.setPayload(o + 8, Math.min(end, uend), uend);
    if (d.payloadWireLen > d.payloadLen) this.mark(Anomaly.udp_payload_truncated, LayerId.udp, end);
    else if (this.checksums && v.checksum !== 0) this.l4Checksum(b, 17, o, uend, LayerId.udp, Anomaly.udp_bad_checksum, o + 6);
  }

  /** Verifies a TCP/UDP checksum over [o, wire) with the IP pseudo-header (all bytes are captured). */
  private l4Checksum(b: Uint8Array, proto: number, o: number, wire: number, id: LayerIdType, code: AnomalyCode, at: number): void {
    const d = this.d;
    const len = wire - o;
    const ps = d.ipVersion === 4 ? pseudoSum4(d.addr[3]!, d.addr[7]!, proto, len) : pseudoSum6(d.buf, d.l3Offset + 8, proto, len);
    if (internetChecksum(b, o, wire, ps) !== 0) this.mark(code, id, at);
  }

  private icmp(b: Uint8Array, o: number, end: number, wire: number): void {
    const d = this.d;
    const v = this.icmpV.wrap(b, o, end);
    if (v.check() !== Check.ok) {
      // Type and code alone are still worth keeping.
      if (end - o >= 2) { d.icmpType = b[o]!; d.icmpCode = b[o + 1]!; }
      this.mark(Anomaly.icmp_truncated, LayerId.icmp, o);
      this.setPayload(o, end, wire);
      return;
    }
    if (!this.push(LayerId.icmp, o)) return;
    d.l4Offset = o;
    d.icmpType = v.type;
    d.icmpCode = v.code;
    this.setPayload(o + 8, end, wire);
    if (this.checksums && end >= wire && internetChecksum(b, o, wire) !== 0) this.mark(Anomaly.icmp_bad_checksum, LayerId.icmp, o + 2);
    if (icmpIsError(v.type)) this.inner(b, o + 8, end, 4);
  }

  private icmpv6(b: Uint8Array, o: number, end: number, wire: number): void {
    const d = this.d;
    const v = this.icmp6V.wrap(b, o, end);
    if (v.check() !== Check.ok) {
      if (end - o >= 2) { d.icmpType = b[o]!; d.icmpCode = b[o + 1]!; }
      this.mark(Anomaly.icmpv6_truncated, LayerId.icmpv6, o);
      this.setPayload(o, end, wire);
      return;
    }
    if (!this.push(LayerId.icmpv6, o)) return;
    d.l4Offset = o;
    d.icmpType = v.type;
    d.icmpCode = v.code;
    this.setPayload(o + 8, end, wire);
    if (this.checksums && end >= wire && d.ipVersion === 6) {
      const ps = pseudoSum6(d.buf, d.l3Offset + 8, 58, wire - o);
      if (internetChecksum(b, o, wire, ps) !== 0) this.mark(Anomaly.icmp_bad_checksum, LayerId.icmpv6, o + 2);
    }
    if (icmpv6IsError(v.type)) this.inner(b, o + 8, end, 6);
  }

  /**
   * The invoking packet inside an ICMP error: its IP header and as much of
   * the transport header as is there (RFC 792 guarantees only 8 bytes).
   * Lenient by design — a cut-off inner packet is normal, so nothing here
   * is an anomaly; the layers are listed, the fields go to `inner*`.
   */
  private inner(b: Uint8Array, o: number, end: number, version: 4 | 6): void {
    const d = this.d;
    let p: number;
    let proto: number;
    if (version === 4) {
      const v = this.ip4.wrap(b, o, end);
      if (v.check() !== Ipv4Check.ok) return;
      if (!this.push(LayerId.ipv4, o)) return;
      d.innerL3Offset = o;
      d.innerIpVersion = 4;
      d.innerAddr[3] = v.src;
      d.innerAddr[7] = v.dst;
      proto = v.protocol;
      p = o + v.headerLength;
      if (v.isFragment && v.fragOffsetBytes !== 0) { d.innerProto = proto; return; }
    } else {
      const v = this.ip6.wrap(b, o, end);
      if (v.check() !== Ipv6Check.ok) return;
      if (!this.push(LayerId.ipv6, o)) return;
      d.innerL3Offset = o;
      d.innerIpVersion = 6;
      for (let i = 0; i < 4; i++) { d.innerAddr[i] = v.srcWord(i); d.innerAddr[4 + i] = v.dstWord(i); }
      proto = v.nextHeader;
      p = o + 40;
      for (let n = 0; isIpv6ExtHeader(proto) && n < this.limits.maxIpv6ExtHeaders; n++) {
        const x = this.ext.wrap(b, p, end, proto);
        if (x.check() !== Check.ok) { d.innerProto = proto; return; }
        if (!this.push(LayerId.ipv6ext, p, proto)) return;
        if (proto === 44 && x.fragOffsetBytes !== 0) { d.innerProto = x.nextHeader; return; }
        proto = x.nextHeader;
        p += x.headerLength;
      }
    }
    d.innerProto = proto;
    if ((proto === 6 || proto === 17 || proto === 132) && end - p >= 4) {
      if (!this.push(proto === 6 ? LayerId.tcp : proto === 17 ? LayerId.udp : LayerId.sctp, p)) return;
      d.innerSrcPort = u16(b, p);
      d.innerDstPort = u16(b, p + 2);
    } else if ((proto === 1 || proto === 58) && end - p >= 4) {
      if (!this.push(proto === 1 ? LayerId.icmp : LayerId.icmpv6, p)) return;
    }
  }

  private gre(b: Uint8Array, o: number, end: number, wire: number): void {
    const d = this.d;
    const v = this.greV.wrap(b, o, end);
    const c = v.check();
    if (c === Check.truncated) { this.mark(Anomaly.gre_truncated, LayerId.gre, o); this.setPayload(o, end, wire); return; }
    if (!this.push(LayerId.gre, o)) return;
    if (c === Check.malformed) { this.mark(Anomaly.gre_unsupported, LayerId.gre, o); this.setPayload(o + 4, end, wire); return; }
    const p = v.payloadStart;
    const proto = v.protocol;
    // An enhanced-GRE packet may carry only an acknowledgement (no payload).
    if (p >= end && p >= wire) { this.setPayload(p, end, wire); return; }
    switch (proto) {
      case GRE_PROTO_PPP: this.pppLayer(b, p, end, wire); return;
      case 0x0800: this.ipv4(b, p, end, wire); return;
      case 0x86dd: this.ipv6(b, p, end, wire); return;
      case 0x6558: // transparent Ethernet bridging (NVGRE and friends)
        if (this.ipLayers < this.limits.maxIpLayers) { this.ethernet(b, p, end, wire); return; }
        this.mark(Anomaly.encapsulation_limit, LayerId.gre, p);
        this.setPayload(p, end, wire);
        return;
      default:
        this.mark(Anomaly.unknown_ethertype, LayerId.gre, o + 2);
        this.setPayload(p, end, wire);
    }
  }
}

/** The address as text: IPv4 dotted quad, IPv6 in RFC 5952 form; '' without an IP layer. `which`: 0 = source, 1 = destination. */
export function addrToString(d: Decoded, which: 0 | 1): string {
  const base = which * 4;
  if (d.ipVersion === 4) {
    const a = d.addr[base + 3]!;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  if (d.ipVersion !== 6) return '';
  return ipv6ToString(d.addr, base);
}

/** Same for the invoking packet of an ICMP error. */
export function innerAddrToString(d: Decoded, which: 0 | 1): string {
  const base = which * 4;
  if (d.innerIpVersion === 4) {
    const a = d.innerAddr[base + 3]!;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  if (d.innerIpVersion !== 6) return '';
  return ipv6ToString(d.innerAddr, base);
}

export { ipv6ToString };

/**
 * Convenience for code off the hot path that looks at single frames: a
 * stateless decoder (no reassembly).
 */
const stateless = new FrameDecoder({ defrag: false });
export function decodeFrame(frame: Frame, out: Decoded): void {
  stateless.decode(frame, out);
}
