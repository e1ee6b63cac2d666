/**
 * Everything an analysis shows, as one plain object, so two ways of building
 * the same analysis (one thread, or records from the decoding worker) can be
 * compared whole.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

export const CAPTURES = resolve(process.cwd(), '../shared/captures');

export function corpus(): string[] {
  return readdirSync(CAPTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
}

/** The surface of Analysis read here (src or dist builds alike). */
export interface AnalysisView {
  stats: object;
  captureInfo: unknown;
  problems: unknown[];
  connCount(): number;
  connections(): unknown[];
  udpFlows(): unknown[];
  timeline(id: number): unknown[];
  frameConn(n: number): unknown;
  app?: {
    events: unknown[];
    http: unknown[];
    dns: unknown[];
    stream(id: number): { dir: number; data: Uint8Array; frameNumber: number }[] | undefined;
  } | undefined;
}

export function snapshot(a: AnalysisView): unknown {
  const timelines: unknown[] = [];
  const streams: unknown[] = [];
  for (let id = 0; id < a.connCount(); id++) {
    timelines.push(a.timeline(id));
    const s = a.app?.stream(id);
    streams.push(s?.map((c) => ({ dir: c.dir, frame: c.frameNumber, hex: Buffer.from(c.data).toString('hex') })));
  }
  const frames = (a.stats as { frames: number }).frames;
  const frameConn: unknown[] = [];
  for (let n = 1; n <= frames; n++) frameConn.push(a.frameConn(n));
  return JSON.parse(JSON.stringify({
    stats: a.stats,
    captureInfo: a.captureInfo,
    problems: a.problems,
    connections: a.connections(),
    udp: a.udpFlows(),
    timelines,
    streams,
    frameConn,
    events: a.app?.events,
    http: a.app?.http,
    dns: a.app?.dns,
  }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}
