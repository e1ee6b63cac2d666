/**
 * Live capture through `cap` (libpcap), behind the same FrameSource contract
 * as the file readers (src/capture/source.ts).
 *
 * cap emits one 'packet' event per frame and reuses a single buffer, so each
 * frame is copied out at once into a ring of batch buffers. The consumer gets
 * whole batches through the async iterator; a batch it holds returns to the
 * ring when it asks for the next one (STYLE principle 7). When the consumer
 * falls behind and every batch of the ring is full or held, further frames are
 * dropped and counted in `dropped.pipeline`: memory stays bounded whatever the
 * wire does.
 *
 * cap gives no kernel timestamps, so frames are stamped on arrival with a
 * monotonic clock (performance.now(), built on the same clock as
 * process.hrtime) anchored to wall time once at start. The README gives the
 * measured difference from tcpdump's kernel timestamps.
 *
 * What cap does not expose, said once here: the kernel snaplen is fixed at
 * 65535 bytes and promiscuous mode is always on (both set inside cap); libpcap's
 * drop counters (pcap_stats) are not reachable, so `dropped.kernel` stays 0 and
 * `kernelDropsKnown` is false; the original length of a truncated frame is
 * recovered from its IP header.
 */
import { randomBytes } from 'node:crypto';
import { type Stats, constants as fsConstants, lstatSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { networkInterfaces } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadNative, type NativeLiveCapture, nativeUnavailableReason } from '../native.js';
import { type CaptureInfo, CaptureError, type Frame, type FrameSource, type ReaderProblem, newFrame } from './source.js';

// ---------------------------------------------------------------------------
// cap, loaded on demand

/** The part of cap's API synack uses. */
interface CapDevice {
  name: string;
  description?: string;
  addresses: { addr?: string; netmask?: string; broadaddr?: string; dstaddr?: string }[];
  flags?: string;
}
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}
interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[]; findDevice(ip?: string): string | undefined };
}

let capModule: CapModule | undefined;
let capTried = false;
let capError = '';

/** The command that makes cap loadable when libpcap's headers were missing at install. */
export const CAP_FIX = 'apt-get install libpcap-dev && npm rebuild cap';

/**
 * cap, or undefined when it cannot be loaded (its native part was not built
 * because libpcap's headers were missing at install). SYNACK_CAP_MODULE
 * names another module path (tests point it at a missing one).
 */
export function loadCap(): CapModule | undefined {
  if (capTried) return capModule;
  capTried = true;
  try {
    const req = createRequire(import.meta.url);
    capModule = req(process.env.SYNACK_CAP_MODULE ?? 'cap') as CapModule;
    if (typeof capModule?.Cap?.deviceList !== 'function') throw new Error('unexpected cap module shape');
  } catch (e) {
    capModule = undefined;
    capError = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  }
  return capModule;
}

/** One line for the user when cap is missing. */
export function capMissingMessage(): string {
  return `synack: live capture needs the 'cap' module, which is not built (libpcap headers were missing at install); fix: ${CAP_FIX} (file analysis works without it)`;
}

/** Why cap did not load, for diagnostics ('' when it did). */
export function capLoadError(): string {
  loadCap();
  return capModule ? '' : capError;
}

function requireCap(): CapModule {
  const cap = loadCap();
  if (!cap) throw new CaptureError(capMissingMessage());
  return cap;
}

// ---------------------------------------------------------------------------
// interfaces

export interface InterfaceAddress {
  addr: string;
  netmask?: string;
  broadaddr?: string;
  dstaddr?: string;
}

export interface InterfaceInfo {
  name: string;
  description: string;
  addresses: InterfaceAddress[];
  /** IFF_UP and, for real devices, carrier (operstate up/unknown); null for libpcap pseudo-devices (any, nflog…). */
  up: boolean | null;
  /** Administrative flag alone (IFF_UP). */
  adminUp: boolean | null;
  loopback: boolean;
  /** True for devices that exist in the kernel (/sys/class/net), false for libpcap pseudo-devices. */
  kernelDevice: boolean;
}

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

