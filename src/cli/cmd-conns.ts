/**
 * `synack conns FILE [--json] [--udp] [--host H] [--port P]`: the connection
 * table — id (as tshark's tcp.stream), client → server, handshake and
 * teardown marks, Zeek conn_state and history, handshake RTT, packets and
 * bytes per direction, duration, application — or NDJSON with --json.
 *
 * Thin (STYLE principle 14): analyzeFile does the work; this file formats.
 * Every packet-derived string (addresses are numbers, but labels carry SNI
 * and the like) goes through safeText in text output.
 */
import { analyzeFile, type Analysis } from '../analysis.js';
import { BPF_OPTION } from '../capture/bpf.js';
import { safeAgain, safeText } from '../bytes/safe-text.js';
import type { ConnSummary } from '../flow/model.js';
import { type Command, type Io, parseCommandArgs, UsageError } from './io.js';

const usage = `usage: synack conns FILE [options]

One line per TCP connection, numbered as tshark's tcp.stream:

  ID       connection id (* = roles inferred: the capture started mid-connection)
  CLIENT → SERVER  who sent the SYN → who answered
  HS       handshake: 3way (SYN, SYN-ACK, ACK), syn (no answer; syn×N with
           retransmissions), refused (RST to the SYN), partial, mid (not seen)
  END      teardown: fin (FIN both ways), fin>c / fin>s (only the client's /
           the server's FIN), rst>c / rst>s (RST by client / server), open
           (still open at the end of the capture), - (never established)
  STATE    Zeek conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH
  HISTORY  Zeek history: s h a d f r t w g c, upper case = client (originator)
  RTT      handshake round trip: SYN → SYN-ACK → ACK
  PKTS, BYTES  client→server/server→client; bytes are frame bytes, as tshark's conv,tcp
  DUR      first to last packet, seconds
  APP      application protocol (HTTP, TLS with SNI, HTTP2, WebSocket, …)

  --json          NDJSON: one object per connection (all summary fields)
  --udp           also list UDP flows (after the TCP connections)
  --host ADDR     only connections with this address on either side
  --port N        only connections with this port on either side
  -f, --bpf EXPR  analyse only frames matching a BPF filter, tcpdump syntax
                  ('tcp port 80'; needs the native addon)

Problems reading the file are reported on stderr.`;

export interface ConnFilterOptions { host: string | null; port: number | null }

export function parseFilterValues(cmd: string, host: string | undefined, port: string | undefined): ConnFilterOptions {
  let p: number | null = null;
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65535) throw new UsageError(`synack ${cmd}: --port expects a port number, got '${safeText(port)}'`);
    p = Number(port);
  }
  if (host === '') throw new UsageError(`synack ${cmd}: --host expects an address`);
  return { host: host ?? null, port: p };
}

export function matches(c: ConnSummary, f: ConnFilterOptions): boolean {
  if (f.host !== null) {
    const h = f.host.toLowerCase();
    if (c.client.ip.toLowerCase() !== h && c.server.ip.toLowerCase() !== h) return false;
  }
  if (f.port !== null && c.client.port !== f.port && c.server.port !== f.port) return false;
  return true;
}

/** "10.0.0.1:80", "[2001:db8::1]:443". */
export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function handshakeMark(c: ConnSummary): string {
  switch (c.handshake) {
    case 'complete': return '3way';
    case 'syn-only': return c.synRetransmissions > 0 ? `syn×${c.synRetransmissions + 1}` : 'syn';
    case 'refused': return 'refused';
    case 'partial': return 'partial';
    default: return 'mid';
  }
}

export function teardownMark(c: ConnSummary): string {
  switch (c.teardown) {
    case 'fin-both': return 'fin';
    case 'fin-client': return 'fin>c';
    case 'fin-server': return 'fin>s';
    case 'rst-client': return 'rst>c';
    case 'rst-server': return 'rst>s';
    default: return c.openAtEnd ? 'open' : '-';
  }
}

export function fmtRtt(c: ConnSummary): string {
  if (c.rttSynToSynAck === null) return '-';
  const s = c.rttSynToSynAck + (c.rttSynAckToAck ?? 0);
  return fmtSeconds(s);
}

/** A duration in s/ms/µs with three significant digits or so. */
export function fmtSeconds(s: number): string {
  const a = Math.abs(s);
  if (a === 0) return '0';
  // Decide the unit on the rounded value, so 0.000999999… prints as 1.0ms, not 1000µs.
  if (Math.round(a * 1e6) < 1000) return `${(s * 1e6).toFixed(0)}µs`;
  if (a >= 100) return `${s.toFixed(0)}s`;
  if (a >= 0.9995) return `${s.toFixed(2)}s`;
  if (a >= 0.09995) return `${(s * 1000).toFixed(0)}ms`;
  return `${(s * 1000).toFixed(1)}ms`;
}

