/**
 * `synack dns FILE`: one line per DNS query (time, client → server,
 * transport, id, type, name, rcode, answers, response time or "no
 * response"), or NDJSON with --json.
 *
 * Thin by design (STYLE principle 14): the pipeline is analyzeFile's, with
 * an application layer that decodes DNS only (src/analyzers/dns/layer.ts).
 */
import { analyzeFile, type Analysis } from '../analysis.js';
import { BPF_OPTION } from '../capture/bpf.js';
import { DnsLayer } from '../analyzers/dns/index.js';
import type { DnsTransaction } from '../analyzers/types.js';
import { safeJson, safeText } from '../bytes/safe-text.js';
import { formatTime } from '../decode/describe.js';
import type { Endpoint } from '../flow/model.js';
import { type Command, type Io, parseCommandArgs, UsageError } from './io.js';

const usage = `usage: synack dns FILE [--json] [-f BPF]

One line per DNS query over UDP or TCP (ports 53, 5353, 5355): time of the
query, client → server, transport, id, query type and name, response code,
answers, and the response time — or "no response". A response whose query
is not in the capture is listed at its own time with "(query not seen)".
Retransmitted queries (same flow, id and name within 5 s) count once; the
response time runs from the first copy.

  --json   NDJSON: one object per query with client, server, transport, id,
           type, name, rcode, answers, queryFrame, responseFrame, queryTime,
           responseTime (seconds since the epoch) and responseMs
  -f, --bpf EXPR  analyse only frames matching a BPF filter, tcpdump syntax
           ('udp port 53'; needs the native addon)`;

function endpoint(e: Endpoint | undefined): string {
  if (!e) return '?';
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** Client and server of a transaction: from the tracker when it knew them, else from the flow table. */
function ends(a: Analysis, tx: DnsTransaction): [string, string] {
  if (tx.client !== '' && tx.server !== '') return [tx.client, tx.server];
  const flow = tx.transport === 'udp' ? a.udpFlow(tx.flowId) : a.conn(tx.flowId);
  if (!flow) return ['?', '?'];
  const c = endpoint(flow.client);
  const s = endpoint(flow.server);
  return tx.queryDir === 1 ? [s, c] : [c, s];
}

function timeText(t: number): string {
  const sec = Math.floor(t);
  return formatTime(sec, Math.round((t - sec) * 1e6) * 1000, 'abs', 6);
}

function ms(tx: DnsTransaction): number | null {
  if (tx.responseTime === null || tx.queryFrame === 0) return null;
  return Math.round((tx.responseTime - tx.queryTime) * 1e7) / 1e4;
}

export async function runDns(args: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs('dns', { args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...BPF_OPTION } });
  if (parsed.values.help) { io.out(usage); return 0; }
  if (parsed.positionals.length !== 1) throw new UsageError('synack dns: expected one capture FILE (see synack dns --help)');
  const layer = new DnsLayer();
  const a = await analyzeFile(parsed.positionals[0]!, { appLayer: layer, timelines: false, bpf: parsed.values.bpf });
  for (const p of a.problems) io.err(`synack dns: ${safeText(p.message)}`);
  // Queries in time order; a response without its query sits at its own time.
  const txs = [...layer.dns].sort((x, y) => x.queryTime - y.queryTime || (x.queryFrame || x.responseFrame || 0) - (y.queryFrame || y.responseFrame || 0));
  if (txs.length === 0 && !parsed.values.json) io.err('synack dns: no DNS messages in this capture');
  for (const tx of txs) {
    const [client, server] = ends(a, tx);
    const rt = ms(tx);
    if (parsed.values.json) {
      io.out(safeJson({
        time: tx.queryTime, client, server, transport: tx.transport, id: tx.id, type: tx.type, name: tx.name, rcode: tx.rcode,
        answers: tx.answers, queryFrame: tx.queryFrame || null, responseFrame: tx.responseFrame, queryTime: tx.queryFrame ? tx.queryTime : null,
        responseTime: tx.responseTime, responseMs: rt,
      }));
      continue;
    }
    let line = `${timeText(tx.queryTime)} ${client} → ${server} ${tx.transport} id 0x${tx.id.toString(16).padStart(4, '0')} ${tx.type || '?'} ${tx.name || '?'}`;
    if (tx.responseFrame === null) line += ' no response';
    else {
      line += ` ${tx.rcode ?? '?'}`;
      if (tx.answers.length) line += ` ${tx.answers.join(', ')}`;
      line += rt === null ? ' (query not seen)' : ` ${rt.toFixed(1)} ms`;
    }
    io.out(line);
  }
  return 0;
}

export const command: Command = {
  name: 'dns',
  summary: 'DNS queries and responses, paired, with response times',
  usage,
  run: runDns,
};
