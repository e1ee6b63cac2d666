/**
 * `synack live`: capture on an interface and run the same analysis as for
 * files. On a terminal it opens the dashboard; with --no-ui, --json or
 * without a terminal it prints each connection when it completes (one line,
 * or one NDJSON object) and a summary at the end. Ctrl-C / SIGTERM end the
 * capture cleanly: the -w file is flushed completely, the summary printed,
 * and the exit code is 0.
 */
import { parseArgs } from 'node:util';
import { closeSync } from 'node:fs';
import { Analysis, type AnalysisOptions } from '../analysis.js';
import { createAppLayer } from '../analyzers/index.js';
import type { HttpTransaction } from '../analyzers/types.js';
import { safeJson, safeText } from '../bytes/safe-text.js';
import { type FrameWriter, type LiveBackend, type LiveSource, type OutputFile, openLive, openOutputFile, recordTo } from '../capture/live.js';
import { type PcapRecord, PcapWriter } from '../capture/pcap-writer.js';
import type { FrameSource } from '../capture/source.js';
import type { ConnSummary } from '../flow/model.js';
import { type Command, type Io, UsageError } from './io.js';

const usage = `usage: synack live [-i IFACE] [-f BPF] [-s SNAPLEN] [-B BUFFER_MB] [--no-promisc]
                   [-w FILE [--force]] [-c COUNT] [--duration SECONDS] [--no-ui] [--json]

Captures on a network interface and analyses the traffic as it arrives:
the dashboard on a terminal; with --no-ui, --json or when standard output
is not a terminal, one line per connection as it completes (NDJSON with
--json) and a summary at the end. Ctrl-C or SIGTERM stops cleanly.

options:
  -i, --interface IFACE   interface (default: the first one up and not loopback;
                          'any' captures on all, Linux cooked link type); see synack ifaces
  -f, --filter BPF        capture filter, libpcap syntax as in tcpdump ('tcp port 80');
                          also --bpf BPF, or trailing words as with tcpdump
  -s, --snaplen N         bytes kept per frame (0 = all; at most 65535 with cap)
  -B, --buffer-size MB    kernel capture buffer in MiB (default 16)
      --no-promisc        do not put the interface in promiscuous mode
  -w, --write FILE        also save the frames to FILE (pcap; tcpdump/tshark read it);
                          an existing FILE is refused, a symbolic link never followed
      --force             replace an existing FILE (atomically: renamed over it)
  -c, --count N           stop after N frames
      --duration SECONDS  stop after SECONDS
      --no-ui             print instead of opening the dashboard
      --backend B         native (synack's addon: kernel timestamps, libpcap's drop
                          counters) or cap (arrival timestamps); default native when built
      --json              NDJSON: {"type":"conn"…}, {"type":"http"…} per completed
                          connection, {"type":"summary"…} at the end

Capturing needs root or the capture capabilities:
  sudo setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(which node)")"`;

// ---------------------------------------------------------------------------
// the analysis

/**
 * Analysis options for printing a long-running capture: no per-packet
 * timelines (memory then grows with live connections only, not with
 * packets), closed connections leave after 30 s, idle ones after 5 min
 * (Zeek's tcp_inactivity_timeout), and at most 200,000 connection summaries
 * are kept (the oldest leave; ids stay stable). Counters stay exact.
 */
export const LIVE_PRINT_OPTIONS: AnalysisOptions = {
  timelines: false, closedTimeout: 30, idleTimeout: 300, udpIdleTimeout: 120, maxSummaries: 200_000,
};
/**
 * The dashboard shows timelines; the same retention limits apply, and at most
 * one million timeline rows (about 70 MB) are kept over all connections:
 * beyond, each connection keeps its newest rows.
 */
export const LIVE_DASHBOARD_OPTIONS: AnalysisOptions = { ...LIVE_PRINT_OPTIONS, timelines: true, maxTimelineRecords: 1_000_000 };

// ---------------------------------------------------------------------------
// arguments

interface LiveArgs {
  iface: string | undefined;
  filter: string | undefined;
  snapLen: number | undefined;
  bufferMb: number | undefined;
  promisc: boolean;
  write: string | undefined;
  force: boolean;
  count: number | undefined;
  durationSec: number | undefined;
  noUi: boolean;
  json: boolean;
  backend: LiveBackend | undefined;
}

function intArg(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`synack: live: ${name} must be an integer from ${min} to ${max} (got '${safeText(v)}')`);
  }
  return Number(v);
}

