// One benchmark stage in a fresh process, so peak RSS belongs to that stage.
// Usage: node test/bench/stage.mjs STAGE FILE
//   read     read frames only
//   decode   read + decode to L4
//   flow     read + decode + connections and timelines (no application layer)
//   full     the whole analysis: connections, timelines, HTTP and the rest
// Prints one JSON line: {stage, packets, bytes, seconds, maxRssMB}.
import { statSync } from 'node:fs';

const [stage, file] = process.argv.slice(2);
const dist = new URL('../../dist/', import.meta.url);
const { openCapture } = await import(new URL('capture/open.js', dist).href);
const { FrameDecoder } = await import(new URL('decode/stack.js', dist).href);
const { Decoded } = await import(new URL('decode/decoded.js', dist).href);

const t0 = process.hrtime.bigint();
const src = await openCapture(file);
let packets = 0;
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
  if (tcp < 0) console.log(tcp);
} else {
  const { Analysis } = await import(new URL('analysis.js', dist).href);
  const a = new Analysis({ timelines: true, app: stage === 'full' });
  for await (const batch of src) {
    a.feed(batch);
    packets += batch.length;
  }
  a.finish();
  if (a.connCount() < 0) console.log('impossible');
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ stage, packets, bytes: statSync(file).size, seconds, maxRssMB }));
