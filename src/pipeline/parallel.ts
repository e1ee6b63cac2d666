/**
 * Both cores for a capture file: a worker thread reads and decodes
 * (decode-worker.ts) while this thread tracks connections and runs the
 * application layer on what it receives (records.ts batches). The two
 * stages overlap, so the analysis takes about as long as the slower of the
 * two instead of their sum.
 *
 * Batches travel through a ring of SharedArrayBuffer slots (records.ts):
 * a message names the slot, nothing is copied or transferred, and no
 * ArrayBuffer is allocated per batch (transferring fresh buffers costs
 * milliseconds each in external-memory accounting and GC).
 *
 * The result is the same Analysis a single thread builds: frames arrive in
 * file order, decoded by the same FrameDecoder, and are fed through
 * `Analysis.feedDecoded`. Only regular files large enough to repay starting
 * a worker (about 20 ms) take this path (see `useWorker`).
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OpenOptions } from '../capture/open.js';
import { CaptureError, type CaptureInfo, type ReaderProblem } from '../capture/source.js';
import { Decoded } from '../decode/decoded.js';
import type { DecodeWorkerData } from './decode-worker.js';
import { RecordBatch } from './records.js';

/** The part of Analysis this module drives. */
export interface DecodedSink {
  feedDecoded(d: Decoded): void;
  captureInfo: CaptureInfo | undefined;
  problems: ReaderProblem[];
}

export interface ParallelOptions extends OpenOptions {
  defrag?: boolean;
  /** Records and bytes per ring slot (tests use tiny ones so that slot boundaries fall everywhere). */
  slotRecords?: number;
  slotBytes?: number;
  onProgress?(bytesRead: number, fileSize: number): void;
}

/** Files smaller than this are read on one thread (a worker costs more than it saves). */
export const MIN_PARALLEL_BYTES = 8 * 1024 * 1024;

/** Records per slot, bytes of copied headers and payload per slot, slots in the ring. */
const CAPACITY = 4096;
const DATA_BYTES = 2 * 1024 * 1024;
const SLOTS = 4;

const workerUrl = new URL('./decode-worker.js', import.meta.url);

/**
 * Whether `path` is read by a worker: a regular file of at least
 * MIN_PARALLEL_BYTES, more than one core, the compiled worker present
 * (not when running from TypeScript sources), and SYNACK_WORKERS not 0
 * (SYNACK_WORKERS=1 forces the worker for any regular file).
 */
export function useWorker(path: string, opts: { stdin?: unknown } = {}): boolean {
  const env = process.env.SYNACK_WORKERS;
  if (env === '0' || path === '-' || opts.stdin !== undefined) return false;
  if (!import.meta.url.endsWith('.js')) return false;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return false;
    size = st.size;
    statSync(fileURLToPath(workerUrl));
  } catch {
    return false;
  }
  if (env === '1') return true;
  return size >= MIN_PARALLEL_BYTES && availableParallelism() > 1;
}

interface Msg {
  type: 'open' | 'batch' | 'big' | 'end' | 'error';
  slot?: number;
  info?: CaptureInfo;
  problems?: ReaderProblem[];
  count?: number;
  rec?: ArrayBuffer;
  data?: ArrayBuffer;
  bytesRead?: number;
  message?: string;
  capture?: boolean;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

/** The error the worker met, rebuilt: a CaptureError, or an Error with the system error's code, syscall and path. */
function rebuild(m: Msg): Error {
  if (m.capture) return new CaptureError(m.message ?? '');
  const e = new Error(m.message) as NodeJS.ErrnoException;
  if (m.code !== undefined) e.code = m.code;
  if (m.errno !== undefined) e.errno = m.errno;
  if (m.syscall !== undefined) e.syscall = m.syscall;
  if (m.path !== undefined) e.path = m.path;
  return e;
}

/**
 * Reads and decodes `path` in a worker and feeds every frame to `sink`, in
 * order. Sets `sink.captureInfo` when the file is open and `sink.problems`
 * at the end. Throws CaptureError when the file cannot be read as a capture
 * (the same message the single-threaded path gives).
 */
export async function feedFromWorker(sink: DecodedSink, path: string, opts: ParallelOptions = {}): Promise<void> {
  const capacity = opts.slotRecords ?? CAPACITY;
  const slots = Array.from({ length: SLOTS }, () => RecordBatch.allocate(capacity, opts.slotBytes ?? DATA_BYTES, true));
  const data: DecodeWorkerData = {
    path,
    open: { reader: opts.reader, batchSize: opts.batchSize, windowSize: opts.windowSize },
    defrag: opts.defrag ?? true,
    capacity,
    slots: slots.map((b) => ({ rec: b.recBuf as SharedArrayBuffer, data: b.dataBuf as SharedArrayBuffer })),
  };
  const worker = new Worker(workerUrl, { workerData: data });
  const queue: Msg[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (m: Msg) => { queue.push(m); poke(); });
  worker.on('error', (e: Error) => { failure = e; poke(); });
  worker.on('exit', () => { exited = true; poke(); });

  const next = async (): Promise<Msg> => {
    for (;;) {
      const m = queue.shift();
      if (m !== undefined) return m;
      if (failure !== null) throw failure;
      if (exited) throw new Error('the decoding worker exited before the end of the capture');
      await new Promise<void>((r) => { wake = r; });
    }
  };

  const d = new Decoded();
  let fileSize = 0;
  try {
    for (;;) {
      const m = await next();
      if (m.type === 'batch' || m.type === 'big') {
        const b = m.type === 'batch' ? slots[m.slot!]! : new RecordBatch(m.rec!, m.data!, 1);
        const n = m.count!;
        for (let i = 0; i < n; i++) {
          b.unpack(i, d);
          sink.feedDecoded(d);
        }
        // The slot goes back to the worker: its bytes are not needed past this point (Frame ownership rule).
        if (m.type === 'batch') worker.postMessage({ type: 'return', slot: m.slot });
        opts.onProgress?.(m.bytesRead!, fileSize);
      } else if (m.type === 'open') {
        sink.captureInfo = m.info;
        fileSize = m.info!.fileSize;
      } else if (m.type === 'end') {
        sink.captureInfo = m.info;
        sink.problems = m.problems!;
        break;
      } else {
        throw rebuild(m);
      }
    }
  } finally {
    // The worker has posted everything; let it go (terminate also covers an early error here).
    await worker.terminate();
  }
}
