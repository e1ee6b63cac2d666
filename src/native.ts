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

export interface NativeAddon {
  /**
   * Compiles as `tcpdump -r` would for a file of this link type, snaplen and
   * byte order. Throws an Error carrying libpcap's message when the expression does not compile.
   */
  Filter: new (expr: string, linkType: number, snapLen: number, bigEndian?: boolean) => NativeFilter;
  libpcapVersion(): string;
  abiVersion: number;
}

/** The ABI this wrapper was written for; a stale build with another number is ignored. */
const ABI_VERSION = 1;

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
    return `typescript + native addon (libpcap ${v}: BPF filters on files)`;
  }
  return `typescript (native addon ${whyNot}; build it with: node native/build.cjs)`;
}
