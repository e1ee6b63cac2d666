/**
 * IPv4 (RFC 791 section 3.2) and IPv6 (RFC 8200 section 4.5) fragment
 * reassembly, keyed by (version, source, destination, protocol,
 * identification) as the RFCs define a datagram.
 *
 * How it behaves:
 * - Each pending datagram owns one growing buffer; a fragment's bytes are
 *   copied into place once (the frame's bytes are only valid until the next
 *   frame, STYLE principle 7). The completed datagram is that buffer, with
 *   the first fragment's IP header in front: nothing is copied again.
 * - Overlaps: the first copy of a byte wins, and the frame whose fragment
 *   overlapped gets a `fragment_overlap` note. (Linux drops the whole
 *   datagram on overlap since 2018, RFC 5722 asks the same for IPv6; an
 *   analyzer shows what arrived instead, and says it overlapped.)
 * - Limits (all configurable, see `DefragLimits`): concurrent datagrams,
 *   bytes held, fragments per datagram, and a timeout measured in *packet
 *   time* (STYLE principle 9): 30 s for IPv4 and 60 s for IPv6, the Linux
 *   defaults `ipfrag_time` and `ip6frag_time` (RFC 8200 asks for 60 s).
 *   When a limit is hit, the oldest pending datagram is evicted and the
 *   frame that caused it gets a `fragment_limit` anomaly. `stats` counts
 *   every fragment and datagram exactly.
 */
import { Anomaly } from './anomalies.js';
import { type Decoded, LayerId } from './decoded.js';
import { copyBytes } from '../bytes/copy.js';

export interface DefragLimits {
  /** Datagrams being reassembled at once. */
  maxDatagrams: number;
  /** Bytes held by pending datagrams (buffer capacity, headers included). */
  maxBytes: number;
  /** Fragments accepted for one datagram. */
  maxFragmentsPerDatagram: number;
  /** Seconds of packet time after the first fragment before a datagram is dropped. */
  timeoutV4: number;
  timeoutV6: number;
}

export const DEFAULT_DEFRAG_LIMITS: DefragLimits = {
  maxDatagrams: 1024,
  maxBytes: 16 * 1024 * 1024,
  maxFragmentsPerDatagram: 1024,
  timeoutV4: 30,
  timeoutV6: 60,
};

export interface DefragStats {
  fragments: number;
  /** Datagrams completed and handed back for decoding. */
  completed: number;
  /** Pending datagrams dropped because a limit was reached. */
  evicted: number;
  /** Pending datagrams dropped because their timeout passed. */
  expired: number;
  /** Fragments that overlapped bytes already held. */
  overlaps: number;
  /** Fragments refused (beyond 65535 bytes, truncated by the snapshot length, too many for one datagram). */
  refused: number;
  /** Currently pending datagrams and bytes. */
  pending: number;
  pendingBytes: number;
}

/** One fragment, as the stack found it. */
export interface FragmentInfo {
  version: 4 | 6;
  proto: number;
  ident: number;
  /** Source then destination address words, as in `Decoded.addr`. */
  addr: Uint32Array;
  /** Fragment offset in bytes within the fragmentable part. */
  offset: number;
  more: boolean;
  /** Buffer and range of the bytes before the fragment data (IP header, for IPv6 up to and including the fragment header). */
  buf: Uint8Array;
  headerStart: number;
  headerEnd: number;
  /** Fragment data: `buf[dataStart .. dataStart + dataLen)`, and its length on the wire. */
  dataStart: number;
  dataLen: number;
  dataWireLen: number;
  tsSec: number;
}

class Pending {
  data: Uint8Array;
  /** Covered ranges of the fragmentable part as sorted, merged [start, end) pairs. */
  readonly covered: number[] = [];
  header: Uint8Array | null = null;
  /** Length of the fragmentable part once the last fragment is seen, else -1. */
  total = -1;
  fragments = 0;
  constructor(readonly key: string, readonly version: 4 | 6, readonly firstTs: number) {
    this.data = EMPTY;
  }
  get bytes(): number { return this.data.length + (this.header?.length ?? 0); }
}

const MAX_DATAGRAM = 65535;
const EMPTY = new Uint8Array(0);

export class Defragmenter {
  readonly limits: DefragLimits;
  readonly stats: DefragStats = { fragments: 0, completed: 0, evicted: 0, expired: 0, overlaps: 0, refused: 0, pending: 0, pendingBytes: 0 };
  /** One table per IP version (their timeouts differ); insertion order = age, the first entry is the oldest. */
  private readonly v4 = new Map<string, Pending>();
  private readonly v6 = new Map<string, Pending>();

  constructor(limits: Partial<DefragLimits> = {}) {
    this.limits = { ...DEFAULT_DEFRAG_LIMITS, ...limits };
  }

  /** Header bytes in front of the last datagram `add()` returned. */
  lastHeaderLength = 0;

