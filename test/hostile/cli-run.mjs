// Runs the real CLI (dist/cli/main.js, as bin.js does) and reports what it
// cost: after the command ends, one last line on stderr,
//   synack-cost {"ms":…,"cpuMs":…,"maxRss":…}
// (maxRSS covers the worker threads too: they share the process).
//   node test/hostile/cli-run.mjs COMMAND ARGS…
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.SYNACK_DIST ? resolve(process.env.SYNACK_DIST) : resolve(here, '../../dist');
const { main } = await import(`${dist}/cli/main.js`);
const { processIo } = await import(`${dist}/cli/io.js`);
const t0 = performance.now();
const code = await main(process.argv.slice(2), processIo());
const cpu = process.cpuUsage();
process.stderr.write(`synack-cost ${JSON.stringify({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
process.exitCode = code;