/** Byte counts: exact below 10,000, then k/M/G with one decimal. */
export function fmtBytes(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 10_000_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 10_000_000_000) return `${(n / 1e6).toFixed(1)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

interface Row { cells: string[] }

const HEAD = ['ID', 'CLIENT', '', 'SERVER', 'HS', 'END', 'STATE', 'HISTORY', 'RTT', 'PKTS', 'BYTES', 'DUR', 'APP'];
const RIGHT = new Set([0, 8, 9, 10, 11]);

function row(c: ConnSummary, udp: boolean): Row {
  return {
    cells: [
      `${udp ? 'u' : ''}${c.id}${c.rolesInferred ? '*' : ''}`,
      endpoint(c.client.ip, c.client.port),
      '→',
      endpoint(c.server.ip, c.server.port),
      udp ? 'udp' : handshakeMark(c),
      udp ? '-' : teardownMark(c),
      c.connState,
      c.history || '-',
      udp ? '-' : fmtRtt(c),
      `${c.packets[0]}/${c.packets[1]}`,
      `${fmtBytes(c.bytes[0])}/${fmtBytes(c.bytes[1])}`,
      fmtSeconds(c.duration),
      safeAgain(c.app) || '-',
    ],
  };
}

/** Formats rows as aligned text columns (widths from the rows themselves). */
export function table(rows: Row[]): string[] {
  const widths = HEAD.map((h) => h.length);
  for (const r of rows) r.cells.forEach((c, i) => { if (c.length > widths[i]!) widths[i] = c.length; });
  const line = (cells: string[]): string => cells.map((c, i) => {
    if (i === cells.length - 1) return c;
    return RIGHT.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
  }).join(' ').trimEnd();
  return [line(HEAD), ...rows.map((r) => line(r.cells))];
}

export function connsText(a: Analysis, f: ConnFilterOptions, udp: boolean): string[] {
  const rows: Row[] = [];
  let inferred = false;
  for (let id = 0; id < a.connCount(); id++) {
    const c = a.conn(id);
    if (c === undefined || !matches(c, f)) continue;
    if (c.rolesInferred) inferred = true;
    rows.push(row(c, false));
  }
  if (udp) {
    for (let id = 0; id < a.udpCount(); id++) {
      const c = a.udpFlow(id);
      if (c !== undefined && matches(c, f)) rows.push(row(c, true));
    }
  }
  const out = table(rows);
  const tcp = a.connCount();
  out.push('');
  out.push(`${tcp} TCP connection${tcp === 1 ? '' : 's'}` + (udp ? `, ${a.udpCount()} UDP flow${a.udpCount() === 1 ? '' : 's'} (ids u0…)` : '') +
    (a.stats.evicted > 0 ? `; ${a.stats.evicted} evicted from the full connection table` : ''));
  if (inferred) out.push('* roles inferred: no SYN seen; the server is the side on a port below 1024, else the smaller port');
  return out;
}

export const command: Command = {
  name: 'conns',
  summary: 'TCP connections: handshake, teardown, conn_state, history, RTT, packets, bytes (--json)',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseCommandArgs('conns', {
      args, allowPositionals: true, strict: true,
      options: { json: { type: 'boolean' }, udp: { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' }, ...BPF_OPTION },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('synack conns: expected one capture FILE (see synack conns --help)');
    const file = positionals[0]!;
    const filter = parseFilterValues('conns', values.host, values.port);
    const a = await analyzeFile(file, { timelines: false, bpf: values.bpf });
    if (values.json === true) {
      const lines: string[] = [];
      const flush = (): void => { if (lines.length > 0) { io.out(lines.join('\n')); lines.length = 0; } };
      for (let id = 0; id < a.connCount(); id++) {
        const c = a.conn(id);
        if (c === undefined || !matches(c, filter)) continue;
        lines.push(JSON.stringify(c));
        if (lines.length >= 1000) flush();
      }
      if (values.udp === true) {
        for (let id = 0; id < a.udpCount(); id++) {
          const c = a.udpFlow(id);
          if (c === undefined || !matches(c, filter)) continue;
          lines.push(JSON.stringify(c));
          if (lines.length >= 1000) flush();
        }
      }
      flush();
    } else {
      const out = connsText(a, filter, values.udp === true);
      for (let i = 0; i < out.length; i += 1000) io.out(out.slice(i, i + 1000).join('\n'));
    }
    for (const p of a.problems) {
      const where = p.fileOffset >= 0 ? ` (file offset ${p.fileOffset})` : '';
      io.err(`synack: ${safeText(file)}: ${safeText(p.message)}${where}`);
    }
    return 0;
  },
};
