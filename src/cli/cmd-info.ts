/**
 * `synack info FILE... [--json]`: what capinfos tells about a capture —
 * format, byte order, link types per interface, snaplen, timestamp
 * precision, packet count, data size, file size, earliest/latest packet
 * time, duration, average rates, section comments — plus every problem the
 * reader met, one per line.
 *
 * Definitions follow capinfos (Wireshark 4.0) so the figures can be checked
 * against it:
 *  - "Data size" is the sum of the packets' original (on-the-wire) lengths;
 *    "Captured size" (ours) is the sum of captured lengths.
 *  - "First/Last packet time" are the earliest and latest timestamps, not
 *    those of the first and last records (they differ when time goes
 *    backwards; "Strict time order" says whether it did). Records without
 *    a timestamp (pcapng Simple Packet Blocks) are counted but not timed.
 *  - Rates divide by the duration between those two times.
 * Text output is neutralised (safeText); --json prints one JSON object per
 * file (NDJSON).
 */
import { parseArgs } from 'node:util';
import { safeJson, safeText } from '../bytes/safe-text.js';
import { linkTypeDescription, linkTypeName } from '../capture/link-types.js';
import { openCapture } from '../capture/open.js';
import type { CaptureInfo, Frame, FrameSource, ReaderProblem } from '../capture/source.js';
import { type Command, type Io, UsageError } from './io.js';
import { errorLine } from './main.js';

/**
 * Counts malformed frames while `info` reads. The decoding pipeline plugs in
 * here (decode each frame, count those marked malformed); without one, the
 * count is reported as not computed (null in JSON).
 */
export interface MalformedCounter {
  frame(f: Frame): void;
  readonly count: number;
}

export interface InfoOptions {
  reader?: 'auto' | 'pcap-parser' | 'fast';
  malformed?: MalformedCounter;
}

export interface InterfaceSummary {
  index: number;
  section: number;
  localIndex: number;
  name: string | null;
  description: string | null;
  os: string | null;
  linkType: number;
  linkTypeName: string;
  encapsulation: string;
  snapLen: number;
  tsResolution: number;
  tsOffsetSec: number;
  packets: number;
}

export interface InfoSummary {
  file: string;
  format: string;
  formatDescription: string;
  byteOrder: 'little' | 'big';
  version: string;
  fileSize: number;
  snapLen: number | null;
  interfaces: InterfaceSummary[];
  encapsulations: { linkType: number; name: string; packets: number }[];
  sections: { byteOrder: string; version: string; hardware: string | null; os: string | null; application: string | null; comments: string[] }[];
  comments: string[];
  packets: number;
  packetsWithoutTime: number;
  dataSize: number;
  capturedSize: number;
  /** Earliest / latest packet time, ISO 8601 UTC at the file's precision (null without timed packets). */
  firstTime: string | null;
  lastTime: string | null;
  /** The same as seconds since the epoch, as exact decimal strings. */
  firstEpoch: string | null;
  lastEpoch: string | null;
  durationSec: number | null;
  /** The duration as an exact decimal string at the file's precision. */
  duration: string | null;
  dataByteRate: number | null;
  dataBitRate: number | null;
  averagePacketSize: number | null;
  averagePacketRate: number | null;
  strictTimeOrder: boolean;
  malformed: number | null;
  problems: ReaderProblem[];
}

const FORMAT_DESCRIPTIONS: Record<string, string> = {
  pcap: 'pcap, microsecond timestamps (Wireshark/tcpdump/... - pcap)',
  'pcap-nsec': 'pcap, nanosecond timestamps (Wireshark/tcpdump/... - nanosecond pcap)',
  pcapng: 'pcapng (Wireshark/... - pcapng)',
};

/** Time as ISO 8601 UTC with `digits` fraction digits (0..9); an epoch form outside Date's range. */
export function formatTime(sec: number, nsec: number, digits: number): string {
  const frac = digits > 0 ? '.' + String(nsec).padStart(9, '0').slice(0, digits) : '';
  const d = new Date(sec * 1000);
  if (!Number.isFinite(d.getTime())) return `@${sec}${frac}`;
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (or ±YYYYYY-...)
  return iso.slice(0, iso.lastIndexOf('.')) + frac + 'Z';
}

