/**
 * Writing classic pcap: a streaming writer (for `live -w`: buffered,
 * flushed at least every `flushIntervalMs`, `close()` flushes completely)
 * and an in-memory builder (`buildPcap`) for tests and benchmarks.
 *
 * Files are never clobbered silently and never followed: a new file is
 * created with O_EXCL (fails if anything exists at the path, a symbolic
 * link included); `overwrite: true` truncates a regular file but still
 * refuses to follow a symbolic link (O_NOFOLLOW). Captures hold other
 * people's traffic, so new files are readable by their owner only (0600,
 * as dumpcap does).
 *
 * Records may lie on purpose (tests of hostile input): `capLen` sets the
 * header's captured length independently of the bytes written.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { safeText } from '../bytes/safe-text.js';
import { CaptureError, type Frame } from './source.js';

export { ethIpv4Tcp, ethIpv4Udp, ethIpv6Tcp, ethIpv6Udp, tcpFlags, TcpFlags } from './frame-builders.js';

export interface PcapWriteOptions {
  /** Nanosecond timestamps (magic a1b23c4d); default microseconds. */
  nanosecond?: boolean;
  /** LINKTYPE_* (default 1, Ethernet). */
  linkType?: number;
  /** Snapshot length (default 262144): longer packets are cut to it, their original length kept. */
  snapLen?: number;
  /** Write big-endian (default: little-endian). */
  bigEndian?: boolean;
  /** File format version (default 2.4; tests write others). */
  versionMajor?: number;
  versionMinor?: number;
}

export interface PcapRecord {
  tsSec: number;
  /** Nanoseconds within the second (written as µs in a µs file). */
  tsNsec?: number;
  data: Uint8Array;
  /** Length on the wire (default: data length before snaplen cut). */
  origLen?: number;
  /** Captured length written in the header, even if it disagrees with `data` (hostile files). */
  capLen?: number;
  /** Raw fraction field written as is (e.g. ≥ 10^6 µs, hostile files). */
  rawFrac?: number;
}

const HEADER = 24;
const REC = 16;

