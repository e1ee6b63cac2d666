/**
 * Worker thread body. It reads a capture file and, depending on `mode`:
 *
 *   'decode'  decodes every frame into records (records.ts) for the parent
 *             to track (Analysis.feedDecoded);
 *   'flow'    decodes and tracks (its own Analysis, without application
 *             layer), recording what tracking tells the application layer
 *             (app-records.ts) for the parent to replay into its own; at the
 *             end it sends the tracking state (connections, timelines, frame
 *             map, counters) for the parent to adopt.
 *
 * Batches go through the shared slot ring (ring.ts). Messages to the parent,
 * in order:
 *   {type:'open', info}                         the capture opened
 *   {type:'batch', slot, count, bytesRead}      slot `slot` holds `count` records
 *   {type:'big', count, rec, data, bytesRead}   a one-off batch for a frame or payload larger than a slot (transferred)
 *   {type:'end', info, problems, state?, cpuSeconds}  end of input ('flow': the tracking state; the thread's CPU time)
 *   {type:'error', message, capture, code…}     opening or reading failed (capture: a CaptureError)
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Analysis, type AnalysisOptions } from '../analysis.js';
import type { AppLayer } from '../analyzers/types.js';
import { openCapture, type OpenOptions } from '../capture/open.js';
import { CaptureError, type FrameSource } from '../capture/source.js';
import { Decoded } from '../decode/decoded.js';
import { FrameDecoder } from '../decode/stack.js';
import { AppRecordBatch, AppRecorder } from './app-records.js';
import { RecordBatch } from './records.js';
import { SlotRing } from './ring.js';
import { spillConfig } from '../bytes/spill.js';

export interface WorkerData {
  mode: 'decode' | 'flow';
  path: string;
  open: Pick<OpenOptions, 'reader' | 'batchSize' | 'windowSize'>;
  /** Decode mode: reassemble IP fragments. */
  defrag: boolean;
  /** Flow mode: the analysis options that are plain values (timelines, limits, timeouts…). */
  analysis: AnalysisOptions;
  /** Records per slot. */
  capacity: number;
  /** The ring: its state words and each slot's record and byte areas. */
  ring: SharedArrayBuffer;
  slots: { rec: SharedArrayBuffer; data: SharedArrayBuffer }[];
}

// The tracking state is handed to the parent whole at the end (a spill file's descriptor would not follow it).
spillConfig.enabled = false;

const port = parentPort!;
const cfg = workerData as WorkerData;
const ring = new SlotRing(cfg.slots.length, cfg.ring);

/** The slot being filled, and whether the parent asked us to stop. */
let slot = 0;
/** The capture being read (for progress in batch messages). */
let reading: FrameSource | undefined;
let stopped = !ring.acquire(0);

/** Hands the current slot over and takes the next (blocking until it is back). */
function next(count: number): void {
  ring.publish(slot);
  port.postMessage({ type: 'batch', slot, count, bytesRead: reading?.bytesRead ?? 0 });
  slot = (slot + 1) % cfg.slots.length;
  if (!ring.acquire(slot)) stopped = true;
}

