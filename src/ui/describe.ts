/**
 * The layer tree the detail pane shows for a frame, from the decoder's
 * description (src/decode/describe.ts): every decoded field, options and
 * embedded packets as nested nodes, anomalies on the layer they belong to.
 * Fields carry no byte range of their own: selecting one highlights its
 * layer's bytes.
 */
import type { Frame } from '../capture/source.js';
import { describeFrame, type LayerNode } from '../decode/describe.js';
import type { FieldView, LayerView } from './detail.js';

export function describeFrameForUi(frame: Frame): LayerView[] {
  const out: LayerView[] = [];
  const walk = (n: LayerNode, depth: number): void => {
    const indent = '  '.repeat(depth);
    const offset = n.start >= 0 ? n.start : -1;
    const length = n.start >= 0 ? Math.max(0, n.end - n.start) : 0;
    const fields: FieldView[] = n.fields.map(([name, value]) => ({ name: indent + name, value, offset, length }));
    for (const a of n.anomalies) fields.push({ name: indent + '!', value: a, offset, length });
    const name = depth > 0 ? `${indent}${n.name}` : n.name;
    out.push({ proto: n.proto, name, summary: n.summary, offset, length, fields });
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const n of describeFrame(frame)) walk(n, 0);
  return out;
}
