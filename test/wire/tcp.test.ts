import { describe, expect, it } from 'vitest';
import { Check } from '../../src/wire/bytes.js';
import { OptStep } from '../../src/wire/ipv4.js';
import { TcpCheck, TcpOptionIter, TcpView, formatTcpOption, tcpFlagsTcpdump, tcpFlagsTshark } from '../../src/wire/tcp.js';
import { LayerId } from '../../src/decode/decoded.js';
import { ETH_IPV4_TCP_SYN, TCP_EIGHT_FLAGS, anomalyNames, bytes, decode, tcpPacket } from './vectors.js';

const TCP_AT = 14 + 20;

describe('TcpView', () => {
  it('deconstructs the SYN of tcpdump-print-flags.pcap frame 1', () => {
    const v = new TcpView().wrap(ETH_IPV4_TCP_SYN, TCP_AT, ETH_IPV4_TCP_SYN.length);
    expect(v.check(40)).toBe(TcpCheck.ok);
    expect(v.srcPort).toBe(55920);
    expect(v.dstPort).toBe(80);
    expect(v.seqNumber).toBe(928549246);
    expect(v.ackNumber).toBe(0);
    expect(v.headerLength).toBe(40);
    expect(v.dataOffsetWords).toBe(10);
    expect(v.flags).toBe(0x002);
    expect(v.window).toBe(32767);
    expect(v.checksum).toBe(0x1421);
    const it2 = new TcpOptionIter().reset(ETH_IPV4_TCP_SYN, v.optionsStart, v.payloadStart);
    const seen: string[] = [];
    for (let s = it2.next(); s === OptStep.option; s = it2.next()) seen.push(formatTcpOption(ETH_IPV4_TCP_SYN, it2.kind, it2.start, it2.length));
    // tcpdump: options [mss 16396,sackOK,TS val 1306300950 ecr 0,nop,wscale 2]
    expect(seen.join(',')).toBe('mss 16396,sackOK,TS val 1306300950 ecr 0,nop,wscale 2');
  });

  it('reports truncated, bad data offset, header past the segment, options cut', () => {
    const seg = ETH_IPV4_TCP_SYN.subarray(TCP_AT);
    expect(new TcpView().wrap(seg, 0, 19).check(40)).toBe(TcpCheck.truncated);
    const bad = seg.slice(); bad[12] = 0x40; // data offset 4 words
    expect(new TcpView().wrap(bad, 0, bad.length).check(40)).toBe(TcpCheck.badDataOffset);
    expect(new TcpView().wrap(seg, 0, seg.length).check(30)).toBe(TcpCheck.headerExceedsSegment);
    expect(new TcpView().wrap(seg, 0, 30).check(40)).toBe(TcpCheck.optionsTruncated);
    expect(Check.ok).toBe(0);
  });

  it('prints every flag in tcpdump and tshark notation', () => {
    // tcpdump: Flags [FSRP.UEW] ; tshark tcp.flags.str ····CEUAPRSF
    expect(tcpFlagsTcpdump(0x0ff)).toBe('FSRP.UEW');
    expect(tcpFlagsTshark(0x0ff)).toBe('····CEUAPRSF');
    expect(tcpFlagsTcpdump(0x100)).toBe('e');
    expect(tcpFlagsTshark(0xfff)).toBe('RRRACEUAPRSF');
    expect(tcpFlagsTcpdump(0)).toBe('none');
    expect(tcpFlagsTcpdump(0x012)).toBe('S.');
    expect(tcpFlagsTcpdump(0x018)).toBe('P.');
    expect(tcpFlagsTcpdump(0x011)).toBe('F.');
    expect(tcpFlagsTcpdump(0x004)).toBe('R');
    expect(tcpFlagsTcpdump(0x010)).toBe('.');
  });
});

