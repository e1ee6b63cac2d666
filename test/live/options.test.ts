/**
 * synack live options on a veth between namespaces: -c COUNT, --duration,
 * -s SNAPLEN (frames cut, original length kept in the -w file as tshark
 * reads it), --no-promisc (the kernel's IFF_PROMISC flag while capturing),
 * -i any (Linux cooked link type), SIGTERM ending cleanly, and the default
 * interface.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capAvailable } from '../../src/capture/live.js';
import { loadNative } from '../../src/native.js';
import { netnsUnavailable, type Proc, VethLab } from './netns.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const why =
  netnsUnavailable() ||
  (existsSync(BIN) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)') ||
  (capAvailable() || loadNative()?.LiveCapture ? '' : 'neither cap nor the native addon is built') ||
  (spawnSync('tshark', ['--version']).status === 0 ? '' : 'tshark not installed');
if (why) console.warn(`live option tests skipped: ${why}`);
const native = Boolean(loadNative()?.LiveCapture);

const tmp = mkdtempSync(join(tmpdir(), 'synack-live-opt-'));
let lab: VethLab | undefined;
afterAll(() => {
  lab?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

type Json = Record<string, any>;

function parse(p: Proc): { lines: Json[]; summary: Json } {
  const lines = p.stdout.trim().split('\n').filter(Boolean).map((s) => JSON.parse(s) as Json);
  return { lines, summary: lines[lines.length - 1]! };
}

async function startLive(args: string[]): Promise<Proc> {
  const l = lab!;
  const p = l.spawnIn(l.nsB, process.execPath, [BIN, 'live', '--no-ui', '--json', ...args]);
  expect(await VethLab.waitFor(p, (x) => x.stderr.includes('capturing on')), p.stderr).toBe(true);
  return p;
}

function traffic(path = '/x'): void {
  const l = lab!;
  const r = l.runIn(l.nsB, 'curl', ['-s', '-o', '/dev/null', '--max-time', '5', `http://${l.ipA}:8080${path}`]);
  expect(r.status).toBe(0);
}

describe.skipIf(why !== '')('synack live options', () => {
  beforeAll(async () => {
    lab = VethLab.create();
    const server = lab.startHttpServer(tmp, 8080);
    expect(await VethLab.waitFor(server, (p) => p.stdout.includes('listening'))).toBe(true);
  });

  it('-c COUNT stops after exactly COUNT frames', async () => {
    const p = await startLive(['-i', lab!.ifB, '-c', '5', '-f', 'tcp']);
    for (let i = 0; i < 3 && p.child.exitCode === null; i++) traffic();
    expect(await p.exited).toBe(0);
    const { summary } = parse(p);
    expect(summary.packets).toBe(5);
    expect(summary.endReason).toBe('count');
  });

  it('--duration stops after the time given, SIGTERM ends cleanly', async () => {
    const t0 = Date.now();
    const p = await startLive(['-i', lab!.ifB, '--duration', '0.8']);
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    expect(parse(p).summary.endReason).toBe('duration');

    const q = await startLive(['-i', lab!.ifB]);
    traffic();
    expect(await VethLab.stop(q, 'SIGTERM')).toBe(0);
    const s = parse(q).summary;
    expect(s.type).toBe('summary');
    expect(s.packets).toBeGreaterThan(0);
  });

  it.skipIf(!native)('-s SNAPLEN cuts frames and keeps their original length (native)', async () => {
    const file = join(tmp, 'snap.pcap');
    const p = await startLive(['-i', lab!.ifB, '-s', '60', '-f', 'tcp', '-w', file]);
    traffic('/big');
    await new Promise((r) => setTimeout(r, 300));
    expect(await VethLab.stop(p, 'SIGINT')).toBe(0);
    const t = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.cap_len', '-e', 'frame.len'], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    const rows = t.stdout.split('\n').filter(Boolean).map((r) => r.split('\t').map(Number));
    expect(rows.length).toBe(parse(p).summary.packets);
    for (const [cap, len] of rows) expect(cap).toBe(Math.min(60, len!));
    expect(rows.some(([, len]) => len! > 1000)).toBe(true);
    // The snaplen is in the file header too (offset 16).
    expect(readFileSync(file).readUInt32LE(16)).toBe(60);
  });

  it.skipIf(!native)('--no-promisc leaves the interface out of promiscuous mode (native)', async () => {
    const l = lab!;
    const promisc = (): boolean => (Number.parseInt(l.runIn(l.nsB, 'cat', [`/sys/class/net/${l.ifB}/flags`]).stdout.trim(), 16) & 0x100) !== 0;
    expect(promisc()).toBe(false);
    const p = await startLive(['-i', l.ifB]);
    expect(promisc()).toBe(true);
    await VethLab.stop(p, 'SIGINT');
    expect(promisc()).toBe(false);
    const q = await startLive(['-i', l.ifB, '--no-promisc']);
    expect(promisc()).toBe(false);
    await VethLab.stop(q, 'SIGINT');
  });

  it('-i any captures with the Linux cooked link type; the default interface is the veth', async () => {
    const p = await startLive(['-i', 'any', '-f', 'tcp']);
    traffic();
    await new Promise((r) => setTimeout(r, 300));
    expect(await VethLab.stop(p, 'SIGINT')).toBe(0);
    const { lines, summary } = parse(p);
    expect(summary.linkType).toBe(113);
    expect(lines.filter((o) => o.type === 'http').map((h) => h.uri)).toEqual(['/x']);

    // In namespace B the only interface up besides loopback is the veth.
    const q = await startLive([]);
    await VethLab.stop(q, 'SIGINT');
    expect(parse(q).summary.interface).toBe(lab!.ifB);
  });
});
