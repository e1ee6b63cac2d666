/**
 * Whole-pipeline fuzzing (issue 8, point 1). Real corpus files from
 * ../shared/captures and a few built ones are mutated and run through
 * everything a front end does with a capture (see harness.ts): reading,
 * decoding with reassembly, connection tracking and timelines, the
 * application layer (HTTP, TLS, HTTP/2, WebSocket, DNS, QUIC), HAR, and the
 * `packets` path (one line, layer tree, NDJSON).
 *
 * Mutations:
 * - bit flips and random byte runs anywhere after the magic;
 * - application tokens spliced into TCP/UDP payloads (CRLFs, chunk sizes,
 *   huge Content-Lengths, TLS record headers, the HTTP/2 preface, an upgrade);
 * - length fields (pcap caplen/origlen; pcapng block lengths, leading and
 *   trailing, and packet lengths; IPv4 total length and IHL; IPv6 payload
 *   length; TCP data offset; UDP length) set to 0, to one less and one more
 *   than the data, to the maximum (2^32−1 for 32-bit fields), or at random;
 * - random record lengths in every pcap record;
 * - truncation at every offset of the small files, and at every record
 *   boundary ±1 of the others.
 *
 * Properties: nothing throws (a CaptureError when opening is the only
 * refusal allowed); text outputs carry no raw control character; JSON
 * outputs parse; each case finishes within 1 s + 10 µs per input byte; the
 * heap never grows by more than 96 MiB + 64 × the input size while a case
 * runs, and the run as a whole retains less than 48 MiB after a collection.
 *
 * CI runs a fixed seed and count (printed). SYNACK_FUZZ_RUNS (per property)
 * and SYNACK_FUZZ_SEED change them; `npm run fuzz` runs 20,000 per property.
 * A failing case prints its seed and path, so `SYNACK_FUZZ_SEED=… ` with
 * fast-check's `path` replays it; every crash found is kept as a byte
 * vector in regressions.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPcap, ethIpv4Tcp, ethIpv4Udp, ethIpv6Tcp } from '../../src/capture/pcap-writer.js';
import { buildPcapng, epb, idb, shb, spb } from '../../src/capture/pcapng-build.js';
import { CAPTURES, cleanTemp, gc, runBytes, runPipeline, type PipelineResult } from './harness.js';
import { type Field, type Layout, fieldMax, layout, setField } from './layout.js';

const RUNS = Math.max(1, Number(process.env.SYNACK_FUZZ_RUNS ?? 150));
const SEED = Number(process.env.SYNACK_FUZZ_SEED ?? 0x5eed8);
/** Seeds larger than this are left out of per-case mutation (their cost would crowd out the rest). */
const MAX_SEED_BYTES = 80 * 1024;
/** Files up to this size are cut at every offset. */
const CUT_EVERY_OFFSET = Number(process.env.SYNACK_FUZZ_CUT_MAX ?? 400);
/** Files up to this size get every length field set to each of 0 / −1 / +1 / max in turn. */
const EXHAUSTIVE_FIELDS_MAX = Number(process.env.SYNACK_FUZZ_FIELDS_MAX ?? 1000);
/** Record-boundary cuts per larger file (spread evenly over its records). */
/** Per-test timeout: room for slow machines, and for long runs (npm run fuzz). */
const TIMEOUT = Math.max(120_000, RUNS * 60);
const BOUNDARY_CUTS = Math.max(10, Math.round(RUNS / 15));

interface Seed { name: string; bytes: Uint8Array; layout: Layout }
const seeds: Seed[] = [];

function addSeed(name: string, bytes: Uint8Array): void {
  seeds.push({ name, bytes, layout: layout(bytes) });
}

