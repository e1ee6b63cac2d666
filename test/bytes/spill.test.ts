/**
 * The spill file and the stores that use it: what is read back is what was
 * written, byte for byte and field for field, whether a chunk is in memory,
 * being written, or in the file; a `next` link set after its chunk left
 * memory reaches the file; the file has no name once open; and a whole
 * analysis gives the same timelines with spilling on and off.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analysis.js';
import { SpillArena, SpillFile, spillConfig } from '../../src/bytes/spill.js';
import { ethIpv4Tcp } from '../../src/capture/frame-builders.js';
import type { Frame } from '../../src/capture/source.js';
import { CHUNK, R_CONN, R_FRAME, R_NEXT, R_SEQ, RS, TimelineStore, idx } from '../../src/flow/timeline-store.js';

const saved = { ...spillConfig };
afterEach(() => Object.assign(spillConfig, saved));

/** Lets background writes finish (they complete on the event loop): until `done()` holds, 20 s at most. */
async function settle(done: () => boolean): Promise<void> {
  const until = Date.now() + 20_000;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
}

/** Bytes of `n` timeline chunks. */
const chunks = (n: number): number => n * CHUNK * RS * 4;

describe('SpillFile', () => {
  it('reads back what was appended and overwritten; the file has no name from the start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synack-spill-test-'));
    try {
      spillConfig.dir = dir;
      const owner = {};
      const f = SpillFile.open(owner)!;
      expect(f).not.toBeNull();
      expect(readdirSync(dir)).toEqual([]);
      const a = Uint8Array.from({ length: 5000 }, (_, i) => i & 255);
      const b = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 255);
      let doneA: Error | null | undefined;
      let done: Error | null | undefined;
      expect(f.appendLater(a, (e) => { doneA = e; })).toBe(0);
      expect(f.appendLater(b, (e) => { done = e; })).toBe(5000);
      await settle(() => doneA !== undefined && done !== undefined);
      expect(doneA).toBeNull();
      expect(done).toBeNull();
      f.writeAt(10, Uint8Array.of(1, 2, 3));
      const back = new Uint8Array(8000);
      f.read(0, back);
      const want = new Uint8Array(8000);
      want.set(a);
      want.set(b, 5000);
      want.set([1, 2, 3], 10);
      expect(back).toEqual(want);
      expect(() => f.read(7999, new Uint8Array(2))).toThrow(/cut short/);
      f.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers null when spilling is off or the directory cannot be used', () => {
    spillConfig.enabled = false;
    expect(SpillFile.open({})).toBeNull();
    spillConfig.enabled = true;
    spillConfig.dir = '/nonexistent/synack';
    expect(SpillFile.open({})).toBeNull();
  });
});

describe('SpillArena', () => {
  it('gives back every piece, from memory, while being written and from the file', async () => {
    const arena = new SpillArena(4096);
    const pieces: { ref: number; bytes: Uint8Array }[] = [];
    let seed = 1;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const n = 1 + (rnd() % (i % 10 === 0 ? 4096 : 100));
      const bytes = Uint8Array.from({ length: n }, () => rnd() & 255);
      const src = new Uint8Array(n + 10);
      src.set(bytes, 5);
      pieces.push({ ref: arena.append(src, 5, n), bytes });
      if (i === 1000) for (const p of pieces) expect(arena.view(p.ref, p.bytes.length)).toEqual(p.bytes);
    }
    const before = pieces.map((p) => arena.view(p.ref, p.bytes.length));
    await settle(() => arena.memoryBytes() <= 4096);
    expect(arena.spilledBytes).toBeGreaterThan(100 * 4096);
    expect(arena.memoryBytes()).toBeLessThanOrEqual(4096);
    for (const p of pieces) expect(arena.view(p.ref, p.bytes.length)).toEqual(p.bytes);
    // Views handed out before the chunks left memory still hold the bytes.
    pieces.forEach((p, i) => expect(before[i]).toEqual(p.bytes));
    expect(arena.memoryBytes()).toBeLessThanOrEqual(5 * 4096);
    arena.close();
  });

  it('with reuse, chunk memory holds new chunks once written, and every piece still reads back', async () => {
    const arena = new SpillArena(1024, true);
    const pieces: { ref: number; fill: number }[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 40; i++) {
        const fill = (round * 40 + i) & 255;
        pieces.push({ ref: arena.append(new Uint8Array(300).fill(fill), 0, 300), fill });
      }
      // Let writes finish between rounds, so later chunks land in reused memory.
      await settle(() => arena.memoryBytes() <= 1024);
    }
    for (const p of pieces) expect(arena.view(p.ref, 300)).toEqual(new Uint8Array(300).fill(p.fill));
    arena.close();
  });

  it('keeps everything in memory when spilling is off', async () => {
    spillConfig.enabled = false;
    const arena = new SpillArena(1024);
    const b = new Uint8Array(1000).fill(7);
    for (let i = 0; i < 20; i++) arena.append(b, 0, 1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(arena.spilledBytes).toBe(0);
    expect(arena.view(19 * 1024, 1000)).toEqual(b);
  });
});

