/**
 * A ring of batch slots shared by the worker (producer) and the thread that
 * started it (consumer). Slot k belongs to the worker while `state[k]` is 0
 * and to the consumer while it is 1; the worker fills slots in order and
 * blocks (Atomics.wait: a worker may) when the next one has not come back,
 * so memory is bounded and a slow consumer slows the reader down. The
 * consumer hears of a full slot by a message naming it (its event loop
 * stays free) and hands it back with `release()`. `state[slots]` is a stop
 * flag the consumer raises to end the worker early.
 */
export class SlotRing {
  readonly state: Int32Array;

  constructor(readonly slots: number, buf?: SharedArrayBuffer) {
    this.state = new Int32Array(buf ?? new SharedArrayBuffer((slots + 1) * 4));
  }

  get buffer(): SharedArrayBuffer {
    return this.state.buffer as SharedArrayBuffer;
  }

  /** Worker: waits until slot k is back; false when the consumer asked to stop. */
  acquire(k: number): boolean {
    const s = this.state;
    while (Atomics.load(s, k) !== 0) {
      if (Atomics.load(s, this.slots) !== 0) return false;
      Atomics.wait(s, k, 1, 1000);
    }
    return Atomics.load(s, this.slots) === 0;
  }

  /** Worker: slot k is full (the consumer is told by a message). */
  publish(k: number): void {
    Atomics.store(this.state, k, 1);
  }

  /** Consumer: slot k is free again. */
  release(k: number): void {
    Atomics.store(this.state, k, 0);
    Atomics.notify(this.state, k);
  }

  /** Consumer: the worker should stop (every wait ends). */
  stop(): void {
    Atomics.store(this.state, this.slots, 1);
    for (let k = 0; k < this.slots; k++) Atomics.notify(this.state, k);
  }

  get stopped(): boolean {
    return Atomics.load(this.state, this.slots) !== 0;
  }
}