/** Small built seeds that reach what the corpus has little of: chunked bodies, WebSocket, pcapng SPB, IPv6. */
function builtSeeds(): void {
  const c = { src: '10.1.0.1', dst: '10.1.0.2', sport: 40001, dport: 80 };
  const s = { src: '10.1.0.2', dst: '10.1.0.1', sport: 80, dport: 40001 };
  const req = 'GET /a?b=c HTTP/1.1\r\nHost: example.test\r\nUser-Agent: fuzz\r\n\r\n';
  const resp = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n';
  const ws = 'GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const wsr = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello\x88\x02\x03\xe8';
  const conv = (cc: typeof c, ss: typeof s, a: string, b: string, v6 = false) => {
    const mk = v6 ? ethIpv6Tcp : ethIpv4Tcp;
    const cs = v6 ? { ...cc, src: '2001:db8::1', dst: '2001:db8::2' } : cc;
    const sv = v6 ? { ...ss, src: '2001:db8::2', dst: '2001:db8::1' } : ss;
    return [
      mk({ ...cs, flags: 'S', seq: 100, options: [2, 4, 5, 0xb4, 4, 2, 3, 3, 7] }),
      mk({ ...sv, flags: 'SA', seq: 900, ack: 101, options: [2, 4, 5, 0xb4, 4, 2, 3, 3, 7] }),
      mk({ ...cs, flags: 'A', seq: 101, ack: 901 }),
      mk({ ...cs, flags: 'PA', seq: 101, ack: 901, payload: a }),
      mk({ ...sv, flags: 'PA', seq: 901, ack: 101 + a.length, payload: b }),
      mk({ ...cs, flags: 'FA', seq: 101 + a.length, ack: 901 + b.length }),
      mk({ ...sv, flags: 'FA', seq: 901 + b.length, ack: 102 + a.length }),
      mk({ ...cs, flags: 'A', seq: 102 + a.length, ack: 902 + b.length }),
    ];
  };
  const dnsQ = Buffer.from('123401000001000000000000076578616d706c65047465737400000100 01'.replace(/ /g, ''), 'hex');
  const frames = [...conv(c, s, req, resp), ...conv({ ...c, sport: 40002 }, { ...s, dport: 40002 }, ws, wsr, true),
    ethIpv4Udp({ sport: 5353, dport: 53, payload: dnsQ })];
  addSeed('built-http.pcap', buildPcap(frames.map((data, i) => ({ tsSec: 1_700_000_000 + i, data }))));
  addSeed('built-http.pcapng', buildPcapng([shb(), idb({ tsresol: 9 }), ...frames.slice(0, 8).map((data, i) => epb({ ts: BigInt(i) * 1000n, data })),
    shb({ bigEndian: true }), idb({ bigEndian: true }), ...frames.slice(8).map((data) => spb({ bigEndian: true, data }))]));
}

beforeAll(() => {
  builtSeeds();
  for (const f of readdirSync(CAPTURES).filter((x) => /\.(pcap|pcapng)$/.test(x)).sort()) {
    const p = join(CAPTURES, f);
    if (statSync(p).size > MAX_SEED_BYTES) continue;
    addSeed(f, readFileSync(p));
  }
  console.log(`pipeline fuzz: seed ${SEED}, ${RUNS} runs per property, ${seeds.length} seed files`
    + ` (SYNACK_FUZZ_SEED / SYNACK_FUZZ_RUNS to change; npm run fuzz for 20000)`);
});

afterAll(() => cleanTemp());

// --------------------------------------------------------------- bounds

/**
 * Time bound per case: 1 s + 10 µs per input byte of CPU time (user + system
 * of this process, so other load on the machine does not count). Typical
 * cases take 1–20 ms; a loop that never ends blows the bound at once.
 */
const timeBound = (bytes: number): number => 1000 + bytes / 100;
let worstRatio = 0;
let worstCase = '';
let cases = 0;
const heapStart = { v: 0 };

function checkBounds(r: PipelineResult, bytes: number): void {
  cases++;
  const bound = timeBound(bytes);
  if (r.cpuMs / bound > worstRatio) { worstRatio = r.cpuMs / bound; worstCase = `${r.cpuMs.toFixed(0)} ms CPU (${r.ms.toFixed(0)} ms wall) on ${bytes} bytes, ${r.frames} frames`; }
  if (process.env.SYNACK_FUZZ_DEBUG && r.cpuMs > 100) console.log(`slow case ${r.cpuMs.toFixed(0)} ms CPU, ${bytes} bytes, ${r.frames} frames`);
  if (r.cpuMs > bound) throw new Error(`took ${r.cpuMs.toFixed(0)} ms of CPU on ${bytes} bytes (bound ${bound.toFixed(0)} ms)`);
}

