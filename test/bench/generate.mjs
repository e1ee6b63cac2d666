// Builds the benchmark captures with the project's own pcap writer when the
// recording tools (nginx, ab, tcpdump) are not available. The traffic has the
// shape of test/bench/record.sh's: short HTTP/1.0 connections of 10 packets
// with a ~3 kB page, and keep-alive connections carrying many requests.
// Usage: node test/bench/generate.mjs CACHE_DIR
import { join } from 'node:path';

const out = process.argv[2];
const dist = new URL('../../dist/', import.meta.url);
const { PcapWriter, ethIpv4Tcp } = await import(new URL('capture/pcap-writer.js', dist).href);

const page = 'a'.repeat(3000);
const respHead = (n) => `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: ${n}\r\nConnection: close\r\n\r\n`;
const keepHead = (n) => `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: ${n}\r\nConnection: keep-alive\r\n\r\n`;

function writer(name) {
  return PcapWriter.open(join(out, name), { overwrite: true, flushIntervalMs: 0 });
}

let t = 1_700_000_000 * 1e6; // µs
const rec = (w, frame) => { t += 7; w.write({ tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000, data: frame }); };

{
  const w = writer('short.pcap');
  for (let i = 0; i < 50_000; i++) {
    const c = { src: '127.0.0.1', dst: '127.0.0.1', sport: 20000 + (i % 40000), dport: 18090 };
    const s = { src: '127.0.0.1', dst: '127.0.0.1', sport: 18090, dport: c.sport };
    const x = (i * 7919) >>> 0, y = (i * 104729 + 17) >>> 0;
    const req = `GET /page.html HTTP/1.0\r\nHost: 127.0.0.1:18090\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n`;
    const resp = respHead(page.length) + page;
    rec(w, ethIpv4Tcp({ ...c, seq: x, ack: 0, flags: 'S' }));
    rec(w, ethIpv4Tcp({ ...s, seq: y, ack: x + 1, flags: 'SA' }));
    rec(w, ethIpv4Tcp({ ...c, seq: x + 1, ack: y + 1, flags: 'A' }));
    rec(w, ethIpv4Tcp({ ...c, seq: x + 1, ack: y + 1, flags: 'PA', payload: req }));
    rec(w, ethIpv4Tcp({ ...s, seq: y + 1, ack: x + 1 + req.length, flags: 'A' }));
    rec(w, ethIpv4Tcp({ ...s, seq: y + 1, ack: x + 1 + req.length, flags: 'PA', payload: resp }));
    rec(w, ethIpv4Tcp({ ...s, seq: y + 1 + resp.length, ack: x + 1 + req.length, flags: 'FA' }));
    rec(w, ethIpv4Tcp({ ...c, seq: x + 1 + req.length, ack: y + 1 + resp.length, flags: 'A' }));
    rec(w, ethIpv4Tcp({ ...c, seq: x + 1 + req.length, ack: y + 2 + resp.length, flags: 'FA' }));
    rec(w, ethIpv4Tcp({ ...s, seq: y + 2 + resp.length, ack: x + 2 + req.length, flags: 'A' }));
  }
  w.close();
}
{
  const w = writer('keepalive.pcap');
  const conns = 4, perConn = 25_000;
  for (let k = 0; k < conns; k++) {
    const c = { src: '127.0.0.1', dst: '127.0.0.1', sport: 30000 + k, dport: 18090 };
    const s = { src: '127.0.0.1', dst: '127.0.0.1', sport: 18090, dport: c.sport };
    let x = 1000 * k, y = 5000 * k + 99;
    rec(w, ethIpv4Tcp({ ...c, seq: x, flags: 'S' }));
    rec(w, ethIpv4Tcp({ ...s, seq: y, ack: x + 1, flags: 'SA' }));
    x++; y++;
    rec(w, ethIpv4Tcp({ ...c, seq: x, ack: y, flags: 'A' }));
    for (let i = 0; i < perConn; i++) {
      const req = `GET /small.txt HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: 127.0.0.1:18090\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n`;
      const resp = keepHead(3) + 'ok\n';
      rec(w, ethIpv4Tcp({ ...c, seq: x, ack: y, flags: 'PA', payload: req }));
      x = (x + req.length) >>> 0;
      rec(w, ethIpv4Tcp({ ...s, seq: y, ack: x, flags: 'PA', payload: resp }));
      y = (y + resp.length) >>> 0;
    }
    rec(w, ethIpv4Tcp({ ...c, seq: x, ack: y, flags: 'FA' }));
    rec(w, ethIpv4Tcp({ ...s, seq: y, ack: x + 1, flags: 'FA' }));
    rec(w, ethIpv4Tcp({ ...c, seq: x + 1, ack: y + 1, flags: 'A' }));
  }
  w.close();
}
