/**
 * The whole pipeline as a front end runs it, for fuzzing: a capture file on
 * disk → openCapture → Analysis (application layer on) → connections(),
 * every connection's timeline(), UDP flows, app.http / app.dns / events,
 * the HAR mapping; then a second pass through the `packets` path
 * (FrameDecoder → oneLine, describeFrame, frameJson).
 *
 * `runPipeline` throws when anything in the pipeline throws (a CaptureError
 * when opening is the one allowed refusal), when a text output carries a raw
 * control character, when a JSON output does not survive JSON.parse, or when
 * the heap grows beyond the stated bound while the case runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildHar } from '../../src/analyzers/har.js';
import type { HttpTx } from '../../src/analyzers/http/tx.js';
import { Analysis } from '../../src/analysis.js';
import { openCapture } from '../../src/capture/open.js';
import { CaptureError } from '../../src/capture/source.js';
import { Decoded } from '../../src/decode/decoded.js';
import { RelativeSeq, describeFrame, frameJson, oneLine, type LayerNode } from '../../src/decode/describe.js';
import { FrameDecoder } from '../../src/decode/stack.js';

export const CAPTURES = resolve(process.cwd(), '../shared/captures');

/** Raw C0 (except none), DEL and C1 controls, bidi overrides: never allowed in text meant for a terminal. */
export const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A collectable garbage collector, when V8 lets us have one (for heap measurements that mean something). */
export const gc: (() => void) | undefined = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

