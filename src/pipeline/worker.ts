/**
 * Worker thread body: reads a capture file and decodes every frame, packing
 * the results into record batches (records.ts) in the shared slots the
 * parent allocated. A slot is the worker's until it posts it, the parent's
 * until it gives it back: the ring bounds memory, and the reader waits when
 * the consumer lags.
 *
 * Messages to the parent, in order:
 *   {type:'open', info}                              the capture opened
 *   {type:'batch', slot, count, bytesRead}           slot `slot` holds `count` records
 *   {type:'big', count, rec, data, bytesRead}        a one-off batch for a frame larger than a slot (transferred)
 *   {type:'end', info, problems}                     end of input
 *   {type:'error', message, capture, code…}          opening or reading failed (capture: a CaptureError)
 * Messages from the parent: {type:'return', slot} and {type:'stop'}.
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
  /** Records per slot. */
  capacity: number;
  /** The ring: each slot's record and byte areas (SharedArrayBuffers). */
  slots: { rec: SharedArrayBuffer; data: SharedArrayBuffer }[];
}

const port = parentPort!;
const cfg = workerData as DecodeWorkerData;
const batches = cfg.slots.map((s) => new RecordBatch(s.rec, s.data, cfg.capacity));
const free: number[] = batches.map((_, i) => i).reverse();
let wake: (() => void) | null = null;
let stopped = false;

port.on('message', (m: { type: string; slot?: number }) => {
  if (m.type === 'return' && m.slot !== undefined) free.push(m.slot);
  else if (m.type === 'stop') stopped = true;
  const w = wake;
  wake = null;
  w?.();
});

/** The next free slot, waiting for one if all are with the parent; -1 once stopped. */
async function take(): Promise<number> {
  for (;;) {
    if (stopped) return -1;
    const i = free.pop();
    if (i !== undefined) {
      const b = batches[i]!;
      b.count = 0;
      b.used = 0;
      return i;
    }
    await new Promise<void>((r) => { wake = r; });
  }
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
  let slot = await take();
  loop: for await (const batch of src) {
    for (let i = 0; i < batch.length; i++) {
      if (slot < 0) break loop;
      dec.decode(batch[i]!, d);
      let cur = batches[slot]!;
      const need = RecordBatch.bytesFor(d);
      if (cur.full || cur.used + need > cur.bytes.length) {
        if (cur.count > 0) {
          port.postMessage({ type: 'batch', slot, count: cur.count, bytesRead: src.bytesRead });
          slot = await take();
          if (slot < 0) break loop;
          cur = batches[slot]!;
        }
        if (need > cur.bytes.length) {
          // A frame larger than a slot's byte area (not with the default sizes): a batch of its own.
          const big = RecordBatch.allocate(1, need);
          big.pack(d);
          port.postMessage({ type: 'big', count: 1, rec: big.recBuf, data: big.dataBuf, bytesRead: src.bytesRead },
            [big.recBuf as ArrayBuffer, big.dataBuf as ArrayBuffer]);
          continue;
        }
      }
      cur.pack(d);
    }
    if (stopped) break;
  }
  if (slot >= 0 && batches[slot]!.count > 0) {
    port.postMessage({ type: 'batch', slot, count: batches[slot]!.count, bytesRead: src.bytesRead });
  }
  src.close();
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
