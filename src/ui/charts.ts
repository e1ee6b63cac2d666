/**
 * The two blessed-contrib charts: throughput over packet time (line) and
 * connections by conn_state (bar). Only the two chart modules are loaded,
 * not blessed-contrib's index (which pulls in maps, markdown and images).
 *
 * Contrib canvases size themselves once, when attached, so a chart whose
 * area changes is rebuilt. Under NO_COLOR the line is drawn in the default
 * colour and the bar chart becomes text bars (contrib draws bars as
 * background colour, which would vanish without colour).
 */
import { createRequire } from 'node:module';
import blessed from 'blessed';
import { escapeBraces, fitTagged } from './format.js';
import type { Theme } from './theme.js';

const require = createRequire(import.meta.url);

interface ContribLine extends blessed.Widgets.BoxElement {
  setData(data: { title: string; x: string[]; y: number[]; style?: { line: string } }[]): void;
}
interface ContribBar extends blessed.Widgets.BoxElement {
  setData(data: { titles: string[]; data: number[] }): void;
}
type LineCtor = (opts: Record<string, unknown>) => ContribLine;
type BarCtor = (opts: Record<string, unknown>) => ContribBar;

let lineCtor: LineCtor | undefined;
let barCtor: BarCtor | undefined;
function contrib(): { line: LineCtor; bar: BarCtor } {
  lineCtor ??= require('blessed-contrib/lib/widget/charts/line.js') as LineCtor;
  barCtor ??= require('blessed-contrib/lib/widget/charts/bar.js') as BarCtor;
  return { line: lineCtor, bar: barCtor };
}

export interface Area {
  top: number;
  left: number;
  width: number;
  height: number;
}

export class Charts {
  private line: ContribLine | undefined;
  private bar: ContribBar | blessed.Widgets.BoxElement | undefined;
  private lineArea: Area | undefined;
  private barArea: Area | undefined;
  private lastLine: { x: string[]; y: number[] } | undefined;
  private lastBar: { titles: string[]; data: number[] } | undefined;

  constructor(private readonly screen: blessed.Widgets.Screen, private readonly theme: Theme) {}

  /** Places the charts (or hides them with null areas), rebuilding a chart whose area changed. */
  place(lineArea: Area | null, barArea: Area | null): void {
    if (!same(lineArea, this.lineArea)) {
      this.line?.destroy();
      this.line = undefined;
      this.lineArea = lineArea ?? undefined;
      if (lineArea) {
        const c = this.theme.color;
        // Contrib canvases create their drawing context on 'attach': append after construction.
        this.line = contrib().line({
          ...lineArea, label: ' throughput (bytes/s, packet time) ', border: { type: 'line' },
          style: { line: c ? 'yellow' : 'normal', text: c ? 'green' : 'normal', baseline: c ? 'white' : 'normal' },
          xLabelPadding: 3, xPadding: 5, numYLabels: 4, abbreviate: true, showLegend: false, wholeNumbersOnly: false,
        });
        this.screen.append(this.line);
        if (this.lastLine) this.setLine(this.lastLine);
      }
    }
    if (!same(barArea, this.barArea)) {
      this.bar?.destroy();
      this.bar = undefined;
      this.barArea = barArea ?? undefined;
      if (barArea) {
        const label = ' connections by state ';
        this.bar = this.theme.color
          ? contrib().bar({
              ...barArea, label, border: { type: 'line' }, barWidth: 5, barSpacing: 8, xOffset: 1,
              maxHeight: 1, barBgColor: 'cyan', barFgColor: 'black', labelColor: 'white',
            })
          : blessed.box({ ...barArea, label, border: { type: 'line' }, tags: true });
        this.screen.append(this.bar);
        if (this.lastBar) this.setBar(this.lastBar);
      }
    }
  }

  setLine(series: { x: string[]; y: number[] }): void {
    this.lastLine = series;
    if (!this.line) return;
    this.line.setData([{ title: 'bytes/s', x: series.x, y: series.y }]);
  }

  setBar(bars: { titles: string[]; data: number[] }): void {
    this.lastBar = bars;
    if (!this.bar) return;
    if ('setData' in this.bar) {
      const max = this.barArea ? Math.max(1, Math.floor((this.barArea.width - 3) / 8)) : bars.titles.length;
      (this.bar as ContribBar).setData({ titles: bars.titles.slice(0, max), data: bars.data.slice(0, max) });
      return;
    }
    // Text bars: "SF     ████████ 12"
    const box = this.bar;
    const w = Math.max(10, (box.width as number) - 2);
    const rows = Math.max(1, (box.height as number) - 2);
    const top = Math.max(1, ...bars.data);
    const lines: string[] = [];
    for (let i = 0; i < Math.min(rows, bars.titles.length); i++) {
      const n = bars.data[i]!;
      const room = Math.max(1, w - 16);
      const len = Math.max(n > 0 ? 1 : 0, Math.round((n / top) * room));
      lines.push(fitTagged(escapeBraces(bars.titles[i]!.padEnd(7).slice(0, 7) + ' ' + '█'.repeat(len) + ' ' + n), w));
    }
    box.setContent(lines.join('\n'));
  }

  /** Hides the charts under a full-screen view, without rebuilding them. */
  setVisible(v: boolean): void {
    for (const c of [this.line, this.bar]) if (c) (v ? c.show() : c.hide());
  }

  destroy(): void {
    this.line?.destroy();
    this.bar?.destroy();
  }
}

function same(a: Area | null | undefined, b: Area | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.top === b.top && a.left === b.left && a.width === b.width && a.height === b.height;
}
