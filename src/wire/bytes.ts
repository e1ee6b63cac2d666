/**
 * Big-endian readers used by the wire views. They do no bounds checks: a view
 * calls them only after its `check()` has proved the bytes are there
 * (STYLE principle 2). Small enough for V8 to inline.
 */
export function u8(b: Uint8Array, o: number): number { return b[o]!; }
export function u16(b: Uint8Array, o: number): number { return (b[o]! << 8) | b[o + 1]!; }
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
export function u16le(b: Uint8Array, o: number): number { return b[o]! | (b[o + 1]! << 8); }
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/**
 * The outcome of a view's length check. Three outcomes, never merged
 * (STYLE principle 3): the capture holds fewer bytes than the header needs
 * (truncated, e.g. snaplen), or the header's own fields are impossible
 * (malformed). Views that can fail in more than one way export their own
 * finer codes next to these.
 */
export const Check = { ok: 0, truncated: 1, malformed: 2 } as const;
export type Check = (typeof Check)[keyof typeof Check];

const HEX = '0123456789abcdef';
/** `aa:bb:cc:dd:ee:ff` (MAC and other colon-separated byte strings). */
export function hexColon(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const x = b[o + i] ?? 0;
    if (i > 0) s += ':';
    s += HEX[x >> 4]! + HEX[x & 15]!;
  }
  return s;
}
/** Plain lower-case hex of n bytes. */
export function hex(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const x = b[o + i] ?? 0;
    s += HEX[x >> 4]! + HEX[x & 15]!;
  }
  return s;
}
/** `0x0800` style, 4 hex digits. */
export function hex16(v: number): string { return '0x' + (v & 0xffff).toString(16).padStart(4, '0'); }
export function ipv4String(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
