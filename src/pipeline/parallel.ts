/**
 * Both cores for a capture file. A worker thread (worker.ts) reads the file
 * while this thread builds the result, in one of two splits:
 *
 *   flow mode (`analyzeInWorker`, used when there is an application layer):
 *     the worker reads, decodes and tracks connections (timelines included);
 *     this thread runs the application layer (reassembly, HTTP, TLS, DNS…) on
 *     what tracking reports (app-records.ts), then adopts the tracking state
 *     the worker sends at the end.
 *   decode mode (`feedFromWorker`, without application layer): the worker
 *     reads and decodes (records.ts); this thread tracks.
 *
 * The stages overlap, so the analysis takes about as long as the slower side
 * instead of the sum. Batches travel through a ring of SharedArrayBuffer
 * slots (ring.ts): a message names the slot, nothing is copied or
 * transferred per batch (transferring fresh buffers cost milliseconds each in
 * external-memory accounting and GC).
 *
 * The result is the same Analysis one thread builds (test/pipeline): the
 * same decoder and tracker run on the same frames in file order, and the
 * application layer receives the same calls in the same order. analyzeFile
 * takes this path only when asked (`useWorker`: SYNACK_WORKERS=1).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OpenOptions } from '../capture/open.js';
import { CaptureError, type CaptureInfo, type ReaderProblem } from '../capture/source.js';
import { Decoded } from '../decode/decoded.js';
import type { AppObserver } from '../flow/hooks.js';
import { AppRecordBatch, newTcpInfo, newUdpInfo } from './app-records.js';
import { RecordBatch } from './records.js';
import { SlotRing } from './ring.js';
import type { WorkerData } from './worker.js';

/** The part of Analysis the decode mode drives. */
export interface DecodedSink {
  feedDecoded(d: Decoded): void;
  captureInfo: CaptureInfo | undefined;
  problems: ReaderProblem[];
}

/** The part of Analysis the flow mode drives (its tracking state is adopted whole, see `adopt`). */
export interface FlowSink {
  readonly app: AppObserver | undefined;
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

/** CPU seconds the last worker used (Linux; NaN when unknown), for the benchmark. */
export let lastWorkerCpuSeconds = NaN;

/** Records per slot, bytes of copied headers and payload per slot, slots in the ring. */
const CAPACITY = 4096;
const DATA_BYTES = 2 * 1024 * 1024;
const SLOTS = 4;

const workerUrl = new URL('./worker.js', import.meta.url);

/**
 * Whether analyzeFile reads `path` with a worker: only when SYNACK_WORKERS=1
 * (the default is one thread), for a regular file, with the compiled worker
 * present (not when running from TypeScript sources).
 *
 * Why not by default: on the 2-core machine of the benchmark the worker
 * moves ~55% of the main thread's work off it (0.80 → 0.36 CPU-s on the
 * short-connections capture), yet the analysis is not faster, and slower
 * when the machine is busy: one thread already keeps the second core ~40%
 * busy with V8's concurrent compilation and garbage collection, and the two
 * threads need ~30% more CPU in all (recording and copying payloads, a
 * second heap). README "Performance" has the numbers.
 */
export function useWorker(path: string, opts: { stdin?: unknown } = {}): boolean {
  if (process.env.SYNACK_WORKERS !== '1' || path === '-' || opts.stdin !== undefined) return false;
  if (!import.meta.url.endsWith('.js')) return false;
  try {
    if (!statSync(path).isFile()) return false;
    statSync(fileURLToPath(workerUrl));
  } catch {
    return false;
  }
  return true;
}

interface Msg {
  type: 'open' | 'batch' | 'big' | 'end' | 'error';
  slot?: number;
  info?: CaptureInfo;
  problems?: ReaderProblem[];
  state?: Record<string, unknown>;
  count?: number;
  rec?: ArrayBuffer;
  data?: ArrayBuffer;
  bytesRead?: number;
  message?: string;
  cpuSeconds?: number;
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

/** A started worker: its ring and slot buffers, and its messages as an async queue. */
class Session {
  readonly ring = new SlotRing(SLOTS);
  readonly worker: Worker;
  private readonly queue: Msg[] = [];
  private failure: Error | null = null;
  private exited = false;
  private wake: (() => void) | null = null;

