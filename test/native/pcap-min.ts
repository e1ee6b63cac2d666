/**
 * A deliberately tiny classic-pcap reader for tests of the native paths, so
 * they depend only on the file format (pcap-savefile(5)), not on synack's own
 * readers. Also a FrameSource over an array of frames.
 */
import { readFileSync } from 'node:fs';
import type { CaptureInfo, Frame, FrameSource, ReaderProblem } from '../../src/capture/source.js';

export interface MinRecord {
  tsSec: number;
  /** Fraction of the second in the file's unit (µs or ns). */
  tsFrac: number;
  data: Buffer;
  origLen: number;
}
export interface MinPcap {
  linkType: number;
  snapLen: number;
  nanos: boolean;
  bigEndian: boolean;
  records: MinRecord[];
}

export function readPcap(path: string): MinPcap {
  const b = readFileSync(path);
  const magicLE = b.readUInt32LE(0);
  let le: boolean;
  let nanos: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = b.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap`);
    le = false;
    nanos = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const snapLen = u32(16);
  const linkType = u32(20) & 0x0fffffff;
  const records: MinRecord[] = [];
  let o = 24;
  while (o + 16 <= b.length) {
    const capLen = u32(o + 8);
    if (o + 16 + capLen > b.length) break;
    records.push({ tsSec: u32(o), tsFrac: u32(o + 4), origLen: u32(o + 12), data: b.subarray(o + 16, o + 16 + capLen) });
    o += 16 + capLen;
  }
  return { linkType, snapLen, nanos, bigEndian: !le, records };
}

/** A FrameSource over a parsed file, in batches of `batch` frames sharing one buffer per batch. */
export function arraySource(p: MinPcap, batch = 7): FrameSource {
  const info: CaptureInfo = {
    format: p.nanos ? 'pcap-nsec' : 'pcap',
    byteOrder: p.bigEndian ? 'big' : 'little',
    versionMajor: 2,
    versionMinor: 4,
    interfaces: [{ index: 0, linkType: p.linkType, snapLen: p.snapLen, tsResolution: p.nanos ? 9 : 6, section: 0 }],
    comments: [],
    fileSize: 0,
  };
  const problems: ReaderProblem[] = [];
  return {
    info,
    problems,
    bytesRead: 0,
    dropped: { pipeline: 0, kernel: 0 },
    close() {},
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < p.records.length; i += batch) {
        const recs = p.records.slice(i, i + batch);
        const buf = Buffer.concat([Buffer.alloc(3), ...recs.map((r) => r.data)]);
        let off = 3;
        const frames: Frame[] = recs.map((r, j) => {
          const f: Frame = {
            number: i + j + 1, buf, offset: off, capLen: r.data.length, origLen: r.origLen,
            tsSec: r.tsSec, tsNsec: p.nanos ? r.tsFrac : r.tsFrac * 1000, linkType: p.linkType,
            ifIndex: 0, fileOffset: -1, comment: undefined,
          };
          off += r.data.length;
          return f;
        });
        yield frames;
      }
    },
  };
}
