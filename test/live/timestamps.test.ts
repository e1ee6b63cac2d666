/**
 * Timestamp accuracy of live capture: synack stamps frames on arrival with a
 * monotonic clock anchored to wall time (cap gives no kernel timestamps).
 * Here tcpdump (kernel timestamps, ns precision) and synack capture the same
 * traffic on a veth inside namespaces; frames are matched by their bytes and
 * the differences reported. The README quotes a run of this test.
 *
 * Asserts only loose bounds (the figures depend on the machine's load);
 * prints median, p90, p99 and max.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capAvailable } from '../../src/capture/live.js';
import { readPcap } from '../native/pcap-min.js';
import { netnsUnavailable, VethLab } from './netns.js';

const DIST = resolve(process.cwd(), 'dist');
const why =
  netnsUnavailable() ||
  (!capAvailable() ? 'cap is not built' : '') ||
  (spawnSync('tcpdump', ['--version']).status !== 0 ? 'tcpdump not installed' : '') ||
  (!existsSync(join(DIST, 'capture', 'live.js')) ? 'dist/ not built (npx tsc -p tsconfig.json)' : '');
if (why) console.warn(`live timestamp test skipped: ${why}`);

let lab: VethLab | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'synack-ts-'));
afterAll(() => {
  lab?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe.skipIf(why !== '')('live timestamps vs tcpdump kernel timestamps', () => {
  beforeAll(() => {
    lab = VethLab.create();
  });

  for (const mode of ['paced', 'burst'] as const) {
    it(`${mode} traffic`, async () => {
      const l = lab!;
      const server = l.startHttpServer(tmp, mode === 'paced' ? 8080 : 8081);
      expect(await VethLab.waitFor(server, (p) => p.stdout.includes('listening'))).toBe(true);
      const out = join(tmp, `tcpdump-${mode}.pcap`);
      const td = l.spawnIn(l.nsB, 'tcpdump', ['-i', l.ifB, '-n', '--time-stamp-precision=nano', '-U', '-w', out, 'tcp']);
      expect(await VethLab.waitFor(td, (p) => p.stderr.includes('listening on'))).toBe(true);
      const probe = l.spawnIn(l.nsB, process.execPath, [resolve(process.cwd(), 'test/live/ts-probe.mjs'), DIST, l.ifB, '6']);
      expect(await VethLab.waitFor(probe, (p) => p.stderr.includes('capturing'))).toBe(true);
      const client = join(tmp, `client-${mode}.mjs`);
      const port = mode === 'paced' ? 8080 : 8081;
      writeFileSync(
        client,
        mode === 'paced'
          ? `import http from 'node:http';
for (let i = 0; i < 150; i++) {
  await new Promise((res, rej) => http.get({ host: '${l.ipA}', port: ${port}, path: '/p' + i, agent: false }, (r) => { r.resume(); r.on('end', res); }).on('error', rej));
  await new Promise((r) => setTimeout(r, 10));
}`
          : `import http from 'node:http';
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const one = (i) => new Promise((res, rej) => http.get({ host: '${l.ipA}', port: ${port}, path: '/b' + i, agent }, (r) => { r.resume(); r.on('end', res); }).on('error', rej));
for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 100 }, (_, i) => one(round * 100 + i)));
agent.destroy();`,
      );
      const c = l.runIn(l.nsB, process.execPath, [client], 60_000);
      expect(c.status, c.stderr).toBe(0);
      expect(await probe.exited).toBe(0);
      await VethLab.stop(td, 'SIGINT');
      await VethLab.stop(server, 'SIGTERM');

      const kernel = new Map<string, number[]>();
      const pcap = readPcap(out);
      expect(pcap.nanos).toBe(true);
      for (const r of pcap.records) {
        const key = r.data.toString('hex');
        const list = kernel.get(key) ?? [];
        list.push(r.tsSec * 1e9 + r.tsFrac);
        kernel.set(key, list);
      }
      const diffsUs: number[] = [];
      let ours = 0;
      for (const line of probe.stdout.split('\n')) {
        if (!line) continue;
        ours++;
        const [sec, nsec, hex] = line.split(' ');
        const list = kernel.get(hex!);
        if (!list || list.length === 0) continue;
        const k = list.shift()!;
        diffsUs.push((Number(sec) * 1e9 + Number(nsec) - k) / 1000);
      }
      diffsUs.sort((a, b) => a - b);
      const fmt = (v: number): string => `${v.toFixed(1)} µs`;
      console.log(
        `[timestamps ${mode}] frames: tcpdump ${pcap.records.length}, synack ${ours}, matched ${diffsUs.length}; ` +
          `synack − kernel: min ${fmt(diffsUs[0]!)}, median ${fmt(quantile(diffsUs, 0.5))}, p90 ${fmt(quantile(diffsUs, 0.9))}, ` +
          `p99 ${fmt(quantile(diffsUs, 0.99))}, max ${fmt(diffsUs[diffsUs.length - 1]!)}`,
      );
      expect(diffsUs.length).toBeGreaterThan(ours * 0.95);
      // Loose bounds: arrival comes after the kernel stamp (allowing the ms anchor's error), within tens of ms.
      expect(quantile(diffsUs, 0.5)).toBeGreaterThan(-1000);
      expect(quantile(diffsUs, 0.5)).toBeLessThan(20_000);
    });
  }
});
