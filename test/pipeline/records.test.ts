/**
 * Frames decoded, packed into records and unpacked (the path frames take
 * from the decoding worker) give the same analysis as frames decoded in
 * place, on every corpus capture: connections, timelines, UDP flows,
 * application events, HTTP/DNS transactions and follow-stream bytes.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analysis.js';
import { openCapture } from '../../src/capture/open.js';
import { Decoded } from '../../src/decode/decoded.js';
import { FrameDecoder } from '../../src/decode/stack.js';
import { RecordBatch } from '../../src/pipeline/records.js';
import { CAPTURES, corpus, snapshot } from './support.js';

async function direct(path: string): Promise<Analysis> {
  const a = new Analysis();
  const src = await openCapture(path);
  a.captureInfo = src.info;
  for await (const batch of src) a.feed(batch);
  a.problems = src.problems;
  a.finish();
  return a;
}

/** Through records, with small batches so that batch boundaries fall everywhere. */
async function viaRecords(path: string, capacity: number, dataBytes: number): Promise<Analysis> {
  const a = new Analysis();
  const src = await openCapture(path);
  a.captureInfo = src.info;
  const dec = new FrameDecoder({ defrag: true });
  const d = new Decoded();
  const out = new Decoded();
  let b = RecordBatch.allocate(capacity, dataBytes);
  const flush = (): void => {
    for (let i = 0; i < b.count; i++) {
      b.unpack(i, out);
      a.feedDecoded(out);
    }
    // A fresh batch: bytes of the previous one must not be needed any more.
    b.bytes.fill(0xee);
    b = RecordBatch.allocate(capacity, dataBytes);
  };
  for await (const batch of src) {
    for (const f of batch) {
      dec.decode(f, d);
      const need = RecordBatch.bytesFor(d);
      if (b.full || b.used + need > b.bytes.length) {
        flush();
        if (need > b.bytes.length) b = RecordBatch.allocate(capacity, need);
      }
      b.pack(d);
    }
  }
  flush();
  a.problems = src.problems;
  a.finish();
  return a;
}

describe('records: pack/unpack keeps the analysis identical', () => {
  for (const file of corpus()) {
    it(file, async () => {
      const path = resolve(CAPTURES, file);
      const want = snapshot(await direct(path));
      expect(snapshot(await viaRecords(path, 7, 4096))).toEqual(want);
      expect(snapshot(await viaRecords(path, 4096, 1 << 20))).toEqual(want);
    });
  }

  it('records round-trip the fields tracking reads', async () => {
    const src = await openCapture(resolve(CAPTURES, 'zeek-http-get.pcap'));
    const dec = new FrameDecoder();
    const d = new Decoded();
    const out = new Decoded();
    const b = RecordBatch.allocate(1024, 1 << 20);
    let n = 0;
    for await (const batch of src) {
      for (const f of batch) {
        dec.decode(f, d);
        b.count = 0;
        b.used = 0;
        b.pack(d);
        b.unpack(0, out);
        for (const k of ['frameNumber', 'tsSec', 'tsNsec', 'capLen', 'origLen', 'linkType', 'ipVersion', 'ipProto',
          'srcPort', 'dstPort', 'seq', 'ack', 'tcpFlags', 'window', 'wscale', 'optionsLen', 'payloadLen',
          'payloadWireLen', 'anomalyCount', 'truncated', 'malformed', 'isTcp', 'isUdp'] as const) {
          expect(out[k], k).toBe(d[k]);
        }
        expect([...out.addr]).toEqual([...d.addr]);
        expect(Buffer.from(out.buf.subarray(out.payloadOffset, out.payloadOffset + out.payloadLen)))
          .toEqual(Buffer.from(d.buf.subarray(d.payloadOffset, d.payloadOffset + d.payloadLen)));
        if (d.optionsLen > 0) {
          expect(Buffer.from(out.buf.subarray(out.optionsOffset, out.optionsOffset + out.optionsLen)))
            .toEqual(Buffer.from(d.buf.subarray(d.optionsOffset, d.optionsOffset + d.optionsLen)));
        }
        n++;
      }
    }
    expect(n).toBeGreaterThan(5);
  });
});
