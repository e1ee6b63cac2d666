/**
 * Worker thread body: reads a capture file and decodes every frame, packing
 * the results into record batches (records.ts) that it transfers to the
 * thread that started it. Batches come back to it once consumed (a fixed
 * pool, so memory is bounded and the reader waits when the consumer lags).
 *
 * Messages to the parent, in order:
 *   {type:'open', info}                     the capture opened
 *   {type:'batch', count, used, rec, data, bytesRead}   (rec/data transferred)
 *   {type:'end', info, problems}            end of input
 *   {type:'error', message, capture, code…}  opening or reading failed (capture: a CaptureError)
 * Messages from the parent: {type:'return', rec, data} and {type:'stop'}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openCapture, type OpenOptions } from '../capture/open.js';
import { CaptureError, type FrameSource } from '../capture/source.js';
import { Decoded } from '../decode/decoded.js';
import { FrameDecoder } from '../decode/stack.js';
import { RecordBatch } from './records.js';

export interface DecodeWorkerData {
  path: string;
  open: Pick<OpenOptions, 'reader' | 'batchSize' | 'windowSize'>;
  defrag: boolean;
  /** Records per batch. */
  capacity: number;
  /** Bytes of copied transport headers and payload per batch. */
  dataBytes: number;
  /** Batches in flight at most. */
  batches: number;
}

const port = parentPort!;
const cfg = workerData as DecodeWorkerData;
const pool: RecordBatch[] = [];
let wake: (() => void) | null = null;
let stopped = false;

port.on('message', (m: { type: string; rec?: ArrayBuffer; data?: ArrayBuffer }) => {
  if (m.type === 'return' && m.rec && m.data) {
    // Batches made larger for one oversized frame are dropped, not pooled.
    if (m.data.byteLength === cfg.dataBytes) pool.push(new RecordBatch(m.rec, m.data, cfg.capacity));
  } else if (m.type === 'stop') {
    stopped = true;
  }
  const w = wake;
  wake = null;
  w?.();
});

let inFlight = 0;

async function take(): Promise<RecordBatch> {
  for (;;) {
    const b = pool.pop();
    if (b !== undefined) {
      b.count = 0;
      b.used = 0;
      return b;
    }
    if (inFlight < cfg.batches) {
      inFlight++;
      return RecordBatch.allocate(cfg.capacity, cfg.dataBytes);
    }
    await new Promise<void>((r) => { wake = r; });
    if (stopped) return RecordBatch.allocate(cfg.capacity, cfg.dataBytes);
  }
}

function send(b: RecordBatch, src: FrameSource): void {
  port.postMessage(
    { type: 'batch', count: b.count, used: b.used, rec: b.recBuf, data: b.dataBuf, bytesRead: src.bytesRead },
    [b.recBuf, b.dataBuf],
  );
}

async function run(): Promise<void> {
  let src: FrameSource;
  try {
    src = await openCapture(cfg.path, cfg.open);
  } catch (e) {
    port.postMessage(errorMessage(e));
    return;
  }
  port.postMessage({ type: 'open', info: src.info });
  const dec = new FrameDecoder({ defrag: cfg.defrag });
  const d = new Decoded();
  let cur = await take();
  for await (const batch of src) {
    for (let i = 0; i < batch.length; i++) {
      dec.decode(batch[i]!, d);
      const need = RecordBatch.bytesFor(d);
      if (cur.full || cur.used + need > cur.bytes.length) {
        if (cur.count > 0) {
          send(cur, src);
          cur = await take();
        }
        if (need > cur.bytes.length) {
          // One frame larger than a batch's byte area (a big reassembled datagram): a batch of its own size.
          pool.push(cur);
          cur = RecordBatch.allocate(cfg.capacity, need);
        }
      }
      cur.pack(d);
    }
    if (stopped) {
      src.close();
      break;
    }
  }
  if (cur.count > 0) send(cur, src);
  port.postMessage({ type: 'end', info: src.info, problems: src.problems });
}

/** An error as a message: its text, whether it is a CaptureError, and a system error's code, syscall and path. */
function errorMessage(e: unknown): object {
  if (!(e instanceof Error)) return { type: 'error', message: String(e), capture: false };
  const x = e as NodeJS.ErrnoException;
  return { type: 'error', message: e.message, capture: e instanceof CaptureError, code: x.code, errno: x.errno, syscall: x.syscall, path: x.path };
}

run().catch((e: unknown) => {
  port.postMessage(errorMessage(e));
});
