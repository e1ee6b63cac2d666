/**
 * A bounded hash table from a transport 5-tuple to a slot, for connection
 * (TCP) and flow (UDP) tracking. gopacket-style: the key hashes the same in
 * both directions, the comparison on a hit is exact (IP version, both
 * addresses, both ports), and it tells which direction the packet goes.
 *
 * No strings and no objects per packet. Each slot is one record in an
 * Int32Array: 64 bytes of key (hash, chain link, owner id, IP version,
 * ports, both addresses) followed by `ownerWords` words the owner uses for
 * its per-connection state, so a packet touches the bucket head and one
 * record. `f` is a Float64Array view of the same memory for owner fields at
 * even word offsets. Records for up to RESERVED_SLOTS slots are allocated at
 * once (see the constructor), beyond that the records double up to
 * `maxSlots`; above that the owner must evict (see TcpTracker/UdpTracker)
 * before inserting.
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

/**
 * tupleHash of an IPv4 tuple, from the two address words that are not zero
 * (the same value: the zero words add nothing).
 */
export function tupleHash4(src: number, dst: number, srcPort: number, dstPort: number): number {
  const hs = (Math.imul(src, 0x9e3779b1) + Math.imul(srcPort, 0x165667b1)) | 0;
  const hd = (Math.imul(dst, 0x9e3779b1) + Math.imul(dstPort, 0x165667b1)) | 0;
  return fmix((hs + hd + 4) | 0);
}

// Optimized code reads an exported binding through its module cell, with a check that it is
// initialized, at every use, even in its own module; a constant that is not exported is folded
// into the instruction. Hence private copies for the hot paths: the lookups.
const hash = tupleHash;
const hash4 = tupleHash4;

/** Key part of a slot record: 16 int32 (64 bytes); the owner's words follow (from KEY_WORDS on). */
export const KEY_WORDS = 16;
const F_HASH = 0;
const F_NEXT = 1;
/** The owner's id for the slot (connection or flow id), -1 when free. */
export const F_ID = 2;
const F_IPV = 3;
/** side 0 port << 16 | side 1 port */
const F_PORTS = 4;
/** 8 words: side 0 address, side 1 address */
const F_ADDR = 5;

/**
 * Slots whose records the constructor allocates at once (up to `maxSlots`). A typed array this
 * large is zero pages from the system, mapped in when first written: memory still grows with
 * the slots in use, while growing by doubling copied the records into fresh pages each time
 * (on short.pcap, 50,000 connections lingering for `closedTimeout`, 42 MB of new records for
 * a 21 MB table). `room` hands out never-used slots a few at a time; records past `used` are
 * never read.
 */
const RESERVED_SLOTS = 1 << 17;

export class FlowTable {
  /** Slots in use. */
  count = 0;
  /** Direction of the packet found by the last successful `lookup()`: 0 = src is side 0. */
  dir: 0 | 1 = 0;
  /** Hash computed by the last `lookup()`, reused by `insert()`. */
  private hash = 0;

  private cap = 0;
  /** Slots handed out so far (live or free); the records past it were never written. */
  private used = 0;
  private heads: Int32Array;
  private mask: number;
  /** Slot records (replaced when the table grows: reload after insert()). */
  rec = new Int32Array(0);
  f = new Float64Array(0);
  /** Int32 words per slot record (a multiple of 16). */
  readonly stride: number;
  private free = new Int32Array(0);
  private freeTop = 0;
  /** `insert` calls `room` when `count` reaches this (see room). */
  private roomAt = 0;

  constructor(readonly maxSlots: number, initialSlots = 1024, ownerWords = 0) {
    this.stride = KEY_WORDS + ((ownerWords + 15) & ~15);
    const n = Math.max(16, Math.min(initialSlots, maxSlots));
    this.heads = new Int32Array(nextPow2(n * 2)).fill(-1);
    this.mask = this.heads.length - 1;
    this.growTo(Math.max(n, Math.min(maxSlots, RESERVED_SLOTS)));
  }

