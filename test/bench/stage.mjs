// One benchmark stage in a fresh process, so peak RSS belongs to that stage.
// Usage: node test/bench/stage.mjs STAGE FILE
//   read     read frames only
//   decode   read + decode to L4
//   flow     read + decode + connections and timelines (no application layer)
//   full     the whole analysis: connections, timelines, HTTP and the rest
//   flow2, full2  the same on two threads (src/pipeline, as analyzeFile runs large files)
// Environment: SYNACK_BENCH_TIMELINES=0 runs flow/full without timelines;
// SYNACK_BENCH_SPLIT=decode makes full2 use the decode-only worker;
// SYNACK_DIST=DIR measures the build in DIR instead of dist/.
// Prints one JSON line: {stage, packets, bytes, seconds, cpuSeconds, maxRssMB, ...}.
// `seconds` is wall time from opening the file to the end of the analysis
// (module loading excluded); `cpuSeconds` is the process's user+system time
// over the same span (all threads), which a busy machine disturbs less.
import { readFileSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [stage, file] = process.argv.slice(2);
if (!stage || !file) {
  console.error('usage: node test/bench/stage.mjs read|decode|flow|full FILE');
  process.exit(2);
}
const timelines = process.env.SYNACK_BENCH_TIMELINES !== '0';
// SYNACK_DIST: another build of the library (a directory holding analysis.js, …).
const dist = process.env.SYNACK_DIST
  ? pathToFileURL(process.env.SYNACK_DIST.replace(/\/?$/, '/'))
  : new URL('../../dist/', import.meta.url);
const { openCapture } = await import(new URL('capture/open.js', dist).href);
const { FrameDecoder } = await import(new URL('decode/stack.js', dist).href);
const { Decoded } = await import(new URL('decode/decoded.js', dist).href);
const { Analysis } = await import(new URL('analysis.js', dist).href);

// CPU time of this (the main) thread alone, from /proc (Linux; clock ticks, assumed 100 Hz).
function mainThreadCpu() {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(v[11]) + Number(v[12])) / 100;
  } catch {
    return NaN;
  }
}
const main0 = mainThreadCpu();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const src = await openCapture(file);
let packets = 0;
const extra = {};
if (stage === 'read') {
  for await (const batch of src) packets += batch.length;
} else if (stage === 'decode') {
  const dec = new FrameDecoder({ defrag: true });
  const d = new Decoded();
  let tcp = 0;
  for await (const batch of src) {
    for (let i = 0; i < batch.length; i++) {
      dec.decode(batch[i], d);
      if (d.srcPort >= 0) tcp++;
    }
    packets += batch.length;
  }
  extra.tcp = tcp;
} else if (stage === 'flow' || stage === 'full' || stage === 'flow2' || stage === 'full2') {
  const a = new Analysis({ timelines, app: stage.startsWith('full') });
  if (stage.endsWith('2')) {
    // Two threads, as analyzeFile runs large files (src/pipeline): with the application layer the
    // worker reads, decodes and tracks while this thread runs the application layer; without, the
    // worker reads and decodes while this thread tracks.
    src.close();
    const par = await import(new URL('pipeline/parallel.js', dist).href);
    if (a.app && process.env.SYNACK_BENCH_SPLIT !== 'decode') await par.analyzeInWorker(a, { timelines }, file);
    else await par.feedFromWorker(a, file);
    packets = a.stats.frames;
    extra.workerCpuSeconds = par.lastWorkerCpuSeconds;
  } else {
    for await (const batch of src) {
      a.feed(batch);
      packets += batch.length;
    }
  }
  a.finish();
  extra.conns = a.connCount();
  const m = a.memory();
  extra.timelineBytesPerPacket = packets > 0 ? (m.timeline + m.frameMap) / packets : 0;
  if (a.app) extra.http = a.app.http.length;
} else {
  console.error(`unknown stage ${stage}`);
  process.exit(2);
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const mainCpuSeconds = mainThreadCpu() - main0;
const maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ stage, packets, bytes: statSync(file).size, seconds, cpuSeconds, mainCpuSeconds, maxRssMB, ...extra }));
