import type { ByteWindow } from './byte-window.js';
import { CaptureError, type FrameSource } from './source.js';
export const PcapngReader = {
  async open(_w: ByteWindow, name: string, _b: number, _s: number): Promise<FrameSource> {
    throw new CaptureError(`synack: ${name}: pcapng is not supported yet`);
  },
};