function sysNet(name: string, file: string): string | undefined {
  if (name.includes('/') || name === '.' || name === '..') return undefined;
  try {
    return readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function kernelState(name: string): { up: boolean | null; adminUp: boolean | null; loopback: boolean | null; exists: boolean } {
  const flags = sysNet(name, 'flags');
  if (flags === undefined) return { up: null, adminUp: null, loopback: null, exists: false };
  const f = Number.parseInt(flags, 16);
  const oper = sysNet(name, 'operstate') ?? 'unknown';
  const adminUp = (f & IFF_UP) !== 0;
  // operstate is "unknown" for drivers that do not report carrier (lo, tun): trust IFF_UP there.
  const up = adminUp && (oper === 'up' || oper === 'unknown');
  return { up, adminUp, loopback: (f & IFF_LOOPBACK) !== 0, exists: true };
}

/**
 * The interfaces libpcap can open, with their state. Without cap, the
 * kernel's own list (/sys/class/net and os.networkInterfaces()) is shown.
 */
export function listInterfaces(): { interfaces: InterfaceInfo[]; fromLibpcap: boolean } {
  const cap = loadCap();
  const out: InterfaceInfo[] = [];
  const seen = new Set<string>();
  if (cap) {
    let devs: CapDevice[];
    try {
      devs = cap.Cap.deviceList();
    } catch (e) {
      throw new CaptureError(`synack: cannot list interfaces: ${(e as Error).message}`);
    }
    for (const d of devs) {
      const k = kernelState(d.name);
      seen.add(d.name);
      out.push({
        name: d.name,
        description: d.description ?? '',
        addresses: d.addresses.filter((a): a is InterfaceAddress => typeof a.addr === 'string').map((a) => cleanAddr(a)),
        up: k.up,
        adminUp: k.adminUp,
        loopback: k.loopback ?? d.flags === 'PCAP_IF_LOOPBACK',
        kernelDevice: k.exists,
      });
    }
  }
  // Kernel devices libpcap did not list (or all of them, without cap).
  const os = networkInterfaces();
  let names: string[] = [];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    names = Object.keys(os);
  }
  for (const name of names) {
    if (seen.has(name)) continue;
    const k = kernelState(name);
    out.push({
      name,
      description: '',
      addresses: (os[name] ?? []).map((a) => ({ addr: a.address, netmask: a.netmask })),
      up: k.up,
      adminUp: k.adminUp,
      loopback: k.loopback ?? (os[name] ?? []).some((a) => a.internal),
      kernelDevice: k.exists,
    });
  }
  return { interfaces: out, fromLibpcap: cap !== undefined };
}

function cleanAddr(a: InterfaceAddress): InterfaceAddress {
  const r: InterfaceAddress = { addr: a.addr };
  if (a.netmask) r.netmask = a.netmask;
  if (a.broadaddr) r.broadaddr = a.broadaddr;
  if (a.dstaddr) r.dstaddr = a.dstaddr;
  return r;
}

/** The first interface that is up and not loopback (a kernel device, not a libpcap pseudo-device). */
export function defaultInterface(list: InterfaceInfo[]): string | undefined {
  return list.find((i) => i.kernelDevice && i.up === true && !i.loopback)?.name;
}

// ---------------------------------------------------------------------------
// the live source

/** cap's link-type names → LINKTYPE_* numbers (tcpdump.org/linktypes.html). */
const CAP_LINKTYPES: Record<string, number> = {
  NULL: 0,
  ETHERNET: 1,
  IEEE802_11_RADIO: 127,
  LINKTYPE_LINUX_SLL: 113,
  RAW: 101,
};

export function capLinkType(name: string): number {
  const known = CAP_LINKTYPES[name];
  if (known !== undefined) return known;
  // "Unknown linktype N": N is a DLT value, equal to the LINKTYPE for every modern type.
  const m = /(\d+)\s*$/.exec(name);
  return m ? Number(m[1]) : -1;
}

/** Largest frame cap can deliver: it sets libpcap's snaplen to 65535 itself. */
export const CAP_MAX_SNAPLEN = 65535;
/** Largest snaplen of the native backend (libpcap's and tcpdump's default). */
export const NATIVE_MAX_SNAPLEN = 262144;

export type LiveBackend = 'native' | 'cap';

export interface LiveOptions {
  /** Interface name; default: the first one up and not loopback. */
  iface?: string;
  /** BPF capture filter (libpcap syntax). */
  filter?: string;
  /** Bytes kept per frame; 0 = the maximum (262144 native, 65535 with cap). */
  snapLen?: number;
  /** Kernel capture buffer in MiB (libpcap's buffer size). */
  bufferMb?: number;
  /** Promiscuous mode (default on); cap cannot turn it off, which is reported in `notes`. */
  promisc?: boolean;
  /** Stop after this many frames. */
  count?: number;
  /** Stop after this many seconds. */
  durationSec?: number;
  /**
   * 'native': synack's addon (kernel timestamps, batches, libpcap's drop
   * counters); 'cap': the cap module (arrival timestamps). Default: native
   * when the addon is built, else cap; SYNACK_CAPTURE=cap|native overrides.
   */
  backend?: LiveBackend;
  /** Ring: how many batch buffers, and the size of each (bytes). Defaults 16 × 2 MiB. */
  ringBatches?: number;
  batchBytes?: number;
  /** Frames per batch at most (default 4096). */
  batchFrames?: number;
}

export interface LiveStats {
  /** Frames libpcap handed us (after the capture filter), delivered or dropped by synack. */
  received: number;
  /** Frames delivered to the consumer. */
  delivered: number;
  /** Bytes captured (capLen) of delivered frames. */
  bytes: number;
  /** Wall-clock start, seconds since the epoch (float). */
  startTime: number;
  /** Seconds since start (monotonic). */
  elapsed(): number;
  /** Frames per second over the last second or so (what the wire brought: delivered + dropped by synack). */
  packetsPerSecond(): number;
}

export interface LiveSource extends FrameSource {
  readonly iface: string;
  readonly backend: LiveBackend;
  readonly linkType: number;
  readonly snapLen: number;
  /** True when `dropped.kernel` is libpcap's count (native); false with cap, which does not expose it. */
  readonly kernelDropsKnown: boolean;
  /** 'kernel' (native) or 'arrival' (cap: monotonic clock at arrival). */
  readonly timestamps: 'kernel' | 'arrival';
  /** Options that were asked for but cannot be honoured by the backend, one phrase each. */
  readonly notes: string[];
  readonly stats: LiveStats;
  /** Why the capture ended: 'count' | 'duration' | 'closed' | 'error: …' | '' while running. */
  readonly endReason: string;
}

const NS_PER_MS = 1e6;

/**
 * The wall clock anchored to the monotonic clock: Node records, at process
 * start, the wall time (µs) of performance.now()'s zero as
 * performance.timeOrigin, so timeOrigin + performance.now() is wall time
 * that never jumps (NTP steps during a capture do not move it). Measured
 * against the kernel's clock this anchor is within a few µs, where reading
 * Date.now() until it ticks was off by up to a millisecond.
 */
function anchorClock(): { sec: number; nsec: number; perf: number } {
  const originMs = performance.timeOrigin;
  const sec = Math.floor(originMs / 1000);
  return { sec, nsec: Math.round((originMs - sec * 1000) * NS_PER_MS), perf: 0 };
}

class Batch {
  readonly buf: Buffer;
  readonly frames: Frame[];
  /** The array handed to the consumer (length = count). */
  readonly out: Frame[] = [];
  count = 0;
  used = 0;
  constructor(bytes: number, maxFrames: number) {
    this.buf = Buffer.allocUnsafe(bytes);
    this.frames = new Array<Frame>(maxFrames);
    for (let i = 0; i < maxFrames; i++) this.frames[i] = newFrame();
  }
}

/**
 * `cap` is the capture library by default. The native backend (libpcap read
 * in batches, kernel timestamps and drop counters) is used when asked for,
 * when an option needs what `cap` cannot do (promiscuous mode off, a snapshot
 * length above 65535), or when `cap` is not loadable.
 */
function chooseBackend(opts: LiveOptions): LiveBackend {
  const env = process.env.SYNACK_CAPTURE;
  const want = opts.backend ?? (env === 'cap' || env === 'native' ? env : undefined);
  if (want === 'cap') return 'cap';
  const native = loadNative();
  if (want === 'native') {
    if (!native?.LiveCapture) {
      throw new CaptureError(`synack: the native capture backend needs the native addon, which is ${nativeUnavailableReason() || 'too old'}; build it with: node native/build.cjs`);
    }
    return 'native';
  }
  const capCannot = opts.promisc === false || (opts.snapLen !== undefined && opts.snapLen > 65535);
  if (native?.LiveCapture && (capCannot || !loadCap())) return 'native';
  return 'cap';
}

/** Opens a capture; throws CaptureError with one line and the fix. */
export function openLive(opts: LiveOptions = {}): LiveSource {
  const backend = chooseBackend(opts);
  const cap = backend === 'cap' ? requireCap() : undefined;
  const { interfaces } = listInterfaces();
  const names = (): string => interfaces.map((i) => i.name).join(', ') || 'none';
  let iface = opts.iface;
  if (iface === undefined || iface === '') {
    iface = defaultInterface(interfaces);
    if (iface === undefined) {
      throw new CaptureError(`synack: no interface is up besides loopback; choose one with -i (available: ${names()})`);
    }
  } else if (!interfaces.some((i) => i.name === iface) && iface !== 'any') {
    throw new CaptureError(`synack: no such interface: ${printable(iface)} (available: ${names()})`);
  }
  return cap ? new CapLiveSource(cap, iface, opts) : new NativeLiveSource(iface, opts);
}

function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The exact command that grants node the capture capabilities (the real binary, not a symlink). */
export function setcapCommand(): string {
  let node = process.execPath;
  try {
    node = realpathSync(node);
  } catch {
    // keep execPath
  }
  return `sudo setcap cap_net_raw,cap_net_admin=eip ${/^[\w./+-]+$/.test(node) ? node : `'${node.replace(/'/g, `'\\''`)}'`}`;
}

