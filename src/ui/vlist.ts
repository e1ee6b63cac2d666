/**
 * A virtualised list: renders only the rows that fit in its box, asking a
 * provider for each visible row's text. Unlike blessed's List, which builds
 * an element per item, a million rows cost nothing until they are on screen,
 * so scrolling stays instant whatever the count.
 */
import blessed from 'blessed';
import type { Theme } from './theme.js';
import { escapeBraces, fitTagged, tagWidth } from './format.js';

export interface RowProvider {
  count(): number;
  /** Called once per draw with the visible window [from, to), before header() and row(). */
  window?(from: number, to: number): void;
  /** Tagged text of row i, fitted to `width` display columns (packet text neutralised). */
  row(i: number, width: number): string;
  /** Column titles (or several fixed lines above the rows), or undefined for none. */
  header?(width: number): string | string[] | undefined;
  /** Number of header lines when more than one (default: 1 with a header, 0 without). */
  headerRows?(): number;
}

export interface VirtualListOptions {
  label: string;
  provider: RowProvider;
  theme: Theme;
  /** Selection moved (by key, mouse or code). */
  onSelect?: (index: number) => void;
  /** Enter, or a click on the selected row. */
  onActivate?: (index: number) => void;
  /** Mouse focus request. */
  onFocus?: () => void;
}

export class VirtualList {
  readonly box: blessed.Widgets.BoxElement;
  top = 0;
  selected = 0;
  focused = false;
  private label: string;

  constructor(parent: blessed.Widgets.Node, private readonly opts: VirtualListOptions) {
    this.label = opts.label;
    this.box = blessed.box({
      parent,
      tags: true,
      wrap: false,
      border: { type: 'line' },
      style: { border: {} },
      label: ` ${escapeBraces(this.label)} `,
      clickable: true,
    } as blessed.Widgets.BoxOptions);
    this.box.on('click', (data: { y: number }) => {
      const y = data.y - (this.box.atop as number) - (this.box.itop as number) - this.headerRows();
      opts.onFocus?.();
      if (y < 0) return;
      const i = this.top + y;
      if (i >= this.count()) return;
      if (i === this.selected) opts.onActivate?.(i);
      else this.select(i);
    });
    this.box.on('wheeldown', () => { opts.onFocus?.(); this.move(3); });
    this.box.on('wheelup', () => { opts.onFocus?.(); this.move(-3); });
  }

  count(): number {
    return this.opts.provider.count();
  }

  private headerRows(): number {
    const p = this.opts.provider;
    return p.headerRows ? p.headerRows() : p.header ? 1 : 0;
  }

  /** Rows visible at once. */
  pageRows(): number {
    const h = (this.box.height as number) - (this.box.iheight as number);
    return Math.max(1, h - this.headerRows());
  }

  innerWidth(): number {
    return Math.max(1, (this.box.width as number) - (this.box.iwidth as number));
  }

  setLabel(label: string): void {
    if (label === this.label) return;
    this.label = label;
    this.applyLabel();
  }

  setFocused(f: boolean): void {
    this.focused = f;
    const style = this.box.style as { border: { fg?: string } };
    style.border.fg = f ? this.opts.theme.focusBorder : undefined;
    this.applyLabel();
  }

  private applyLabel(): void {
    // The focus mark is text, not colour, so it shows with NO_COLOR too.
    // A label longer than the border would spill into the first row: cut it.
    const text = `${this.focused ? '▶ ' : ''}${escapeBraces(this.label)}`;
    const max = Math.max(4, ((this.box.width as number) || 80) - 6);
    this.appliedWidth = (this.box.width as number) || 80;
    this.box.setLabel(` ${tagWidth(text) > max ? fitTagged(text, max).trimEnd() : text} `);
  }
  private appliedWidth = 0;

  /** Selects row i (clamped), scrolls it into view and reports it. */
  select(i: number, notify = true): void {
    const n = this.count();
    const next = n === 0 ? 0 : Math.max(0, Math.min(n - 1, i));
    const changed = next !== this.selected;
    this.selected = next;
    this.ensureVisible();
    if (changed && notify) this.opts.onSelect?.(next);
  }

  /** Keeps the selection at the same screen row after the rows around it changed. */
  reanchor(newIndex: number, oldIndex: number): void {
    const screenRow = oldIndex - this.top;
    this.selected = Math.max(0, Math.min(this.count() - 1, newIndex));
    this.top = this.selected - screenRow;
    this.ensureVisible();
  }

  ensureVisible(): void {
    const page = this.pageRows();
    const n = this.count();
    if (this.selected < this.top) this.top = this.selected;
    if (this.selected >= this.top + page) this.top = this.selected - page + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, n - page)));
  }

  move(delta: number): void {
    this.select(this.selected + delta);
  }
  pageDown(): void {
    this.move(this.pageRows());
  }
  pageUp(): void {
    this.move(-this.pageRows());
  }
  home(): void {
    this.select(0);
  }
  end(): void {
    this.select(this.count() - 1);
  }
  activate(): void {
    if (this.count() > 0) this.opts.onActivate?.(this.selected);
  }

  /** Builds the visible rows into the box. Cost: one provider call per visible row. */
  draw(): void {
    if (this.appliedWidth !== this.box.width) this.applyLabel();
    const p = this.opts.provider;
    const n = this.count();
    if (this.selected >= n) this.selected = Math.max(0, n - 1);
    this.ensureVisible();
    const width = this.innerWidth();
    const page = this.pageRows();
    const lines: string[] = [];
    const to = Math.min(n, this.top + page);
    p.window?.(this.top, to);
    const header = p.header?.(width);
    if (header !== undefined) for (const h of Array.isArray(header) ? header : [header]) lines.push(fitTagged(h, width));
    for (let i = this.top; i < to; i++) {
      let text = fitTagged(p.row(i, width), width);
      if (i === this.selected) text = this.focused ? `{inverse}${text}{/inverse}` : `{underline}${text}{/underline}`;
      lines.push(text);
    }
    this.box.setContent(lines.join('\n'));
  }
}