async function run(bytes: Uint8Array): Promise<void> {
  checkBounds(await runBytes(bytes), bytes.length);
}

// --------------------------------------------------------------- mutations

const TOKENS = [
  '\r\n', '\r\n\r\n', '\n\n', ' HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.0 304 x\r\n\r\n',
  'Transfer-Encoding: chunked\r\n', 'Content-Length: 99999999999999999999\r\n', 'Content-Length: -1\r\n',
  'Content-Length: 0\r\nContent-Length: 5\r\n', 'ffffffffffffffff\r\n', '0\r\n\r\n', '1;' + 'e'.repeat(40) + '\r\n',
  'Content-Encoding: gzip\r\n', 'Content-Encoding: br\r\n', 'Upgrade: websocket\r\n', 'HTTP/1.1 101 Switching Protocols\r\n',
  'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'CONNECT a:443 HTTP/1.1\r\n\r\n',
  '\x16\x03\x01\xff\xff', '\x16\x03\x03\x00\x05\x01\x00\xff\xff\xff', '\x17\x03\x03\x40\x00', '\x15\x03\x03\x00\x02\x02\x28',
  '\x00\x00\x00\x04\x00\x00\x00\x00\x00', '\xff\xff\xff\x00\x00\x00\x00\x00\x01', '\x81\x7f\xff\xff\xff\xff\xff\xff\xff\xff', '\x88\x00',
  '\x1b]52;c;AAAA\x07', '\x9b31m', '{bold}', '\u202e',
  '\xc0\x0c', '\x00\x00\x81\x80\x00\x01\xff\xff', '\x3f\x3f\x3f\x3f',
].map((t) => Buffer.from(t, 'latin1'));

type Mut =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'bytes'; at: number; v: Uint8Array }
  | { k: 'token'; rec: number; at: number; tok: number };

const mut: fc.Arbitrary<Mut> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('bytes' as const), at: fc.nat(), v: fc.uint8Array({ minLength: 1, maxLength: 24 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('token' as const), rec: fc.nat(), at: fc.nat(), tok: fc.nat(TOKENS.length - 1) }) },
);

function applyMut(b: Uint8Array, s: Seed, m: Mut): void {
  if (b.length <= 4) return;
  if (m.k === 'flip') { const at = 4 + (m.at % (b.length - 4)); b[at] = b[at]! ^ (1 << m.bit); return; }
  if (m.k === 'bytes') { const at = 4 + (m.at % (b.length - 4)); b.set(m.v.subarray(0, b.length - at), at); return; }
  const withPayload = s.layout.records.filter((r) => r.payloadAt >= 0);
  if (withPayload.length === 0) return;
  const r = withPayload[m.rec % withPayload.length]!;
  const tok = TOKENS[m.tok]!;
  const at = r.payloadAt + (m.at % r.payloadLen);
  b.set(tok.subarray(0, Math.max(0, r.payloadAt + r.payloadLen - at)), at);
}

type FieldMut = { f: number; how: 'zero' | 'minus1' | 'plus1' | 'max' | 'random'; r: number };
const fieldMut: fc.Arbitrary<FieldMut> = fc.record({
  f: fc.nat(),
  how: fc.constantFrom('zero' as const, 'minus1' as const, 'plus1' as const, 'max' as const, 'random' as const),
  r: fc.nat({ max: 0xffffffff }),
});

function applyField(b: Uint8Array, fields: readonly Field[], m: FieldMut): string {
  if (fields.length === 0) return '';
  const f = fields[m.f % fields.length]!;
  const max = fieldMax(f);
  const v = m.how === 'zero' ? 0 : m.how === 'minus1' ? f.actual - 1 : m.how === 'plus1' ? f.actual + 1 : m.how === 'max' ? max : m.r % (max + 1);
  setField(b, f, v < 0 ? max : v);
  return `${f.kind}@${f.at}=${m.how}`;
}

const pickSeed = fc.nat().map((i) => seeds[i % seeds.length]!);

// --------------------------------------------------------------- properties

