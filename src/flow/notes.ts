/**
 * Textbook annotations of timeline rows: a code per record (1 byte plus a
 * 1-byte argument), turned into text only when a row is built.
 *
 * Wording follows the classic figures: the three-way handshake of RFC 9293
 * §3.5 Figure 6 ("SYN seq=x", "SYN,ACK seq=y ack=x+1", "ACK ack=y+1"), the
 * normal close of Figure 12, the simultaneous close of Figure 13, half-close
 * (RFC 9293 §3.6: a side that has sent FIN may keep receiving), and resets
 * (§3.5.2, §3.5.3).
 */
import { stName } from './tcp-state.js';

export const Note = {
  NONE: 0,
  /** handshake 1/3: SYN (arg: 0) */
  SYN: 1,
  /** SYN retransmission (arg: ordinal, 1 = first retransmission) */
  SYN_RETX: 2,
  /** simultaneous open: SYN from the server while the client's SYN is outstanding */
  SYN_SIMUL: 3,
  /** handshake 2/3: SYN-ACK, ack = x+1 */
  SYNACK: 4,
  /** handshake 2/3 with ack ≠ x+1 */
  SYNACK_BADACK: 5,
  /** SYN-ACK whose SYN was not captured */
  SYNACK_NOSYN: 6,
  SYNACK_RETX: 7,
  /** handshake 3/3: ACK, ack = y+1 */
  HS_ACK: 8,
  HS_ACK_BAD: 9,
  /** first FIN: active close */
  FIN_ACTIVE: 10,
  /** second FIN, after the first one was acknowledged in an earlier segment */
  FIN_PASSIVE: 11,
  /** second FIN that also acknowledges the first (three-segment close) */
  FIN_PIGGY: 12,
  /** second FIN that does not acknowledge the first: the FINs crossed (simultaneous close) */
  FIN_SIMUL: 13,
  /** ACK of the first FIN */
  FIN_ACK: 14,
  /** ACK of the second FIN */
  LAST_ACK: 15,
  FIN_RETX: 16,
  /** data from a side after the other side's FIN (half-close) */
  HALF_CLOSE_DATA: 17,
  /** new data after this side's own FIN */
  DATA_AFTER_FIN: 18,
  /** RST answering the SYN: connection refused */
  RST_REFUSED: 19,
  /** RST aborting the connection (arg: sender's state before) */
  RST_ABORT: 20,
  /** RST after the connection was closed (arg: sender's state before) */
  RST_AFTER_CLOSE: 21,
  /** segment after a RST */
  AFTER_RST: 22,
  /** first packet of a connection whose start was not captured */
  MIDSTREAM: 23,
  /** simultaneous open: SYN-ACK from the client */
  SYNACK_SIMUL: 24,
  /** another RST after a RST (arg: sender's state before) */
  RST_AGAIN: 25,
} as const;

const SIDE = ['client', 'server'] as const;

/** Facts about the connection a note's text may need. */
export interface NoteContext {
  /** Sender of the row: 0 client, 1 server. */
  dir: 0 | 1;
  relSeq: number;
  relAck: number;
  /** Connection was started on a reused tuple. */
  portReuse: boolean;
  rolesRule: string;
}

/** The note text of a record's code, or "" for none. */
export function noteText(code: number, arg: number, c: NoteContext): string {
  const me = SIDE[c.dir];
  const peer = SIDE[c.dir ^ 1];
  switch (code) {
    case Note.SYN: return `handshake 1/3: SYN seq=x${c.portReuse ? ' (new connection on reused ports)' : ''}`;
    case Note.SYN_RETX: return `handshake 1/3: SYN retransmission #${arg} (same seq=x)`;
    case Note.SYN_SIMUL: return 'simultaneous open: SYN from server crosses the client\'s SYN';
    case Note.SYNACK: return 'handshake 2/3: SYN-ACK seq=y ack=x+1';
    case Note.SYNACK_BADACK: return `handshake 2/3: SYN-ACK seq=y, ack≠x+1! (ack=x${fmtOff(c.relAck)})`;
    case Note.SYNACK_NOSYN: return 'handshake 2/3: SYN-ACK seq=y (the SYN was not captured)';
    case Note.SYNACK_RETX: return 'handshake 2/3: SYN-ACK retransmission';
    case Note.SYNACK_SIMUL: return 'simultaneous open: SYN-ACK from client';
    case Note.HS_ACK: return 'handshake 3/3: ACK ack=y+1 — connection established';
    case Note.HS_ACK_BAD: return `handshake 3/3: ACK, ack≠y+1! (ack=y${fmtOff(c.relAck)})`;
    case Note.FIN_ACTIVE: return `teardown: FIN from ${me} (active close)`;
    case Note.FIN_PASSIVE: return `teardown: FIN from ${me} (passive close)`;
    case Note.FIN_PIGGY: return `teardown: FIN+ACK from ${me}, ACK of the ${peer}'s FIN piggybacked (three-segment close)`;
    case Note.FIN_SIMUL: return `teardown: FIN from ${me} crosses the ${peer}'s FIN (simultaneous close)`;
    case Note.FIN_ACK: return `teardown: ACK of the ${peer}'s FIN`;
    case Note.LAST_ACK: return `teardown: last ACK (of the ${peer}'s FIN)`;
    case Note.FIN_RETX: return `teardown: FIN retransmission from ${me}`;
    case Note.HALF_CLOSE_DATA: return `half-close: ${me} still sends data after the ${peer}'s FIN`;
    case Note.DATA_AFTER_FIN: return `data from ${me} after its own FIN!`;
    case Note.RST_REFUSED: return 'RST from server: connection refused';
    case Note.RST_ABORT: return `RST from ${me} in ${stName(arg)}: connection aborted`;
    case Note.RST_AFTER_CLOSE: return `RST from ${me} in ${stName(arg)}, after the close`;
    case Note.RST_AGAIN: return `RST from ${me} again`;
    case Note.AFTER_RST: return `segment from ${me} after the connection was reset`;
    case Note.MIDSTREAM: return `capture starts mid-connection (roles inferred: ${c.rolesRule})`;
  }
  return '';
}

function fmtOff(rel: number): string {
  // rel is relative to the ISN: x+1 is 1; show the offset from x.
  const d = rel | 0;
  return d >= 0 ? `+${d}` : `${d}`;
}
