/**
 * A synthetic analysis and frame source for dashboard tests at scale: N
 * connections of P packets each, every fact computed from a formula, so a
 * million packets and 100k connections cost no memory. Connections appear
 * as frames are fed, as they would from a real capture.
 */
import type { AppLayer, HttpTransaction } from '../../src/analyzers/types.js';
import type { CaptureInfo, Frame, FrameSource } from '../../src/capture/source.js';
import type { ConnSummary, TcpStateName, TimelineEntry } from '../../src/flow/model.js';
import type { AnalysisLike, AnalysisStats } from '../../src/ui/model.js';

const T0 = 1_300_000_000;

export class FakeAnalysis implements AnalysisLike {
  readonly stats: AnalysisStats = {
    frames: 0, bytes: 0, malformed: 0, truncated: 0, tcpConns: 0, udpFlows: 0, firstTime: T0, lastTime: T0, evicted: 0,
  };
  readonly app: AppLayer;
  private readonly http: HttpTransaction[] = [];

  constructor(readonly connTotal: number, readonly perConn: number) {
    const self = this;
    this.app = {
      events: [],
      get http() { return self.httpList(); },
      dns: [],
      tcpLabel: () => 'HTTP',
      udpLabel: () => '',
      stream: (id: number) => [
        { dir: 0, data: Buffer.from(`GET /item/${id} HTTP/1.1\r\nHost: host${id % 7}.example\r\n\r\n`), frameNumber: id * self.perConn + 4 },
        { dir: 1, data: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`), frameNumber: id * self.perConn + 5 },
      ],
      tcpSegment() {}, tcpEnd() {}, udpDatagram() {}, finish() {},
    } as unknown as AppLayer;
  }

  private httpList(): HttpTransaction[] {
    const n = Math.min(this.connCount(), 5000);
    while (this.http.length < n) {
      const id = this.http.length;
      this.http.push({
        connId: id, index: 1, pipelined: false, method: 'GET', host: `host${id % 7}.example`, uri: `/item/${id}`, version: 'HTTP/1.1',
        status: 200, reason: 'OK', contentType: 'text/plain', requestHeaders: [], responseHeaders: [], requestBodyWire: 0,
        responseBodyWire: 2, responseBodyDecoded: 2, persistence: 'keep-alive', requestFrames: [id * this.perConn + 4],
        responseFrames: [id * this.perConn + 5], requestStart: T0 + id * 0.001, requestEnd: T0 + id * 0.001,
        responseStart: T0 + id * 0.001 + 0.0005, responseEnd: T0 + id * 0.001 + 0.0006,
      });
    }
    return this.http;
  }

  feed(batch: Frame[]): void {
    for (const f of batch) {
      this.stats.frames++;
      this.stats.bytes += f.origLen;
    }
    this.stats.tcpConns = this.connCount();
    this.stats.lastTime = T0 + this.stats.frames * 1e-4;
  }
  finish(): void {}

  connCount(): number {
    return Math.min(this.connTotal, Math.floor(this.stats.frames / this.perConn));
  }

  conn(id: number): ConnSummary | undefined {
    if (id < 0 || id >= this.connCount()) return undefined;
    const p = this.perConn;
    const first = T0 + id * p * 1e-4;
    return {
      id, proto: 'tcp',
      client: { ip: `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`, port: 40000 + (id % 20000) },
      server: { ip: '192.0.2.80', port: id % 3 === 0 ? 443 : 80 },
      rolesInferred: false, handshake: 'complete', synRetransmissions: 0,
      rttSynToSynAck: 0.0001 * (1 + (id % 5)), rttSynAckToAck: 0.00005,
      teardown: 'fin-both', activeCloser: 'client', clientState: 'TIME_WAIT', serverState: 'CLOSED',
      connState: id % 10 === 9 ? 'RSTO' : 'SF', history: 'ShADadFf', firstTime: first, lastTime: first + p * 1e-4,
      duration: p * 1e-4, packets: [Math.ceil(p / 2), Math.floor(p / 2)], bytes: [p * 60 + id, p * 80 + (id % 977)],
      payloadBytes: [p * 10, p * 20], retransmissions: 0, app: id % 3 === 0 ? 'TLS' : 'HTTP', openAtEnd: false,
      firstFrame: id * p + 1, lastFrame: id * p + p,
    };
  }

  timeline(connId: number, from = 0, to = this.perConn): TimelineEntry[] {
    const p = this.perConn;
    const out: TimelineEntry[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, p); i++) out.push(this.entry(connId, i));
    return out;
  }

  private entry(id: number, i: number): TimelineEntry {
    const p = this.perConn;
    let flags = '.';
    let bits = 0x10;
    let dir: 0 | 1 = (i % 2) as 0 | 1;
    let cs: TcpStateName = 'ESTABLISHED';
    let ss: TcpStateName = 'ESTABLISHED';
    let note = '';
    let len = 100;
    if (i === 0) { flags = 'S'; bits = 0x02; dir = 0; cs = 'SYN_SENT'; ss = 'LISTEN'; note = 'handshake 1/3: SYN'; len = 0; }
    else if (i === 1) { flags = 'S.'; bits = 0x12; dir = 1; cs = 'SYN_SENT'; ss = 'SYN_RECEIVED'; note = 'handshake 2/3: SYN-ACK'; len = 0; }
    else if (i === 2) { flags = '.'; bits = 0x10; dir = 0; note = 'handshake 3/3: ACK'; len = 0; }
    else if (i === p - 3) { flags = 'F.'; bits = 0x11; dir = 0; cs = 'FIN_WAIT_1'; note = 'teardown: FIN from client'; len = 0; }
    else if (i === p - 2) { flags = 'F.'; bits = 0x11; dir = 1; cs = 'FIN_WAIT_2'; ss = 'LAST_ACK'; note = 'teardown: FIN from server'; len = 0; }
    else if (i === p - 1) { flags = '.'; bits = 0x10; dir = 0; cs = 'TIME_WAIT'; ss = 'CLOSED'; note = 'teardown: last ACK'; len = 0; }
    const t = T0 + (id * p + i) * 1e-4;
    return {
      frameNumber: id * p + i + 1, time: t, relTime: i * 1e-4, dir, flags, flagBits: bits, seq: 1000 + i, ack: 2000 + i,
      relSeq: i, relAck: i, len, window: 65535, options: '', analysis: [], clientState: cs, serverState: ss, note,
      app: i === 3 ? [`HTTP GET /item/${id}`] : [], anomalies: [],
    };
  }

  udpCount(): number {
    return 0;
  }
  udpFlow(): ConnSummary | undefined {
    return undefined;
  }
}

/** A source of `total` empty frames in batches, with a pretend file size for the progress bar. */
export function fakeSource(total: number, batch = 4096, delayEveryBatches = 0, delayMs = 5): FrameSource {
  let read = 0;
  let closed = false;
  const info: CaptureInfo = {
    format: 'pcap', byteOrder: 'little', versionMajor: 2, versionMinor: 4, interfaces: [], comments: [], fileSize: total * 100,
  } as unknown as CaptureInfo;
  const frames: Frame[] = [];
  for (let i = 0; i < batch; i++) {
    frames.push({ number: 0, buf: new Uint8Array(0), offset: 0, capLen: 60, origLen: 60, tsSec: T0, tsNsec: 0, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined });
  }
  return {
    info,
    problems: [],
    get bytesRead() { return read * 100; },
    dropped: { pipeline: 0, kernel: 0 },
    close() { closed = true; },
    async *[Symbol.asyncIterator]() {
      let n = 0;
      while (read < total && !closed) {
        const k = Math.min(batch, total - read);
        const out = frames.slice(0, k);
        for (let i = 0; i < k; i++) {
          out[i]!.number = read + i + 1;
          out[i]!.tsSec = T0 + Math.floor((read + i) * 1e-4);
        }
        read += k;
        if (delayEveryBatches > 0 && ++n % delayEveryBatches === 0) await new Promise((r) => setTimeout(r, delayMs));
        yield out;
      }
    },
  } as FrameSource;
}
