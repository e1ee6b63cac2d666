/**
 * Classic pcap (libpcap savefile format, draft-ietf-opsawg-pcap):
 *
 *   file header (24 bytes)            record header (16 bytes)
 *    0 magic        a1b2c3d4 (µs)       0 ts_sec
 *                   a1b23c4d (ns)       4 ts_usec / ts_nsec
 *    4 version_major u16                8 incl_len (captured length)
 *    6 version_minor u16               12 orig_len (length on the wire)
 *    8 thiszone     i32               16 packet data (incl_len bytes)
 *   12 sigfigs      u32
 *   16 snaplen      u32
 *   20 linktype     u32 (low 16 bits; FCS length in the top 4)
 *
 * The byte order of every field is that of the magic as written.
 *
 * This file holds the header parser shared by both classic readers, the
 * per-record checks shared by both, and our own fast reader: whole records
 * parsed in a loop out of one large reused read buffer into reused Frame
 * objects, no per-record allocation. Records that span two reads are kept
 * by moving the unparsed tail to the front of the buffer before the next
 * read (ByteWindow.fill).
 *
 * With the native addon loaded, runs of ordinary records are walked in C++
 * (parseNative: native/src/scan.cc), which also decodes the common
 * Ethernet/IPv4/TCP frame into the frame's scan slot; every record the scan
 * leaves alone (anything the reader reports, a record not whole yet) goes
 * through the TypeScript loop (parse), which is also the whole reader when
 * the addon is absent.
 */
import type { NativeAddon } from '../native.js';
import { ByteWindow } from './byte-window.js';
import { ProblemLog } from './problems.js';
import * as readerBase from './reader-base.js';
import { ReaderBase } from './reader-base.js';
import { ScanFlags, Slot, SLOT_WORDS } from './scan-slot.js';
import type { CaptureInfo, Frame } from './source.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

const H_VERSION_MAJOR = 4;
const H_VERSION_MINOR = 6;
const H_THISZONE = 8;
const H_SNAPLEN = 16;
const H_LINKTYPE = 20;

const R_TS_SEC = 0;
const R_TS_FRAC = 4;
const R_INCL_LEN = 8;
const R_ORIG_LEN = 12;

// Bound as a constant of this module: optimized code reads an imported binding through its
// module cell, with a check that it is initialized, at every use (here once per record; see
// flow/tcp-tracker.ts).
const { MAX_CAPLEN } = readerBase;

/**
 * Whether incl_len and orig_len are swapped in record headers. libpcap
 * (sf-pcap.c) and Wireshark: before version 2.3 the two fields were in the
 * other order; some 2.3 files have either order (swap when incl > orig);
 * DG/UX tcpdump wrote version 543.0 with the old order.
 */
export const enum LengthOrder {
  Normal = 0,
  Swapped = 1,
  MaybeSwapped = 2,
}

export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  thisZone: number;
  snapLen: number;
  /** LINKTYPE_* (low 16 bits of the field). */
  linkType: number;
  /** The whole linktype field as written (FCS length bits included). */
  linkTypeField: number;
  lengthOrder: LengthOrder;
}

/** Parses the 24-byte file header at `b[off..]` (caller checked the magic and the length). */
export function parsePcapHeader(b: Uint8Array, off: number): PcapHeader {
  const dv = new DataView(b.buffer, b.byteOffset + off, PCAP_HEADER_LEN);
  const be = dv.getUint32(0, false);
  const le = dv.getUint32(0, true);
  const littleEndian = le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS;
  const magic = littleEndian ? le : be;
  const versionMajor = dv.getUint16(H_VERSION_MAJOR, littleEndian);
  const versionMinor = dv.getUint16(H_VERSION_MINOR, littleEndian);
  const linkTypeField = dv.getUint32(H_LINKTYPE, littleEndian);
  let lengthOrder = LengthOrder.Normal;
  if (versionMajor === 2 && versionMinor < 3) lengthOrder = LengthOrder.Swapped;
  else if (versionMajor === 2 && versionMinor === 3) lengthOrder = LengthOrder.MaybeSwapped;
  else if (versionMajor === 543) lengthOrder = LengthOrder.Swapped;
  return {
    littleEndian,
    nanosecond: magic === PCAP_MAGIC_NS,
    versionMajor,
    versionMinor,
    thisZone: dv.getInt32(H_THISZONE, littleEndian),
    snapLen: dv.getUint32(H_SNAPLEN, littleEndian),
    linkType: linkTypeField & 0xffff,
    linkTypeField,
    lengthOrder,
  };
}

