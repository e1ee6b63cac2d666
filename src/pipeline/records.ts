/**
 * Decoded frames as fixed-size records in typed arrays, so a batch of them
 * can cross from the decoding worker to the tracking thread without a
 * structured clone or an object per frame.
 *
 * Batches live in SharedArrayBuffers that both threads map (a ring of
 * slots, parallel.ts): handing a batch over is a message with its slot
 * number, nothing is copied or transferred.
 *
 * A record holds what connection tracking and the application layer read
 * from `Decoded` (src/analysis.ts, src/flow/*): times, lengths, addresses,
 * ports, TCP header fields, payload bounds, anomaly codes, and whether the
 * frame is TCP or UDP. The bytes they read (TCP options and the payload) are
 * copied, once, into the batch's byte area, from the transport header to the
 * end of the captured payload; offsets in the record point into that area.
 * This also covers datagrams completed by IP reassembly, whose bytes live in
 * the defragmenter's buffer rather than the frame's.
 *
 * `unpack()` refills a reused `Decoded` from a record. The result is a
 * Decoded restricted to those fields: the layer list holds only the
 * transport layer (so `isTcp`/`isUdp` answer as for the full decode), link
 * and IP header details are absent. It is meant for `Analysis.feedDecoded`,
 * not for describing packets.
 */
import { Decoded, LayerId, MAX_ANOMALIES } from '../decode/decoded.js';

/** Int32 words per record. */
export const REC_WORDS = 36;

const R_FRAME = 0; // uint32
const R_NSEC = 1;
const R_CAPLEN = 2;
const R_ORIGLEN = 3;
const R_LINK = 4;
const R_BITS = 5;
const R_IPV = 6;
const R_IPPROTO = 7;
const R_SPORT = 8;
const R_DPORT = 9;
const R_SEQ = 10; // uint32 bits
const R_ACK = 11; // uint32 bits
const R_TCPFLAGS = 12;
const R_WIN = 13;
const R_WSCALE = 14;
const R_OPTOFF = 15;
const R_OPTLEN = 16;
const R_PAYOFF = 17;
const R_PAYLEN = 18;
const R_PAYWIRE = 19;
const R_L4OFF = 20;
const R_ADDR = 21; // 8 words
const R_ANCOUNT = 29;
const R_AN = 30; // MAX_ANOMALIES u16 codes, two per word (4 words)

const B_TRUNC = 1;
const B_MALFORMED = 2;
const B_TCP = 4;
const B_UDP = 8;

/** One batch's storage: records (Int32 words and a Float64 timestamp per record) and the copied bytes. */
export class RecordBatch {
  readonly words: Int32Array;
  readonly sec: Float64Array;
  readonly bytes: Uint8Array;
  count = 0;
  /** Bytes of `bytes` in use. */
  used = 0;

  constructor(
    /** Holds `capacity` timestamps (Float64) then `capacity` records. */
    readonly recBuf: ArrayBufferLike,
    readonly dataBuf: ArrayBufferLike,
    readonly capacity: number,
  ) {
    this.sec = new Float64Array(recBuf, 0, capacity);
    this.words = new Int32Array(recBuf, capacity * 8, capacity * REC_WORDS);
    this.bytes = new Uint8Array(dataBuf);
  }

  static recordBytes(capacity: number): number {
    return capacity * (8 + REC_WORDS * 4);
  }

