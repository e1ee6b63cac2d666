/**
 * What connection tracking tells the application layer (src/flow/hooks.ts
 * AppObserver: every TCP segment, the end of each connection, every UDP
 * datagram, the end of input), as fixed-size records in typed arrays, so
 * tracking can run in a worker thread and the application layer in the
 * thread that owns the results.
 *
 * `AppRecorder` is an AppObserver that writes these records into batches
 * (payload bytes copied into the batch's byte area); `replay()` reads a
 * batch back and makes the same calls, in the same order, with the same
 * values, on the real observer. The info objects handed to the observer are
 * reused, as flow's own are (copy what you keep).
 */
import type { AppObserver, Dir, TcpSegmentInfo, UdpDatagramInfo } from '../flow/hooks.js';

/** Int32 words per record. */
export const APP_REC_WORDS = 16;

const K_TCP = 1;
const K_TCP_END = 2;
const K_UDP = 3;
const K_FINISH = 4;

const A_KIND = 0;
const A_ID = 1; // connection or flow id
const A_DIR = 2;
const A_FRAME = 3; // uint32
const A_NSEC = 4;
const A_SEQ = 5; // uint32 bits
const A_ACK = 6; // uint32 bits
const A_FLAGS = 7;
const A_PAYOFF = 8;
const A_PAYLEN = 9;
const A_PAYWIRE = 10; // uint32
const A_ISN = 11; // uint32 bits, valid when A_HASISN
const A_HASISN = 12;
const A_PORT0 = 13; // client port (TCP) / source port (UDP)
const A_PORT1 = 14; // server port (TCP) / destination port (UDP)

/** One batch: records (Int32 words, a Float64 timestamp each) and the copied payload bytes. */
export class AppRecordBatch {
  readonly words: Int32Array;
  readonly sec: Float64Array;
  readonly bytes: Uint8Array;
  count = 0;
  used = 0;

  constructor(readonly recBuf: ArrayBufferLike, readonly dataBuf: ArrayBufferLike, readonly capacity: number) {
    this.sec = new Float64Array(recBuf, 0, capacity);
    this.words = new Int32Array(recBuf, capacity * 8, capacity * APP_REC_WORDS);
    this.bytes = new Uint8Array(dataBuf);
  }

  static recordBytes(capacity: number): number {
    return capacity * (8 + APP_REC_WORDS * 4);
  }

  static allocate(capacity: number, dataBytes: number, shared = false): AppRecordBatch {
    const B = shared ? SharedArrayBuffer : ArrayBuffer;
    return new AppRecordBatch(new B(AppRecordBatch.recordBytes(capacity)), new B(dataBytes), capacity);
  }

  /** Room for one more record carrying `n` payload bytes. */
  fits(n: number): boolean {
    return this.count < this.capacity && this.used + n <= this.bytes.length;
  }

  private payload(buf: Uint8Array, off: number, n: number): number {
    const at = this.used;
    if (n > 0) {
      const dst = this.bytes;
      if (n <= 64) {
        for (let k = 0; k < n; k++) dst[at + k] = buf[off + k]!;
      } else {
        // A plain view: `subarray` on a Node Buffer goes through Buffer's constructor.
        dst.set(new Uint8Array(buf.buffer, buf.byteOffset + off, n), at);
      }
      this.used = at + n;
    }
    return at;
  }

  tcp(s: TcpSegmentInfo): void {
    const i = this.count++;
    const w = this.words;
    const o = i * APP_REC_WORDS;
    this.sec[i] = s.tsSec;
    w[o + A_KIND] = K_TCP;
    w[o + A_ID] = s.connId;
    w[o + A_DIR] = s.dir;
    w[o + A_FRAME] = s.frameNumber | 0;
    w[o + A_NSEC] = s.tsNsec;
    w[o + A_SEQ] = s.seq | 0;
    w[o + A_ACK] = s.ack | 0;
    w[o + A_FLAGS] = s.flags;
    const n = s.payloadLen > 0 ? s.payloadLen : 0;
    w[o + A_PAYOFF] = this.payload(s.buf, s.payloadOffset, n);
    w[o + A_PAYLEN] = n;
    w[o + A_PAYWIRE] = s.payloadWireLen | 0;
    w[o + A_HASISN] = s.isn >= 0 ? 1 : 0;
    w[o + A_ISN] = s.isn >= 0 ? s.isn | 0 : 0;
    w[o + A_PORT0] = s.clientPort;
    w[o + A_PORT1] = s.serverPort;
  }