/** Maps libpcap's open errors (and the addon's codes) to one line with the fix. */
export function openErrorLine(iface: string, filter: string, message: string, code = ''): string {
  const msg = message.split('\n')[0] ?? message;
  if (code === 'EPERM' || /not permitted|permission|EPERM|EACCES/i.test(msg)) {
    return `synack: no permission to capture on ${printable(iface)} (${msg}); run as root, or grant node the capture capabilities: ${setcapCommand()}`;
  }
  if (code === 'ENODEV' || /no such device|doesn't exist|does not exist/i.test(msg)) {
    return `synack: no such interface: ${printable(iface)} (${msg}); see synack ifaces`;
  }
  if (code === 'EIFDOWN' || /not up/i.test(msg)) {
    return `synack: interface ${printable(iface)} is down; bring it up with: ip link set ${printable(iface)} up`;
  }
  if (code === 'EFILTER' || (/filter|syntax|parse|expression/i.test(msg) && filter !== '')) {
    return `synack: invalid capture filter '${printable(filter)}': ${msg}`;
  }
  return `synack: cannot capture on ${printable(iface)}: ${msg}`;
}

/** cap handles whose open() failed: never closed, never collected (see CapLiveSource). */
const FAILED_HANDLES: CapHandle[] = [];

/**
 * The ring of batch buffers, the consumer side (async iteration with
 * ownership hand-back), stop conditions and counters, shared by both
 * backends. A backend fills `filling` batches and calls `deliver()`.
 */
