/**
 * The terminal dashboard: connection list, ladder timeline of the selected
 * connection, packet detail, charts; HTTP, follow-stream and help views one
 * key away.
 *
 * It renders snapshots of an `Analysis` through `DashboardModel` and never
 * owns analysis state (STYLE principle 15). The screen appears at once;
 * frames load in the background (src/ui/loader.ts) and the screen is
 * redrawn at a steady, bounded rate. Lists are virtualised (src/ui/vlist.ts).
 */
import { writeFileSync } from 'node:fs';
import blessed from 'blessed';
import type { AnalysisOptions } from '../analysis.js';
import type { HttpTransaction } from '../analyzers/types.js';
import type { FrameSource } from '../capture/source.js';
import type { TimelineEntry } from '../flow/model.js';
import { safeTag, safeText } from '../bytes/safe-text.js';
import { Charts, type Area } from './charts.js';
import { connHeader, connRow, protoLabel } from './conn-row.js';
import { DetailPane } from './detail-pane.js';
import { parseFilter } from './filter.js';
import { escapeBraces, fitTagged, fmtBytes, fmtClock, fmtCount, fmtDuration, fmtShortCount, plain, cell, tagWidth } from './format.js';
import { FollowView } from './follow.js';
import { FrameReader } from './frame-reader.js';
import { FOOTER_HINTS, KEY_HELP } from './keys.js';
import { arrowLabel, ladderHeader, ladderRow } from './ladder.js';
import { Loader } from './loader.js';
import { type AnalysisLike, DashboardModel, FrameIndex, SORT_KEYS, type SortKey, Throughput, isUdpKey, keyId } from './model.js';
import { makeTheme, noColorRequested, type Theme } from './theme.js';
import { VirtualList } from './vlist.js';

export interface DashboardOptions {
  /** Shown in the header: the file name or the interface. */
  title: string;
  /** The frames, or a function that opens them (called after the screen is up). */
  source: FrameSource | (() => Promise<FrameSource>);
  /** The capture file, when frames come from one: the detail pane re-reads frames from it. */
  filePath?: string;
  /** Passed to the Analysis constructor. */
  analysisOptions?: Record<string, unknown>;
  /** Live source: no progress bar, the timeline follows new rows. */
  live?: boolean;
  /** Builds the analysis; defaults to `new Analysis(analysisOptions)` from src/analysis.ts. */
  createAnalysis?: (options: Record<string, unknown> | undefined) => AnalysisLike | Promise<AnalysisLike>;
  /** Initial filter expression and sort. */
  filter?: string;
  sort?: SortKey;
  sortDesc?: boolean;
  /** Mouse support (default on). */
  mouse?: boolean;
  /** Redraws per second while data changes (default 10). */
  fps?: number;
  /** Force colours off (NO_COLOR is also honoured). */
  noColor?: boolean;
}

type Pane = 'conns' | 'timeline' | 'detail';
type Overlay = 'none' | 'detail' | 'http' | 'follow' | 'help';

async function defaultAnalysis(options: Record<string, unknown> | undefined): Promise<AnalysisLike> {
  // Loaded after the first screen is drawn: the analyzers are most of the start-up time.
  const { Analysis } = await import('../analysis.js');
  return new Analysis((options ?? {}) as AnalysisOptions) satisfies AnalysisLike;
}

/** Opens the dashboard; resolves with the exit code when the user quits. */
export function runDashboard(opts: DashboardOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const d = new Dashboard(opts, (code, err) => (err === undefined ? resolve(code) : reject(err)));
    d.start().catch((e: unknown) => d.fail(e));
  });
}

class Dashboard {
  private readonly theme: Theme;
  private readonly screen: blessed.Widgets.Screen;
  private readonly header: blessed.Widgets.BoxElement;
  private readonly footer: blessed.Widgets.BoxElement;
  private readonly prompt: blessed.Widgets.TextboxElement;
  private readonly conns: VirtualList;
  private readonly timeline: VirtualList;
  private readonly detail: DetailPane;
  private readonly http: VirtualList;
  private readonly follow: FollowView;
  private readonly help: blessed.Widgets.BoxElement;
  private readonly charts: Charts;
  private model: DashboardModel | undefined;
  private loader: Loader | undefined;
  private reader: FrameReader | undefined;
  private readonly index: FrameIndex;
  private readonly throughput = new Throughput(120);
  private focus: Pane = 'conns';
  private overlay: Overlay = 'none';
  private overlayReturn: Overlay = 'none';
  private prompting = false;
  private selectedKey: number | undefined;
  private orderVersion = -1;
  private timelineWindow: { key: number; from: number; entries: TimelineEntry[]; want: number } = { key: -1, from: 0, entries: [], want: 0 };
  private detailFor: { key: number; index: number } = { key: NaN, index: -1 };
  private httpRows: HttpTransaction[] = [];
  private httpScope: 'all' | 'conn' = 'all';
  private httpScopeKey: number | undefined;
  /** Rows the list had room for at the last layout (a small list grows its pane as rows arrive). */
  private connsRowsAtLayout = 0;
  private connsCap = 0;
  private layoutInfo = { detailDocked: false, charts: false, width: 0, height: 0 };
  private timer: NodeJS.Timeout | undefined;
  private drawPending = false;
  private lastChartAt = -Infinity;
  private finished = false;
  private message = '';
  private status = 'opening…';
  private wasLoading = true;
  private readonly processHandlers: [string, (...a: unknown[]) => void][] = [];
  private readonly startedAt = performance.now();
  /** Milliseconds the process had run before the dashboard was constructed (node start-up, module loading). */
  private readonly processUptimeAtStart = process.uptime() * 1000;

