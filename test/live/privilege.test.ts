/**
 * Least privilege: a non-root user whose node binary has been granted the
 * capture capabilities (setcap cap_net_raw,cap_net_admin=eip) can capture;
 * without them it gets the one-line fix (errors.test.ts); file analysis
 * needs no privilege at all.
 *
 * The capabilities go on a COPY of node in a temporary directory, never on
 * the system's node. The user is `nobody`, entered with setpriv.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capAvailable } from '../../src/capture/live.js';
import { loadNative } from '../../src/native.js';
import { netnsUnavailable, VethLab } from './netns.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const CAPTURES = resolve(process.cwd(), '../shared/captures');
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function reasonToSkip(): string {
  const ns = netnsUnavailable();
  if (ns) return ns;
  if (!existsSync(BIN)) return 'dist/ not built (npx tsc -p tsconfig.json)';
  if (!capAvailable() && !loadNative()?.LiveCapture) return 'neither cap nor the native addon is built';
  if (spawnSync('setcap', ['-v', 'cap_net_raw=p', '/bin/true']).error) return 'setcap not installed (libcap2-bin)';
  if (spawnSync('setpriv', ['--version']).error) return 'setpriv not installed (util-linux)';
  const r = spawnSync('setpriv', [...NOBODY, process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)})`]);
  if (r.status !== 0) return 'user nobody cannot read dist/';
  return '';
}
const why = reasonToSkip();
if (why) console.warn(`least-privilege test skipped: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'synack-setcap-'));
let lab: VethLab | undefined;
afterAll(() => {
  lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(why !== '')('capture as a non-root user with capabilities', () => {
  let node = '';
  beforeAll(async () => {
    chmodSync(dir, 0o755);
    node = join(dir, 'node');
    copyFileSync(realpathSync(process.execPath), node);
    chmodSync(node, 0o755);
    const r = spawnSync('setcap', ['cap_net_raw,cap_net_admin=eip', node], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`setcap on the copy failed: ${r.stderr}`);
    lab = VethLab.create();
    const server = lab.startHttpServer(dir, 8080);
    expect(await VethLab.waitFor(server, (p) => p.stdout.includes('listening'))).toBe(true);
  });

  const backends = ['native', 'cap'].filter((b) => (b === 'cap' ? capAvailable() : Boolean(loadNative()?.LiveCapture)));
  for (const backend of backends) {
    it(`nobody + setcap'd node captures (${backend} backend)`, async () => {
      const l = lab!;
      expect(spawnSync('getcap', [node], { encoding: 'utf8' }).stdout).toMatch(/cap_net_admin,cap_net_raw[=+]eip/);
      const live = l.spawnIn(l.nsB, 'setpriv', [...NOBODY, node, BIN, 'live', '-i', l.ifB, '--no-ui', '--json', '--backend', backend]);
      expect(await VethLab.waitFor(live, (p) => p.stderr.includes('capturing on') || p.child.exitCode !== null), live.stderr).toBe(true);
      const c = l.runIn(l.nsB, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${l.ipA}:8080/priv`]);
      expect(c.stdout).toBe('200');
      await new Promise((r) => setTimeout(r, 300));
      expect(await VethLab.stop(live, 'SIGINT'), live.stderr).toBe(0);
      const lines = live.stdout.trim().split('\n').map((s) => JSON.parse(s) as Record<string, any>);
      const summary = lines.find((o) => o.type === 'summary')!;
      expect(summary.packets).toBeGreaterThan(0);
      const http = lines.filter((o) => o.type === 'http');
      expect(http.map((h) => [h.uri, h.status])).toEqual([['/priv', 200]]);
    });
  }

  it('the same user without capabilities is refused with the fix', () => {
    const r = spawnSync('ip', ['netns', 'exec', lab!.nsB, 'setpriv', ...NOBODY, '--inh-caps=-all', process.execPath, BIN, 'live', '-i', lab!.ifB, '--no-ui', '-c', '1'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^synack: no permission to capture on .*sudo setcap cap_net_raw,cap_net_admin=eip \S+$/);
  });

  it('file analysis needs no privilege', () => {
    const file = join(CAPTURES, 'zeek-http-get.pcap');
    if (!existsSync(file)) return;
    for (const cmd of ['conns', 'packets', 'info']) {
      if (!existsSync(resolve(process.cwd(), `dist/cli/cmd-${cmd}.js`))) continue;
      const r = spawnSync('setpriv', [...NOBODY, '--inh-caps=-all', process.execPath, BIN, cmd, file], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });
});
