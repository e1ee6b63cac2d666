/** The dashboard's keys: one table for the help screen, the footer and the README. */

export interface KeyHelp {
  keys: string;
  what: string;
}

export const KEY_HELP: readonly KeyHelp[] = [
  { keys: '↑ ↓  j k', what: 'move the selection' },
  { keys: 'PgUp PgDn', what: 'move by a page' },
  { keys: 'g G  Home End', what: 'first / last row' },
  { keys: 'Tab  Shift-Tab', what: 'next / previous pane (connections, timeline, detail)' },
  { keys: 'Enter', what: 'drill down: connection → its timeline → packet detail' },
  { keys: 'Esc', what: 'back: close the view, or return to the previous pane' },
  { keys: '/', what: 'filter connections: host:IP port:N proto:NAME state:SF|ESTABLISHED|open id:N, free text; !term negates' },
  { keys: 's  S', what: 'sort: next column / reverse order' },
  { keys: 'f', what: 'follow stream of the selected connection (x: text/hex)' },
  { keys: 'h', what: 'HTTP transactions of the capture or of the selected connection (a: toggle)' },
  { keys: '?', what: 'this help' },
  { keys: 'q  Ctrl-C', what: 'quit (q closes a view first)' },
  { keys: 'mouse', what: 'click selects (click again opens), wheel scrolls' },
];

/** Short hints for the footer, in order of importance (cut from the end when narrow). */
export const FOOTER_HINTS: readonly [string, string][] = [
  ['↑↓', 'move'], ['⏎', 'open'], ['Esc', 'back'], ['Tab', 'pane'], ['/', 'filter'], ['f', 'follow'],
  ['h', 'http'], ['?', 'help'], ['q', 'quit'], ['s/S', 'sort'],
];
