/**
 * TCP endpoint states, two vocabularies:
 *
 * 1. RFC 9293 §3.3.2 state names (`St`), inferred per endpoint from the
 *    segments it sends and receives as seen at the capture point. These are
 *    what the timeline shows after every segment.
 * 2. Zeek's endpoint states (`Zs`: INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL,
 *    ESTABLISHED, CLOSED, RESET — zeek/src/analyzer/protocol/tcp/TCP_Endpoint.h),
 *    which Zeek's `conn_state` is defined over. Keeping them separately lets
 *    `connState()` be the same pure function as Zeek's
 *    base/protocols/conn/main.zeek, with the same meanings.
 *
 * Both are small integers so they fit the per-packet records (4 bits each).
 */
import type { TcpStateName } from './model.js';

/** RFC 9293 states (plus UNKNOWN = 0, for a side we cannot infer). */
export const St = {
  UNKNOWN: 0,
  LISTEN: 1,
  SYN_SENT: 2,
  SYN_RECEIVED: 3,
  ESTABLISHED: 4,
  FIN_WAIT_1: 5,
  FIN_WAIT_2: 6,
  CLOSING: 7,
  TIME_WAIT: 8,
  CLOSE_WAIT: 9,
  LAST_ACK: 10,
  CLOSED: 11,
} as const;
export type St = (typeof St)[keyof typeof St];

export const ST_NAMES: readonly TcpStateName[] = [
  'UNKNOWN', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2',
  'CLOSING', 'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED',
];

export function stName(s: number): TcpStateName {
  return ST_NAMES[s] ?? 'UNKNOWN';
}

/** Zeek's TCP endpoint states (TCP_ENDPOINT_*). */
export const Zs = {
  INACTIVE: 0,
  SYN_SENT: 1,
  SYN_ACK_SENT: 2,
  PARTIAL: 3,
  ESTABLISHED: 4,
  CLOSED: 5,
  RESET: 6,
} as const;
export type Zs = (typeof Zs)[keyof typeof Zs];

/**
 * Zeek's `conn_state` for a TCP connection, transcribed from
 * `Conn::conn_state()` in zeek/scripts/base/protocols/conn/main.zeek.
 * Pure: both endpoints' Zeek states, the history string, and the payload
 * sizes Zeek computes from sequence numbers (`c$orig$size`, `c$resp$size`).
 *
 * Meanings (Zeek's documentation of the conn_state field):
 *   S0     Connection attempt seen, no reply.
 *   S1     Connection established, not terminated.
 *   SF     Normal establishment and termination.
 *   REJ    Connection attempt rejected.
 *   S2     Established, close attempt by originator seen (no reply from responder).
 *   S3     Established, close attempt by responder seen (no reply from originator).
 *   RSTO   Established, originator aborted (sent a RST).
 *   RSTR   Responder sent a RST.
 *   RSTOS0 Originator sent a SYN followed by a RST, never saw a SYN-ACK.
 *   RSTRH  Responder sent a SYN ACK followed by a RST, never saw a SYN from the originator.
 *   SH     Originator sent a SYN followed by a FIN, never saw a SYN ACK ("half" open).
 *   SHR    Responder sent a SYN ACK followed by a FIN, never saw a SYN from the originator.
 *   OTH    No SYN seen, just midstream traffic.
 */
export function connState(os: number, rs: number, history: string, origSize: number, respSize: number): string {
  const oInactive = os === Zs.INACTIVE || os === Zs.PARTIAL;
  const rInactive = rs === Zs.INACTIVE || rs === Zs.PARTIAL;
  if (rs === Zs.RESET) {
    if (os === Zs.SYN_SENT || os === Zs.SYN_ACK_SENT || (os === Zs.RESET && origSize === 0 && respSize === 0)) return 'REJ';
    if (oInactive) return 'RSTRH';
    return 'RSTR';
  }
  if (os === Zs.RESET) {
    if (rInactive) {
      // Zeek: /\^?S[^HAFGIQ]*R.*/ == c$history (a full match).
      if (/^\^?S[^HAFGIQ]*R.*$/.test(history)) return 'RSTOS0';
      return 'OTH';
    }
    return 'RSTO';
  }
  if (rs === Zs.CLOSED && os === Zs.CLOSED) return 'SF';
  if (os === Zs.CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === Zs.CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === Zs.SYN_SENT && rs === Zs.INACTIVE) return 'S0';
  if (os === Zs.ESTABLISHED && rs === Zs.ESTABLISHED) return 'S1';
  return 'OTH';
}

/** Zeek's conn_state for UDP: whether each side sent anything. */
export function udpConnState(origActive: boolean, respActive: boolean): string {
  if (origActive) return respActive ? 'SF' : 'S0';
  return respActive ? 'SHR' : 'OTH';
}

/** Meanings of the conn_state values (Zeek's documentation), for help text and JSON consumers. */
export const CONN_STATE_MEANINGS: Readonly<Record<string, string>> = {
  S0: 'Connection attempt seen, no reply.',
  S1: 'Connection established, not terminated.',
  SF: 'Normal establishment and termination.',
  REJ: 'Connection attempt rejected.',
  S2: 'Connection established and close attempt by originator seen (but no reply from responder).',
  S3: 'Connection established and close attempt by responder seen (but no reply from originator).',
  RSTO: 'Connection established, originator aborted (sent a RST).',
  RSTR: 'Responder sent a RST.',
  RSTOS0: 'Originator sent a SYN followed by a RST, we never saw a SYN-ACK from the responder.',
  RSTRH: 'Responder sent a SYN ACK followed by a RST, we never saw a SYN from the (purported) originator.',
  SH: 'Originator sent a SYN followed by a FIN, we never saw a SYN ACK from the responder (hence the connection was "half" open).',
  SHR: 'Responder sent a SYN ACK followed by a FIN, we never saw a SYN from the originator.',
  OTH: 'No SYN seen, just midstream traffic (one example of this is a "partial connection" that was not later closed).',
};

/** Meanings of the history letters (Zeek's documentation); upper case = originator, lower = responder. */
export const HISTORY_MEANINGS: Readonly<Record<string, string>> = {
  s: 'a SYN w/o the ACK bit set',
  h: 'a SYN+ACK ("handshake")',
  a: 'a pure ACK',
  d: 'packet with payload ("data")',
  f: 'packet with FIN bit set',
  r: 'packet with RST bit set',
  c: 'packet with a bad checksum (applies to UDP too)',
  g: 'a content gap',
  t: 'packet with retransmitted payload',
  w: 'packet with a zero window advertisement',
  i: 'inconsistent packet (e.g. FIN+RST bits set)',
  q: 'multi-flag packet (SYN+FIN or SYN+RST bits set)',
  '^': "connection direction was flipped by the role heuristic",
  x: 'connection analysis partial (e.g. limits exceeded)',
};

/** Bits of Zeek's per-connection "history seen" mask (Connection::CheckHistory); responder's are << 16. */
export const Hist = {
  SYN: 0x1,
  FIN: 0x2,
  RST: 0x4,
  FIN_RST: 0x8,
  DATA: 0x10,
  ACK: 0x20,
  MULTI_FLAG: 0x40,
} as const;
