/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4, "Sequence Numbers":
 * "all arithmetic dealing with sequence numbers must be performed modulo
 * 2**32"). Every comparison of TCP sequence or acknowledgment numbers in
 * src/flow goes through these functions, so wraparound is handled in one
 * place.
 *
 * Values are unsigned 32-bit integers held in JS numbers (0 … 2^32-1). The
 * comparisons use the signed 32-bit difference, as RFC 1982 serial-number
 * arithmetic does: `a` is "before" `b` when (a - b) mod 2^32 lies in the
 * upper half of the space. Two numbers exactly 2^31 apart compare as
 * "before" in both directions' sign test; that is undefined by the RFC and
 * never matters for a real window.
 */

/** Signed distance a - b in the 32-bit sequence space (-2^31 … 2^31-1). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n, wrapped to an unsigned 32-bit value. `n` may be negative. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * `seqAdd` for values held as signed 32-bit integers (the same bits as the unsigned value):
 * V8 keeps an object field of int32 values in the object, while one that has held an unsigned
 * value ≥ 2^31 points to a separate heap number. The comparisons below take either form.
 */
export function seqAddI32(a: number, n: number): number {
  return (a + n) | 0;
}

/** a < b (a comes before b). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b. */
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** a > b (a comes after b). */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** a >= b. */
export function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return ((a - b) | 0) >= 0 ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return ((a - b) | 0) <= 0 ? a : b;
}

/** lo <= x <= hi in sequence space (RFC 9293's "SND.UNA < SEG.ACK =< SND.NXT" style tests). */
export function seqBetween(x: number, lo: number, hi: number): boolean {
  return ((x - lo) | 0) >= 0 && ((hi - x) | 0) >= 0;
}

/**
 * Sequence number relative to a base, as an unsigned 32-bit value — what
 * Wireshark prints as "relative sequence number" (seq - ISN mod 2^32).
 */
export function seqRel(a: number, base: number): number {
  return (a - base) >>> 0;
}