  get capacity(): number { return this.cap; }
  /** Slots handed out so far (live or free): loops over the table's slots stop here. */
  get slots(): number { return this.used; }
  get full(): boolean { return this.count >= this.maxSlots; }

  /** Owner's id of a slot (connection or flow id), -1 when free. */
  idOf(s: number): number {
    return this.rec[s * this.stride + F_ID]!;
  }

  /** Finds the slot of the packet's tuple, or -1. Sets `dir` on a hit. */
  lookup(d: Decoded): number {
    const a = d.addr;
    const sp = d.srcPort;
    const dp = d.dstPort;
    const ipv = d.ipVersion;
    if (ipv === 4) return this.lookup4(a[3]! | 0, a[7]! | 0, sp, dp);
    const h = hash(a, sp, dp, ipv);
    this.hash = h;
    const r = this.rec;
    const stride = this.stride;
    const fwd = ((sp << 16) | dp) | 0;
    const rev = ((dp << 16) | sp) | 0;
    // Addresses as int32, to compare with the int32 record words.
    const a0 = a[0]! | 0, a1 = a[1]! | 0, a2 = a[2]! | 0, a3 = a[3]! | 0;
    const b0 = a[4]! | 0, b1 = a[5]! | 0, b2 = a[6]! | 0, b3 = a[7]! | 0;
    let s = this.heads[h & this.mask]!;
    while (s >= 0) {
      const o = s * stride;
      if (r[o + F_HASH] === h && r[o + F_IPV] === ipv) {
        const ports = r[o + F_PORTS];
        const x = o + F_ADDR;
        if (ports === fwd &&
            r[x] === a0 && r[x + 1] === a1 && r[x + 2] === a2 && r[x + 3] === a3 &&
            r[x + 4] === b0 && r[x + 5] === b1 && r[x + 6] === b2 && r[x + 7] === b3) {
          this.dir = 0;
          return s;
        }
        if (ports === rev &&
            r[x] === b0 && r[x + 1] === b1 && r[x + 2] === b2 && r[x + 3] === b3 &&
            r[x + 4] === a0 && r[x + 5] === a1 && r[x + 6] === a2 && r[x + 7] === a3) {
          this.dir = 1;
          return s;
        }
      }
      s = r[o + F_NEXT]!;
    }
    return -1;
  }

