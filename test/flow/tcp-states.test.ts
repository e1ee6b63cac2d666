/**
 * Hand-checked TCP state cases. Expected values are written from outside our
 * code:
 * - endpoint states after each segment from the RFC 9293 state diagram
 *   (§3.3.2 Figure 5) and the sequences of §3.5 (Figure 6 handshake,
 *   Figure 7 simultaneous open, Figure 12 normal close, Figure 13
 *   simultaneous close); a receiver's new state is shown on the line of the
 *   segment it receives, as those figures do;
 * - conn_state and history from Zeek's documentation of conn.log
 *   (base/protocols/conn/main.zeek): S0 "attempt seen, no reply", SF "normal
 *   establishment and termination", REJ "attempt rejected", RSTO/RSTR
 *   "originator/responder sent a RST", RSTOS0, RSTRH, SH, SHR, S1, S2, S3,
 *   OTH; history letters s h a d f r t w, upper case for the originator,
 *   'a' 'd' recorded once per direction, 's' 'h' 'f' 'r' again only when the
 *   sequence number differs, 't' 'w' logarithmically (again at 10, 100, …).
 */
import { describe, expect, it } from 'vitest';
import { CLIENT, HANDSHAKE, SERVER, run, type Seg } from './segments.js';

type States = [string, string];

interface Case {
  name: string;
  segs: Seg[];
  /** [client, server] after each segment. */
  states: States[];
  connState: string;
  history: string;
  handshake?: string;
  teardown?: string;
  closer?: 'client' | 'server' | null;
  notes?: (string | RegExp | null)[];
}

const E = 'ESTABLISHED';
// Handshake states per Figure 6: A SYN-SENT / B SYN-RECEIVED; A ESTABLISHED / B SYN-RECEIVED; both ESTABLISHED.
const HS_STATES: States[] = [['SYN_SENT', 'SYN_RECEIVED'], [E, 'SYN_RECEIVED'], [E, E]];
// Client sends 10 bytes, server acknowledges them.
const DATA: Seg[] = [
  { from: 'C', flags: 'P.', seq: 101, ack: 301, len: 10 },
  { from: 'S', flags: '.', seq: 301, ack: 111 },
];
const DATA_STATES: States[] = [[E, E], [E, E]];

