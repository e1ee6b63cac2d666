/**
 * Frames from file readers and live capture carry Node Buffers, whose
 * `slice` is a view: bytes kept past the next read must be copied for real.
 */
import { describe, expect, it } from 'vitest';
import { copyBytes } from '../../src/bytes/copy.js';
import { cloneFrame } from '../../src/capture/source.js';
import { frameOf } from '../wire/vectors.js';

describe('copies of frame bytes', () => {
  it('copyBytes copies out of a Buffer', () => {
    const b = Buffer.from([1, 2, 3, 4, 5]);
    const c = copyBytes(b, 1, 4);
    b.fill(9);
    expect(Array.from(c)).toEqual([2, 3, 4]);
  });

  it('cloneFrame keeps its bytes when the reader reuses its buffer', () => {
    const window = Buffer.alloc(64, 0);
    window.set([0xaa, 0xbb, 0xcc], 10);
    const f = cloneFrame(frameOf(window, 1, { offset: 10, capLen: 3, origLen: 3 }));
    window.fill(0x55);
    expect(f.offset).toBe(0);
    expect(Array.from(f.buf)).toEqual([0xaa, 0xbb, 0xcc]);
  });
});