/** Seconds since the epoch as an exact decimal string. */
export function formatEpoch(sec: number, nsec: number, digits: number): string {
  return digits > 0 ? `${sec}.${String(nsec).padStart(9, '0').slice(0, digits)}` : String(sec);
}

function precisionName(digits: number): string {
  const names: Record<number, string> = { 0: 'seconds', 3: 'milliseconds', 6: 'microseconds', 9: 'nanoseconds' };
  return `${names[digits] ?? `10^-${digits} seconds`} (${digits})`;
}

/** Reads a whole source and summarises it. */
export async function summarize(src: FrameSource, file: string, opts: InfoOptions = {}): Promise<InfoSummary> {
  const perIf: number[] = [];
  const perLink = new Map<number, number>();
  let packets = 0;
  let noTime = 0;
  let dataSize = 0;
  let capturedSize = 0;
  let minSec = 0, minNs = 0, minIf = 0;
  let maxSec = 0, maxNs = 0, maxIf = 0;
  let prevSec = 0, prevNs = 0;
  let timed = 0;
  let ordered = true;
  const counter = opts.malformed;
  for await (const batch of src) {
    for (const f of batch) {
      packets++;
      dataSize += f.origLen;
      capturedSize += f.capLen;
      perIf[f.ifIndex] = (perIf[f.ifIndex] ?? 0) + 1;
      perLink.set(f.linkType, (perLink.get(f.linkType) ?? 0) + 1);
      if (counter) counter.frame(f);
      if (f.hasTime === false) {
        noTime++;
        continue;
      }
      const s = f.tsSec, n = f.tsNsec;
      if (timed === 0) {
        minSec = maxSec = s; minNs = maxNs = n; minIf = maxIf = f.ifIndex;
      } else {
        if (s < prevSec || (s === prevSec && n < prevNs)) ordered = false;
        if (s < minSec || (s === minSec && n < minNs)) { minSec = s; minNs = n; minIf = f.ifIndex; }
        if (s > maxSec || (s === maxSec && n > maxNs)) { maxSec = s; maxNs = n; maxIf = f.ifIndex; }
      }
      prevSec = s;
      prevNs = n;
      timed++;
    }
  }
  const info: CaptureInfo = src.info;
  const digitsOf = (i: number): number => info.interfaces[i]?.tsResolution ?? 6;
  const durDigits = Math.max(digitsOf(minIf), digitsOf(maxIf));
  let durationSec: number | null = null;
  if (timed > 0) durationSec = (maxSec - minSec) + (maxNs - minNs) / 1e9;
  const rate = (x: number): number | null => (durationSec !== null && durationSec > 0 ? x / durationSec : null);
  const interfaces: InterfaceSummary[] = info.interfaces.map((i) => ({
    index: i.index,
    section: i.section,
    localIndex: i.localIndex ?? 0,
    name: i.name ?? null,
    description: i.description ?? null,
    os: i.os ?? null,
    linkType: i.linkType,
    linkTypeName: linkTypeName(i.linkType),
    encapsulation: linkTypeDescription(i.linkType),
    snapLen: i.snapLen,
    tsResolution: i.tsResolution,
    tsOffsetSec: i.tsOffsetSec ?? 0,
    packets: perIf[i.index] ?? 0,
  }));
  return {
    file,
    format: info.format,
    formatDescription: FORMAT_DESCRIPTIONS[info.format] ?? info.format,
    byteOrder: info.byteOrder,
    version: `${info.versionMajor}.${info.versionMinor}`,
    fileSize: info.fileSize >= 0 ? info.fileSize : src.bytesRead,
    snapLen: info.format === 'pcapng' ? null : (info.interfaces[0]?.snapLen ?? null),
    interfaces,
    encapsulations: [...perLink].sort((a, b) => b[1] - a[1]).map(([lt, n]) => ({ linkType: lt, name: linkTypeDescription(lt), packets: n })),
    sections: (info.sections ?? []).map((s) => ({
      byteOrder: s.byteOrder,
      version: `${s.versionMajor}.${s.versionMinor}`,
      hardware: s.hardware ?? null,
      os: s.os ?? null,
      application: s.application ?? null,
      comments: s.comments,
    })),
    comments: info.comments,
    packets,
    packetsWithoutTime: noTime,
    dataSize,
    capturedSize,
    firstTime: timed > 0 ? formatTime(minSec, minNs, digitsOf(minIf)) : null,
    lastTime: timed > 0 ? formatTime(maxSec, maxNs, digitsOf(maxIf)) : null,
    firstEpoch: timed > 0 ? formatEpoch(minSec, minNs, digitsOf(minIf)) : null,
    lastEpoch: timed > 0 ? formatEpoch(maxSec, maxNs, digitsOf(maxIf)) : null,
    durationSec: durationSec === null ? null : Number(durationSec.toFixed(durDigits)),
    duration: timed > 0 ? exactDuration(maxSec - minSec, maxNs - minNs, durDigits) : null,
    dataByteRate: rate(dataSize),
    dataBitRate: rate(dataSize * 8),
    averagePacketSize: packets > 0 ? dataSize / packets : null,
    averagePacketRate: rate(packets),
    strictTimeOrder: ordered,
    malformed: counter ? counter.count : null,
    problems: src.problems.map((p) => ({ ...p })),
  };
}

