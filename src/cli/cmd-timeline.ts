/**
 * `synack timeline FILE [--conn N] [--host H] [--port P] [--json] [-v]`:
 * the ladder diagram of TCP connections, drawn like the classic handshake
 * figures — client column on the left, server column on the right, one
 * arrow per segment with its flags and relative seq/ack, both endpoints'
 * RFC 9293 states after it, the textbook note (handshake 1/3…, teardown
 * steps, RST), Wireshark's analysis flags and application events.
 *
 * Without a selector every connection is drawn. --json prints NDJSON, one
 * timeline entry per line with its connection id.
 */
import { analyzeFile, type Analysis } from '../analysis.js';
import { BPF_OPTION } from '../capture/bpf.js';
import { safeAgain, safeText } from '../bytes/safe-text.js';
import type { ConnSummary, TimelineEntry } from '../flow/model.js';
import { type ConnFilterOptions, endpoint, fmtRtt, fmtSeconds, handshakeMark, matches, parseFilterValues, teardownMark } from './cmd-conns.js';
import { type Command, type Io, parseCommandArgs, UsageError } from './io.js';

const usage = `usage: synack timeline FILE [options]

The ladder diagram of a TCP connection: client on the left, server on the
right, an arrow per segment (flags as tcpdump writes them: S SYN, . ACK,
P PSH, F FIN, R RST), seq/ack relative to each side's initial sequence
number (as tshark shows them), payload length, window, each endpoint's
RFC 9293 state after the segment, and what the segment does (handshake
1/3, 2/3, 3/3 with the numbers checked; FIN, its ACK, the other FIN, the
last ACK; RST; data after a FIN), Wireshark's analysis flags and HTTP/TLS
events.

  --conn N        connection N (ids as in synack conns / tshark's tcp.stream)
  --host ADDR     connections with this address on either side
  --port N        connections with this port on either side
  -f, --bpf EXPR  analyse only frames matching a BPF filter, tcpdump syntax
                  ('tcp port 80'; needs the native addon)
  -v, --verbose   TCP options on every segment (default: on SYNs only)
  --json          NDJSON: one timeline entry per line, with "conn"

Without --conn, --host or --port, every connection is drawn.`;

/** Width of the arrow between the two state columns. */
const ARROW = 48;
const STATE_W = 12;

function arrowText(e: TimelineEntry): string {
  const parts = [e.flags, `seq=${e.relSeq}`];
  if (e.flagBits & 0x10) parts.push(`ack=${e.relAck}`);
  parts.push(`len=${e.len}`, `win=${e.window}`);
  return parts.join(' ');
}

/** "──S seq=0 win=…──▶" for client→server, "◀──S. seq=0 ack=1 …──" for server→client. */
export function arrow(e: TimelineEntry): string {
  let label = ` ${arrowText(e)} `;
  if (label.length > ARROW - 4) label = label.slice(0, ARROW - 5) + '… ';
  const rest = ARROW - 3 - label.length;
  return e.dir === 0
    ? `──${label}${'─'.repeat(rest)}▶`
    : `◀${'─'.repeat(rest)}${label}──`;
}

function header(c: ConnSummary): string[] {
  const app = c.app ? `  ${safeAgain(c.app)}` : '';
  const inferred = c.rolesInferred ? '  (roles inferred: no SYN seen)' : '';
  return [
    `connection ${c.id}: ${endpoint(c.client.ip, c.client.port)} → ${endpoint(c.server.ip, c.server.port)}${app}${inferred}`,
    `  ${c.connState} ${c.history || '-'}  handshake ${handshakeMark(c)}  end ${teardownMark(c)}  rtt ${fmtRtt(c)}  ` +
      `packets ${c.packets[0]}/${c.packets[1]}  bytes ${c.bytes[0]}/${c.bytes[1]}  duration ${fmtSeconds(c.duration)}` +
      (c.retransmissions > 0 ? `  retransmissions ${c.retransmissions}` : ''),
    '',
  ];
}

/** Width of the frame column (the largest frame number of the connection). */
function frameWidth(c: ConnSummary): number {
  return Math.max(5, String(c.lastFrame).length);
}

/** Width of the frame and time columns with their gaps. */
function leftWidth(c: ConnSummary): number {
  return frameWidth(c) + 2 + 10 + 2;
}