describe('whole-pipeline fuzzing', () => {
  beforeAll(() => {
    gc?.();
    heapStart.v = process.memoryUsage().heapUsed;
  });
  afterAll(() => {
    gc?.();
    const retained = process.memoryUsage().heapUsed - heapStart.v;
    console.log(`pipeline fuzz: ${cases} cases, slowest at ${(worstRatio * 100).toFixed(1)}% of its time bound (${worstCase}), heap retained after the run ${(retained / 1048576).toFixed(1)} MiB`);
    if (gc) expect(retained).toBeLessThan(48 * 1024 * 1024);
  });

  it('unmutated seeds run clean (the base line the mutations start from)', async () => {
    for (const s of seeds) {
      const r = await runBytes(s.bytes);
      checkBounds(r, s.bytes.length);
      expect(r.opened, s.name).toBe(true);
    }
    // The seeds exercise the application layer, or the fuzzing would not reach it.
    const http = await runBytes(seeds[0]!.bytes);
    expect(http.http).toBeGreaterThanOrEqual(2);
    // DNS over UDP is counted once the DNS analyzer is wired in (issue 4).
    expect(http.dns).toBeLessThanOrEqual(1);
  }, TIMEOUT);

  it('bit flips, byte runs and application tokens in payloads', async () => {
    await fc.assert(fc.asyncProperty(pickSeed, fc.array(mut, { minLength: 1, maxLength: 8 }), async (s, ms) => {
      const b = Uint8Array.from(s.bytes);
      for (const m of ms) applyMut(b, s, m);
      await run(b);
    }), { seed: SEED, numRuns: RUNS });
  }, TIMEOUT);

  it('length fields set to 0, data ± 1, the maximum or at random', async () => {
    await fc.assert(fc.asyncProperty(pickSeed, fc.array(fieldMut, { minLength: 1, maxLength: 4 }), fc.option(mut), async (s, fms, extra) => {
      const b = Uint8Array.from(s.bytes);
      for (const m of fms) applyField(b, s.layout.fields, m);
      if (extra) applyMut(b, s, extra);
      await run(b);
    }), { seed: SEED + 1, numRuns: RUNS });
  }, TIMEOUT);

  it('every length field of a file, one at a time, at 0 / −1 / +1 / max (exhaustive over the small seeds)', async () => {
    let n = 0;
    for (const s of seeds) {
      if (s.bytes.length > EXHAUSTIVE_FIELDS_MAX) continue;
      for (const f of s.layout.fields) {
        for (const v of [0, f.actual - 1, f.actual + 1, fieldMax(f)]) {
          const b = Uint8Array.from(s.bytes);
          setField(b, f, v < 0 ? fieldMax(f) : v);
          await run(b);
          n++;
        }
      }
    }
    console.log(`pipeline fuzz: ${n} single length-field cases`);
    expect(n).toBeGreaterThan(500);
  }, TIMEOUT);

  it('random record lengths in pcap files', async () => {
    const pcaps = seeds.filter((s) => s.layout.fields.some((f) => f.kind === 'pcap.caplen'));
    await fc.assert(fc.asyncProperty(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 0xffffffff }), fc.boolean()), { minLength: 1, maxLength: 6 }), async (i, muts) => {
      const s = pcaps[i % pcaps.length]!;
      const b = Uint8Array.from(s.bytes);
      const recs = s.layout.fields.filter((f) => f.kind === 'pcap.caplen' || f.kind === 'pcap.origlen');
      for (const [k, v, small] of muts) {
        const f = recs[k % recs.length]!;
        // Half of them small (near real sizes, so records shift), half anywhere in 32 bits.
        setField(b, f, small ? v % 2048 : v);
      }
      await run(b);
    }), { seed: SEED + 2, numRuns: RUNS });
  }, TIMEOUT);

  it('pcapng blocks with lying lengths', async () => {
    const ngs = seeds.filter((s) => s.layout.fields.some((f) => f.kind === 'pcapng.blocklen'));
    const lie = fc.record({
      k: fc.nat(),
      which: fc.constantFrom('lead' as const, 'trail' as const, 'both' as const, 'pkt' as const),
      delta: fc.constantFrom(-8, -4, -1, 1, 2, 4, 8, 4096, -12, 0),
      abs: fc.option(fc.constantFrom(0, 4, 8, 12, 16, 0x7ffffffc, 0xfffffffc, 0xffffffff)),
    });
    await fc.assert(fc.asyncProperty(fc.nat(), fc.array(lie, { minLength: 1, maxLength: 4 }), async (i, lies) => {
      const s = ngs[i % ngs.length]!;
      const b = Uint8Array.from(s.bytes);
      const blocks = s.layout.fields.filter((f) => f.kind === 'pcapng.blocklen');
      const trails = s.layout.fields.filter((f) => f.kind === 'pcapng.trailerlen');
      const pkts = s.layout.fields.filter((f) => f.kind === 'pcapng.caplen' || f.kind === 'pcapng.origlen');
      for (const l of lies) {
        const j = l.k % blocks.length;
        const val = (f: Field): number => l.abs ?? Math.max(0, f.actual + l.delta);
        if (l.which === 'pkt' && pkts.length > 0) { const f = pkts[l.k % pkts.length]!; setField(b, f, val(f)); continue; }
        if (l.which !== 'trail') setField(b, blocks[j]!, val(blocks[j]!));
        if (l.which !== 'lead') setField(b, trails[j]!, val(trails[j]!));
      }
      await run(b);
    }), { seed: SEED + 3, numRuns: RUNS });
  }, TIMEOUT);

  it('truncation at every offset (small files) and at every record boundary ±1 (the others)', async () => {
    let n = 0;
    for (const s of seeds) {
      const len = s.bytes.length;
      const cuts = new Set<number>();
      if (len <= CUT_EVERY_OFFSET) for (let k = 0; k < len; k++) cuts.add(k);
      else {
        const all: number[] = [];
        for (const r of s.layout.records) for (const at of [r.dataAt - 16, r.dataAt - 1, r.dataAt, r.dataAt + 1, r.dataAt + 13, r.dataAt + r.capLen - 1]) all.push(at);
        for (const f of s.layout.fields) if (f.kind === 'pcapng.blocklen') for (const at of [f.at - 4, f.at + 1, f.at + 8]) all.push(at);
        const valid = [...new Set(all.filter((at) => at > 0 && at < len))].sort((x, y) => x - y);
        const step = Math.max(1, valid.length / BOUNDARY_CUTS);
        for (let i = 0; i < valid.length; i += step) cuts.add(valid[Math.floor(i)]!);
      }
      for (const k of cuts) {
        // The packets pass on every other cut of the small files (the decoder's own fuzz test cuts every frame at every offset).
        const r = await runBytes(s.bytes.subarray(0, k), { packets: len > CUT_EVERY_OFFSET || (k & 1) === 0 });
        checkBounds(r, k);
        n++;
      }
    }
    console.log(`pipeline fuzz: ${n} truncated files`);
    expect(n).toBeGreaterThan(500);
  }, TIMEOUT);

  it('the two large corpus files, mutated a few times each', async () => {
    const big = readdirSync(CAPTURES).filter((x) => /\.(pcap|pcapng)$/.test(x) && statSync(join(CAPTURES, x)).size > MAX_SEED_BYTES);
    for (const f of big) {
      const bytes = readFileSync(join(CAPTURES, f));
      const s: Seed = { name: f, bytes, layout: layout(bytes) };
      await fc.assert(fc.asyncProperty(fc.array(mut, { minLength: 1, maxLength: 30 }), fc.array(fieldMut, { maxLength: 10 }), async (ms, fms) => {
        const b = Uint8Array.from(bytes);
        for (const m of ms) applyMut(b, s, m);
        for (const m of fms) applyField(b, s.layout.fields, m);
        const r = await runBytes(b, { packets: false });
        checkBounds(r, b.length);
      }), { seed: SEED + 4, numRuns: Math.max(2, Math.ceil(RUNS / 50)) });
    }
    // The unmutated large files, for their timing against the bound.
    for (const f of big) {
      const p = join(CAPTURES, f);
      checkBounds(await runPipeline(p, statSync(p).size, { packets: false }), statSync(p).size);
    }
  }, TIMEOUT);
});
