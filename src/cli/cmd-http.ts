/**
 * `synack http FILE [--json] [--har OUT] [--conn N]`: one line per HTTP/1.x
 * exchange, in request order — connection and request index (keep-alive
 * made visible), method, status, sizes, server time, URL — or NDJSON with
 * --json; --har also writes an HTTP Archive 1.2 for browser developer tools.
 *
 * Thin (STYLE principle 14): the pipeline is analyzeFile's, the HAR mapping
 * har.ts's. Text goes through safeText; JSON and HAR through safeJson (JSON.stringify
 * with C1, DEL and bidi characters escaped too: inert in a terminal, exact after parsing).
 */
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppLayer } from '../analyzers/index.js';
import { absoluteUrl, buildHar } from '../analyzers/har.js';
import type { HttpTx } from '../analyzers/http/tx.js';
import { analyzeFile } from '../analysis.js';
import { BPF_OPTION } from '../capture/bpf.js';
import { safeJson, safeText } from '../bytes/safe-text.js';
import { type Command, type Io, parseCommandArgs, UsageError } from './io.js';

const usage = `usage: synack http FILE [options]

One line per HTTP/1.x request/response exchange, in request order:
connection id (as tshark's tcp.stream) and request index on it (#1, #2, …:
keep-alive made visible), method, status and reason, response body size
(decoded; the size on the wire follows when Content-Encoding applies),
server time (first response byte minus last request byte), URL, and flags:
pipelined, close / http1.0-close, upgrade, incomplete. HTTP is recognised
by content on any port.

  --json          NDJSON: one object per exchange (headers, sizes, frames,
                  times in seconds since the epoch)
  --har OUT       also write an HTTP Archive 1.2 to OUT (bodies up to 1 MiB
                  each are included); OUT must not exist unless --force
  --force         let --har replace an existing file (never follows a link)
  --conn N        only connection N
  -f, --bpf EXPR  analyse only frames matching a BPF filter, tcpdump syntax
                  ('tcp port 80'; needs the native addon)

Problems reading the file are reported on stderr; exit status 0 when the
file could be read.`;

interface HttpOptions { json: boolean; har: string | null; force: boolean; conn: number | null; bpf?: string | undefined }

function parse(args: string[]): { file: string; opts: HttpOptions } {
  const parsed = parseCommandArgs('http', {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      har: { type: 'string' },
      force: { type: 'boolean' },
      conn: { type: 'string' },
      ...BPF_OPTION,
    },
  });
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('synack http: expected one capture FILE (see synack http --help)');
  let conn: number | null = null;
  if (values.conn !== undefined) {
    if (!/^\d+$/.test(values.conn)) throw new UsageError(`synack http: --conn expects a connection number, got '${safeText(values.conn)}'`);
    conn = Number(values.conn);
  }
  if (values.har === '') throw new UsageError('synack http: --har expects a file name');
  return { file: positionals[0]!, opts: { json: values.json === true, har: values.har ?? null, force: values.force === true, conn, bpf: values.bpf } };
}

function version(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    return (JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0';
  }
}

