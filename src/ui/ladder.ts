/**
 * One timeline entry as a row of a ladder diagram: the client's state on the
 * left, an arrow towards the receiver carrying the flags and relative
 * seq/ack/len, the server's state on the right, then the textbook note, TCP
 * analysis flags, application events and anomalies.
 *
 *   #  time      client        ─────────────────────────────   server        note
 *   1  0.000000  SYN_SENT      ──SYN seq=0────────────────►   LISTEN        handshake 1/3
 *   2  0.000123  SYN_SENT      ◄──────SYN+ACK seq=0 ack=1──   SYN_RECEIVED  handshake 2/3
 */
import { TcpFlag } from '../decode/decoded.js';
import type { TimelineEntry } from '../flow/model.js';
import { escapeBraces, fitTagged, inert, plain } from './format.js';
import type { Theme } from './theme.js';

/** Flag names joined with '+', in the order a reader expects: SYN+ACK, FIN+ACK, PSH+ACK, RST+ACK. */
export function flagNames(bits: number): string {
  const names: string[] = [];
  if (bits & TcpFlag.SYN) names.push('SYN');
  if (bits & TcpFlag.FIN) names.push('FIN');
  if (bits & TcpFlag.RST) names.push('RST');
  if (bits & TcpFlag.PSH) names.push('PSH');
  if (bits & TcpFlag.URG) names.push('URG');
  if (bits & TcpFlag.ACK) names.push('ACK');
  if (bits & TcpFlag.ECE) names.push('ECE');
  if (bits & TcpFlag.CWR) names.push('CWR');
  if (bits & TcpFlag.AE) names.push('AE');
  if (bits & TcpFlag.RESERVED) names.push('RES');
  return names.length ? names.join('+') : 'none';
}

/** Colour class of a segment: RST red over FIN yellow over SYN green; data plain. */
export function flagColor(bits: number, theme: Theme): (s: string) => string {
  if (bits & TcpFlag.RST) return theme.rst;
  if (bits & TcpFlag.FIN) return theme.fin;
  if (bits & TcpFlag.SYN) return theme.syn;
  return (s) => s;
}

export interface LadderColumns {
  frame: number;
  time: number;
  state: number;
  arrow: number;
  window: number;
  info: number;
}

/**
 * Column widths for an inner width. The arrow gets room for the longest
 * label on screen (`want`, in columns) when it can, leaving at least a
 * little for the notes; the notes take the rest.
 */
export function ladderColumns(width: number, want = 32): LadderColumns {
  const frame = 6;
  const time = width >= 100 ? 10 : 9;
  const state = 13;
  const window = width >= 150 ? 8 : 0;
  const fixed = frame + time + 2 * state + window;
  const rest = Math.max(10, width - fixed);
  const arrow = Math.max(18, Math.min(want + 6, 48, rest - 10));
  const info = Math.max(0, width - fixed - arrow);
  return { frame, time, state, arrow, window, info };
}

export function ladderHeader(width: number, theme: Theme, want?: number): string {
  const c = ladderColumns(width, want);
  const arrowTitle = (c.arrow >= 30 ? ' segment (→ server, ← client)' : ' segment') + (compactFor(c, want) ? ' s/a/l' : '');
  const s = plain('#', c.frame - 1, 'right') + ' ' + plain('time', c.time) + plain('client', c.state) +
    plain(arrowTitle, c.arrow) + plain('server', c.state) + (c.window ? plain('window', c.window) : '') +
    plain('note · analysis · application', c.info);
  return theme.bold(s);
}

/**
 * The label on an arrow: flags, then relative seq, ack (when ACK is set) and
 * length. The compact form (s= a= l=) is used for a whole screen of rows when
 * the full one does not fit the arrows.
 */
export function arrowLabel(e: TimelineEntry, compact = false): string {
  if (e.flags === '' && e.flagBits === 0) return '';
  let s = flagNames(e.flagBits) + (compact ? ` s=${e.relSeq}` : ` seq=${e.relSeq}`);
  if (e.flagBits & TcpFlag.ACK) s += compact ? ` a=${e.relAck}` : ` ack=${e.relAck}`;
  if (e.len > 0) s += compact ? ` l=${e.len}` : ` len=${e.len}`;
  return s;
}

/** Whether labels of `want` columns are too wide for the arrows of this width. */
function compactFor(c: LadderColumns, want: number | undefined): boolean {
  return want !== undefined && want + 4 > c.arrow - 2;
}

/** An arrow of exactly `width` columns with the label inside, pointing right for client→server. */
export function arrow(label: string, width: number, toServer: boolean): string {
  const inner = Math.max(0, width - 2); // one column of air on each side
  let body: string;
  if (label.length + 4 > inner) {
    const room = Math.max(0, inner - 1);
    const text = label.length > room ? label.slice(0, Math.max(0, room - 1)) + '…' : label;
    body = toServer ? text.padEnd(room, '─') + '►' : '◄' + text.padStart(room, '─');
  } else {
    const dashes = inner - label.length - 1;
    body = toServer ? '──' + label + '─'.repeat(dashes - 2) + '►' : '◄' + '─'.repeat(dashes - 2) + label + '──';
  }
  return ' ' + body + ' ';
}

/** Everything after the arrow: note, analysis flags, application events, anomalies. */
export function infoText(e: TimelineEntry, theme: Theme): string {
  const parts: string[] = [];
  if (e.note) parts.push(inert(e.note));
  for (const a of e.analysis) parts.push(theme.warn(`[${inert(a)}]`));
  for (const a of e.app) parts.push(theme.app(inert(a)));
  for (const a of e.anomalies) parts.push(theme.rst(`!${inert(a)}`));
  return parts.join(' ');
}

function fmtTime(e: TimelineEntry): string {
  return Number.isFinite(e.relTime) ? e.relTime.toFixed(6) : '';
}

export function ladderRow(e: TimelineEntry, width: number, theme: Theme, want?: number): string {
  const c = ladderColumns(width, want);
  const toServer = e.dir === 0;
  const label = arrowLabel(e, compactFor(c, want));
  let arrowText: string;
  if (label === '') {
    // An application event without a TCP segment (UDP flows): a plain arrow.
    arrowText = escapeBraces(arrow('', c.arrow, toServer));
  } else {
    arrowText = flagColor(e.flagBits, theme)(escapeBraces(arrow(label, c.arrow, toServer)));
  }
  const side = toServer ? theme.client : theme.server;
  return (
    plain(String(e.frameNumber), c.frame - 1, 'right') + ' ' +
    plain(fmtTime(e), c.time - 1) + ' ' +
    fitTagged(toServer ? side(e.clientState) : e.clientState, c.state) +
    arrowText +
    fitTagged(toServer ? e.serverState : side(e.serverState), c.state - 1) + ' ' +
    (c.window ? plain(label === '' ? '' : String(e.window), c.window) : '') +
    fitTagged(infoText(e, theme), c.info)
  );
}