  constructor(data: Omit<WorkerData, 'ring'>) {
    this.worker = new Worker(workerUrl, { workerData: { ...data, ring: this.ring.buffer } });
    this.worker.on('message', (m: Msg) => { this.queue.push(m); this.poke(); });
    this.worker.on('error', (e: Error) => { this.failure = e; this.poke(); });
    this.worker.on('exit', () => { this.exited = true; this.poke(); });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async next(): Promise<Msg> {
    for (;;) {
      const m = this.queue.shift();
      if (m !== undefined) {
        if (m.type === 'error') throw rebuild(m);
        return m;
      }
      if (this.failure !== null) throw this.failure;
      if (this.exited) throw new Error('the worker exited before the end of the capture');
      await new Promise<void>((r) => { this.wake = r; });
    }
  }

  async close(): Promise<void> {
    this.ring.stop();
    await this.worker.terminate();
  }
}

function slotBuffers(opts: ParallelOptions, recordBytes: (capacity: number) => number): { capacity: number; slots: WorkerData['slots'] } {
  const capacity = opts.slotRecords ?? CAPACITY;
  const bytes = opts.slotBytes ?? DATA_BYTES;
  const slots = Array.from({ length: SLOTS }, () => ({
    rec: new SharedArrayBuffer(recordBytes(capacity)), data: new SharedArrayBuffer(bytes),
  }));
  return { capacity, slots };
}

function openOptions(opts: ParallelOptions): WorkerData['open'] {
  return { reader: opts.reader, batchSize: opts.batchSize, windowSize: opts.windowSize };
}

/**
 * Decode mode: reads and decodes `path` in a worker and feeds every frame to
 * `sink`, in order. Sets `sink.captureInfo` when the file is open and
 * `sink.problems` at the end. Throws what the single-threaded path throws
 * (CaptureError, or the system error of opening the file).
 */
export async function feedFromWorker(sink: DecodedSink, path: string, opts: ParallelOptions = {}): Promise<void> {
  const { capacity, slots } = slotBuffers(opts, RecordBatch.recordBytes);
  const batches = slots.map((s) => new RecordBatch(s.rec, s.data, capacity));
  const w = new Session({ mode: 'decode', path, open: openOptions(opts), defrag: opts.defrag ?? true, analysis: {}, capacity, slots });
  const d = new Decoded();
  let fileSize = 0;
  try {
    for (;;) {
      const m = await w.next();
      if (m.type === 'batch' || m.type === 'big') {
        const b = m.type === 'batch' ? batches[m.slot!]! : new RecordBatch(m.rec!, m.data!, 1);
        const n = m.count!;
        for (let i = 0; i < n; i++) {
          b.unpack(i, d);
          sink.feedDecoded(d);
        }
        // The slot goes back to the worker: its bytes are not needed past this point (Frame ownership rule).
        if (m.type === 'batch') w.ring.release(m.slot!);
        opts.onProgress?.(m.bytesRead!, fileSize);
      } else if (m.type === 'open') {
        sink.captureInfo = m.info;
        fileSize = m.info!.fileSize;
      } else if (m.type === 'end') {
        sink.captureInfo = m.info;
        sink.problems = m.problems!;
        lastWorkerCpuSeconds = m.cpuSeconds ?? NaN;
        break;
      }
    }
  } finally {
    await w.close();
  }
}

/**
 * Flow mode: reads, decodes and tracks `path` in a worker with the plain
 * options in `analysisOptions` (the same ones `sink` was made with), replays
 * what tracking reports into `sink.app`, and at the end adopts the worker's
 * tracking state into `sink` (see `adopt`). The caller then calls
 * `sink.finish()` as usual, which finishes the application layer.
 */
export async function analyzeInWorker(sink: FlowSink, analysisOptions: Record<string, unknown>, path: string,
  opts: ParallelOptions = {}): Promise<void> {
  const app = sink.app;
  if (app === undefined) throw new Error('analyzeInWorker needs an application layer (use feedFromWorker)');
  const { capacity, slots } = slotBuffers(opts, AppRecordBatch.recordBytes);
  const batches = slots.map((s) => new AppRecordBatch(s.rec, s.data, capacity));
  const analysis = plainOptions(analysisOptions);
  const w = new Session({ mode: 'flow', path, open: openOptions(opts), defrag: true, analysis, capacity, slots });
  const tcp = newTcpInfo();
  const udp = newUdpInfo();
  let fileSize = 0;
  try {
    for (;;) {
      const m = await w.next();
      if (m.type === 'batch' || m.type === 'big') {
        const b = m.type === 'batch' ? batches[m.slot!]! : new AppRecordBatch(m.rec!, m.data!, 1);
        b.count = m.count!;
        b.replay(app, tcp, udp);
        if (m.type === 'batch') w.ring.release(m.slot!);
        opts.onProgress?.(m.bytesRead!, fileSize);
      } else if (m.type === 'open') {
        sink.captureInfo = m.info;
        fileSize = m.info!.fileSize;
      } else if (m.type === 'end') {
        adopt(sink, m.state!, new Set(['app']));
        lastWorkerCpuSeconds = m.cpuSeconds ?? NaN;
        sink.captureInfo = m.info;
        sink.problems = m.problems!;
        break;
      }
    }
  } finally {
    tcp.buf = udp.buf = new Uint8Array(0);
    await w.close();
  }
}

/** The options that cross to the worker: plain values only (no app layer, no callbacks). */
function plainOptions(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'appLayer' || k === 'app' || k === 'bpf') continue;
    if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[k] = v;
  }
  return out;
}

function isInstance(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set) return false;
  const p = Object.getPrototypeOf(v) as unknown;
  return p !== Object.prototype && p !== null;
}

/**
 * Copies the data of `src` (a structured clone: plain objects) into
 * `target`, whose objects have the right classes: where `target` holds an
 * instance of a class, its fields are filled in place (recursively), so the
 * instance keeps its methods and the references other objects hold to it;
 * anything else (numbers, typed arrays, maps, arrays, plain objects) is
 * taken as it came. Trackers' references to the frame map and the
 * application layer are left as they are (they already point at `target`'s).
 */
export function adopt(target: object, src: Record<string, unknown>, skip: ReadonlySet<string>): void {
  const t = target as Record<string, unknown>;
  for (const [k, v] of Object.entries(src)) {
    if (skip.has(k)) continue;
    const cur = t[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Map)
      && !(v instanceof Set) && isInstance(cur)) {
      adopt(cur, v as Record<string, unknown>, INNER_SKIP);
    } else {
      t[k] = v;
    }
  }
}

const INNER_SKIP: ReadonlySet<string> = new Set(['app', 'frames']);
