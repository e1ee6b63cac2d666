/**
 * The application summary `synack packets` appends to a frame's line
 * (`: HTTP: GET /index.html HTTP/1.1 (req #1 on conn, keep-alive)`): the
 * frames are tracked and analysed as they are printed, and the events the
 * application layer produced on a frame become its summary. Events are
 * produced on the frame that completes what they report (tshark's
 * convention), so the summary of a frame is known once that frame is fed.
 */
import { Analysis } from '../analysis.js';
import type { Frame } from '../capture/source.js';
import type { Decoded } from '../decode/decoded.js';
import type { PacketsHooks } from './cmd-packets.js';

export function appPacketsHooks(): PacketsHooks {
  const analysis = new Analysis({ timelines: false });
  const app = analysis.app!;
  let seen = 0;
  let frame = 0;
  let text: string | undefined;
  return {
    onFrame(f: Frame, d: Decoded): void {
      analysis.feedDecoded(d);
      frame = f.number;
      text = undefined;
      const ev = app.events;
      for (let i = seen; i < ev.length; i++) {
        const e = ev[i]!;
        // Event texts are already neutralised; the protocol names are ours.
        if (e.frameNumber === frame) text = text === undefined ? `${e.proto}: ${e.text}` : `${text}; ${e.proto}: ${e.text}`;
      }
      seen = ev.length;
    },
    summary(frameNumber: number): string | undefined {
      return frameNumber === frame ? text : undefined;
    },
    finish(): void {
      analysis.finish();
    },
  };
}