export function pcapInfo(h: PcapHeader, fileSize: number): CaptureInfo {
  return {
    format: h.nanosecond ? 'pcap-nsec' : 'pcap',
    byteOrder: h.littleEndian ? 'little' : 'big',
    versionMajor: h.versionMajor,
    versionMinor: h.versionMinor,
    interfaces: [{ index: 0, linkType: h.linkType, snapLen: h.snapLen, tsResolution: h.nanosecond ? 9 : 6, section: 0 }],
    comments: [],
    fileSize,
  };
}

/** Problems with the file header that do not stop reading. */
export function checkPcapHeader(h: PcapHeader, log: ProblemLog): void {
  // LT_RESERVED1 (libpcap pcap-common.h): bits 16..25 must be zero.
  if ((h.linkTypeField & 0x03ff0000) !== 0) {
    log.add('other', H_LINKTYPE, 0, `link type field 0x${h.linkTypeField.toString(16)} has reserved bits set; using ${h.linkType}`);
  }
  if (h.lengthOrder === LengthOrder.Swapped) {
    log.add('other', H_VERSION_MAJOR, 0, `pcap version ${h.versionMajor}.${h.versionMinor}: captured and original lengths are in the pre-2.3 order (read swapped, as libpcap does)`);
  }
}

/**
 * The checks every record gets, whichever reader parsed it. Called only for
 * records that look odd (cold path): zero length, captured > original,
 * captured > snaplen, a fraction of a second out of range. The frame is
 * delivered in every case; `tsFrac` is the raw field (µs or ns).
 */
export function oddRecord(
  log: ProblemLog,
  f: Frame,
  fileOffset: number,
  snapLen: number,
  tsFrac: number,
  nanosecond: boolean,
): void {
  if (f.capLen === 0) {
    log.add('zero-length', fileOffset, f.number, `frame ${f.number} at byte ${fileOffset} has a zero-length record (original length ${f.origLen})`);
  }
  if (f.capLen > f.origLen) {
    log.add('over-long', fileOffset, f.number, `frame ${f.number} at byte ${fileOffset}: captured length ${f.capLen} is larger than the original length ${f.origLen}`);
  }
  if (snapLen > 0 && f.capLen > snapLen) {
    log.add('over-long', fileOffset, f.number, `frame ${f.number} at byte ${fileOffset}: captured length ${f.capLen} is larger than the snapshot length ${snapLen}`);
  }
  const limit = nanosecond ? 1e9 : 1e6;
  if (tsFrac >= limit) {
    // Wireshark shows the fraction as written (e.g. "22.1882137472"); the
    // Frame contract keeps 0..999_999_999 ns, so the excess is carried into
    // the seconds: the same instant, written normally.
    log.add('other', fileOffset, f.number, `frame ${f.number} at byte ${fileOffset}: timestamp fraction ${tsFrac} ${nanosecond ? 'ns' : 'µs'} is not below one second; carried into the seconds`);
  }
}

/** Sets the frame's timestamp from a classic pcap record's fields (fraction normalised). */
export function setPcapTime(f: Frame, sec: number, frac: number, nanosecond: boolean): void {
  let ns = nanosecond ? frac : frac * 1000;
  if (ns >= 1e9) {
    const carry = Math.floor(ns / 1e9);
    sec += carry;
    ns -= carry * 1e9;
  }
  f.tsSec = sec;
  f.tsNsec = ns;
}

