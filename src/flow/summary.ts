/**
 * Builds the plain objects of model.ts (ConnSummary, TimelineEntry) from the
 * compact stores, on demand. Nothing here runs per packet.
 */
import { Anomaly } from '../decode/anomalies.js';
import { TcpFlag } from '../decode/decoded.js';
import { ipv6ToString } from '../decode/stack.js';
import { CF, type ConnStore } from './conn-store.js';
import type { Dir } from './hooks.js';
import type { ConnSummary, HandshakeKind, TeardownKind, TimelineEntry } from './model.js';
import { Note, noteText } from './notes.js';
import { describeAnalysis } from './tcp-analysis.js';
import { connState, stName, udpConnState } from './tcp-state.js';
import { roleReason, type TcpTracker } from './tcp-tracker.js';
import {
  R_ACK, R_AN, R_DUPOPT, R_FLAGSWIN, R_FRAME, R_LEN, R_NEXT, R_RELACK, R_RELSEQ, R_SEQ, R_STNOTE, R_TIME_F64, RS, idx,
} from './timeline-store.js';
import type { UdpTracker } from './udp-tracker.js';

/** Text of the address stored at `addr[off..off+4)` for IP version `ipv`. */
export function addrText(addr: Uint32Array, off: number, ipv: number): string {
  if (ipv === 4) {
    const a = addr[off + 3]!;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  return ipv6ToString(addr, off);
}

export function handshakeKind(f: number): HandshakeKind {
  // A handshake completed after a RST to the SYN (an injected RST) still counts as complete.
  if ((f & CF.SYN) !== 0 && (f & CF.SYNACK) !== 0 && (f & CF.HS_ACK) !== 0) return 'complete';
  if ((f & CF.REFUSED) !== 0) return 'refused';
  if ((f & CF.SYN) !== 0 && (f & CF.SYNACK) === 0) return 'syn-only';
  if ((f & (CF.SYN | CF.SYNACK)) === 0) return 'not-seen';
  return 'partial';
}

export function teardownKind(f: number): TeardownKind {
  const finBoth = (f & CF.FIN_C) !== 0 && (f & CF.FIN_S) !== 0;
  const rst = (f & (CF.RST_C | CF.RST_S)) !== 0;
  if ((f & CF.FIN_BOTH_BEFORE_RST) !== 0 || (finBoth && !rst)) return 'fin-both';
  if (rst) return (f & CF.FIRST_RST_S) !== 0 ? 'rst-server' : 'rst-client';
  if ((f & CF.FIN_C) !== 0) return 'fin-client';
  if ((f & CF.FIN_S) !== 0) return 'fin-server';
  return 'none';
}

function nullable(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

/** Summary of TCP connection `id`; `label` is the application label (already safe). */
export function tcpSummary(tr: TcpTracker, id: number, label: string): ConnSummary {
  const s = tr.store;
  const x = id & s.mask;
  const z = x * 2;
  const f = s.flags[x]!;
  const ipv = s.ipv[x]!;
  const handshake = handshakeKind(f);
  const teardown = teardownKind(f);
  const history = s.history(id);
  const firstTime = s.firstTime[x]!;
  const lastTime = s.lastTime[x]!;
  const rst = (f & (CF.RST_C | CF.RST_S)) !== 0;
  const finBoth = (f & CF.FIN_C) !== 0 && (f & CF.FIN_S) !== 0;
  return {
    id,
    proto: 'tcp',
    client: { ip: addrText(s.addr, x * 8, ipv), port: s.port[z]! },
    server: { ip: addrText(s.addr, x * 8 + 4, ipv), port: s.port[z + 1]! },
    rolesInferred: (f & CF.ROLES_INFERRED) !== 0,
    handshake,
    synRetransmissions: Math.max(0, s.synCount[x]! - 1),
    rttSynToSynAck: nullable(s.rtt1[x]!),
    rttSynAckToAck: nullable(s.rtt2[x]!),
    teardown,
    activeCloser: (f & (CF.FIN_C | CF.FIN_S)) === 0 ? null : (f & CF.FIRST_FIN_S) !== 0 ? 'server' : 'client',
    clientState: stName(s.st[z]!),
    serverState: stName(s.st[z + 1]!),
    connState: connState(s.zs[z]!, s.zs[z + 1]!, history, tr.zeekSize(id, 0), tr.zeekSize(id, 1)),
    history,
    firstTime,
    lastTime,
    duration: lastTime - firstTime,
    packets: [s.pkts[z]!, s.pkts[z + 1]!],
    bytes: [s.bytes[z]!, s.bytes[z + 1]!],
    payloadBytes: [s.payload[z]!, s.payload[z + 1]!],
    retransmissions: s.retrans[x]!,
    app: label,
    openAtEnd: !rst && !finBoth && handshake !== 'syn-only' && handshake !== 'refused',
    firstFrame: s.firstFrame[x]!,
    lastFrame: s.lastFrame[x]!,
  };
}

export function udpSummary(tr: UdpTracker, id: number, label: string): ConnSummary {
  const s: ConnStore = tr.store;
  const x = id & s.mask;
  const z = x * 2;
  const f = s.flags[x]!;
  const ipv = s.ipv[x]!;
  const firstTime = s.firstTime[x]!;
  const lastTime = s.lastTime[x]!;
  return {
    id,
    proto: 'udp',
    client: { ip: addrText(s.addr, x * 8, ipv), port: s.port[z]! },
    server: { ip: addrText(s.addr, x * 8 + 4, ipv), port: s.port[z + 1]! },
    rolesInferred: (f & CF.ROLES_INFERRED) !== 0,
    handshake: 'not-seen',
    synRetransmissions: 0,
    rttSynToSynAck: null,
    rttSynAckToAck: null,
    teardown: 'none',
    activeCloser: null,
    clientState: 'UNKNOWN',
    serverState: 'UNKNOWN',
    connState: udpConnState(tr.active(id, 0), tr.active(id, 1)),
    history: s.history(id),
    firstTime,
    lastTime,
    duration: lastTime - firstTime,
    packets: [s.pkts[z]!, s.pkts[z + 1]!],
    bytes: [s.bytes[z]!, s.bytes[z + 1]!],
    payloadBytes: [s.payload[z]!, s.payload[z + 1]!],
    retransmissions: 0,
    app: label,
    openAtEnd: false,
    firstFrame: s.firstFrame[x]!,
    lastFrame: s.lastFrame[x]!,
  };
}

const FLAG_LETTERS: readonly (readonly [number, string])[] = [
  [TcpFlag.FIN, 'F'], [TcpFlag.SYN, 'S'], [TcpFlag.RST, 'R'], [TcpFlag.PSH, 'P'], [TcpFlag.ACK, '.'],
  [TcpFlag.URG, 'U'], [TcpFlag.ECE, 'E'], [TcpFlag.CWR, 'W'], [TcpFlag.AE, 'e'],
];

/** TCP flags in tcpdump's notation ("S", "S.", "P.", "F.", "R.", "none"). */
export function tcpdumpFlags(bits: number): string {
  let s = '';
  for (const [b, c] of FLAG_LETTERS) if ((bits & b) !== 0) s += c;
  return s === '' ? 'none' : s;
}

/** TCP options in tcpdump's short form: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7". */
export function formatTcpOptions(o: Uint8Array): string {
  const parts: string[] = [];
  let p = 0;
  while (p < o.length) {
    const kind = o[p]!;
    if (kind === 0) { parts.push('eol'); break; }
    if (kind === 1) { parts.push('nop'); p++; continue; }
    if (p + 1 >= o.length) { parts.push(`bad-opt-${kind}`); break; }
    const len = o[p + 1]!;
    if (len < 2 || p + len > o.length) { parts.push(`bad-opt-${kind}[len ${len}]`); break; }
    const u16 = (q: number): number => (o[q]! << 8) | o[q + 1]!;
    const u32 = (q: number): number => ((o[q]! << 24) | (o[q + 1]! << 16) | (o[q + 2]! << 8) | o[q + 3]!) >>> 0;
    switch (kind) {
      case 2: parts.push(len === 4 ? `mss ${u16(p + 2)}` : `mss[len ${len}]`); break;
      case 3: parts.push(len === 3 ? `wscale ${o[p + 2]!}` : `wscale[len ${len}]`); break;
      case 4: parts.push('sackOK'); break;
      case 5: {
        const blocks: string[] = [];
        for (let q = p + 2; q + 8 <= p + len; q += 8) blocks.push(`{${u32(q)}:${u32(q + 4)}}`);
        parts.push(`sack ${blocks.length} ${blocks.join('')}`);
        break;
      }
      case 8: parts.push(len === 10 ? `TS val ${u32(p + 2)} ecr ${u32(p + 6)}` : `TS[len ${len}]`); break;
      case 28: parts.push('uto'); break;
      case 30: parts.push('mptcp'); break;
      case 34: parts.push('tfo'); break;
      default: {
        let hex = '';
        for (let q = p + 2; q < p + len; q++) hex += o[q]!.toString(16).padStart(2, '0');
        parts.push(`unknown-${kind}${hex ? ' 0x' + hex : ''}`);
      }
    }
    p += len;
  }
  return parts.join(',');
}

/**
 * Timeline entries [from, to) of TCP connection `id` (positions within the
 * connection). `events` maps frame number → application event texts of this
 * connection (already safe text). "open at end of capture" is added to the
 * last row once the input has ended.
 */
export function tcpTimeline(tr: TcpTracker, id: number, from: number, to: number,
  events: ReadonlyMap<number, string[]> | undefined): TimelineEntry[] {
  const tl = tr.tl;
  const s = tr.store;
  if (tl === null || !s.has(id)) return [];
  const x = id & s.mask;
  const count = s.tlCount[x]!;
  from = Math.max(0, Math.floor(from));
  to = Math.min(count, Math.floor(to));
  if (to <= from) return [];
  // Walk the chain from the head or from the cursor, whichever is closer and not past `from`.
  let pos = 0;
  let rec = s.tlHead[x]!;
  const cp = s.tlCurPos[x]!;
  if (cp >= 0 && cp <= from) { pos = cp; rec = s.tlCurRec[x]!; }
  while (pos < from) { rec = tl.get(rec, R_NEXT); pos++; }
  const f = s.flags[x]!;
  const firstTime = s.firstTime[x]!;
  const z = x * 2;
  const openAtEnd = tcpSummaryOpenAtEnd(f);
  const rolesRule = roleReason(s.port[z]!, s.port[z + 1]!);
  const out: TimelineEntry[] = [];
  while (pos < to && rec >= 0) {
    const ch = tl.chunk(rec);
    const R = ch.i;
    const r = idx(rec) * RS;
    const stNote = R[r + R_STNOTE]!;
    const st = stNote >>> 16;
    const noteWord = stNote & 0xffff;
    const dir = ((st >> 8) & 1) as Dir;
    const fw = R[r + R_FLAGSWIN]!;
    const flagBits = (fw >>> 16) & 0xfff;
    const raw = fw & 0xffff;
    const shiftCode = fw >>> 28;
    const window = shiftCode > 0 ? raw * 2 ** (shiftCode - 1) : raw;
    const relSeq = R[r + R_RELSEQ]! >>> 0;
    const relAck = R[r + R_RELACK]! >>> 0;
    let note = noteText(noteWord & 0xff, noteWord >> 8, {
      dir, relSeq, relAck, portReuse: (f & CF.PORT_REUSE) !== 0, rolesRule,
    });
    if (pos === count - 1 && openAtEnd && tr.finished) note = note ? `${note} · open at end of capture` : 'open at end of capture';
    const frameNumber = R[r + R_FRAME]!;
    const ev = events?.get(frameNumber);
    const anomalies = tl.anomaliesOf(rec);
    const time = ch.f[(r >> 1) + R_TIME_F64]!;
    const dupOpt = R[r + R_DUPOPT]!;
    const an = R[r + R_AN]!;
    out.push({
      frameNumber,
      time,
      relTime: time - firstTime,
      dir,
      flags: tcpdumpFlags(flagBits),
      flagBits,
      seq: R[r + R_SEQ]! >>> 0,
      ack: R[r + R_ACK]! >>> 0,
      relSeq,
      relAck,
      len: R[r + R_LEN]!,
      window,
      options: (dupOpt & 0xff) !== 0 ? formatTcpOptions(tl.options(rec)) : '',
      analysis: an !== 0 ? describeAnalysis(an, dupOpt >>> 8) : [],
      clientState: stName((st >> 4) & 15),
      serverState: stName(st & 15),
      note,
      app: ev ? ev.slice() : [],
      anomalies: anomalies.length > 0 ? anomalies.map((a) => Anomaly.text(a)) : [],
    });
    s.tlCurPos[x] = pos;
    s.tlCurRec[x] = rec;
    rec = R[r + R_NEXT]!;
    pos++;
  }
  return out;
}

function tcpSummaryOpenAtEnd(f: number): boolean {
  const rst = (f & (CF.RST_C | CF.RST_S)) !== 0;
  const finBoth = (f & CF.FIN_C) !== 0 && (f & CF.FIN_S) !== 0;
  const hs = handshakeKind(f);
  return !rst && !finBoth && hs !== 'syn-only' && hs !== 'refused';
}

/** The record position of a frame within its connection's timeline (walks the chain). */
export function recordPosition(tr: TcpTracker, id: number, rec: number): number {
  const tl = tr.tl;
  if (tl === null) return -1;
  if (!tr.store.has(id)) return -1;
  let r = tr.store.tlHead[id & tr.store.mask]!;
  let pos = 0;
  while (r >= 0 && r !== rec) { r = tl.get(r, R_NEXT); pos++; }
  return r === rec ? pos : -1;
}

export { Note };
