/**
 * native/build.cjs never fails the install: whatever goes wrong it prints
 * one line and exits 0. Run on a copy of native/ (the real build is left alone).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'synack-native-build-'));
cpSync(resolve(process.cwd(), 'native'), join(root, 'native'), { recursive: true, filter: (p) => !/[\\/]native[\\/]build([\\/]|$)/.test(p) });
symlinkSync(resolve(process.cwd(), 'node_modules'), join(root, 'node_modules'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function build(env: NodeJS.ProcessEnv): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [join(root, 'native', 'build.cjs')], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { status: r.status, lines: `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '') };
}

describe('native/build.cjs', () => {
  it('a compiler failure: exit 0, one line pointing at the log', () => {
    const r = build({ CXX: '/bin/false', CC: '/bin/false' });
    expect(r.status).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^synack: native addon not built \(.*see native\/build\/build\.log\); the TypeScript paths run$/);
  });

  it('SYNACK_SKIP_NATIVE=1: exit 0, one line', () => {
    const r = build({ SYNACK_SKIP_NATIVE: '1' });
    expect(r.status).toBe(0);
    expect(r.lines).toEqual(['synack: native addon skipped (SYNACK_SKIP_NATIVE=1); the TypeScript paths run']);
  });
});
