// Captures with synack's live source and prints one line per frame:
// "tsSec tsNsec hex(bytes)". Used by timestamps.test.ts to compare our
// arrival timestamps with tcpdump's kernel timestamps on the same frames.
// usage: node ts-probe.mjs DIST_DIR IFACE SECONDS
import { pathToFileURL } from 'node:url';

const [dist, iface, seconds] = process.argv.slice(2);
const { openLive } = await import(pathToFileURL(`${dist}/capture/live.js`).href);
const src = openLive({ iface, durationSec: Number(seconds), filter: 'tcp' });
process.stderr.write('capturing\n');
const lines = [];
for await (const batch of src) {
  for (const f of batch) {
    lines.push(`${f.tsSec} ${f.tsNsec} ${Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex')}`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