  /**
   * `lookup` for IPv4: an IPv4 address is the last of its four words, the others are zero in
   * the packet and in the records of IPv4 entries, so only that word is hashed and compared.
   */
  private lookup4(src: number, dst: number, sp: number, dp: number): number {
    const h = hash4(src, dst, sp, dp);
    this.hash = h;
    const r = this.rec;
    const stride = this.stride;
    const fwd = ((sp << 16) | dp) | 0;
    const rev = ((dp << 16) | sp) | 0;
    let s = this.heads[h & this.mask]!;
    while (s >= 0) {
      const o = s * stride;
      if (r[o + F_HASH] === h && r[o + F_IPV] === 4) {
        const ports = r[o + F_PORTS];
        const x = o + F_ADDR;
        if (ports === fwd && r[x + 3] === src && r[x + 7] === dst) {
          this.dir = 0;
          return s;
        }
        if (ports === rev && r[x + 3] === dst && r[x + 7] === src) {
          this.dir = 1;
          return s;
        }
      }
      s = r[o + F_NEXT]!;
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
    if (this.count >= this.roomAt) this.room();
    const s = this.free[--this.freeTop]!;
    const a = d.addr;
    const r = this.rec;
    const o = s * this.stride;
    const x = o + F_ADDR;
    const src = srcIsSide0 ? 0 : 4;
    const dst = srcIsSide0 ? 4 : 0;
    r[x + src] = a[0]!; r[x + src + 1] = a[1]!; r[x + src + 2] = a[2]!; r[x + src + 3] = a[3]!;
    r[x + dst] = a[4]!; r[x + dst + 1] = a[5]!; r[x + dst + 2] = a[6]!; r[x + dst + 3] = a[7]!;
    r[o + F_PORTS] = srcIsSide0 ? (d.srcPort << 16) | d.dstPort : (d.dstPort << 16) | d.srcPort;
    r[o + F_IPV] = d.ipVersion;
    r[o + F_ID] = id;
    r[o + F_HASH] = this.hash;
    const b = this.hash & this.mask;
    r[o + F_NEXT] = this.heads[b]!;
    this.heads[b] = s;
    this.count++;
    this.dir = srcIsSide0 ? 0 : 1;
    return s;
  }

  /** Frees a slot. */
  remove(s: number): void {
    const r = this.rec;
    const o = s * this.stride;
    if (r[o + F_ID]! < 0) return;
    const b = r[o + F_HASH]! & this.mask;
    let p = this.heads[b]!;
    if (p === s) this.heads[b] = r[o + F_NEXT]!;
    else {
      while (p >= 0 && r[p * this.stride + F_NEXT] !== s) p = r[p * this.stride + F_NEXT]!;
      if (p >= 0) r[p * this.stride + F_NEXT] = r[o + F_NEXT]!;
    }
    r[o + F_ID] = -1;
    this.free[this.freeTop++] = s;
    this.count--;
  }

  /** Copies the side-0/side-1 address words of a slot into `out[off..off+8)`. */
  copyAddr(s: number, out: Uint32Array, off: number): void {
    // Written out: as a loop, optimized code checks both arrays again on every word.
    const r = this.rec;
    const x = s * this.stride + F_ADDR;
    out[off] = r[x]!; out[off + 1] = r[x + 1]!; out[off + 2] = r[x + 2]!; out[off + 3] = r[x + 3]!;
    out[off + 4] = r[x + 4]!; out[off + 5] = r[x + 5]!; out[off + 6] = r[x + 6]!; out[off + 7] = r[x + 7]!;
  }

  port(s: number, side: 0 | 1): number {
    const p = this.rec[s * this.stride + F_PORTS]!;
    return side === 0 ? p >>> 16 : p & 0xffff;
  }

  ipVersion(s: number): number { return this.rec[s * this.stride + F_IPV]!; }

  /**
   * Makes room for one more entry: a free slot (the records double) and no more entries than
   * buckets (the buckets double). Also run every 64th insert from the start: the call then has
   * type feedback, and `insert` is not deoptimized when the table first grows, while the inliner
   * leaves so rare a call out of line.
   */
  private room(): void {
    if (this.count === this.used) {
      // Nothing free: hand out the next never-used slots, the lowest first (so that the slots
      // in use stay packed at the start), after the records have grown if need be.
      if (this.used === this.cap) this.growTo(Math.min(this.maxSlots, this.cap * 2));
      const n = Math.min(this.used + 64, this.cap);
      for (let s = n - 1; s >= this.used; s--) {
        this.rec[s * this.stride + F_ID] = -1;
        this.free[this.freeTop++] = s;
      }
      this.used = n;
    }
    if (this.count >= this.heads.length) this.rehash(this.heads.length * 2);
    // Slots handed out are live or free (count + freeTop = used), so below `used` one is free.
    this.roomAt = Math.min(this.count + 64, this.used, this.heads.length);
  }

  /** Records for `n` slots (only grows when every slot is live: nothing is free then). */
  private growTo(n: number): void {
    if (n <= this.cap) return;
    const rec = new Int32Array(n * this.stride);
    rec.set(this.rec);
    this.rec = rec;
    this.f = new Float64Array(rec.buffer);
    this.free = new Int32Array(n);
    this.cap = n;
  }

  private rehash(buckets: number): void {
    this.heads = new Int32Array(buckets).fill(-1);
    this.mask = buckets - 1;
    const r = this.rec;
    for (let s = 0; s < this.used; s++) {
      const o = s * this.stride;
      if (r[o + F_ID]! < 0) continue;
      const b = r[o + F_HASH]! & this.mask;
      r[o + F_NEXT] = this.heads[b]!;
      this.heads[b] = s;
    }
  }
}

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
