/**
 * Colours of the dashboard, as blessed tags. With NO_COLOR set (any
 * non-empty value, https://no-color.org) every colour function returns the
 * text unchanged: no colour tag is emitted anywhere. Emphasis that is not
 * colour (inverse for the selected row, bold for titles) stays, so the
 * dashboard remains usable in monochrome.
 */

export interface Theme {
  readonly color: boolean;
  /** SYN (handshake) segments. */
  syn(s: string): string;
  /** FIN segments. */
  fin(s: string): string;
  /** RST segments, errors, anomalies. */
  rst(s: string): string;
  /** Client side (follow stream, arrows). */
  client(s: string): string;
  /** Server side. */
  server(s: string): string;
  /** Secondary text (labels, units). */
  dim(s: string): string;
  /** Application events (HTTP/TLS/WebSocket). */
  app(s: string): string;
  /** TCP analysis flags (retransmission, dup ack…). */
  warn(s: string): string;
  /** Highlighted bytes in the hex dump. */
  mark(s: string): string;
  /** Not colour: inverse video, used for the selection in every theme. */
  inverse(s: string): string;
  bold(s: string): string;
  /** Border colour of the focused pane (blessed style value), or undefined. */
  readonly focusBorder: string | undefined;
}

function wrap(tag: string): (s: string) => string {
  return (s) => (s === '' ? s : `{${tag}}${s}{/${tag}}`);
}
const same = (s: string): string => s;

export function noColorRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.NO_COLOR;
  return v !== undefined && v !== '';
}

export function makeTheme(color: boolean): Theme {
  const inverse = wrap('inverse');
  const bold = wrap('bold');
  if (!color) {
    return {
      color, syn: same, fin: same, rst: same, client: same, server: same, dim: same, app: same,
      warn: same, mark: inverse, inverse, bold, focusBorder: undefined,
    };
  }
  return {
    color,
    syn: wrap('green-fg'),
    fin: wrap('yellow-fg'),
    rst: wrap('red-fg'),
    client: wrap('red-fg'),
    server: wrap('blue-fg'),
    dim: wrap('gray-fg'),
    app: wrap('cyan-fg'),
    warn: wrap('magenta-fg'),
    mark: (s) => (s === '' ? s : `{black-fg}{yellow-bg}${s}{/yellow-bg}{/black-fg}`),
    inverse,
    bold,
    focusBorder: 'cyan',
  };
}
