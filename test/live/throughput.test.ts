/**
 * Sustained live capture: tcpreplay at top speed onto a veth (a browsing
 * capture looped with a new address pair per loop, so every loop brings new
 * connections) while `synack live --no-ui --json` analyses everything.
 *
 * Asserts the accounting is exact — every frame the capture interface
 * received is either analysed, dropped by synack's pipeline, or reported
 * dropped by the kernel (native backend: libpcap's counters) — that the
 * pipeline drops nothing, and that memory stays bounded. Frames the veth
 * itself dropped before any capture could see them (its rx_dropped, when the
 * machine is loaded) are printed, not counted against us. Prints the rate,
 * drops and peak RSS (quoted in the README).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../src/native.js';
import { netnsUnavailable, VethLab } from './netns.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const FILE = join(resolve(process.cwd(), '../shared/captures'), 'zeek-workshop_2011_browse.pcap');
const LOOPS = Number(process.env.SYNACK_LIVE_LOOPS ?? 2000);
const why =
  netnsUnavailable() ||
  (existsSync(BIN) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)') ||
  (loadNative()?.LiveCapture ? '' : 'the native addon is not built (cap reports no kernel drops, so the accounting cannot be checked)') ||
  (spawnSync('tcpreplay', ['--version']).status === 0 ? '' : 'tcpreplay not installed') ||
  (existsSync(FILE) ? '' : 'corpus capture missing');
if (why) console.warn(`live throughput test skipped: ${why}`);

/** Waits until process `pid` has used no CPU for a second (bounded by `limitMs`). */
async function waitIdle(pid: number, limitMs: number): Promise<void> {
  const cpu = (): number => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return -1;
    }
  };
  const end = Date.now() + limitMs;
  let last = cpu();
  let quiet = 0;
  while (Date.now() < end && quiet < 4) {
    await new Promise((r) => setTimeout(r, 250));
    const now = cpu();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

/** Packets the interface received, read from the kernel's link statistics. */
function rxPackets(l: VethLab): number {
  const r = l.runIn(l.nsB, 'ip', ['-j', '-s', 'link', 'show', l.ifB]);
  const j = JSON.parse(r.stdout) as { stats64?: { rx?: { packets?: number } } }[];
  return Number(j[0]?.stats64?.rx?.packets ?? NaN);
}

let lab: VethLab | undefined;
afterAll(() => lab?.destroy());

describe.skipIf(why !== '')('sustained live capture', () => {
  beforeAll(() => {
    lab = VethLab.create({ ipv6: false });
  });

  it(`capture layer alone keeps up with tcpreplay --topspeed × ${LOOPS} loops`, async () => {
    const l = lab!;
    const script = `
      const { openLive } = await import(${JSON.stringify(resolve(process.cwd(), 'dist/capture/live.js'))});
      const src = openLive({ iface: ${JSON.stringify(l.ifB)}, bufferMb: 64, backend: 'native' });
      process.on('SIGINT', () => src.close());
      process.stderr.write('capturing on\\n');
      let n = 0;
      for await (const batch of src) n += batch.length;
      process.stdout.write(JSON.stringify({ n, dropped: src.dropped, received: src.stats.received }));`;
    const probe = l.spawnIn(l.nsB, process.execPath, ['--input-type=module', '-e', script]);
    expect(await VethLab.waitFor(probe, (p) => p.stderr.includes('capturing on')), probe.stderr).toBe(true);
    const rx0 = rxPackets(l);
    const r = l.runIn(l.nsA, 'tcpreplay', ['--topspeed', `--loop=${LOOPS}`, '-i', l.ifA, FILE], 300_000);
    expect(r.status, r.stderr).toBe(0);
    const sent = Number(/Actual: (\d+) packets/.exec(r.stdout)?.[1]);
    const rate = Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(r.stdout)?.[1]);
    await waitIdle(probe.child.pid!, 60_000);
    const received = rxPackets(l) - rx0;
    expect(await VethLab.stop(probe, 'SIGINT')).toBe(0);
    const got = JSON.parse(probe.stdout) as { n: number; dropped: { pipeline: number; kernel: number } };
    console.log(`[live capture layer] sent ${sent} frames at ${rate.toFixed(0)} pkt/s; interface received ${received}; captured ${got.n}, pipeline drops ${got.dropped.pipeline}, kernel drops ${got.dropped.kernel}`);
    expect(got.n + got.dropped.pipeline + got.dropped.kernel).toBe(received);
    expect(got.dropped.pipeline).toBe(0);
  });

  it(`tcpreplay --topspeed × ${LOOPS} loops, full analysis`, async () => {
    const l = lab!;
    const live = l.spawnIn(l.nsB, process.execPath, [BIN, 'live', '-i', l.ifB, '--no-ui', '--json', '-B', '64', '--backend', 'native']);
    expect(await VethLab.waitFor(live, (p) => p.stderr.includes('capturing on')), live.stderr).toBe(true);
    const rx0 = rxPackets(l);
    const r = l.runIn(l.nsA, 'tcpreplay', ['--topspeed', `--loop=${LOOPS}`, '--unique-ip', '-i', l.ifA, FILE], 300_000);
    expect(r.status, r.stderr).toBe(0);
    const sent = Number(/Actual: (\d+) packets/.exec(r.stdout)?.[1]);
    const rate = Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(r.stdout)?.[1]);
    // Let the analysis catch up with what waits in the kernel's buffer (its CPU time stops growing), then stop.
    await waitIdle(live.child.pid!, 120_000);
    const received = rxPackets(l) - rx0;
    expect(await VethLab.stop(live, 'SIGINT', 60_000)).toBe(0);
    const lines = live.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
    console.log(
      `[live throughput] sent ${sent} frames at ${rate.toFixed(0)} pkt/s (tcpreplay --topspeed), interface received ${received}; synack analysed ${summary.packets}, ` +
        `pipeline drops ${summary.droppedPipeline}, kernel drops ${summary.droppedKernel}; ${summary.tcpConnections} TCP connections, ` +
        `${summary.httpTransactions} HTTP transactions, evicted ${summary.evicted}; peak RSS ${summary.maxRssMb} MiB`,
    );
    expect(summary.packets + summary.droppedPipeline + summary.droppedKernel).toBe(received);
    expect(summary.droppedPipeline).toBe(0);
    // Memory grows with connections (their summaries stay findable by id), not with packets.
    expect(summary.maxRssMb).toBeLessThan(250 + summary.tcpConnections * 0.01);
  });
});
