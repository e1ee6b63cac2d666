/**
 * src/limits.ts documents every limit; these checks keep it honest: the
 * defaults it states for options set inline agree with what a fresh
 * Analysis and application layer use, and every anomaly of severity
 * 'limit' in the registry is the marker of some documented limit.
 */
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analysis.js';
import { Anomaly } from '../../src/decode/anomalies.js';
import { LIMITS } from '../../src/limits.js';

const row = (name: string): string => LIMITS.find((l) => l.name === name)!.value;
const num = (s: string): number => Number(s.replace(/,/g, '').replace(/ .*$/, ''));

describe('the limits table', () => {
  it('states the defaults the code uses', () => {
    const a = new Analysis();
    expect(num(row('maxConnections'))).toBe(a.tcp.maxConnections);
    expect(a.tcp.closedTimeout).toBe(30);
    expect(a.tcp.idleTimeout).toBe(Infinity);
    expect(a.udp.idleTimeout).toBe(120);
    const app = a.app as unknown as { maxEvents: number; maxDetectSegments: number };
    expect(num(row('maxEvents'))).toBe(app.maxEvents);
    expect(num(row('maxDetectSegments'))).toBe(app.maxDetectSegments);
    expect(row('maxEventBytes')).toBe('64 MiB');
    for (const l of LIMITS) {
      for (const k of ['name', 'value', 'where', 'onHit'] as const) expect(l[k], `${l.name}.${k}`).not.toBe('');
    }
  });

  it("names every marker of severity 'limit'", () => {
    const markers = LIMITS.flatMap((l) => l.marker.split(/[ ,()]+/));
    for (let code = 0; code < 1000; code++) {
      if (Anomaly.severity(code) !== 'limit' || Anomaly.name(code).startsWith('anomaly_')) continue;
      expect(markers, Anomaly.name(code)).toContain(Anomaly.name(code));
    }
  });
});
