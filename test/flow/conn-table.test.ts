/**
 * Bounded connection tracking (issue 8): a SYN flood of distinct tuples keeps
 * the live table at its limit, evicts the oldest half-open entries first,
 * and every count stays exact. Plus UDP flows and their idle timeout, and
 * timelines: false.
 */
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analysis.js';
import { ethIpv4Tcp, ethIpv4Udp } from '../../src/capture/frame-builders.js';
import type { Frame } from '../../src/capture/source.js';
import { FlowTable, tupleHash, tupleHash4 } from '../../src/flow/flow-table.js';
import { Decoded } from '../../src/decode/decoded.js';
import { HANDSHAKE, run } from './segments.js';

/** SYN frames from 10.x.y.z:port → 192.0.2.1:80, one per distinct tuple, built by patching a template. */
function* synFlood(n: number, batch: number): Generator<Frame[]> {
  const tpl = ethIpv4Tcp({ src: '10.0.0.0', dst: '192.0.2.1', sport: 1024, dport: 80, flags: 'S', seq: 1 });
  let out: Frame[] = [];
  for (let i = 0; i < n; i++) {
    const buf = tpl.slice();
    // source address 10.a.b.c (IPv4 header at 14, source at +12), source port 1024 + (i % 60000)
    const host = Math.floor(i / 60000) + 1;
    buf[26] = 10; buf[27] = (host >> 16) & 255; buf[28] = (host >> 8) & 255; buf[29] = host & 255;
    const port = 1024 + (i % 60000);
    buf[34] = port >> 8; buf[35] = port & 255;
    out.push({
      number: i + 1, buf, offset: 0, capLen: buf.length, origLen: buf.length,
      tsSec: 1_700_000_000 + Math.floor(i / 1000), tsNsec: (i % 1000) * 1000,
      linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined,
    });
    if (out.length === batch) { yield out; out = []; }
  }
  if (out.length > 0) yield out;
}

