/**
 * `-f EXPR` on the file commands: the frames `synack packets FILE -f EXPR`
 * lists are the ones `tcpdump -r FILE EXPR` keeps (same frame numbers as the
 * file), and without the native addon the commands say, in one line, how to
 * build it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bpfAvailable } from '../../src/capture/bpf.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const CAPTURES = resolve(process.cwd(), '../shared/captures');
const why = !existsSync(BIN) ? 'dist/ not built (npx tsc -p tsconfig.json)' : !bpfAvailable() ? 'native addon not built' : '';
if (why) console.warn(`bpf CLI tests skipped: ${why}`);

function synack(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describe.skipIf(why !== '')('-f on file commands', () => {
  it('synack packets FILE -f EXPR lists tcpdump’s frames with the file’s numbers', () => {
    const file = join(CAPTURES, 'zeek-web.pcap');
    // tcpdump -# numbers the frames it prints 1..n; without a filter those are the file's numbers.
    const all = spawnSync('tcpdump', ['-r', file, '-n', '-S', '-#', '-tt'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const kept = spawnSync('tcpdump', ['-r', file, '-n', '-S', '-tt', 'tcp[tcpflags] & tcp-push != 0'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const numberOf = new Map(all.map((l) => [l.replace(/^\s*\d+\s+/, ''), Number(/^\s*(\d+)/.exec(l)![1])]));
    const truth = kept.map((l) => numberOf.get(l));
    expect(truth.length).toBeGreaterThan(0);
    const r = synack(['packets', file, '-f', 'tcp[tcpflags] & tcp-push != 0', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const ours = r.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { number?: number; frame?: number }));
    expect(ours.map((o) => o.number ?? o.frame)).toEqual(truth);
  });

  it('an invalid expression is one line with libpcap’s message', () => {
    const r = synack(['packets', join(CAPTURES, 'zeek-web.pcap'), '-f', 'tcp port']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe("synack: invalid filter 'tcp port': can't parse filter expression: syntax error");
  });

  it('without the addon: one line saying how to build it', () => {
    for (const cmd of ['packets', 'http', 'dns']) {
      const r = synack([cmd, join(CAPTURES, 'zeek-web.pcap'), '-f', 'tcp'], { SYNACK_NO_NATIVE: '1' });
      expect(r.status, cmd).not.toBe(0);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^synack: BPF filters on capture files need the native addon .*node native\/build\.cjs/);
    }
  });
});
