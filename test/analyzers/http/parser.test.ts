/**
 * HTTP/1.x push parser: every vector (vectors.ts) parses to the facts the
 * RFC gives, and parses the same when any one message is cut at every
 * possible byte boundary, and when everything arrives one byte per segment.
 */
import { describe, expect, test } from 'vitest';
import { createAppLayer } from '../../../src/analyzers/index.js';
import type { HttpTx } from '../../../src/analyzers/http/tx.js';
import type { AppLayer } from '../../../src/analyzers/types.js';
import { SegmentBuilder } from '../harness.js';
import { VECTORS, type Vector } from './vectors.js';

type Splitter = (stepIndex: number, data: Uint8Array) => number[];

/** Runs a vector; `split` gives the cut points of each step's bytes. */
function play(v: Vector, split: Splitter = () => []): AppLayer {
  const layer = createAppLayer();
  const c = new SegmentBuilder(layer).handshake();
  v.steps.forEach(([dir, data], i) => {
    const cuts = [0, ...split(i, data).filter((k) => k > 0 && k < data.length), data.length];
    for (let j = 0; j + 1 < cuts.length; j++) c.send(dir, data.subarray(cuts[j]!, cuts[j + 1]!));
  });
  if (v.closeAfter) c.fin(1).fin(0);
  layer.finish();
  return layer;
}

/** What must not depend on segmentation: everything but frame numbers and times. */
function facts(layer: AppLayer): unknown {
  return {
    tx: layer.http.map((t) => {
      const j = (t as HttpTx).toJSON();
      for (const k of ['requestFrames', 'responseFrames', 'requestStart', 'requestEnd', 'responseStart', 'responseEnd', 'serverTime']) delete j[k];
      j.interim = ((j.interim as { status: number }[] | null) ?? []).map((i) => i.status);
      return j;
    }),
    events: layer.events.map((e) => `${e.dir} ${e.proto} ${e.text.replace(/server time [0-9.]+ ms/, 'server time T')}`),
  };
}

function check(layer: AppLayer, v: Vector): void {
  expect(layer.http.length).toBe(v.expect.length);
  v.expect.forEach((exp, i) => {
    const tx = layer.http[i] as HttpTx;
    for (const [k, want] of Object.entries(exp)) {
      const got = k === 'interimStatuses' ? (tx.interim ?? []).map((x) => x.status) : (tx as unknown as Record<string, unknown>)[k];
      expect(got, `${v.name}: tx ${i + 1} ${k}`).toEqual(want);
    }
  });
}

describe('HTTP/1.x vectors', () => {
  for (const v of VECTORS) {
    test(v.name, () => {
      const layer = play(v);
      check(layer, v);
      expect(layer.tcpLabel(0)).toBe(v.expect.some((e) => e.upgrade === 'websocket') ? 'WebSocket' : 'HTTP');
      // No parse errors or limits on well-formed input.
      expect(layer.events.filter((e) => e.anomaly !== undefined)).toEqual([]);
    });
  }
});

describe('split at every byte boundary parses the same', () => {
  for (const v of VECTORS) {
    test(v.name, () => {
      const base = facts(play(v));
      v.steps.forEach(([, data], step) => {
        for (let k = 1; k < data.length; k++) {
          const got = facts(play(v, (i) => (i === step ? [k] : [])));
          expect(got, `step ${step} cut at ${k}`).toEqual(base);
        }
      });
      const bytewise = facts(play(v, (_i, data) => Array.from({ length: data.length }, (_, k) => k)));
      expect(bytewise, 'one byte per segment').toEqual(base);
    });
  }
});

describe('WebSocket frames after the upgrade (RFC 6455 §5.7 examples)', () => {
  test('unmasked and masked "Hello" text frames', () => {
    const v = VECTORS.find((x) => x.name.startsWith('WebSocket'))!;
    const layer = play(v);
    const ws = layer.events.filter((e) => e.proto === 'WebSocket').map((e) => `${e.dir} ${e.text}`);
    expect(ws).toEqual(['1 Text 5 B "Hello"', '0 Text masked 5 B "Hello"']);
  });
});