  get pendingCount(): number { return this.v4.size + this.v6.size; }

  /** Drops datagrams whose timeout has passed at packet time `tsSec`. O(1) when nothing expires. */
  expire(tsSec: number): void {
    this.expireIn(this.v4, tsSec - this.limits.timeoutV4);
    this.expireIn(this.v6, tsSec - this.limits.timeoutV6);
  }

  private expireIn(t: Map<string, Pending>, cutoff: number): void {
    // `oldest*` is a lower bound of the first-fragment times held: nothing can have expired before it.
    const v4 = t === this.v4;
    if ((v4 ? this.oldest4 : this.oldest6) >= cutoff || t.size === 0) return;
    let oldest = Infinity;
    for (const p of t.values()) {
      if (p.firstTs >= cutoff) { oldest = p.firstTs; break; }
      if (p.firstTs >= cutoff) break;
      this.drop(p);
      this.stats.expired++;
    }
    if (v4) this.oldest4 = oldest; else this.oldest6 = oldest;
  }

  private oldest4 = Infinity;
  private oldest6 = Infinity;

  /** Forgets everything pending (counted as expired): end of input. */
  flush(): void {
    for (const p of [...this.v4.values(), ...this.v6.values()]) { this.drop(p); this.stats.expired++; }
  }

  /**
   * Adds one fragment. Returns the complete datagram (IP header first,
   * patched to describe the whole datagram) when this fragment completes
   * one, else null. Anomalies go on `d` (the frame that carried it).
   */
  add(f: FragmentInfo, d: Decoded): Uint8Array | null {
    this.stats.fragments++;
    const layer = f.version === 4 ? LayerId.ipv4 : LayerId.ipv6ext;
    const relHeader = f.headerStart - d.frameOffset;
    if (f.dataLen < f.dataWireLen) {
      d.mark(Anomaly.fragment_truncated, layer, relHeader);
      this.stats.refused++;
      return null;
    }
    const end = f.offset + f.dataLen;
    const headerLen = f.headerEnd - f.headerStart;
    if (end + headerLen > MAX_DATAGRAM + (f.version === 6 ? 40 : 0)) {
      d.mark(Anomaly.fragment_too_big, layer, relHeader);
      this.stats.refused++;
      return null;
    }
    const key = keyOf(f);
    const table = f.version === 4 ? this.v4 : this.v6;
    let p = table.get(key);
    if (p === undefined) {
      while (this.pendingCount >= this.limits.maxDatagrams) this.evictOldest(d, layer, relHeader);
      p = new Pending(key, f.version, f.tsSec);
      table.set(key, p);
      if (f.version === 4) { if (f.tsSec < this.oldest4) this.oldest4 = f.tsSec; } else if (f.tsSec < this.oldest6) this.oldest6 = f.tsSec;
      this.stats.pending++;
    }
    if (p.fragments >= this.limits.maxFragmentsPerDatagram) {
      d.mark(Anomaly.fragment_limit, layer, relHeader);
      this.stats.refused++;
      this.drop(p);
      this.stats.evicted++;
      return null;
    }
    p.fragments++;

    let clipEnd = end;
    if (!f.more) {
      if (p.total < 0) {
        // The last fragment fixes the length; bytes already held beyond it conflict.
        p.total = end;
        if (this.coveredMax(p) > end) { d.mark(Anomaly.fragment_overlap, layer, relHeader); this.stats.overlaps++; }
      } else if (p.total !== end) {
        d.mark(Anomaly.fragment_overlap, layer, relHeader);
        this.stats.overlaps++;
      }
    }
    if (p.total >= 0 && clipEnd > p.total) {
      clipEnd = p.total;
    }

    // Room for the bytes, within the byte limit.
    const need = p.total >= 0 ? p.total : clipEnd;
    if (need > p.data.length) {
      const cap = p.total >= 0 ? p.total : Math.min(MAX_DATAGRAM, capacityFor(need));
      const grow = cap - p.data.length;
      if (!this.makeRoom(grow, p, d, layer, relHeader)) { this.stats.refused++; return null; }
      const nd = new Uint8Array(cap);
      nd.set(p.data.subarray(0, Math.min(p.data.length, cap)));
      this.stats.pendingBytes += cap - p.data.length;
      p.data = nd;
    }
    if (f.offset === 0 && p.header === null) {
      if (!this.makeRoom(headerLen, p, d, layer, relHeader)) { this.stats.refused++; return null; }
      p.header = copyBytes(f.buf, f.headerStart, f.headerEnd);
      this.stats.pendingBytes += headerLen;
    }
    if (f.offset < clipEnd && this.insert(p, f.buf, f.dataStart, f.offset, clipEnd)) {
      d.mark(Anomaly.fragment_overlap, layer, relHeader);
      this.stats.overlaps++;
    }

    if (p.header === null || p.total < 0 || p.covered.length !== 2 || p.covered[0] !== 0 || p.covered[1] !== p.total) return null;
    // Complete.
    const out = this.assemble(p);
    this.drop(p);
    this.stats.completed++;
    return out;
  }