/** The connection's header and the column heads of its ladder. */
function ladderHead(c: ConnSummary): string[] {
  const out = header(c);
  const left = `${'frame'.padStart(frameWidth(c))}  ${'time'.padEnd(10)}  `;
  const clientHead = `client ${endpoint(c.client.ip, c.client.port)}`;
  const serverHead = `server ${endpoint(c.server.ip, c.server.port)}`;
  out.push(`${left}${clientHead.padEnd(STATE_W + 1 + ARROW + 1)}${serverHead}`);
  return out;
}

/** Ladder rows of some of the connection's entries (each row stands alone, so long timelines go page by page). */
function ladderRows(c: ConnSummary, entries: TimelineEntry[], verbose: boolean, out: string[]): void {
  const frameW = frameWidth(c);
  const indent = ' '.repeat(leftWidth(c) + STATE_W + 1);
  for (const e of entries) {
    const notes: string[] = [];
    if (e.note) notes.push(e.note);
    if (e.analysis.length > 0) notes.push(`[${e.analysis.join('] [')}]`);
    out.push((
      `${String(e.frameNumber).padStart(frameW)}  ${e.relTime.toFixed(6).padStart(10)}  ` +
      `${e.clientState.padEnd(STATE_W)} ${arrow(e)} ${e.serverState.padEnd(STATE_W)}` +
      (notes.length > 0 ? `  ${notes.join(' ')}` : '')
    ).trimEnd());
    if (e.options && (verbose || (e.flagBits & 0x02) !== 0)) out.push(`${indent}   options: ${e.options}`);
    for (const ev of e.app) out.push(`${indent}   ${e.dir === 0 ? '→' : '←'} ${ev}`);
    for (const an of e.anomalies) out.push(`${indent}   ! ${an}`);
  }
}

/** Timeline rows built at a time: a connection of a million segments is printed without holding a million rows. */
const PAGE = 4096;

function selected(a: Analysis, conn: number | null, f: ConnFilterOptions): number[] {
  if (conn !== null) {
    if (conn >= a.connCount()) {
      throw new UsageError(`synack timeline: no connection ${conn} (the capture has ${a.connCount()}: 0…${Math.max(0, a.connCount() - 1)})`);
    }
    return [conn];
  }
  const ids: number[] = [];
  for (let id = 0; id < a.connCount(); id++) {
    const c = a.conn(id);
    if (c !== undefined && matches(c, f)) ids.push(id);
  }
  return ids;
}

export const command: Command = {
  name: 'timeline',
  summary: 'ladder diagram of a TCP connection: arrows, seq/ack, both sides\' states, handshake and teardown steps',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseCommandArgs('timeline', {
      args, allowPositionals: true, strict: true,
      options: {
        conn: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
        json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' },
        ...BPF_OPTION,
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('synack timeline: expected one capture FILE (see synack timeline --help)');
    let conn: number | null = null;
    if (values.conn !== undefined) {
      if (!/^\d+$/.test(values.conn)) throw new UsageError(`synack timeline: --conn expects a connection number, got '${safeText(values.conn)}'`);
      conn = Number(values.conn);
    }
    const filter = parseFilterValues('timeline', values.host, values.port);
    const file = positionals[0]!;
    const a = await analyzeFile(file, { bpf: values.bpf });
    const ids = selected(a, conn, filter);
    const lines: string[] = [];
    const flush = (): void => { if (lines.length > 0) { io.out(lines.join('\n')); lines.length = 0; } };
    for (const id of ids) {
      const c = a.conn(id);
      if (c === undefined) continue;
      const n = a.timelineLength(id);
      if (values.json !== true) lines.push(...ladderHead(c));
      for (let from = 0; from < n; from += PAGE) {
        const entries = a.timeline(id, from, from + PAGE);
        if (values.json === true) {
          for (const e of entries) {
            lines.push(JSON.stringify({ conn: id, ...e }));
            if (lines.length >= 1000) flush();
          }
        } else {
          ladderRows(c, entries, values.verbose === true, lines);
          if (lines.length >= 1000) flush();
        }
      }
      if (values.json !== true) {
        if (n === 0) lines.push(`${' '.repeat(leftWidth(c))}(no segments kept)`);
        lines.push('');
      }
    }
    flush();
    if (ids.length === 0 && values.json !== true) io.err('synack timeline: no connection matches');
    for (const p of a.problems) {
      const where = p.fileOffset >= 0 ? ` (file offset ${p.fileOffset})` : '';
      io.err(`synack: ${safeText(file)}: ${safeText(p.message)}${where}`);
    }
    return 0;
  },
};