  constructor(private readonly opts: DashboardOptions, private readonly done: (code: number, err?: unknown) => void) {
    this.theme = makeTheme(!(opts.noColor || noColorRequested()));
    this.index = new FrameIndex(opts.filePath ? 0 : 16 * 1024 * 1024);
    this.screen = blessed.screen({
      smartCSR: true,
      title: `synack ${opts.title}`,
      warnings: false,
      autoPadding: true,
      fullUnicode: false,
      forceUnicode: true,
      dockBorders: false,
    } as blessed.Widgets.IScreenOptions);
    const s = this.screen;
    // Box drawing as Unicode characters rather than the terminal's alternate
    // character set: the same on every UTF-8 terminal, and in tmux captures.
    (s as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
    this.header = blessed.box({ parent: s, top: 0, left: 0, height: 2, tags: true, wrap: false });
    this.footer = blessed.box({ parent: s, bottom: 0, left: 0, height: 1, tags: true, wrap: false });
    this.prompt = blessed.textbox({ parent: s, bottom: 0, left: 8, height: 1, inputOnFocus: false, hidden: true, keys: false } as blessed.Widgets.TextboxOptions);
    // Ctrl-U clears the line, as in a shell (the textbox ignores control keys itself).
    this.prompt.on('keypress', (_ch: string, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
      if (key?.full === 'C-u') {
        this.prompt.setValue('');
        this.screen.render();
      }
    });

    this.conns = new VirtualList(s, {
      label: 'connections',
      theme: this.theme,
      provider: {
        count: () => this.model?.rowCount() ?? 0,
        header: (w) => connHeader(w, this.model?.sort ?? { key: 'id', desc: false }, this.theme),
        row: (i, w) => {
          const m = this.model;
          const c = m?.summary(m.rowKey(i));
          return c ? connRow(c, w, this.theme) : '';
        },
      },
      onSelect: (i) => this.selectConnRow(i),
      onActivate: () => this.setFocus('timeline'),
      onFocus: () => this.mouseFocus('conns'),
    });
    this.timeline = new VirtualList(s, {
      label: 'timeline',
      theme: this.theme,
      provider: {
        count: () => (this.selectedKey === undefined || !this.model ? 0 : this.model.timelineLength(this.selectedKey)),
        window: (from, to) => this.fetchTimeline(from, to),
        header: (w) => ladderHeader(w, this.theme, this.timelineWindow.want),
        row: (i, w) => {
          const e = this.timelineWindow.entries[i - this.timelineWindow.from];
          return e ? ladderRow(e, w, this.theme, this.timelineWindow.want) : '';
        },
      },
      onSelect: () => this.scheduleDraw(),
      onActivate: () => this.openDetail(),
      onFocus: () => this.mouseFocus('timeline'),
    });
    this.detail = new DetailPane(s, this.theme, () => this.mouseFocus('detail'));
    this.http = new VirtualList(s, {
      label: 'HTTP transactions',
      theme: this.theme,
      provider: {
        count: () => this.httpRows.length,
        header: (w) => httpHeader(w, this.theme),
        row: (i, w) => {
          const t = this.httpRows[i];
          return t ? httpRow(t, w) : '';
        },
      },
      onActivate: (i) => this.jumpToTransaction(i),
    });
    this.http.box.hide();
    this.follow = new FollowView(s, this.theme);
    this.follow.list.box.hide();
    this.help = blessed.box({
      parent: s, tags: true, border: { type: 'line' }, label: ' help ', hidden: true, scrollable: true, wrap: false,
    });
    this.charts = new Charts(s, this.theme);

    s.on('resize', () => {
      this.layout();
      this.drawNow();
    });
    s.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
      const t0 = performance.now();
      try {
        this.onKey(ch, key);
      } catch (e) {
        this.fail(e);
      }
      const ms = performance.now() - t0;
      this.drawStats.keys++;
      if (ms > this.drawStats.keyMaxMs) this.drawStats.keyMaxMs = ms;
    });
    if (opts.mouse !== false) s.enableMouse();
    this.installProcessHandlers();
    this.conns.setFocused(true);
    this.layout();
    this.drawNow();
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    const create = this.opts.createAnalysis ?? defaultAnalysis;
    const analysis = await create(this.opts.analysisOptions);
    if (this.finished) return;
    this.model = new DashboardModel(analysis);
    if (this.opts.filter) this.model.setFilter(parseFilter(this.opts.filter));
    if (this.opts.sort) this.model.setSort(this.opts.sort, this.opts.sortDesc ?? false);
    this.status = this.opts.live ? 'opening capture…' : 'loading…';
    this.drawNow();
    const source = typeof this.opts.source === 'function' ? await this.opts.source() : this.opts.source;
    if (this.finished) {
      source.close();
      return;
    }
    if (this.opts.filePath) this.reader = new FrameReader(this.opts.filePath);
    this.loader = new Loader(analysis, this.index, this.throughput, source);
    const fps = Math.max(1, Math.min(30, this.opts.fps ?? 10));
    this.timer = setInterval(() => this.tick(), Math.round(1000 / fps));
    void this.loader.run().then(() => {
      if (this.loader?.error !== undefined) this.message = `error: ${errorText(this.loader.error)}`;
      this.tick();
    });
  }

  private installProcessHandlers(): void {
    const on = (ev: string, fn: (...a: unknown[]) => void): void => {
      process.on(ev as NodeJS.Signals, fn);
      this.processHandlers.push([ev, fn]);
    };
    on('SIGTERM', () => this.quit(143));
    on('SIGHUP', () => this.quit(129));
    on('SIGINT', () => this.quit(130));
    on('uncaughtException', (e) => this.fail(e));
    on('unhandledRejection', (e) => this.fail(e));
  }

  /** Restores the terminal and reports an error (printed by the CLI as one line). */
  fail(e: unknown): void {
    this.shutdown();
    this.done(1, e instanceof Error ? e : new Error(String(e)));
  }

  quit(code = 0): void {
    this.shutdown();
    this.done(code);
  }

  private shutdown(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.loader?.stop();
    this.reader?.close();
    for (const [ev, fn] of this.processHandlers) process.removeListener(ev, fn);
    const statsFile = process.env.SYNACK_UI_STATS;
    if (statsFile) {
      const st = this.drawStats;
      const mean = (b: { draws: number; totalMs: number }): number => (b.draws ? b.totalMs / b.draws : 0);
      const out = { ...st, loadingMeanMs: mean(st.loading), loadedMeanMs: mean(st.loaded), firstDrawMs: st.firstAt - this.startedAt + this.processUptimeAtStart,
        frames: this.model?.analysis.stats.frames ?? 0, loadSeconds: this.loader?.elapsed() ?? 0, rssMB: process.memoryUsage().rss / 1e6 };
      try { writeFileSync(statsFile, JSON.stringify(out) + '\n'); } catch { /* best effort */ }
    }
    try {
      this.charts.destroy();
      this.screen.destroy();
    } finally {
      // blessed leaves stdin flowing after destroy; release it so the process can end.
      if (process.stdin.isTTY) process.stdin.setRawMode?.(false);
      process.stdin.pause();
    }
  }

  // ------------------------------------------------------------------ layout

  private layout(): void {
    const W = (this.screen.width as number) || 80;
    const H = (this.screen.height as number) || 24;
    const headerH = 2;
    const footerH = 1;
    const bodyTop = headerH;
    const bodyH = Math.max(4, H - headerH - footerH);
    const showCharts = W >= 120 && H >= 40;
    const detailDocked = W >= 150 && H >= 30;
    this.layoutInfo = { detailDocked, charts: showCharts, width: W, height: H };

    this.header.width = W;
    this.footer.width = W;
    this.prompt.width = Math.max(10, W - 8);

    const chartsH = showCharts ? Math.min(16, Math.max(10, Math.round(bodyH * 0.22))) : 0;
    const mainH = bodyH - chartsH;
    // The list takes up to 38% of the height, less when a few connections need less (borders and titles: 3 rows).
    const rows = this.model?.rowCount() ?? 0;
    const connsH = Math.max(5, Math.min(Math.round(mainH * 0.38), mainH - 5, rows + 3));
    this.connsCap = Math.round(mainH * 0.38);
    this.connsRowsAtLayout = Math.min(rows, this.connsCap);
    const lowerTop = bodyTop + connsH;
    const lowerH = Math.max(3, mainH - connsH);
    const timelineW = detailDocked ? Math.round(W * 0.6) : W;

    place(this.conns.box, { top: bodyTop, left: 0, width: W, height: connsH });
    place(this.timeline.box, { top: lowerTop, left: 0, width: timelineW, height: lowerH });
    if (detailDocked) {
      this.detail.place({ top: lowerTop, left: timelineW, width: W - timelineW, height: lowerH });
    } else if (this.overlay !== 'detail') {
      this.detail.hide();
      if (this.focus === 'detail') this.setFocus('timeline');
    }
    if (showCharts) {
      const chartsTop = bodyTop + mainH;
      const lineW = Math.round(W * 0.62);
      this.charts.place(
        { top: chartsTop, left: 0, width: lineW, height: chartsH },
        { top: chartsTop, left: lineW, width: W - lineW, height: chartsH },
      );
      this.lastChartAt = -Infinity;
    } else {
      this.charts.place(null, null);
    }
    const overlayArea: Area = { top: bodyTop, left: 0, width: W, height: bodyH };
    place(this.http.box, overlayArea);
    place(this.follow.list.box, overlayArea);
    place(this.help, overlayArea);
    if (this.overlay === 'detail') this.detail.place(overlayArea);
    this.applyOverlay();
  }

  /** Shows the main panes or the one view over them. */
  private applyOverlay(): void {
    const o = this.overlay;
    const main = o === 'none';
    for (const b of [this.conns.box, this.timeline.box]) (main ? b.show() : b.hide());
    this.charts.setVisible(main);
    if (o === 'detail' || (main && this.layoutInfo.detailDocked)) this.detail.show();
    else this.detail.hide();
    (o === 'http' ? this.http.box.show() : this.http.box.hide());
    (o === 'follow' ? this.follow.list.box.show() : this.follow.list.box.hide());
    (o === 'help' ? this.help.show() : this.help.hide());
    this.http.setFocused(o === 'http');
    this.follow.list.setFocused(o === 'follow');
    this.detail.setFocused(o === 'detail' || (main && this.focus === 'detail'));
  }

  // ------------------------------------------------------------------- drawing

  private tick(): void {
    if (this.finished) return;
    const loading = this.loader ? !this.loader.done : true;
    // Idle and nothing changed: no redraw (a finished file costs nothing once its last scans are done).
    if (!loading && !this.wasLoading && !this.opts.live && !(this.model?.pending() ?? false)) return;
    const justFinished = this.wasLoading && !loading;
    this.wasLoading = loading;
    this.drawNow(justFinished);
  }

  private scheduleDraw(): void {
    if (this.drawPending || this.finished) return;
    this.drawPending = true;
    setImmediate(() => {
      this.drawPending = false;
      if (!this.finished) this.drawNow();
    });
  }

  private drawNow(forceRefresh = false): void {
    if (this.finished) return;
    const now = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      this.drawFrame(now, forceRefresh);
    } finally {
      // CPU time rather than wall time: a busy machine does not make a redraw look slow.
      const c = process.cpuUsage(cpu0);
      const ms = (c.user + c.system) / 1000;
      const st = this.drawStats;
      // Draws while loading also absorb the analysis' garbage collection: counted apart.
      const b = this.loader?.done ? st.loaded : st.loading;
      b.draws++;
      b.totalMs += ms;
      if (ms > b.maxMs) b.maxMs = ms;
      if (st.firstAt === 0) {
        st.firstAt = performance.now();
        const u = process.cpuUsage();
        st.firstCpuMs = (u.user + u.system) / 1000;
      }
    }
  }

  /** Redraw costs (CPU ms), written to $SYNACK_UI_STATS (a file path) on exit, for tests and measurements. */
  private readonly drawStats = {
    loading: { draws: 0, totalMs: 0, maxMs: 0 },
    loaded: { draws: 0, totalMs: 0, maxMs: 0 },
    firstAt: 0, firstCpuMs: 0, keys: 0, keyMaxMs: 0,
  };

  private drawFrame(now: number, forceRefresh: boolean): void {
    const m = this.model;
    if (m) {
      // User actions rebuild the order at once (in their handlers); here it is sliced.
      m.refresh(now, false);
      this.syncSelection();
      if (this.overlay === 'none' && Math.min(m.rowCount(), this.connsCap) !== this.connsRowsAtLayout) this.layout();
    }
    this.drawHeader(now);
    this.drawFooter();
    if (this.overlay === 'none' || this.overlay === 'detail') {
      this.conns.setLabel(this.connsLabel());
      this.timeline.setLabel(this.timelineLabel());
      if (this.overlay === 'none') {
        this.conns.draw();
        this.followTail();
        this.timeline.draw();
      }
      if (this.layoutInfo.detailDocked || this.overlay === 'detail') this.updateDetail();
      if (this.overlay === 'none' && this.layoutInfo.charts && m && (forceRefresh || m.pending() || now - this.lastChartAt > 1000)) {
        this.lastChartAt = now;
        this.charts.setLine(this.throughput.series());
        this.charts.setBar(m.connsByState(8, now));
      }
    } else if (this.overlay === 'http') {
      this.refreshHttpRows();
      this.http.setLabel(this.httpLabel());
      this.http.draw();
    } else if (this.overlay === 'follow') {
      this.follow.draw();
    } else if (this.overlay === 'help') {
      this.drawHelp();
    }
    this.screen.render();
  }

  /** Keeps the connection selection on the same connection id when rows are added, sorted or filtered. */
  private syncSelection(): void {
    const m = this.model!;
    const n = m.rowCount();
    if (this.selectedKey === undefined) {
      if (n > 0) {
        this.conns.select(0, false);
        this.selectedKey = m.rowKey(0);
        this.timeline.select(0, false);
      }
      this.orderVersion = m.orderVersion;
      return;
    }
    if (m.orderVersion !== this.orderVersion) {
      this.orderVersion = m.orderVersion;
      const i = m.indexOfKey(this.selectedKey);
      if (i >= 0) this.conns.reanchor(i, this.conns.selected);
      else if (n > 0) {
        // The selected connection was filtered out: keep the row position.
        const j = Math.min(this.conns.selected, n - 1);
        this.conns.select(j, false);
        this.changeConnection(m.rowKey(j));
      }
    }
  }

  private followTail(): void {
    // Live: a timeline whose last row is selected keeps following new rows.
    if (!this.opts.live || this.selectedKey === undefined || !this.model) return;
    const n = this.model.timelineLength(this.selectedKey);
    if (this.timeline.selected >= this.lastTimelineCount - 1 && n > this.lastTimelineCount) this.timeline.select(n - 1, false);
    this.lastTimelineCount = n;
  }
  private lastTimelineCount = 0;

  private fetchTimeline(from: number, to: number): void {
    const key = this.selectedKey;
    if (key === undefined || !this.model) {
      this.timelineWindow = { key: -1, from: 0, entries: [], want: 0 };
      return;
    }
    const entries = this.model.timeline(key, from, to);
    // The arrows are as wide as the longest label on screen needs (within limits).
    let want = 0;
    for (const e of entries) want = Math.max(want, arrowLabel(e).length);
    this.timelineWindow = { key, from, entries, want };
  }

  private drawHeader(now: number): void {
    const W = this.layoutInfo.width;
    const t = this.theme;
    const m = this.model;
    const st = m?.analysis.stats;
    const l = this.loader;
    const src = l?.source;
    const dropped = src ? src.dropped.pipeline + src.dropped.kernel : 0;
    const line1: string[] = [t.bold('synack') + ' ' + cell(this.opts.title, Math.min(48, Math.max(12, W - 66))).trimEnd()];
    const line2: string[] = [];
    if (st) {
      line1.push(`${fmtCount(st.frames)} pkts`, fmtBytes(st.bytes));
      if (l) {
        // While reading: how fast frames are read. A finished file: the capture's own average rate (as capinfos).
        const span = st.lastTime - st.firstTime;
        const rate = l.done && !this.opts.live ? (span > 0 ? st.frames / span : NaN) : l.rate(now);
        const what = this.opts.live ? 'pkt/s' : l.done ? 'pkt/s avg' : 'pkt/s read';
        if (Number.isFinite(rate)) line1.push(`${fmtShortCount(Math.round(rate))} ${what}`);
        line1.push(`${fmtDuration(l.elapsed(now))} elapsed`);
      }
      line1.push(`${fmtCount(st.tcpConns)} tcp · ${fmtCount(st.udpFlows)} udp`);
    }
    const span = st && st.frames > 0 && Number.isFinite(st.lastTime - st.firstTime) ? st.lastTime - st.firstTime : NaN;
    if (!l) {
      line2.push(escapeBraces(this.status));
    } else if (this.opts.live) {
      line2.push(l.done ? 'capture stopped' : t.syn('● live'));
    } else if (!l.done) {
      const p = l.progress();
      const barW = Math.max(10, Math.min(40, W - 50));
      const filled = Number.isFinite(p) ? Math.round(p * barW) : 0;
      line2.push(`[${t.syn('█'.repeat(filled))}${'░'.repeat(barW - filled)}] ${Number.isFinite(p) ? Math.floor(p * 100) + '%' : ''}`);
    } else {
      line2.push(`loaded in ${fmtDuration(l.elapsed())}`);
    }
    if (this.message) line2.push(t.rst(safeTag(this.message)));
    if (st) {
      const bad = (label: string, n: number): string => (n > 0 ? t.warn(`${label} ${fmtCount(n)}`) : `${label} ${fmtCount(n)}`);
      line2.push(bad('malformed', st.malformed), bad('truncated', st.truncated), bad('dropped', dropped));
      if (st.evicted > 0) line2.push(bad('evicted', st.evicted));
    }
    if (Number.isFinite(span)) line2.push(`span ${fmtDuration(span)}`);
    if (l && !l.done && src && !this.opts.live) line2.push(`${fmtBytes(src.bytesRead)}${src.info.fileSize > 0 ? ' of ' + fmtBytes(src.info.fileSize) : ''}`);
    if (st && st.frames > 0 && l?.done) line2.push(`first ${fmtClock(st.firstTime)} UTC`);
    if (src && src.problems.length > 0) {
      const n = src.problems.length;
      line2.push(t.warn(`reader: ${n} problem${n > 1 ? 's' : ''}: ${safeTag(src.problems[0]!.message)}`));
    }
    this.header.setContent(fitTagged(joinFit(line1, '  ', W), W) + '\n' + fitTagged(joinFit(line2, '  ', W), W));
  }

  private drawFooter(): void {
    if (this.prompting) return;
    const W = this.layoutInfo.width;
    let hints: [string, string][] = FOOTER_HINTS.slice();
    if (this.overlay === 'follow') hints = [['↑↓', 'scroll'], ['x', this.follow.hex ? 'text' : 'hex'], ['Esc', 'back'], ['q', 'close']];
    if (this.overlay === 'http') hints = [['↑↓', 'move'], ['⏎', 'go to request'], ['a', this.httpScope === 'all' ? 'this connection' : 'all'], ['Esc', 'back']];
    if (this.overlay === 'help') hints = [['Esc', 'back'], ['q', 'close']];
    if (this.overlay === 'detail' || this.focus === 'detail') hints = [['↑↓', 'field'], ['Esc', 'back'], ['?', 'help'], ['q', 'quit']];
    const parts = hints.map(([k, v]) => this.theme.bold(escapeBraces(k)) + ' ' + escapeBraces(v));
    this.footer.setContent(joinFit(parts, '  ', W));
  }

  private connsLabel(): string {
    const m = this.model;
    if (!m) return 'connections';
    const sort = m.sort;
    const total = m.totalRows();
    const shown = m.rowCount();
    let s = `connections ${shown === total ? fmtCount(total) : `${fmtCount(shown)} of ${fmtCount(total)}`}`;
    if (m.filterText) s += ` · filter: ${m.filterText}`;
    if (sort.key !== 'id' || sort.desc) s += ` · sort: ${sort.key}${sort.desc ? ' ▼' : ' ▲'}`;
    // The label is escaped by the list; the filter text is the user's own, made safe anyway.
    return safeLabel(s);
  }

  private timelineLabel(): string {
    const key = this.selectedKey;
    const m = this.model;
    if (key === undefined || !m) return 'timeline';
    const c = m.summary(key);
    if (!c) return 'timeline';
    const who = `${c.client.ip}:${c.client.port} → ${c.server.ip}:${c.server.port}`;
    return safeLabel(`${isUdpKey(key) ? 'udp flow' : 'tcp'} ${keyId(key)} · ${protoLabel(c)} · ${who} · ${c.connState} ${c.history}`);
  }

  private updateDetail(): void {
    const key = this.selectedKey;
    const m = this.model;
    if (key === undefined || !m) {
      this.detail.clear('no connection selected');
      this.detail.draw();
      return;
    }
    const i = this.timeline.selected;
    if (this.detailFor.key !== key || this.detailFor.index !== i) {
      this.detailFor = { key, index: i };
      const e = m.timeline(key, i, i + 1)[0];
      if (!e) this.detail.clear('no packet selected');
      else this.detail.setEntry(e, this.frameFor(e.frameNumber));
    }
    this.detail.draw();
  }

  private frameFor(frameNumber: number): ReturnType<FrameReader['readAt']> {
    const off = this.index.fileOffset(frameNumber);
    if (off >= 0 && this.reader) return this.reader.readAt(off, frameNumber, this.index.linkType(frameNumber));
    return this.index.recent(frameNumber);
  }

  private drawHelp(): void {
    const t = this.theme;
    const lines: string[] = [t.bold('synack dashboard — keys'), ''];
    for (const k of KEY_HELP) lines.push(`  ${t.bold(plain(k.keys, 16))} ${escapeBraces(k.what)}`);
    lines.push('');
    lines.push(t.bold('connection list'));
    lines.push('  hs: handshake — ok (SYN, SYN-ACK, ACK seen), syn (SYN unanswered), rej (refused with RST), part, – (not seen)');
    lines.push('  close: FIN (both sides), FIN> / <FIN (client / server only), RST> / <RST (reset by client / server), – (open)');
    lines.push('  state: Zeek conn_state (SF normal close, S0 no reply, REJ rejected, RSTO/RSTR reset by originator/responder, …)');
    lines.push('  rtt: SYN → SYN-ACK → ACK time; ? after the endpoints: roles guessed (no SYN seen)');
    lines.push('');
    lines.push(t.bold('timeline'));
    lines.push(`  arrows: client → server on the right, server → client on the left; ${t.syn('SYN')} ${t.fin('FIN')} ${t.rst('RST')} coloured, data plain`);
    lines.push('  seq/ack are relative to each side\'s initial sequence number; states are RFC 9293 states after the segment');
    lines.push('  [..] TCP analysis flags as Wireshark names them; application events inline; !.. anomalies');
    lines.push('');
    lines.push(t.dim('Esc or q closes this help.'));
    this.help.setContent(lines.join('\n'));
  }

  // -------------------------------------------------------------------- keys

  private onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): void {
    if (this.prompting || this.finished) return;
    const name = key?.name ?? '';
    const full = key?.full ?? '';
    if (full === 'C-c') return this.quit(0);
    const o = this.overlay;
    if (o !== 'none') {
      if (name === 'escape' || ch === 'q') return this.closeOverlay();
      if (ch === '?') return this.openOverlay('help');
      if (o === 'http') {
        if (ch === 'a') return this.toggleHttpScope();
        if (this.navigate(this.http, name, ch)) return this.scheduleDraw();
        if (name === 'enter') return this.http.activate();
        return;
      }
      if (o === 'follow') {
        if (ch === 'x') {
          this.follow.toggleHex();
          return this.scheduleDraw();
        }
        if (this.navigate(this.follow.list, name, ch)) return this.scheduleDraw();
        return;
      }
      if (o === 'detail') {
        if (this.detailKeys(name, ch)) return this.scheduleDraw();
        if (name === 'tab') return this.closeOverlay();
        return;
      }
      return;
    }
    switch (ch) {
      case 'q': return this.quit(0);
      case '?': return this.openOverlay('help');
      case '/': return this.openFilter();
      case 's': return this.cycleSort(1);
      case 'S': return this.reverseSort();
      case 'f': return this.openFollow();
      case 'h': return this.openHttp();
    }
    if (name === 'tab') return this.setFocus(this.nextPane(key?.shift ? -1 : 1));
    if (name === 'escape') {
      if (this.focus === 'detail') return this.setFocus('timeline');
      if (this.focus === 'timeline') return this.setFocus('conns');
      return;
    }
    if (name === 'enter') {
      if (this.focus === 'conns') return this.setFocus('timeline');
      if (this.focus === 'timeline') return this.openDetail();
      return;
    }
    if (this.focus === 'detail') {
      if (this.detailKeys(name, ch)) this.scheduleDraw();
      return;
    }
    const list = this.focus === 'conns' ? this.conns : this.timeline;
    if (this.navigate(list, name, ch)) this.scheduleDraw();
  }

  /** Movement keys common to every list. */
  private navigate(list: VirtualList, name: string, ch: string | undefined): boolean {
    switch (name) {
      case 'up': list.move(-1); return true;
      case 'down': list.move(1); return true;
      case 'pageup': list.pageUp(); return true;
      case 'pagedown': list.pageDown(); return true;
      case 'home': list.home(); return true;
      case 'end': list.end(); return true;
    }
    switch (ch) {
      case 'k': list.move(-1); return true;
      case 'j': list.move(1); return true;
      case 'g': list.home(); return true;
      case 'G': list.end(); return true;
    }
    return false;
  }

  private detailKeys(name: string, ch: string | undefined): boolean {
    return this.navigate(this.detail.list, name, ch);
  }

  private nextPane(dir: number): Pane {
    const panes: Pane[] = this.layoutInfo.detailDocked ? ['conns', 'timeline', 'detail'] : ['conns', 'timeline'];
    const i = panes.indexOf(this.focus);
    return panes[(i + dir + panes.length) % panes.length]!;
  }

  private setFocus(p: Pane): void {
    this.focus = p;
    this.conns.setFocused(p === 'conns');
    this.timeline.setFocused(p === 'timeline');
    this.detail.setFocused(p === 'detail');
    this.scheduleDraw();
  }

  private mouseFocus(p: Pane): void {
    if (this.overlay !== 'none' && p !== 'detail') return;
    if (this.focus !== p && this.overlay === 'none') this.setFocus(p);
  }

  private selectConnRow(i: number): void {
    const m = this.model;
    if (!m) return;
    this.changeConnection(m.rowKey(i));
    this.scheduleDraw();
  }

  private changeConnection(key: number): void {
    if (key === this.selectedKey) return;
    this.selectedKey = key;
    this.timeline.top = 0;
    this.timeline.select(0, false);
    this.lastTimelineCount = 0;
  }

  private openDetail(): void {
    if (this.layoutInfo.detailDocked) return this.setFocus('detail');
    this.openOverlay('detail');
  }

  private openOverlay(o: Overlay): void {
    if (o === 'help' && this.overlay !== 'help') this.overlayReturn = this.overlay;
    else if (o !== 'help') this.overlayReturn = 'none';
    this.overlay = o;
    this.layout();
    this.drawNow();
  }

  private closeOverlay(): void {
    const back = this.overlay === 'help' ? this.overlayReturn : 'none';
    this.overlayReturn = 'none';
    this.overlay = back;
    if (back === 'none') this.detailFor = { key: NaN, index: -1 };
    this.layout();
    this.drawNow();
  }

  private openFilter(): void {
    const m = this.model;
    if (!m) return;
    this.prompting = true;
    this.footer.setContent(this.theme.bold('filter:'));
    this.prompt.show();
    this.prompt.setValue(m.filterText);
    this.screen.render();
    this.prompt.readInput((err: unknown, value: string | undefined) => {
      this.prompting = false;
      this.prompt.hide();
      if (!err && value !== undefined && value !== null) {
        m.setFilter(parseFilter(value));
        m.refresh(performance.now(), true);
        this.syncSelection();
      }
      this.drawNow();
    });
  }

  private cycleSort(dir: number): void {
    const m = this.model;
    if (!m) return;
    const i = SORT_KEYS.indexOf(m.sort.key);
    const next = SORT_KEYS[(i + dir + SORT_KEYS.length) % SORT_KEYS.length]!;
    // Sizes and times read best largest first.
    const desc = next === 'packets' || next === 'bytes' || next === 'duration';
    m.setSort(next, desc);
    m.refresh(performance.now(), true);
    this.drawNow();
  }

  private reverseSort(): void {
    const m = this.model;
    if (!m) return;
    m.setSort(m.sort.key, !m.sort.desc);
    m.refresh(performance.now(), true);
    this.drawNow();
  }

  private openFollow(): void {
    const m = this.model;
    const key = this.selectedKey;
    if (!m || key === undefined) return;
    const c = m.summary(key);
    const endpoints = c ? `${c.client.ip}:${c.client.port} → ${c.server.ip}:${c.server.port}` : '';
    this.follow.open(() => (key < 0 ? undefined : m.stream(key)),
      `follow ${isUdpKey(key) ? 'udp flow' : 'tcp stream'} ${keyId(key)}`, safeLabel(endpoints),
      key < 0 ? 'follow stream is for TCP connections' : m.app ? 'no application data reassembled on this connection' : 'stream reassembly not available');
    this.openOverlay('follow');
  }

  private openHttp(): void {
    const m = this.model;
    if (!m) return;
    // From the timeline (or when the selected connection has transactions), the connection's own; else all.
    const key = this.selectedKey;
    const own = key !== undefined ? m.http(key) : [];
    this.httpScope = this.focus !== 'conns' && own.length > 0 ? 'conn' : 'all';
    this.httpScopeKey = key;
    this.refreshHttpRows();
    this.http.top = 0;
    this.http.select(0, false);
    if (this.httpScope === 'all' && key !== undefined && own.length > 0) {
      const i = this.httpRows.indexOf(own[0]!);
      if (i >= 0) this.http.select(i, false);
    }
    this.openOverlay('http');
  }

  private toggleHttpScope(): void {
    this.httpScope = this.httpScope === 'all' ? 'conn' : 'all';
    this.httpScopeKey = this.selectedKey;
    this.refreshHttpRows();
    this.http.select(0, false);
    this.drawNow();
  }

  private refreshHttpRows(): void {
    const m = this.model;
    if (!m) return;
    this.httpRows = this.httpScope === 'all' || this.httpScopeKey === undefined ? m.http(null) : m.http(this.httpScopeKey);
  }

  private httpLabel(): string {
    const n = this.httpRows.length;
    const scope = this.httpScope === 'all' || this.httpScopeKey === undefined ? 'all connections' : `tcp ${keyId(this.httpScopeKey)}`;
    const app = this.model?.app;
    return safeLabel(`HTTP transactions · ${scope} · ${fmtCount(n)}${app ? '' : ' · application analysis not available'}`);
  }

  private jumpToTransaction(i: number): void {
    const t = this.httpRows[i];
    const m = this.model;
    if (!t || !m) return;
    // Clear a filter that would hide the connection.
    if (m.indexOfKey(t.connId) < 0 && m.filterText) {
      m.setFilter(parseFilter(''));
      m.refresh(performance.now(), true);
    }
    const row = m.indexOfKey(t.connId);
    if (row < 0) return;
    this.conns.select(row, false);
    this.changeConnection(t.connId);
    const frame = t.requestFrames[0];
    this.overlay = 'none';
    this.layout();
    this.setFocus('timeline');
    if (frame !== undefined) this.timeline.select(m.timelineIndexOfFrame(t.connId, frame), false);
    this.drawNow();
  }
}

