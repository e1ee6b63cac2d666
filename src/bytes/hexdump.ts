/**
 * Hex dump lines for the detail pane and `packets -x`, Wireshark layout:
 *
 *   0000  45 00 00 3c 1b 68 40 00  40 06 21 52 7f 00 00 01   E..<.h@.@.!R....
 *
 * With a highlight range (a layer's [start, end)), each line also carries
 * the column spans of the highlighted bytes in its text — one span in the
 * hex part, one in the ASCII part — so the UI can colour them without
 * parsing the text. Non-printable bytes show as '.', so the text is always
 * safe for a terminal.
 */
export interface HexSpan { from: number; to: number }
export interface HexLine {
  /** Offset of the line's first byte (relative to the dumped range's start). */
  offset: number;
  text: string;
  /** Column spans [from, to) of highlighted bytes in `text` (hex part, then ASCII part). */
  spans: HexSpan[];
}

const HEX = '0123456789abcdef';
const BYTES_PER_LINE = 16;
/** Column where byte i of a line starts in the hex part. */
function hexCol(i: number): number { return 6 + i * 3 + (i >= 8 ? 1 : 0); }
const ASCII_COL = hexCol(16) + 1;

/**
 * Dumps `buf[start, end)`. `highlight` is relative to `start`. Offsets in
 * the text are relative to `start` too (as a frame's offsets are).
 */
export function hexdump(buf: Uint8Array, start = 0, end = buf.length, highlight?: { start: number; end: number }): HexLine[] {
  const lines: HexLine[] = [];
  const n = Math.max(0, Math.min(end, buf.length) - start);
  for (let off = 0; off < n; off += BYTES_PER_LINE) {
    const count = Math.min(BYTES_PER_LINE, n - off);
    let text = off.toString(16).padStart(4, '0') + '  ';
    let ascii = '';
    for (let i = 0; i < BYTES_PER_LINE; i++) {
      if (i === 8) text += ' ';
      if (i < count) {
        const b = buf[start + off + i]!;
        text += HEX[b >> 4]! + HEX[b & 15]! + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        text += '   ';
      }
    }
    text += ' ' + ascii;
    const spans: HexSpan[] = [];
    if (highlight && highlight.end > highlight.start) {
      const a = Math.max(highlight.start, off), z = Math.min(highlight.end, off + count);
      if (a < z) {
        const i0 = a - off, i1 = z - off; // [i0, i1) bytes within the line
        spans.push({ from: hexCol(i0), to: hexCol(i1 - 1) + 2 });
        spans.push({ from: ASCII_COL + i0, to: ASCII_COL + i1 });
      }
    }
    lines.push({ offset: off, text, spans });
  }
  return lines;
}

/** Plain text dump (no highlight), one string per line. */
export function hexdumpText(buf: Uint8Array, start = 0, end = buf.length): string[] {
  return hexdump(buf, start, end).map((l) => l.text);
}