/** `sec + ns/1e9` (sec ≥ 0, the sum ≥ 0) as a decimal with `digits` fraction digits, exactly. */
function exactDuration(sec: number, ns: number, digits: number): string {
  const total = BigInt(sec) * 1_000_000_000n + BigInt(ns);
  const whole = total / 1_000_000_000n;
  const frac = (total % 1_000_000_000n).toString().padStart(9, '0').slice(0, digits);
  return digits > 0 ? `${whole}.${frac}` : String(whole);
}

function fixed(x: number | null, unit: string, digits = 2): string {
  return x === null ? 'n/a' : `${x.toFixed(digits)} ${unit}`;
}

const L = (label: string): string => (label + ':').padEnd(21);

/** The text form, one fact per line, every file-derived string neutralised. */
export function formatSummary(s: InfoSummary): string[] {
  const t = safeText;
  const out: string[] = [];
  out.push(L('File name') + t(s.file));
  out.push(L('File type') + s.formatDescription + (s.format === 'pcapng' ? '' : `, version ${s.version}`));
  out.push(L('Byte order') + (s.byteOrder === 'little' ? 'little-endian' : 'big-endian') +
    (s.sections.length > 1 && s.sections.some((x) => x.byteOrder !== s.byteOrder) ? ' (first section; sections differ)' : ''));
  if (s.encapsulations.length > 1) {
    out.push(L('File encapsulation') + 'per packet');
    for (const e of s.encapsulations) out.push(' '.repeat(21) + `${e.name}: ${e.packets} packet${e.packets === 1 ? '' : 's'}`);
  } else {
    const lt = s.encapsulations[0]?.linkType ?? s.interfaces[0]?.linkType;
    out.push(L('File encapsulation') + (lt === undefined ? 'none (no interfaces)' : linkTypeDescription(lt)));
  }
  const precisions = new Set(s.interfaces.map((i) => i.tsResolution));
  const only = [...precisions][0];
  out.push(L('Timestamp precision') + (precisions.size === 1 && only !== undefined ? precisionName(only) : precisions.size === 0 ? 'n/a' : 'per interface'));
  if (s.snapLen !== null) out.push(L('Packet size limit') + (s.snapLen === 0 ? '(not set)' : `${s.snapLen} bytes`));
  out.push(L('Number of packets') + s.packets + (s.packetsWithoutTime > 0 ? ` (${s.packetsWithoutTime} without timestamp)` : ''));
  out.push(L('File size') + `${s.fileSize} bytes`);
  out.push(L('Data size') + `${s.dataSize} bytes (captured: ${s.capturedSize} bytes)`);
  if (s.firstTime !== null) {
    out.push(L('Capture duration') + `${s.duration} seconds`);
    out.push(L('First packet time') + s.firstTime);
    out.push(L('Last packet time') + s.lastTime);
    out.push(L('Data byte rate') + fixed(s.dataByteRate, 'bytes/s'));
    out.push(L('Data bit rate') + fixed(s.dataBitRate, 'bits/s'));
  }
  out.push(L('Average packet size') + fixed(s.averagePacketSize, 'bytes'));
  if (s.firstTime !== null) out.push(L('Average packet rate') + fixed(s.averagePacketRate, 'packets/s'));
  out.push(L('Strict time order') + (s.strictTimeOrder ? 'True' : 'False'));
  out.push(L('Malformed packets') + (s.malformed === null ? 'not counted' : String(s.malformed)));
  s.sections.forEach((sec, i) => {
    const lines: string[] = [];
    if (sec.hardware !== null) lines.push(L('Capture hardware') + t(sec.hardware));
    if (sec.os !== null) lines.push(L('Capture oper-sys') + t(sec.os));
    if (sec.application !== null) lines.push(L('Capture application') + t(sec.application));
    for (const c of sec.comments) lines.push(L('Capture comment') + t(c));
    if (lines.length > 0 || s.sections.length > 1) {
      out.push(`Section ${i} (${sec.byteOrder === 'little' ? 'little' : 'big'}-endian, version ${sec.version}):`);
      out.push(...lines.map((l) => '  ' + l));
    }
  });
  out.push(L('Interfaces') + s.interfaces.length);
  for (const i of s.interfaces) {
    const name = i.name !== null ? ` ${t(i.name)}` : '';
    const desc = i.description !== null ? ` (${t(i.description)})` : '';
    const sec = s.sections.length > 1 ? ` [section ${i.section}, id ${i.localIndex}]` : '';
    const off = i.tsOffsetSec !== 0 ? `, time offset ${i.tsOffsetSec} s` : '';
    const os = i.os !== null ? `, os ${t(i.os)}` : '';
    out.push(`  #${i.index}${name}${desc}${sec}: ${i.encapsulation}, snaplen ${i.snapLen === 0 ? '(not set)' : i.snapLen}, ${precisionName(i.tsResolution)}${off}${os}, ${i.packets} packet${i.packets === 1 ? '' : 's'}`);
  }
  out.push(L('Problems') + (s.problems.length === 0 ? 'none' : String(s.problems.length)));
  for (const p of s.problems) {
    out.push(`  ${p.kind}${p.fatal ? ' (reading stopped)' : ''}: ${t(p.message)}`);
  }
  return out;
}

