import { PassThrough } from 'node:stream';
import blessed from 'blessed';
import { afterAll, describe, expect, it } from 'vitest';
import { connHeader, connRow } from '../../src/ui/conn-row.js';
import { ladderRow } from '../../src/ui/ladder.js';
import { DashboardModel } from '../../src/ui/model.js';
import { makeTheme } from '../../src/ui/theme.js';
import { VirtualList } from '../../src/ui/vlist.js';
import { FakeAnalysis } from './fake.js';
import type { Frame } from '../../src/capture/source.js';

// A screen that writes to nowhere: the list's own cost is what is measured.
const output = Object.assign(new PassThrough(), { columns: 200, rows: 60, isTTY: true });
const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
const screen = blessed.screen({ input, output, terminal: 'xterm-256color', warnings: false } as blessed.Widgets.IScreenOptions);
afterAll(() => screen.destroy());

describe('virtualised lists', () => {
  const theme = makeTheme(true);
  const a = new FakeAnalysis(100_000, 10);
  a.feed(Array(1_000_000).fill({ origLen: 60 }) as Frame[]);
  const m = new DashboardModel(a);
  m.refresh(0, true);

  it('a list of 100k connections draws and scrolls in well under a frame', () => {
    const list = new VirtualList(screen, {
      label: 'connections', theme,
      provider: { count: () => m.rowCount(), header: (w) => connHeader(w, m.sort, theme), row: (i, w) => connRow(m.summary(m.rowKey(i))!, w, theme) },
    });
    list.box.width = 200;
    list.box.height = 30;
    let rows = 0;
    const t0 = performance.now();
    for (let k = 0; k < 200; k++) {
      list.pageDown();
      list.draw();
      rows += list.pageRows();
    }
    list.end();
    list.draw();
    const perDraw = (performance.now() - t0) / 201;
    expect(list.selected).toBe(99_999);
    expect(list.box.getContent()).toContain('99999');
    expect(rows).toBeGreaterThan(5000);
    expect(perDraw).toBeLessThan(20);
  });

  it('a timeline of a million rows draws only its window', () => {
    const big = new FakeAnalysis(1, 1_000_000);
    big.feed(Array(1_000_000).fill({ origLen: 60 }) as Frame[]);
    let fetched = 0;
    let win: ReturnType<FakeAnalysis['timeline']> = [];
    let from = 0;
    const list = new VirtualList(screen, {
      label: 'timeline', theme,
      provider: {
        count: () => 1_000_000,
        window: (f, t) => { from = f; win = big.timeline(0, f, t); fetched += win.length; },
        row: (i, w) => ladderRow(win[i - from]!, w, theme),
      },
    });
    list.box.width = 120;
    list.box.height = 25;
    const t0 = performance.now();
    list.end();
    list.draw();
    list.home();
    list.draw();
    const ms = performance.now() - t0;
    expect(fetched).toBeLessThanOrEqual(2 * 23);
    expect(list.box.getContent()).toContain('handshake 1/3: SYN');
    expect(ms).toBeLessThan(50);
  });
});
