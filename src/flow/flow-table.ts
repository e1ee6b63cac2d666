/**
 * A bounded hash table from a transport 5-tuple to a slot, for connection
 * (TCP) and flow (UDP) tracking. gopacket-style: the key hashes the same in
 * both directions (`hash(A) + hash(B)`, then a finaliser), the comparison on
 * a hit is exact (IP version, both addresses, both ports), and it tells which
 * direction the packet goes.
 *
 * No strings and no objects per packet: tuples live in typed arrays indexed
 * by slot, chains are `Int32Array` links, free slots form a stack. The table
 * grows lazily (doubling) up to `maxSlots`; above that the owner must evict
 * (see TcpTracker/UdpTracker) before inserting.
 *
 * Slot layout: side 0 is the "client" (as the owner decided when inserting),
 * side 1 the "server". Addresses are four 32-bit big-endian words each, as
 * in `Decoded.addr` (IPv4 uses the last word only).
 */
import type { Decoded } from '../decode/decoded.js';

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Direction-independent hash of a packet's tuple (Decoded.addr: src words
 * 0..3, dst 4..7). Each endpoint is a sum of its words and port times distinct
 * odd constants; the two endpoint sums are added (so A→B and B→A agree) and
 * finalised with murmur3's fmix32. Cheap: ten multiplications.
 */
export function tupleHash(addr: Uint32Array, srcPort: number, dstPort: number, ipVersion: number): number {
  const hs = (Math.imul(addr[0]!, 0x27d4eb2f) + Math.imul(addr[1]!, 0xc2b2ae35) + Math.imul(addr[2]!, 0x85ebca6b) +
    Math.imul(addr[3]!, 0x9e3779b1) + Math.imul(srcPort, 0x165667b1)) | 0;
  const hd = (Math.imul(addr[4]!, 0x27d4eb2f) + Math.imul(addr[5]!, 0xc2b2ae35) + Math.imul(addr[6]!, 0x85ebca6b) +
    Math.imul(addr[7]!, 0x9e3779b1) + Math.imul(dstPort, 0x165667b1)) | 0;
  return fmix((hs + hd + ipVersion) | 0);
}

export class FlowTable {
  /** Slots in use. */
  count = 0;
  /** Direction of the packet found by the last successful `lookup()`: 0 = src is side 0. */
  dir: 0 | 1 = 0;
  /** Hash computed by the last `lookup()`, reused by `insert()`. */
  private hash = 0;

  private cap = 0;
  private heads: Int32Array;
  private mask: number;
  private slotHash = new Int32Array(0);
  private slotNext = new Int32Array(0);
  /** 8 words per slot: side 0 address then side 1 address. */
  private slotAddr = new Uint32Array(0);
  /** 2 per slot: side 0 port, side 1 port. */
  private slotPort = new Uint16Array(0);
  private slotIpv = new Uint8Array(0);
  /** Owner's id for the slot (connection or flow id); -1 when free. */
  slotId = new Int32Array(0);
  private free = new Int32Array(0);
  private freeTop = 0;

  constructor(readonly maxSlots: number, initialSlots = 1024) {
    const n = Math.max(16, Math.min(initialSlots, maxSlots));
    this.heads = new Int32Array(nextPow2(n * 2)).fill(-1);
    this.mask = this.heads.length - 1;
    this.growTo(n);
  }

  get capacity(): number { return this.cap; }
  get full(): boolean { return this.count >= this.maxSlots; }

  /** Finds the slot of the packet's tuple, or -1. Sets `dir` on a hit. */
  lookup(d: Decoded): number {
    const a = d.addr;
    const sp = d.srcPort;
    const dp = d.dstPort;
    const ipv = d.ipVersion;
    const h = tupleHash(a, sp, dp, ipv);
    this.hash = h;
    let s = this.heads[h & this.mask]!;
    const sa = this.slotAddr;
    const pt = this.slotPort;
    while (s >= 0) {
      if (this.slotHash[s] === h && this.slotIpv[s] === ipv) {
        const p0 = pt[s * 2]!;
        const p1 = pt[s * 2 + 1]!;
        const o = s * 8;
        if (p0 === sp && p1 === dp &&
            sa[o] === a[0] && sa[o + 1] === a[1] && sa[o + 2] === a[2] && sa[o + 3] === a[3] &&
            sa[o + 4] === a[4] && sa[o + 5] === a[5] && sa[o + 6] === a[6] && sa[o + 7] === a[7]) {
          this.dir = 0;
          return s;
        }
        if (p0 === dp && p1 === sp &&
            sa[o] === a[4] && sa[o + 1] === a[5] && sa[o + 2] === a[6] && sa[o + 3] === a[7] &&
            sa[o + 4] === a[0] && sa[o + 5] === a[1] && sa[o + 6] === a[2] && sa[o + 7] === a[3]) {
          this.dir = 1;
          return s;
        }
      }
      s = this.slotNext[s]!;
    }
    return -1;
  }