// ------------------------------------------------------------------ helpers

function place(el: blessed.Widgets.BoxElement, a: Area): void {
  el.top = a.top;
  el.left = a.left;
  el.width = a.width;
  el.height = a.height;
}

/** Joins segments with a separator, dropping whole segments from the end that would not fit. */
function joinFit(parts: string[], sep: string, width: number): string {
  let out = '';
  let w = 0;
  for (const p of parts) {
    const pw = tagWidth(p) + (out ? sep.length : 0);
    if (w + pw > width) break;
    out += (out ? sep : '') + p;
    w += pw;
  }
  return out;
}

/** Pane labels carry packet text (application labels, SNI): neutralised here, braces escaped by the list. */
function safeLabel(s: string): string {
  return safeText(s);
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
}

function httpColumns(width: number): { conn: number; idx: number; method: number; host: number; uri: number; status: number; time: number; dur: number } {
  const conn = 6, idx = 4, method = 8, status = 5, time = 16, dur = 9;
  const rest = Math.max(20, width - (conn + idx + method + status + time + dur + 7));
  const host = Math.max(10, Math.min(32, Math.round(rest * 0.35)));
  return { conn, idx, method, host, uri: rest - host, status, time, dur };
}

function httpHeader(width: number, t: Theme): string {
  const c = httpColumns(width);
  return t.bold([
    plain('conn', c.conn, 'right'), plain('#', c.idx, 'right'), plain('method', c.method), plain('host', c.host),
    plain('uri', c.uri), plain('code', c.status), plain('request (UTC)', c.time), plain('time', c.dur, 'right'),
  ].join(' '));
}

function httpRow(t: HttpTransaction, width: number): string {
  const c = httpColumns(width);
  const end = t.responseEnd ?? t.responseStart;
  return [
    plain(String(t.connId), c.conn, 'right'),
    plain(String(t.index) + (t.pipelined ? 'p' : ''), c.idx, 'right'),
    cell(t.method, c.method),
    cell(t.host, c.host),
    cell(t.uri, c.uri),
    plain(t.status === null ? '–' : String(t.status), c.status),
    plain(fmtClock(t.requestStart), c.time),
    plain(end === null ? '–' : fmtDuration(end - t.requestStart), c.dur, 'right'),
  ].join(' ');
}