let dir: string | undefined;
let seq = 0;
export function tempPath(name?: string): string {
  if (!dir) dir = mkdtempSync(join(tmpdir(), 'synack-fuzz-'));
  return join(dir, name ?? `case${++seq % 64}.bin`);
}
export function cleanTemp(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

export interface PipelineResult {
  opened: boolean;
  frames: number;
  conns: number;
  udpFlows: number;
  timelineRows: number;
  http: number;
  dns: number;
  events: number;
  problems: number;
  /** Wall-clock and CPU milliseconds (CPU: user + system of this process, unaffected by other load on the machine). */
  ms: number;
  cpuMs: number;
  /** Largest heap growth seen at batch boundaries, bytes. */
  heapGrowth: number;
}

function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function assertText(where: string, s: string): void {
  if (RAW_CONTROL.test(s)) {
    const m = RAW_CONTROL.exec(s)!;
    throw new Error(`${where}: raw control U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} in text output: ${JSON.stringify(s.slice(0, 200))}`);
  }
}

function assertJson(where: string, v: unknown): void {
  const s = JSON.stringify(v);
  if (s === undefined) return;
  JSON.parse(s);
  // JSON.stringify escapes C0; lone surrogates become \ud8xx escapes (well-formed JSON.stringify, ES2019).
  if (/[\u0000-\u001f]/.test(s)) throw new Error(`${where}: raw control in JSON`);
}

function walkTree(nodes: LayerNode[]): void {
  for (const n of nodes) {
    assertText('describe', n.summary);
    for (const [k, v] of n.fields) { assertText('describe field', k); assertText('describe field', v); }
    for (const a of n.anomalies) assertText('describe anomaly', a);
    walkTree(n.children);
  }
}

export interface PipelineOptions {
  /** Heap growth allowed on top of `heapPerByte` × file size (bytes). */
  heapBase?: number;
  heapPerByte?: number;
  /** Also run the packets path (default true). */
  packets?: boolean;
}

/** Runs the whole pipeline over the file at `path` (see the file comment). */
export async function runPipeline(path: string, fileSize: number, opts: PipelineOptions = {}): Promise<PipelineResult> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const heap0 = process.memoryUsage().heapUsed;
  const limit = (opts.heapBase ?? 96 * 1024 * 1024) + (opts.heapPerByte ?? 64) * fileSize;
  let heapGrowth = 0;
  const sample = (): void => {
    const g = process.memoryUsage().heapUsed - heap0;
    if (g > heapGrowth) heapGrowth = g;
    if (g > limit) throw new Error(`heap grew by ${(g / 1048576).toFixed(1)} MiB on a ${fileSize}-byte file (bound ${(limit / 1048576).toFixed(1)} MiB)`);
  };
  const r: PipelineResult = { opened: false, frames: 0, conns: 0, udpFlows: 0, timelineRows: 0, http: 0, dns: 0, events: 0, problems: 0, ms: 0, cpuMs: 0, heapGrowth: 0 };

  let src;
  try {
    src = await openCapture(path, { batchSize: 64 });
  } catch (e) {
    if (e instanceof CaptureError) { r.ms = performance.now() - t0; r.cpuMs = cpuSince(c0); return r; }
    throw e;
  }
  r.opened = true;
  const a = new Analysis({ app: true });
  try {
    for await (const batch of src) {
      a.feed(batch);
      sample();
    }
  } finally {
    src.close();
  }
  a.problems = src.problems;
  a.finish();
  for (const p of src.problems) assertText('reader problem', p.message);
  r.problems = src.problems.length;
  r.frames = a.stats.frames;

  const conns = a.connections();
  r.conns = conns.length;
  assertJson('connections', conns);
  for (const c of conns) {
    assertText('conn label', c.app);
    assertText('conn history', c.history);
    const rows = a.timeline(c.id);
    r.timelineRows += rows.length;
    for (const e of rows) {
      assertText('timeline note', e.note);
      assertText('timeline options', e.options);
      for (const s of e.app) assertText('timeline app', s);
      for (const s of e.anomalies) assertText('timeline anomaly', s);
      for (const s of e.analysis) assertText('timeline analysis', s);
    }
    assertJson('timeline', rows);
    a.app!.stream(c.id);
  }
  sample();
  const udp = a.udpFlows();
  r.udpFlows = udp.length;
  for (const c of udp) assertText('udp label', c.app);
  assertJson('udp', udp);
  const app = a.app!;
  r.http = app.http.length;
  r.dns = app.dns.length;
  r.events = app.events.length;
  for (const ev of app.events) assertText('app event', ev.text);
  assertJson('events', app.events);
  const txs = app.http as HttpTx[];
  assertJson('http', txs.map((t) => (typeof t.toJSON === 'function' ? t.toJSON() : t)));
  assertJson('dns', app.dns);
  assertJson('har', buildHar(txs, { creatorVersion: '0', title: 'fuzz', serverAddress: (id) => a.conn(id)?.server.ip, serverPort: (id) => a.conn(id)?.server.port }));
  sample();

  if (opts.packets !== false) {
    // The `packets` path: its own decoder, one line, the layer tree and NDJSON per frame.
    const src2 = await openCapture(path, { batchSize: 64 });
    const dec = new FrameDecoder();
    const d = new Decoded();
    const rel = new RelativeSeq(1024);
    try {
      for await (const batch of src2) {
        for (const f of batch) {
          dec.decode(f, d);
          assertText('packets line', oneLine(d, { rel }));
          assertJson('packets json', frameJson(f, d, { rel }));
          // The layer tree (what -v and --json -v print) for the frames a mutation most likely hit, and a sample of the rest.
          if (d.anomalyCount > 0 || (f.number & 15) === 1) {
            const tree = describeFrame(f, d);
            walkTree(tree);
            assertJson('packets tree', tree);
          }
        }
        sample();
      }
    } finally {
      src2.close();
    }
  }
  r.ms = performance.now() - t0;
  r.cpuMs = cpuSince(c0);
  r.heapGrowth = heapGrowth;
  return r;
}

/** Writes `bytes` to a temp file and runs the pipeline on it. */
export async function runBytes(bytes: Uint8Array, opts?: PipelineOptions): Promise<PipelineResult> {
  const p = tempPath();
  writeFileSync(p, bytes);
  return runPipeline(p, bytes.length, opts);
}