function fmtMs(s: number | null): string {
  if (s === null) return '-';
  const ms = s * 1000;
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

function size(tx: HttpTx): string {
  if (tx.status === null && tx.responseStart === null) return '-';
  if (tx.contentEncoding === '') return `${tx.responseBodyEntity} B`;
  return tx.responseBodyDecoded >= 0
    ? `${tx.responseBodyDecoded} B (${tx.contentEncoding} ${tx.responseBodyEntity} B)`
    : `${tx.responseBodyEntity} B (${tx.contentEncoding})`;
}

/** One text line per exchange; every wire-derived string through safeText. */
export function httpLine(tx: HttpTx, url: string): string {
  const flags: string[] = [];
  if (tx.pipelined) flags.push('pipelined');
  if (tx.persistence !== '' && tx.persistence !== 'keep-alive') flags.push(tx.persistence);
  if (tx.upgrade !== '' && tx.status === 101) flags.push(`upgrade ${safeText(tx.upgrade)}`);
  if (tx.orphanResponse) flags.push('request not seen');
  else if (!tx.requestComplete) flags.push('request incomplete');
  if (tx.status === null && tx.responseStart === null) flags.push('no response');
  else if (!tx.responseComplete) flags.push('response incomplete');
  const status = tx.status === null ? (tx.responseStart !== null ? '0.9' : '-') : String(tx.status);
  const reason = tx.status === null ? '' : safeText(tx.reason);
  const method = tx.orphanResponse ? '?' : safeText(tx.method);
  return `${String(tx.connId).padStart(4)} #${String(tx.index).padEnd(3)} ${method.padEnd(7)} ${status.padStart(3)} ${reason.padEnd(14)} `
    + `${size(tx).padStart(18)} ${fmtMs(tx.serverTime).padStart(9)}  ${tx.orphanResponse ? '-' : safeText(url)}`
    + (flags.length > 0 ? `  [${flags.join(', ')}]` : '');
}

/** Creates OUT for writing: never through a symbolic link, never over an existing file unless forced. */
function openOutput(path: string, force: boolean): number {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (force ? constants.O_TRUNC : constants.O_EXCL), 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`synack http: ${safeText(path)} exists (use --force to replace it)`);
    if (code === 'ELOOP') throw new UsageError(`synack http: ${safeText(path)} is a symbolic link; not followed`);
    throw e;
  }
}

export const command: Command = {
  name: 'http',
  summary: 'HTTP/1.x exchanges, one per line (--json, --har OUT for an HTTP Archive)',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const { file, opts } = parse(args);
    // Open the HAR output first: a refusal should come before minutes of analysis.
    const harFd = opts.har !== null ? openOutput(opts.har, opts.force) : -1;
    try {
      const app = createAppLayer({ http: opts.har !== null ? { keepBodyBytes: 1024 * 1024 } : {}, keepStreams: false });
      const analysis = await analyzeFile(file, { appLayer: app, timelines: false, bpf: opts.bpf });
      const serverAddress = (id: number): string | undefined => analysis.conn(id)?.server.ip;
      const serverPort = (id: number): number | undefined => analysis.conn(id)?.server.port;
      const txs = (app.http as HttpTx[]).filter((t) => opts.conn === null || t.connId === opts.conn);
      const lines: string[] = [];
      const flush = (): void => { if (lines.length > 0) { io.out(lines.join('\n')); lines.length = 0; } };
      if (!opts.json && txs.length > 0) lines.push('conn req  method  st  reason                       size    server  url');
      for (const tx of txs) {
        const url = absoluteUrl(tx, { serverAddress, serverPort });
        lines.push(opts.json ? safeJson({ ...tx.toJSON(), url }) : httpLine(tx, url));
        if (lines.length >= 1000) flush();
      }
      flush();
      if (harFd >= 0) {
        const har = buildHar(txs, {
          creatorVersion: version(),
          title: basename(file),
          serverAddress,
          serverPort,
          connectTime: (id) => {
            const c = analysis.conn(id);
            return c && c.rttSynToSynAck !== null && c.rttSynAckToAck !== null ? c.rttSynToSynAck + c.rttSynAckToAck : null;
          },
        });
        writeSync(harFd, safeJson(har, 1) + '\n');
        io.err(`synack: wrote ${har.log.entries.length} HAR entries to ${safeText(opts.har!)}`);
      }
      for (const p of analysis.problems) {
        const where = p.fileOffset >= 0 ? ` (file offset ${p.fileOffset})` : '';
        io.err(`synack: ${safeText(file)}: ${safeText(p.message)}${where}`);
      }
      return 0;
    } finally {
      if (harFd >= 0) closeSync(harFd);
    }
  },
};
