/**
 * wireLength(): the original length of a frame cut by the snaplen, recovered
 * from its IP header (cap reports only that a frame was cut). Checked on the
 * corpus: for every frame the file says was cut, the recovered length equals
 * the file's original length; for whole frames it is the captured length.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wireLength } from '../../src/capture/live.js';
import { readPcap } from '../native/pcap-min.js';

const CAPTURES = resolve(process.cwd(), '../shared/captures');
const FILES = [
  'tcpdump-tcp_rst_data-trunc.pcap', 'zeek-web.pcap', 'zeek-http-vlan-0.pcap', 'ppp-raw_ip.pcap', 'sv-websocket-ping.pcap',
  'lwerdna-simple_http_sll2.pcap', 'arkime-v6-http.pcap', 'ppp-null_loopback.pcap', 'zeek-http-get.pcap', 'tcpdump-LINKTYPE_IPV4.pcap',
];

describe('wireLength', () => {
  it('recovers the original length of cut frames and keeps whole frames as they are', () => {
    let cut = 0;
    for (const name of FILES) {
      if (!readdirSync(CAPTURES).includes(name)) continue;
      const p = readPcap(join(CAPTURES, name));
      for (const [i, r] of p.records.entries()) {
        const got = wireLength(p.linkType, r.data, 0, r.data.length);
        if (r.origLen > r.data.length) {
          cut++;
          expect(got, `${name} frame ${i + 1}`).toBe(r.origLen);
        } else {
          expect(got, `${name} frame ${i + 1}`).toBe(r.data.length);
          // Cut it as a 64-byte snaplen would: frames over 64 bytes carry no Ethernet padding,
          // so the IP header gives back their whole length.
          if (r.data.length > 64) {
            cut++;
            expect(wireLength(p.linkType, r.data, 0, 64), `${name} frame ${i + 1} cut to 64`).toBe(r.data.length);
          }
        }
      }
    }
    expect(cut).toBeGreaterThan(10);
  });

  it('never reads outside the frame and falls back to capLen', () => {
    const buf = new Uint8Array(64).fill(0xff);
    for (const lt of [0, 1, 101, 113, 228, 276, 9999]) {
      for (let len = 0; len <= 64; len++) expect(wireLength(lt, buf, 0, len)).toBeGreaterThanOrEqual(len);
    }
    expect(wireLength(1, new Uint8Array(10), 0, 10)).toBe(10);
  });
});
