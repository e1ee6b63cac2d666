import type { AppEvent, AppLayer } from './types.js';

/**
 * Appends to `out` the events of one connection (or flow) from index `from`
 * of `app.events` on; returns where `events` ends, to continue from later.
 * Layers with a compact log answer without building other connections'
 * events (AppLayer.connEvents); any other layer is filtered here.
 */
export function connEventsOf(app: AppLayer, transport: 'tcp' | 'udp', connId: number, from: number, out: AppEvent[]): number {
  if (app.connEvents !== undefined) return app.connEvents(transport, connId, from, out);
  const ev = app.events;
  for (let i = from; i < ev.length; i++) {
    const e = ev[i]!;
    if (e.transport === transport && e.connId === connId) out.push(e);
  }
  return ev.length;
}
