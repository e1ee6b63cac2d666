/**
 * Reading tshark's ground truth for connections (../shared/captures/expected,
 * see its README): `tshark -q -z conv,tcp|udp` tables and the tcp.stream /
 * tcp.seq / tcp.ack columns of FILE.frames.tsv.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeFile, type Analysis } from '../../src/analysis.js';

export const CAPTURES = resolve(process.cwd(), '../shared/captures');
export const EXPECTED = resolve(CAPTURES, 'expected');

/** One row of a conv table. tshark prints "A <-> B"; the "<-" columns count frames B→A, "->" A→B. */
export interface ConvRow {
  a: string;
  b: string;
  framesBtoA: number;
  bytesBtoA: string;
  framesAtoB: number;
  bytesAtoB: string;
  relStart: number;
  line: string;
}

export function corpus(): string[] {
  return readdirSync(CAPTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
}

export function parseConv(file: string, proto: 'tcp' | 'udp'): ConvRow[] {
  const p = resolve(EXPECTED, `${file}.conv-${proto}.txt`);
  if (!existsSync(p)) return [];
  const rows: ConvRow[] = [];
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (!line.includes('<->')) continue;
    const t = line.trim().split(/\s+/);
    // A <-> B framesL bytesL unitL framesR bytesR unitR framesT bytesT unitT relStart duration
    rows.push({
      a: t[0]!, b: t[2]!,
      framesBtoA: Number(t[3]), bytesBtoA: `${t[4]} ${t[5]}`,
      framesAtoB: Number(t[6]), bytesAtoB: `${t[7]} ${t[8]}`,
      relStart: Number(t[12]),
      line,
    });
  }
  return rows;
}

/**
 * Byte counts as tshark's conversation table prints them (wsutil format_size with SI
 * prefixes): below 10,000 as "N bytes", then whole kB, MB, … (integer division).
 */
export function tsharkSize(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (u < units.length - 1 && Math.floor(v / 1000) >= 10) { v = Math.floor(v / 1000); u++; }
  return `${v} ${units[u]}`;
}

/** "ip:port", tshark's notation (IPv6 without brackets). */
export function ep(ip: string, port: number): string {
  return `${ip}:${port}`;
}

export interface FrameRow {
  frame: number;
  stream: number;
  seq: number;
  ack: number;
  srcPort: number;
}

/** tcp.stream, tcp.seq, tcp.ack per frame from FILE.frames.tsv (frames with one TCP header only). */
export function parseFrames(file: string): FrameRow[] {
  const p = resolve(EXPECTED, `${file}.frames.tsv`);
  if (!existsSync(p)) return [];
  const lines = readFileSync(p, 'utf8').split('\n');
  const head = lines[0]!.split('\t');
  const col = (n: string): number => head.indexOf(n);
  const cStream = col('tcp.stream');
  const cSeq = col('tcp.seq');
  const cAck = col('tcp.ack');
  const cFrame = col('frame.number');
  const cSport = col('tcp.srcport');
  const rows: FrameRow[] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const c = line.split('\t');
    const s = c[cStream] ?? '';
    if (s === '' || s.includes(',')) continue;
    rows.push({
      frame: Number(c[cFrame]), stream: Number(s),
      seq: Number(c[cSeq]), ack: Number(c[cAck]), srcPort: Number(c[cSport]),
    });
  }
  return rows;
}

const cache = new Map<string, Promise<Analysis>>();
export function analysisOf(file: string): Promise<Analysis> {
  let p = cache.get(file);
  if (!p) {
    p = analyzeFile(resolve(CAPTURES, file));
    cache.set(file, p);
  }
  return p;
}
