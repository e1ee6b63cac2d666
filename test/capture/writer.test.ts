/**
 * The pcap writer and the frame builders. Byte layouts are checked against
 * the pcap draft (draft-ietf-opsawg-pcap §4, §5), RFC 791 / RFC 8200 /
 * RFC 9293 / RFC 768 offsets, checksums with an independent RFC 1071 sum,
 * and — when tshark is installed — against tshark's own checksum check.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseIpv6 } from '../../src/capture/frame-builders.js';
import { buildPcap, ethIpv4Tcp, ethIpv4Udp, ethIpv6Tcp, pcapFileHeader, tcpFlags } from '../../src/capture/pcap-writer.js';
import { ethIpv6Udp } from '../../src/capture/frame-builders.js';
import { hex, readBytes, tempFile } from './helpers.js';

/** RFC 1071 sum, written independently of src/: 16-bit big-endian words, end-around carry. */
function rfc1071(...parts: Uint8Array[]): number {
  const all = Buffer.concat(parts.map((p) => Buffer.from(p)));
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('pcap writer', () => {
  it('file header: magic, version 2.4, thiszone 0, sigfigs 0, snaplen, link type (little-endian µs)', () => {
    expect(hex(pcapFileHeader({ snapLen: 65535, linkType: 1 }))).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '01000000');
  });

  it('file header: big-endian nanosecond', () => {
    expect(hex(pcapFileHeader({ nanosecond: true, bigEndian: true, linkType: 101 }))).toBe('a1b23c4d' + '0002' + '0004' + '00000000' + '00000000' + '00040000' + '00000065');
  });

  it('record: ts_sec, ts_usec (ns / 1000 in a µs file), incl_len, orig_len, data', () => {
    const b = buildPcap([{ tsSec: 0x65f5e100, tsNsec: 123456789, data: Buffer.from('deadbeef', 'hex'), origLen: 60 }]);
    expect(hex(b.subarray(24))).toBe('00e1f565' + '40e20100' + '04000000' + '3c000000' + 'deadbeef');
  });

  it('snaplen cuts longer packets and keeps their original length', async () => {
    const r = await readBytes(buildPcap([{ tsSec: 1, data: Buffer.alloc(100, 7) }], { snapLen: 64 }));
    expect(r.frames.map((f) => [f.capLen, f.origLen])).toEqual([[64, 100]]);
    expect(r.problems).toEqual([]);
  });

  it('nanosecond round trip, both byte orders', async () => {
    for (const bigEndian of [false, true]) {
      const r = await readBytes(buildPcap([{ tsSec: 42, tsNsec: 999_999_999, data: Buffer.from('01', 'hex') }], { nanosecond: true, bigEndian }));
      expect(r.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[42, 999_999_999]]);
    }
  });
});

