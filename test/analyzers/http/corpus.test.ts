/**
 * HTTP/1.x and WebSocket on corpus captures: keep-alive, true pipelining,
 * chunked + brotli on port 443, an HTTP/0.9-style reply, WebSocket frames.
 * Expected values come from the MANIFEST descriptions, tshark's expected
 * files, and `tshark -V` output quoted next to each assertion.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { HttpTx } from '../../../src/analyzers/http/tx.js';
import { analyzeForTest } from '../../golden/http-support.js';
import { EXPECTED, haveCorpus } from '../harness.js';

const txs = async (file: string): Promise<HttpTx[]> => (await analyzeForTest(file)).http as HttpTx[];

describe.skipIf(!haveCorpus)('HTTP on the corpus', () => {
  test('keep-alive: 5 sequential requests on one connection, indices 1..5, none pipelined', async () => {
    // MANIFEST: "5 sequential HTTP/1.1 requests on one keep-alive connection (... requests are not actually overlapped)".
    const t = await txs('zeek-http-pipelined-requests.pcap');
    expect(t.map((x) => [x.connId, x.index, x.pipelined, x.status])).toEqual([
      [0, 1, false, 200], [0, 2, false, 200], [0, 3, false, 200], [0, 4, false, 200], [0, 5, false, 200],
    ]);
    expect(t.every((x) => x.persistence === 'keep-alive')).toBe(true);
    // Each response starts after the previous one ended.
    for (let i = 1; i < t.length; i++) expect(t[i]!.requestStart).toBeGreaterThanOrEqual(t[i - 1]!.responseEnd!);
  });

  test('true pipelining: 40 requests sent ahead of their responses, paired in order', async () => {
    // MANIFEST: "many GET requests packed into single segments, responses batched (several 404s per segment)".
    const t = await txs('sv-http-protocol-nodup.pcap');
    expect(t.length).toBe(40);
    expect(t.map((x) => x.index)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(t[0]!.pipelined).toBe(false);
    expect(t.slice(1).every((x) => x.pipelined)).toBe(true);
    expect(t.every((x) => x.status === 404 && x.responseComplete)).toBe(true);
    // frames.tsv: the first segment (frame 4) carries 7 requests; frame 6 the first response.
    expect(t.slice(0, 7).every((x) => x.requestFrames[0] === 4)).toBe(true);
    expect(t[0]!.responseFrames).toEqual([6]);
    expect(t[39]!.uri).toBe('/.bzr/README');
    expect(t[39]!.persistence).toBe('close');
  });

  test('chunked + brotli on port 443, recognised by content', async () => {
    // tshark -V: "Content-encoded entity body (br): 95 bytes -> 121 bytes", then "640 bytes -> 1743 bytes"; third is 204.
    const t = await txs('sv-http-brotli-ce.pcap');
    expect(t.map((x) => [x.index, x.status, x.contentEncoding, x.responseChunked, x.responseBodyEntity, x.responseBodyDecoded])).toEqual([
      [1, 200, 'br', true, 95, 121],
      [2, 200, 'br', false, 640, 1743],
      [3, 204, '', false, 0, 0],
    ]);
    const layer = await analyzeForTest('sv-http-brotli-ce.pcap');
    expect(layer.tcpLabel(0)).toBe('HTTP');
  });

  test('HTTP/0.9-style reply (no status line) is a body until close, not a crash', async () => {
    // expected/README: "the server's HTTP/0.9-style reply has no status line. TShark reports it as HTTP Continuation".
    const layer = await analyzeForTest('zeek-http-curl_http_09.pcap');
    const t = layer.http as HttpTx[];
    expect(t.length).toBe(1);
    expect(t[0]!.method).toBe('GET');
    expect(t[0]!.status).toBe(null);
    expect(t[0]!.responseVersion).toBe('HTTP/0.9');
    expect(t[0]!.responseBodyEntity).toBeGreaterThan(0);
    expect(layer.events.some((e) => e.text.includes('without status line'))).toBe(true);
  });

  test('a 4-segment response body is reassembled to its Content-Length', async () => {
    // tshark -V on zeek-http-get.pcap: "Content-Length: 4705", "File Data: 4705 bytes".
    const t = await txs('zeek-http-get.pcap');
    expect(t.length).toBe(1);
    expect(t[0]!.responseBodyWire).toBe(4705);
    expect(t[0]!.responseComplete).toBe(true);
    expect(t[0]!.responseFrames.length).toBe(4);
  });
});

/** "frame:opcode" per WebSocket frame, in order, from expected/FILE.app.tsv (websocket.opcode). */
function tsharkOpcodes(file: string): string[] {
  const path = join(EXPECTED, `${file}.app.tsv`);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const col = lines[0]!.split('\t').indexOf('websocket.opcode');
  return lines.slice(1).flatMap((l) => {
    const f = l.split('\t');
    return (f[col] ?? '').split(',').filter((x) => x !== '').map((op) => `${f[0]}:${op}`);
  });
}

const OPCODES: Record<string, number> = { Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 };

describe.skipIf(!haveCorpus)('WebSocket on the corpus agrees with tshark websocket.opcode', () => {
  for (const file of ['zeek-http-websocket.pcap', 'sv-websocket-ping.pcap']) {
    test(file, async () => {
      const layer = await analyzeForTest(file);
      const ours = layer.events.filter((e) => e.proto === 'WebSocket' && e.anomaly === undefined)
        .map((e) => `${e.frameNumber}:${OPCODES[e.text.split(' ')[0]!]}`);
      expect(ours).toEqual(tsharkOpcodes(file));
      const up = (layer.http as HttpTx[]).find((t) => t.status === 101)!;
      expect(up.upgrade).toBe('websocket');
      // RFC 6455 §4.2.2: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)); both captures carry a correct one.
      expect(up.wsAcceptOk).toBe(true);
      expect(layer.tcpLabel(up.connId)).toBe('WebSocket');
    });
  }
});