describe('bounded connection table', () => {
  it('a SYN flood of 200,000 tuples with a 10,000-entry table: bounded, exact counts', () => {
    const a = new Analysis({ app: false, timelines: false, maxConnections: 10_000 });
    for (const b of synFlood(200_000, 1024)) a.feed(b);
    a.finish();
    expect(a.connCount()).toBe(200_000);
    expect(a.stats.tcpConns).toBe(200_000);
    expect(a.tcp.liveCount).toBeLessThanOrEqual(10_000);
    expect(a.tcp.table.capacity).toBeLessThanOrEqual(10_000);
    expect(a.stats.evicted).toBe(200_000 - a.tcp.liveCount);
    // Every connection is an unanswered SYN (Zeek S0), one packet each.
    for (const id of [0, 1, 99_999, 199_999]) {
      const c = a.conn(id)!;
      expect(c.connState).toBe('S0');
      expect(c.packets).toEqual([1, 0]);
      expect(c.handshake).toBe('syn-only');
    }
    // The oldest went first: the newest connections are still live.
    expect(a.isLive(199_999) || a.tcp.store.slot[199_999]! >= 0).toBe(true);
    expect(a.tcp.store.slot[0]).toBe(-1);
  });

  it('evicts half-open entries before established ones', () => {
    const a = new Analysis({ app: false, timelines: false, maxConnections: 16 });
    // One established connection first (the oldest entry) …
    const est = run(HANDSHAKE); // sanity of the helper
    expect(est.conn(0)!.connState).toBe('S1');
    const frames: Frame[] = [];
    const mk = (data: Uint8Array, n: number): Frame => ({
      number: n, buf: data, offset: 0, capLen: data.length, origLen: data.length,
      tsSec: 1_700_000_000 + n, tsNsec: 0, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined,
    });
    frames.push(mk(ethIpv4Tcp({ src: '10.9.9.9', dst: '10.0.0.2', sport: 5555, dport: 22, flags: 'S', seq: 1 }), 1));
    frames.push(mk(ethIpv4Tcp({ src: '10.0.0.2', dst: '10.9.9.9', sport: 22, dport: 5555, flags: 'SA', seq: 9, ack: 2 }), 2));
    frames.push(mk(ethIpv4Tcp({ src: '10.9.9.9', dst: '10.0.0.2', sport: 5555, dport: 22, flags: 'A', seq: 2, ack: 10 }), 3));
    // … then 40 half-open ones.
    for (let i = 0; i < 40; i++) {
      frames.push(mk(ethIpv4Tcp({ src: '10.1.1.1', dst: '10.0.0.2', sport: 20000 + i, dport: 80, flags: 'S', seq: 7 }), 4 + i));
    }
    a.feed(frames);
    // The established connection survived every eviction round.
    expect(a.tcp.store.slot[0]).toBeGreaterThanOrEqual(0);
    expect(a.stats.evicted).toBeGreaterThan(0);
    expect(a.connCount()).toBe(41);
    // A later segment of it still lands in connection 0.
    a.feed([mk(ethIpv4Tcp({ src: '10.0.0.2', dst: '10.9.9.9', sport: 22, dport: 5555, flags: 'PA', seq: 10, ack: 2, payload: 'SSH-2.0-x\r\n' }), 100)]);
    expect(a.connCount()).toBe(41);
    expect(a.conn(0)!.packets).toEqual([2, 2]);
  });

  it('state survives table growth: 3,000 interleaved handshakes', () => {
    const n = 3000;
    const mk = (data: Uint8Array, k: number): Frame => ({
      number: k, buf: data, offset: 0, capLen: data.length, origLen: data.length,
      tsSec: 1_700_000_000, tsNsec: k, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined,
    });
    const frames: Frame[] = [];
    const cl = (i: number): string => `10.2.${i >> 8}.${i & 255}`;
    for (let i = 0; i < n; i++) frames.push(mk(ethIpv4Tcp({ src: cl(i), dst: '10.0.0.2', sport: 40000, dport: 80, flags: 'S', seq: 1000 + i }), frames.length + 1));
    for (let i = 0; i < n; i++) frames.push(mk(ethIpv4Tcp({ src: '10.0.0.2', dst: cl(i), sport: 80, dport: 40000, flags: 'SA', seq: 5000 + i, ack: 1001 + i }), frames.length + 1));
    for (let i = 0; i < n; i++) frames.push(mk(ethIpv4Tcp({ src: cl(i), dst: '10.0.0.2', sport: 40000, dport: 80, flags: 'A', seq: 1001 + i, ack: 5001 + i }), frames.length + 1));
    const a = new Analysis({ app: false });
    a.feed(frames);
    a.finish();
    expect(a.connCount()).toBe(n);
    for (const id of [0, 1023, 1024, 2047, 2999]) {
      const c = a.conn(id)!;
      expect(c.connState).toBe('S1');
      expect(c.history).toBe('ShA');
      expect(c.handshake).toBe('complete');
      const tl = a.timeline(id);
      expect(tl.map((e) => [e.relSeq, e.relAck])).toEqual([[0, 0], [0, 1], [1, 1]]);
      expect(tl[2]!.note).toMatch(/handshake 3\/3: ACK ack=y\+1/);
    }
  });

  it('timeline retention keeps the newest records within the bound', () => {
    // Two connections alternating segments: 300,000 segments, at most 131,072 records kept.
    const tplA = ethIpv4Tcp({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, flags: 'A', seq: 1, ack: 1 });
    const tplB = ethIpv4Tcp({ src: '10.0.0.3', dst: '10.0.0.2', sport: 40001, dport: 80, flags: 'A', seq: 1, ack: 1 });
    const a = new Analysis({ app: false, maxTimelineRecords: 131_072 });
    const total = 300_000;
    for (let start = 0; start < total; start += 4096) {
      const batch: Frame[] = [];
      for (let k = start; k < Math.min(total, start + 4096); k++) {
        const buf = k % 2 === 0 ? tplA : tplB;
        batch.push({ number: k + 1, buf, offset: 0, capLen: buf.length, origLen: buf.length, tsSec: 1_700_000_000, tsNsec: k, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined });
      }
      a.feed(batch);
    }
    a.finish();
    expect(a.connCount()).toBe(2);
    expect(a.conn(0)!.packets[0] + a.conn(0)!.packets[1]).toBe(150_000);
    const kept = a.timelineLength(0) + a.timelineLength(1);
    expect(kept).toBeLessThanOrEqual(131_072 + 65_536);
    expect(kept).toBe(a.tcp.tl!.kept);
    expect(a.tcp.droppedRecords).toBe(total - kept);
    const tl0 = a.timeline(0);
    expect(tl0).toHaveLength(a.timelineLength(0));
    expect(tl0[tl0.length - 1]!.frameNumber).toBe(total - 1);
    expect(tl0[0]!.frameNumber).toBe(a.tcp.tl!.firstKept + 1);
    expect(a.frameConn(1)).toBeUndefined();
    expect(a.frameConn(total)!.id).toBe(1);
    expect(a.memory().timeline).toBeLessThanOrEqual(3 * 65_536 * 64 + 2 * (1 << 20));
  });

  it('the segment that made room carries the conn_table_limit anomaly on its timeline row', () => {
    const a = new Analysis({ app: false, maxConnections: 16 });
    const frames: Frame[] = [];
    for (let i = 0; i < 20; i++) {
      const data = ethIpv4Tcp({ src: '10.1.1.1', dst: '10.0.0.2', sport: 20000 + i, dport: 80, flags: 'S', seq: 7 });
      frames.push({ number: i + 1, buf: data, offset: 0, capLen: data.length, origLen: data.length, tsSec: 1_700_000_000 + i, tsNsec: 0, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined });
    }
    a.feed(frames);
    expect(a.stats.evicted).toBeGreaterThan(0);
    expect(a.timeline(16)[0]!.anomalies).toEqual(['connection table limit reached; oldest entry evicted']);
    expect(a.timeline(15)[0]!.anomalies).toEqual([]);
  });

  it('a RST flood on one connection: history capped with x (limits exceeded)', () => {
    const segs = [...HANDSHAKE];
    for (let i = 0; i < 500; i++) segs.push({ from: 'S', flags: 'R', seq: 1000 + i * 7 });
    const a = run(segs, { timelines: false });
    const h = a.conn(0)!.history;
    expect(h.length).toBeLessThanOrEqual(100);
    expect(h.startsWith('ShAr')).toBe(true);
    expect(h.endsWith('x')).toBe(true);
    expect(a.conn(0)!.packets).toEqual([2, 501]);
  });

  it('summary retention: the oldest summaries go, ids stay, counts stay exact', () => {
    // 3,000 connections of 3 segments each, at most 1,024 summaries kept.
    const a = new Analysis({ app: false, maxSummaries: 1000, maxTimelineRecords: 131_072 });
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const c = { ip: `10.3.${i >> 8}.${i & 255}`, port: 40000 };
      const segs = HANDSHAKE.map((x) => ({ ...x, client: c }));
      const frames = segs.map((sg, k) => {
        const src = sg.from === 'C' ? c : { ip: '10.0.0.2', port: 80 };
        const dst = sg.from === 'C' ? { ip: '10.0.0.2', port: 80 } : c;
        const data = ethIpv4Tcp({ src: src.ip, dst: dst.ip, sport: src.port, dport: dst.port, flags: sg.flags, seq: sg.seq, ack: sg.ack ?? 0 });
        return { number: i * 3 + k + 1, buf: data, offset: 0, capLen: data.length, origLen: data.length, tsSec: 1_700_000_000 + i, tsNsec: k, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined } as Frame;
      });
      a.feed(frames);
    }
    a.finish();
    expect(a.connCount()).toBe(n);
    expect(a.tcp.store.dropped).toBe(n - 1024);
    expect(a.conn(0)).toBeUndefined();
    expect(a.conn(n - 1025)).toBeUndefined();
    for (const id of [n - 1024, n - 500, n - 1]) {
      const c = a.conn(id)!;
      expect(c.id).toBe(id);
      expect(c.client.ip).toBe(`10.3.${id >> 8}.${id & 255}`);
      expect(c.connState).toBe('S1');
      expect(c.history).toBe('ShA');
      expect(c.packets).toEqual([2, 1]);
      expect(a.timeline(id).map((e) => e.frameNumber)).toEqual([id * 3 + 1, id * 3 + 2, id * 3 + 3]);
    }
    expect(a.connections()).toHaveLength(1024);
    expect(a.frameConn(1)).toBeUndefined();
    expect(a.frameConn(n * 3)!.id).toBe(n - 1);
  });

  it('timelines: false keeps summaries and no per-packet records', () => {
    const a = run(HANDSHAKE, { timelines: false });
    expect(a.conn(0)!.history).toBe('ShA');
    expect(a.timeline(0)).toEqual([]);
    expect(a.memory().timeline).toBe(0);
  });
});

