/**
 * Wireshark-compatible TCP analysis flags ("tcp.analysis.*"), one analyzer per
 * TCP connection, both directions.
 *
 * The rules, and the order in which they are tried, are Wireshark's
 * (`tcp_analyze_sequence_number()` in epan/dissectors/packet-tcp.c, and the
 * "TCP Analysis" section of the User's Guide,
 * https://www.wireshark.org/docs/wsug_html_chunked/ChAdvTCPAnalysis.html) as
 * tshark 4.0 applies them. Where Wireshark releases differ, tshark 4.0.17 was
 * asked on crafted captures: spurious is tested before fast retransmission and
 * out-of-order; SYN/FIN count in the out-of-order end test; window full ignores
 * the peer's scale until its first ACK; the ACKed-unseen rule is the one below.
 * The order matters: a segment that matches an early rule jumps past later
 * ones, and the per-direction state written at the end of each segment is what
 * the next segment is judged against. In that order:
 *
 *  1. zero-window probe   1 byte at the next expected seq while the peer's window is 0
 *                         (skips 2..9; the probe does not advance nextseq)
 *  2. zero window         window field 0, not SYN/FIN/RST
 *  3. previous segment not captured   seq beyond this side's nextseq (not RST)
 *  4. keep-alive          0 or 1 byte at nextseq-1, not SYN/FIN/RST
 *  5. window update       no data, same seq/ack as before, window changed (non-zero)
 *  6. window full         data reaching exactly the peer's advertised right edge
 *                         (only when the peer's window scaling is known)
 *  7. keep-alive ACK      repeats the previous ACK right after a keep-alive (skips 8..9)
 *  8. zero-window-probe ACK  repeats a zero-window ACK right after a probe (skips 9)
 *  9. duplicate ACK       no data, same seq, ack and non-zero window as this side's
 *                         previous segment; counted #1, #2, … until the ack moves
 * 10. ACKed unseen segment   acks beyond the highest contiguous seq seen from the peer:
 *                         reported when the peer's nextseq moved past that mark (which
 *                         then jumps to it); otherwise only if the peer has no duplicate
 *                         ACKs counted, and then once until the peer's ack number changes
 * 11. for segments with data, SYN or FIN that are not keep-alives:
 *     spurious retransmission  all its bytes were already acknowledged by the peer;
 *     else, when seq < nextseq (the sequence does not advance):
 *       fast retransmission    ≥ 2 duplicate ACKs from the peer for exactly this seq,
 *                              the last one less than 20 ms ago;
 *       out-of-order           less than the handshake RTT (3 ms when unknown) after
 *                              the segment that set nextseq, and not ending at nextseq;
 *       retransmission         otherwise.
 *     (A segment of 2+ bytes starting at nextseq-1, after a zero-window probe, does
 *     not count as "not advancing".)
 *
 * Memory: a fixed handful of numbers per direction. Wireshark also keeps a list
 * of unacknowledged segments, used for the analysis flags in one corner only: it
 * stops recording segments (and stops counting a SYN/FIN as one sequence number
 * when advancing nextseq) after 10000 unacknowledged ones. We estimate that count
 * from bytes outstanding instead of keeping the list; see `unacked` below.
 *
 * Sequence numbers are unsigned 32-bit values compared mod 2^32 (RFC 9293 §3.4)
 * through src/flow/seq.ts, with Wireshark's exact macro semantics (see below). Times are packet
 * times (seconds + nanoseconds); Wireshark subtracts them into an unsigned 64-bit
 * value, so a timestamp that goes backwards counts as "very long ago".
 *
 * No allocation per call: `segment()` only reads and writes numeric fields.
 */
import * as decoded from '../decode/decoded.js';
import * as seqMod from './seq.js';

// Bound here, as constants of this module: optimized code reads an imported binding through
// its module cell, with a check that it is initialized, at every use, while a constant of this
// module is folded into the instruction (see tcp-tracker.ts).
const { TcpFlag } = decoded;
const { seqAddI32, seqLeq, seqLt } = seqMod;

