import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/ui/filter.js';
import { DashboardModel, Throughput } from '../../src/ui/model.js';
import { FakeAnalysis } from './fake.js';
import type { Frame } from '../../src/capture/source.js';

function feed(a: FakeAnalysis, n: number): void {
  const f = { origLen: 60 } as Frame;
  const batch = Array(n).fill(f) as Frame[];
  a.feed(batch);
}

describe('dashboard model over a growing analysis', () => {
  it('identity order needs no rebuild; a filter or sort builds an order with positions by key', () => {
    const a = new FakeAnalysis(1000, 10);
    const m = new DashboardModel(a);
    feed(a, 5000);
    m.refresh(0, true);
    expect(m.rowCount()).toBe(500);
    expect(m.rowKey(499)).toBe(499);
    m.setFilter(parseFilter('port:443'));
    m.refresh(1, true);
    expect(m.rowCount()).toBe(167); // ids divisible by 3
    expect(m.rowKey(1)).toBe(3);
    expect(m.indexOfKey(3)).toBe(1);
    expect(m.indexOfKey(4)).toBe(-1);
    m.setFilter(parseFilter(''));
    m.setSort('bytes', true);
    m.refresh(2, true);
    const first = m.summary(m.rowKey(0))!;
    const second = m.summary(m.rowKey(1))!;
    expect(first.bytes[0] + first.bytes[1]).toBeGreaterThanOrEqual(second.bytes[0] + second.bytes[1]);
  });

  it('the selected connection keeps its key while connections arrive (sorted by a column)', () => {
    const a = new FakeAnalysis(100_000, 10);
    const m = new DashboardModel(a);
    m.setSort('bytes', true);
    feed(a, 10_000);
    m.refresh(0, true);
    const key = m.rowKey(10);
    feed(a, 100_000);
    m.refresh(10_000, false);
    const i = m.indexOfKey(key);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(m.rowKey(i)).toBe(key);
  });

  it('rebuilds are throttled by their own cost (a growing capture is not re-sorted every frame)', () => {
    const a = new FakeAnalysis(100_000, 10);
    const m = new DashboardModel(a);
    m.setSort('duration', false);
    feed(a, 100_000);
    m.refresh(0, true);
    const v = m.orderVersion;
    feed(a, 100_000);
    m.refresh(10, false); // 10 ms later: too soon
    expect(m.orderVersion).toBe(v);
    // The rebuild runs in slices of a few milliseconds, one per redraw.
    for (let i = 0; i < 1000 && m.orderVersion === v; i++) m.refresh(100_000 + i * 100, false);
    expect(m.orderVersion).toBeGreaterThan(v);
    expect(m.rowCount()).toBe(20_000);
  });

  it('timeline rows come in windows, and a frame is found by binary search', () => {
    const a = new FakeAnalysis(10, 1_000_000);
    const m = new DashboardModel(a);
    feed(a, 10_000_000);
    m.refresh(0, true);
    expect(m.timelineLength(3)).toBe(1_000_000);
    const rows = m.timeline(3, 999_990, 1_000_000);
    expect(rows).toHaveLength(10);
    expect(rows[9]!.note).toBe('teardown: last ACK');
    expect(m.timelineIndexOfFrame(3, 3_000_000 + 4242 + 1)).toBe(4242);
  });
});

describe('throughput series', () => {
  it('keeps a fixed number of buckets, doubling their width as time grows', () => {
    const t = new Throughput(8);
    for (let s = 0; s < 8; s++) t.add(1000 + s, 100);
    expect(t.width).toBe(1);
    t.add(1008, 100);
    expect(t.width).toBe(2);
    const { y } = t.series();
    expect(y.slice(0, 5)).toEqual([100, 100, 100, 100, 50]);
    t.add(990, 7); // earlier than the start: first bucket
    expect(t.buckets[0]).toBe(207);
  });
});
