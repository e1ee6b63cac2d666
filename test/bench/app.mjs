// The application layer alone: tracking output of FILE is recorded once
// (src/pipeline/app-records.ts), then replayed PASSES times into fresh
// application layers. Prints one JSON line with the CPU time of each pass,
// so reassembly + detection + HTTP can be measured without reading,
// decoding and tracking.
// Usage: node test/bench/app.mjs FILE [PASSES]   (SYNACK_DIST=DIR: another build)
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [file, passArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/bench/app.mjs FILE [PASSES]');
  process.exit(2);
}
const passes = Number(passArg ?? 5);
const dist = process.env.SYNACK_DIST
  ? pathToFileURL(process.env.SYNACK_DIST.replace(/\/?$/, '/'))
  : new URL('../../dist/', import.meta.url);
const { openCapture } = await import(new URL('capture/open.js', dist).href);
const { Analysis } = await import(new URL('analysis.js', dist).href);
const { createAppLayer } = await import(new URL('analyzers/index.js', dist).href);
const rec = await import(new URL('pipeline/app-records.js', dist).href);

// One batch large enough for the whole capture.
const size = statSync(file).size;
const batch = rec.AppRecordBatch.allocate(Math.ceil(size / 40) + 1024, size);
const recorder = new rec.AppRecorder(() => batch);
const a = new Analysis({ timelines: false, appLayer: recorder });
const src = await openCapture(file);
for await (const b of src) a.feed(b);
a.finish();

const times = [];
let http = 0;
for (let i = 0; i < passes; i++) {
  const t0 = process.cpuUsage();
  const app = createAppLayer();
  batch.replay(app, rec.newTcpInfo(), rec.newUdpInfo());
  app.finish();
  const t = process.cpuUsage(t0);
  times.push((t.user + t.system) / 1e6);
  http = app.http.length;
}
const sorted = [...times].sort((x, y) => x - y);
console.log(JSON.stringify({ file, records: batch.count, http, passes: times.map((t) => +t.toFixed(4)), median: sorted[sorted.length >> 1], min: sorted[0] }));