/** Fills a store with records whose fields are functions of their index, linking every 3rd to the one 3 after it. */
function fill(tl: TimelineStore, n: number, late: number[]): void {
  for (let k = 0; k < n; k++) {
    const rec = tl.append();
    const r = idx(rec) * RS;
    const R = tl.current.i;
    R[r + R_FRAME] = k + 1;
    R[r + R_CONN] = k % 3;
    R[r + R_NEXT] = -1;
    R[r + R_SEQ] = (k * 2654435761) | 0;
    tl.current.f[(r >> 1) + 2] = 1_700_000_000 + k * 1e-6;
    if (k >= 3 && !late.includes(k - 3)) tl.setNext(k - 3, k);
  }
  // Links set long after their chunk was written out (a connection quiet for a while).
  for (const k of late) tl.setNext(k, k + 3);
}

describe('TimelineStore with spilling', () => {
  it('gives back every field of 4.5 chunks of records, with links set after the chunk left memory', async () => {
    const n = CHUNK * 4 + CHUNK / 2;
    const late = [5, CHUNK + 7, 2 * CHUNK + 100];
    const spilled = new TimelineStore();
    fill(spilled, n, []);
    // Chunks 0-2 go to the file (the one being written and the one before it stay).
    await settle(() => spilled.memoryBytes() < chunks(3));
    expect(spilled.memoryBytes()).toBeLessThan(chunks(3));
    // Now set some links again into chunks that are in the file by now.
    for (const k of late) spilled.setNext(k, -5);
    for (const k of late) spilled.setNext(k, k + 3);
    spillConfig.enabled = false;
    const mem = new TimelineStore();
    fill(mem, n, []);
    expect(mem.spilledBytes).toBe(0);
    expect(spilled.spilledBytes).toBeGreaterThan(0);
    expect(spilled.memoryBytes()).toBeLessThan(mem.memoryBytes());
    for (let k = 0; k < n; k += 97) {
      for (const f of [R_FRAME, R_CONN, R_NEXT, R_SEQ]) expect(spilled.get(k, f)).toBe(mem.get(k, f));
      expect(spilled.time(k)).toBe(mem.time(k));
    }
    for (const k of late) expect(spilled.get(k, R_NEXT)).toBe(k + 3);
    spilled.close();
  });

  it('a link set while its chunk is being written is written again', async () => {
    const tl = new TimelineStore();
    fill(tl, CHUNK * 3 + 1, []); // chunk 0's write has just started
    tl.setNext(1, 424242);
    await settle(() => tl.memoryBytes() < chunks(3));
    // Chunk 0 is in the file now; more chunks go out after it, then it is read back.
    for (let k = 0; k < CHUNK * 2; k++) tl.append();
    await settle(() => tl.memoryBytes() < chunks(3));
    expect(tl.memoryBytes()).toBeLessThan(chunks(3));
    expect(tl.spilledBytes).toBeGreaterThanOrEqual(2 * CHUNK * RS * 4);
    expect(tl.get(1, R_NEXT)).toBe(424242);
    tl.close();
  });
});

/**
 * Keep-alive HTTP: `conns` connections taking turns, `rounds` request/response
 * pairs each; data segments are copies of one template per direction with
 * seq/ack patched (checksums are not verified by default).
 */
