/**
 * Frame number → where the frame went: a TCP timeline record (value ≥ 0),
 * a UDP flow (value -2 - flowId), or nothing (-1). 4 bytes per frame, grown
 * by doubling; used to jump from a packet to its connection.
 */
export class FrameMap {
  private map = new Int32Array(0);
  /**
   * Frames below this are in the map without a check (never above its length). Kept a little
   * ahead of the frames seen, so the slow path runs every few dozen frames from the start and
   * the inlined fast path has call feedback for it before growth is first needed.
   */
  private limit = 0;

  setTcpRecord(frame: number, rec: number): void {
    if (frame >= this.limit) this.room(frame);
    this.map[frame] = rec;
  }

  setUdpFlow(frame: number, flowId: number): void {
    if (frame >= this.limit) this.room(frame);
    this.map[frame] = -2 - flowId;
  }

  get(frame: number): number {
    return frame >= 0 && frame < this.map.length ? this.map[frame]! : -1;
  }

  get byteLength(): number { return this.map.byteLength; }

  private room(frame: number): void {
    if (frame >= this.map.length) this.grow(frame);
    this.limit = Math.min(this.map.length, frame + 64);
  }

  private grow(frame: number): void {
    let n = Math.max(4096, this.map.length * 2);
    while (n <= frame) n *= 2;
    const m = new Int32Array(n).fill(-1);
    m.set(this.map);
    this.map = m;
  }
}