  udp(u: UdpDatagramInfo): void {
    const i = this.count++;
    const w = this.words;
    const o = i * APP_REC_WORDS;
    this.sec[i] = u.tsSec;
    w[o + A_KIND] = K_UDP;
    w[o + A_ID] = u.flowId;
    w[o + A_DIR] = u.dir;
    w[o + A_FRAME] = u.frameNumber | 0;
    w[o + A_NSEC] = u.tsNsec;
    const n = u.payloadLen > 0 ? u.payloadLen : 0;
    w[o + A_PAYOFF] = this.payload(u.buf, u.payloadOffset, n);
    w[o + A_PAYLEN] = n;
    w[o + A_PORT0] = u.srcPort;
    w[o + A_PORT1] = u.dstPort;
  }

  mark(kind: typeof K_TCP_END | typeof K_FINISH, id: number): void {
    const i = this.count++;
    const o = i * APP_REC_WORDS;
    this.sec[i] = 0;
    this.words[o + A_KIND] = kind;
    this.words[o + A_ID] = id;
  }

  /**
   * Makes the recorded calls on `obs`, in order. The end-of-input record is
   * not replayed (the owner of the observer finishes it); returns true when
   * this batch held it.
   */
  replay(obs: AppObserver, tcp: TcpSegmentInfo, udp: UdpDatagramInfo): boolean {
    const w = this.words;
    const n = this.count;
    let finished = false;
    tcp.buf = this.bytes;
    udp.buf = this.bytes;
    for (let i = 0; i < n; i++) {
      const o = i * APP_REC_WORDS;
      const kind = w[o + A_KIND]!;
      if (kind === K_TCP) {
        tcp.connId = w[o + A_ID]!;
        tcp.dir = w[o + A_DIR]! as Dir;
        tcp.frameNumber = w[o + A_FRAME]! >>> 0;
        tcp.tsSec = this.sec[i]!;
        tcp.tsNsec = w[o + A_NSEC]!;
        tcp.seq = w[o + A_SEQ]! >>> 0;
        tcp.ack = w[o + A_ACK]! >>> 0;
        tcp.flags = w[o + A_FLAGS]!;
        tcp.payloadOffset = w[o + A_PAYOFF]!;
        tcp.payloadLen = w[o + A_PAYLEN]!;
        tcp.payloadWireLen = w[o + A_PAYWIRE]! >>> 0;
        tcp.isn = w[o + A_HASISN] !== 0 ? w[o + A_ISN]! >>> 0 : -1;
        tcp.clientPort = w[o + A_PORT0]!;
        tcp.serverPort = w[o + A_PORT1]!;
        obs.tcpSegment(tcp);
      } else if (kind === K_TCP_END) {
        obs.tcpEnd(w[o + A_ID]!);
      } else if (kind === K_UDP) {
        udp.flowId = w[o + A_ID]!;
        udp.dir = w[o + A_DIR]! as Dir;
        udp.frameNumber = w[o + A_FRAME]! >>> 0;
        udp.tsSec = this.sec[i]!;
        udp.tsNsec = w[o + A_NSEC]!;
        udp.payloadOffset = w[o + A_PAYOFF]!;
        udp.payloadLen = w[o + A_PAYLEN]!;
        udp.srcPort = w[o + A_PORT0]!;
        udp.dstPort = w[o + A_PORT1]!;
        obs.udpDatagram(udp);
      } else if (kind === K_FINISH) {
        finished = true;
      }
    }
    return finished;
  }
}

/** Fresh info objects for `replay()` (the shapes flow uses). */
export function newTcpInfo(): TcpSegmentInfo {
  return {
    connId: 0, dir: 0, frameNumber: 0, tsSec: 0, tsNsec: 0, seq: 0, ack: 0, flags: 0,
    buf: new Uint8Array(0), payloadOffset: 0, payloadLen: 0, payloadWireLen: 0, isn: -1, clientPort: 0, serverPort: 0,
  };
}

export function newUdpInfo(): UdpDatagramInfo {
  return {
    flowId: 0, dir: 0, frameNumber: 0, tsSec: 0, tsNsec: 0, srcPort: 0, dstPort: 0,
    buf: new Uint8Array(0), payloadOffset: 0, payloadLen: 0,
  };
}

/**
 * An AppObserver that records instead of analysing. `need(bytes)` is called
 * before each record: it must make room (hand the full batch over and
 * provide the next one) and return the batch to write into.
 */
export class AppRecorder implements AppObserver {
  constructor(private readonly need: (payloadBytes: number) => AppRecordBatch) {}

  tcpSegment(s: TcpSegmentInfo): void {
    this.need(s.payloadLen > 0 ? s.payloadLen : 0).tcp(s);
  }

  tcpEnd(connId: number): void {
    this.need(0).mark(K_TCP_END, connId);
  }

  udpDatagram(d: UdpDatagramInfo): void {
    this.need(d.payloadLen > 0 ? d.payloadLen : 0).udp(d);
  }

  finish(): void {
    this.need(0).mark(K_FINISH, 0);
  }
}
