/**
 * Loader for the optional N-API addon in native/ (built by `node native/build.cjs`,
 * which `npm install` runs). When it is not built, or SYNACK_NO_NATIVE=1 is
 * set, the pure TypeScript paths run and the features that only exist
 * natively (libpcap's BPF compiler for files) say how to build it.
 * `synack --version` reports which is active through `nativeStatus()`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A compiled BPF program (libpcap's pcap_compile on pcap_open_dead). */
export interface NativeFilter {
  /** pcap_offline_filter on one frame: buf[offset .. offset+capLen), origLen bytes on the wire. */
  matches(buf: Uint8Array, offset: number, capLen: number, origLen: number): boolean;
  /** The same for `count` frames sharing `buf`; out[i] = 1 when frame i matches. Returns how many matched. */
  matchBatch(buf: Uint8Array, offsets: Int32Array, capLens: Int32Array, origLens: Int32Array, count: number, out: Uint8Array): number;
  /** The program in `tcpdump -d` form. */
  dump(): string;
}

/** A live capture (libpcap, non-blocking, polled by the event loop; see native/src/capture.cc). */
export interface NativeLiveCapture {
  /**
   * Copies up to maxFrames waiting frames into buf from offset on (never
   * cutting one: it asks libpcap only for what surely fits); meta gets five
   * numbers per frame: offset, capLen, origLen, tsSec, tsNsec. Returns the count.
   */
  dispatch(buf: Uint8Array, offset: number, meta: Float64Array, maxFrames: number): number;
  /** pcap_stats since open, or null when unavailable. */
  stats(): { received: number; dropped: number; ifDropped: number } | null;
  /** Stop / restart watching the descriptor (frames wait in the kernel's buffer meanwhile). */
  pause(): void;
  resume(): void;
  close(): void;
  readonly linkType: number;
  readonly snapLen: number;
  readonly nanos: boolean;
  /** libpcap's warning from activation ('' if none). */
  readonly warning: string;
}

export interface NativeLiveOptions {
  device: string;
  filter: string;
  snaplen: number;
  promisc: boolean;
  bufferBytes: number;
  timeoutMs: number;
  immediate?: boolean;
}

export interface NativeAddon {
  /**
   * Compiles as `tcpdump -r` would for a file of this link type, snaplen and
   * byte order. Throws an Error carrying libpcap's message when the expression does not compile.
   */
  Filter: new (expr: string, linkType: number, snapLen: number, bigEndian?: boolean) => NativeFilter;
  /** Throws an Error with .code EPERM, ENODEV, EIFDOWN, EFILTER or EPCAP and libpcap's message. */
  LiveCapture?: new (opts: NativeLiveOptions, onReadable: () => void) => NativeLiveCapture;
  libpcapVersion(): string;
  /**
   * The classic-pcap record walk (native/src/scan.cc): from buf[start], whole
   * records ending by `end`, at most `max`, into slots first, first+1, … of
   * `slots` (SLOT_WORDS words each, see capture/scan-slot.ts). Stops before any
   * record that is not whole or that the reader reports; returns the count.
   * `flags`: ScanFlags. Throws a TypeError/RangeError on misuse.
   */
  scanPcap(buf: Uint8Array, start: number, end: number, flags: number, snapLen: number, linkType: number, first: number, max: number, slots: Uint32Array): number;
  abiVersion: number;
}

/** The ABI this wrapper was written for; a stale build with another number is ignored. */
const ABI_VERSION = 4;

const here = dirname(fileURLToPath(import.meta.url));
/** src/native.ts and dist/native.js both sit one level below the package root. */
export const ADDON_PATH = join(here, '..', 'native', 'build', 'Release', 'synack.node');

let loaded: NativeAddon | undefined;
let tried = false;
let whyNot = '';

/** The addon, or undefined when it is not built, does not load, or SYNACK_NO_NATIVE=1. */
export function loadNative(): NativeAddon | undefined {
  if (tried) return loaded;
  tried = true;
  if (process.env.SYNACK_NO_NATIVE === '1') {
    whyNot = 'disabled by SYNACK_NO_NATIVE=1';
    return undefined;
  }
  if (!existsSync(ADDON_PATH)) {
    whyNot = 'not built';
    return undefined;
  }
  try {
    const req = createRequire(import.meta.url);
    const mod = req(ADDON_PATH) as NativeAddon;
    if (mod.abiVersion !== ABI_VERSION) {
      whyNot = `stale build (abi ${String(mod.abiVersion)}, want ${ABI_VERSION}); rebuild with: node native/build.cjs`;
      return undefined;
    }
    loaded = mod;
  } catch (e) {
    whyNot = `does not load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`;
  }
  return loaded;
}

/** Why the addon is not active ('' when it is). */
export function nativeUnavailableReason(): string {
  loadNative();
  return loaded ? '' : whyNot;
}

/** One phrase for `synack --version`. */
export function nativeStatus(): string {
  const addon = loadNative();
  if (addon) {
    const v = addon.libpcapVersion().replace(/^libpcap version /, '').replace(/ \(with [^)]*\)$/, '');
    return `typescript + native addon (libpcap ${v}: pcap record scan and Ethernet/IPv4/TCP decode, BPF filters on files, live capture with kernel timestamps)`;
  }
  return `typescript (native addon ${whyNot}; build it with: node native/build.cjs)`;
}
