/**
 * The plain objects that leave the analysis for the CLI, the dashboard and
 * JSON output (STYLE principle 1: summaries at the edge). They are built on
 * demand from compact internal records, never kept per packet.
 */
import type { Dir } from './hooks.js';

/** RFC 9293 §3.3.2 state names, plus UNKNOWN for a side we cannot infer yet. */
export type TcpStateName =
  | 'LISTEN' | 'SYN_SENT' | 'SYN_RECEIVED' | 'ESTABLISHED' | 'FIN_WAIT_1' | 'FIN_WAIT_2'
  | 'CLOSING' | 'TIME_WAIT' | 'CLOSE_WAIT' | 'LAST_ACK' | 'CLOSED' | 'UNKNOWN';

export interface Endpoint {
  ip: string;
  port: number;
}

export type HandshakeKind = 'complete' | 'syn-only' | 'refused' | 'not-seen' | 'partial';
export type TeardownKind = 'fin-both' | 'fin-client' | 'fin-server' | 'rst-client' | 'rst-server' | 'none';

export interface ConnSummary {
  /** 0-based id; equals tshark's tcp.stream for TCP. */
  id: number;
  proto: 'tcp' | 'udp';
  client: Endpoint;
  server: Endpoint;
  /** True when client/server roles were inferred (no SYN seen), see README for the rule. */
  rolesInferred: boolean;
  handshake: HandshakeKind;
  synRetransmissions: number;
  /** SYN→SYN-ACK and SYN-ACK→ACK in seconds, or null. */
  rttSynToSynAck: number | null;
  rttSynAckToAck: number | null;
  teardown: TeardownKind;
  activeCloser: 'client' | 'server' | null;
  /** States after the last segment. */
  clientState: TcpStateName;
  serverState: TcpStateName;
  /** Zeek conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH). */
  connState: string;
  /** Zeek history string. */
  history: string;
  /** Seconds since the epoch (float) of first and last packet. */
  firstTime: number;
  lastTime: number;
  duration: number;
  /** Index 0 = client→server, 1 = server→client. Bytes are frame bytes (as tshark conv counts). */
  packets: [number, number];
  bytes: [number, number];
  payloadBytes: [number, number];
  retransmissions: number;
  /** Application protocol label, e.g. "HTTP", "TLS1.3 h2 www.example.com", "DNS"; "" if unknown. */
  app: string;
  /** Still open at the end of the capture (no FIN/RST completion). */
  openAtEnd: boolean;
  /** First and last frame numbers. */
  firstFrame: number;
  lastFrame: number;
}

export interface TimelineEntry {
  frameNumber: number;
  /** Seconds since the epoch (float), and relative to the connection's first packet. */
  time: number;
  relTime: number;
  dir: Dir;
  /** Flags in tcpdump's notation: "S", "S.", ".", "P.", "F.", "R", "R." … */
  flags: string;
  /** Raw flag bits (see TcpFlag). */
  flagBits: number;
  seq: number;
  ack: number;
  relSeq: number;
  relAck: number;
  len: number;
  /** Window after scaling once the scale factor is known; raw value otherwise. */
  window: number;
  /** Options in short form: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7". */
  options: string;
  /** Wireshark-style TCP analysis flags, e.g. ["retransmission", "dup_ack 2"]. */
  analysis: string[];
  clientState: TcpStateName;
  serverState: TcpStateName;
  /** Textbook annotation, e.g. "handshake 1/3: SYN seq=x" or "teardown: FIN from client". */
  note: string;
  /** Application events on this frame (HTTP request line, TLS ClientHello SNI=…), already safe text. */
  app: string[];
  /** Anomalies on the frame, already safe text. */
  anomalies: string[];
}