async function decodeMode(src: FrameSource): Promise<void> {
  const batches = cfg.slots.map((s) => new RecordBatch(s.rec, s.data, cfg.capacity));
  const dec = new FrameDecoder({ defrag: cfg.defrag });
  const d = new Decoded();
  let cur = batches[slot]!;
  loop: for await (const batch of src) {
    for (let i = 0; i < batch.length; i++) {
      dec.decode(batch[i]!, d);
      const need = RecordBatch.bytesFor(d);
      if (cur.full || cur.used + need > cur.bytes.length) {
        if (cur.count > 0) {
          next(cur.count);
          if (stopped) break loop;
          cur = batches[slot]!;
          cur.count = 0;
          cur.used = 0;
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
  if (!stopped && cur.count > 0) next(cur.count);
}

async function flowMode(src: FrameSource): Promise<Analysis> {
  const batches = cfg.slots.map((s) => new AppRecordBatch(s.rec, s.data, cfg.capacity));
  let cur = batches[slot]!;
  /** A one-off batch for a payload larger than a slot (not with the default sizes), sent before the next record. */
  let big: AppRecordBatch | null = null;
  const sendBig = (): void => {
    const b = big!;
    big = null;
    port.postMessage({ type: 'big', count: b.count, rec: b.recBuf, data: b.dataBuf, bytesRead: src.bytesRead },
      [b.recBuf as ArrayBuffer, b.dataBuf as ArrayBuffer]);
  };
  const recorder = new AppRecorder((n) => {
    if (big !== null) sendBig();
    if (!cur.fits(n)) {
      if (cur.count > 0 && !stopped) {
        next(cur.count);
        cur = batches[slot]!;
        cur.count = 0;
        cur.used = 0;
      }
      if (!cur.fits(n)) {
        big = AppRecordBatch.allocate(1, n);
        return big;
      }
    }
    return cur;
  });
  // The recorder stands in for the application layer: tracking calls only its AppObserver part.
  const a = new Analysis({ ...cfg.analysis, appLayer: recorder as unknown as AppLayer });
  for await (const batch of src) {
    a.feed(batch);
    if (stopped) break;
  }
  a.finish();
  if (big !== null) sendBig();
  if (!stopped && cur.count > 0) next(cur.count);
  return a;
}

/**
 * The tracking state for the parent: the objects themselves (structured
 * clone keeps their data, not their classes; the parent adopts the data into
 * its own instances), without the recorder, the per-slot analyzers of live
 * connections (not read once input has ended) and scratch buffers. Typed
 * arrays with buffers of their own are transferred, not copied.
 */
function flowState(a: Analysis): { state: object; transfer: ArrayBuffer[] } {
  const anyA = a as unknown as Record<string, Record<string, unknown>>;
  for (const t of [anyA.tcp!, anyA.udp!]) {
    t.app = undefined;
    const info = t.info as { buf?: Uint8Array } | undefined;
    if (info) info.buf = new Uint8Array(0);
    // (If these are renamed, they are only cloned: adopted as plain data, never called after the end.)
    if (Array.isArray(t.analyzers)) t.analyzers = [];
    if (Array.isArray(t.anPool)) t.anPool = [];
  }
  const state = { stats: a.stats, tcp: anyA.tcp, udp: anyA.udp, frames: anyA.frames };
  const transfer = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (Buffer.isBuffer(v)) return; // may sit in Node's shared pool: copied, not transferred
      const b = v.buffer;
      if (b instanceof ArrayBuffer && v.byteOffset === 0 && b.byteLength >= 4096) transfer.add(b);
      return;
    }
    if (v instanceof Map) { for (const x of v.values()) walk(x); return; }
    for (const x of Object.values(v)) walk(x);
  };
  walk(state);
  return { state, transfer: [...transfer] };
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
  reading = src;
  if (cfg.mode === 'decode') {
    await decodeMode(src);
    src.close();
    port.postMessage({ type: 'end', info: src.info, problems: src.problems, cpuSeconds: threadCpu() });
    return;
  }
  const a = await flowMode(src);
  src.close();
  const { state, transfer } = flowState(a);
  port.postMessage({ type: 'end', info: src.info, problems: src.problems, state, cpuSeconds: threadCpu() }, transfer);
}

/** CPU seconds this thread has used (Linux /proc; NaN elsewhere), for the benchmark. */
function threadCpu(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(v[11]) + Number(v[12])) / 100;
  } catch {
    return NaN;
  }
}

/** An error as a message: its text, whether it is a CaptureError, and a system error's code, syscall and path. */
function errorMessage(e: unknown): object {
  if (!(e instanceof Error)) return { type: 'error', message: String(e), capture: false };
  const x = e as NodeJS.ErrnoException;
  return { type: 'error', message: e.message, capture: e instanceof CaptureError, code: x.code, errno: x.errno, syscall: x.syscall, path: x.path };
}

if (!stopped) {
  run().catch((e: unknown) => {
    port.postMessage(errorMessage(e));
  });
}
