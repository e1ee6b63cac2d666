/**
 * Neutralising packet-derived text before it reaches a terminal, a blessed
 * widget or a log line. Bytes from the wire are attacker-controlled: an
 * ESC or OSC sequence in a URI must be shown, never interpreted.
 *
 * - C0 controls (except nothing), DEL and C1 controls become visible escapes
 *   (`\x1b`, `\r`, `\n`, `\t`, `\x7f`, `\u009b`).
 * - Backslash is doubled so the output is unambiguous.
 * - Unicode bidi overrides and other format characters that reorder or hide
 *   text are escaped too.
 * For blessed, use `safeTag()`, which additionally neutralises `{` and `}`.
 */

// C0, DEL, C1, bidi controls (U+202A–U+202E, U+2066–U+2069), zero-width and
// line/paragraph separators, BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\\]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '\\': return '\\\\';
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\t': return '\\t';
  }
  const code = c.charCodeAt(0);
  return code < 0x100 ? '\\x' + code.toString(16).padStart(2, '0') : '\\u' + code.toString(16).padStart(4, '0');
}

/** Makes a string from the wire safe to print to a terminal. */
export function safeText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * For text that is already neutralised at its source (application labels and
 * events): escapes any control or format character that is still there, but
 * leaves backslashes alone, so escaping twice does not show `\\x1b`.
 */
export function safeAgain(s: string): string {
  return s.replace(CONTROLS, escapeChar);
}

/** Makes a string safe for a blessed widget with `tags: true`: no escapes, no `{tags}`. */
export function safeTag(s: string): string {
  // blessed's own escape form is {open}/{close}; it renders them as literal braces.
  return safeText(s).replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/**
 * Decodes bytes as Latin-1-safe display text (each byte one character, so
 * invalid UTF-8 can never hide bytes), then neutralises it.
 */
export function safeBytes(buf: Uint8Array, offset = 0, length = buf.length - offset, max = 200): string {
  const n = Math.min(length, max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = buf[offset + i]!;
    s += b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : escapeChar(String.fromCharCode(b));
  }
  return length > max ? s + '…' : s;
}

/** Decodes bytes as UTF-8 (replacing invalid sequences) and neutralises the result. */
export function safeUtf8(buf: Uint8Array, offset = 0, length = buf.length - offset): string {
  return safeText(Buffer.from(buf.buffer, buf.byteOffset + offset, length).toString('utf8'));
}

// Characters JSON.stringify leaves raw that a terminal may act on: DEL, C1
// controls (U+0080–U+009F: a UTF-8 terminal may take U+009B as CSI), bidi
// and other invisible format characters, line/paragraph separators.
const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * JSON.stringify whose output is inert in a terminal and still round-trips:
 * the characters above become \uXXXX escapes (JSON.stringify already escapes
 * C0 controls and lone surrogates), so JSON.parse gives back the exact
 * string. They can only occur inside strings, so the escape is always valid.
 */
export function safeJson(value: unknown, space?: number): string {
  const s = JSON.stringify(value, null, space);
  return s === undefined ? 'null' : s.replace(JSON_UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
