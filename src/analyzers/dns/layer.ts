/**
 * An application layer that decodes DNS only (UDP and TCP on ports 53,
 * 5353 and 5355), for `synack dns`: nothing else is parsed or kept, so a
 * large capture costs little more than decoding and flow tracking.
 */
import type { AnomalyCode } from '../../decode/anomalies.js';
import type { Dir, TcpSegmentInfo, UdpDatagramInfo } from '../../flow/hooks.js';
import { DEFAULT_REASSEMBLY_LIMITS, ReassemblyBudget, type StreamChunk, type StreamSink, TcpReassembler } from '../reassembly.js';
import type { AppEvent, AppLayer, DnsTransaction, HttpTransaction } from '../types.js';
import { DnsTracker } from './tracker.js';

/** Ports where DNS is decoded: DNS (53), mDNS (5353, RFC 6762), LLMNR (5355, RFC 4795). */
export function isDnsPort(port: number): boolean {
  return port === 53 || port === 5353 || port === 5355;
}

class DnsTcpConn implements StreamSink {
  readonly reasm: TcpReassembler;
  constructor(private readonly tracker: DnsTracker, private readonly connId: number, budget: ReassemblyBudget) {
    this.reasm = new TcpReassembler(this, budget, false);
  }
  data(dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number): void {
    this.tracker.tcpPush(this.connId, dir, buf, offset, length, frameNumber, time, '', '');
  }
  gap(dir: Dir): void { this.tracker.tcpGap(this.connId, dir); }
  end(): void {}
  marker(_code: AnomalyCode, _dir: Dir, _frameNumber: number, _time: number, _detail: string): void {}
}

export class DnsLayer implements AppLayer {
  readonly events: AppEvent[] = [];
  readonly http: HttpTransaction[] = [];
  readonly tracker = new DnsTracker((e) => this.events.push(e));
  private readonly budget = new ReassemblyBudget(DEFAULT_REASSEMBLY_LIMITS);
  private readonly tcp = new Map<number, DnsTcpConn>();
  private readonly udpFlows = new Set<number>();
  private readonly tcpConns = new Set<number>();

  get dns(): DnsTransaction[] { return this.tracker.transactions; }

  tcpSegment(s: TcpSegmentInfo): void {
    if (!isDnsPort(s.serverPort) && !isDnsPort(s.clientPort)) return;
    let c = this.tcp.get(s.connId);
    if (!c) { c = new DnsTcpConn(this.tracker, s.connId, this.budget); this.tcp.set(s.connId, c); this.tcpConns.add(s.connId); }
    c.reasm.segment(s, s.tsSec + s.tsNsec * 1e-9);
  }

  tcpEnd(connId: number): void {
    const c = this.tcp.get(connId);
    if (!c) return;
    c.reasm.finish();
    c.reasm.dispose();
    this.tcp.delete(connId);
    this.tracker.tcpEnd(connId);
  }

  udpDatagram(d: UdpDatagramInfo): void {
    if (!isDnsPort(d.srcPort) && !isDnsPort(d.dstPort)) return;
    this.udpFlows.add(d.flowId);
    this.tracker.udp(d.flowId, d.dir, d.buf, d.payloadOffset, d.payloadLen, d.frameNumber, d.tsSec + d.tsNsec * 1e-9, '', '');
  }

  finish(): void {
    for (const id of [...this.tcp.keys()]) this.tcpEnd(id);
    this.tracker.finish();
  }

  tcpLabel(connId: number): string { return this.tcpConns.has(connId) ? 'DNS' : ''; }
  udpLabel(flowId: number): string { return this.udpFlows.has(flowId) ? 'DNS' : ''; }
  stream(): StreamChunk[] | undefined { return undefined; }
}