export function overLongMessage(capLen: number, fileOffset: number, frameNumber: number): string {
  // Wording follows Wireshark's "File has 16711424-byte packet, bigger than maximum of 262144".
  return `record at byte ${fileOffset} (would be frame ${frameNumber}) has a ${capLen}-byte packet, bigger than the maximum of ${MAX_CAPLEN}; not trusted, reading stopped here`;
}

export function cutShortMessage(fileOffset: number, have: number, need: number, inHeader: boolean): string {
  return inHeader
    ? `the file is cut short in the middle of a record header at byte ${fileOffset} (${have} of ${need} bytes); read up to the last whole record`
    : `the file is cut short in the middle of a packet: the record at byte ${fileOffset} needs ${need} bytes, ${have} present; read up to the last whole record`;
}

/** Our fast reader for classic pcap (both byte orders, µs and ns, every version). */
export class PcapReader extends ReaderBase {
  private needed = PCAP_RECORD_HEADER_LEN;
  /** The addon whose record scan runs (parseNative), or undefined: the TypeScript loop reads everything. */
  private readonly scanner: NativeAddon | undefined;
  /** The scan's slots, one per batch position (reused for every batch). */
  private readonly slots: Uint32Array;
  private readonly scanFlags: number;

  constructor(
    private readonly hdr: PcapHeader,
    win: ByteWindow,
    batchSize: number,
    openedSize: number,
    addon?: NativeAddon,
  ) {
    super(pcapInfo(hdr, openedSize), win, batchSize, openedSize);
    checkPcapHeader(hdr, this.log);
    win.enableReadAhead();
    // Lengths that may be swapped are a per-record decision with its own reporting: the TypeScript loop's.
    this.scanner = hdr.lengthOrder === LengthOrder.Normal ? addon : undefined;
    this.slots = new Uint32Array(this.scanner ? batchSize * SLOT_WORDS : 0);
    this.scanFlags = (hdr.littleEndian ? ScanFlags.littleEndian : 0) | (hdr.nanosecond ? ScanFlags.nanosecond : 0);
  }

  protected async fillBatch(): Promise<void> {
    for (;;) {
      if (this.scanner) this.parseNative(this.scanner);
      else this.parse(this.batchSize);
      if (this.stopped || this.filled > 0) return;
      if (!(await this.win.fill(this.needed))) {
        await this.endOfInput();
        return;
      }
    }
  }

  /**
   * The native scan takes the ordinary records; each record it stops at is
   * parsed by `parse` (which reports it, or finds it is not whole yet), and
   * the scan resumes after it. Gives the frames and problems `parse` alone
   * gives (test/capture/native-scan.test.ts).
   */
  private parseNative(addon: NativeAddon): void {
    const w = this.win;
    const slots = this.slots;
    const batch = this.batch;
    const max = this.batchSize;
    const linkType = this.hdr.linkType;
    for (;;) {
      const first = this.filled;
      const buf = w.buf;
      const k = addon.scanPcap(buf, w.start, w.end, this.scanFlags, this.hdr.snapLen, linkType, first, max - first, slots);
      if (k > 0) {
        const base = w.base - PCAP_RECORD_HEADER_LEN; // file offset of a record header = base + its frame's offset
        let number = this.frameCount;
        const n1 = first + k;
        for (let n = first; n < n1; n++) {
          const at = n * SLOT_WORDS;
          const f = this.frame(n);
          const offset = slots[at + Slot.offset]!;
          f.number = ++number;
          f.buf = buf;
          f.offset = offset;
          f.capLen = slots[at + Slot.capLen]!;
          f.origLen = slots[at + Slot.origLen]!;
          f.tsSec = slots[at + Slot.tsSec]!;
          f.tsNsec = slots[at + Slot.tsNsec]!;
          f.linkType = linkType;
          f.ifIndex = 0;
          f.fileOffset = base + offset;
          f.comment = undefined;
          f.pre = slots;
          f.preAt = at;
          batch[n] = f;
        }
        this.frameCount = number;
        const last = (n1 - 1) * SLOT_WORDS;
        w.start = slots[last + Slot.offset]! + slots[last + Slot.capLen]!;
        this.filled = n1;
        if (n1 >= max) return;
      }
      // A record the scan leaves to the TypeScript loop, or the end of the window.
      const n = this.filled;
      this.parse(n + 1);
      if (this.filled === n) return; // not whole yet (needed is set), or reading stopped
      batch[n]!.preAt = -1;
      if (n + 1 >= max) return;
    }
  }

