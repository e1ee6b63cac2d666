import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { FrameReader } from '../../src/ui/frame-reader.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');

// Classic pcap both byte orders, µs and ns, and pcapng with several sections of different byte order.
const FILES = [
  'tcpdump-print-flags.pcap', 'tcpdump-pptp.pcap', 'ppp-nanosecs_big_endian.pcap', 'gopacket-be-test202.pcapng',
  'zeek-pcapng-multi-interface.pcapng', 'ppp-pcapng-example.pcapng', 'zeek-tcp-truncated-header.pcap',
];

describe('re-reading a frame by its file offset', () => {
  for (const name of FILES) {
    it(`gives the same bytes as the reader for every frame of ${name}`, async () => {
      const path = resolve(CAPTURES, name);
      const src = await openCapture(path);
      const reader = new FrameReader(path);
      let n = 0;
      try {
        for await (const batch of src) {
          for (const f of batch) {
            const again = reader.readAt(f.fileOffset, f.number, f.linkType);
            expect(again, `frame ${f.number}`).toBeDefined();
            expect(again!.capLen).toBe(f.capLen);
            expect(again!.origLen).toBe(f.origLen);
            expect(Buffer.from(again!.buf.subarray(again!.offset, again!.offset + again!.capLen)).equals(
              Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)))).toBe(true);
            n++;
          }
        }
      } finally {
        reader.close();
      }
      expect(n).toBeGreaterThan(0);
    });
  }

  it('an offset that is not a record gives undefined, never a throw', () => {
    const reader = new FrameReader(resolve(CAPTURES, 'gopacket-be-test202.pcapng'));
    expect(reader.readAt(3, 1, 1)).toBeUndefined();
    expect(reader.readAt(1e12, 1, 1)).toBeUndefined();
    reader.close();
  });
});
