/**
 * BPF filters on capture files: libpcap's own compiler and interpreter
 * (pcap_compile on pcap_open_dead + pcap_offline_filter) through the native
 * addon, so `synack FILE -f EXPR` keeps exactly the frames
 * `tcpdump -r FILE EXPR` keeps. Live capture filters in the kernel instead
 * (cap compiles the same syntax), so this module is for files only.
 *
 * `applyBpf(source, expr)` wraps any FrameSource and passes on only the
 * matching frames, keeping their original frame numbers (as Wireshark does
 * with a display filter), so frame numbers still point into the file.
 */
import { loadNative, type NativeFilter, nativeUnavailableReason } from '../native.js';
import { type CaptureInfo, CaptureError, type Frame, type FrameSource, type ReaderProblem } from './source.js';

/** A compiled filter for one link type. */
export interface BpfFilter {
  readonly expr: string;
  readonly linkType: number;
  matches(buf: Uint8Array, offset: number, capLen: number, origLen: number): boolean;
  /** The program in `tcpdump -d` form. */
  dump(): string;
}

/** The one line a user sees when BPF on files is asked for without the addon. */
export function bpfUnavailableMessage(): string {
  return (
    `synack: BPF filters on capture files need the native addon (libpcap's filter compiler), which is ${nativeUnavailableReason() || 'not available'}; ` +
    'build it with: node native/build.cjs (needs libpcap-dev: apt-get install libpcap-dev)'
  );
}

/** True when compileBpf can work. */
export function bpfAvailable(): boolean {
  return loadNative() !== undefined;
}

