/**
 * pcapng reader (draft-ietf-opsawg-pcapng), our own: pcap-parser does not
 * read pcapng.
 *
 * Every block:  0 block type u32 | 4 block total length u32 | 8 body ... | total length u32 again
 *
 * Blocks read:
 *  - SHB 0x0a0d0d0a: starts a section and sets its byte order (byte-order
 *    magic 0x1a2b3c4d at +8); version 1.0 and 1.2 are read (as Wireshark),
 *    any other version stops reading with an 'unsupported' problem, as
 *    tshark stops ("pcapng: unknown SHB version 2.0"). Options kept:
 *    shb_comment, shb_hardware, shb_os, shb_userappl.
 *  - IDB 1: link type, snaplen, if_name, if_description, if_os, if_tsresol
 *    (10^-n or, bit 7 set, 2^-n), if_tsoffset. Interface ids are local to
 *    a section; Frame.ifIndex is the global index into info.interfaces.
 *  - EPB 6, SPB 3, obsolete PB 2: frames. SPB has no timestamp (0) and
 *    uses the section's first interface, captured length = min(original
 *    length, snaplen), bounded by the block. opt_comment → frame.comment.
 *  - anything else (NRB, ISB, DSB, custom, unknown): skipped, reported once
 *    per block type as 'unknown-block' with the count and the first offset.
 *
 * Lying lengths never throw and never hang: a block total length below 12
 * or not a multiple of 4, above MAX_BLOCK, or whose trailing copy differs,
 * stops reading with a 'bad-block' problem at its byte offset (the block
 * boundaries can no longer be trusted; tshark stops too). A block longer
 * than the rest of the file is a 'cut-short' at its offset. Inside a
 * consistent block, a wrong inner length (captured length past the block
 * end, an option past the block end, an unknown interface id) is reported
 * and reading goes on with the next block.
 */
