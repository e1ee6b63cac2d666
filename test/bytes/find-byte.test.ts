import { describe, expect, it } from 'vitest';
import { ByteFinder } from '../../src/bytes/find-byte.js';

/** The reference: a byte loop. */
function naive(buf: Uint8Array, value: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === value) return i;
  return -1;
}

describe('ByteFinder', () => {
  it('finds every LF of a head, whatever the alignment of the view', () => {
    const head = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    for (let shift = 0; shift < 8; shift++) {
      const ab = new ArrayBuffer(64);
      const buf = new Uint8Array(ab, shift, 48);
      buf.set(head, 3);
      const f = new ByteFinder(0x0a);
      const found: number[] = [];
      for (let q = f.find(buf, 0, buf.length); q >= 0; q = f.find(buf, q + 1, buf.length)) found.push(q);
      expect(found).toEqual([3 + 15, 3 + 24, 3 + 26]);
    }
  });

  it('never reports a byte outside [from, end)', () => {
    const buf = new Uint8Array(40).fill(0x0a);
    const f = new ByteFinder(0x0a);
    for (let from = 0; from < 40; from++) {
      for (let end = from; end <= 40; end++) {
        buf.fill(0x41, from, end);
        expect(f.find(buf, from, end)).toBe(-1);
        buf.fill(0x0a, from, end);
        expect(f.find(buf, from, end)).toBe(from < end ? from : -1);
      }
    }
  });

  it('agrees with a byte loop on random bytes, values and spans (bytes next to the value: borrow cases)', () => {
    let seed = 7;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let t = 0; t < 2000; t++) {
      const value = [0x0a, 0x00, 0xff, 0x80, 0x3a][t % 5]!;
      const ab = new ArrayBuffer(80);
      const buf = new Uint8Array(ab, rnd(8), 64);
      // Mostly neighbours of the value, which defeat a sloppy word test.
      for (let i = 0; i < buf.length; i++) buf[i] = rnd(4) === 0 ? rnd(256) : (value + rnd(3) - 1) & 0xff;
      const f = new ByteFinder(value);
      const from = rnd(64), end = from + rnd(65 - from);
      expect(f.find(buf, from, end)).toBe(naive(buf, value, from, end));
    }
  });

  it('follows a change of buffer (a new view is bound)', () => {
    const f = new ByteFinder(0x0a);
    const a = Uint8Array.of(1, 2, 0x0a, 4, 5, 6, 7, 8);
    const b = Uint8Array.of(0x0a, 2, 3, 4, 5, 6, 7, 8, 9, 0x0a);
    expect(f.find(a, 0, a.length)).toBe(2);
    expect(f.find(b, 1, b.length)).toBe(9);
    expect(f.find(a, 3, a.length)).toBe(-1);
  });
});
