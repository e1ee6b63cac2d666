/**
 * The frame-source contract shared by file readers and live capture.
 *
 * A source is an async iterable of *batches* of frames. Iterating per batch
 * rather than per frame keeps the per-packet cost of the async machinery out
 * of the hot path: a reader fills a batch from one large read, the consumer
 * walks it synchronously.
 *
 * Ownership (STYLE principle 7): the `Frame` objects, the batch array and the
 * bytes behind `frame.buf` belong to the source and are valid only until the
 * consumer asks for the next batch. Whoever keeps bytes copies them, visibly.
 */
import { copyBytes } from '../bytes/copy.js';

/** One captured frame. Its bytes are `buf[offset .. offset + capLen)`. */
export interface Frame {
  /** 1-based frame number across the whole source (as tshark numbers them). */
  number: number;
  /** Buffer holding the frame's bytes (often a large shared read buffer). */
  buf: Uint8Array;
  /** Offset of the first byte of the frame in `buf`. */
  offset: number;
  /** Bytes present in the capture (captured length, "caplen"). */
  capLen: number;
  /** Bytes the frame had on the wire (original length, "len"). */
  origLen: number;
  /** Timestamp: whole seconds since the epoch (may be negative for odd files). */
  tsSec: number;
  /** Timestamp: nanoseconds within the second, 0..999_999_999. */
  tsNsec: number;
  /** LINKTYPE_* value of the interface the frame came from. */
  linkType: number;
  /**
   * Interface index: the position in `info.interfaces` (0 for classic pcap and live). For pcapng it
   * counts across sections; the id inside the section (tshark's frame.interface_id) is that
   * interface's `localIndex`.
   */
  ifIndex: number;
  /** Byte offset of the record header in the file, or -1 when not from a file. */
  fileOffset: number;
  /** pcapng opt_comment of the packet, when present. */
  comment: string | undefined;
  /**
   * False for a record that carries no timestamp (pcapng Simple Packet Block:
   * tsSec/tsNsec are then 0 and mean nothing). Absent or true otherwise.
   */
  hasTime?: boolean;
  /**
   * Classic pcap read with the native addon: the slots its record scan wrote
   * for the batch (see scan-slot.ts), and the first word of this frame's slot
   * (-1 when the frame has none; every other reader leaves it so). The decoder
   * takes the headers' fields from there instead of reading them again. Valid
   * as long as the frame's bytes: a copy of the frame drops it.
   */
  pre?: Uint32Array;
  preAt?: number;
}

export function newFrame(): Frame {
  return {
    number: 0, buf: EMPTY, offset: 0, capLen: 0, origLen: 0, tsSec: 0, tsNsec: 0,
    linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined, hasTime: true, pre: NO_SLOTS, preAt: -1,
  };
}
const EMPTY = new Uint8Array(0);
const NO_SLOTS = new Uint32Array(0);

/** Copies a frame (bytes included) so it can outlive its batch (without its scan slot, which the reader reuses). */
export function cloneFrame(f: Frame): Frame {
  const buf = copyBytes(f.buf, f.offset, f.offset + f.capLen);
  return { ...f, buf, offset: 0, pre: NO_SLOTS, preAt: -1 };
}

/** A description of one capture interface (pcapng IDB, or the single one of pcap/live). */
export interface CaptureInterface {
  index: number;
  linkType: number;
  snapLen: number;
  /** Timestamp resolution as a power of ten of a second: 6 = µs, 9 = ns (if_tsresol). */
  tsResolution: number;
  name?: string;
  description?: string;
  section: number;
  /** pcapng if_os. */
  os?: string;
  /** pcapng if_tsoffset: seconds added to every timestamp of the interface (already applied to frames). */
  tsOffsetSec?: number;
  /** pcapng if_tsresol as written (bit 7 set: power of two); absent for classic pcap. */
  tsResolRaw?: number;
  /** Interface index inside its pcapng section (the id EPBs use); 0 for classic pcap. */
  localIndex?: number;
}

/** A pcapng section (one per section header block). */
export interface CaptureSection {
  /** Byte offset of the section header block. */
  fileOffset: number;
  byteOrder: 'little' | 'big';
  versionMajor: number;
  versionMinor: number;
  hardware?: string;
  os?: string;
  application?: string;
  comments: string[];
}

/**
 * Something the reader met and reports instead of trusting or dropping:
 * a record cut short, a zero-length or over-long record, an unknown block.
 */
export interface ReaderProblem {
  kind: 'cut-short' | 'zero-length' | 'over-long' | 'bad-block' | 'unknown-block' | 'unsupported' | 'changed' | 'other';
  /** Byte offset in the file where the problem starts (-1 if none). */
  fileOffset: number;
  /** Frame number the problem belongs to, or the last good one (0 if before any). */
  frameNumber: number;
  message: string;
  /** When true, reading stopped here (nothing after this offset was read). */
  fatal: boolean;
}

export interface CaptureInfo {
  /** 'pcap' | 'pcap-nsec' | 'pcapng' | 'live' */
  format: string;
  /** 'little' | 'big' (byte order of the file; of the first section for pcapng). */
  byteOrder: 'little' | 'big';
  versionMajor: number;
  versionMinor: number;
  interfaces: CaptureInterface[];
  /** pcapng section comments (shb_comment), in order. */
  comments: string[];
  /** Total file size in bytes, when known (for progress). */
  fileSize: number;
  /** pcapng sections in order (empty for classic pcap). */
  sections?: CaptureSection[];
  /** Classic pcap: the snapshot length field of the file header (0 = not set). */
  snapLen?: number;
}

export interface FrameSource extends AsyncIterable<Frame[]> {
  /** Known once the source is opened; interfaces may grow while reading pcapng. */
  readonly info: CaptureInfo;
  /** Problems met so far; complete once iteration ends. */
  readonly problems: ReaderProblem[];
  /** Bytes consumed so far (for progress bars). */
  readonly bytesRead: number;
  /** Frames the source itself had to drop (live capture), and the kernel's count if known. */
  readonly dropped: { pipeline: number; kernel: number };
  /** Stops the source; iteration ends after the current batch. */
  close(): void;
}

/** The error a reader throws when it cannot open its input at all: one line, no stack needed. */
export class CaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}

/** Convenience for code that is not on the hot path: iterate frame by frame. */
export async function* eachFrame(source: FrameSource): AsyncGenerator<Frame> {
  for await (const batch of source) {
    for (const f of batch) yield f;
  }
}