function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Compiles `expr` for frames of `linkType` (a LINKTYPE_* value) captured with
 * `snapLen`, from a file written in `byteOrder` (libpcap reads a DLT_NULL
 * header in the file's order). Throws CaptureError: libpcap's message for a bad expression, or
 * how to build the addon when it is missing.
 */
export function compileBpf(expr: string, linkType: number, snapLen = 262144, byteOrder: 'little' | 'big' = 'little'): BpfFilter {
  const addon = loadNative();
  if (!addon) throw new CaptureError(bpfUnavailableMessage());
  let f: NativeFilter;
  try {
    f = new addon.Filter(expr, linkType, snapLen > 0 ? snapLen : 262144, byteOrder === 'big');
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new CaptureError(`synack: invalid filter '${printable(expr)}': ${msg}`);
  }
  return {
    expr,
    linkType,
    matches: (buf, offset, capLen, origLen) => f.matches(buf, offset, capLen, origLen),
    dump: () => f.dump(),
  };
}

/** A filter that matches nothing (used for a link type the expression cannot apply to, as reported). */
const NO_MATCH: NativeFilter = {
  matches: () => false,
  matchBatch: (_b, _o, _c, _w, count, out) => {
    out.fill(0, 0, count);
    return 0;
  },
  dump: () => '(000) ret      #0\n',
};

/**
 * Wraps `source` so only frames matching `expr` come out. The expression is
 * compiled at once for every interface already known (so a bad filter fails
 * before any output) and lazily for link types that appear later in a
 * pcapng; if it cannot apply to such a link type (e.g. `ether host` on raw
 * IP), those frames are left out and a problem says why, once.
 */
export function applyBpf(source: FrameSource, expr: string): FrameSource {
  const addon = loadNative();
  if (!addon) throw new CaptureError(bpfUnavailableMessage());
  return new BpfSource(source, expr, addon);
}

class BpfSource implements FrameSource {
  private readonly filters = new Map<number, NativeFilter>();
  private readonly own: ReaderProblem[] = [];
  private readonly out: Frame[] = [];
  /** Frames seen and kept so far. */
  seen = 0;
  kept = 0;

  constructor(
    private readonly inner: FrameSource,
    readonly expr: string,
    private readonly addon: NonNullable<ReturnType<typeof loadNative>>,
  ) {
    const ifaces = inner.info.interfaces;
    if (ifaces.length === 0) {
      // Nothing known yet: at least check the syntax on Ethernet so a typo fails early.
      this.compile(1, 262144, false, true);
      this.filters.clear();
    }
    for (const i of ifaces) this.compile(i.linkType, i.snapLen, this.bigEndianOf(i.index), true);
  }

  /**
   * Byte order of the section an interface belongs to: libpcap reads a
   * DLT_NULL header in the byte order of the file that holds it.
   */
  private bigEndianOf(ifIndex: number): boolean {
    const info = this.inner.info;
    const iface = info.interfaces[ifIndex];
    const section = iface !== undefined ? info.sections?.[iface.section] : undefined;
    return (section?.byteOrder ?? info.byteOrder) === 'big';
  }

  private compile(linkType: number, snapLen: number, bigEndian: boolean, strict: boolean): NativeFilter {
    const key = linkType * 2 + (bigEndian ? 1 : 0);
    const have = this.filters.get(key);
    if (have) return have;
    let f: NativeFilter;
    try {
      f = new this.addon.Filter(this.expr, linkType, snapLen > 0 ? snapLen : 262144, bigEndian);
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
      if (strict) throw new CaptureError(`synack: invalid filter '${printable(this.expr)}': ${msg}`);
      this.own.push({
        kind: 'other',
        fileOffset: -1,
        frameNumber: 0,
        message: `filter '${printable(this.expr)}' does not apply to link type ${linkType} (${msg}); its frames are left out`,
        fatal: false,
      });
      f = NO_MATCH;
    }
    this.filters.set(key, f);
    return f;
  }

  private snapLenOf(linkType: number): number {
    for (const i of this.inner.info.interfaces) if (i.linkType === linkType) return i.snapLen;
    return 262144;
  }

  get info(): CaptureInfo {
    return this.inner.info;
  }
  get problems(): ReaderProblem[] {
    return this.own.length === 0 ? this.inner.problems : [...this.inner.problems, ...this.own];
  }
  get bytesRead(): number {
    return this.inner.bytesRead;
  }
  get dropped(): { pipeline: number; kernel: number } {
    return this.inner.dropped;
  }
  close(): void {
    this.inner.close();
  }

  // Scratch for matchBatch (grown on demand, reused).
  private offs = new Int32Array(1024);
  private caps = new Int32Array(1024);
  private origs = new Int32Array(1024);
  private hits = new Uint8Array(1024);

  private filterFor(fr: Frame): NativeFilter {
    const big = this.bigEndianOf(fr.ifIndex);
    return this.filters.get(fr.linkType * 2 + (big ? 1 : 0)) ?? this.compile(fr.linkType, this.snapLenOf(fr.linkType), big, false);
  }

  /**
   * A batch whose frames share one buffer and interface (what the file
   * readers produce) goes to libpcap in one call; others frame by frame.
   */
  private filterBatch(batch: Frame[], out: Frame[]): number {
    const first = batch[0]!;
    let uniform = true;
    for (let i = 1; i < batch.length; i++) {
      const fr = batch[i]!;
      if (fr.buf !== first.buf || fr.ifIndex !== first.ifIndex || fr.linkType !== first.linkType) {
        uniform = false;
        break;
      }
    }
    let n = 0;
    if (uniform && batch.length > 1) {
      if (this.offs.length < batch.length) {
        const size = Math.max(batch.length, this.offs.length * 2);
        this.offs = new Int32Array(size);
        this.caps = new Int32Array(size);
        this.origs = new Int32Array(size);
        this.hits = new Uint8Array(size);
      }
      for (let i = 0; i < batch.length; i++) {
        const fr = batch[i]!;
        this.offs[i] = fr.offset;
        this.caps[i] = fr.capLen;
        // pcap_pkthdr.len is 32-bit; a larger claim is capped (only `len` filters look at it).
        this.origs[i] = fr.origLen > 0x7fffffff ? 0x7fffffff : fr.origLen;
      }
      this.filterFor(first).matchBatch(first.buf, this.offs, this.caps, this.origs, batch.length, this.hits);
      for (let i = 0; i < batch.length; i++) if (this.hits[i] === 1) out[n++] = batch[i]!;
      return n;
    }
    for (let i = 0; i < batch.length; i++) {
      const fr = batch[i]!;
      if (this.filterFor(fr).matches(fr.buf, fr.offset, fr.capLen, fr.origLen)) out[n++] = fr;
    }
    return n;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame[]> {
    const out = this.out;
    for await (const batch of this.inner) {
      if (batch.length === 0) continue;
      const n = this.filterBatch(batch, out);
      this.seen += batch.length;
      this.kept += n;
      if (n === 0) continue;
      out.length = n;
      yield out;
    }
  }
}

/**
 * For the commands: the parseArgs option (`-f EXPR`, `--bpf EXPR`) and its
 * usage line, and a wrapper that applies the filter only when one was given.
 */
export const BPF_OPTION = { bpf: { type: 'string', short: 'f' } } as const;
export const BPF_USAGE = "  -f, --bpf EXPR  keep only frames matching a BPF filter, tcpdump syntax ('tcp port 80'); needs the native addon";

export function withBpf(source: FrameSource, expr: string | undefined): FrameSource {
  if (expr === undefined || expr === '') return source;
  try {
    return applyBpf(source, expr);
  } catch (e) {
    source.close();
    throw e;
  }
}