function keepAlive(conns: number, rounds: number): Frame[][] {
  const out: Frame[][] = [];
  let batch: Frame[] = [];
  let us = 0;
  let num = 0;
  const push = (buf: Uint8Array): void => {
    us += 13;
    batch.push({ number: ++num, buf, offset: 0, capLen: buf.length, origLen: buf.length,
      tsSec: 1_700_000_000 + Math.floor(us / 1e6), tsNsec: (us % 1e6) * 1000, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined });
    if (batch.length === 4096) { out.push(batch); batch = []; }
  };
  const patch = (tpl: Uint8Array, seq: number, ack: number, tag: string, at: number): Uint8Array => {
    const b = tpl.slice();
    const v = new DataView(b.buffer);
    v.setUint32(38, seq >>> 0); // Ethernet 14 + IPv4 20 + TCP sequence number at 4
    v.setUint32(42, ack >>> 0);
    for (let i = 0; i < tag.length; i++) b[54 + at + i] = tag.charCodeAt(i); // payload after a 20-byte TCP header
    return b;
  };
  // Every head differs (a request number in the URI and in a response header), so a mix-up would show.
  const c = 'GET /r0000000 HTTP/1.1\r\nHost: x\r\n\r\n';
  const s = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-N: 0000000\r\n\r\nok';
  const cAt = c.indexOf('0000000');
  const sAt = s.indexOf('0000000');
  const tplC: Uint8Array[] = [];
  const tplS: Uint8Array[] = [];
  for (let i = 0; i < conns; i++) {
    const ep = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000 + i, dport: 80 };
    const back = { src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000 + i };
    push(ethIpv4Tcp({ ...ep, flags: 'S', seq: 999 }));
    push(ethIpv4Tcp({ ...back, flags: 'SA', seq: 4999, ack: 1000 }));
    push(ethIpv4Tcp({ ...ep, flags: 'A', seq: 1000, ack: 5000 }));
    tplC.push(ethIpv4Tcp({ ...ep, flags: 'PA', payload: c }));
    tplS.push(ethIpv4Tcp({ ...back, flags: 'PA', payload: s }));
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < conns; i++) {
      const sc = 1000 + r * c.length;
      const ss = 5000 + r * s.length;
      const tag = String(r * conns + i).padStart(7, '0');
      push(patch(tplC[i]!, sc, ss, tag, cAt));
      push(patch(tplS[i]!, ss, sc + c.length, tag, sAt));
    }
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

const CONNS = 7;
const ROUNDS = 20_000;

async function analyse(batches: Frame[][], spill: boolean): Promise<Analysis> {
  spillConfig.enabled = spill;
  const a = new Analysis();
  for (const b of batches) {
    a.feed(b);
    await new Promise((r) => setImmediate(r)); // as a file is read: the event loop turns between batches
  }
  a.finish();
  return a;
}

describe('analysis with and without spilling', () => {
  it('the same timelines, frame lookups, HTTP and follow-stream bytes for 280,000 segments (4 chunks, 2 in the file)', async () => {
    const batches = keepAlive(CONNS, ROUNDS);
    const on = await analyse(batches, true);
    const off = await analyse(batches, false);
    expect(on.memory().timelineSpilled).toBeGreaterThan(0);
    expect(off.memory().timelineSpilled).toBe(0);
    expect(on.connCount()).toBe(CONNS);
    const rows = 3 + 2 * ROUNDS;
    for (let id = 0; id < CONNS; id++) {
      expect(on.timelineLength(id)).toBe(rows);
      expect(off.timelineLength(id)).toBe(rows);
      // Windows from the start, the end and across the chunk boundaries (as JSON: deep comparison of many rows is slow).
      for (const from of [0, 9_000, 18_500, 27_500, 37_000, rows - 700]) {
        expect(JSON.stringify(on.timeline(id, from, from + 700))).toBe(JSON.stringify(off.timeline(id, from, from + 700)));
      }
      expect(JSON.stringify(on.conn(id))).toBe(JSON.stringify(off.conn(id)));
    }
    for (let f = 1; f <= on.stats.frames; f += 1009) expect(on.frameConn(f)).toEqual(off.frameConn(f));
    // Follow-stream bytes (1 MiB kept per connection, 7 MiB in all: most of it in the file).
    const arena = (on.app as unknown as { budget: { arena: SpillArena } }).budget.arena;
    await settle(() => arena.spilledBytes >= 5 << 20);
    expect(arena.spilledBytes).toBeGreaterThanOrEqual(5 << 20);
    for (let id = 0; id < CONNS; id++) {
      const a = on.app!.stream(id)!;
      const b = off.app!.stream(id)!;
      expect(a.length).toBe(b.length);
      a.forEach((c, i) => {
        expect(c.dir).toBe(b[i]!.dir);
        expect(c.frameNumber).toBe(b[i]!.frameNumber);
        expect(Buffer.compare(c.data, b[i]!.data)).toBe(0);
      });
    }
    expect(on.app!.http.length).toBe(CONNS * ROUNDS);
    // Raw heads (9 MB of them, in 256 KiB chunks: most in the file) give the same URIs and headers.
    const txOn = on.app!.http;
    const txOff = off.app!.http;
    for (let k = 0; k < txOn.length; k += 997) {
      expect(JSON.stringify(txOn[k])).toBe(JSON.stringify(txOff[k]));
      expect(txOn[k]!.uri).toBe(`/r${String((txOn[k]!.index - 1) * CONNS + txOn[k]!.connId).padStart(7, '0')}`);
    }
    expect(txOn[txOn.length - 1]!.responseHeaders).toEqual([['Content-Length', '2'], ['X-N', String(CONNS * ROUNDS - 1).padStart(7, '0')]]);
  }, 120_000);
});
