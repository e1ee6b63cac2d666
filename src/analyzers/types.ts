/**
 * What the application layer exposes to the rest of synack. The concrete
 * composition lives in src/analyzers/index.ts (`createAppLayer()`).
 */
import type { AnomalyCode } from '../decode/anomalies.js';
import type { AppObserver, Dir } from '../flow/hooks.js';

/** One application event, shown inline on the timeline and in `packets`. Text is already neutralised. */
export interface AppEvent {
  frameNumber: number;
  transport: 'tcp' | 'udp';
  /** TCP connection id or UDP flow id. */
  connId: number;
  dir: Dir;
  /** 'HTTP' | 'TLS' | 'HTTP2' | 'WebSocket' | 'DNS' | 'QUIC' | … */
  proto: string;
  text: string;
  /** Set when the event reports a problem (e.g. app_parse_error, app_limit); the text says what. */
  anomaly?: AnomalyCode;
}

export interface HttpTransaction {
  connId: number;
  /** 1-based index of the request on its connection (keep-alive made visible). */
  index: number;
  pipelined: boolean;
  method: string;
  host: string;
  uri: string;
  version: string;
  status: number | null;
  reason: string;
  contentType: string;
  requestHeaders: [string, string][];
  responseHeaders: [string, string][];
  requestBodyWire: number;
  responseBodyWire: number;
  responseBodyDecoded: number;
  /** 'keep-alive' | 'close' | 'http1.0-close' | … as negotiated. */
  persistence: string;
  requestFrames: number[];
  responseFrames: number[];
  /** Seconds since the epoch (float) or null when not seen. */
  requestStart: number;
  requestEnd: number | null;
  responseStart: number | null;
  responseEnd: number | null;
}

export interface DnsTransaction {
  /** UDP flow id or TCP connection id. */
  flowId: number;
  transport: 'udp' | 'tcp';
  id: number;
  name: string;
  type: string;
  rcode: string | null;
  answers: string[];
  queryFrame: number;
  responseFrame: number | null;
  queryTime: number;
  responseTime: number | null;
  client: string;
  server: string;
  /** Direction the query travelled within its flow (0 = from the flow's client side); for a response whose query was not seen, the opposite of the response's. */
  queryDir?: Dir;
}

export interface AppLayer extends AppObserver {
  /** Events in frame order. */
  readonly events: AppEvent[];
  /**
   * The events of one connection (or flow) from index `from` of `events` on,
   * appended to `out`; returns the index where `events` ends, to continue
   * from later. Builds no objects for other connections' events.
   */
  connEvents?(transport: 'tcp' | 'udp', connId: number, from: number, out: AppEvent[]): number;
  readonly http: HttpTransaction[];
  readonly dns: DnsTransaction[];
  /** Label for a TCP connection ("HTTP", "TLS1.3 h2 www.example.com", "HTTP2", "WebSocket"), "" if unknown. */
  tcpLabel(connId: number): string;
  /** Label for a UDP flow ("DNS", "QUIC", "HTTP3"), "" if unknown. */
  udpLabel(flowId: number): string;
  /** Reassembled stream of a connection for "follow stream": chunks in order with their direction. */
  stream(connId: number): { dir: Dir; data: Uint8Array; frameNumber: number }[] | undefined;
}
