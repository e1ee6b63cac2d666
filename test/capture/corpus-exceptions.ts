/**
 * Corpus files where capinfos (Wireshark 4.0.17) is not the reference for
 * the reader's packet count or earliest/latest time, each with the reason
 * and the outside source used instead. Keep this list short and justified.
 */
export interface CaptureException {
  /** Expected packet count, when capinfos' count is not ours. */
  packets?: number;
  /** Expected earliest / latest time as seconds since the epoch (exact decimal strings). */
  first?: string;
  last?: string;
  reason: string;
}

export const CAPINFOS_EXCEPTIONS: Record<string, CaptureException> = {
  'sv-bug-6875-01-fuzz.pcap': {
    packets: 1,
    first: '1508525002.992213',
    last: '1508525002.992213',
    reason:
      'The second record header claims 1409179648 bytes. Wireshark then guesses another record layout ' +
      '(modified pcap, 24-byte record headers, as its libpcap.c tries when the standard layout fails), reads one ' +
      'garbage record (tshark frame 2: len 1048576, cap_len 1) and stops at a third header claiming 16711424 bytes. ' +
      'libpcap stops at the second header: `tcpdump -r` prints 1 packet and "invalid packet capture length ' +
      '1409179648". We follow libpcap: 1 packet, then an over-long problem; both stop on an over-long record. ' +
      'capinfos printed no times; frame 1 time from `tshark -r FILE -T fields -e frame.time_epoch`.',
  },
  'tcpdump-dsa.pcap': {
    packets: 8,
    first: '80499.544060',
    last: '80504.560415',
    reason:
      'LINKTYPE 284 (DSA_TAG_DSA) is unknown to Wireshark 4.0, so capinfos reads nothing. The records are ' +
      'well formed; count and times from the tcpdump project output expected/tcpdump-dsa.pcap.tcpdump.out ' +
      '(8 lines, 1970-01-01 22:21:39.544060 to 22:21:44.560415).',
  },
  'ppp-pcapng-example.pcapng': {
    first: '1422527998.578402281',
    last: '18446744073204.277451',
    reason:
      'Interface 1 timestamps are near 2^64 µs. capinfos 4.0 compares times with nstime_cmp(), which returns the ' +
      'seconds difference truncated to int, so its "First packet time" is wrong for differences beyond 2^31 s. ' +
      'Earliest/latest from tshark\'s frame.time_epoch over all 159 frames (expected/FILE.tcp.tsv holds all of them).',
  },
  'gopacket-be-test202.pcapng': {
    first: '1340954905.298858',
    last: '1340954905.301858',
    reason:
      'The file holds records without timestamps (custom blocks, simple packet blocks), so capinfos prints no ' +
      'times. Times from `tshark -r FILE -T fields -e frame.time_epoch` (frames with a time: .298858 and .301858).',
  },
  'gopacket-le-test901.pcapng': {
    first: '1340954905.298858',
    last: '1340954905.298858',
    reason:
      'capinfos stops on the second section (version 2.0) and prints the count only on stderr ("after reading ' +
      '1 packets"), no times. Time from `tshark -r FILE -T fields -e frame.time_epoch`.',
  },
};
