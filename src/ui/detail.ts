/**
 * The packet detail of one frame as lines of tagged text: layer tree lines
 * (from src/ui/describe.ts) and a hex dump in which a selected range is
 * highlighted.
 */
import { inert } from './format.js';
import type { Theme } from './theme.js';

export interface FieldView {
  name: string;
  /** Display value; packet-derived text is neutralised by the renderer. */
  value: string;
  /** Byte range relative to the frame's first byte, or -1 when not a byte range. */
  offset: number;
  length: number;
}

export interface LayerView {
  /** Short protocol name (eth, ip, tcp…), '' when unknown. */
  proto: string;
  name: string;
  summary: string;
  offset: number;
  length: number;
  fields: FieldView[];
}

/**
 * Hex dump lines of `bytes` with [hlFrom, hlTo) highlighted, `perLine` bytes
 * per line: `0010  45 00 00 3c …  E..<`. The ASCII column shows printable
 * bytes only, so nothing from the packet can act on the terminal.
 */
export function hexLines(bytes: Uint8Array, hlFrom: number, hlTo: number, perLine: number, theme: Theme): string[] {
  const lines: string[] = [];
  for (let line = 0; line < bytes.length; line += perLine) {
    let hexPart = '';
    let ascii = '';
    for (let i = line; i < line + perLine; i++) {
      const sep = i === line ? '' : i - line === perLine / 2 ? '  ' : ' ';
      if (i >= bytes.length) {
        hexPart += sep + '  ';
        ascii += ' ';
        continue;
      }
      const b = bytes[i]!;
      const h = b.toString(16).padStart(2, '0');
      // '{' and '}' are printable but would open blessed tags: shown as '.'.
      const a = b >= 0x20 && b < 0x7f && b !== 0x7b && b !== 0x7d ? String.fromCharCode(b) : '.';
      const on = i >= hlFrom && i < hlTo;
      hexPart += sep + (on ? theme.mark(h) : h);
      ascii += on ? theme.mark(a) : a;
    }
    lines.push(`${line.toString(16).padStart(4, '0')}  ${hexPart}  ${ascii}`);
  }
  return lines;
}

/** A tree line's text: layer headers bold, fields indented; packet text neutralised. */
// Descriptions are made safe by the decoder (safeText); `inert` escapes braces
// and re-checks for control characters without doubling backslashes.
export function layerLine(l: LayerView, theme: Theme): string {
  // "Frame 1: 74 bytes…" already names itself.
  if (l.summary.startsWith(l.name.trim())) return theme.bold(inert(l.summary));
  return theme.bold(inert(l.name)) + (l.summary ? '  ' + inert(l.summary) : '');
}
export function fieldLine(f: FieldView): string {
  return `    ${inert(f.name)}: ${inert(f.value)}`;
}
