/**
 * A large capture for the dashboard's scale tests: `conns` short HTTP
 * connections of 10 packets each (handshake, request, response, FIN both
 * ways), all with distinct client addresses, written with the project's
 * pcap writer.
 */
import { writeFileSync } from 'node:fs';
import { buildPcap, ethIpv4Tcp, type PcapRecord } from '../../src/capture/pcap-writer.js';

export function writeBigPcap(path: string, conns: number): void {
  const records: PcapRecord[] = [];
  let t = 1_700_000_000 * 1e6;
  const rec = (frame: Uint8Array): void => {
    t += 10;
    records.push({ tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000, data: frame });
  };
  const req = 'GET /x HTTP/1.1\r\nHost: example\r\n\r\n';
  const resp = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  for (let i = 0; i < conns; i++) {
    const c = { src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '192.0.2.80', sport: 1024 + (i % 60000), dport: 80 };
    const s = { src: c.dst, dst: c.src, sport: 80, dport: c.sport };
    const x = (i * 7919) >>> 0;
    const y = (i * 104729 + 17) >>> 0;
    const q = req.length;
    const r = resp.length;
    rec(ethIpv4Tcp({ ...c, seq: x, flags: 'S' }));
    rec(ethIpv4Tcp({ ...s, seq: y, ack: x + 1, flags: 'SA' }));
    rec(ethIpv4Tcp({ ...c, seq: x + 1, ack: y + 1, flags: 'A' }));
    rec(ethIpv4Tcp({ ...c, seq: x + 1, ack: y + 1, flags: 'PA', payload: req }));
    rec(ethIpv4Tcp({ ...s, seq: y + 1, ack: x + 1 + q, flags: 'PA', payload: resp }));
    rec(ethIpv4Tcp({ ...c, seq: x + 1 + q, ack: y + 1 + r, flags: 'A' }));
    rec(ethIpv4Tcp({ ...c, seq: x + 1 + q, ack: y + 1 + r, flags: 'FA' }));
    rec(ethIpv4Tcp({ ...s, seq: y + 1 + r, ack: x + 2 + q, flags: 'A' }));
    rec(ethIpv4Tcp({ ...s, seq: y + 1 + r, ack: x + 2 + q, flags: 'FA' }));
    rec(ethIpv4Tcp({ ...c, seq: x + 2 + q, ack: y + 2 + r, flags: 'A' }));
  }
  writeFileSync(path, buildPcap(records));
}
