/**
 * The seam between transport tracking (src/flow) and the application
 * analyzers (src/analyzers). Flow calls an `AppObserver` for every TCP
 * segment and UDP datagram after it has updated its own state; analyzers
 * never reach back into flow internals. The info objects are reused for every
 * call: copy what you keep.
 */

/** Direction of a packet within its connection: 0 = client→server, 1 = server→client. */
export type Dir = 0 | 1;

export interface TcpSegmentInfo {
  /** Connection id (0-based, same numbering as tshark's tcp.stream). */
  connId: number;
  dir: Dir;
  frameNumber: number;
  tsSec: number;
  tsNsec: number;
  /** Absolute sequence number of the first payload byte (SYN/FIN occupy their own seq). */
  seq: number;
  ack: number;
  flags: number;
  /** Payload bytes: buf[payloadOffset .. payloadOffset+payloadLen). */
  buf: Uint8Array;
  payloadOffset: number;
  payloadLen: number;
  /** Payload length on the wire (larger than payloadLen when truncated by snaplen). */
  payloadWireLen: number;
  /** Initial sequence number of this direction when known (SYN seen), else -1. */
  isn: number;
  /** Client and server ports, for analyzers that guess by port (QUIC, DNS). */
  clientPort: number;
  serverPort: number;
}

export interface UdpDatagramInfo {
  flowId: number;
  dir: Dir;
  frameNumber: number;
  tsSec: number;
  tsNsec: number;
  srcPort: number;
  dstPort: number;
  buf: Uint8Array;
  payloadOffset: number;
  payloadLen: number;
}

export interface AppObserver {
  tcpSegment(s: TcpSegmentInfo): void;
  /** The connection will get no more segments (closed and expired, evicted, or end of input). */
  tcpEnd(connId: number): void;
  udpDatagram(d: UdpDatagramInfo): void;
  /** End of input. */
  finish(): void;
}
