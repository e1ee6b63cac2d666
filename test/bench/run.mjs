// `npm run bench`: synack's throughput and memory per stage on two HTTP
// captures, side by side with tshark, medians of several runs.
//
// Captures are recorded from real loopback traffic (nginx + ApacheBench +
// tcpdump, test/bench/record.sh) when those tools are present and we are
// root, otherwise generated with the project's own pcap writer; either way
// they are cached outside the repository (SYNACK_BENCH_DIR or
// ~/.cache/synack-bench).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, homedir, totalmem } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const cacheDir = process.env.SYNACK_BENCH_DIR ?? join(homedir(), '.cache', 'synack-bench');
const runs = Number(process.env.SYNACK_BENCH_RUNS ?? 5);
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
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function runStage(stage, file) {
  const r = spawnSync(process.execPath, [join(here, 'stage.mjs'), stage, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stage ${stage} failed: ${r.stderr.split('\n').slice(-5).join(' ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function runTshark(args, file) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const t0 = process.hrtime.bigint();
  const r = timeBin
    ? spawnSync(timeBin, ['-f', '%M', 'tshark', '-r', file, '-q', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync('tshark', ['-r', file, '-q', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssKB = timeBin ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { seconds, maxRssMB: rssKB / 1024 };
}

const caps = ensureCaptures();
const files = [
  { name: 'short connections', path: caps.short, tshark: ['-z', 'conv,tcp'] },
  { name: 'keep-alive', path: caps.keep, tshark: ['-z', 'conv,tcp', '-z', 'http,tree'] },
];
const stages = ['read', 'decode', 'flow', 'full'];
const hasTshark = have('tshark');
const rows = [];
for (const f of files) {
  const per = Object.fromEntries(stages.map((s) => [s, []]));
  const tsh = [];
  for (let i = 0; i < runs; i++) {
    for (const s of stages) per[s].push(runStage(s, f.path));
    if (hasTshark) tsh.push(runTshark(f.tshark, f.path)); // alternately with ours
  }
  const tshSec = hasTshark ? median(tsh.map((x) => x.seconds)) : NaN;
  for (const s of stages) {
    const xs = per[s];
    const sec = median(xs.map((x) => x.seconds));
    const pk = xs[0].packets;
    const mb = xs[0].bytes / 1e6;
    rows.push({
      file: f.name, stage: s, packets: pk, seconds: sec,
      pps: pk / sec, mbps: mb / sec, rss: median(xs.map((x) => x.maxRssMB)),
      tshark: s === 'full' ? tshSec : NaN,
      tsharkRss: s === 'full' && hasTshark ? median(tsh.map((x) => x.maxRssMB)) : NaN,
    });
  }
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const lines = [];
lines.push(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.versions.node}; captures ${caps.origin}; median of ${runs} runs`);
lines.push('');
lines.push('| capture | stage | packets | time (s) | packets/s | MB/s | peak RSS (MB) | tshark (s) | tshark RSS (MB) | speed-up vs tshark |');
lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  lines.push(`| ${r.file} | ${r.stage} | ${r.packets} | ${fmt(r.seconds, 3)} | ${Math.round(r.pps).toLocaleString('en')} | ${fmt(r.mbps, 0)} | ${fmt(r.rss, 0)} | ${fmt(r.tshark)} | ${fmt(r.tsharkRss, 0)} | ${Number.isFinite(r.tshark) ? fmt(r.tshark / r.seconds, 1) + '×' : '–'} |`);
}
const table = lines.join('\n');
console.log(table);
writeFileSync(join(cacheDir, 'last-run.md'), table + '\n');
