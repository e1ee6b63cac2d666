// Decode speed: frames/s for decode alone (frames in memory) and for
// read + decode through openCapture, on a capture made of the corpus's
// frames repeated (Ethernet, SLL, null, raw IP; TCP, UDP, IPv6, VLAN, PPPoE).
// Usage: npx tsc -p tsconfig.json && node test/decode/bench-decode.mjs [FRAMES] [--profile]
// The capture is written once to /tmp/synack-decode-bench-<FRAMES>.pcapng, one interface per link type.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const dist = new URL('../../dist/', import.meta.url);
const { openCapture } = await import(new URL('capture/open.js', dist).href);
const { FrameDecoder } = await import(new URL('decode/stack.js', dist).href);
const { Decoded } = await import(new URL('decode/decoded.js', dist).href);

const N = Number(process.argv[2] ?? 1_000_000);
const captures = resolve(process.cwd(), '../shared/captures');

// 1. Collect corpus frames (copies), with their link types.
const samples = [];
for (const f of readdirSync(captures).filter((x) => /\.(pcap|pcapng)$/.test(x)).sort()) {
  const src = await openCapture(resolve(captures, f));
  for await (const batch of src) for (const fr of batch) {
    if ([0, 1, 101, 113, 228, 229, 276].includes(fr.linkType) && fr.capLen > 0) samples.push({ buf: fr.buf.slice(fr.offset, fr.offset + fr.capLen), linkType: fr.linkType, origLen: fr.origLen });
  }
}

// 2. A pcapng file: SHB, one IDB per link type, EPBs.
const lts = [...new Set(samples.map((s) => s.linkType))];
const parts = [];
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
function block(type, body) {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  return Buffer.concat([u32(type), u32(len), body, Buffer.alloc(pad), u32(len)]);
}
parts.push(block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), Buffer.from([1, 0, 0, 0]), Buffer.alloc(8, 0xff)])));
for (const lt of lts) parts.push(block(1, Buffer.concat([Buffer.from([lt & 0xff, lt >> 8, 0, 0]), u32(262144)])));
const path = `/tmp/synack-decode-bench-${N}.pcapng`;
if (!existsSync(path)) {
  let ts = 1_700_000_000_000_000n;
  for (let i = 0; i < N; i++) {
    const s = samples[i % samples.length];
    ts += 10n;
    const body = Buffer.concat([u32(lts.indexOf(s.linkType)), u32(Number(ts >> 32n)), u32(Number(ts & 0xffffffffn)), u32(s.buf.length), u32(s.origLen), Buffer.from(s.buf)]);
    parts.push(block(6, body));
  }
  writeFileSync(path, Buffer.concat(parts));
}

// 0. Calibration: how fast is this machine right now (shared, loaded machines vary a lot)?
{
  const t = performance.now(), c0 = process.cpuUsage(); let s = 0;
  for (let i = 0; i < 2e8; i++) s += i & 7;
  const c = process.cpuUsage(c0);
  const ns = ((performance.now() - t) * 1e6) / 2e8, cns = ((c.user + c.system) * 1000) / 2e8;
  console.log(`calibration: a simple loop iteration takes ${cns.toFixed(2)} ns of CPU time, ${ns.toFixed(2)} ns of wall time (an idle modern x86 core: ~0.3-0.5 ns)${s < 0 ? '' : ''}`);
}

// 3. Decode only: the corpus frames in memory, one reused Frame object (as a reader hands them out).
const dec = new FrameDecoder();
const d = new Decoded();
const frame = { number: 0, buf: samples[0].buf, offset: 0, capLen: 0, origLen: 0, tsSec: 1_700_000_000, tsNsec: 0, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined };
function run(count) {
  for (let i = 0; i < count; i++) {
    const s = samples[i % samples.length];
    frame.number = i + 1; frame.buf = s.buf; frame.capLen = s.buf.length; frame.origLen = s.origLen; frame.linkType = s.linkType;
    frame.tsSec = 1_700_000_000 + (i >> 16);
    dec.decode(frame, d);
  }
}
// Rates are given per second of this process's CPU time (user + system) and per second of wall time:
// on a shared, loaded machine the CPU-time figure is the one that means something.
const cpuMs = (c) => (c.user + c.system) / 1000;
function report(label, n, wallMs, cpu) {
  console.log(`${label.padEnd(14)} ${(n / cpu / 1000).toFixed(2)} M frames/s of CPU time, ${(n / wallMs / 1000).toFixed(2)} M/s wall (${n} frames, ${cpu.toFixed(0)} ms CPU, ${wallMs.toFixed(0)} ms wall)`);
}
{
  const probe = new FrameDecoder({ defrag: false });
  for (const s of samples) {
    frame.buf = s.buf; frame.capLen = s.buf.length; frame.origLen = s.origLen; frame.linkType = s.linkType;
    probe.decode(frame, d);
    s.isFragment = d.isFragment;
  }
}
run(300_000); // warm up
for (const defrag of [true, false]) {
  const d2 = defrag ? dec : new FrameDecoder({ defrag: false });
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const s = samples[i % samples.length];
    frame.number = i + 1; frame.buf = s.buf; frame.capLen = s.buf.length; frame.origLen = s.origLen; frame.linkType = s.linkType;
    frame.tsSec = 1_700_000_000 + (i >> 16);
    d2.decode(frame, d);
  }
  report(defrag ? 'decode only:' : 'no reassembly:', N, performance.now() - t0, cpuMs(process.cpuUsage(c0)));
}
console.log(`(${samples.length} distinct corpus frames, ${samples.filter((s) => s.isFragment).length} of them fragments)`);

// 4. Read only, and read + decode, through openCapture.
async function pass(decodeToo) {
  const src = await openCapture(path);
  const t = performance.now(), c0 = process.cpuUsage();
  let n = 0;
  for await (const batch of src) for (const f of batch) { if (decodeToo) dec.decode(f, d); n++; }
  return { n, ms: performance.now() - t, cpu: cpuMs(process.cpuUsage(c0)) };
}
await pass(true); // warm
const r1 = await pass(false);
const r2 = await pass(true);
report('read only:', r1.n, r1.ms, r1.cpu);
report('read + decode:', r2.n, r2.ms, r2.cpu);
