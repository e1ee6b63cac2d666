/**
 * Parity: a corpus capture replayed onto a veth with tcpreplay while
 * `synack live` captures it gives the same connections, states and HTTP
 * transactions as reading the file. Times differ (the replay has its own
 * pace), everything else must not. The -w file holds the same frames, byte
 * for byte, as the original.
 *
 * The namespaces have IPv6 disabled so the link stays silent and the live
 * frame numbers equal the file's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/analysis.js';
import { capAvailable } from '../../src/capture/live.js';
import { LIVE_PRINT_OPTIONS } from '../../src/cli/cmd-live.js';
import { loadNative } from '../../src/native.js';
import { readPcap } from '../native/pcap-min.js';
import { netnsUnavailable, VethLab } from './netns.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const CAPTURES = resolve(process.cwd(), '../shared/captures');
const why =
  netnsUnavailable() ||
  (existsSync(BIN) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)') ||
  (capAvailable() || loadNative()?.LiveCapture ? '' : 'neither cap nor the native addon is built') ||
  (spawnSync('tcpreplay', ['--version']).status === 0 ? '' : 'tcpreplay not installed');
if (why) console.warn(`live parity test skipped: ${why}`);

const tmp = mkdtempSync(join(tmpdir(), 'synack-parity-'));
let lab: VethLab | undefined;
afterAll(() => {
  lab?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

/** Fields that must agree; times (first/last, duration, RTTs) depend on the replay's pace. */
const CONN_FIELDS = [
  'id', 'proto', 'client', 'server', 'rolesInferred', 'handshake', 'synRetransmissions', 'teardown', 'activeCloser',
  'clientState', 'serverState', 'connState', 'history', 'packets', 'bytes', 'payloadBytes', 'retransmissions', 'app',
  'openAtEnd', 'firstFrame', 'lastFrame',
] as const;
const HTTP_FIELDS = ['connId', 'index', 'pipelined', 'method', 'host', 'uri', 'version', 'status', 'reason', 'contentType', 'requestBodyWire', 'responseBodyWire', 'requestFrames', 'responseFrames'] as const;

function pick<T extends Record<string, unknown>>(o: T, keys: readonly string[]): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const k of keys) r[k] = o[k];
  return r;
}

/** Classic pcap files with frames no larger than the veth's MTU allows, and HTTP in them. */
const FILES = ['zeek-http-get.pcap', 'zeek-web.pcap', 'zeek-workshop_2011_browse.pcap', 'zeek-http-pipelined-requests.pcap', 'sv-http-brotli-ce.pcap'];

describe.skipIf(why !== '')('live capture of a tcpreplay equals reading the file', () => {
  beforeAll(() => {
    lab = VethLab.create({ ipv6: false });
  });

  for (const name of FILES) {
    const file = join(CAPTURES, name);
    it.skipIf(!existsSync(file))(name, async () => {
      const l = lab!;
      const out = join(tmp, `live-${name}`);
      const live = l.spawnIn(l.nsB, process.execPath, [BIN, 'live', '-i', l.ifB, '--no-ui', '--json', '-w', out]);
      expect(await VethLab.waitFor(live, (p) => p.stderr.includes('capturing on')), live.stderr).toBe(true);
      // Same order, faster pace: the file's own timing would take minutes for some captures.
      const r = l.runIn(l.nsA, 'tcpreplay', ['--pps=2000', '-i', l.ifA, file], 120_000);
      expect(r.status, r.stderr).toBe(0);
      await new Promise((res) => setTimeout(res, 400));
      expect(await VethLab.stop(live, 'SIGINT')).toBe(0);

      const lines = live.stdout.trim().split('\n').map((s) => JSON.parse(s) as Record<string, any>);
      const summary = lines.find((o) => o.type === 'summary')!;
      const original = readPcap(file);
      expect(summary.packets).toBe(original.records.length);
      expect(summary.droppedPipeline).toBe(0);
      expect(summary.droppedKernel ?? 0).toBe(0);

      // The saved frames are the file's frames, byte for byte.
      const saved = readPcap(out);
      expect(saved.records.length).toBe(original.records.length);
      for (let i = 0; i < saved.records.length; i++) {
        expect(saved.records[i]!.data.equals(original.records[i]!.data), `frame ${i + 1} of ${name}`).toBe(true);
        expect(saved.records[i]!.origLen).toBe(original.records[i]!.origLen);
      }

      const a = await analyzeFile(file, { ...LIVE_PRINT_OPTIONS });
      const fileConns = [...a.connections(), ...a.udpFlows()].map((c) => pick(c as unknown as Record<string, unknown>, CONN_FIELDS));
      const liveConns = lines.filter((o) => o.type === 'conn').map((c) => pick(c, CONN_FIELDS));
      const key = (c: Record<string, unknown>): string => `${c.proto}:${String(c.id)}`;
      const sortByKey = (xs: Record<string, unknown>[]): Record<string, unknown>[] => [...xs].sort((x, y) => key(x).localeCompare(key(y)));
      expect(sortByKey(liveConns)).toEqual(sortByKey(fileConns));

      const fileHttp = (a.app?.http ?? []).map((h) => pick(h as unknown as Record<string, unknown>, HTTP_FIELDS));
      const liveHttp = lines.filter((o) => o.type === 'http').map((h) => pick(h, HTTP_FIELDS));
      const hkey = (h: Record<string, unknown>): string => `${String(h.connId).padStart(6, '0')}:${String(h.index).padStart(6, '0')}`;
      expect([...liveHttp].sort((x, y) => hkey(x).localeCompare(hkey(y)))).toEqual([...fileHttp].sort((x, y) => hkey(x).localeCompare(hkey(y))));
      expect(fileConns.length).toBeGreaterThan(0);
    });
  }
});
