/**
 * Classic pcap through the `pcap-parser` package: the reader for streams
 * (stdin, pipes, gunzipped input) and for `reader: 'pcap-parser'`.
 *
 * What pcap-parser 0.2.1 can read (checked in its lib/pcap-parser.js):
 * magic a1b2c3d4 in both byte orders, version 2.4 record layout. What it
 * cannot, and so goes to our own reader (pcap.ts) even on a stream:
 *  - nanosecond files (magic a1b23c4d): it rejects the magic;
 *  - versions before 2.4 (incl_len/orig_len swapped before 2.3, maybe
 *    swapped in 2.3): it would read the lengths in the wrong order;
 * and what it does not guard against, which we add around it:
 *  - a record claiming a huge length: it would buffer (and re-copy) the
 *    stream until that many bytes arrived. We watch its `packetHeader` event
 *    and stop feeding it at a record over MAX_CAPLEN, as Wireshark stops;
 *  - a file cut short: it just stops emitting; we compare the bytes fed with
 *    the bytes consumed by whole records and report the cut.
 *
 * We drive it synchronously: it is given a stand-in stream, and each chunk
 * we read is emitted as a 'data' event, during which pcap-parser emits its
 * 'packet' events. So it reads only as fast as the consumer asks for
 * batches (backpressure), and its frames land in our reused Frame objects.
 * Its packet data are Buffer slices of the chunk (one small object per
 * packet, made by pcap-parser), valid as long as the batch is.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { ByteWindow } from './byte-window.js';
import {
  PCAP_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
  type PcapHeader,
  LengthOrder,
  checkPcapHeader,
  cutShortMessage,
  oddRecord,
  overLongMessage,
  pcapInfo,
  setPcapTime,
} from './pcap.js';
import { MAX_CAPLEN, ReaderBase } from './reader-base.js';

interface PcapParserPacketHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}
interface PcapParserPacket {
  header: PcapParserPacketHeader;
  data: Buffer;
}
interface PcapParserModule {
  parse(input: EventEmitter): EventEmitter;
}

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as PcapParserModule;

/** Whether pcap-parser can read a file with this header (see the header comment). */
export function pcapParserCanRead(h: PcapHeader): boolean {
  return !h.nanosecond && h.lengthOrder === LengthOrder.Normal && h.versionMajor === 2 && h.versionMinor >= 4;
}

/** Size of the chunks fed to pcap-parser when we read them ourselves (files). */
const CHUNK = 256 * 1024;

export class PcapParserReader extends ReaderBase {
  private readonly input = Object.assign(new EventEmitter(), { pause(): void {}, resume(): void {} });
  /** Bytes given to pcap-parser so far (file offset of the next byte to feed). */
  private fed = 0;
  /** File offset of the next record header (all bytes before are whole records). */
  private consumed = PCAP_HEADER_LEN;
  private pendingHeader = false;
  private pendingCapLen = 0;
  private ignoring = false;
  private parserError: string | undefined;

  constructor(
    private readonly hdr: PcapHeader,
    win: ByteWindow,
    batchSize: number,
    openedSize: number,
  ) {
    super(pcapInfo(hdr, openedSize), win, batchSize, openedSize);
    checkPcapHeader(hdr, this.log);
    const parser = pcapParser.parse(this.input);
    parser.on('packetHeader', (h: PcapParserPacketHeader) => this.onHeader(h));
    parser.on('packet', (p: PcapParserPacket) => this.onPacket(p));
    parser.on('error', (e: Error) => {
      this.parserError = e.message;
    });
  }

  private onHeader(h: PcapParserPacketHeader): void {
    if (this.ignoring) return;
    this.pendingHeader = true;
    this.pendingCapLen = h.capturedLength;
    if (h.capturedLength > MAX_CAPLEN) {
      const at = this.consumed;
      this.log.add('over-long', at, this.frameCount, overLongMessage(h.capturedLength, at, this.frameCount + 1), true);
      this.ignoring = true;
      this.stopped = true;
    }
  }

  private onPacket(p: PcapParserPacket): void {
    if (this.ignoring) return;
    const h = p.header;
    const f = this.frame(this.filled);
    f.number = ++this.frameCount;
    f.buf = p.data;
    f.offset = 0;
    f.capLen = h.capturedLength;
    f.origLen = h.originalLength;
    f.linkType = this.hdr.linkType;
    f.ifIndex = 0;
    f.fileOffset = this.consumed;
    f.comment = undefined;
    setPcapTime(f, h.timestampSeconds, h.timestampMicroseconds, false);
    const frac = h.timestampMicroseconds;
    if (f.capLen === 0 || f.capLen > f.origLen || (this.hdr.snapLen !== 0 && f.capLen > this.hdr.snapLen) || frac >= 1e6) {
      oddRecord(this.log, f, this.consumed, this.hdr.snapLen, frac, false);
    }
    this.batch[this.filled++] = f;
    this.consumed += PCAP_RECORD_HEADER_LEN + f.capLen;
    this.pendingHeader = false;
  }

  private feed(chunk: Buffer): void {
    this.fed += chunk.length;
    this.input.emit('data', chunk);
    if (this.parserError !== undefined && !this.ignoring) {
      this.log.add('other', this.consumed, this.frameCount, `pcap-parser: ${this.parserError}`, true);
      this.ignoring = true;
      this.stopped = true;
    }
  }

  protected async fillBatch(): Promise<void> {
    const w = this.win;
    if (this.fed === 0) {
      // The bytes already in the window (the file header and what came with it), as a copy:
      // the window is not ours to keep pointing into.
      const first = Buffer.from(w.buf.subarray(w.start, w.end));
      this.fed = w.offset;
      w.start = w.end;
      this.feed(first);
      if (this.filled >= this.batchSize || this.stopped) return;
    }
    while (this.filled < this.batchSize && !this.stopped) {
      // A fresh buffer per chunk: pcap-parser hands out slices of it.
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = await w.src.read(chunk, 0, CHUNK);
      if (n === 0) {
        await this.endOfInput();
        return;
      }
      this.feed(n === CHUNK ? chunk : chunk.subarray(0, n));
    }
  }

  override get bytesRead(): number {
    return this.consumed;
  }

  private async endOfInput(): Promise<void> {
    this.stopped = true;
    // The window's byte count is what checkChanged() compares against.
    this.win.base = this.fed;
    this.win.start = this.win.end = 0;
    await this.checkChanged();
    const left = this.fed - this.consumed;
    if (left > 0 && !this.ignoring) {
      const inHeader = !this.pendingHeader;
      const need = inHeader ? PCAP_RECORD_HEADER_LEN : PCAP_RECORD_HEADER_LEN + this.pendingCapLen;
      this.log.add('cut-short', this.consumed, this.frameCount, cutShortMessage(this.consumed, left, need, inHeader), true);
    }
  }
}