  /**
   * Inserts the tuple of `d` (the packet of the last failed `lookup()`), with
   * the packet's source as side 0 when `srcIsSide0`. Returns the slot, or -1
   * when the table is full (the owner evicts first).
   */
  insert(d: Decoded, id: number, srcIsSide0: boolean): number {
    if (this.count >= this.maxSlots) return -1;
    if (this.freeTop === 0) this.growTo(Math.min(this.maxSlots, this.cap * 2));
    const s = this.free[--this.freeTop]!;
    const a = d.addr;
    const o = s * 8;
    const src = srcIsSide0 ? 0 : 4;
    const dst = srcIsSide0 ? 4 : 0;
    this.slotAddr[o + src] = a[0]!; this.slotAddr[o + src + 1] = a[1]!;
    this.slotAddr[o + src + 2] = a[2]!; this.slotAddr[o + src + 3] = a[3]!;
    this.slotAddr[o + dst] = a[4]!; this.slotAddr[o + dst + 1] = a[5]!;
    this.slotAddr[o + dst + 2] = a[6]!; this.slotAddr[o + dst + 3] = a[7]!;
    this.slotPort[s * 2] = srcIsSide0 ? d.srcPort : d.dstPort;
    this.slotPort[s * 2 + 1] = srcIsSide0 ? d.dstPort : d.srcPort;
    this.slotIpv[s] = d.ipVersion;
    this.slotId[s] = id;
    this.slotHash[s] = this.hash;
    const b = this.hash & this.mask;
    this.slotNext[s] = this.heads[b]!;
    this.heads[b] = s;
    this.count++;
    if (this.count > this.heads.length) this.rehash(this.heads.length * 2);
    this.dir = srcIsSide0 ? 0 : 1;
    return s;
  }

  /** Frees a slot. */
  remove(s: number): void {
    if (this.slotId[s]! < 0) return;
    const b = this.slotHash[s]! & this.mask;
    let p = this.heads[b]!;
    if (p === s) this.heads[b] = this.slotNext[s]!;
    else {
      while (p >= 0 && this.slotNext[p] !== s) p = this.slotNext[p]!;
      if (p >= 0) this.slotNext[p] = this.slotNext[s]!;
    }
    this.slotId[s] = -1;
    this.free[this.freeTop++] = s;
    this.count--;
  }

  /** Copies the side-0/side-1 address words of a slot into `out[off..off+8)`. */
  copyAddr(s: number, out: Uint32Array, off: number): void {
    const o = s * 8;
    for (let i = 0; i < 8; i++) out[off + i] = this.slotAddr[o + i]!;
  }

  port(s: number, side: 0 | 1): number { return this.slotPort[s * 2 + side]!; }
  ipVersion(s: number): number { return this.slotIpv[s]!; }

  private growTo(n: number): void {
    if (n <= this.cap) return;
    const old = this.cap;
    this.slotHash = growI32(this.slotHash, n);
    this.slotNext = growI32(this.slotNext, n);
    const addr = new Uint32Array(n * 8); addr.set(this.slotAddr); this.slotAddr = addr;
    const port = new Uint16Array(n * 2); port.set(this.slotPort); this.slotPort = port;
    const ipv = new Uint8Array(n); ipv.set(this.slotIpv); this.slotIpv = ipv;
    const ids = new Int32Array(n).fill(-1); ids.set(this.slotId); this.slotId = ids;
    const free = new Int32Array(n); free.set(this.free.subarray(0, this.freeTop)); this.free = free;
    // Push new slots so that the lowest index is taken first.
    for (let s = n - 1; s >= old; s--) this.free[this.freeTop++] = s;
    this.cap = n;
  }

  private rehash(buckets: number): void {
    this.heads = new Int32Array(buckets).fill(-1);
    this.mask = buckets - 1;
    for (let s = 0; s < this.cap; s++) {
      if (this.slotId[s]! < 0) continue;
      const b = this.slotHash[s]! & this.mask;
      this.slotNext[s] = this.heads[b]!;
      this.heads[b] = s;
    }
  }
}

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

function growI32(a: Int32Array, n: number) {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
