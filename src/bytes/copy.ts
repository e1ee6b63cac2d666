/**
 * A copy of bytes that is really a copy. `Buffer#slice` (what file readers
 * and live capture hand out) returns a view of the same memory, unlike
 * `Uint8Array#slice`: whoever keeps a frame's bytes past the next read must
 * copy them with this (STYLE principle 7).
 */
export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(buf.subarray(start, end));
  return out;
}
