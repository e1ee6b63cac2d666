/**
 * The two-thread paths (src/pipeline: a worker reads and decodes, or reads,
 * decodes and tracks) give the
 * same analysis as one thread on every corpus capture, and reports the same
 * errors. The worker runs compiled code: these tests use the build in dist/
 * (`npx tsc -p tsconfig.json` first, as for the CLI tests).
 */
import { existsSync } from 'node:fs';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAPTURES, corpus, snapshot, type AnalysisView } from './support.js';

const DIST = resolve(process.cwd(), 'dist');
const built = existsSync(join(DIST, 'pipeline/parallel.js'));

interface DistAnalysis extends AnalysisView {
  feed(batch: unknown[]): void;
  feedDecoded(d: unknown): void;
  finish(): void;
}
interface Dist {
  Analysis: new (o?: object) => DistAnalysis;
  analyzeFile(path: string, o?: object): Promise<DistAnalysis>;
  feedFromWorker(a: DistAnalysis, path: string, o?: object): Promise<void>;
  analyzeInWorker(a: DistAnalysis, ao: object, path: string, o?: object): Promise<void>;
  CaptureError: new (m: string) => Error;
}

async function load(): Promise<Dist> {
  const imp = (p: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(DIST, p)).href);
  const [an, par, src] = await Promise.all([imp('analysis.js'), imp('pipeline/parallel.js'), imp('capture/source.js')]);
  return { ...an, ...par, ...src } as unknown as Dist;
}

async function oneThread(m: Dist, path: string, ao: object = {}): Promise<DistAnalysis> {
  const prev = process.env.SYNACK_WORKERS;
  process.env.SYNACK_WORKERS = '0';
  try {
    return await m.analyzeFile(path, ao);
  } finally {
    if (prev === undefined) delete process.env.SYNACK_WORKERS;
    else process.env.SYNACK_WORKERS = prev;
  }
}

/** Decode mode: the worker decodes, this thread tracks and runs the application layer. */
async function twoThreads(m: Dist, path: string, o: object = {}, ao: object = {}): Promise<DistAnalysis> {
  const a = new m.Analysis(ao);
  await m.feedFromWorker(a, path, o);
  a.finish();
  return a;
}

/** Flow mode: the worker decodes and tracks, this thread runs the application layer and adopts the tracking state. */
async function flowThreads(m: Dist, path: string, o: object = {}, ao: object = {}): Promise<DistAnalysis> {
  const a = new m.Analysis(ao);
  await m.analyzeInWorker(a, ao, path, o);
  a.finish();
  return a;
}

describe.skipIf(!built)('decoding worker: same analysis as one thread', () => {
  for (const file of corpus()) {
    it(file, async () => {
      const m = await load();
      const path = resolve(CAPTURES, file);
      const want = snapshot(await oneThread(m, path));
      expect(snapshot(await twoThreads(m, path))).toEqual(want);
      expect(snapshot(await flowThreads(m, path))).toEqual(want);
      // Tiny slots: slot boundaries everywhere, every slot reused many times, frames larger than a slot.
      expect(snapshot(await twoThreads(m, path, { slotRecords: 3, slotBytes: 600 }))).toEqual(want);
      expect(snapshot(await flowThreads(m, path, { slotRecords: 3, slotBytes: 600 }))).toEqual(want);
      // Without timelines (what conns/http/dns run), and with a small connection table (evictions).
      for (const ao of [{ timelines: false }, { maxConnections: 3, maxUdpFlows: 2 }]) {
        expect(snapshot(await flowThreads(m, path, {}, ao)), JSON.stringify(ao)).toEqual(snapshot(await oneThread(m, path, ao)));
      }
    });
  }

  it('a file that is not a capture: the same CaptureError', async () => {
    const m = await load();
    const dir = await mkdtemp(join(tmpdir(), 'synack-worker-'));
    try {
      const p = join(dir, 'not-a-capture.txt');
      await writeFile(p, 'hello, this is text\n');
      let single: unknown;
      try { await oneThread(m, p); } catch (e) { single = e; }
      for (const run of [twoThreads, flowThreads]) {
        let two: unknown;
        try { await run(m, p); } catch (e) { two = e; }
        expect(single).toBeInstanceOf(m.CaptureError);
        expect(two).toBeInstanceOf(m.CaptureError);
        expect((two as Error).message).toBe((single as Error).message);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing file: rejects like the single-threaded path', async () => {
    const m = await load();
    const p = join(tmpdir(), `synack-missing-${process.pid}.pcap`);
    let single: unknown;
    try { await oneThread(m, p); } catch (e) { single = e; }
    expect((single as NodeJS.ErrnoException).code).toBe('ENOENT');
    for (const run of [twoThreads, flowThreads]) {
      let two: unknown;
      try { await run(m, p); } catch (e) { two = e; }
      for (const k of ['message', 'code', 'syscall', 'path'] as const) {
        expect((two as NodeJS.ErrnoException)[k], k).toBe((single as NodeJS.ErrnoException)[k]);
      }
    }
  });
});
