/**
 * End to end, as root: two network namespaces joined by a veth pair, an HTTP
 * server in one, a bounded number of curl requests from the other, and
 * `synack live --no-ui --json -w FILE` capturing on the client's veth.
 *
 * What the clients really did is the truth: curl reports each request's
 * local port and status code; tshark reads the -w file for packet counts.
 * The assertions: one connection per curl connection (keep-alive: two
 * requests on one), complete handshakes, who closed first, the refused
 * connection, every HTTP transaction with its status, and the packet count
 * synack reports equal to what tshark reads back from the -w file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capAvailable } from '../../src/capture/live.js';
import { loadNative } from '../../src/native.js';
import { netnsUnavailable, VethLab } from './netns.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const why =
  netnsUnavailable() ||
  (existsSync(BIN) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)') ||
  (capAvailable() || loadNative()?.LiveCapture ? '' : 'neither cap nor the native addon is built') ||
  (spawnSync('curl', ['--version']).status === 0 ? '' : 'curl not installed') ||
  (spawnSync('tshark', ['--version']).status === 0 ? '' : 'tshark not installed');
if (why) console.warn(`live end-to-end test skipped: ${why}`);

const tmp = mkdtempSync(join(tmpdir(), 'synack-e2e-'));
let lab: VethLab | undefined;
afterAll(() => {
  lab?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

interface CurlReq {
  port: number;
  code: number;
  url: string;
}

/** Runs one curl with these URLs (each body to /dev/null); `opts` go before them. */
function curl(l: VethLab, urls: string[], opts: string[] = []): CurlReq[] {
  const args = ['-s', '--max-time', '5', '-w', '%{local_port} %{http_code} %{url_effective}\\n', ...opts];
  for (const u of urls) args.push('-o', '/dev/null', u);
  const r = l.runIn(l.nsB, 'curl', args);
  return r.stdout
    .trim()
    .split('\n')
    .filter((s) => s !== '')
    .map((line) => {
      const [port, code, url] = line.split(' ');
      return { port: Number(port), code: Number(code), url: url! };
    });
}

type Json = Record<string, any>;

const backends = ['native', 'cap'].filter((b) => (b === 'cap' ? capAvailable() : Boolean(loadNative()?.LiveCapture)));

describe.skipIf(why !== '')('synack live end to end on a veth between namespaces', () => {
  beforeAll(async () => {
    lab = VethLab.create();
    const server = lab.startHttpServer(tmp, 8080);
    expect(await VethLab.waitFor(server, (p) => p.stdout.includes('listening'))).toBe(true);
  });

  for (const backend of backends) {
    it(`HTTP clients, keep-alive and not, refused, IPv6 (${backend} backend)`, async () => {
      const l = lab!;
      const file = join(tmp, `e2e-${backend}.pcap`);
      const live = l.spawnIn(l.nsB, process.execPath, [BIN, 'live', '-i', l.ifB, '--no-ui', '--json', '--backend', backend, '-w', file]);
      expect(await VethLab.waitFor(live, (p) => p.stderr.includes('capturing on')), live.stderr).toBe(true);

      const keepAlive = curl(l, [`http://${l.ipA}:8080/a`, `http://${l.ipA}:8080/b`]);
      const serverCloses = curl(l, [`http://${l.ipA}:8080/close`]);
      const v6 = curl(l, [`http://[${l.ip6A}]:8080/missing`], ['-g']);
      const refused = curl(l, [`http://${l.ipA}:8081/`]);
      // The client side's last ACK is out when curl returns; give the capture a moment.
      await new Promise((r) => setTimeout(r, 400));
      expect(await VethLab.stop(live, 'SIGINT')).toBe(0);

      expect(keepAlive).toHaveLength(2);
      expect(keepAlive[0]!.port).toBe(keepAlive[1]!.port);
      expect(keepAlive.map((r) => r.code)).toEqual([200, 200]);
      expect(serverCloses[0]!.code).toBe(200);
      expect(v6[0]!.code).toBe(404);
      expect(refused[0]!.code).toBe(0);

      const lines = live.stdout.trim().split('\n').map((s) => JSON.parse(s) as Json);
      const conns = lines.filter((o) => o.type === 'conn' && o.proto === 'tcp');
      const http = lines.filter((o) => o.type === 'http');
      const summary = lines.find((o) => o.type === 'summary')!;
      expect(summary).toBeDefined();
      expect(summary.backend).toBe(backend);

      // Exactly the connections the clients made (a refused attempt included): matched by client port.
      const byPort = new Map<number, Json>(conns.map((c) => [c.client.port as number, c]));
      const ports = [keepAlive[0]!.port, serverCloses[0]!.port, v6[0]!.port];
      for (const p of ports) expect(byPort.has(p), `connection from port ${p}`).toBe(true);
      expect(conns).toHaveLength(4);

      const ka = byPort.get(keepAlive[0]!.port)!;
      expect(ka).toMatchObject({ handshake: 'complete', teardown: 'fin-both', activeCloser: 'client', connState: 'SF', openAtEnd: false });
      expect(ka.client.ip).toBe(l.ipB);
      expect(ka.server).toEqual({ ip: l.ipA, port: 8080 });
      const sc = byPort.get(serverCloses[0]!.port)!;
      expect(sc).toMatchObject({ handshake: 'complete', teardown: 'fin-both', activeCloser: 'server', connState: 'SF' });
      const six = byPort.get(v6[0]!.port)!;
      expect(six).toMatchObject({ handshake: 'complete', teardown: 'fin-both', connState: 'SF' });
      expect(six.client.ip).toBe(l.ip6B);
      const rej = conns.find((c) => c.server.port === 8081)!;
      expect(rej).toMatchObject({ handshake: 'refused', connState: 'REJ', teardown: 'rst-server' });
      for (const c of [ka, sc, six]) {
        expect(c.rttSynToSynAck).toBeGreaterThan(0);
        expect(c.rttSynToSynAck).toBeLessThan(1);
      }

      // HTTP transactions: what curl asked and got, on the right connection, in order.
      const txOf = (c: Json): Json[] => http.filter((h) => h.connId === c.id).sort((x, y) => x.index - y.index);
      expect(txOf(ka).map((h) => [h.index, h.method, h.uri, h.status])).toEqual([
        [1, 'GET', '/a', 200],
        [2, 'GET', '/b', 200],
      ]);
      expect(txOf(sc).map((h) => [h.method, h.uri, h.status])).toEqual([['GET', '/close', 200]]);
      expect(txOf(six).map((h) => [h.method, h.uri, h.status])).toEqual([['GET', '/missing', 404]]);
      expect(txOf(rej)).toEqual([]);
      expect(summary.httpTransactions).toBe(4);

      // The -w file: tshark reads as many packets as synack reports, and the same per connection.
      const t = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport'], { encoding: 'utf8' });
      expect(t.status, t.stderr).toBe(0);
      const rows = t.stdout.split('\n').filter((s) => s !== '');
      expect(rows.length).toBe(summary.packets);
      expect(summary.written).toBe(summary.packets);
      expect(summary.droppedPipeline).toBe(0);
      for (const c of [ka, sc, six, rej]) {
        const n = rows.filter((r) => r.split('\t').includes(String(c.client.port))).length;
        expect(c.packets[0] + c.packets[1], `packets of the connection from port ${c.client.port}`).toBe(n);
      }
      // Timestamps are wall-clock times of this run.
      const ts = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      const now = Date.now() / 1000;
      for (const x of ts) expect(Math.abs(now - x)).toBeLessThan(120);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    });
  }
});
