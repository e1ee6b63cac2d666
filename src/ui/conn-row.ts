/**
 * A connection as a row of the connection list. Columns have priorities:
 * on a narrow terminal the least important ones are dropped so the
 * endpoints keep room; on a wide one the endpoint states and history appear.
 */
import type { ConnSummary } from '../flow/model.js';
import { cell, fitTagged, fmtBytes, fmtDuration, fmtEndpoint, fmtShortCount, plain } from './format.js';
import { handshakeRtt, type SortKey } from './model.js';
import type { Theme } from './theme.js';

interface Column {
  title: string;
  width: number;
  priority: number;
  align: 'left' | 'right';
  sort?: SortKey;
  render(c: ConnSummary, w: number, t: Theme): string;
}

/** Handshake mark: ok (3-way seen), syn (SYN unanswered), rej (refused), part, – (not seen). */
export function handshakeMark(c: ConnSummary): string {
  if (c.proto !== 'tcp') return '';
  switch (c.handshake) {
    case 'complete': return 'ok';
    case 'syn-only': return 'syn';
    case 'refused': return 'rej';
    case 'partial': return 'part';
    case 'not-seen': return '–';
  }
}

/** Teardown mark: FIN (both sides), FIN> (client only), <FIN (server only), RST> / <RST (who reset), – (none). */
export function teardownMark(c: ConnSummary): string {
  if (c.proto !== 'tcp') return '';
  switch (c.teardown) {
    case 'fin-both': return 'FIN';
    case 'fin-client': return 'FIN>';
    case 'fin-server': return '<FIN';
    case 'rst-client': return 'RST>';
    case 'rst-server': return '<RST';
    case 'none': return '–';
  }
}

function colorHandshake(c: ConnSummary, s: string, t: Theme): string {
  if (c.handshake === 'complete') return t.syn(s);
  if (c.handshake === 'refused') return t.rst(s);
  return s;
}
function colorTeardown(c: ConnSummary, s: string, t: Theme): string {
  if (c.teardown.startsWith('rst')) return t.rst(s);
  if (c.teardown.startsWith('fin')) return t.fin(s);
  return s;
}

export function protoLabel(c: ConnSummary): string {
  return c.app || c.proto.toUpperCase();
}

const COLUMNS: Column[] = [
  { title: 'id', width: 5, priority: 0, align: 'right', sort: 'id', render: (c, w) => plain((c.proto === 'udp' ? 'u' : '') + c.id, w, 'right') },
  { title: 'proto', width: 7, priority: 0, align: 'left', sort: 'proto', render: (c, w) => cell(protoLabel(c), w) },
  {
    title: 'client → server', width: 0, priority: 0, align: 'left', sort: 'client',
    render: (c, w) => cell(`${fmtEndpoint(c.client.ip, c.client.port)} → ${fmtEndpoint(c.server.ip, c.server.port)}${c.rolesInferred ? ' ?' : ''}`, w),
  },
  { title: 'hs', width: 4, priority: 1, align: 'left', render: (c, w, t) => colorHandshake(c, plain(handshakeMark(c), w), t) },
  { title: 'close', width: 5, priority: 1, align: 'left', render: (c, w, t) => colorTeardown(c, plain(teardownMark(c), w), t) },
  { title: 'state', width: 6, priority: 0, align: 'left', sort: 'state', render: (c, w) => plain(c.connState, w) },
  {
    title: 'client/server state', width: 25, priority: 4, align: 'left',
    render: (c, w) => plain(c.proto === 'tcp' ? `${c.clientState}/${c.serverState}` : '', w),
  },
  { title: 'rtt', width: 8, priority: 2, align: 'right', sort: 'rtt', render: (c, w) => plain(c.proto === 'tcp' ? fmtDuration(handshakeRtt(c)) : '', w, 'right') },
  { title: 'pkts', width: 5, priority: 1, align: 'right', sort: 'packets', render: (c, w) => plain(fmtShortCount(c.packets[0] + c.packets[1]), w, 'right') },
  { title: 'bytes', width: 8, priority: 1, align: 'right', sort: 'bytes', render: (c, w) => plain(fmtBytes(c.bytes[0] + c.bytes[1]), w, 'right') },
  { title: 'dur', width: 8, priority: 2, align: 'right', sort: 'duration', render: (c, w) => plain(fmtDuration(c.duration), w, 'right') },
  { title: 'history', width: 12, priority: 5, align: 'left', render: (c, w) => cell(c.history, w) },
];

const MIN_ENDPOINTS = 30;

/** The columns that fit an inner width, with the endpoints column taking the rest. */
export function connColumns(width: number): { cols: Column[]; endpoints: number } {
  const sep = 1;
  const chosen = COLUMNS.slice();
  const used = (cs: Column[]): number => cs.reduce((s, c) => s + c.width + sep, 0);
  // Drop the lowest-priority columns until the endpoints have room.
  for (let p = 5; p >= 1; p--) {
    if (width - used(chosen) >= MIN_ENDPOINTS) break;
    for (let i = chosen.length - 1; i >= 0; i--) if (chosen[i]!.priority === p) chosen.splice(i, 1);
  }
  const endpoints = Math.max(12, width - used(chosen));
  // The protocol column grows on wide terminals: TLS labels carry the SNI.
  const proto = chosen.find((c) => c.title === 'proto')!;
  let extra = 0;
  if (endpoints > 60) {
    extra = Math.min(22, endpoints - 60);
  }
  return { cols: chosen.map((c) => (c === proto ? { ...c, width: c.width + extra } : c)), endpoints: endpoints - extra };
}

export function connHeader(width: number, sort: { key: SortKey; desc: boolean }, t: Theme): string {
  const { cols, endpoints } = connColumns(width);
  const parts = cols.map((c) => {
    const w = c.width || endpoints;
    const mark = c.sort && c.sort === sort.key ? (sort.desc ? '▼' : '▲') : '';
    return plain(c.title + mark, w, c.align);
  });
  return t.bold(parts.join(' '));
}

export function connRow(c: ConnSummary, width: number, t: Theme): string {
  const { cols, endpoints } = connColumns(width);
  return fitTagged(cols.map((col) => col.render(c, col.width || endpoints, t)).join(' '), width);
}
