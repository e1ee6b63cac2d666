// `npm run bench`: synack's throughput and memory per stage on two HTTP
// captures, side by side with tshark, medians of several runs.
//
// Captures are recorded from real loopback traffic (nginx + ApacheBench +
// tcpdump, test/bench/record.sh) when those tools are present and we are
// root, otherwise generated with the project's own pcap writer; either way
// they are cached outside the repository (SYNACK_BENCH_DIR or
// ~/.cache/synack-bench).
//
// Each stage runs in a fresh process (test/bench/stage.mjs), so its peak RSS
// is its own; tshark runs alternately with ours, so a change in the
// machine's load hits both. Besides wall time, CPU time (user + system, all
// threads) is reported: on a busy machine it is the steadier figure.
//
// Environment:
//   SYNACK_BENCH_RUNS=N        runs per stage (default 5)
//   SYNACK_BENCH_FILES=short,keepalive
//   SYNACK_BENCH_STAGES=read,decode,flow,full,full2
//   SYNACK_BENCH_TSHARK=0      skip tshark
//   SYNACK_DIST=DIR            measure another build (see stage.mjs)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const cacheDir = process.env.SYNACK_BENCH_DIR ?? join(homedir(), '.cache', 'synack-bench');
const runs = Number(process.env.SYNACK_BENCH_RUNS ?? 5);
const wantFiles = (process.env.SYNACK_BENCH_FILES ?? 'short,keepalive').split(',');
const stages = (process.env.SYNACK_BENCH_STAGES ?? 'read,decode,flow,full,full2').split(',');
mkdirSync(cacheDir, { recursive: true });

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function ensureCaptures() {
  const short = join(cacheDir, 'short.pcap');
  const keep = join(cacheDir, 'keepalive.pcap');
  if (existsSync(short) && existsSync(keep)) return { short, keep, origin: 'cached' };
  const isRoot = process.getuid?.() === 0;
  if (isRoot && ['nginx', 'ab', 'tcpdump', 'curl'].every(have)) {
    console.log('recording benchmark captures from loopback traffic (nginx + ab + tcpdump)…');
    const r = spawnSync('bash', [join(here, 'record.sh'), cacheDir], { stdio: 'inherit' });
    if (r.status === 0) return { short, keep, origin: 'recorded' };
  }
  console.log('generating benchmark captures with the pcap writer…');
  const r = spawnSync(process.execPath, [join(here, 'generate.mjs'), cacheDir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not generate benchmark captures');
  return { short, keep, origin: 'generated' };
}

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Node runs each stage with the V8 flags the `synack` command starts with (its #! line), so the
// memory measured is what a user of the command gets.
const cliFlags = (() => {
  try {
    const first = readFileSync(join(here, '..', '..', 'dist', 'cli', 'bin.js'), 'utf8').split('\n', 1)[0];
    return first.match(/--[\w-]+(=\S+)?/g) ?? [];
  } catch {
    return [];
  }
})();

function runStage(stage, file) {
  const r = spawnSync(process.execPath, [...cliFlags, join(here, 'stage.mjs'), stage, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stage ${stage} failed: ${r.stderr.split('\n').slice(-5).join(' ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** tshark's wall time, CPU time (user + system) and peak RSS, through /usr/bin/time when present. */
function runTshark(args, file) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const t0 = process.hrtime.bigint();
  const r = timeBin
    ? spawnSync(timeBin, ['-f', '%U %S %M', 'tshark', '-r', file, '-q', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync('tshark', ['-r', file, '-q', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  const [u, s, m] = timeBin ? r.stderr.trim().split('\n').pop().split(' ').map(Number) : [NaN, NaN, NaN];
  return { seconds, cpuSeconds: u + s, maxRssMB: m / 1024 };
}

const caps = ensureCaptures();
const allFiles = {
  short: { name: 'short connections', path: caps.short, tshark: ['-z', 'conv,tcp'] },
  keepalive: { name: 'keep-alive', path: caps.keep, tshark: ['-z', 'conv,tcp', '-z', 'http,tree'] },
};
const files = wantFiles.map((k) => allFiles[k]).filter(Boolean);
const stageName = { read: 'read', decode: 'read + decode', flow: 'connections + timelines', full: 'full (1 thread)', full2: 'full (2 threads)' };
const hasTshark = have('tshark') && process.env.SYNACK_BENCH_TSHARK !== '0';
const load0 = loadavg();
const rows = [];
for (const f of files) {
  const per = Object.fromEntries(stages.map((s) => [s, []]));
  const tsh = [];
  for (let i = 0; i < runs; i++) {
    for (const s of stages) per[s].push(runStage(s, f.path));
    if (hasTshark) tsh.push(runTshark(f.tshark, f.path)); // alternately with ours
    process.stderr.write('.');
  }
  const tshSec = median(tsh.map((x) => x.seconds));
  const tshCpu = median(tsh.map((x) => x.cpuSeconds));
  for (const s of stages) {
    const xs = per[s];
    const sec = median(xs.map((x) => x.seconds));
    const cpu = median(xs.map((x) => x.cpuSeconds));
    const pk = xs[0].packets;
    const mb = xs[0].bytes / 1e6;
    const isFull = s.startsWith('full');
    rows.push({
      file: f.name, stage: stageName[s] ?? s, packets: pk, seconds: sec, cpu,
      pps: pk / sec, ppsCpu: pk / cpu, mbps: mb / sec, rss: median(xs.map((x) => x.maxRssMB)),
      tlBytes: xs[0].timelineBytesPerPacket,
      tshark: isFull ? tshSec : NaN, tsharkCpu: isFull ? tshCpu : NaN,
      tsharkRss: isFull ? median(tsh.map((x) => x.maxRssMB)) : NaN,
    });
  }
}
process.stderr.write('\n');
const load1 = loadavg();

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? `${fmt(a / b, 1)}×` : '–');
const lines = [];
lines.push(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.versions.node}; ` +
  `load average ${fmt(load0[0], 1)} before, ${fmt(load1[0], 1)} after; captures ${caps.origin}; median of ${runs} runs` +
  (cliFlags.length ? `; node ${cliFlags.join(' ')} (as the synack command)` : ''));
lines.push('');
lines.push('| capture | stage | packets | wall (s) | packets/s | MB/s | CPU (s) | packets per CPU-s | peak RSS (MB) | tshark wall (s) | tshark CPU (s) | tshark RSS (MB) | vs tshark (wall) | vs tshark (CPU) |');
lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  lines.push(`| ${r.file} | ${r.stage} | ${int(r.packets)} | ${fmt(r.seconds, 3)} | ${int(r.pps)} | ${fmt(r.mbps, 0)} | ${fmt(r.cpu, 3)} | ${int(r.ppsCpu)} | ${fmt(r.rss, 0)} | ` +
    `${fmt(r.tshark)} | ${fmt(r.tsharkCpu)} | ${fmt(r.tsharkRss, 0)} | ${ratio(r.tshark, r.seconds)} | ${ratio(r.tsharkCpu, r.cpu)} |`);
}
const tl = rows.find((r) => Number.isFinite(r.tlBytes) && r.tlBytes > 0);
if (tl) lines.push('', `timelines: ${fmt(tl.tlBytes, 1)} bytes per packet (records, option bytes and the frame map, as allocated)`);
const table = lines.join('\n');
console.log(table);
writeFileSync(join(cacheDir, 'last-run.md'), table + '\n');
