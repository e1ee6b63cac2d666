/**
 * openCapture(): the one way into a capture file or stream.
 *
 * The format comes from the first bytes only, never from the file name:
 *   a1b2c3d4 / d4c3b2a1   classic pcap, µs, big / little endian
 *   a1b23c4d / 4d3cb2a1   classic pcap, ns, big / little endian
 *   0a0d0d0a              pcapng (section header block)
 *   1f8b                  gzip: decompressed as a stream, then detected again
 *
 * Which classic pcap reader runs:
 *   reader 'auto' (default): our fast reader (pcap.ts) for regular files,
 *     pcap-parser for streams (stdin '-', pipes, FIFOs, gzip) when it can read
 *     the file (µs, version 2.4), our reader otherwise;
 *   reader 'pcap-parser': pcap-parser wherever it can read the file;
 *   reader 'fast': our reader everywhere.
 * pcapng always goes through our own reader (pcapng.ts).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { safeText } from '../bytes/safe-text.js';
import { loadNative } from '../native.js';
import { type ByteSource, ByteWindow, FileByteSource, StreamByteSource } from './byte-window.js';
import { PCAP_HEADER_LEN, PcapReader, parsePcapHeader } from './pcap.js';
import { PcapParserReader, pcapParserCanRead } from './pcap-parser-reader.js';
import { PcapngReader } from './pcapng.js';
import { DEFAULT_BATCH } from './reader-base.js';
import { CaptureError, type FrameSource } from './source.js';

export interface OpenOptions {
  reader?: 'auto' | 'pcap-parser' | 'fast';
  /** Frames per batch (default 1024). */
  batchSize?: number;
  /** Read buffer size for our readers (default 4 MiB; tests use tiny ones to split records). */
  windowSize?: number;
  /** Input stream to use instead of stdin when path is '-' (tests). */
  stdin?: Readable;
  /**
   * Classic pcap, our reader: walk the records with the native addon when it
   * is loaded (default true). False keeps the TypeScript loop alone (tests
   * compare the two; SYNACK_NO_NATIVE=1 does the same for every native path).
   */
  native?: boolean;
}

const EXPECTED = 'expected pcap a1b2c3d4/a1b23c4d or pcapng 0a0d0d0a';

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

export async function openCapture(path: string, opts: OpenOptions = {}): Promise<FrameSource> {
  const name = path === '-' ? 'standard input' : safeText(path);
  let src: ByteSource;
  let isFile = false;
  if (path === '-') {
    src = new StreamByteSource(opts.stdin ?? process.stdin);
  } else {
    const st = await stat(path);
    if (st.isDirectory()) throw new CaptureError(`synack: ${name} is a directory, not a capture file`);
    if (st.isFile()) {
      src = await FileByteSource.open(path);
      isFile = true;
    } else {
      // FIFO, character device, socket: a stream.
      src = new StreamByteSource(createReadStream(path));
    }
  }
  try {
    return await openFrom(src, name, isFile, opts, 0);
  } catch (e) {
    await src.close();
    throw e;
  }
}

async function openFrom(src: ByteSource, name: string, isFile: boolean, opts: OpenOptions, depth: number): Promise<FrameSource> {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH));
  const win = new ByteWindow(src, opts.windowSize ?? undefined);
  await win.fill(4);
  const have = win.available;
  if (have === 0) throw new CaptureError(`synack: ${name} is empty (0 bytes), not a capture file`);
  const b = win.buf;
  const magic = have >= 4 ? ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 : -1;
  const size = isFile ? src.size : -1;

  if (have >= 2 && b[0] === 0x1f && b[1] === 0x8b && depth === 0) {
    // gzip-compressed capture (Wireshark reads these too): decompress as a stream.
    const gunzip = createGunzip();
    const raw = new StreamFromWindow(win);
    raw.pipe(gunzip);
    // Closing the decompressed stream (end of reading, or the consumer stopped early) closes the file.
    gunzip.on('close', () => raw.destroy());
    gunzip.on('error', () => raw.destroy());
    try {
      return await openFrom(new StreamByteSource(gunzip), name, false, opts, 1);
    } catch (e) {
      if (e instanceof CaptureError) throw e;
      gunzip.destroy();
      throw new CaptureError(`synack: ${name}: gzip data is corrupt (${(e as Error).message})`);
    }
  }

  if (magic === 0x0a0d0d0a) {
    return PcapngReader.open(win, name, batchSize, size);
  }
  if (magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1 || magic === 0xa1b23c4d || magic === 0x4d3cb2a1) {
    if (!(await win.fill(PCAP_HEADER_LEN))) {
      throw new CaptureError(`synack: ${name} is cut short in its pcap file header (${win.available} of ${PCAP_HEADER_LEN} bytes)`);
    }
    const hdr = parsePcapHeader(win.buf, win.start);
    if (hdr.versionMajor < 2) {
      // libpcap: "archaic pcap savefile format"; Wireshark: "major version unsupported".
      throw new CaptureError(`synack: ${name}: pcap version ${hdr.versionMajor}.${hdr.versionMinor} is not supported`);
    }
    win.start += PCAP_HEADER_LEN;
    const reader = opts.reader ?? 'auto';
    const useParser = pcapParserCanRead(hdr) && (reader === 'pcap-parser' || (reader === 'auto' && !isFile));
    if (useParser) {
      win.start -= PCAP_HEADER_LEN; // pcap-parser reads the file header itself
      return new PcapParserReader(hdr, win, batchSize, size);
    }
    return new PcapReader(hdr, win, batchSize, size, opts.native === false ? undefined : loadNative());
  }
  const found = hex(b.subarray(0, Math.min(4, have)));
  throw new CaptureError(`synack: ${name} is not a capture file (magic ${found}; ${EXPECTED})`);
}

/** The bytes already in a window, then the rest of its source, as a Readable (to pipe into gunzip). */
class StreamFromWindow extends Readable {
  private first = true;
  constructor(private readonly win: ByteWindow) {
    super();
  }
  override _read(size: number): void {
    if (this.first) {
      this.first = false;
      const w = this.win;
      this.push(Buffer.from(w.buf.subarray(w.start, w.end)));
      w.start = w.end;
      return;
    }
    const chunk = Buffer.allocUnsafe(Math.max(size, 64 * 1024));
    this.win.src.read(chunk, 0, chunk.length).then(
      (n) => this.push(n === 0 ? null : chunk.subarray(0, n)),
      (e: Error) => this.destroy(e),
    );
  }
  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.win.src.close().then(() => cb(err), () => cb(err));
  }
}