export const AnalysisFlag = {
  RETRANSMISSION: 1 << 0,
  FAST_RETRANSMISSION: 1 << 1,
  SPURIOUS_RETRANSMISSION: 1 << 2,
  OUT_OF_ORDER: 1 << 3,
  /** "Previous segment not captured" (tcp.analysis.lost_segment). */
  LOST_SEGMENT: 1 << 4,
  /** "ACKed segment that wasn't captured" (tcp.analysis.ack_lost_segment). */
  ACK_LOST_SEGMENT: 1 << 5,
  DUPLICATE_ACK: 1 << 6,
  ZERO_WINDOW: 1 << 7,
  ZERO_WINDOW_PROBE: 1 << 8,
  ZERO_WINDOW_PROBE_ACK: 1 << 9,
  WINDOW_FULL: 1 << 10,
  WINDOW_UPDATE: 1 << 11,
  KEEP_ALIVE: 1 << 12,
  KEEP_ALIVE_ACK: 1 << 13,
} as const;
export type AnalysisFlag = (typeof AnalysisFlag)[keyof typeof AnalysisFlag];

// Optimized code reads an exported binding through its module cell, with a check that it is
// initialized, at every use, even in its own module; a constant that is not exported is folded
// into the instruction. Hence private copies for the hot paths: segment.
const AF = AnalysisFlag;

/** Any of the three retransmission kinds (tshark also sets tcp.analysis.retransmission for all three). */
export const ANY_RETRANSMISSION =
  AnalysisFlag.RETRANSMISSION | AnalysisFlag.FAST_RETRANSMISSION | AnalysisFlag.SPURIOUS_RETRANSMISSION;

/** Names in bit order, as tshark's field names (tcp.analysis.NAME). */
const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [AnalysisFlag.RETRANSMISSION, 'retransmission'],
  [AnalysisFlag.FAST_RETRANSMISSION, 'fast_retransmission'],
  [AnalysisFlag.SPURIOUS_RETRANSMISSION, 'spurious_retransmission'],
  [AnalysisFlag.OUT_OF_ORDER, 'out_of_order'],
  [AnalysisFlag.LOST_SEGMENT, 'lost_segment'],
  [AnalysisFlag.ACK_LOST_SEGMENT, 'ack_lost_segment'],
  [AnalysisFlag.DUPLICATE_ACK, 'dup_ack'],
  [AnalysisFlag.ZERO_WINDOW, 'zero_window'],
  [AnalysisFlag.ZERO_WINDOW_PROBE, 'zero_window_probe'],
  [AnalysisFlag.ZERO_WINDOW_PROBE_ACK, 'zero_window_probe_ack'],
  [AnalysisFlag.WINDOW_FULL, 'window_full'],
  [AnalysisFlag.WINDOW_UPDATE, 'window_update'],
  [AnalysisFlag.KEEP_ALIVE, 'keep_alive'],
  [AnalysisFlag.KEEP_ALIVE_ACK, 'keep_alive_ack'],
];

/** Short names for a flag mask, e.g. ["retransmission"], ["dup_ack #2"]. Not for the hot path. */
export function describeAnalysis(mask: number, dupAckCount: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of FLAG_NAMES) {
    if ((mask & bit) === 0) continue;
    out.push(bit === AnalysisFlag.DUPLICATE_ACK && dupAckCount > 0 ? `${name} #${dupAckCount}` : name);
  }
  return out;
}

// Wireshark's macros map onto src/flow/seq.ts exactly: LT_SEQ(x,y) = seqLt(x,y),
// LE_SEQ(x,y) = seqLeq(x,y), and GT_SEQ(x,y) = (gint32)(y-x) < 0 = seqLt(y,x) — written
// that way (not seqGt) so that two numbers exactly 2^31 apart compare as Wireshark does.

/** a < b where both are signed nanosecond deltas that Wireshark stores as guint64 (negatives wrap to huge). */
function ltU64(a: number, b: number): boolean {
  const aNeg = a < 0;
  const bNeg = b < 0;
  if (aNeg !== bNeg) return bNeg; // the negative one is the larger unsigned value
  return a < b;
}

