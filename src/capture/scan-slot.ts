/**
 * The words the native record scan (native/src/scan.cc, `scanPcap`) writes
 * for each frame: one slot of `SLOT_WORDS` unsigned 32-bit words in a
 * Uint32Array the reader owns and reuses for every batch. The reader takes
 * the record fields (offset … tsNsec) from it; the decoder takes the rest
 * when `state` has `SlotState.eligible`, instead of reading the headers
 * again (FrameDecoder.decode, stack.ts). Keep in step with scan.cc's `Word`
 * and `State`.
 */
export const SLOT_WORDS = 32;

export const enum Slot {
  /** Offset of the frame's first byte in the window buffer. */
  offset = 0,
  capLen = 1,
  origLen = 2,
  tsSec = 3,
  tsNsec = 4,
  /** SlotState bits; 0 when the frame was not pre-decoded. */
  state = 5,
  ipTotalLen = 6,
  ttl = 7,
  ipId = 8,
  src = 9,
  dst = 10,
  srcPort = 11,
  dstPort = 12,
  seq = 13,
  ack = 14,
  tcpFlags = 15,
  window = 16,
  urgentPtr = 17,
  tcpHeaderLen = 18,
  /** The option words below are written only when tcpHeaderLen > 20, each only when its state bit is set. */
  mss = 19,
  wscale = 20,
  tsVal = 21,
  tsEcr = 22,
  sackCount = 23,
  /** Up to four (left, right) pairs. */
  sack = 24,
}

export const enum SlotState {
  /** An Ethernet/IPv4/TCP frame the decoder's fast path would take, with options that leave no anomaly. */
  eligible = 1,
  mss = 2,
  wscale = 4,
  sackPermitted = 8,
  timestamps = 16,
}

/** The `flags` argument of scanPcap. */
export const enum ScanFlags {
  littleEndian = 1,
  nanosecond = 2,
}
