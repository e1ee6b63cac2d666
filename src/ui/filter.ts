/**
 * The connection-list filter typed after `/`, e.g.
 * `port:80 state:SF host:10.0.0.1 http`.
 *
 * Terms are separated by spaces and must all match (AND). A term is
 *   host:IP|NAME   either endpoint's address (exact, or a prefix when it ends
 *                  with '.', ':' or '*'), or a substring of the application
 *                  label (TLS SNI, HTTP host)
 *   port:N         either port
 *   proto:NAME     tcp, udp, or a substring of the application label (http, tls, dns…)
 *   state:NAME     Zeek conn_state (SF, S0, REJ…) or either endpoint's RFC 9293
 *                  state (ESTABLISHED, TIME_WAIT…), case-insensitive; `open`
 *                  matches connections still open at the end
 *   id:N           the connection id
 *   WORD           free text: a case-insensitive substring of the row (protocol,
 *                  application, endpoints, states, history)
 * A leading `!` negates a term. Unknown `key:` prefixes are free text.
 */
import type { ConnSummary } from '../flow/model.js';

export interface FilterTerm {
  key: 'host' | 'port' | 'proto' | 'state' | 'id' | 'text';
  value: string;
  negate: boolean;
}

export interface ConnFilter {
  /** The expression as typed, trimmed; '' when no filter. */
  readonly text: string;
  readonly terms: readonly FilterTerm[];
  matches(c: ConnSummary): boolean;
}

const KEYS = new Set(['host', 'port', 'proto', 'state', 'id']);
const ALIASES: Record<string, FilterTerm['key']> = { ip: 'host', addr: 'host', protocol: 'proto', app: 'proto', stream: 'id' };

export function parseFilter(text: string): ConnFilter {
  const trimmed = text.trim();
  const terms: FilterTerm[] = [];
  for (const raw of trimmed.split(/\s+/)) {
    if (raw === '') continue;
    let t = raw;
    let negate = false;
    if (t.startsWith('!') && t.length > 1) {
      negate = true;
      t = t.slice(1);
    }
    const colon = t.indexOf(':');
    // host:fe80::1 keeps everything after the first colon.
    if (colon > 0) {
      const k = t.slice(0, colon).toLowerCase();
      const key = KEYS.has(k) ? (k as FilterTerm['key']) : ALIASES[k];
      if (key) {
        terms.push({ key, value: t.slice(colon + 1), negate });
        continue;
      }
    }
    terms.push({ key: 'text', value: t, negate });
  }
  return {
    text: trimmed,
    terms,
    matches: (c) => terms.every((term) => matchTerm(term, c) !== term.negate),
  };
}

export const NO_FILTER: ConnFilter = parseFilter('');

function hostMatches(value: string, ip: string): boolean {
  const v = value.toLowerCase();
  const a = ip.toLowerCase();
  if (v.endsWith('*')) return a.startsWith(v.slice(0, -1));
  if (v.endsWith('.') || (v.endsWith(':') && !v.endsWith('::'))) return a.startsWith(v);
  return a === v;
}

/** Text of a row searched by free-text terms. */
export function rowText(c: ConnSummary): string {
  return [
    c.proto, c.app, `${c.client.ip}:${c.client.port}`, `${c.server.ip}:${c.server.port}`,
    c.connState, c.clientState, c.serverState, c.history, c.handshake, c.teardown,
  ].join(' ').toLowerCase();
}

function matchTerm(term: FilterTerm, c: ConnSummary): boolean {
  const v = term.value;
  const lower = v.toLowerCase();
  switch (term.key) {
    case 'host':
      return hostMatches(v, c.client.ip) || hostMatches(v, c.server.ip) || (lower !== '' && c.app.toLowerCase().includes(lower));
    case 'port': {
      const n = Number(v);
      return Number.isInteger(n) && (c.client.port === n || c.server.port === n);
    }
    case 'proto':
      return lower === c.proto || (lower !== '' && c.app.toLowerCase().includes(lower));
    case 'state': {
      if (lower === 'open') return c.openAtEnd;
      if (lower === 'closed') return !c.openAtEnd;
      return c.connState.toLowerCase() === lower || c.clientState.toLowerCase() === lower || c.serverState.toLowerCase() === lower;
    }
    case 'id':
      return String(c.id) === v;
    case 'text':
      return rowText(c).includes(lower);
  }
}