export function parseLiveArgs(args: string[]): LiveArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        interface: { type: 'string', short: 'i' },
        filter: { type: 'string', short: 'f' },
        bpf: { type: 'string' },
        snaplen: { type: 'string', short: 's' },
        'buffer-size': { type: 'string', short: 'B' },
        'no-promisc': { type: 'boolean' },
        write: { type: 'string', short: 'w' },
        force: { type: 'boolean' },
        count: { type: 'string', short: 'c' },
        duration: { type: 'string' },
        'no-ui': { type: 'boolean' },
        json: { type: 'boolean' },
        backend: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`synack: live: ${(e as Error).message}`);
  }
  const { values: v, positionals } = parsed;
  if (v.bpf !== undefined) {
    // --bpf, as the file commands spell it.
    if (v.filter !== undefined) throw new UsageError('synack: live: give the filter once (-f/--filter or --bpf)');
    v.filter = v.bpf;
  }
  if (positionals.length > 0) {
    // tcpdump takes the filter as trailing words; so do we.
    if (v.filter !== undefined) throw new UsageError('synack: live: give the filter either with -f or as trailing words, not both');
  }
  let durationSec: number | undefined;
  if (v.duration !== undefined) {
    durationSec = Number(v.duration);
    if (!Number.isFinite(durationSec) || durationSec <= 0 || durationSec > 365 * 86400) {
      throw new UsageError(`synack: live: --duration must be a positive number of seconds (got '${safeText(v.duration)}')`);
    }
  }
  if (v.force && v.write === undefined) throw new UsageError('synack: live: --force only applies to -w FILE');
  if (v.backend !== undefined && v.backend !== 'native' && v.backend !== 'cap') {
    throw new UsageError(`synack: live: --backend must be native or cap (got '${safeText(v.backend)}')`);
  }
  if (v.write === '') throw new UsageError('synack: live: -w needs a file name');
  return {
    iface: v.interface,
    filter: positionals.length > 0 ? positionals.join(' ') : v.filter,
    snapLen: intArg('-s/--snaplen', v.snaplen, 0, 262144),
    bufferMb: intArg('-B/--buffer-size', v['buffer-size'], 1, 2047),
    promisc: !v['no-promisc'],
    write: v.write,
    force: Boolean(v.force),
    count: intArg('-c/--count', v.count, 1, Number.MAX_SAFE_INTEGER),
    durationSec,
    noUi: Boolean(v['no-ui']),
    json: Boolean(v.json),
    backend: v.backend as LiveBackend | undefined,
  };
}

// ---------------------------------------------------------------------------
// printing

const LINK_NAMES: Record<number, string> = { 0: 'NULL (BSD loopback)', 1: 'EN10MB (Ethernet)', 101: 'RAW (raw IP)', 113: 'LINUX_SLL (Linux cooked v1)', 127: 'IEEE802_11_RADIO', 276: 'LINUX_SLL2 (Linux cooked v2)' };

function endpoint(e: { ip: string; port: number }): string {
  const ip = safeText(e.ip);
  return ip.includes(':') ? `[${ip}]:${e.port}` : `${ip}:${e.port}`;
}

function ms(sec: number | null): string {
  return sec === null ? '-' : `${(sec * 1000).toFixed(3)}ms`;
}

/** One line for a connection: the facts a tcpdump/Zeek user looks for first. */
export function connLine(c: ConnSummary): string {
  const rtt = c.rttSynToSynAck === null ? '' : ` rtt ${ms(c.rttSynToSynAck)}`;
  const closer = c.activeCloser ? ` by ${c.activeCloser}` : '';
  return (
    `${c.proto} #${c.id} ${endpoint(c.client)} > ${endpoint(c.server)} ${c.connState || '-'} ` +
    `handshake ${c.handshake}${rtt} teardown ${c.teardown}${closer} ` +
    `pkts ${c.packets[0]}/${c.packets[1]} bytes ${c.bytes[0]}/${c.bytes[1]} ` +
    `dur ${c.duration.toFixed(6)}s${c.app ? ` ${safeText(c.app)}` : ''}${c.openAtEnd ? ' (open at end)' : ''}`
  );
}

export function httpLine(h: HttpTransaction): string {
  const status = h.status === null ? 'no response' : `${h.status}${h.reason ? ' ' + safeText(h.reason) : ''}`;
  return `  http #${h.connId}.${h.index} ${safeText(h.method)} ${safeText(h.host)}${safeText(h.uri)} ${safeText(h.version)} -> ${status}`;
}