export function pcapFileHeader(o: PcapWriteOptions = {}): Buffer {
  const h = Buffer.alloc(HEADER);
  const le = !o.bigEndian;
  const u32 = le ? h.writeUInt32LE.bind(h) : h.writeUInt32BE.bind(h);
  const u16 = le ? h.writeUInt16LE.bind(h) : h.writeUInt16BE.bind(h);
  u32(o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(o.versionMajor ?? 2, 4);
  u16(o.versionMinor ?? 4, 6);
  u32(0, 8);
  u32(0, 12);
  u32((o.snapLen ?? 262144) >>> 0, 16);
  u32((o.linkType ?? 1) >>> 0, 20);
  return h;
}

/** Encodes one record into `buf` at `off`; returns the bytes written. Caller ensures room. */
function encodeRecord(buf: Buffer, off: number, r: PcapRecord, o: PcapWriteOptions): number {
  const le = !o.bigEndian;
  const snap = o.snapLen ?? 262144;
  const data = snap > 0 && r.data.length > snap && r.capLen === undefined ? r.data.subarray(0, snap) : r.data;
  const ns = r.tsNsec ?? 0;
  const frac = r.rawFrac ?? (o.nanosecond ? ns : Math.floor(ns / 1000));
  const capLen = r.capLen ?? data.length;
  const origLen = r.origLen ?? r.data.length;
  if (le) {
    buf.writeUInt32LE(r.tsSec >>> 0, off);
    buf.writeUInt32LE(frac >>> 0, off + 4);
    buf.writeUInt32LE(capLen >>> 0, off + 8);
    buf.writeUInt32LE(origLen >>> 0, off + 12);
  } else {
    buf.writeUInt32BE(r.tsSec >>> 0, off);
    buf.writeUInt32BE(frac >>> 0, off + 4);
    buf.writeUInt32BE(capLen >>> 0, off + 8);
    buf.writeUInt32BE(origLen >>> 0, off + 12);
  }
  buf.set(data, off + REC);
  return REC + data.length;
}

function recordSize(r: PcapRecord, o: PcapWriteOptions): number {
  const snap = o.snapLen ?? 262144;
  const n = snap > 0 && r.data.length > snap && r.capLen === undefined ? snap : r.data.length;
  return REC + n;
}

/** Builds a whole pcap file in memory. */
export function buildPcap(records: Iterable<PcapRecord>, opts: PcapWriteOptions = {}): Buffer {
  const list = Array.isArray(records) ? (records as PcapRecord[]) : [...records];
  let size = HEADER;
  for (const r of list) size += recordSize(r, opts);
  const out = Buffer.allocUnsafe(size);
  pcapFileHeader(opts).copy(out, 0);
  let off = HEADER;
  for (const r of list) off += encodeRecord(out, off, r, opts);
  return out;
}

export interface PcapWriterOptions extends PcapWriteOptions {
  /** Replace an existing regular file (default: refuse). Symbolic links are never followed. */
  overwrite?: boolean;
  /** Flush buffered records at least this often while writing (default 1000 ms; 0 = only when full). */
  flushIntervalMs?: number;
  /** Buffer size (default 1 MiB). */
  bufferSize?: number;
}

/** A streaming pcap writer onto a file (or a file descriptor, e.g. 1 for stdout). */
export class PcapWriter {
  private buf: Buffer;
  private used = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Records and bytes written so far (file header included in bytes). */
  packets = 0;
  bytes = 0;

  private constructor(
    private readonly fd: number,
    private readonly opts: PcapWriterOptions,
    private readonly ownFd: boolean,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, opts.bufferSize ?? 1 << 20));
    const h = pcapFileHeader(opts);
    h.copy(this.buf, 0);
    this.used = h.length;
    this.bytes = h.length;
    const every = opts.flushIntervalMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => this.flush(), every);
      this.timer.unref();
    }
    // The header goes out at once, so a reader opening the file sees a valid (empty) capture.
    this.flush();
  }

  /** Creates `path` (never following a symbolic link; refusing an existing file unless `overwrite`). */
  static open(path: string, opts: PcapWriterOptions = {}): PcapWriter {
    if (path === '-') return PcapWriter.toFd(1, opts);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW |
      (opts.overwrite ? constants.O_TRUNC : constants.O_EXCL);
    let fd: number;
    try {
      fd = openSync(path, flags, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const name = safeText(path);
      if (code === 'EEXIST') throw new CaptureError(`synack: ${name} already exists; not overwritten`);
      if (code === 'ELOOP') throw new CaptureError(`synack: ${name} is a symbolic link; not followed`);
      throw e;
    }
    try {
      if (opts.overwrite && !fstatSync(fd).isFile()) {
        throw new CaptureError(`synack: ${safeText(path)} is not a regular file; not overwritten`);
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    return new PcapWriter(fd, opts, true);
  }

  static toFd(fd: number, opts: PcapWriterOptions = {}): PcapWriter {
    return new PcapWriter(fd, opts, false);
  }

  /** Appends one record (bytes copied at once: the caller's buffer may be reused afterwards). */
  write(r: PcapRecord): void {
    if (this.closed) throw new Error('pcap writer is closed');
    const n = recordSize(r, this.opts);
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    this.used += encodeRecord(this.buf, this.used, r, this.opts);
    this.packets++;
    this.bytes += n;
  }

  /** Appends a frame from a FrameSource (its bytes, times and lengths). */
  writeFrame(f: Frame): void {
    this.write({
      tsSec: f.tsSec,
      tsNsec: f.tsNsec,
      data: f.buf.subarray(f.offset, f.offset + f.capLen),
      origLen: f.origLen,
    });
  }

  /** Writes out everything buffered. */
  flush(): void {
    let off = 0;
    while (off < this.used) {
      try {
        off += writeSync(this.fd, this.buf, off, this.used - off);
      } catch (e) {
        // A non-blocking pipe that is full: wait a moment and retry.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
    this.used = 0;
  }

  /** Flushes completely and closes the file. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    try {
      this.flush();
    } finally {
      this.closed = true;
      if (this.ownFd) closeSync(this.fd);
    }
  }
}
