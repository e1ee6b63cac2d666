import { describe, expect, it } from 'vitest';
import { safeAgain, safeBytes, safeJson, safeTag, safeText } from '../../src/bytes/safe-text.js';

// ECMA-48: ESC (0x1b) starts CSI/OSC sequences; 0x9b is the 8-bit CSI; BEL ends OSC.
const HOSTILE = 'a\x1b[31mred\x1b]52;c;aGk=\x07\u009b2J\u202eevil{bold}\\';

describe('safe text', () => {
  it('safeText shows every control, C1 and bidi character as an escape, and doubles backslashes', () => {
    const s = safeText(HOSTILE);
    expect(s).toBe('a\\x1b[31mred\\x1b]52;c;aGk=\\x07\\x9b2J\\u202eevil{bold}\\\\');
    expect(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(s)).toBe(false);
  });

  it('safeTag also neutralises blessed tag braces', () => {
    expect(safeTag('{bold}x{/bold}')).toBe('{open}bold{close}x{open}/bold{close}');
  });

  it('safeAgain escapes what is left but does not escape twice', () => {
    const once = safeText(HOSTILE);
    expect(safeAgain(once)).toBe(once);
    expect(safeAgain('x\x1by\\z')).toBe('x\\x1by\\z');
  });

  it('safeBytes shows bytes one by one, non-printable ones escaped', () => {
    expect(safeBytes(new Uint8Array([0x47, 0x1b, 0x9b, 0x5c, 0x41]))).toBe('G\\x1b\\x9b\\\\A');
  });

  it('safeJson is valid JSON that round-trips and carries no raw control, C1 or bidi character', () => {
    const j = safeJson({ uri: HOSTILE });
    expect(JSON.parse(j)).toEqual({ uri: HOSTILE });
    expect(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(j)).toBe(false);
  });
});