import type { ByteWindow } from './byte-window.js';
import { MAX_CAPLEN, ReaderBase } from './reader-base.js';
import { CaptureError, type CaptureInfo, type CaptureInterface, type CaptureSection, type Frame } from './source.js';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_NRB = 0x00000004;
export const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
export const BT_DSB = 0x0000000a;
export const BT_CUSTOM = 0x00000bad;
export const BT_CUSTOM_NOCOPY = 0x40000bad;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Largest block we buffer (Wireshark's own limit is larger, ~128 MiB, for D-Bus captures). */
export const MAX_BLOCK = 16 << 20;

const BLOCK_NAMES: Record<number, readonly [string, string]> = {
  [BT_NRB]: ['Name Resolution Block', 'Name Resolution Blocks'],
  [BT_ISB]: ['Interface Statistics Block', 'Interface Statistics Blocks'],
  [BT_DSB]: ['Decryption Secrets Block', 'Decryption Secrets Blocks'],
  [BT_CUSTOM]: ['Custom Block', 'Custom Blocks'],
  [BT_CUSTOM_NOCOPY]: ['Custom Block (not to be copied)', 'Custom Blocks (not to be copied)'],
  7: ['IRIG Timestamp Block', 'IRIG Timestamp Blocks'],
  8: ['AFDX Encapsulation Block', 'AFDX Encapsulation Blocks'],
  9: ['systemd Journal Export Block', 'systemd Journal Export Blocks'],
  0x101: ['Sysdig Event Block', 'Sysdig Event Blocks'],
};

// Option codes (draft-ietf-opsawg-pcapng §3.5, §4).
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_HARDWARE = 2;
const SHB_OS = 3;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_OS = 12;
const IF_TSOFFSET = 14;

/** Per-interface timestamp conversion, prepared once when the IDB is read. */
interface Iface {
  info: CaptureInterface;
  linkType: number;
  snapLen: number;
  /** Units per second (10^k or 2^k). */
  div: number;
  /** Decimal resolution with k ≤ 9: ns = remainder * mul. */
  mul: number;
  /** Decimal resolution with k > 9: ns = floor(remainder / fineDiv). */
  fineDiv: number;
  /** Power-of-two resolution 2^-k, 9 ≤ k ≤ 32: ns = floor(remainder * 1953125 / pow2Shift), pow2Shift = 2^(k-9). */
  pow2Shift: number;
  /** Which of the conversions above applies (NS_*). */
  mode: number;
  /** Resolution too fine for exact float arithmetic: BigInt path (rare). */
  big: boolean;
  offsetSec: number;
}

const DONE_SHB = 0;

// How a remainder in interface units becomes nanoseconds.
const NS_MUL = 0;
const NS_FINE_DIV = 1;
const NS_POW2_SHIFT = 2;
const NS_POW2_SMALL = 3;

export class PcapngReader extends ReaderBase {
  private le = true;
  private readonly ifaces: Iface[] = [];
  /** Global index of the first interface of the current section. */
  private sectionBase = 0;
  private section = -1;
  private sectionCount = 0;
  private needed = 12;
  private readonly skipped = new Map<number, { count: number; first: number; problem: { message: string } | undefined }>();
  private readonly sections: CaptureSection[] = [];

  private constructor(info: CaptureInfo, win: ByteWindow, batchSize: number, openedSize: number) {
    super(info, win, batchSize, openedSize);
    this.sections = info.sections!;
    win.enableReadAhead();
  }

  /**
   * Opens a pcapng file whose first four bytes were checked: reads the first
   * section header block now, so `info` has the byte order and version.
   */
  static async open(win: ByteWindow, name: string, batchSize: number, openedSize: number): Promise<PcapngReader> {
    if (!(await win.fill(12))) {
      throw new CaptureError(`synack: ${name} is cut short in its first pcapng block (${win.available} of 12 bytes)`);
    }
    const dv = win.view;
    const bom = dv.getUint32(win.start + 8, true);
    let le: boolean;
    if (bom === BYTE_ORDER_MAGIC) le = true;
    else if (dv.getUint32(win.start + 8, false) === BYTE_ORDER_MAGIC) le = false;
    else {
      const hex = Array.from(win.buf.subarray(win.start + 8, win.start + 12), (x) => x.toString(16).padStart(2, '0')).join(' ');
      throw new CaptureError(`synack: ${name} is not a capture file (pcapng section header with byte-order magic ${hex}; expected 1a 2b 3c 4d or 4d 3c 2b 1a)`);
    }
    const info: CaptureInfo = {
      format: 'pcapng',
      byteOrder: le ? 'little' : 'big',
      versionMajor: 0,
      versionMinor: 0,
      interfaces: [],
      comments: [],
      fileSize: openedSize,
      sections: [],
    };
    const r = new PcapngReader(info, win, batchSize, openedSize);
    r.le = le;
    // Read the first SHB now (if it is whole and sane); problems with it are reported by the loop.
    const len = dv.getUint32(win.start + 4, le);
    if (len >= 28 && len % 4 === 0 && len <= MAX_BLOCK && (await win.fill(len))) {
      const v = win.view;
      info.versionMajor = v.getUint16(win.start + 12, le);
      info.versionMinor = v.getUint16(win.start + 14, le);
    }
    return r;
  }

  protected async fillBatch(): Promise<void> {
    for (;;) {
      this.parse();
      if (this.stopped || this.filled > 0) return;
      if (this.needed > this.win.maxCapacity) {
        // Cannot happen with MAX_BLOCK below maxCapacity; guards the invariant.
        this.fatal('bad-block', this.win.offset, `block needs ${this.needed} bytes, more than the reader's limit`);
        return;
      }
      if (!(await this.win.fill(this.needed))) {
        await this.endOfInput();
        return;
      }
    }
  }

  private fatal(kind: 'bad-block' | 'over-long' | 'unsupported', at: number, message: string): void {
    this.log.add(kind, at, this.frameCount, message, true);
    this.stopped = true;
  }

  private parse(): void {
    const w = this.win;
    const max = this.batchSize;
    let p = w.start;
    while (this.filled < max && !this.stopped) {
      const end = w.end;
      const avail = end - p;
      const dv = w.view;
      if (avail < 12) {
        this.needed = 12;
        break;
      }
      const at = w.base + p;
      let type = dv.getUint32(p, this.le);
      if (type === BT_SHB) {
        // A new section may change the byte order: read its magic first.
        const bomLe = dv.getUint32(p + 8, true);
        if (bomLe === BYTE_ORDER_MAGIC) this.le = true;
        else if (dv.getUint32(p + 8, false) === BYTE_ORDER_MAGIC) this.le = false;
        else {
          this.fatal('bad-block', at, `section header block at byte ${at} has a bad byte-order magic 0x${bomLe.toString(16)}; reading stopped`);
          break;
        }
        type = BT_SHB;
      }
      const le = this.le;
      const len = dv.getUint32(p + 4, le);
      if (len < 12 || len % 4 !== 0) {
        this.fatal('bad-block', at, `block at byte ${at} (type 0x${type.toString(16)}) has an impossible total length ${len} (${len < 12 ? 'below 12' : 'not a multiple of 4'}); reading stopped`);
        break;
      }
      if (len > MAX_BLOCK) {
        if ((type === BT_EPB || type === BT_PB) && avail >= 28) {
          const capLen = dv.getUint32(p + 20, le);
          if (capLen > MAX_CAPLEN) {
            this.overLong(at, capLen);
            break;
          }
        }
        this.fatal('bad-block', at, `block at byte ${at} (type 0x${type.toString(16)}) claims ${len} bytes, more than the limit of ${MAX_BLOCK}; not trusted, reading stopped`);
        break;
      }
      if ((type === BT_EPB || type === BT_PB) && avail >= 28 && dv.getUint32(p + 20, le) > MAX_CAPLEN) {
        // Checked before waiting for the whole block, as tshark: "cap_len is larger than 262144".
        this.overLong(at, dv.getUint32(p + 20, le));
        break;
      }
      if (avail < len) {
        this.needed = len;
        break;
      }
      const trailer = dv.getUint32(p + len - 4, le);
      if (trailer !== len) {
        this.fatal('bad-block', at, `block at byte ${at} (type 0x${type.toString(16)}): total length ${len} at its start but ${trailer} at its end; reading stopped`);
        break;
      }
      switch (type) {
        case BT_EPB:
          this.packet(p, len, at, 0);
          break;
        case BT_PB:
          this.packet(p, len, at, 1);
          break;
        case BT_SPB:
          this.simplePacket(p, len, at);
          break;
        case BT_IDB:
          this.interfaceBlock(p, len, at);
          break;
        case BT_SHB:
          if (this.sectionHeader(p, len, at) === DONE_SHB) break;
          // unsupported version: stop before this section
          w.start = p;
          return;
        default:
          this.skip(type, at);
      }
      p += len;
    }
    w.start = p;
  }

  private overLong(at: number, capLen: number): void {
    this.fatal('over-long', at, `block at byte ${at} (would be frame ${this.frameCount + 1}) has a ${capLen}-byte packet, bigger than the maximum of ${MAX_CAPLEN}; not trusted, reading stopped`);
  }

  private str(p: number, n: number): string {
    let e = p + n;
    while (e > p && this.win.buf[e - 1] === 0) e--; // some writers add a terminating NUL
    return this.win.buf.toString('utf8', p, e);
  }

  /**
   * Walks the options in [p, end) and calls `fn(code, valueOffset, length)`
   * for each. Stops at opt_endofopt; an option running past the end is
   * reported (the block itself stays usable).
   */
  private options(p: number, end: number, at: number, fn: (code: number, v: number, n: number) => void): void {
    const dv = this.win.view;
    const le = this.le;
    while (end - p >= 4) {
      const code = dv.getUint16(p, le);
      const n = dv.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT) return;
      if (p + 4 + n > end) {
        this.log.add('bad-block', at, this.frameCount, `block at byte ${at}: option ${code} at byte ${this.win.base + p} claims ${n} bytes, past the end of the block; rest of the options ignored`);
        return;
      }
      fn(code, p + 4, n);
      p += 4 + ((n + 3) & ~3);
    }
  }

  /** opt_comment(s) of a packet block, joined by newlines (a loop rather than options(): no closure per packet). */
  private packetComment(p: number, end: number, at: number): string | undefined {
    const dv = this.win.view;
    const le = this.le;
    let comment: string | undefined;
    while (end - p >= 4) {
      const code = dv.getUint16(p, le);
      const n = dv.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (p + 4 + n > end) {
        this.log.add('bad-block', at, this.frameCount, `block at byte ${at}: option ${code} at byte ${this.win.base + p} claims ${n} bytes, past the end of the block; rest of the options ignored`);
        break;
      }
      if (code === OPT_COMMENT) {
        const c = this.str(p + 4, n);
        comment = comment === undefined ? c : comment + '\n' + c;
      }
      p += 4 + ((n + 3) & ~3);
    }
    return comment;
  }

  private sectionHeader(p: number, len: number, at: number): number {
    const dv = this.win.view;
    const le = this.le;
    if (len < 28) {
      this.fatal('bad-block', at, `section header block at byte ${at} is too short (${len} bytes, at least 28); reading stopped`);
      return 1;
    }
    const major = dv.getUint16(p + 12, le);
    const minor = dv.getUint16(p + 14, le);
    if (!(major === 1 && (minor === 0 || minor === 2))) {
      // As Wireshark 4.0 (pcapng.c): only 1.0 and 1.2 are read; tshark stops with "unknown SHB version".
      const after = this.sectionCount === 0 ? 'reading stopped' : `reading stopped after ${this.frameCount} frame${this.frameCount === 1 ? '' : 's'} (as tshark)`;
      this.fatal('unsupported', at, `section ${this.sectionCount} at byte ${at}: unknown pcapng section header version ${major}.${minor} (1.0 and 1.2 are read); ${after}`);
      return 1;
    }
    this.section = this.sectionCount++;
    this.sectionBase = this.ifaces.length;
    const sec: CaptureSection = {
      fileOffset: at,
      byteOrder: le ? 'little' : 'big',
      versionMajor: major,
      versionMinor: minor,
      comments: [],
    };
    // 8-byte section length follows (ignored: -1 is allowed and common).
    this.options(p + 24, p + len - 4, at, (code, v, n) => {
      if (code === OPT_COMMENT) {
        const c = this.str(v, n);
        sec.comments.push(c);
        this.info.comments.push(c);
      } else if (code === SHB_HARDWARE) sec.hardware = this.str(v, n);
      else if (code === SHB_OS) sec.os = this.str(v, n);
      else if (code === SHB_USERAPPL) sec.application = this.str(v, n);
    });
    this.sections.push(sec);
    if (this.section === 0) {
      this.info.versionMajor = major;
      this.info.versionMinor = minor;
      this.info.byteOrder = sec.byteOrder;
    }
    return DONE_SHB;
  }

  private interfaceBlock(p: number, len: number, at: number): void {
    const dv = this.win.view;
    const le = this.le;
    if (len < 20) {
      this.log.add('bad-block', at, this.frameCount, `interface description block at byte ${at} is too short (${len} bytes, at least 20); skipped`);
      return;
    }
    if (this.section < 0) {
      this.log.add('bad-block', at, this.frameCount, `interface description block at byte ${at} outside any section; skipped`);
      return;
    }
    const linkType = dv.getUint16(p + 8, le);
    const snapLen = dv.getUint32(p + 12, le);
    const info: CaptureInterface = {
      index: this.ifaces.length,
      linkType,
      snapLen,
      tsResolution: 6,
      section: this.section,
      localIndex: this.ifaces.length - this.sectionBase,
    };
    let resol = 6;
    let offsetSec = 0;
    this.options(p + 16, p + len - 4, at, (code, v, n) => {
      if (code === IF_NAME) info.name = this.str(v, n);
      else if (code === IF_DESCRIPTION) info.description = this.str(v, n);
      else if (code === IF_OS) info.os = this.str(v, n);
      else if (code === IF_TSRESOL && n >= 1) resol = this.win.buf[v]!;
      else if (code === IF_TSOFFSET && n >= 8) {
        const hi = this.win.view.getInt32(v + (le ? 4 : 0), le);
        const lo = this.win.view.getUint32(v + (le ? 0 : 4), le);
        offsetSec = hi * 4294967296 + lo;
      }
    });
    const iface: Iface = { info, linkType, snapLen, div: 1e6, mul: 1000, fineDiv: 1, pow2Shift: 1, mode: NS_MUL, big: false, offsetSec };
    const pow2 = (resol & 0x80) !== 0;
    const k = resol & 0x7f;
    if ((pow2 && k > 63) || (!pow2 && k > 19)) {
      this.log.add('bad-block', at, this.frameCount, `interface ${info.localIndex} at byte ${at}: if_tsresol 0x${resol.toString(16)} is beyond 64-bit timestamps; microseconds assumed`);
      resol = 6;
    }
    setResolution(iface, resol);
    info.tsResolRaw = resol;
    info.tsResolution = (resol & 0x80) !== 0 ? Math.min(9, Math.ceil((resol & 0x7f) * Math.LOG10E * Math.LN2)) : Math.min(9, resol);
    if (offsetSec !== 0) info.tsOffsetSec = offsetSec;
    this.ifaces.push(iface);
    this.info.interfaces.push(info);
  }

  /** Resolves a section-local interface id, or reports the block and returns undefined. */
  private iface(localId: number, at: number, what: string): Iface | undefined {
    const g = this.sectionBase + localId;
    if (this.section < 0 || g >= this.ifaces.length) {
      const count = this.ifaces.length - this.sectionBase;
      this.log.add('bad-block', at, this.frameCount, `${what} at byte ${at} refers to interface ${localId}, but its section has ${count} interface${count === 1 ? '' : 's'}; skipped`);
      return undefined;
    }
    return this.ifaces[g];
  }

  /** EPB (kind 0) or obsolete PB (kind 1): same layout after the interface id. */
  private packet(p: number, len: number, at: number, kind: number): void {
    const dv = this.win.view;
    const le = this.le;
    const what = kind === 0 ? 'enhanced packet block' : 'packet block';
    if (len < 32) {
      this.log.add('bad-block', at, this.frameCount, `${what} at byte ${at} is too short (${len} bytes, at least 32); skipped`);
      return;
    }
    const ifId = kind === 0 ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
    const iface = this.iface(ifId, at, what);
    if (!iface) return;
    const hi = dv.getUint32(p + 12, le);
    const lo = dv.getUint32(p + 16, le);
    let capLen = dv.getUint32(p + 20, le);
    const origLen = dv.getUint32(p + 24, le);
    const data = p + 28;
    const bodyEnd = p + len - 4;
    const f = this.frame(this.filled);
    f.number = this.frameCount + 1;
    if (data + capLen > bodyEnd) {
      this.log.add('bad-block', at, f.number, `frame ${f.number}: ${what} at byte ${at} claims ${capLen} captured bytes but holds ${bodyEnd - data}; delivered with those`);
      capLen = bodyEnd - data;
    }
    this.frameCount++;
    f.buf = this.win.buf;
    f.offset = data;
    f.capLen = capLen;
    f.origLen = origLen;
    f.linkType = iface.linkType;
    f.ifIndex = iface.info.index;
    f.fileOffset = at;
    f.comment = undefined;
    setTime(f, hi, lo, iface);
    f.hasTime = true;
    const optStart = data + ((capLen + 3) & ~3);
    if (optStart + 4 <= bodyEnd) f.comment = this.packetComment(optStart, bodyEnd, at);
    this.checkLengths(f, iface, at);
    this.batch[this.filled++] = f;
  }

  private simplePacket(p: number, len: number, at: number): void {
    const dv = this.win.view;
    if (len < 16) {
      this.log.add('bad-block', at, this.frameCount, `simple packet block at byte ${at} is too short (${len} bytes, at least 16); skipped`);
      return;
    }
    const iface = this.iface(0, at, 'simple packet block');
    if (!iface) return;
    const origLen = dv.getUint32(p + 8, this.le);
    const data = p + 12;
    const room = p + len - 4 - data;
    let capLen = iface.snapLen !== 0 && origLen > iface.snapLen ? iface.snapLen : origLen;
    const f = this.frame(this.filled);
    f.number = this.frameCount + 1;
    if (capLen > MAX_CAPLEN) {
      this.overLong(at, capLen);
      return;
    }
    if (capLen > room) {
      this.log.add('bad-block', at, f.number, `frame ${f.number}: simple packet block at byte ${at} should hold ${capLen} bytes (original length ${origLen}, snaplen ${iface.snapLen}) but holds ${room}; delivered with those`);
      capLen = room;
    }
    this.frameCount++;
    f.buf = this.win.buf;
    f.offset = data;
    f.capLen = capLen;
    f.origLen = origLen;
    f.linkType = iface.linkType;
    f.ifIndex = iface.info.index;
    f.fileOffset = at;
    f.comment = undefined;
    // An SPB has no timestamp.
    f.tsSec = 0;
    f.tsNsec = 0;
    f.hasTime = false;
    this.checkLengths(f, iface, at);
    this.batch[this.filled++] = f;
  }

  private checkLengths(f: Frame, iface: Iface, at: number): void {
    if (f.capLen === 0) {
      this.log.add('zero-length', at, f.number, `frame ${f.number} at byte ${at} has a zero-length record (original length ${f.origLen})`);
    }
    if (f.capLen > f.origLen) {
      this.log.add('over-long', at, f.number, `frame ${f.number} at byte ${at}: captured length ${f.capLen} is larger than the original length ${f.origLen}`);
    }
    if (iface.snapLen !== 0 && f.capLen > iface.snapLen) {
      this.log.add('over-long', at, f.number, `frame ${f.number} at byte ${at}: captured length ${f.capLen} is larger than the interface's snapshot length ${iface.snapLen}`);
    }
  }

  private skip(type: number, at: number): void {
    let s = this.skipped.get(type);
    if (!s) {
      s = { count: 0, first: at, problem: undefined };
      this.skipped.set(type, s);
      if (this.skipped.size > 64) {
        // Bounded: a fuzzed file with thousands of distinct block types is summarised by the log itself.
        this.skipped.delete(type);
        this.log.add('unknown-block', at, this.frameCount, `block of type 0x${type.toString(16)} at byte ${at} skipped`);
        return;
      }
      s.problem = this.log.add('unknown-block', at, this.frameCount, '');
    }
    s.count++;
    if (s.problem) {
      const names = BLOCK_NAMES[type] ?? ['unknown block', 'unknown blocks'];
      s.problem.message = `skipped ${s.count} ${s.count === 1 ? names[0] : names[1]} (type 0x${type.toString(16)}), first at byte ${s.first}`;
    }
  }

  private async endOfInput(): Promise<void> {
    this.stopped = true;
    await this.checkChanged();
    const w = this.win;
    const have = w.available;
    if (have > 0) {
      const at = w.offset;
      const msg = have < 12
        ? `the file is cut short in the middle of a block header at byte ${at} (${have} of 12 bytes); read up to the last whole block`
        : `the file is cut short in the middle of a block: the block at byte ${at} needs ${this.needed} bytes, ${have} present; read up to the last whole block`;
      this.log.add('cut-short', at, this.frameCount, msg, true);
    }
  }
}