describe('frame builders', () => {
  it('Ethernet + IPv4 + TCP: fields at their RFC offsets, valid checksums', () => {
    const f = ethIpv4Tcp({
      srcMac: '02:00:00:00:00:aa', dstMac: '02:00:00:00:00:bb', src: '192.168.1.2', dst: '10.0.0.1',
      sport: 1234, dport: 80, seq: 0x01020304, ack: 5, flags: 'SA', window: 1000, options: [2, 4, 5, 0xb4], payload: 'xy', ttl: 63, ipId: 7,
    });
    const b = Buffer.from(f);
    expect(b.length).toBe(14 + 20 + 24 + 2);
    expect(hex(b.subarray(0, 14))).toBe('0200000000bb' + '0200000000aa' + '0800');
    const ip = b.subarray(14, 34);
    expect(ip[0]).toBe(0x45); // version 4, IHL 5 (RFC 791 §3.1)
    expect(ip.readUInt16BE(2)).toBe(46); // total length
    expect(ip.readUInt16BE(4)).toBe(7); // identification
    expect(ip.readUInt16BE(6)).toBe(0x4000); // DF
    expect(ip[8]).toBe(63);
    expect(ip[9]).toBe(6);
    expect(hex(ip.subarray(12, 20))).toBe('c0a80102' + '0a000001');
    expect(rfc1071(ip)).toBe(0xffff); // header checksum verifies
    const tcp = b.subarray(34);
    expect(tcp.readUInt16BE(0)).toBe(1234);
    expect(tcp.readUInt16BE(2)).toBe(80);
    expect(tcp.readUInt32BE(4)).toBe(0x01020304);
    expect(tcp.readUInt32BE(8)).toBe(5);
    expect(tcp[12]! >> 4).toBe(6); // data offset: 24 bytes (RFC 9293 §3.1)
    expect(tcp[13]).toBe(0x12); // SYN + ACK
    expect(tcp.readUInt16BE(14)).toBe(1000);
    expect(hex(tcp.subarray(20, 24))).toBe('020405b4');
    // pseudo-header: src, dst, zero, protocol, TCP length (RFC 9293 §3.1)
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6, 0, tcp.length])]);
    expect(rfc1071(pseudo, tcp)).toBe(0xffff);
  });

  it('Ethernet + IPv6 + TCP and UDP: IPv6 pseudo-header checksums (RFC 8200 §8.1)', () => {
    for (const f of [ethIpv6Tcp({ src: '2001:db8::1', dst: 'fe80::2', payload: 'hello' }), ethIpv6Udp({ src: '::1', dst: '::1', payload: 'q' })]) {
      const b = Buffer.from(f);
      expect(b.readUInt16BE(12)).toBe(0x86dd);
      const ip6 = b.subarray(14, 54);
      expect(ip6[0]! >> 4).toBe(6);
      const l4 = b.subarray(54);
      expect(ip6.readUInt16BE(4)).toBe(l4.length);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(l4.length);
      const pseudo = Buffer.concat([ip6.subarray(8, 40), len, Buffer.from([0, 0, 0, ip6[6]!])]);
      expect(rfc1071(pseudo, l4)).toBe(0xffff);
    }
  });

  it('Ethernet + 802.1Q + IPv4 + UDP', () => {
    const b = Buffer.from(ethIpv4Udp({ vlans: [100], sport: 5353, dport: 53, payload: 'abc' }));
    expect(hex(b.subarray(12, 18))).toBe('8100' + '0064' + '0800');
    const ip = b.subarray(18, 38);
    expect(rfc1071(ip)).toBe(0xffff);
    const udp = b.subarray(38);
    expect(udp.readUInt16BE(4)).toBe(11); // UDP length (RFC 768)
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 17, 0, 11])]);
    expect(rfc1071(pseudo, udp)).toBe(0xffff);
  });

  it('TCP flag letters, tcpdump style', () => {
    expect(tcpFlags('S')).toBe(0x02);
    expect(tcpFlags('.')).toBe(0x10);
    expect(tcpFlags('FPA')).toBe(0x19);
    expect(tcpFlags('SEC')).toBe(0xc2);
    expect(tcpFlags('N')).toBe(0x100);
    expect(() => tcpFlags('Z')).toThrow();
    expect(ethIpv4Tcp({ flags: 'SN' })[14 + 20 + 12]! & 1).toBe(1); // AE bit in the data-offset byte
  });

  it('IPv6 address forms', () => {
    expect(hex(parseIpv6('::1'))).toBe('00000000000000000000000000000001');
    expect(hex(parseIpv6('2001:db8::'))).toBe('20010db8000000000000000000000000');
    expect(hex(parseIpv6('::ffff:1.2.3.4'))).toBe('00000000000000000000ffff01020304');
    expect(hex(parseIpv6('1:2:3:4:5:6:7:8'))).toBe('00010002000300040005000600070008');
    expect(() => parseIpv6('1::2::3')).toThrow();
  });

  it.runIf(hasTshark())('tshark agrees: checksums good (and bad where asked), fields as built', () => {
    const frames = [
      ethIpv4Tcp({ src: '10.1.1.1', dst: '10.2.2.2', sport: 40000, dport: 80, flags: 'S', seq: 1000 }),
      ethIpv6Tcp({ flags: 'PA', seq: 7, ack: 9, payload: 'GET / HTTP/1.1\r\n\r\n' }),
      ethIpv4Udp({ sport: 1111, dport: 2222, payload: 'x', vlans: [5] }),
      ethIpv6Udp({ sport: 3333, dport: 4444, payload: 'yz' }),
      ethIpv4Tcp({ flags: 'R', badChecksum: true }),
    ];
    const p = tempFile(buildPcap(frames.map((data, i) => ({ tsSec: 1000 + i, data }))), 'builders.pcap');
    const out = execFileSync('tshark', [
      '-r', p, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
      '-T', 'fields', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'udp.checksum.status',
      '-e', 'tcp.flags', '-e', 'tcp.seq_raw', '-e', 'udp.srcport', '-e', 'vlan.id',
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // checksum status: 1 = good, 0 = bad (Wireshark's PROTO_CHECKSUM_E_GOOD / _BAD)
    expect(out.replace(/\n$/, '').split('\n')).toEqual([
      '1\t1\t\t0x0002\t1000\t\t',
      '\t1\t\t0x0018\t7\t\t',
      '1\t\t1\t\t\t1111\t5',
      '\t\t1\t\t\t3333\t',
      '1\t0\t\t0x0004\t0\t\t',
    ]);
  });
});