  /** Copies the uncovered parts of [off, end) into place; returns true when some bytes were already covered. */
  private insert(p: Pending, src: Uint8Array, srcStart: number, off: number, end: number): boolean {
    const c = p.covered;
    let overlap = false;
    let pos = off;
    // Walk the sorted ranges, copying the gaps between them inside [off, end).
    for (let i = 0; i < c.length && pos < end; i += 2) {
      const s = c[i]!, e = c[i + 1]!;
      if (e <= pos) continue;
      if (s >= end) break;
      if (s > pos) p.data.set(src.subarray(srcStart + (pos - off), srcStart + (s - off)), pos);
      if (e > pos) overlap = true;
      pos = Math.max(pos, e);
    }
    if (pos < end) p.data.set(src.subarray(srcStart + (pos - off), srcStart + (end - off)), pos);
    // Merge [off, end) into the covered list.
    let i = 0;
    while (i < c.length && c[i + 1]! < off) i += 2;
    let j = i;
    let ns = off, ne = end;
    while (j < c.length && c[j]! <= end) {
      ns = Math.min(ns, c[j]!);
      ne = Math.max(ne, c[j + 1]!);
      j += 2;
    }
    c.splice(i, j - i, ns, ne);
    return overlap;
  }

  private coveredMax(p: Pending): number {
    return p.covered.length > 0 ? p.covered[p.covered.length - 1]! : 0;
  }

  private assemble(p: Pending): Uint8Array {
    const h = p.header!;
    const out = new Uint8Array(h.length + p.total);
    this.lastHeaderLength = h.length;
    out.set(h, 0);
    out.set(p.data.subarray(0, p.total), h.length);
    if (p.version === 4) {
      const total = h.length + p.total;
      out[2] = total >> 8; out[3] = total & 0xff;
      // Keep DF and the reserved bit; clear MF and the offset.
      out[6] = out[6]! & 0xc0; out[7] = 0;
      // Recompute the header checksum so the reassembled header verifies.
      out[10] = 0; out[11] = 0;
      let sum = 0;
      for (let i = 0; i < h.length; i += 2) sum += (out[i]! << 8) | out[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      const ck = ~sum & 0xffff;
      out[10] = ck >> 8; out[11] = ck & 0xff;
    } else {
      const plen = out.length - 40;
      out[4] = plen >> 8; out[5] = plen & 0xff;
      // The fragment header (last 8 header bytes) becomes an atomic fragment: offset 0, M = 0 (RFC 8200 section 4.5).
      const fh = h.length - 8;
      out[fh + 2] = 0; out[fh + 3] = 0;
    }
    return out;
  }

  private makeRoom(bytes: number, keep: Pending, d: Decoded, layer: LayerId, rel: number): boolean {
    while (this.stats.pendingBytes + bytes > this.limits.maxBytes) {
      const oldest = this.oldestOtherThan(keep);
      if (oldest === undefined) {
        // This datagram alone exceeds the limit.
        d.mark(Anomaly.fragment_limit, layer, rel);
        this.drop(keep);
        this.stats.evicted++;
        return false;
      }
      d.mark(Anomaly.fragment_limit, layer, rel);
      this.drop(oldest);
      this.stats.evicted++;
    }
    return true;
  }

  /** The oldest pending datagram of either version, other than `keep`. */
  private oldestOtherThan(keep: Pending | null): Pending | undefined {
    let a: Pending | undefined, b: Pending | undefined;
    for (const p of this.v4.values()) if (p !== keep) { a = p; break; }
    for (const p of this.v6.values()) if (p !== keep) { b = p; break; }
    if (a === undefined) return b;
    if (b === undefined) return a;
    return b.firstTs < a.firstTs ? b : a;
  }

  private evictOldest(d: Decoded, layer: LayerId, rel: number): void {
    const oldest = this.oldestOtherThan(null);
    if (oldest === undefined) return;
    d.mark(Anomaly.fragment_limit, layer, rel);
    this.drop(oldest);
    this.stats.evicted++;
  }

  private drop(p: Pending): void {
    const t = p.version === 4 ? this.v4 : this.v6;
    if (t.get(p.key) !== p) return;
    t.delete(p.key);
    this.stats.pending--;
    this.stats.pendingBytes -= p.bytes;
  }
}

function capacityFor(n: number): number {
  let c = 256;
  while (c < n) c *= 2;
  return Math.min(c, MAX_DATAGRAM);
}

function keyOf(f: FragmentInfo): string {
  const a = f.addr;
  return f.version === 4
    ? `4 ${f.proto} ${f.ident} ${a[3]} ${a[7]}`
    : `6 ${f.ident} ${a[0]} ${a[1]} ${a[2]} ${a[3]} ${a[4]} ${a[5]} ${a[6]} ${a[7]}`;
}
