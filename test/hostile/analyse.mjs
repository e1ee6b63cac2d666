// Runs the whole analysis pipeline (the compiled one in dist/) over one
// capture in a process of its own, so its time and memory are its own:
//   node test/hostile/analyse.mjs FILE [--no-timelines]
// Prints one JSON report on stdout: wall and CPU milliseconds of the
// analysis, the RSS before it and the peak (resourceUsage().maxRSS) at the
// end of the analysis and after building the outputs, the live heap after
// the analysis (after a collection), the
// analysis stats, the defragmenter's stats, every anomaly by name (from the
// decoder, as `packets` would print them, and from the application layer),
// reader problems, HTTP transactions (the first 20), and for captures with
// few connections the summaries and the timeline rows that carry
// application events or anomalies.
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.SYNACK_DIST ? resolve(process.env.SYNACK_DIST) : resolve(here, '../../dist');
const { Analysis } = await import(`${dist}/analysis.js`);
const { openCapture } = await import(`${dist}/capture/open.js`);
const { Decoded } = await import(`${dist}/decode/decoded.js`);
const { FrameDecoder } = await import(`${dist}/decode/stack.js`);
const { Anomaly } = await import(`${dist}/decode/anomalies.js`);
const { CF } = await import(`${dist}/flow/conn-store.js`);

const file = process.argv[2];
const timelines = !process.argv.includes('--no-timelines');

globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let rssPeakSampled = rssBefore;
const t0 = performance.now();
const c0 = process.cpuUsage();

const a = new Analysis({ timelines });
const dec = new FrameDecoder();
const d = new Decoded();
const anomalies = {};
const src = await openCapture(file);
a.captureInfo = src.info;
let batches = 0;
for await (const batch of src) {
  for (let i = 0; i < batch.length; i++) {
    dec.decode(batch[i], d);
    for (let k = 0; k < d.anomalyCount; k++) {
      const n = Anomaly.name(d.anomalyCodes[k]);
      anomalies[n] = (anomalies[n] ?? 0) + 1;
    }
    a.feedDecoded(d);
  }
  if ((++batches & 7) === 0) {
    const r = process.memoryUsage().rss;
    if (r > rssPeakSampled) rssPeakSampled = r;
  }
}
a.problems = src.problems;
a.finish();
const cpu = process.cpuUsage(c0);
const ms = performance.now() - t0;
// Peak RSS of reading and analysing (what follows builds the outputs: the printer's cost, reported apart).
const maxRssAnalysis = process.resourceUsage().maxRSS * 1024;
globalThis.gc?.();
const heapAfterAnalysis = process.memoryUsage().heapUsed;

// ---- what the outputs would show (after the timing: building them is the printer's cost)
const app = a.app;
const appAnomalies = {};
const appLimitTexts = [];
for (const ev of app.events) {
  if (ev.anomaly === undefined) continue;
  const n = Anomaly.name(ev.anomaly);
  appAnomalies[n] = (appAnomalies[n] ?? 0) + 1;
  if (appLimitTexts.length < 20) appLimitTexts.push({ frame: ev.frameNumber, conn: ev.connId, name: n, text: ev.text });
}
const store = a.tcp.store;
let evictedFlag = 0, liveFlag = 0, minLiveId = -1;
for (let id = 0; id < store.count; id++) {
  const f = store.flags[id];
  if (f & CF.EVICTED) evictedFlag++;
  if (f & CF.LIVE) { liveFlag++; if (minLiveId < 0 && id > 0) minLiveId = id; }
}
const conns = [];
if (store.count <= 20) {
  for (let id = 0; id < store.count; id++) {
    const s = a.conn(id);
    const rows = a.timeline(id);
    const chunks = app.stream(id) ?? [];
    let text = '';
    for (const c of chunks) { if (text.length >= 4000) break; text += Buffer.from(c.data.buffer, c.data.byteOffset, Math.min(c.data.length, 4000)).toString('latin1'); }
    conns.push({
      summary: s,
      rows: rows.length,
      rowsWithAnalysis: rows.filter((r) => r.analysis.length > 0).length,
      stream: text,
      lastRow: rows.length > 0 ? rows[rows.length - 1] : null,
      marked: rows.filter((r) => r.app.length > 0 || r.anomalies.length > 0).slice(0, 40),
    });
  }
} else {
  for (const id of [0, 1, store.count - 1]) conns.push({ summary: a.conn(id), rows: a.timelineLength(id) });
}
// Rows carrying the eviction marker (conn_table_limit), counted over all connections' records.
let connTableMarks = 0;
if (a.tcp.tl) for (const codes of a.tcp.tl.anomalies.values()) if (codes.includes(Anomaly.conn_table_limit)) connTableMarks++;

const http = app.http.slice(0, 20).map((t) => ({
  conn: t.connId, index: t.index, method: t.method, uri: t.uri.length > 200 ? `${t.uri.slice(0, 200)}…(${t.uri.length})` : t.uri,
  status: t.status, requestComplete: t.requestComplete, responseComplete: t.responseComplete,
  responseBodyEntity: t.responseBodyEntity, responseBodyWire: t.responseBodyWire, notes: t.notes ?? [],
}));

const report = {
  file,
  ms, cpuMs: (cpu.user + cpu.system) / 1000,
  rssBefore, rssPeakSampled, maxRssAnalysis, heapAfterAnalysis, maxRss: process.resourceUsage().maxRSS * 1024,
  heapUsedAfter: process.memoryUsage().heapUsed,
  stats: a.stats,
  tcp: { evicted: a.tcp.evicted, expired: a.tcp.expired, live: a.tcp.liveCount, maxConnections: a.tcp.maxConnections, evictedFlag, liveFlag, minLiveId, connTableMarks },
  defrag: dec.defrag ? { ...dec.defrag.stats, limits: dec.defrag.limits } : null,
  anomalies,
  appAnomalies,
  appLimitTexts,
  problems: a.problems.map((p) => ({ kind: p.kind, fileOffset: p.fileOffset, frameNumber: p.frameNumber, fatal: p.fatal, message: p.message })),
  httpCount: app.http.length,
  http,
  conns,
  memory: a.memory(),
};
process.stdout.write(JSON.stringify(report) + '\n');
