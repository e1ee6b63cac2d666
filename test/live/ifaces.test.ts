/**
 * synack ifaces inside a namespace the test controls: names, addresses,
 * up/down, loopback flag and the default capture interface, compared with
 * what `ip` reports.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable, VethLab } from './netns.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const why = netnsUnavailable() || (existsSync(BIN) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)');
if (why) console.warn(`ifaces test skipped: ${why}`);

let lab: VethLab | undefined;
afterAll(() => lab?.destroy());

describe.skipIf(why !== '')('synack ifaces', () => {
  beforeAll(() => {
    lab = VethLab.create();
  });

  const list = (): Record<string, any>[] => {
    const r = lab!.runIn(lab!.nsB, process.execPath, [BIN, 'ifaces', '--json']);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  };

  it('lists the namespace’s interfaces with state, loopback flag and addresses', () => {
    const all = list();
    const ip = JSON.parse(lab!.runIn(lab!.nsB, 'ip', ['-j', 'addr', 'show']).stdout) as { ifname: string; addr_info: { local: string }[]; flags: string[] }[];
    for (const dev of ip) {
      const mine = all.find((i) => i.name === dev.ifname);
      expect(mine, dev.ifname).toBeDefined();
      expect(mine!.loopback).toBe(dev.flags.includes('LOOPBACK'));
      // Link-local IPv6 addresses appear a moment after the link comes up: compare the others.
      const stable = (xs: string[]): Set<string> => new Set(xs.filter((x) => !x.startsWith('fe80:')));
      expect(stable(mine!.addresses.map((a: { addr: string }) => a.addr))).toEqual(stable(dev.addr_info.map((a) => a.local)));
    }
    const veth = all.find((i) => i.name === lab!.ifB)!;
    expect(veth).toMatchObject({ up: true, loopback: false, default: true, pseudo: false });
    expect(all.find((i) => i.name === 'lo')).toMatchObject({ up: true, loopback: true, default: false });
    const text = lab!.runIn(lab!.nsB, process.execPath, [BIN, 'ifaces']).stdout;
    expect(text).toMatch(new RegExp(`^\\* ${lab!.ifB}\\s+up\\s`, 'm'));
  });

  it('shows an interface that is down', () => {
    expect(spawnSync('ip', ['-n', lab!.nsB, 'link', 'set', lab!.ifB, 'down']).status).toBe(0);
    const veth = list().find((i) => i.name === lab!.ifB)!;
    expect(veth).toMatchObject({ up: false, adminUp: false, default: false });
    const r = lab!.runIn(lab!.nsB, process.execPath, [BIN, 'live', '--no-ui', '-c', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^synack: no interface is up besides loopback; choose one with -i \(available: /);
    spawnSync('ip', ['-n', lab!.nsB, 'link', 'set', lab!.ifB, 'up']);
  });
});