abstract class RingSource implements LiveSource {
  abstract readonly backend: LiveBackend;
  abstract readonly kernelDropsKnown: boolean;
  abstract readonly timestamps: 'kernel' | 'arrival';
  readonly iface: string;
  readonly notes: string[] = [];
  readonly problems: ReaderProblem[] = [];
  readonly dropped = { pipeline: 0, kernel: 0 };
  bytesRead = 0;
  endReason = '';
  readonly stats: LiveStats;
  /** Set by the subclass once the capture is open. */
  info!: CaptureInfo;
  linkType = -1;
  snapLen = 0;

  protected readonly free: Batch[] = [];
  protected readonly ready: Batch[] = [];
  protected filling: Batch | undefined;
  /** The batch the consumer holds; back to `free` when it asks for the next. */
  private held: Batch | undefined;
  protected readonly maxFrames: number;
  protected frameNumber = 0;
  protected readonly countLimit: number;
  protected ended = false;
  private waiter: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  protected readonly clock: { sec: number; nsec: number; perf: number };
  /** performance.now() when the capture opened. */
  private readonly startPerf: number;
  // packets/s over a sliding window of about a second
  private rateMark: number;
  private rateCount = 0;
  private rate = 0;

  constructor(iface: string, opts: LiveOptions, snapLen: number) {
    this.iface = iface;
    this.snapLen = snapLen;
    this.countLimit = opts.count !== undefined && opts.count > 0 ? Math.floor(opts.count) : Infinity;
    const batches = Math.max(2, Math.floor(opts.ringBatches ?? 16));
    const batchBytes = Math.max(snapLen * 2, Math.floor(opts.batchBytes ?? 2 << 20));
    this.maxFrames = Math.max(16, Math.floor(opts.batchFrames ?? 4096));
    for (let i = 0; i < batches; i++) this.free.push(new Batch(batchBytes, this.maxFrames));
    this.clock = anchorClock();
    this.startPerf = performance.now();
    this.rateMark = this.startPerf;
    const self = this;
    this.stats = {
      received: 0,
      delivered: 0,
      bytes: 0,
      startTime: (performance.timeOrigin + this.startPerf) / 1000,
      elapsed: () => (performance.now() - self.startPerf) / 1000,
      packetsPerSecond: () => self.currentRate(),
    };
  }

  /** Called by the subclass once open: fills `info` and arms the duration timer. */
  protected opened(linkType: number, durationSec: number | undefined): void {
    this.linkType = linkType;
    this.info = {
      format: 'live',
      byteOrder: 'little',
      versionMajor: 2,
      versionMinor: 4,
      interfaces: [{ index: 0, linkType, snapLen: this.snapLen, tsResolution: 9, name: this.iface, description: '', section: 0 }],
      comments: [],
      fileSize: 0,
      snapLen: this.snapLen,
    };
    if (durationSec !== undefined && durationSec > 0) {
      this.timer = setTimeout(() => this.stop('duration'), durationSec * 1000);
    }
  }

  private currentRate(): number {
    const now = performance.now();
    const dt = now - this.rateMark;
    if (dt >= 1000) {
      const arrivals = this.stats.received;
      this.rate = ((arrivals - this.rateCount) * 1000) / dt;
      this.rateCount = arrivals;
      this.rateMark = now;
    }
    return this.rate;
  }

