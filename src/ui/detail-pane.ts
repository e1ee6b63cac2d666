/**
 * The packet detail pane: the selected timeline row's facts, the frame's
 * layer tree (a virtualised list; selecting a layer or field highlights its
 * bytes) and a hex dump of the frame.
 */
import blessed from 'blessed';
import type { Frame } from '../capture/source.js';
import type { TimelineEntry } from '../flow/model.js';
import type { Area } from './charts.js';
import { describeFrameForUi } from './describe.js';
import { fieldLine, hexLines, layerLine } from './detail.js';
import { escapeBraces, fitTagged, inert } from './format.js';
import { arrowLabel } from './ladder.js';
import type { Theme } from './theme.js';
import { VirtualList } from './vlist.js';

interface Item {
  text: string;
  offset: number;
  length: number;
  /** Protocol of a layer line ('' for fields and other lines). */
  proto: string;
}

export class DetailPane {
  readonly list: VirtualList;
  private readonly hex: blessed.Widgets.BoxElement;
  private items: Item[] = [];
  /** The timeline row's facts, kept above the tree (they do not scroll away). */
  private summary: string[] = [];
  private bytes: Uint8Array | undefined;
  private visible = true;

  constructor(parent: blessed.Widgets.Screen, private readonly theme: Theme, onFocus: () => void) {
    this.list = new VirtualList(parent, {
      label: 'packet detail',
      theme,
      provider: {
        count: () => this.items.length,
        header: () => this.summary,
        headerRows: () => this.summary.length,
        row: (i, w) => fitTagged(this.items[i]?.text ?? '', w),
      },
      onSelect: () => this.drawHex(),
      onFocus,
    });
    this.hex = blessed.box({ parent, tags: true, wrap: false, border: { type: 'line' }, label: ' bytes ', clickable: true });
    this.hex.on('click', onFocus);
  }

  place(a: Area): void {
    const treeH = Math.max(4, Math.round(a.height * 0.6));
    const l = this.list.box;
    l.top = a.top;
    l.left = a.left;
    l.width = a.width;
    l.height = treeH;
    this.hex.top = a.top + treeH;
    this.hex.left = a.left;
    this.hex.width = a.width;
    this.hex.height = Math.max(3, a.height - treeH);
  }

  show(): void {
    this.visible = true;
    this.list.box.show();
    this.hex.show();
  }
  hide(): void {
    this.visible = false;
    this.list.box.hide();
    this.hex.hide();
  }

  setFocused(f: boolean): void {
    this.list.setFocused(f);
  }

  clear(message: string): void {
    this.summary = [];
    this.items = [{ text: escapeBraces(message), offset: -1, length: 0, proto: '' }];
    this.bytes = undefined;
    this.list.setLabel('packet detail');
    this.list.select(0, false);
  }

  setEntry(e: TimelineEntry, frame: Frame | undefined): void {
    const t = this.theme;
    const items: Item[] = [];
    const summary: string[] = [];
    const add = (text: string): void => {
      summary.push(text);
    };
    const label = arrowLabel(e);
    const dir = e.dir === 0 ? 'client → server' : 'server → client';
    add(t.bold(`frame ${e.frameNumber}`) + `  ${dir}  ` + escapeBraces(label) + (Number.isFinite(e.relTime) ? `  t=${e.relTime.toFixed(6)}s` : ''));
    if (label) add(`  states after: client ${e.clientState}, server ${e.serverState}  window ${e.window}${e.options ? '  ' + inert(e.options) : ''}`);
    if (e.note) add(`  ${inert(e.note)}`);
    for (const a of e.analysis) add('  ' + t.warn(`[${inert(a)}]`));
    for (const a of e.app) add('  ' + t.app(inert(a)));
    for (const a of e.anomalies) add('  ' + t.rst(`! ${inert(a)}`));
    if (!frame) {
      items.push({ text: t.dim('(frame bytes not available: not from a file, or no longer kept)'), offset: -1, length: 0, proto: '' });
      this.bytes = undefined;
    } else {
      // Timestamps of the re-read record are the row's (pcapng resolution lives in its interface block).
      if (Number.isFinite(e.time)) {
        frame.tsSec = Math.floor(e.time);
        frame.tsNsec = Math.round((e.time - frame.tsSec) * 1e9);
      }
      this.bytes = frame.buf.subarray(frame.offset, frame.offset + frame.capLen);
      for (const l of describeFrameForUi(frame)) {
        items.push({ text: layerLine(l, t), offset: l.offset, length: l.length, proto: l.proto });
        for (const f of l.fields) items.push({ text: fieldLine(f), offset: f.offset, length: f.length, proto: '' });
      }
    }
    // At most half of the pane for the facts (at least three lines): the tree needs room too.
    const room = Math.max(3, Math.floor(((this.list.box.height as number) - 2) / 2));
    this.summary = summary.length > room ? [...summary.slice(0, room - 1), t.dim(`… ${summary.length - room + 1} more (see the timeline row)`)] : summary;
    this.items = items;
    this.list.setLabel(`packet detail · frame ${e.frameNumber}`);
    // Start on the transport layer (the one a timeline row is about), its bytes highlighted;
    // else on the last layer with bytes.
    let first = items.findIndex((it) => it.proto === 'tcp' || it.proto === 'udp' || it.proto === 'icmp' || it.proto === 'icmpv6');
    if (first < 0) for (let i = items.length - 1; i >= 0 && first < 0; i--) if (items[i]!.proto !== '' && items[i]!.offset >= 0) first = i;
    // Its line at the top of the pane, so its fields show below it.
    this.list.top = Math.max(0, first);
    this.list.select(first >= 0 ? first : 0, false);
  }

  draw(): void {
    if (!this.visible) return;
    this.list.draw();
    this.drawHex();
  }

  private drawHex(): void {
    const b = this.bytes;
    if (!b) {
      this.hex.setContent('');
      return;
    }
    const inner = Math.max(10, (this.hex.width as number) - 2);
    const perLine = inner >= 74 ? 16 : 8;
    const sel = this.items[this.list.selected];
    const from = sel && sel.offset >= 0 ? sel.offset : -1;
    const to = sel && sel.offset >= 0 ? sel.offset + Math.max(1, sel.length) : -1;
    const lines = hexLines(b, from, to, perLine, this.theme);
    const rows = Math.max(1, (this.hex.height as number) - 2);
    // Scroll so the highlighted range starts on screen (one line of context above).
    let top = from >= 0 ? Math.max(0, Math.floor(from / perLine) - 1) : 0;
    top = Math.max(0, Math.min(top, lines.length - rows));
    this.hex.setLabel(` bytes ${from >= 0 ? `${from}..${to - 1} of ${b.length}` : `(${b.length})`} `);
    this.hex.setContent(lines.slice(top, top + rows).map((l) => fitTagged(l, inner)).join('\n'));
  }
}
