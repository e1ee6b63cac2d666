/**
 * Application events on timeline rows come from a per-connection scan of the
 * event log (AppLayer.connEvents), not from turning every event of the
 * capture into text. The rows must carry exactly the events that a plain
 * filter of the whole event list gives for that connection and frame, in
 * log order, also when a timeline is read while the capture is still being
 * fed (as during loading and live capture).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analysis } from '../../src/analysis.js';
import { safeText } from '../../src/bytes/safe-text.js';
import { openCapture } from '../../src/capture/open.js';

const CAPTURES = join(process.cwd(), '..', 'shared', 'captures');
const FILES = ['zeek-workshop_2011_browse.pcap', 'zeek-http-pipelined-requests.pcap', 'zeek-web.pcap', 'arkime-http2-nghttp2.pcap', 'zeek-http-websocket.pcap'];

/** Expected app column: the whole event list filtered by connection, grouped by frame. */
function expected(a: Analysis, id: number): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const e of a.app!.events) {
    if (e.transport !== 'tcp' || e.connId !== id) continue;
    const list = m.get(e.frameNumber) ?? [];
    list.push(`${safeText(e.proto)} ${e.text}`);
    m.set(e.frameNumber, list);
  }
  return m;
}

function check(a: Analysis): number {
  let seen = 0;
  for (let id = 0; id < a.connCount(); id++) {
    const want = expected(a, id);
    for (const row of a.timeline(id)) {
      expect(row.app, `conn ${id} frame ${row.frameNumber}`).toEqual(want.get(row.frameNumber) ?? []);
      seen += row.app.length;
    }
  }
  return seen;
}

describe('timeline rows carry their connection\'s application events', () => {
  for (const f of FILES) {
    it(f, async () => {
      const a = new Analysis();
      const src = await openCapture(join(CAPTURES, f));
      let batches = 0;
      for await (const b of src) {
        a.feed(b);
        // Read timelines half way as well: the per-connection cache must extend, not go stale.
        if (batches++ === 0) for (let id = 0; id < a.connCount(); id++) a.timeline(id);
      }
      a.finish();
      expect(check(a)).toBeGreaterThan(0);
    });
  }
});