describe('TCP in the stack', () => {
  it('fills every field of the SYN', () => {
    const d = decode(ETH_IPV4_TCP_SYN);
    expect(d.isTcp).toBe(true);
    expect([d.srcPort, d.dstPort, d.seq, d.ack, d.tcpFlags, d.window, d.tcpHeaderLen]).toEqual([55920, 80, 928549246, 0, 2, 32767, 40]);
    expect([d.mss, d.wscale, d.sackPermitted, d.tsVal, d.tsEcr]).toEqual([16396, 2, true, 1306300950, 0]);
    expect([d.optionsOffset, d.optionsLen]).toEqual([TCP_AT + 20, 20]);
    expect([d.payloadOffset, d.payloadLen, d.payloadWireLen]).toEqual([ETH_IPV4_TCP_SYN.length, 0, 0]);
    expect(d.anomalyCount).toBe(0);
  });

  it('keeps the reserved and AE bits', () => {
    // tcp_eight_lowest_weight_flags_set: Flags [FSRP.UEW], plus a copy with AE and the reserved bits set
    const d = decode(TCP_EIGHT_FLAGS);
    expect(d.tcpFlags).toBe(0x0ff);
    expect(anomalyNames(d)).toContain('tcp_syn_fin');
    const all = TCP_EIGHT_FLAGS.slice();
    all[TCP_AT + 12] = 0x5f; // data offset 5, reserved 111, AE 1
    expect(decode(all).tcpFlags).toBe(0xfff);
  });

  it('reads SACK blocks', () => {
    // nop,nop,sack 2 {1:2}{3:4}
    const opts = bytes('0101 0512 00000001 00000002 00000003 00000004 0000');
    const pkt = tcpPacket(opts);
    const d = decode(pkt);
    expect(d.sackCount).toBe(2);
    expect(Array.from(d.sack.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(d.anomalyCount).toBe(0);
  });

  it('keeps unknown options in place and flags bad option lengths', () => {
    const unknown = decode(tcpPacket(bytes('fe04 abcd 0000 0000')));
    expect(unknown.anomalyCount).toBe(0);
    expect(unknown.optionsLen).toBe(8);
    for (const [name, opts] of [
      ['length 0', '0200 0000'],
      ['length 1', '0201 0000'],
      ['over the end', '0208 05b4'],
      ['kind without length', '0101 0102'],
    ] as const) {
      const d = decode(tcpPacket(bytes(opts)));
      expect(anomalyNames(d), name).toContain('tcp_bad_option');
      expect(d.malformed, name).toBe(true);
      expect(d.isTcp, name).toBe(true);
    }
    const wrong = decode(tcpPacket(bytes('0205 05b4 0000 0000')));
    expect(anomalyNames(wrong)).toContain('tcp_option_wrong_length');
    expect(wrong.mss).toBe(-1);
  });

  it('data offset < 5 is malformed; beyond the segment is malformed; cut by the capture is truncated', () => {
    const bad = ETH_IPV4_TCP_SYN.slice(); bad[TCP_AT + 12] = 0x40;
    const d1 = decode(bad);
    expect(anomalyNames(d1)).toContain('tcp_bad_data_offset');
    expect(d1.malformed).toBe(true);
    expect(d1.srcPort).toBe(55920);

    const long = ETH_IPV4_TCP_SYN.slice(); long[TCP_AT + 12] = 0xf0; // 60-byte header in a 40-byte segment
    const d2 = decode(long);
    expect(anomalyNames(d2)).toContain('tcp_header_exceeds_segment');
    expect(d2.malformed).toBe(true);

    const cut = ETH_IPV4_TCP_SYN.subarray(0, TCP_AT + 30);
    const d3 = decode(cut, 1, { origLen: ETH_IPV4_TCP_SYN.length });
    expect(anomalyNames(d3)).toEqual(['tcp_options_truncated']);
    expect(d3.truncated).toBe(true);
    expect(d3.malformed).toBe(false);
    expect(d3.mss).toBe(16396);
    expect(d3.payloadWireLen).toBe(0);
  });

  it('a header cut before 20 bytes keeps its ports but is not a TCP segment', () => {
    const d = decode(ETH_IPV4_TCP_SYN.subarray(0, TCP_AT + 10), 1, { origLen: ETH_IPV4_TCP_SYN.length });
    expect(anomalyNames(d)).toEqual(['tcp_truncated']);
    expect(d.hasLayer(LayerId.tcp)).toBe(true);
    expect([d.srcPort, d.dstPort]).toEqual([55920, 80]);
    expect(d.l4Offset).toBe(-1);
    expect(d.isTcp).toBe(false);
  });
});