  /** A batch to fill (fresh from the ring), or undefined when the ring is exhausted. */
  protected takeFree(): Batch | undefined {
    const b = this.free.pop();
    if (b !== undefined) {
      b.count = 0;
      b.used = 0;
    }
    return b;
  }

  /** The filling batch is full: queue it for the consumer. */
  protected queueFilling(): void {
    const b = this.filling;
    this.filling = undefined;
    if (b !== undefined && b.count > 0) {
      this.ready.push(b);
      this.wake();
    } else if (b !== undefined) {
      this.free.push(b);
    }
  }

  /** Hands a partly filled batch over at once when the consumer is waiting (low latency at low rates). */
  protected deliverIfWaiting(): void {
    if (this.waiter !== undefined && this.filling !== undefined && this.filling.count > 0) this.queueFilling();
  }

  private wake(): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w();
    }
  }

  /** Backend-specific teardown (close the handle; read final counters first). */
  protected abstract closeHandle(): void;

  /**
   * Backends that hold frames for a moment (libpcap's blocks) read them
   * before stopping: return true and call `stop(reason, true)` when done.
   */
  protected drainBeforeStop(_reason: string): boolean {
    return false;
  }

  protected stop(reason: string, drained = false): void {
    if (this.ended) return;
    if (!drained && this.drainBeforeStop(reason)) return;
    this.ended = true;
    this.endReason = reason;
    if (this.timer !== undefined) clearTimeout(this.timer);
    try {
      this.closeHandle();
    } catch {
      // already closed
    }
    if (this.filling !== undefined && this.filling.count > 0) this.ready.push(this.filling);
    this.filling = undefined;
    this.wake();
  }

  close(): void {
    this.stop('closed');
  }

  private release(): void {
    if (this.held !== undefined) {
      this.free.push(this.held);
      this.held = undefined;
      this.batchFreed();
    }
  }

  /** A batch came back to the ring (a backend that paused reading resumes here). */
  protected batchFreed(): void {}

  private take(b: Batch): Frame[] {
    this.held = b;
    const out = b.out;
    out.length = b.count;
    for (let i = 0; i < b.count; i++) out[i] = b.frames[i]!;
    return out;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame[]> {
    try {
      for (;;) {
        this.release();
        let b = this.ready.shift();
        if (b === undefined && this.filling !== undefined && this.filling.count > 0) {
          b = this.filling;
          this.filling = undefined;
        }
        if (b !== undefined) {
          yield this.take(b);
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
      }
    } finally {
      this.release();
      this.stop(this.endReason || 'closed');
    }
  }
}

class CapLiveSource extends RingSource {
  readonly backend = 'cap' as const;
  readonly kernelDropsKnown = false;
  readonly timestamps = 'arrival' as const;
  private readonly handle: CapHandle;
  /** cap copies each frame here; we copy it on into a batch before returning. */
  private readonly capBuf: Buffer;
  private flushScheduled = false;

  constructor(cap: CapModule, iface: string, opts: LiveOptions) {
    const wantSnap = opts.snapLen === undefined || opts.snapLen <= 0 ? CAP_MAX_SNAPLEN : Math.floor(opts.snapLen);
    super(iface, opts, Math.min(wantSnap, CAP_MAX_SNAPLEN));
    if (wantSnap > CAP_MAX_SNAPLEN) this.notes.push(`snaplen ${wantSnap} reduced to ${CAP_MAX_SNAPLEN} (the most cap captures)`);
    if (opts.promisc === false) this.notes.push('promiscuous mode stays on (cap always enables it; the native backend can turn it off)');
    this.capBuf = Buffer.alloc(this.snapLen);
    this.handle = new cap.Cap();
    const bufBytes = Math.max(1, Math.min(2047, Math.floor(opts.bufferMb ?? 16))) * 1024 * 1024;
    const filter = opts.filter ?? '';
    let linkName: string;
    try {
      linkName = this.handle.open(iface, filter, bufBytes, this.capBuf);
    } catch (e) {
      // Not close(): after a failed open cap's close() stops a poll handle it
      // never initialised and crashes the process. The half-open handle is
      // kept referenced so its destructor (which calls close()) never runs.
      FAILED_HANDLES.push(this.handle);
      throw new CaptureError(openErrorLine(iface, filter, e instanceof Error ? e.message : String(e)));
    }
    this.opened(capLinkType(linkName), opts.durationSec);
    this.handle.on('packet', (nbytes, truncated) => this.onPacket(nbytes, truncated));
  }

  protected closeHandle(): void {
    this.handle.close();
    this.handle.removeAllListeners('packet');
  }

  /** cap's per-frame callback: copy out, stamp, queue. No allocation here. */
  private onPacket(nbytes: number, truncated: boolean): void {
    if (this.ended) return;
    const t = performance.now();
    this.stats.received++;
    let b = this.filling;
    const capLen = nbytes < this.snapLen ? nbytes : this.snapLen;
    if (b !== undefined && (b.count === this.maxFrames || b.used + capLen > b.buf.length)) {
      this.queueFilling();
      b = undefined;
    }
    if (b === undefined) {
      b = this.takeFree();
      if (b === undefined) {
        this.dropped.pipeline++;
        return;
      }
      this.filling = b;
    }
    this.capBuf.copy(b.buf, b.used, 0, capLen);
    const f = b.frames[b.count++]!;
    f.number = ++this.frameNumber;
    f.buf = b.buf;
    f.offset = b.used;
    f.capLen = capLen;
    f.origLen = truncated || capLen >= CAP_MAX_SNAPLEN ? wireLength(this.linkType, b.buf, b.used, capLen) : capLen;
    // ns since the anchor; a double holds 104 days of ns exactly enough (2^53).
    const ns = this.clock.nsec + Math.round((t - this.clock.perf) * NS_PER_MS);
    const carry = Math.floor(ns / 1e9);
    f.tsSec = this.clock.sec + carry;
    f.tsNsec = ns - carry * 1e9;
    f.linkType = this.linkType;
    f.ifIndex = 0;
    f.fileOffset = -1;
    f.comment = undefined;
    b.used += capLen;
    this.stats.delivered++;
    this.stats.bytes += capLen;
    this.bytesRead += capLen;
    if (this.frameNumber >= this.countLimit) {
      this.stop('count');
      return;
    }
    if (!this.flushScheduled) {
      // Everything libpcap hands over in this poll round joins one batch.
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    this.deliverIfWaiting();
  };
}

/**
 * The native backend. When the consumer falls behind and the ring is
 * exhausted, reading pauses: frames wait in the kernel's capture buffer
 * (-B), which absorbs the burst, and what does not fit there is dropped by
 * the kernel and reported by pcap_stats in `dropped.kernel`. Nothing is
 * dropped by the pipeline itself.
 */
/** How long libpcap (TPACKET_V3) may hold frames in a block before handing them over. */
const BLOCK_TIMEOUT_MS = 50;

class NativeLiveSource extends RingSource {
  readonly backend = 'native' as const;
  readonly kernelDropsKnown = true;
  readonly timestamps = 'kernel' as const;
  private readonly handle: NativeLiveCapture;
  /** Five numbers per frame from dispatch(): offset, capLen, origLen, sec, nsec. */
  private readonly meta: Float64Array;
  private lastStatsAt = 0;
  private paused = false;

  constructor(iface: string, opts: LiveOptions) {
    const wantSnap = opts.snapLen === undefined || opts.snapLen <= 0 ? NATIVE_MAX_SNAPLEN : Math.floor(opts.snapLen);
    super(iface, opts, Math.min(wantSnap, NATIVE_MAX_SNAPLEN));
    const addon = loadNative()!;
    this.meta = new Float64Array(this.maxFrames * 5);
    const filter = opts.filter ?? '';
    try {
      this.handle = new addon.LiveCapture!(
        {
          device: iface,
          filter,
          snaplen: this.snapLen,
          promisc: opts.promisc !== false,
          bufferBytes: Math.max(1, Math.min(2047, Math.floor(opts.bufferMb ?? 16))) * 1024 * 1024,
          // TPACKET_V3 blocks: frames pack tightly whatever the snaplen, and a block is handed
          // over when full or after this timeout. (Immediate mode would fall back to fixed
          // snaplen-sized slots: a 16 MiB buffer would hold 64 frames.) stop() waits one
          // timeout so the frames of the last block are not lost.
          timeoutMs: BLOCK_TIMEOUT_MS,
        },
        this.onReadable,
      );
    } catch (e) {
      const err = e as Error & { code?: string };
      throw new CaptureError(openErrorLine(iface, filter, err.message ?? String(e), err.code ?? ''));
    }
    if (this.handle.warning) this.notes.push(`libpcap: ${this.handle.warning}`);
    this.opened(this.handle.linkType, opts.durationSec);
  }

  private readonly onReadable = (): void => {
    // Runs straight from the event loop: nothing may throw out of here.
    try {
      this.pump();
    } catch (e) {
      this.problems.push({ kind: 'other', fileOffset: -1, frameNumber: this.frameNumber, message: `capture failed: ${(e as Error).message}`, fatal: true });
      this.stop(`error: ${(e as Error).message}`);
    }
  };

  /** Set while stopping: frames stamped after this moment (s, ns) are not taken. */
  private stopAt: [number, number] | undefined;

  protected override drainBeforeStop(reason: string): boolean {
    if (reason === 'count' || reason.startsWith('error') || this.stopAt !== undefined) return false;
    const wallMs = performance.timeOrigin + performance.now();
    const sec = Math.floor(wallMs / 1000);
    this.stopAt = [sec, Math.round((wallMs - sec * 1000) * NS_PER_MS)];
    // The frames that arrived before the stop may sit in a block libpcap hands over within one timeout.
    setTimeout(() => {
      try {
        if (this.paused) {
          this.paused = false;
          this.handle.resume();
        }
        this.pump();
      } catch {
        // stopping anyway
      }
      this.stop(reason, true);
    }, BLOCK_TIMEOUT_MS + 20);
    return true;
  }

  protected override batchFreed(): void {
    if (this.paused && !this.ended) {
      this.paused = false;
      this.handle.resume();
      // Frames may wait in a block libpcap has already taken: read them now, not at the next wake-up.
      setImmediate(this.onReadable);
    }
  }

  /** Reads everything libpcap has waiting into the ring; pauses when the ring is exhausted. */
  private pump(): void {
    const meta = this.meta;
    while (!this.ended && !this.paused) {
      let b = this.filling;
      if (b !== undefined && (b.count === this.maxFrames || b.buf.length - b.used < this.snapLen)) {
        this.queueFilling();
        b = undefined;
      }
      if (b === undefined) {
        b = this.takeFree();
        if (b === undefined) {
          this.paused = true;
          this.handle.pause();
          break;
        }
        this.filling = b;
      }
      const room = this.maxFrames - b.count;
      const left = this.countLimit - this.frameNumber;
      const n = this.handle.dispatch(b.buf, b.used, meta, left < room ? left : room);
      if (n === 0) break;
      this.stats.received += n;
      const stopAt = this.stopAt;
      let taken = 0;
      for (let i = 0; i < n; i++) {
        const m = i * 5;
        if (stopAt !== undefined && (meta[m + 3]! > stopAt[0] || (meta[m + 3] === stopAt[0] && meta[m + 4]! > stopAt[1]))) continue;
        taken++;
        const f = b.frames[b.count++]!;
        f.number = ++this.frameNumber;
        f.buf = b.buf;
        f.offset = meta[m]!;
        f.capLen = meta[m + 1]!;
        f.origLen = meta[m + 2]!;
        f.tsSec = meta[m + 3]!;
        f.tsNsec = meta[m + 4]!;
        f.linkType = this.linkType;
        f.ifIndex = 0;
        f.fileOffset = -1;
        f.comment = undefined;
        b.used = f.offset + f.capLen;
        this.stats.bytes += f.capLen;
        this.bytesRead += f.capLen;
      }
      this.stats.delivered += taken;
      if (this.frameNumber >= this.countLimit) {
        this.stop('count');
        return;
      }
    }
    this.refreshKernelDrops(false);
    this.deliverIfWaiting();
  }

  /** libpcap's drop counter (a syscall: at most every 500 ms, and once at the end). */
  private refreshKernelDrops(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastStatsAt < 500) return;
    this.lastStatsAt = now;
    const s = this.handle.stats();
    if (s) this.dropped.kernel = s.dropped + s.ifDropped;
  }

  protected closeHandle(): void {
    try {
      this.refreshKernelDrops(true);
    } finally {
      this.handle.close();
    }
  }
}

/**
 * The original length of a frame cut by the snaplen, from its IP header
 * (cap reports only that the frame was cut). Falls back to capLen.
 */
export function wireLength(linkType: number, buf: Uint8Array, off: number, capLen: number): number {
  let l3 = -1;
  let ethertype = -1;
  switch (linkType) {
    case 1: {
      // Ethernet, with up to two 802.1Q/802.1ad tags
      if (capLen < 14) return capLen;
      let p = 12;
      ethertype = (buf[off + p]! << 8) | buf[off + p + 1]!;
      for (let tags = 0; tags < 2 && (ethertype === 0x8100 || ethertype === 0x88a8) && p + 6 <= capLen; tags++) {
        p += 4;
        ethertype = (buf[off + p]! << 8) | buf[off + p + 1]!;
      }
      l3 = p + 2;
      break;
    }
    case 113:
      // Linux cooked v1: protocol at 14, header 16 bytes
      if (capLen < 16) return capLen;
      ethertype = (buf[off + 14]! << 8) | buf[off + 15]!;
      l3 = 16;
      break;
    case 276:
      // Linux cooked v2: protocol at 0, header 20 bytes
      if (capLen < 20) return capLen;
      ethertype = (buf[off]! << 8) | buf[off + 1]!;
      l3 = 20;
      break;
    case 101:
    case 228:
    case 229:
      l3 = 0;
      break;
    case 0:
      l3 = 4;
      break;
    default:
      return capLen;
  }
  if (l3 + 8 > capLen) return capLen;
  const version = buf[off + l3]! >> 4;
  let ipLen = 0;
  if (version === 4 && (ethertype === -1 || ethertype === 0x0800)) {
    ipLen = (buf[off + l3 + 2]! << 8) | buf[off + l3 + 3]!;
  } else if (version === 6 && (ethertype === -1 || ethertype === 0x86dd)) {
    ipLen = 40 + ((buf[off + l3 + 4]! << 8) | buf[off + l3 + 5]!);
  }
  const total = l3 + ipLen;
  return total > capLen ? total : capLen;
}

/** True when cap's native part is present (for tests and `synack --version`). */
export function capAvailable(): boolean {
  return loadCap() !== undefined;
}

// ---------------------------------------------------------------------------
// saving (-w)

/** What -w needs from a capture-file writer (src/capture/pcap-writer.ts). */
export interface FrameWriter {
  write(frame: Frame): void;
  /** Pushes buffered records to the file. */
  flush(): void;
  /** Flushes and closes the file. */
  close(): void;
}

export interface OutputFile {
  readonly path: string;
  readonly fd: number;
  /**
   * With --force, the new file was created under a temporary name next to the
   * target; commit() renames it over the target (atomic: readers see the old
   * file or the new one, and a symlink at the target is replaced, never
   * followed). Without --force it does nothing. Call it once the header is written.
   */
  commit(): void;
  /** Removes a file that was never committed (opening the capture failed). */
  abandon(): void;
}

function describeExisting(path: string): string {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return 'is a symbolic link (synack never writes through one)';
    if (st.isDirectory()) return 'is a directory';
    return 'already exists';
  } catch {
    return 'already exists';
  }
}