  static allocate(capacity: number, dataBytes: number, shared = false): RecordBatch {
    const B = shared ? SharedArrayBuffer : ArrayBuffer;
    return new RecordBatch(new B(RecordBatch.recordBytes(capacity)), new B(dataBytes), capacity);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  /** Bytes that packing `d` needs in the byte area. */
  static bytesFor(d: Decoded): number {
    if (!isTransport(d)) return 0;
    const end = d.payloadOffset + (d.payloadLen > 0 ? d.payloadLen : 0);
    return end > d.l4Offset ? end - d.l4Offset : 0;
  }

  /** Appends `d` (the caller checked `!full` and that `bytesFor(d)` fits). */
  pack(d: Decoded): void {
    const i = this.count++;
    const w = this.words;
    const o = i * REC_WORDS;
    this.sec[i] = d.tsSec;
    w[o + R_FRAME] = d.frameNumber | 0;
    w[o + R_NSEC] = d.tsNsec;
    w[o + R_CAPLEN] = d.capLen;
    w[o + R_ORIGLEN] = d.origLen;
    w[o + R_LINK] = d.linkType;
    const tcp = d.ipProto === 6 && d.isTcp;
    const udp = !tcp && d.ipProto === 17 && d.isUdp;
    w[o + R_BITS] = (d.truncated ? B_TRUNC : 0) | (d.malformed ? B_MALFORMED : 0) | (tcp ? B_TCP : 0) | (udp ? B_UDP : 0);
    w[o + R_IPV] = d.ipVersion;
    w[o + R_IPPROTO] = d.ipProto;
    const n = d.anomalyCount;
    w[o + R_ANCOUNT] = n;
    if (n > 0) {
      const c = d.anomalyCodes;
      for (let k = 0; k < MAX_ANOMALIES; k += 2) w[o + R_AN + (k >> 1)] = (c[k]! | (c[k + 1]! << 16));
    }
    if (!tcp && !udp) return;
    const a = d.addr;
    const x = o + R_ADDR;
    w[x] = a[0]!; w[x + 1] = a[1]!; w[x + 2] = a[2]!; w[x + 3] = a[3]!;
    w[x + 4] = a[4]!; w[x + 5] = a[5]!; w[x + 6] = a[6]!; w[x + 7] = a[7]!;
    w[o + R_SPORT] = d.srcPort;
    w[o + R_DPORT] = d.dstPort;
    w[o + R_SEQ] = d.seq | 0;
    w[o + R_ACK] = d.ack | 0;
    w[o + R_TCPFLAGS] = d.tcpFlags;
    w[o + R_WIN] = d.window;
    w[o + R_WSCALE] = d.wscale;
    // The transport header and the captured payload, copied into the byte area.
    const l4 = d.l4Offset;
    const payLen = d.payloadLen > 0 ? d.payloadLen : 0;
    const end = d.payloadOffset + payLen;
    const at = this.used;
    const len = end - l4;
    if (len > 0) {
      const src = d.buf;
      const dst = this.bytes;
      if (len <= 64) {
        for (let k = 0; k < len; k++) dst[at + k] = src[l4 + k]!;
      } else {
        // A plain view: `subarray` on a Node Buffer goes through Buffer's constructor.
        dst.set(new Uint8Array(src.buffer, src.byteOffset + l4, len), at);
      }
      this.used = at + len;
    }
    w[o + R_L4OFF] = at;
    w[o + R_OPTOFF] = d.optionsOffset >= 0 ? d.optionsOffset - l4 + at : -1;
    w[o + R_OPTLEN] = d.optionsLen;
    w[o + R_PAYOFF] = d.payloadOffset - l4 + at;
    w[o + R_PAYLEN] = payLen;
    w[o + R_PAYWIRE] = d.payloadWireLen;
  }

  /** Refills `d` from record `i` (see the file comment for what is restored). */
  unpack(i: number, d: Decoded): void {
    const w = this.words;
    const o = i * REC_WORDS;
    d.frameNumber = w[o + R_FRAME]! >>> 0;
    d.tsSec = this.sec[i]!;
    d.tsNsec = w[o + R_NSEC]!;
    // Lengths are unsigned 32-bit (a record may claim 4 GB on the wire): read back as such.
    d.capLen = w[o + R_CAPLEN]! >>> 0;
    d.origLen = w[o + R_ORIGLEN]! >>> 0;
    d.linkType = w[o + R_LINK]!;
    const bits = w[o + R_BITS]!;
    d.truncated = (bits & B_TRUNC) !== 0;
    d.malformed = (bits & B_MALFORMED) !== 0;
    d.ipVersion = w[o + R_IPV]!;
    d.ipProto = w[o + R_IPPROTO]!;
    const n = w[o + R_ANCOUNT]!;
    d.anomalyCount = n;
    if (n > 0) {
      const c = d.anomalyCodes;
      for (let k = 0; k < MAX_ANOMALIES; k += 2) {
        const v = w[o + R_AN + (k >> 1)]!;
        c[k] = v & 0xffff;
        c[k + 1] = v >>> 16;
      }
    }
    if ((bits & (B_TCP | B_UDP)) === 0) {
      d.layerCount = 0;
      d.l4Offset = -1;
      d.srcPort = -1;
      d.dstPort = -1;
      d.payloadLen = 0;
      d.payloadWireLen = 0;
      d.optionsOffset = -1;
      d.optionsLen = 0;
      return;
    }
    d.layerCount = 1;
    d.layers[0] = (bits & B_TCP) !== 0 ? LayerId.tcp : LayerId.udp;
    d.buf = this.bytes;
    const a = d.addr;
    const x = o + R_ADDR;
    a[0] = w[x]!; a[1] = w[x + 1]!; a[2] = w[x + 2]!; a[3] = w[x + 3]!;
    a[4] = w[x + 4]!; a[5] = w[x + 5]!; a[6] = w[x + 6]!; a[7] = w[x + 7]!;
    d.srcPort = w[o + R_SPORT]!;
    d.dstPort = w[o + R_DPORT]!;
    d.seq = w[o + R_SEQ]! >>> 0;
    d.ack = w[o + R_ACK]! >>> 0;
    d.tcpFlags = w[o + R_TCPFLAGS]!;
    d.window = w[o + R_WIN]!;
    d.wscale = w[o + R_WSCALE]!;
    d.l4Offset = w[o + R_L4OFF]!;
    d.optionsOffset = w[o + R_OPTOFF]!;
    d.optionsLen = w[o + R_OPTLEN]!;
    d.payloadOffset = w[o + R_PAYOFF]!;
    d.payloadLen = w[o + R_PAYLEN]!;
    d.payloadWireLen = w[o + R_PAYWIRE]! >>> 0;
  }
}

function isTransport(d: Decoded): boolean {
  return (d.ipProto === 6 && d.isTcp) || (d.ipProto === 17 && d.isUdp);
}

/** A Decoded for `unpack()` (the same class the decoder fills). */
export function newDecoded(): Decoded {
  return new Decoded();
}
