/**
 * Re-reads one frame from its capture file by the byte offset of its record
 * (Frame.fileOffset), so the detail pane can show a frame's layers and bytes
 * without anyone keeping frames in memory. Understands classic pcap (µs, ns,
 * either byte order, and the 24-byte record headers of the "modified" format)
 * and pcapng (EPB, SPB, obsolete PB). Bad lengths give undefined, never a throw.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Frame } from '../capture/source.js';

const MAX_RECORD = 256 * 1024 * 1024;

interface Format {
  kind: 'pcap' | 'pcapng';
  little: boolean;
  nsec: boolean;
  recordHeader: number;
  linkType: number;
}

export class FrameReader {
  private fd: number;
  private format: Format | undefined;
  readonly size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    this.format = this.readFormat();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private read(pos: number, len: number): Uint8Array | undefined {
    if (this.fd < 0 || pos < 0 || len < 0 || pos + len > this.size) return undefined;
    const b = Buffer.alloc(len);
    const n = readSync(this.fd, b, 0, len, pos);
    return n === len ? b : undefined;
  }

  private readFormat(): Format | undefined {
    const h = this.read(0, 24);
    if (!h) return undefined;
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const le = dv.getUint32(0, true);
    const be = dv.getUint32(0, false);
    if (le === 0x0a0d0d0a) return { kind: 'pcapng', little: true, nsec: false, recordHeader: 0, linkType: 1 };
    const magics: [number, boolean, number][] = [[0xa1b2c3d4, false, 16], [0xa1b23c4d, true, 16], [0xa1b2cd34, false, 24]];
    for (const [m, nsec, rh] of magics) {
      if (le === m) return { kind: 'pcap', little: true, nsec, recordHeader: rh, linkType: dv.getUint32(20, true) & 0xffff };
      if (be === m) return { kind: 'pcap', little: false, nsec, recordHeader: rh, linkType: dv.getUint32(20, false) & 0xffff };
    }
    return undefined;
  }

  /**
   * The frame whose record starts at `fileOffset`. `number` and `linkType`
   * come from the caller (the frame index), since a pcapng record alone does
   * not carry its interface's link type.
   */
  readAt(fileOffset: number, number: number, linkType: number): Frame | undefined {
    const fmt = this.format;
    if (!fmt || fileOffset < 0) return undefined;
    if (fmt.kind === 'pcap') {
      const h = this.read(fileOffset, fmt.recordHeader);
      if (!h) return undefined;
      const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
      const tsSec = dv.getUint32(0, fmt.little);
      const frac = dv.getUint32(4, fmt.little);
      const capLen = dv.getUint32(8, fmt.little);
      const origLen = dv.getUint32(12, fmt.little);
      if (capLen > MAX_RECORD) return undefined;
      const avail = Math.max(0, Math.min(capLen, this.size - fileOffset - fmt.recordHeader));
      const buf = this.read(fileOffset + fmt.recordHeader, avail);
      if (!buf) return undefined;
      return frame(number, buf, origLen, tsSec, fmt.nsec ? frac : frac * 1000, linkType, fileOffset);
    }
    // pcapng: the block's byte order is that of its section; try both and keep
    // the one whose leading and trailing lengths agree.
    const h = this.read(fileOffset, 8);
    if (!h) return undefined;
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    for (const little of [true, false]) {
      const type = dv.getUint32(0, little);
      const total = dv.getUint32(4, little);
      if (total < 12 || total > MAX_RECORD || total % 4 !== 0) continue;
      const block = this.read(fileOffset, total);
      if (!block) continue;
      const bv = new DataView(block.buffer, block.byteOffset, block.byteLength);
      if (bv.getUint32(total - 4, little) !== total) continue;
      if (type === 6 && total >= 32) {
        const tsHigh = bv.getUint32(12, little);
        const tsLow = bv.getUint32(16, little);
        const capLen = Math.min(bv.getUint32(20, little), total - 32);
        const origLen = bv.getUint32(24, little);
        // Timestamps are taken from the timeline row; here µs is assumed (the default if_tsresol).
        const ts = tsHigh * 4294967296 + tsLow;
        return frame(number, block.subarray(28, 28 + capLen), origLen, Math.floor(ts / 1e6), (ts % 1e6) * 1000, linkType, fileOffset);
      }
      if (type === 3 && total >= 16) {
        const origLen = bv.getUint32(8, little);
        const capLen = Math.min(origLen, total - 16);
        return frame(number, block.subarray(12, 12 + capLen), origLen, 0, 0, linkType, fileOffset);
      }
      if (type === 2 && total >= 32) {
        const capLen = Math.min(bv.getUint32(20, little), total - 32);
        const origLen = bv.getUint32(24, little);
        return frame(number, block.subarray(28, 28 + capLen), origLen, 0, 0, linkType, fileOffset);
      }
    }
    return undefined;
  }
}

function frame(number: number, buf: Uint8Array, origLen: number, tsSec: number, tsNsec: number, linkType: number, fileOffset: number): Frame {
  return {
    number, buf, offset: 0, capLen: buf.length, origLen, tsSec, tsNsec, linkType, ifIndex: 0, fileOffset, comment: undefined,
  };
}