/** Wireshark stops recording unacknowledged segments past this many (TCP_MAX_UNACKED_SEGMENTS). */
const MAX_UNACKED_SEGMENTS = 10_000;
/** Fast retransmission: within 20 ms of the last duplicate ACK. */
const FAST_RETRANS_WINDOW_NS = 20_000_000;
/** Out-of-order threshold when no handshake RTT is known: 3 ms. */
const DEFAULT_OOO_THRESHOLD_NS = 3_000_000;

const SYN_FIN = TcpFlag.SYN | TcpFlag.FIN;
const SYN_FIN_RST = TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST;

/** Per-direction state (Wireshark's tcp_flow_t + tcp_analyze_seq_flow_info_t, the parts the flags need). */
class DirState {
  baseSeqSet = false;
  baseSeq = 0;
  /** Highest seq+len(+SYN/FIN) seen; 0 means "not yet" (as in Wireshark, even if the real value is 0). */
  nextSeq = 0;
  nextSeqSec = 0;
  nextSeqNsec = 0;
  /** Highest contiguous seq seen, for "ACKed unseen segment"; 0 = not yet. */
  maxSeqToBeAcked = 0;
  lastAck = 0;
  lastAckSec = 0;
  lastAckNsec = 0;
  /** Raw (unscaled) window of this side's last segment; all ones (-1) before the first one. */
  window = -1;
  /** Window scale shift this side applies: ≥0, -1 unknown, -2 none. */
  winScale = -1;
  /** True from this side's SYN until its first ACK without SYN (window full then ignores scaling). */
  isFirstAck = false;
  /** Analysis flags of this side's last segment. */
  lastSegmentFlags = 0;
  /** Duplicate ACKs in a row from this side; -1 right after the peer reported an ACKed unseen segment. */
  dupAckNum = 0;
  /** Frame that last changed this side's ack number (what duplicate ACKs duplicate). */
  lastNonDupAckFrame = 0;
  /** Estimated number of this side's unacknowledged segments, and the bytes they span. */
  unacked = 0;
  unackedBytes = 0;

  reset(): void {
    this.baseSeqSet = false; this.baseSeq = 0;
    this.nextSeq = 0; this.nextSeqSec = 0; this.nextSeqNsec = 0;
    this.maxSeqToBeAcked = 0;
    this.lastAck = 0; this.lastAckSec = 0; this.lastAckNsec = 0;
    this.window = -1; this.winScale = -1; this.isFirstAck = false;
    this.lastSegmentFlags = 0; this.dupAckNum = 0; this.lastNonDupAckFrame = 0;
    this.unacked = 0; this.unackedBytes = 0;
  }
}

export class TcpAnalyzer {
  // Two fields, not an array of two: one object less to reach (and, for an analyzer from the
  // pool, last used a thousand connections ago, one cache miss less).
  private readonly d0 = new DirState();
  private readonly d1 = new DirState();
  /** Time of the most recent pure SYN, and the handshake RTT (SYN → first pure ACK); 0/0 = unknown. */
  private mruSynSec = 0;
  private mruSynNsec = 0;
  private firstRttNs = 0;
  private _dupAckCount = 0;
  private _dupAckFrame = 0;

  /** Duplicate-ACK ordinal of the last segment (Wireshark's "Duplicate ACK #n"), 0 if none. */
  get dupAckCount(): number { return this._dupAckCount; }
  /** For a duplicate ACK: the frame it duplicates (Wireshark's "Duplicate to the ACK in frame"), else 0. */
  get dupAckFrame(): number { return this._dupAckFrame; }

  /** Forgets everything (a new connection on the same tuple). */
  reset(): void {
    this.d0.reset();
    this.d1.reset();
    this.mruSynSec = 0; this.mruSynNsec = 0; this.firstRttNs = 0;
    this._dupAckCount = 0;
    this._dupAckFrame = 0;
  }

