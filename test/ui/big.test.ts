/**
 * The dashboard on a large capture: it appears at once, loads in the
 * background with a progress bar, stays responsive while loading, keeps the
 * selection on its connection, and every redraw stays short (virtualised
 * lists). Redraw costs come from the dashboard itself ($SYNACK_UI_STATS).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigPcap } from './big.js';
import { Tmux, buildOnce, synack, tmuxAvailable } from './tmux.js';

const CONNS = 20_000; // 200,000 packets
let dir = '';
let file = '';
const sessions: Tmux[] = [];

beforeAll(() => {
  buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'synack-ui-big-'));
  file = join(dir, 'big.pcap');
  writeBigPcap(file, CONNS);
}, 120_000);
afterAll(() => {
  for (const t of sessions) t.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!tmuxAvailable())('dashboard on a large capture', () => {
  it('appears within a second, loads in the background, scrolls instantly, keeps the selection', async () => {
    const stats = join(dir, 'stats.json');
    const t = new Tmux(200, 60, { SYNACK_UI_STATS: stats });
    sessions.push(t);
    t.run(synack(file));
    // The progress bar while loading.
    let s = await t.waitFor(/\] \d+%/, 10_000);
    expect(s).toContain('synack big.pcap');
    // Move while loading: select the sixth connection, page down and back in the list.
    t.keys('j', 'j', 'j', 'j', 'j');
    await t.waitFor('tcp 5 · HTTP · 10.0.0.5:1029');
    t.keys('Tab', 'G', 'Tab', 'Tab');
    s = await t.waitFor(/loaded in/, 120_000);
    expect(s).toContain(`connections ${CONNS.toLocaleString('en-US')}`);
    expect(s).toContain('tcp 5 · HTTP · 10.0.0.5:1029'); // selection kept while 20k connections arrived
    // The last connection, then the first again.
    t.keys('G');
    await t.waitFor(`${CONNS - 1} HTTP`);
    t.keys('g');
    await t.waitFor('tcp 0 · HTTP');
    for (let i = 0; i < 20; i++) t.keys('PgDn');
    await t.waitFor(/tcp \d{3} · HTTP/);
    t.keys('q');
    await t.until(() => !t.alternate(), 10_000, 'exit');
    interface Bucket { draws: number; maxMs: number }
    const st = JSON.parse(readFileSync(stats, 'utf8')) as {
      firstDrawMs: number; firstCpuMs: number; frames: number; loading: Bucket; loaded: Bucket; loadingMeanMs: number; loadedMeanMs: number;
    };
    expect(st.frames).toBe(CONNS * 10);
    // First screen within a second of the process starting, node start-up included: CPU time
    // (what it costs), and a looser bound on wall time (test machines are shared).
    expect(st.firstCpuMs).toBeLessThan(1000);
    expect(st.firstDrawMs).toBeLessThan(3000);
    // While loading, redraws are short on average (the analysis' GC pauses land in some of them).
    expect(st.loading.draws).toBeGreaterThan(5);
    expect(st.loadingMeanMs).toBeLessThan(40);
    // Loaded: jumping to the end of 20,000 connections and paging is instant.
    expect(st.loaded.draws).toBeGreaterThan(5);
    expect(st.loaded.maxMs).toBeLessThan(60);
  });
});