/**
 * Opens the file -w writes, readable by its owner only (0600, as dumpcap:
 * captures hold other people's traffic). Never follows a symlink and never clobbers:
 * without `force` the file is created with O_CREAT|O_EXCL|O_NOFOLLOW (an
 * existing file, or a symlink even to nowhere, is refused); with `force` a
 * new file is created exclusively under a temporary name in the same
 * directory and renamed over the target by commit().
 */
export function openOutputFile(path: string, force: boolean): OutputFile {
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
  const shown = printable(path);
  if (!force) {
    let fd: number;
    try {
      fd = openSync(path, flags, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ELOOP') {
        throw new CaptureError(`synack: ${shown} ${describeExisting(path)}; not overwritten (use --force to replace it)`);
      }
      throw new CaptureError(`synack: cannot create ${shown}: ${(e as Error).message}`);
    }
    return { path, fd, commit: () => {}, abandon: () => rmQuiet(path) };
  }
  let st: Stats | undefined;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new CaptureError(`synack: ${shown} is a directory`);
  const tmp = join(dirname(path), `.${basename(path)}.synack-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, flags, 0o600);
  } catch (e) {
    throw new CaptureError(`synack: cannot create a file next to ${shown}: ${(e as Error).message}`);
  }
  let committed = false;
  return {
    path,
    fd,
    commit: () => {
      if (committed) return;
      committed = true;
      try {
        renameSync(tmp, path);
      } catch (e) {
        rmQuiet(tmp);
        throw new CaptureError(`synack: cannot replace ${shown}: ${(e as Error).message}`);
      }
    },
    abandon: () => {
      if (!committed) rmQuiet(tmp);
    },
  };
}

function rmQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}

/**
 * Passes batches through unchanged while writing every frame to `writer`,
 * flushing at least every `flushMs` (also when traffic pauses) and closing
 * the writer when iteration ends for any reason (end, close(), error,
 * a consumer that stops early), so Ctrl-C leaves a complete file.
 */
export function recordTo(source: FrameSource, writer: FrameWriter, flushMs = 1000): FrameSource & { readonly written: number } {
  let written = 0;
  let dirty = false;
  let closed = false;
  const flush = (): void => {
    if (dirty && !closed) {
      writer.flush();
      dirty = false;
    }
  };
  const closeWriter = (): void => {
    if (closed) return;
    closed = true;
    writer.close();
  };
  return {
    get info() {
      return source.info;
    },
    get problems() {
      return source.problems;
    },
    get bytesRead() {
      return source.bytesRead;
    },
    get dropped() {
      return source.dropped;
    },
    get written() {
      return written;
    },
    close: () => source.close(),
    async *[Symbol.asyncIterator]() {
      const timer = setInterval(flush, flushMs);
      timer.unref();
      try {
        for await (const batch of source) {
          for (let i = 0; i < batch.length; i++) writer.write(batch[i]!);
          written += batch.length;
          dirty = batch.length > 0 || dirty;
          yield batch;
        }
      } finally {
        clearInterval(timer);
        closeWriter();
      }
    },
  };
}
