import { describe, expect, it } from 'vitest';
import { cell, fitTagged, fmtBytes, fmtDuration, inert, tagWidth } from '../../src/ui/format.js';
import { hexLines } from '../../src/ui/detail.js';
import { makeTheme } from '../../src/ui/theme.js';

describe('cells', () => {
  it('packet text is neutralised before fitting: escapes visible, braces as {open}/{close}', () => {
    const s = cell('/a\x1b[31m{bold}x{/bold}', 40);
    expect(s).not.toContain('\x1b');
    expect(s).toContain('\\x1b[31m');
    expect(s).toContain('{open}bold{close}');
    expect(s).not.toMatch(/\{bold\}/);
    expect(tagWidth(s)).toBe(40);
  });
  it('a cut never splits {open} or a colour tag, and closes tags it cut open', () => {
    const s = cell('{{{{{{{{{{', 5);
    expect(s).toBe('{open}{open}{open}{open}…');
    const t = fitTagged('{green-fg}abcdefghij{/green-fg}', 5);
    expect(t).toBe('{green-fg}abcd…{/green-fg}');
    expect(tagWidth(t)).toBe(5);
  });
  it('text the analysis already made safe keeps its single backslashes', () => {
    expect(inert('GET /\\x1b {x}')).toBe('GET /\\x1b {open}x{close}');
    expect(inert('raw\x1b')).toBe('raw\\x1b');
  });
  it('units as tshark prints them', () => {
    expect(fmtBytes(999)).toBe('999 B');
    expect(fmtBytes(1093)).toBe('1.09 kB');
    expect(fmtBytes(248_000)).toBe('248 kB');
    expect(fmtDuration(0.000123)).toBe('123µs');
    expect(fmtDuration(0.0123)).toBe('12.3ms');
    expect(fmtDuration(75)).toBe('1m15s');
    expect(fmtDuration(null)).toBe('–');
  });
});

describe('hex dump', () => {
  it('highlights the selected range and never prints braces or control bytes raw', () => {
    const t = makeTheme(false);
    const bytes = Uint8Array.from([0x7b, 0x1b, 0x41, 0x7d, ...Array(14).fill(0x20)]);
    const [l0, l1] = hexLines(bytes, 1, 3, 16, t);
    expect(l0).toBe('0000  7b {inverse}1b{/inverse} {inverse}41{/inverse} 7d 20 20 20 20  20 20 20 20 20 20 20 20  .{inverse}.{/inverse}{inverse}A{/inverse}.            ');
    expect(l1).toMatch(/^0010  20 20/);
  });
});