/** The object's JSON form (its toJSON() when it has one: transactions keep some fields behind getters). */
function plain(x: object): Record<string, unknown> {
  const j = (x as { toJSON?: () => unknown }).toJSON;
  return (typeof j === 'function' ? j.call(x) : x) as Record<string, unknown>;
}

/** Done: refused, reset, or closed from both sides with both ends past the final ACK. */
export function connComplete(c: ConnSummary): boolean {
  if (c.proto !== 'tcp') return false;
  if (c.handshake === 'refused' || c.teardown.startsWith('rst')) return true;
  if (c.teardown !== 'fin-both') return false;
  const done = (s: string): boolean => s === 'CLOSED' || s === 'TIME_WAIT';
  return done(c.clientState) && done(c.serverState);
}

// ---------------------------------------------------------------------------
// the command

const EMPTY = new Uint8Array(0);

function openWriter(path: string, force: boolean, src: LiveSource): { writer: FrameWriter & { readonly packets: number }; out: OutputFile } {
  const out = openOutputFile(path, force);
  let pw: PcapWriter;
  try {
    // Nanosecond pcap: the native backend's kernel timestamps are in ns (libpcap ≥ 1.5, tshark and tcpdump read it).
    pw = PcapWriter.toFd(out.fd, { linkType: src.linkType, snapLen: src.snapLen, flushIntervalMs: 1000, nanosecond: true });
    out.commit();
  } catch (e) {
    try {
      closeSync(out.fd);
    } catch {
      // already closed
    }
    out.abandon();
    throw e;
  }
  let closed = false;
  // One record object reused for every frame (the writer copies the bytes at once).
  const rec: PcapRecord = { tsSec: 0, tsNsec: 0, data: EMPTY, origLen: 0 };
  return {
    out,
    writer: {
      write: (f) => {
        rec.tsSec = f.tsSec;
        rec.tsNsec = f.tsNsec;
        rec.data = f.buf.subarray(f.offset, f.offset + f.capLen);
        rec.origLen = f.origLen;
        pw.write(rec);
      },
      flush: () => pw.flush(),
      close: () => {
        if (closed) return;
        closed = true;
        try {
          pw.close();
        } finally {
          closeSync(out.fd);
        }
      },
      get packets() {
        return pw.packets;
      },
    },
  };
}

export const command: Command = {
  name: 'live',
  summary: 'capture on an interface and analyse live (dashboard, or lines/NDJSON with --no-ui)',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const a = parseLiveArgs(args);
    const source = openLive({
      iface: a.iface,
      filter: a.filter,
      snapLen: a.snapLen,
      bufferMb: a.bufferMb,
      promisc: a.promisc,
      count: a.count,
      durationSec: a.durationSec,
      backend: a.backend,
    });
    let writer: (FrameWriter & { readonly packets: number }) | undefined;
    let frames: FrameSource & { readonly written?: number } = source;
    try {
      if (a.write !== undefined) {
        writer = openWriter(a.write, a.force, source).writer;
        frames = recordTo(source, writer);
      }
    } catch (e) {
      source.close();
      throw e;
    }
    const filterText = a.filter ? `, filter '${safeText(a.filter)}'` : '';
    io.err(
      `synack: capturing on ${safeText(source.iface)}, link-type ${LINK_NAMES[source.linkType] ?? source.linkType}, ` +
        `snapshot length ${source.snapLen} bytes, ${source.timestamps} timestamps (${source.backend})${filterText}${a.write ? `, writing ${safeText(a.write)}` : ''}; Ctrl-C to stop`,
    );
    for (const n of source.notes) io.err(`synack: note: ${n}`);

    // SIGINT / SIGTERM: stop capturing; the loop below then finishes normally.
    // A second signal falls through to node's default (immediate exit).
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      source.close();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const useUi = !a.noUi && !a.json && io.isTty && Boolean(process.stdin.isTTY);
      if (useUi) {
        const { runDashboard } = await import('../ui/dashboard.js');
        // The dashboard handles its own keys; Ctrl-C there quits through it.
        process.off('SIGINT', onSignal);
        const code = await runDashboard({
          title: `live ${source.iface}${a.filter ? ` '${a.filter}'` : ''}`,
          source: frames,
          live: true,
          analysisOptions: LIVE_DASHBOARD_OPTIONS as Record<string, unknown>,
        });
        source.close();
        writer?.close();
        return code;
      }
      return await printLive(frames, source, writer, a, io);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      source.close();
      writer?.close();
    }
  },
};