const cases: Case[] = [
  {
    name: 'normal open and close, client closes first (Figures 6 and 12)',
    segs: [...HANDSHAKE, ...DATA,
      { from: 'C', flags: 'F.', seq: 111, ack: 301 },
      { from: 'S', flags: '.', seq: 301, ack: 112 },
      { from: 'S', flags: 'F.', seq: 301, ack: 112 },
      { from: 'C', flags: '.', seq: 112, ack: 302 }],
    states: [...HS_STATES, ...DATA_STATES,
      ['FIN_WAIT_1', 'CLOSE_WAIT'], ['FIN_WAIT_2', 'CLOSE_WAIT'], ['TIME_WAIT', 'LAST_ACK'], ['TIME_WAIT', 'CLOSED']],
    connState: 'SF', history: 'ShADaFf', handshake: 'complete', teardown: 'fin-both', closer: 'client',
    notes: [/handshake 1\/3: SYN seq=x/, /handshake 2\/3: SYN-ACK seq=y ack=x\+1/, /handshake 3\/3: ACK ack=y\+1/, null, null,
      /FIN from client \(active close\)/, /ACK of the client's FIN/, /FIN from server \(passive close\)/, /last ACK/],
  },
  {
    name: 'server closes first',
    segs: [...HANDSHAKE, ...DATA,
      { from: 'S', flags: 'F.', seq: 301, ack: 111 },
      { from: 'C', flags: '.', seq: 111, ack: 302 },
      { from: 'C', flags: 'F.', seq: 111, ack: 302 },
      { from: 'S', flags: '.', seq: 302, ack: 112 }],
    states: [...HS_STATES, ...DATA_STATES,
      ['CLOSE_WAIT', 'FIN_WAIT_1'], ['CLOSE_WAIT', 'FIN_WAIT_2'], ['LAST_ACK', 'TIME_WAIT'], ['CLOSED', 'TIME_WAIT']],
    connState: 'SF', history: 'ShADafF', teardown: 'fin-both', closer: 'server',
  },
  {
    name: 'three-segment close (ACK piggybacked on the second FIN)',
    segs: [...HANDSHAKE, ...DATA,
      { from: 'C', flags: 'F.', seq: 111, ack: 301 },
      { from: 'S', flags: 'F.', seq: 301, ack: 112 },
      { from: 'C', flags: '.', seq: 112, ack: 302 }],
    states: [...HS_STATES, ...DATA_STATES,
      ['FIN_WAIT_1', 'CLOSE_WAIT'], ['TIME_WAIT', 'LAST_ACK'], ['TIME_WAIT', 'CLOSED']],
    connState: 'SF', history: 'ShADaFf', teardown: 'fin-both', closer: 'client',
    notes: [null, null, null, null, null, /active close/, /three-segment close/, /last ACK/],
  },
  {
    name: 'simultaneous close (Figure 13)',
    segs: [...HANDSHAKE, ...DATA,
      { from: 'C', flags: 'F.', seq: 111, ack: 301 },
      { from: 'S', flags: 'F.', seq: 301, ack: 111 },
      { from: 'C', flags: '.', seq: 112, ack: 302 },
      { from: 'S', flags: '.', seq: 302, ack: 112 }],
    // After the first FIN alone it looks like Figure 12; the server's FIN that does not
    // acknowledge it shows the FINs crossed: both CLOSING, then both TIME_WAIT.
    states: [...HS_STATES, ...DATA_STATES,
      ['FIN_WAIT_1', 'CLOSE_WAIT'], ['CLOSING', 'CLOSING'], ['CLOSING', 'TIME_WAIT'], ['TIME_WAIT', 'TIME_WAIT']],
    connState: 'SF', history: 'ShADaFf', teardown: 'fin-both', closer: 'client',
    notes: [null, null, null, null, null, /active close/, /simultaneous close/, null, null],
  },
  {
    name: 'half-close: the server keeps sending after the client\'s FIN',
    segs: [...HANDSHAKE, ...DATA,
      { from: 'C', flags: 'F.', seq: 111, ack: 301 },
      { from: 'S', flags: '.', seq: 301, ack: 112 },
      { from: 'S', flags: 'P.', seq: 301, ack: 112, len: 20 },
      { from: 'C', flags: '.', seq: 112, ack: 321 },
      { from: 'S', flags: 'F.', seq: 321, ack: 112 },
      { from: 'C', flags: '.', seq: 112, ack: 322 }],
    states: [...HS_STATES, ...DATA_STATES,
      ['FIN_WAIT_1', 'CLOSE_WAIT'], ['FIN_WAIT_2', 'CLOSE_WAIT'], ['FIN_WAIT_2', 'CLOSE_WAIT'],
      ['FIN_WAIT_2', 'CLOSE_WAIT'], ['TIME_WAIT', 'LAST_ACK'], ['TIME_WAIT', 'CLOSED']],
    connState: 'SF', history: 'ShADaFdf', teardown: 'fin-both', closer: 'client',
    notes: [null, null, null, null, null, null, null, /half-close: server still sends data after the client's FIN/, null, null, /last ACK/],
  },
  {
    name: 'RST from the client in ESTABLISHED',
    segs: [...HANDSHAKE, ...DATA, { from: 'C', flags: 'R.', seq: 111, ack: 301 }],
    states: [...HS_STATES, ...DATA_STATES, ['CLOSED', 'CLOSED']],
    connState: 'RSTO', history: 'ShADaR', teardown: 'rst-client', closer: null,
    notes: [null, null, null, null, null, /RST from client in ESTABLISHED/],
  },
  {
    name: 'RST from the server in ESTABLISHED',
    segs: [...HANDSHAKE, ...DATA, { from: 'S', flags: 'R', seq: 301 }],
    states: [...HS_STATES, ...DATA_STATES, ['CLOSED', 'CLOSED']],
    connState: 'RSTR', history: 'ShADar', teardown: 'rst-server',
    notes: [null, null, null, null, null, /RST from server in ESTABLISHED/],
  },
  {
    name: 'RST from the client in FIN_WAIT_2',
    segs: [...HANDSHAKE, ...DATA,
      { from: 'C', flags: 'F.', seq: 111, ack: 301 },
      { from: 'S', flags: '.', seq: 301, ack: 112 },
      { from: 'C', flags: 'R', seq: 112 }],
    states: [...HS_STATES, ...DATA_STATES, ['FIN_WAIT_1', 'CLOSE_WAIT'], ['FIN_WAIT_2', 'CLOSE_WAIT'], ['CLOSED', 'CLOSED']],
    // Zeek: the originator had closed (FIN) and then reset while the responder was not closed → RSTO.
    connState: 'RSTO', history: 'ShADaFR', teardown: 'rst-client', closer: 'client',
    notes: [null, null, null, null, null, null, null, /RST from client in FIN_WAIT_2/],
  },
  {
    name: 'RST from the server in CLOSE_WAIT',
    segs: [...HANDSHAKE, ...DATA,
      { from: 'C', flags: 'F.', seq: 111, ack: 301 },
      { from: 'S', flags: 'R.', seq: 301, ack: 112 }],
    states: [...HS_STATES, ...DATA_STATES, ['FIN_WAIT_1', 'CLOSE_WAIT'], ['CLOSED', 'CLOSED']],
    connState: 'RSTR', history: 'ShADaFr', teardown: 'rst-server', closer: 'client',
    notes: [null, null, null, null, null, null, /RST from server in CLOSE_WAIT/],
  },
  {
    name: 'RST from the client during the handshake (SYN_SENT), no SYN-ACK',
    segs: [{ from: 'C', flags: 'S', seq: 100 }, { from: 'C', flags: 'R', seq: 101 }],
    states: [['SYN_SENT', 'SYN_RECEIVED'], ['CLOSED', 'CLOSED']],
    connState: 'RSTOS0', history: 'SR', handshake: 'syn-only', teardown: 'rst-client',
  },
  {
    name: 'refused connection: SYN answered by RST,ACK',
    segs: [{ from: 'C', flags: 'S', seq: 100 }, { from: 'S', flags: 'R.', seq: 0, ack: 101 }],
    states: [['SYN_SENT', 'SYN_RECEIVED'], ['CLOSED', 'CLOSED']],
    connState: 'REJ', history: 'Sr', handshake: 'refused', teardown: 'rst-server',
    notes: [/handshake 1\/3/, /connection refused/],
  },
  {
    name: 'unanswered SYNs (two retransmissions)',
    segs: [{ from: 'C', flags: 'S', seq: 100, t: 0 }, { from: 'C', flags: 'S', seq: 100, t: 1 }, { from: 'C', flags: 'S', seq: 100, t: 3 }],
    states: [['SYN_SENT', 'SYN_RECEIVED'], ['SYN_SENT', 'SYN_RECEIVED'], ['SYN_SENT', 'SYN_RECEIVED']],
    connState: 'S0', history: 'S', handshake: 'syn-only', teardown: 'none',
    notes: [/handshake 1\/3/, /SYN retransmission #1/, /SYN retransmission #2/],
  },
  {
    name: 'SYN then FIN from the originator, no SYN-ACK (SH)',
    segs: [{ from: 'C', flags: 'S', seq: 100 }, { from: 'C', flags: 'F', seq: 101 }],
    states: [['SYN_SENT', 'SYN_RECEIVED'], ['FIN_WAIT_1', 'CLOSE_WAIT']],
    connState: 'SH', history: 'SF',
  },
  {
    name: 'established, not terminated (S1)',
    segs: [...HANDSHAKE],
    states: HS_STATES,
    connState: 'S1', history: 'ShA', handshake: 'complete', teardown: 'none',
  },
  {
    name: 'established, close attempt by the originator only (S2)',
    segs: [...HANDSHAKE, { from: 'C', flags: 'F.', seq: 101, ack: 301 }],
    states: [...HS_STATES, ['FIN_WAIT_1', 'CLOSE_WAIT']],
    connState: 'S2', history: 'ShAF', teardown: 'fin-client', closer: 'client',
  },
  {
    name: 'established, close attempt by the responder only (S3)',
    segs: [...HANDSHAKE, { from: 'S', flags: 'F.', seq: 301, ack: 101 }],
    states: [...HS_STATES, ['CLOSE_WAIT', 'FIN_WAIT_1']],
    connState: 'S3', history: 'ShAf', teardown: 'fin-server', closer: 'server',
  },
  {
    name: 'SYN-ACK without a SYN, then the responder resets (RSTRH)',
    segs: [{ from: 'S', flags: 'S.', seq: 300, ack: 101 }, { from: 'S', flags: 'R', seq: 301 }],
    states: [[E, 'SYN_RECEIVED'], ['CLOSED', 'CLOSED']],
    connState: 'RSTRH', history: '^hr', handshake: 'partial',
  },
  {
    name: 'SYN-ACK without a SYN, then the responder sends FIN (SHR)',
    segs: [{ from: 'S', flags: 'S.', seq: 300, ack: 101 }, { from: 'S', flags: 'F.', seq: 301, ack: 101 }],
    states: [[E, 'SYN_RECEIVED'], ['CLOSE_WAIT', 'FIN_WAIT_1']],
    connState: 'SHR', history: '^hf',
  },
  {
    name: 'mid-stream capture: roles inferred from the ports, OTH',
    segs: [
      { from: 'S', flags: 'P.', seq: 5000, ack: 9000, len: 100 },
      { from: 'C', flags: '.', seq: 9000, ack: 5100 },
      { from: 'C', flags: 'P.', seq: 9000, ack: 5100, len: 50 }],
    states: [[E, E], [E, E], [E, E]],
    connState: 'OTH', history: '^dAD', handshake: 'not-seen', teardown: 'none',
    notes: [/capture starts mid-connection \(roles inferred: server port 80 is below 1024\)/, null, null],
  },
  {
    name: 'retransmitted data: t once, again at the 10th (logarithmic)',
    segs: [...HANDSHAKE,
      { from: 'C', flags: 'P.', seq: 101, ack: 301, len: 10 },
      ...Array.from({ length: 10 }, (): Seg => ({ from: 'C', flags: 'P.', seq: 101, ack: 301, len: 10 }))],
    states: [...HS_STATES, ...Array.from({ length: 11 }, (): States => [E, E])],
    connState: 'S1', history: 'ShADTT',
  },
  {
    name: 'zero window advertised by the server',
    segs: [...HANDSHAKE, ...DATA.slice(0, 1), { from: 'S', flags: '.', seq: 301, ack: 111, window: 0 }],
    states: [...HS_STATES, [E, E], [E, E]],
    connState: 'S1', history: 'ShADaw',
  },
  {
    name: 'simultaneous open (Figure 7)',
    segs: [
      { from: 'C', flags: 'S', seq: 100 },
      { from: 'S', flags: 'S', seq: 300 },
      { from: 'C', flags: 'S.', seq: 100, ack: 301 },
      { from: 'S', flags: 'S.', seq: 300, ack: 101 }],
    // Figure 7: each side SYN-SENT, receives the other's SYN → SYN-RECEIVED, receives SYN,ACK → ESTABLISHED.
    states: [['SYN_SENT', 'SYN_RECEIVED'], ['SYN_RECEIVED', 'SYN_RECEIVED'], ['SYN_RECEIVED', E], [E, E]],
    // Zeek keeps one "last SYN" sequence number per side for SYN and SYN-ACK alike
    // (update_history in TCPSessionAdapter.cc): a SYN-ACK repeating the side's SYN seq adds no 'H'.
    connState: 'S1', history: 'Ss',
  },
];

describe('TCP endpoint states, conn_state and history (hand-checked)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const a = run(c.segs);
      expect(a.connCount()).toBe(1);
      const tl = a.timeline(0);
      expect(tl.map((e) => [e.clientState, e.serverState])).toEqual(c.states);
      const s = a.conn(0)!;
      expect(s.connState).toBe(c.connState);
      expect(s.history).toBe(c.history);
      if (c.handshake) expect(s.handshake).toBe(c.handshake);
      if (c.teardown) expect(s.teardown).toBe(c.teardown);
      if (c.closer !== undefined) expect(s.activeCloser).toBe(c.closer);
      expect([s.clientState, s.serverState]).toEqual(c.states[c.states.length - 1]);
      if (c.notes) {
        c.notes.forEach((n, i) => {
          if (n === null) return;
          expect(tl[i]!.note).toMatch(n);
        });
      }
    });
  }

  it('counts SYN retransmissions and measures the handshake RTTs', () => {
    const a = run([
      { from: 'C', flags: 'S', seq: 100, t: 0 },
      { from: 'C', flags: 'S', seq: 100, t: 1 },
      { from: 'S', flags: 'S.', seq: 300, ack: 101, t: 1.25 },
      { from: 'C', flags: '.', seq: 101, ack: 301, t: 1.5 }]);
    const s = a.conn(0)!;
    expect(s.synRetransmissions).toBe(1);
    expect(s.rttSynToSynAck).toBeCloseTo(0.25, 9);
    expect(s.rttSynAckToAck).toBeCloseTo(0.25, 9);
    expect(s.handshake).toBe('complete');
    expect(s.openAtEnd).toBe(true);
    const tl = a.timeline(0);
    expect(tl[3]!.note).toMatch(/open at end of capture/);
  });

  it('checks that the handshake numbers relate, and says so when they do not', () => {
    const a = run([
      { from: 'C', flags: 'S', seq: 100 },
      { from: 'S', flags: 'S.', seq: 300, ack: 105 },
      { from: 'C', flags: '.', seq: 101, ack: 302 }]);
    const tl = a.timeline(0);
    expect(tl[1]!.note).toMatch(/ack≠x\+1!/);
    expect(tl[2]!.note).toMatch(/ack≠y\+1!/);
  });

  it('port reuse: a new SYN with another ISN on a closed tuple starts connection 1', () => {
    const close: Seg[] = [...HANDSHAKE,
      { from: 'C', flags: 'F.', seq: 101, ack: 301 },
      { from: 'S', flags: 'F.', seq: 301, ack: 102 },
      { from: 'C', flags: '.', seq: 102, ack: 302 }];
    const again: Seg[] = [
      { from: 'C', flags: 'S', seq: 7000 },
      { from: 'S', flags: 'S.', seq: 9000, ack: 7001 },
      { from: 'C', flags: '.', seq: 7001, ack: 9001 }];
    const a = run([...close, ...again]);
    expect(a.connCount()).toBe(2);
    expect(a.conn(0)!.packets).toEqual([4, 2]);
    expect(a.conn(0)!.connState).toBe('SF');
    expect(a.conn(1)!.packets).toEqual([2, 1]);
    expect(a.conn(1)!.connState).toBe('S1');
    expect(a.conn(1)!.history).toBe('ShA');
    const tl = a.timeline(1);
    expect(tl[0]!.note).toMatch(/reused ports/);
    expect(tl.map((e) => [e.clientState, e.serverState])).toEqual(HS_STATES);
    expect(tl[0]!.relSeq).toBe(0);
  });

  it('a retransmitted SYN (same ISN) stays in its connection', () => {
    const a = run([{ from: 'C', flags: 'S', seq: 100 }, { from: 'C', flags: 'S', seq: 100 }, ...HANDSHAKE.slice(1)]);
    expect(a.connCount()).toBe(1);
    expect(a.conn(0)!.synRetransmissions).toBe(1);
  });

  it('client and server come from the SYN, whichever port is lower', () => {
    const c = { ip: '192.168.1.5', port: 22 };
    const s = { ip: '192.168.1.9', port: 50000 };
    const a = run(HANDSHAKE.map((x) => ({ ...x, client: c, server: s })));
    const sum = a.conn(0)!;
    expect(sum.client).toEqual(c);
    expect(sum.server).toEqual(s);
    expect(sum.rolesInferred).toBe(false);
  });

  it('relative seq/ack: from the ISN, and from the first seen seq when the SYN is missing', () => {
    const a = run([
      { from: 'S', flags: 'P.', seq: 5000, ack: 9000, len: 100 },
      { from: 'C', flags: '.', seq: 9000, ack: 5100 }]);
    const tl = a.timeline(0);
    // tshark: the first segment seen has relative seq 1; the peer's numbers start at ack-1.
    expect([tl[0]!.relSeq, tl[0]!.relAck]).toEqual([1, 1]);
    expect([tl[1]!.relSeq, tl[1]!.relAck]).toEqual([1, 101]);
    const sum = a.conn(0)!;
    expect(sum.rolesInferred).toBe(true);
    expect(sum.client).toEqual(CLIENT);
    expect(sum.server).toEqual(SERVER);
  });

  it('sequence numbers wrap around 2^32', () => {
    const isn = 0xffffff00;
    const a = run([
      { from: 'C', flags: 'S', seq: isn },
      { from: 'S', flags: 'S.', seq: 300, ack: isn + 1 },
      { from: 'C', flags: '.', seq: isn + 1, ack: 301 },
      { from: 'C', flags: 'P.', seq: isn + 1, ack: 301, len: 1000 },
      { from: 'S', flags: '.', seq: 301, ack: isn + 1001 },
      { from: 'C', flags: 'F.', seq: isn + 1001, ack: 301 },
      { from: 'S', flags: 'F.', seq: 301, ack: isn + 1002 },
      { from: 'C', flags: '.', seq: isn + 1002, ack: 302 }]);
    const tl = a.timeline(0);
    expect(tl[4]!.relAck).toBe(1001);
    expect(tl[5]!.relSeq).toBe(1001);
    expect(a.conn(0)!.connState).toBe('SF');
    expect([a.conn(0)!.clientState, a.conn(0)!.serverState]).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(a.conn(0)!.retransmissions).toBe(0);
  });
});
