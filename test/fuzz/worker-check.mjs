// The two ways the CLI reads a file must agree: analyzeFile on one thread
// (SYNACK_WORKERS=0) and with the decoding worker (SYNACK_WORKERS=1), over
// the compiled pipeline in dist/. For each file given, prints one JSON line:
//   {"file":…, "worker":true, "same":true}  or  {"file":…, "worker":…, "same":false, "at":"<first difference>", "a":…, "b":…}
// ("worker": whether SYNACK_WORKERS=1 really used the worker for that file)
// An error in either path is reported as {"file":…, "error0"/"error1":message}; a
// CaptureError is fine when both paths give the same one.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.SYNACK_DIST ? resolve(process.env.SYNACK_DIST) : resolve(here, '../../dist');
const { analyzeFile } = await import(`${dist}/analysis.js`);
const { useWorker } = await import(`${dist}/pipeline/parallel.js`);

function view(a) {
  const conns = a.connections();
  return {
    stats: a.stats,
    conns,
    timelines: conns.map((c) => a.timeline(c.id)),
    udp: a.udpFlows(),
    http: a.app.http.map((t) => (typeof t.toJSON === 'function' ? t.toJSON() : t)),
    dns: a.app.dns,
    events: a.app.events.map((e) => `${e.frameNumber} ${e.transport} ${e.connId} ${e.dir} ${e.proto} ${e.text} ${e.anomaly ?? ''}`),
    problems: a.problems.map((p) => `${p.kind} ${p.fileOffset} ${p.frameNumber} ${p.fatal} ${p.message}`),
  };
}

async function run(file, workers) {
  process.env.SYNACK_WORKERS = workers;
  try {
    return { v: view(await analyzeFile(file)) };
  } catch (e) {
    return { err: `${e?.name}: ${e?.message}` };
  }
}

function firstDiff(x, y, path = '') {
  if (x === y || (Number.isNaN(x) && Number.isNaN(y))) return null;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return { at: path, a: x, b: y };
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) {
    const d = firstDiff(x[k], y[k], `${path}/${k}`);
    if (d) return d;
  }
  return null;
}

for (const file of process.argv.slice(2)) {
  const r0 = await run(file, '0');
  const r1 = await run(file, '1');
  const worker = useWorker(file);
  let out;
  if (r0.err !== undefined || r1.err !== undefined) {
    out = r0.err === r1.err && /^CaptureError/.test(r0.err) ? { file, worker, same: true, refused: true } : { file, worker, error0: r0.err, error1: r1.err };
  } else {
    const d = firstDiff(r0.v, r1.v);
    out = d ? { file, worker, same: false, ...d } : { file, worker, same: true };
  }
  process.stdout.write(JSON.stringify(out, (_k, v) => (typeof v === 'string' && v.length > 300 ? v.slice(0, 300) + '…' : v)) + '\n');
}
