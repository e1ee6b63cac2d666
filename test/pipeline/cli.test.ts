/**
 * The CLI prints the same bytes whether a worker thread decodes
 * (SYNACK_WORKERS=1 forces it for any file) or not (SYNACK_WORKERS=0).
 * Uses the build in dist/ (`npx tsc -p tsconfig.json` first).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CAPTURES } from './support.js';

const run = promisify(execFile);
const BIN = resolve(process.cwd(), 'dist/cli/bin.js');

async function cli(workers: '0' | '1', args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, SYNACK_WORKERS: workers }, maxBuffer: 1 << 26,
    });
    return { out: r.stdout, err: r.stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { out: x.stdout, err: x.stderr, code: x.code };
  }
}

const FILES = ['zeek-http-pipelined-requests.pcap', 'ppp-frag_http_req.pcap', 'arkime-wireshark-retrans.pcap',
  'gopacket-le-test901.pcapng', 'tcpdump-dns_udp.pcap', 'sv-http-brotli-ce.pcap'];
const COMMANDS = [['conns', '--json'], ['timeline', '--json'], ['http', '--json'], ['dns', '--json']];

describe.skipIf(!existsSync(BIN))('CLI: one thread and two threads print the same', () => {
  for (const f of FILES) {
    it(f, async () => {
      const path = resolve(CAPTURES, f);
      for (const c of COMMANDS) {
        const [one, two] = await Promise.all([cli('0', [...c, path]), cli('1', [...c, path])]);
        expect(two, `${c.join(' ')} ${f}`).toEqual(one);
      }
    }, 60_000);
  }

  it('errors: a missing file and a text file', async () => {
    for (const p of [resolve(CAPTURES, 'no-such-file.pcap'), resolve(CAPTURES, 'MANIFEST.tsv')]) {
      const [one, two] = await Promise.all([cli('0', ['conns', p]), cli('1', ['conns', p])]);
      expect(one.code).not.toBe(0);
      expect(two).toEqual(one);
    }
  }, 60_000);
});
