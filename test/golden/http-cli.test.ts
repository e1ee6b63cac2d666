/**
 * `synack http` end to end (the built CLI, `node dist/cli/bin.js`): text
 * lines, NDJSON, the HAR file checked against the HAR 1.2 structure, and
 * packet-derived escape sequences arriving inert (issue 8, point 3).
 * Needs `npx tsc -p tsconfig.json` first (npm test does it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ethIpv4Tcp, PcapWriter } from '../../src/capture/pcap-writer.js';
import { CAPTURES, haveCorpus } from '../analyzers/harness.js';
import { validateHar } from '../analyzers/har-schema.js';

const BIN = join(process.cwd(), 'dist', 'cli', 'bin.js');
const built = existsSync(BIN);
const dir = mkdtempSync(join(tmpdir(), 'synack-http-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synack(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'latin1', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A capture whose request and response carry terminal escape sequences and other hostile bytes. */
function hostileCapture(): string {
  const path = join(dir, 'evil.pcap');
  const w = PcapWriter.open(path, { flushIntervalMs: 0 });
  let t = 0;
  const put = (d: 0 | 1, flags: string, seq: number, ack: number, payload = ''): void => {
    t += 0.001;
    w.write({
      tsSec: 1_700_000_000, tsNsec: Math.round(t * 1e9),
      data: ethIpv4Tcp({
        src: d === 0 ? '10.0.0.1' : '10.0.0.2', dst: d === 0 ? '10.0.0.2' : '10.0.0.1',
        sport: d === 0 ? 40000 : 80, dport: d === 0 ? 80 : 40000, flags, seq, ack, payload,
      }),
    });
  };
  const req = 'GET /\x1b]0;owned\x07\x1b[2J{red-fg}x HTTP/1.1\r\nHost: evil\x1b[31m.example\r\n\r\n';
  const resp = 'HTTP/1.1 200 OK\x1b[5m\x9b31m\r\nContent-Type: text/\x1b[1mhtml\r\nContent-Length: 4\r\n\r\n\x1b[2J';
  put(0, 'S', 100, 0); put(1, 'SA', 500, 101); put(0, 'A', 101, 501);
  put(0, 'PA', 101, 501, req);
  put(1, 'PA', 501, 101 + req.length, resp);
  put(0, 'FA', 101 + req.length, 501 + resp.length);
  put(1, 'FA', 501 + resp.length, 102 + req.length);
  w.close();
  return path;
}

describe.skipIf(!built)('synack http', () => {
  test.skipIf(!haveCorpus)('text: one line per exchange with index, status, size, server time, URL', () => {
    const r = synack('http', join(CAPTURES, 'zeek-http-pipelined-requests.pcap'));
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^conn req\s+method/);
    expect(lines.length).toBe(6);
    expect(lines.slice(1).map((l) => l.match(/#(\d+)/)![1])).toEqual(['1', '2', '3', '4', '5']);
    for (const l of lines.slice(1)) expect(l).toMatch(/^\s+0 #\d+\s+GET\s+200 OK\s+\d+ B( \(gzip \d+ B\))?\s+[\d.]+ ms\s+http:\/\//);
  });

  test.skipIf(!haveCorpus)('--json: NDJSON, one valid object per exchange; --conn filters', () => {
    const r = synack('http', join(CAPTURES, 'sv-http-protocol-nodup.pcap'), '--json');
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.length).toBe(40);
    expect(objs[1]).toMatchObject({ connId: 0, index: 2, pipelined: true, method: 'GET', status: 404 });
    expect(Array.isArray(objs[0]!.requestHeaders)).toBe(true);
    const none = synack('http', join(CAPTURES, 'sv-http-protocol-nodup.pcap'), '--json', '--conn', '7');
    expect(none.out.trim()).toBe('');
  });

  test.skipIf(!haveCorpus)('--har writes a valid HAR 1.2 (brotli bodies decoded), never over an existing file or through a link', () => {
    const out = join(dir, 'brotli.har');
    const r = synack('http', join(CAPTURES, 'sv-http-brotli-ce.pcap'), '--har', out);
    expect(r.code).toBe(0);
    const har = JSON.parse(readFileSync(out, 'utf8')) as { log: { entries: { request: { url: string }; response: { content: { size: number; text?: string } } }[] } };
    expect(validateHar(har)).toEqual([]);
    expect(har.log.entries.length).toBe(3);
    // The URL is built from the Host header as sent (RFC 9112 §3.3), here without the port the client really used.
    expect(har.log.entries[0]!.request.url.startsWith('http://www.google.com/complete/search?')).toBe(true);
    // tshark -V: "Content-encoded entity body (br): 640 bytes -> 1743 bytes".
    expect(har.log.entries[1]!.response.content.size).toBe(1743);
    expect(har.log.entries[1]!.response.content.text!.length).toBeGreaterThan(0);
    const again = synack('http', join(CAPTURES, 'sv-http-brotli-ce.pcap'), '--har', out);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists/);
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'keep me');
    const link = join(dir, 'link.har');
    symlinkSync(target, link);
    const viaLink = synack('http', join(CAPTURES, 'sv-http-brotli-ce.pcap'), '--har', link, '--force');
    expect(viaLink.code).toBe(2);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });

  test('escape sequences and blessed tags from packets arrive inert in text, JSON and HAR', () => {
    const path = hostileCapture();
    const text = synack('http', path);
    expect(text.code).toBe(0);
    // No ESC, BEL or C1 CSI byte reaches the terminal; they are shown as escapes.
    expect(text.out).not.toMatch(/[\x1b\x07\x9b]/);
    expect(text.out).toContain('\\x1b]0;owned\\x07');
    const json = synack('http', path, '--json');
    const obj = JSON.parse(json.out.trim()) as { uri: string; host: string; reason: string };
    expect(obj.uri).toBe('/\x1b]0;owned\x07\x1b[2J{red-fg}x');
    expect(obj.host).toBe('evil\x1b[31m.example');
    expect(json.out).not.toMatch(/[\x1b\x07]/);
    const har = join(dir, 'evil.har');
    synack('http', path, '--har', har);
    const raw = readFileSync(har, 'latin1');
    expect(raw).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
    expect(validateHar(JSON.parse(raw))).toEqual([]);
  });
});
