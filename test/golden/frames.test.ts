/**
 * Golden test: every corpus capture, frame by frame, against TShark's
 * fields (see frames-compare.ts for what is compared and how it is
 * normalised). At least 99.5% of frames must agree across the corpus, and
 * every frame that does not must be listed with a reason in
 * frames-exceptions.tsv.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FrameDiff, compareFile, corpusFiles, readExceptions } from './frames-compare.js';

const EXCEPTIONS = resolve(process.cwd(), 'test/golden/frames-exceptions.tsv');

describe('frames agree with tshark', () => {
  it('over the whole corpus', async () => {
    let frames = 0, agree = 0;
    const diffs: FrameDiff[] = [];
    for (const f of corpusFiles()) {
      const r = await compareFile(f);
      frames += r.frames;
      agree += r.agree;
      diffs.push(...r.diffs);
    }
    const exceptions = readExceptions(EXCEPTIONS);
    const listed = new Set(exceptions.map((e) => `${e.file}#${e.frame}`));
    const unlisted = diffs.filter((x) => !listed.has(`${x.file}#${x.frame}`));
    const agreeing = new Set(diffs.map((x) => `${x.file}#${x.frame}`));
    const stale = exceptions.filter((e) => !agreeing.has(`${e.file}#${e.frame}`));
    const pct = frames === 0 ? 100 : (100 * agree) / frames;
    console.log(`frames agreeing with tshark: ${agree}/${frames} = ${pct.toFixed(2)}% (${diffs.length} listed as exceptions)`);
    for (const s of stale) console.log(`exception no longer needed: ${s.file} frame ${s.frame}`);
    for (const u of unlisted) console.log(`UNLISTED ${u.file}\t${u.frame}\t${u.fields.join(',')}\t${u.detail}`);
    expect(unlisted).toEqual([]);
    expect(stale).toEqual([]);
    expect(pct).toBeGreaterThanOrEqual(99.5);
  });
});
