/** Helpers for the capture tests: temp files, reading a whole source into plain records. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll } from 'vitest';
import { type OpenOptions, openCapture } from '../../src/capture/open.js';
import type { CaptureInfo, FrameSource, ReaderProblem } from '../../src/capture/source.js';

export const CORPUS = join(process.cwd(), '..', 'shared', 'captures');

let dir: string | undefined;
// Registered when a test file imports this module (hooks added during a test would be ignored).
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

export function tempDir(): string {
  if (!dir) dir = mkdtempSync(join(tmpdir(), 'synack-capture-test-'));
  return dir;
}

let seq = 0;
export function tempFile(bytes: Uint8Array | string, name?: string): string {
  const p = join(tempDir(), name ?? `t${++seq}.bin`);
  writeFileSync(p, bytes);
  return p;
}

export interface PlainFrame {
  number: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  linkType: number;
  ifIndex: number;
  fileOffset: number;
  comment: string | undefined;
  hasTime: boolean;
  hex: string;
}

export interface ReadResult {
  frames: PlainFrame[];
  problems: ReaderProblem[];
  info: CaptureInfo;
  batches: number[];
  src: FrameSource;
}

export async function drain(src: FrameSource): Promise<ReadResult> {
  const frames: PlainFrame[] = [];
  const batches: number[] = [];
  for await (const batch of src) {
    batches.push(batch.length);
    for (const f of batch) {
      frames.push({
        number: f.number,
        tsSec: f.tsSec,
        tsNsec: f.tsNsec,
        capLen: f.capLen,
        origLen: f.origLen,
        linkType: f.linkType,
        ifIndex: f.ifIndex,
        fileOffset: f.fileOffset,
        comment: f.comment,
        hasTime: f.hasTime !== false,
        hex: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)).toString('hex'),
      });
    }
  }
  return { frames, problems: src.problems, info: src.info, batches, src };
}

/** Reads bytes through a temp file (regular-file path). */
export async function readBytes(bytes: Uint8Array, opts: OpenOptions = {}): Promise<ReadResult> {
  return drain(await openCapture(tempFile(bytes), opts));
}

/** Reads bytes as a stream on "stdin", in chunks of `chunk` bytes. */
export async function readStream(bytes: Uint8Array, chunk = 65536, opts: OpenOptions = {}): Promise<ReadResult> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(Buffer.from(bytes.subarray(i, i + chunk)));
  return drain(await openCapture('-', { ...opts, stdin: Readable.from(parts) }));
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** One mutation of a capture's bytes (property tests of the readers). */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'bytes'; at: number; bytes: Uint8Array };

/**
 * A copy of `seed` with the mutations applied in turn, the first `keep`
 * bytes left alone (the magic, or the whole file header): a bit flip,
 * truncation, a 32-bit value in either byte order, or bytes written over.
 */
export function mutate(seed: Uint8Array, ms: Mutation[], keep: number): Buffer {
  let b = Buffer.from(seed);
  for (const m of ms) {
    if (b.length <= keep) break;
    const at = keep + (m.at % (b.length - keep));
    if (m.kind === 'flip') b[at] = b[at]! ^ (1 << m.bit);
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (m.kind === 'u32') {
      if (at + 4 <= b.length) {
        if (m.at % 2 === 0) b.writeUInt32LE(m.value, at);
        else b.writeUInt32BE(m.value, at);
      }
    } else b.set(m.bytes.subarray(0, b.length - at), at);
  }
  return b;
}
