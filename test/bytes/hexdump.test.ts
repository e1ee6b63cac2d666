import { describe, expect, it } from 'vitest';
import { hexdump, hexdumpText } from '../../src/bytes/hexdump.js';

describe('hexdump', () => {
  const b = Uint8Array.from({ length: 20 }, (_, i) => (i === 3 ? 0x1b : 0x41 + i));

  it('prints offset, hex in two groups of eight, and printable ASCII', () => {
    const lines = hexdumpText(b);
    expect(lines).toEqual([
      '0000  41 42 43 1b 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  ABC.EFGHIJKLMNOP',
      '0010  51 52 53 54                                       QRST',
    ]);
    expect(lines.join('')).not.toMatch(/\x1b/);
  });

  it('returns the column spans of a highlighted range, in the hex and the ASCII part', () => {
    const lines = hexdump(b, 0, b.length, { start: 6, end: 18 });
    const l0 = lines[0]!;
    expect(l0.spans).toHaveLength(2);
    expect(l0.text.slice(l0.spans[0]!.from, l0.spans[0]!.to)).toBe('47 48  49 4a 4b 4c 4d 4e 4f 50');
    expect(l0.text.slice(l0.spans[1]!.from, l0.spans[1]!.to)).toBe('GHIJKLMNOP');
    const l1 = lines[1]!;
    expect(l1.text.slice(l1.spans[0]!.from, l1.spans[0]!.to)).toBe('51 52');
    expect(l1.text.slice(l1.spans[1]!.from, l1.spans[1]!.to)).toBe('QR');
  });

  it('dumps a sub-range with offsets relative to its start', () => {
    const lines = hexdump(b, 16, 20);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text.startsWith('0000  51 52 53 54')).toBe(true);
    expect(hexdump(b, 0, 0)).toEqual([]);
  });
});
