/**
 * The Internet checksum (RFC 1071): one's-complement sum of 16-bit words.
 * Used only when checksum verification is asked for (it reads every byte of
 * the segment, which the default decode path avoids).
 */

/** Adds `buf[start..end)` as big-endian 16-bit words to `sum` (an odd last byte is padded with zero). */
export function onesSum(buf: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  // Fold often enough that the sum stays a small integer.
  return sum;
}

export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Checksum of a byte range: 0 when the range (checksum field included) verifies. */
export function internetChecksum(buf: Uint8Array, start: number, end: number, initial = 0): number {
  return ~fold(onesSum(buf, start, end, initial)) & 0xffff;
}

/** IPv4 pseudo-header sum (RFC 9293 section 3.1; RFC 768). */
export function pseudoSum4(src: number, dst: number, proto: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + length;
}

/** IPv6 pseudo-header sum (RFC 8200 section 8.1): addresses as 4 words each at buf[o..o+32). */
export function pseudoSum6(buf: Uint8Array, addrStart: number, proto: number, length: number): number {
  return onesSum(buf, addrStart, addrStart + 32, 0) + (length >>> 16) + (length & 0xffff) + proto;
}