describe('flow table', () => {
  it('hashes an IPv4 tuple from its two address words as from all eight', () => {
    const addr = new Uint32Array(8);
    for (const [src, dst, sp, dp] of [[0x0a000001, 0x0a000002, 40000, 80], [0xffffffff, 0x80000000, 0, 65535], [0x7f000001, 0x7f000001, 8080, 8080]]) {
      addr[3] = src!; addr[7] = dst!;
      expect(tupleHash4(src! | 0, dst! | 0, sp!, dp!)).toBe(tupleHash(addr, sp!, dp!, 4));
    }
  });

  it('hashes both directions alike and finds the direction', () => {
    const d = new Decoded();
    d.ipVersion = 4;
    d.addr[3] = 0x0a000001; d.addr[7] = 0x0a000002; d.srcPort = 40000; d.dstPort = 80;
    const h1 = tupleHash(d.addr, 40000, 80, 4);
    const r = new Decoded();
    r.ipVersion = 4;
    r.addr[3] = 0x0a000002; r.addr[7] = 0x0a000001; r.srcPort = 80; r.dstPort = 40000;
    expect(tupleHash(r.addr, 80, 40000, 4)).toBe(h1);
    const t = new FlowTable(4, 4);
    expect(t.lookup(d)).toBe(-1);
    const s = t.insert(d, 7, true);
    expect(t.lookup(r)).toBe(s);
    expect(t.dir).toBe(1);
    expect(t.lookup(d)).toBe(s);
    expect(t.dir).toBe(0);
    t.remove(s);
    expect(t.lookup(d)).toBe(-1);
  });

  it('hands out slots lowest first, a freed one next, and keeps every entry when it grows past its first records', () => {
    const n = 140_000; // more than the records allocated at first (2^17)
    const t = new FlowTable(200_000, 1024);
    const d = new Decoded();
    d.ipVersion = 4;
    d.addr[7] = 0xc0000201; d.dstPort = 80;
    const tuple = (i: number): Decoded => {
      d.addr[3] = 0x0a000000 + Math.floor(i / 60000); d.srcPort = 1024 + (i % 60000);
      return d;
    };
    let outOfOrder = 0;
    for (let i = 0; i < n; i++) {
      if (t.lookup(tuple(i)) !== -1 || t.insert(d, i, true) !== i) outOfOrder++;
    }
    expect(outOfOrder).toBe(0);
    expect(t.capacity).toBeGreaterThanOrEqual(n);
    for (let i = 0; i < n; i += 997) {
      expect(t.lookup(tuple(i))).toBe(i);
      expect(t.idOf(i)).toBe(i);
    }
    t.remove(5);
    t.remove(7);
    expect(t.idOf(5)).toBe(-1);
    t.lookup(tuple(n));
    expect(t.insert(d, n, true)).toBe(7);
    t.lookup(tuple(n + 1));
    expect(t.insert(d, n + 1, true)).toBe(5);
    t.lookup(tuple(n + 2));
    expect(t.insert(d, n + 2, true)).toBe(n);
    expect(t.count).toBe(n + 1);
  });
});