async function printLive(
  frames: FrameSource,
  source: LiveSource,
  writer: (FrameWriter & { readonly packets: number }) | undefined,
  a: LiveArgs,
  io: Io,
): Promise<number> {
  // Printing needs neither follow-stream copies nor per-frame events (there are no timelines).
  const analysis = new Analysis({ ...LIVE_PRINT_OPTIONS, appLayer: createAppLayer({ keepStreams: false, maxEvents: 10_000 }) });
  const printed = new Set<number>();
  /** TCP connections seen and not yet printed. */
  const pending = new Set<number>();
  let known = 0;
  let httpTotal = 0;
  /** HTTP transactions by connection, until that connection is printed. */
  const httpByConn = new Map<number, HttpTransaction[]>();
  let lastScan = 0;
  let complete = 0;

  const emit = (c: ConnSummary): void => {
    printed.add(c.id);
    const txs = httpByConn.get(c.id) ?? [];
    httpByConn.delete(c.id);
    if (a.json) {
      io.out(safeJson({ type: 'conn', ...c }));
      for (const h of txs) io.out(safeJson({ type: 'http', ...plain(h) }));
    } else {
      io.out(connLine(c));
      for (const h of txs) io.out(httpLine(h));
    }
  };

  // The application layer appends every transaction to app.http and never
  // reads it back; printing drains it (after taking the new ones here), so a
  // long capture holds only the transactions of connections not yet printed.
  const collectHttp = (): void => {
    const list = analysis.app?.http;
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      const h = list[i]!;
      httpTotal++;
      if (printed.has(h.connId)) continue; // late transaction of a printed connection: counted in the summary
      const l = httpByConn.get(h.connId);
      if (l) l.push(h);
      else httpByConn.set(h.connId, [h]);
    }
    list.length = 0;
  };

  const scan = (): void => {
    const n = analysis.connCount();
    for (; known < n; known++) pending.add(known);
    collectHttp();
    for (const id of pending) {
      const c = analysis.conn(id);
      if (c === undefined) {
        pending.delete(id);
        continue;
      }
      if (connComplete(c)) {
        pending.delete(id);
        complete++;
        emit(c);
      }
    }
  };

  for await (const batch of frames) {
    analysis.feed(batch);
    const now = performance.now();
    if (now - lastScan >= 100) {
      lastScan = now;
      scan();
    }
  }
  analysis.finish();
  scan();
  // What is still open at the end, in id order.
  for (const id of [...pending].sort((x, y) => x - y)) {
    const c = analysis.conn(id);
    if (c) emit(c);
  }
  const udp = analysis.udpFlows();
  for (const u of udp) {
    if (a.json) io.out(safeJson({ type: 'conn', ...u }));
    else io.out(connLine(u));
  }

  const elapsed = source.stats.elapsed();
  const packets = source.stats.delivered;
  const summary = {
    type: 'summary',
    interface: source.iface,
    backend: source.backend,
    timestamps: source.timestamps,
    linkType: source.linkType,
    snapLen: source.snapLen,
    filter: a.filter ?? '',
    endReason: source.endReason || 'closed',
    seconds: Number(elapsed.toFixed(3)),
    packets,
    bytes: source.stats.bytes,
    packetsPerSecond: elapsed > 0 ? Number((packets / elapsed).toFixed(1)) : 0,
    droppedPipeline: source.dropped.pipeline,
    droppedKernel: source.kernelDropsKnown ? source.dropped.kernel : null,
    tcpConnections: known,
    tcpComplete: complete,
    udpFlows: udp.length,
    httpTransactions: httpTotal,
    written: writer ? writer.packets : null,
    file: a.write ?? null,
    /** Peak resident memory of the process, MiB. */
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    evicted: analysis.stats.evicted,
  };
  if (a.json) {
    io.out(safeJson(summary));
  } else {
    const kernel = source.kernelDropsKnown ? `${source.dropped.kernel} dropped by the kernel` : 'kernel drops not reported by cap';
    io.out(
      `synack: ${packets} packets captured on ${safeText(source.iface)} in ${elapsed.toFixed(1)} s ` +
        `(${summary.packetsPerSecond} pkt/s), ${source.dropped.pipeline} dropped by synack, ${kernel}; ` +
        `${known} TCP connections (${complete} complete), ${udp.length} UDP flows, ${summary.httpTransactions} HTTP transactions` +
        (writer ? `; wrote ${writer.packets} packets to ${safeText(a.write!)}` : ''),
    );
  }
  return 0;
}