function setResolution(iface: Iface, resol: number): void {
  const k = resol & 0x7f;
  if ((resol & 0x80) === 0) {
    iface.div = 10 ** k;
    if (k <= 9) iface.mode = NS_MUL;
    else iface.mode = NS_FINE_DIV;
    iface.mul = k <= 9 ? 10 ** (9 - k) : 0;
    iface.fineDiv = k > 9 ? 10 ** (k - 9) : 1;
    // Long division in 16-bit limbs needs remainder * 2^16 < 2^53, i.e. units ≤ 2^37.
    iface.big = k > 11;
  } else {
    iface.div = 2 ** k;
    iface.mode = k >= 9 ? NS_POW2_SHIFT : NS_POW2_SMALL;
    iface.pow2Shift = k >= 9 ? 2 ** (k - 9) : 0;
    // remainder * 1953125 (5^9) must stay below 2^53: remainder < 2^32.
    iface.big = k > 32;
  }
}

/**
 * Converts a 64-bit timestamp (hi:lo, in the interface's units) to seconds
 * and nanoseconds, exactly (no float rounding), without allocating: 16-bit
 * long division when the value is beyond 2^53. Fractions finer than 1 ns
 * are truncated, as Wireshark does.
 */
function setTime(f: Frame, hi: number, lo: number, iface: Iface): void {
  if (iface.big) {
    setTimeBig(f, hi, lo, iface);
    return;
  }
  const d = iface.div;
  let q: number;
  let r: number;
  if (hi < 0x200000) {
    const ts = hi * 4294967296 + lo;
    q = Math.floor(ts / d);
    r = ts - q * d;
    if (r < 0) {
      q--;
      r += d;
    } else if (r >= d) {
      q++;
      r -= d;
    }
  } else {
    q = 0;
    r = 0;
    const limbs0 = hi >>> 16;
    const limbs1 = hi & 0xffff;
    const limbs2 = lo >>> 16;
    const limbs3 = lo & 0xffff;
    let cur = limbs0;
    let ql = Math.floor(cur / d);
    r = cur - ql * d;
    q = ql;
    cur = r * 65536 + limbs1;
    ql = Math.floor(cur / d);
    r = cur - ql * d;
    q = q * 65536 + ql;
    cur = r * 65536 + limbs2;
    ql = Math.floor(cur / d);
    r = cur - ql * d;
    q = q * 65536 + ql;
    cur = r * 65536 + limbs3;
    ql = Math.floor(cur / d);
    r = cur - ql * d;
    q = q * 65536 + ql;
  }
  let ns: number;
  switch (iface.mode) {
    case NS_MUL: ns = r * iface.mul; break;
    case NS_FINE_DIV: ns = Math.floor(r / iface.fineDiv); break;
    // 1e9 / 2^k = 1953125 / 2^(k-9): exact integer arithmetic below 2^53.
    case NS_POW2_SHIFT: ns = Math.floor((r * 1953125) / iface.pow2Shift); break;
    default: ns = Math.floor((r * 1e9) / d);
  }
  f.tsSec = q + iface.offsetSec;
  f.tsNsec = ns;
}

function setTimeBig(f: Frame, hi: number, lo: number, iface: Iface): void {
  const ts = (BigInt(hi) << 32n) | BigInt(lo);
  const d = BigInt(iface.div);
  const sec = ts / d;
  const rem = ts % d;
  f.tsSec = Number(sec) + iface.offsetSec;
  f.tsNsec = Number((rem * 1000000000n) / d);
}