describe('UDP flows', () => {
  const q = (t: number, n: number, from: 'c' | 's'): Frame => {
    const data = from === 'c'
      ? ethIpv4Udp({ src: '10.0.0.1', dst: '10.0.0.53', sport: 33333, dport: 53, payload: 'q' })
      : ethIpv4Udp({ src: '10.0.0.53', dst: '10.0.0.1', sport: 53, dport: 33333, payload: 'answer' });
    return { number: n, buf: data, offset: 0, capLen: data.length, origLen: data.length, tsSec: 1_700_000_000 + t, tsNsec: 0, linkType: 1, ifIndex: 0, fileOffset: -1, comment: undefined };
  };

  it('groups both directions, SF when both sides sent (Zeek UDP conn_state), new flow after the idle timeout', () => {
    const a = new Analysis({ app: false, udpIdleTimeout: 60 });
    a.feed([q(0, 1, 'c'), q(0, 2, 's'), q(30, 3, 'c'), q(200, 4, 'c')]);
    a.finish();
    expect(a.udpCount()).toBe(2);
    const f0 = a.udpFlow(0)!;
    expect(f0.client).toEqual({ ip: '10.0.0.1', port: 33333 });
    expect(f0.server).toEqual({ ip: '10.0.0.53', port: 53 });
    expect(f0.packets).toEqual([2, 1]);
    expect(f0.connState).toBe('SF');
    expect(f0.history).toBe('Dd');
    expect(a.udpFlow(1)!.connState).toBe('S0');
    expect(a.frameConn(2)).toEqual({ proto: 'udp', id: 0, index: -1 });
    expect(a.frameConn(4)).toEqual({ proto: 'udp', id: 1, index: -1 });
  });

  it('a reply seen first: the side on the port below 1024 is the server (roles inferred)', () => {
    const a = new Analysis({ app: false });
    a.feed([q(0, 1, 's'), q(0, 2, 'c')]);
    const f = a.udpFlow(0)!;
    expect(f.server.port).toBe(53);
    expect(f.rolesInferred).toBe(true);
    expect(f.history).toBe('^dD');
  });
});
