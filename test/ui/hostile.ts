/**
 * A small HTTP conversation whose request URI, headers and response carry
 * terminal escape sequences (CSI colour, OSC window title with BEL, bracketed
 * paste) and blessed tags ({bold}, {red-fg}, {/}) — the text must be shown,
 * never obeyed. Built with the project's pcap writer.
 */
import { buildPcap, ethIpv4Tcp, type PcapRecord } from '../../src/capture/pcap-writer.js';

export const EVIL_URI = '/{bold}BOLD{/bold}\x1b[31mRED\x1b]0;pwned\x07{red-fg}x{/}';
export const EVIL_HOST = '{underline}evil.example\x1b[5m';
export const EVIL_SERVER = '{blink}srv\x1b[2J';

export function hostileHttpPcap(): Buffer {
  const c = { src: '10.9.8.7', dst: '10.9.8.1', sport: 45678, dport: 80 };
  const s = { src: c.dst, dst: c.src, sport: c.dport, dport: c.sport };
  const req = `GET ${EVIL_URI} HTTP/1.1\r\nHost: ${EVIL_HOST}\r\nUser-Agent: {bold}agent\r\n\r\n`;
  const body = 'hello {bold}world\x1b[0m\n';
  const resp = `HTTP/1.1 200 OK\r\nServer: ${EVIL_SERVER}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const cIsn = 1000;
  const sIsn = 5000;
  const reqEnd = cIsn + 1 + req.length;
  const respEnd = sIsn + 1 + resp.length;
  const frames: Uint8Array[] = [
    ethIpv4Tcp({ ...c, flags: 'S', seq: cIsn, window: 64240 }),
    ethIpv4Tcp({ ...s, flags: 'SA', seq: sIsn, ack: cIsn + 1, window: 65160 }),
    ethIpv4Tcp({ ...c, flags: 'A', seq: cIsn + 1, ack: sIsn + 1 }),
    ethIpv4Tcp({ ...c, flags: 'PA', seq: cIsn + 1, ack: sIsn + 1, payload: req }),
    ethIpv4Tcp({ ...s, flags: 'A', seq: sIsn + 1, ack: reqEnd }),
    ethIpv4Tcp({ ...s, flags: 'PA', seq: sIsn + 1, ack: reqEnd, payload: resp }),
    ethIpv4Tcp({ ...c, flags: 'A', seq: reqEnd, ack: respEnd }),
    ethIpv4Tcp({ ...c, flags: 'FA', seq: reqEnd, ack: respEnd }),
    ethIpv4Tcp({ ...s, flags: 'FA', seq: respEnd, ack: reqEnd + 1 }),
    ethIpv4Tcp({ ...c, flags: 'A', seq: reqEnd + 1, ack: respEnd + 1 }),
  ];
  const records: PcapRecord[] = frames.map((data, i) => ({ tsSec: 1_700_000_000, tsNsec: i * 1_000_000, data }));
  return buildPcap(records);
}
