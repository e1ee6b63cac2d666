import { describe, expect, it } from 'vitest';
import { Decoded, LayerId } from '../../src/decode/decoded.js';
import { FrameDecoder, addrToString } from '../../src/decode/stack.js';
import { NullView } from '../../src/wire/null.js';
import { PppView } from '../../src/wire/ppp.js';
import { SllView } from '../../src/wire/sll.js';
import { Sll2View } from '../../src/wire/sll2.js';
import { VlanView } from '../../src/wire/vlan.js';
import { Check } from '../../src/wire/bytes.js';
import {
  ETH_IPV4_TCP_SYN, NULL_IPV6_TCP_HEAD, QINQ_PPPOE_TCP, SLL2_TCP, SLL_TCP, VLAN0_TCP, anomalyNames, bytes, decode, frameOf, layers,
} from './vectors.js';

describe('link layers', () => {
  it('Ethernet II (tcpdump-print-flags.pcap frame 1)', () => {
    const d = decode(ETH_IPV4_TCP_SYN);
    expect([d.ethOffset, d.ethertype, d.vlanCount, d.vlanId]).toEqual([0, 0x0800, 0, -1]);
    expect(layers(d)[0]).toBe(LayerId.eth);
  });

  it('802.1Q with VLAN id 0, priority 5, DEI set (zeek-http-vlan-0.pcap frame 1)', () => {
    const v = new VlanView().wrap(VLAN0_TCP, 14, VLAN0_TCP.length);
    expect(v.check()).toBe(Check.ok);
    expect([v.vlanId, v.priority, v.dei, v.innerType]).toEqual([0, 5, true, 0x0800]); // TCI 0xb000: PCP 5, DEI 1, VID 0
    const d = decode(VLAN0_TCP);
    expect(layers(d)).toEqual([LayerId.eth, LayerId.vlan, LayerId.ipv4, LayerId.tcp]);
    expect([d.vlanCount, d.vlanId, d.srcPort, d.mss]).toEqual([1, 0, 59856, 1460]);
    expect(addrToString(d, 0)).toBe('141.142.228.5');
  });

  it('two 802.1Q tags, PPPoE session, PPP, IPv4, TCP (ppp-one_http_stream_rst.pcap frame 1: PPPoE [ses 0xdde5] IP 10.3.65.35.5068 > 185.8.212.46.80: Flags [S])', () => {
    const d = decode(QINQ_PPPOE_TCP);
    expect(layers(d)).toEqual([LayerId.eth, LayerId.vlan, LayerId.vlan, LayerId.pppoe, LayerId.ppp, LayerId.ipv4, LayerId.tcp]);
    expect([d.vlanCount, d.vlanId, d.ethertype]).toEqual([2, 0x3ab, 0x8864]);
    expect([addrToString(d, 0), d.srcPort, addrToString(d, 1), d.dstPort, d.seq, d.tcpFlags]).toEqual(['10.3.65.35', 5068, '185.8.212.46', 80, 2631065158, 2]);
    expect([d.mss, d.wscale, d.sackPermitted]).toEqual([1440, 8, true]);
    expect(d.anomalyCount).toBe(0);
  });

  it('nested VLAN tags stop at the limit', () => {
    const n = 200;
    const b = new Uint8Array(14 + 4 * n + 20);
    b.set(ETH_IPV4_TCP_SYN.subarray(0, 12));
    b[12] = 0x81; b[13] = 0x00;
    for (let i = 0; i < n; i++) { b[14 + 4 * i + 1] = i & 0xff; b[14 + 4 * i + 2] = 0x88; b[14 + 4 * i + 3] = 0xa8; }
    const dec = new FrameDecoder();
    const d = new Decoded();
    const t0 = performance.now();
    for (let k = 0; k < 5000; k++) dec.decode(frameOf(b), d);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(anomalyNames(d)).toEqual(['too_many_vlan_tags']);
    expect(d.vlanCount).toBe(8);
    const wide = new FrameDecoder({ limits: { maxVlanTags: 16 } });
    wide.decode(frameOf(b), d);
    expect(d.vlanCount).toBe(16);
  });

  it('a VLAN tag cut short is truncated', () => {
    const d = decode(VLAN0_TCP.subarray(0, 16), 1, { origLen: VLAN0_TCP.length });
    expect(anomalyNames(d)).toEqual(['vlan_truncated']);
  });

  it('Linux cooked v1 (ndpi-http2.pcapng frame 1: IP 127.0.0.1.37824 > 127.0.0.1.29518: Flags [P.] … length 64)', () => {
    const v = new SllView().wrap(SLL_TCP, 0, SLL_TCP.length);
    expect(v.check()).toBe(Check.ok);
    expect([v.packetType, v.arphrd, v.addrLength, v.protocol]).toEqual([0, 772, 6, 0x0800]);
    const d = decode(SLL_TCP, 113);
    expect(layers(d)).toEqual([LayerId.sll, LayerId.ipv4, LayerId.tcp]);
    expect([d.srcPort, d.dstPort, d.seq, d.ack, d.payloadLen]).toEqual([37824, 29518, 474296310, 2726225307, 64]);
    expect(anomalyNames(decode(SLL_TCP.subarray(0, 10), 113, { origLen: SLL_TCP.length }))).toEqual(['sll_truncated']);
  });

  it('Linux cooked v2 (lwerdna-simple_http_sll2.pcap frame 1: lo In IP 127.0.0.1.37614 > 127.0.0.1.8000: Flags [S])', () => {
    const v = new Sll2View().wrap(SLL2_TCP, 0, SLL2_TCP.length);
    expect(v.check()).toBe(Check.ok);
    expect([v.protocol, v.ifIndex, v.arphrd, v.packetType, v.addrLength]).toEqual([0x0800, 1, 772, 0, 6]);
    const d = decode(SLL2_TCP, 276);
    expect(layers(d)).toEqual([LayerId.sll2, LayerId.ipv4, LayerId.tcp]);
    expect([d.srcPort, d.dstPort, d.seq, d.mss, d.wscale]).toEqual([37614, 8000, 139636242, 65495, 7]);
  });

  it('BSD null loopback in both byte orders, OpenBSD loop, and an EtherType in the family field', () => {
    // ppp-null_loopback.pcap frame 1: IP6 ::1.49888 > ::1.81 — family 30 (macOS AF_INET6) written little-endian
    const le = decode(NULL_IPV6_TCP_HEAD, 0, { origLen: 479 });
    expect(layers(le)).toEqual([LayerId.null, LayerId.ipv6, LayerId.tcp]);
    expect([addrToString(le, 0), le.srcPort, le.dstPort]).toEqual(['::1', 49888, 81]);
    const be = NULL_IPV6_TCP_HEAD.slice(); be.set([0, 0, 0, 30], 0);
    expect(new NullView().wrap(be, 0, be.length, false).family).toBe(30);
    expect(decode(be, 0, { origLen: 479 }).srcPort).toBe(49888);
    const v4 = new Uint8Array(4 + ETH_IPV4_TCP_SYN.length - 14);
    v4.set([2, 0, 0, 0]); v4.set(ETH_IPV4_TCP_SYN.subarray(14), 4);
    expect(decode(v4, 0).srcPort).toBe(55920);
    const loop = v4.slice(); loop.set([0, 0, 0, 2]);
    const dl = decode(loop, 108);
    expect(layers(dl)).toEqual([LayerId.loop, LayerId.ipv4, LayerId.tcp]);
    const et = v4.slice(); et.set([0x0f, 0x00, 0x08, 0x00]); // ppp-null_loopback.pcap frame 3
    expect(decode(et, 0).ipVersion).toBe(4);
    const unknown = v4.slice(); unknown.set([0x63, 0, 0, 0]);
    expect(anomalyNames(decode(unknown, 0))).toEqual(['null_family_unknown']);
  });

  it('raw IP link types: 101/12/14 by version nibble, 228 IPv4, 229 IPv6', () => {
    const ip = ETH_IPV4_TCP_SYN.subarray(14);
    for (const lt of [101, 12, 14, 228]) {
      const d = decode(ip, lt);
      expect([d.ipVersion, d.srcPort], `linktype ${lt}`).toEqual([4, 55920]);
      expect(layers(d)[0]).toBe(LayerId.rawip);
    }
    const d6 = decode(NULL_IPV6_TCP_HEAD.subarray(4), 229, { origLen: 475 });
    expect([d6.ipVersion, d6.srcPort]).toEqual([6, 49888]);
    expect(anomalyNames(decode(ip, 284))).toEqual(['unsupported_linktype']);
    expect(decode(new Uint8Array(0), 101).truncated).toBe(true);
  });

  it('PPP address/control and protocol-field compression', () => {
    const full = new PppView().wrap(bytes('ff03 0021 45'), 0, 5);
    expect(full.check()).toBe(Check.ok);
    expect([full.acLength, full.protocol, full.headerLength]).toEqual([2, 0x21, 4]);
    const pfc = new PppView().wrap(bytes('21 45'), 0, 2);
    expect(pfc.check()).toBe(Check.ok);
    expect([pfc.protocol, pfc.headerLength]).toEqual([0x21, 1]);
    expect(new PppView().wrap(bytes('ff03 00'), 0, 3).check()).toBe(Check.truncated);
  });

  it('ARP request', () => {
    // Ethernet ARP: who-has 10.0.0.2 tell 10.0.0.1
    const b = bytes('ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002');
    const d = decode(b);
    expect(layers(d)).toEqual([LayerId.eth, LayerId.arp]);
    expect(d.anomalyCount).toBe(0);
    expect(anomalyNames(decode(b.subarray(0, 30), 1, { origLen: b.length }))).toEqual(['arp_truncated']);
  });

  it('802.3 length + LLC, and LLC/SNAP carrying IPv4', () => {
    const llc = bytes('0180c2000000 020000000001 0026 4242 03 0000 0000');
    const d = decode(llc);
    expect(layers(d)).toEqual([LayerId.eth, LayerId.llc]);
    const ip = ETH_IPV4_TCP_SYN.subarray(14);
    const snap = new Uint8Array(14 + 8 + ip.length);
    snap.set(bytes('020000000002 020000000001'));
    snap[12] = 0; snap[13] = 8 + ip.length;
    snap.set(bytes('aaaa03 000000 0800'), 14);
    snap.set(ip, 22);
    const ds = decode(snap);
    expect(layers(ds)).toEqual([LayerId.eth, LayerId.llc, LayerId.ipv4, LayerId.tcp]);
    expect(ds.srcPort).toBe(55920);
  });
});
