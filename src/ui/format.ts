/**
 * Text helpers for the dashboard: fitting cells to a width, numbers with
 * units. Packet-derived text enters a cell only through `cell()` (safeTag,
 * then fitting that counts `{open}`/`{close}` as the one brace they show),
 * or through `inert()` for text the analysis already made safe.
 */
import { safeTag } from '../bytes/safe-text.js';

// Characters that must never reach a blessed widget with tags enabled. Text the
// analysis marks as "already safe" has had them escaped; `inert` re-checks.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function hexEscape(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? '\\x' + code.toString(16).padStart(2, '0') : '\\u' + code.toString(16).padStart(4, '0');
}

/** Escapes blessed tag braces only (for text that has no control characters). */
export function escapeBraces(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/**
 * For strings the analysis documents as already neutralised (timeline app
 * events, anomalies, AppEvent.text): escapes any control character that is
 * still there and the tag braces, without doubling backslashes again.
 */
export function inert(s: string): string {
  return escapeBraces(s.replace(CONTROL, hexEscape));
}

/**
 * Splits a tagged string into display units: `{open}`, `{close}` and any
 * other `{…}` tag are units of their own; everything else one code point each.
 */
function units(tagged: string): { text: string; width: number }[] {
  const out: { text: string; width: number }[] = [];
  let i = 0;
  while (i < tagged.length) {
    const c = tagged[i]!;
    if (c === '{') {
      const end = tagged.indexOf('}', i);
      if (end > i) {
        const tag = tagged.slice(i, end + 1);
        out.push({ text: tag, width: tag === '{open}' || tag === '{close}' ? 1 : 0 });
        i = end + 1;
        continue;
      }
    }
    const cp = tagged.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    out.push({ text: tagged.slice(i, i + len), width: 1 });
    i += len;
  }
  return out;
}

/** Display width of a tagged string (tags count 0, `{open}`/`{close}` count 1). */
export function tagWidth(tagged: string): number {
  if (tagged.indexOf('{') < 0) return [...tagged].length;
  let w = 0;
  for (const u of units(tagged)) w += u.width;
  return w;
}

/**
 * Truncates (with '…') and pads a tagged string to exactly `width` display
 * columns. Colour tags inside are kept whole; a cut never splits a tag.
 */
export function fitTagged(tagged: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const w = tagWidth(tagged);
  if (w <= width) {
    const pad = ' '.repeat(width - w);
    return align === 'left' ? tagged + pad : pad + tagged;
  }
  let out = '';
  let used = 0;
  const open: string[] = [];
  for (const u of units(tagged)) {
    if (u.width === 0) {
      out += u.text;
      if (u.text.startsWith('{/')) open.pop();
      else open.push(u.text.slice(1, -1));
      continue;
    }
    if (used + u.width > width - 1) break;
    out += u.text;
    used += u.width;
  }
  out += '…';
  used++;
  // Tags cut open are closed, innermost first, so they do not bleed into what follows.
  for (let i = open.length - 1; i >= 0; i--) out += `{/${open[i]}}`;
  return out + ' '.repeat(Math.max(0, width - used));
}

/** A cell of packet-derived text: neutralised (safeTag), then fitted. */
export function cell(raw: string, width: number, align: 'left' | 'right' = 'left'): string {
  return fitTagged(safeTag(raw), width, align);
}

/** A cell of our own text (numbers, names we chose): braces still escaped, then fitted. */
export function plain(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  return fitTagged(escapeBraces(s), width, align);
}

/** Byte counts in SI units as tshark prints them in conversation tables (kB = 1000 bytes). */
export function fmtBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/** Integer with thousands separators (fixed, not locale dependent). */
export function fmtCount(n: number): string {
  const s = Math.trunc(n).toString();
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Compact count: 999, 1.2k, 12k, 1.2M. */
export function fmtShortCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return (n / 1000).toFixed(1) + 'k';
  if (n < 1_000_000) return Math.round(n / 1000) + 'k';
  if (n < 10_000_000) return (n / 1e6).toFixed(1) + 'M';
  return Math.round(n / 1e6) + 'M';
}

/** A duration in seconds, short: 120µs, 1.23ms, 4.56s, 3m07s, 2h05m. */
export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const a = Math.abs(s);
  const sign = s < 0 ? '-' : '';
  if (a === 0) return '0s';
  if (a < 1e-3) return `${sign}${Math.round(a * 1e6)}µs`;
  if (a < 1) return `${sign}${(a * 1e3).toFixed(a < 0.01 ? 2 : a < 0.1 ? 1 : 0)}ms`;
  if (a < 60) return `${sign}${a.toFixed(a < 10 ? 2 : 1)}s`;
  if (a < 3600) return `${sign}${Math.floor(a / 60)}m${String(Math.floor(a % 60)).padStart(2, '0')}s`;
  return `${sign}${Math.floor(a / 3600)}h${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}m`;
}

/** Relative time with fixed 6 decimals, as tshark's frame.time_relative. */
export function fmtRelTime(s: number): string {
  return s.toFixed(6);
}

/** Absolute time of day in UTC with microseconds: 12:34:56.123456. */
export function fmtClock(epochSeconds: number): string {
  if (!Number.isFinite(epochSeconds)) return '–';
  const ms = Math.floor(epochSeconds * 1000);
  const d = new Date(ms);
  const us = Math.round((epochSeconds - Math.floor(epochSeconds)) * 1e6) % 1e6;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(us, 6)}`;
}

/** An endpoint as ip:port, IPv6 in brackets. */
export function fmtEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
