/**
 * Follow stream: the reassembled bytes of a connection, client and server in
 * two colours (and marked `>` / `<`, so the direction shows without colour
 * too), as text or as a hex dump. Non-printable bytes show as '.', as in
 * Wireshark's ASCII view, so nothing from the stream can act on the terminal.
 * Rendering stops at a byte budget with a note, so a huge stream opens fast.
 */
import blessed from 'blessed';
import type { StreamChunk } from './model.js';
import { escapeBraces, fmtBytes, fmtCount } from './format.js';
import type { Theme } from './theme.js';
import { VirtualList } from './vlist.js';

const MAX_BYTES = 16 * 1024 * 1024;
const MAX_LINE = 2000;

export class FollowView {
  readonly list: VirtualList;
  hex = false;
  private lines: string[] = [];
  private chunks: StreamChunk[] | undefined;
  private empty = '';
  private title = 'follow stream';
  private endpoints = '';
  private refresh: (() => StreamChunk[] | undefined) | undefined;
  private builtFrom = { count: -1, bytes: -1 };
  private lastCheck = 0;

  constructor(parent: blessed.Widgets.Screen, private readonly theme: Theme) {
    this.list = new VirtualList(parent, {
      label: 'follow stream',
      theme,
      provider: {
        count: () => this.lines.length,
        row: (i) => this.lines[i] ?? '',
      },
    });
  }

  /** Opens on a stream; `get` is asked again now and then while the capture still grows. */
  open(get: () => StreamChunk[] | undefined, title: string, endpoints: string, emptyMessage: string): void {
    this.refresh = get;
    this.title = title;
    this.endpoints = endpoints;
    this.empty = emptyMessage;
    this.chunks = get();
    this.build();
    this.list.top = 0;
    this.list.select(0, false);
  }

  toggleHex(): void {
    const ratio = this.lines.length > 0 ? this.list.selected / this.lines.length : 0;
    this.hex = !this.hex;
    this.build();
    this.list.select(Math.floor(ratio * this.lines.length), false);
  }

  draw(): void {
    const now = performance.now();
    if (this.refresh && now - this.lastCheck > 1000) {
      this.lastCheck = now;
      const next = this.refresh();
      const count = next?.length ?? 0;
      if (count !== this.builtFrom.count) {
        this.chunks = next;
        this.build();
      }
    }
    this.list.draw();
  }

  private build(): void {
    const chunks = this.chunks ?? [];
    const t = this.theme;
    const out: string[] = [];
    let total = 0;
    let cBytes = 0;
    let sBytes = 0;
    let cut = false;
    for (const c of chunks) {
      if (c.dir === 0) cBytes += c.data.length;
      else sBytes += c.data.length;
    }
    const color = (dir: number, s: string): string => (dir === 0 ? t.client(s) : t.server(s));
    const mark = (dir: number): string => (dir === 0 ? '> ' : '< ');
    if (this.hex) {
      for (const c of chunks) {
        if (total >= MAX_BYTES) { cut = true; break; }
        out.push(t.dim(`${mark(c.dir)}frame ${c.frameNumber}, ${c.data.length} bytes`));
        const n = Math.min(c.data.length, MAX_BYTES - total);
        for (let o = 0; o < n; o += 16) {
          let h = '';
          let a = '';
          for (let i = o; i < o + 16; i++) {
            if (i >= n) { h += '   '; continue; }
            const b = c.data[i]!;
            h += b.toString(16).padStart(2, '0') + (i - o === 7 ? '  ' : ' ');
            a += printable(b);
          }
          out.push(color(c.dir, escapeBraces(`${mark(c.dir)}${o.toString(16).padStart(8, '0')}  ${h} ${a}`)));
        }
        total += n;
      }
    } else {
      let dir = -1;
      let line = '';
      const flush = (): void => {
        if (dir >= 0) out.push(color(dir, escapeBraces(mark(dir) + line)));
        line = '';
      };
      for (const c of chunks) {
        if (total >= MAX_BYTES) { cut = true; break; }
        if (c.dir !== dir) {
          if (line !== '') flush();
          dir = c.dir;
        }
        const d = c.data;
        const n = Math.min(d.length, MAX_BYTES - total);
        for (let i = 0; i < n; i++) {
          const b = d[i]!;
          if (b === 0x0a) { flush(); continue; }
          if (b === 0x0d && d[i + 1] === 0x0a) continue;
          line += b === 0x09 ? '    ' : printable(b);
          if (line.length >= MAX_LINE) flush();
        }
        total += n;
      }
      if (line !== '') flush();
    }
    if (cut) out.push(t.warn(`… shown up to ${fmtBytes(MAX_BYTES)}; the rest of the stream is not displayed`));
    if (chunks.length === 0) out.push(escapeBraces(this.empty));
    this.lines = out;
    this.builtFrom = { count: chunks.length, bytes: total };
    const sum = `client ${fmtBytes(cBytes)} · server ${fmtBytes(sBytes)} · ${fmtCount(chunks.length)} chunks`;
    this.list.setLabel(`${this.title} · ${this.hex ? 'hex' : 'text'} · ${sum} · ${this.endpoints}`);
  }
}

function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
}