const USAGE = `usage: synack info FILE... [--json] [--reader auto|pcap-parser|fast]

Summarises capture files like capinfos: format, byte order, link types per
interface, snaplen, timestamp precision, packets, data size (sum of original
lengths), earliest/latest packet time, duration, rates, section comments,
and every problem met while reading (cut short, zero-length or over-long
records, lying block lengths, unknown blocks). FILE '-' reads standard input.

  --json       one JSON object per file (NDJSON)
  --reader R   classic pcap reader: auto (default), pcap-parser, fast`;

/** Where the decoding pipeline's malformed counter is obtained (none yet: not counted). */
export let malformedCounterFactory: (() => MalformedCounter) | undefined;
export function setMalformedCounterFactory(f: (() => MalformedCounter) | undefined): void {
  malformedCounterFactory = f;
}

export const command: Command = {
  name: 'info',
  summary: 'summarise capture files (like capinfos)',
  usage: USAGE,
  async run(args: string[], io: Io): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: { json: { type: 'boolean', default: false }, reader: { type: 'string', default: 'auto' } },
      });
    } catch (e) {
      throw new UsageError(`synack: info: ${safeText((e as Error).message.split('\n')[0]!.split('. ')[0]!)} (see synack info --help)`);
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('synack: info: no capture file given (usage: synack info FILE... [--json])');
    const reader = parsed.values.reader;
    if (reader !== 'auto' && reader !== 'pcap-parser' && reader !== 'fast') {
      throw new UsageError(`synack: info: --reader must be auto, pcap-parser or fast (not '${safeText(String(reader))}')`);
    }
    let status = 0;
    let first = true;
    for (const file of files) {
      let src: FrameSource;
      try {
        src = await openCapture(file, { reader });
      } catch (e) {
        // Like capinfos: say why this one cannot be read, go on with the others, fail at the end.
        if (files.length === 1) throw e;
        io.err(errorLine(e));
        status = 1;
        continue;
      }
      const summary = await summarize(src, file === '-' ? '(standard input)' : file, {
        reader,
        malformed: malformedCounterFactory?.(),
      });
      if (parsed.values.json) {
        io.out(safeJson(summary));
      } else {
        if (!first) io.out('');
        for (const line of formatSummary(summary)) io.out(line);
      }
      first = false;
    }
    return status;
  },
};