  /**
   * Analyzes one segment and returns its flag mask.
   *
   * dir: 0 = client→server (the side that sent the first packet/SYN), 1 = the other.
   * seq, ack: absolute, 32-bit (unsigned, or the same bits as int32). flags: TcpFlag bits.
   * payloadLen: TCP payload length on the wire (IP length minus headers, as tshark's tcp.len).
   * windowRaw: the 16-bit window field, unscaled.
   * windowScaleShift: the sender's window scale as known after this segment — on a
   * SYN or SYN-ACK, the shift its Window Scale option announces (-2 if it has none);
   * afterwards the negotiated shift (-2 when scaling is not in use); -1 when unknown.
   */
  segment(
    dir: 0 | 1, seq: number, ack: number, flags: number, payloadLen: number,
    windowRaw: number, windowScaleShift: number, tsSec: number, tsNsec: number, frameNumber: number,
  ): number {
    const fwd = dir === 0 ? this.d0 : this.d1;
    const rev = dir === 0 ? this.d1 : this.d0;
    // Held as int32 (seqAddI32), so that the sequence fields stay in their objects.
    seq |= 0;
    ack |= 0;
    const seglen = payloadLen;
    const window = windowRaw;
    let mask = 0;
    this._dupAckCount = 0;
    this._dupAckFrame = 0;

    // ---- before the analysis proper (dissect_tcp) ----
    if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN && fwd.baseSeqSet) {
      if (seq !== fwd.baseSeq) {
        // A SYN with a new ISN: Wireshark starts a new conversation (tcp.stream).
        this.reset();
      } else {
        // SYN retransmission: restore nextseq (a RST may have moved it, RFC 793 §3.4; Wireshark issue 17616).
        fwd.nextSeq = fwd.maxSeqToBeAcked;
      }
    } else if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK) && fwd.baseSeqSet && seq !== fwd.baseSeq) {
      fwd.baseSeq = seq;
    }

    // ISNs: from the SYN, else seq-1; the peer's from the first ACK (ack-1).
    if (!fwd.baseSeqSet) {
      fwd.baseSeq = (flags & TcpFlag.SYN) !== 0 ? seq : seqAddI32(seq, -1);
      fwd.baseSeqSet = true;
    }
    if (!rev.baseSeqSet && (flags & TcpFlag.ACK) !== 0) {
      rev.baseSeq = seqAddI32(ack, -1);
      rev.baseSeqSet = true;
    }

    analysis: {
      // 1. ZERO WINDOW PROBE: exactly 1 byte, at the next expected seq, peer's window 0.
      if (seglen === 1 && seq === fwd.nextSeq && rev.window === 0) {
        mask |= AF.ZERO_WINDOW_PROBE;
        break analysis;
      }
      // 2. ZERO WINDOW: window 0 on a segment without SYN/FIN/RST.
      if (window === 0 && (flags & SYN_FIN_RST) === 0) mask |= AF.ZERO_WINDOW;

      // 3. LOST SEGMENT: beyond nextseq (only once something was seen), not for RST.
      if (fwd.nextSeq !== 0 && seqLt(fwd.nextSeq, seq) && (flags & TcpFlag.RST) === 0) {
        mask |= AF.LOST_SEGMENT;
      }

      // 4. KEEP ALIVE: 0 or 1 byte starting one before nextseq.
      if ((seglen === 0 || seglen === 1) && seq === seqAddI32(fwd.nextSeq, -1) && (flags & SYN_FIN_RST) === 0) {
        mask |= AF.KEEP_ALIVE;
      }

      const sameSeqAck = seglen === 0 && seq === fwd.nextSeq && ack === fwd.lastAck && (flags & SYN_FIN_RST) === 0;

      // 5. WINDOW UPDATE: no data, same seq/ack, a new non-zero window.
      if (sameSeqAck && window !== 0 && window !== fwd.window) mask |= AF.WINDOW_UPDATE;

      // 6. WINDOW FULL: data up to exactly the peer's right window edge, when its scaling is known.
      if (seglen > 0 && rev.winScale !== -1 && (flags & SYN_FIN_RST) === 0) {
        const shift = rev.isFirstAck || rev.winScale === -2 ? 0 : rev.winScale;
        const edge = seqAddI32(rev.lastAck, (rev.window << shift) >>> 0);
        if (seqAddI32(seq, seglen) === edge) mask |= AF.WINDOW_FULL;
      }

      // 7. KEEP ALIVE ACK: repeats the previous ACK right after the peer's keep-alive.
      if (sameSeqAck && window !== 0 && window === fwd.window && (rev.lastSegmentFlags & AF.KEEP_ALIVE) !== 0) {
        mask |= AF.KEEP_ALIVE_ACK;
        break analysis;
      }
      // 8. ZERO WINDOW PROBE ACK: repeats a zero-window ACK right after the peer's probe.
      if (sameSeqAck && window === 0 && fwd.window === 0 && (rev.lastSegmentFlags & AF.ZERO_WINDOW_PROBE) !== 0) {
        mask |= AF.ZERO_WINDOW_PROBE_ACK;
        break analysis;
      }
      // 9. DUPLICATE ACK: same seq/ack/non-zero window as this side's previous segment, no data.
      if (sameSeqAck && window !== 0 && window === fwd.window) {
        fwd.dupAckNum = fwd.dupAckNum === -1 ? 1 : fwd.dupAckNum + 1;
        mask |= AF.DUPLICATE_ACK;
        this._dupAckCount = fwd.dupAckNum;
        this._dupAckFrame = fwd.lastNonDupAckFrame;
      }
    }

    // finished_fwd: a new ack number restarts this side's duplicate-ACK count.
    if (ack !== fwd.lastAck) {
      fwd.dupAckNum = 0;
      fwd.lastNonDupAckFrame = frameNumber;
    }

    // 10. ACKED UNSEEN SEGMENT: acks beyond the highest contiguous seq seen from the peer.
    if (rev.maxSeqToBeAcked !== 0 && seqLt(rev.maxSeqToBeAcked, ack) && (flags & TcpFlag.ACK) !== 0) {
      // The peer's nextseq went past the mark (data beyond a hole): report, move the mark there.
      if (seqLt(rev.maxSeqToBeAcked, rev.nextSeq)) {
        rev.maxSeqToBeAcked = rev.nextSeq;
        mask |= AF.ACK_LOST_SEGMENT;
      } else {
        // Otherwise report only if the peer is not counting duplicate ACKs, and only once:
        // -1 marks "reported" until the peer's ack number changes (its counter restarts).
        if (rev.dupAckNum === 0) mask |= AF.ACK_LOST_SEGMENT;
        rev.dupAckNum = -1;
      }
    }

    // 11. RETRANSMISSION / FAST RETRANSMISSION / SPURIOUS / OUT-OF-ORDER.
    if ((seglen > 0 || (flags & SYN_FIN) !== 0) && (mask & AF.KEEP_ALIVE) === 0) {
      retrans: {
        let seqNotAdvanced = fwd.nextSeq !== 0 && seqLt(seq, fwd.nextSeq);
        // 2+ bytes starting at nextseq-1: new data after a zero-window probe, not a retransmission.
        if (seglen > 1 && seqAddI32(fwd.nextSeq, -1) === seq) seqNotAdvanced = false;

        // Spurious: every byte was already acknowledged by the peer.
        if (seglen > 0 && rev.lastAck !== 0 && seqLeq(seqAddI32(seq, seglen), rev.lastAck)) {
          mask |= AF.SPURIOUS_RETRANSMISSION;
          break retrans;
        }
        // Fast retransmission: ≥2 duplicate ACKs for this seq, the last within 20 ms.
        const sinceAck = (tsSec - rev.lastAckSec) * 1e9 + (tsNsec - rev.lastAckNsec);
        // (Wireshark's counter is unsigned: the -1 "reported" mark counts as ≥ 2 here.)
        if (seqNotAdvanced && (rev.dupAckNum >= 2 || rev.dupAckNum === -1) && rev.lastAck === seq && ltU64(sinceAck, FAST_RETRANS_WINDOW_NS)) {
          mask |= AF.FAST_RETRANSMISSION;
          break retrans;
        }
        // Out-of-order: soon after the segment that set nextseq (handshake RTT, else 3 ms).
        const sinceNext = (tsSec - fwd.nextSeqSec) * 1e9 + (tsNsec - fwd.nextSeqNsec);
        const threshold = this.firstRttNs === 0 ? DEFAULT_OOO_THRESHOLD_NS : this.firstRttNs;
        const end = seqAddI32(seq, seglen + ((flags & SYN_FIN) !== 0 ? 1 : 0));
        if (seqNotAdvanced && ltU64(sinceNext, threshold) && fwd.nextSeq !== end) {
          mask |= AF.OUT_OF_ORDER;
          break retrans;
        }
        if (seqNotAdvanced) mask |= AF.RETRANSMISSION;
      }
    }

    // ---- state updates (finished_checking_retransmission_type) ----
    let nextSeq = seqAddI32(seq, seglen);
    if ((seglen > 0 || (flags & SYN_FIN) !== 0) && fwd.unacked < MAX_UNACKED_SEGMENTS) {
      if ((flags & SYN_FIN) !== 0) nextSeq = seqAddI32(nextSeq, 1);
      fwd.unacked++;
      fwd.unackedBytes += seqAddI32(nextSeq, -seq);
    }
    const isProbe = (mask & AF.ZERO_WINDOW_PROBE) !== 0;
    if ((seqLt(fwd.nextSeq, nextSeq) || fwd.nextSeq === 0) && !isProbe) {
      fwd.nextSeq = nextSeq;
      fwd.nextSeqSec = tsSec;
      fwd.nextSeqNsec = tsNsec;
    }
    if ((seq === fwd.maxSeqToBeAcked || fwd.maxSeqToBeAcked === 0) && !isProbe) {
      fwd.maxSeqToBeAcked = fwd.nextSeq;
    }
    fwd.window = window;
    fwd.lastAck = ack;
    fwd.lastAckSec = tsSec;
    fwd.lastAckNsec = tsNsec;
    fwd.lastSegmentFlags = mask;

    // The peer's segments this ack covers leave its unacknowledged set. Wireshark walks its
    // list; we keep a count and the bytes it spans and shrink both in proportion.
    if (rev.unacked > 0) {
      const outstanding = (rev.nextSeq - ack) | 0;
      if (outstanding <= 0) {
        rev.unacked = 0;
        rev.unackedBytes = 0;
      } else if (outstanding < rev.unackedBytes) {
        rev.unacked = Math.ceil((rev.unacked * outstanding) / rev.unackedBytes);
        rev.unackedBytes = outstanding;
      }
    }

    // ---- after the analysis (dissect_tcp): handshake RTT, first-ACK marker, window scaling ----
    const synAck = flags & (TcpFlag.SYN | TcpFlag.ACK);
    if ((flags & TcpFlag.SYN) !== 0) {
      if ((flags & TcpFlag.ACK) === 0) { this.mruSynSec = tsSec; this.mruSynNsec = tsNsec; }
      fwd.isFirstAck = true;
    }
    if (synAck === TcpFlag.ACK) {
      if ((this.mruSynSec !== 0 || this.mruSynNsec !== 0) && this.firstRttNs === 0) {
        this.firstRttNs = (tsSec - this.mruSynSec) * 1e9 + (tsNsec - this.mruSynNsec);
      }
      fwd.isFirstAck = false;
    }
    if ((flags & TcpFlag.SYN) !== 0) {
      // A SYN's option sets this side's shift; a SYN without one leaves it (Wireshark stores
      // the option only when present), then verify_tcp_window_scaling(): scaling is in use
      // only if both SYNs carried the option.
      if (windowScaleShift >= 0) fwd.winScale = windowScaleShift;
      if (fwd.winScale === -1) {
        fwd.winScale = -2;
        rev.winScale = -2;
      } else if ((flags & TcpFlag.ACK) !== 0 && rev.winScale === -2) {
        fwd.winScale = -2;
      }
    } else if (windowScaleShift !== -1) {
      fwd.winScale = windowScaleShift;
    }
    return mask;
  }
}