  private parse(max: number): void {
    const w = this.win;
    const buf = w.buf;
    const dv = w.view;
    const le = this.hdr.littleEndian;
    const nano = this.hdr.nanosecond;
    const snap = this.hdr.snapLen;
    const order = this.hdr.lengthOrder;
    const linkType = this.hdr.linkType;
    const batch = this.batch;
    const end = w.end;
    let p = w.start;
    let n = this.filled;
    // What the loop stops for is kept in a local and stored once after it: a branch first taken
    // when a read ends mid-record, after parse was optimized, would have no type feedback for a
    // store or an addition there and deoptimize it.
    let needed = this.needed;
    while (n < max) {
      if (end - p < PCAP_RECORD_HEADER_LEN) {
        needed = PCAP_RECORD_HEADER_LEN;
        break;
      }
      const sec = dv.getUint32(p + R_TS_SEC, le);
      const frac = dv.getUint32(p + R_TS_FRAC, le);
      let capLen = dv.getUint32(p + R_INCL_LEN, le);
      let origLen = dv.getUint32(p + R_ORIG_LEN, le);
      if (order !== LengthOrder.Normal && (order === LengthOrder.Swapped || capLen > origLen)) {
        const t = capLen;
        capLen = origLen;
        origLen = t;
      }
      if (capLen > MAX_CAPLEN) {
        // Checked before asking for the bytes: a header's claim never sizes an allocation.
        this.log.add('over-long', w.base + p, this.frameCount, overLongMessage(capLen, w.base + p, this.frameCount + 1), true);
        this.stopped = true;
        break;
      }
      const recordLen = PCAP_RECORD_HEADER_LEN + capLen;
      if (end - p < recordLen) {
        needed = recordLen;
        break;
      }
      const f = this.frame(n);
      f.number = ++this.frameCount;
      f.buf = buf;
      f.offset = p + PCAP_RECORD_HEADER_LEN;
      f.capLen = capLen;
      f.origLen = origLen;
      f.linkType = linkType;
      f.ifIndex = 0;
      f.fileOffset = w.base + p;
      f.comment = undefined;
      if (capLen === 0 || capLen > origLen || (snap !== 0 && capLen > snap) || frac >= (nano ? 1e9 : 1e6)) {
        setPcapTime(f, sec, frac, nano);
        oddRecord(this.log, f, w.base + p, snap, frac, nano);
      } else {
        f.tsSec = sec;
        f.tsNsec = nano ? frac : frac * 1000;
      }
      batch[n++] = f;
      p += recordLen;
    }
    w.start = p;
    this.filled = n;
    this.needed = needed;
  }

  private async endOfInput(): Promise<void> {
    this.stopped = true;
    await this.checkChanged();
    const w = this.win;
    const have = w.available;
    if (have > 0) {
      const inHeader = have < PCAP_RECORD_HEADER_LEN;
      this.log.add('cut-short', w.offset, this.frameCount, cutShortMessage(w.offset, have, this.needed, inHeader), true);
    }
  }
}
