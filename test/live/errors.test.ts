/**
 * The errors a user meets with live capture: each is one line on stderr
 * that names the fix, and the exit code is non-zero.
 *  - no permission (a non-root user, via setpriv) → root or the setcap command
 *  - unknown interface → the available ones
 *  - invalid BPF filter → libpcap's message
 *  - cap not loadable → how to install libpcap-dev and rebuild cap; file analysis still works
 *  - -w never clobbers and never follows a symlink; --force replaces atomically
 * Capturing tests run inside a network namespace of their own (its loopback).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capAvailable } from '../../src/capture/live.js';
import { netnsUnavailable, VethLab } from './netns.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const CAPTURES = resolve(process.cwd(), '../shared/captures');
const distWhy = existsSync(BIN) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)';
const nsWhy = distWhy || netnsUnavailable() || (capAvailable() ? '' : 'cap is not built');
if (nsWhy) console.warn(`live error tests that capture skipped: ${nsWhy}`);

let lab: VethLab | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'synack-live-err-'));
afterAll(() => {
  lab?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function synack(args: string[], opts: { ns?: string; env?: NodeJS.ProcessEnv; user?: boolean } = {}): Run {
  let cmd = process.execPath;
  let argv = [BIN, ...args];
  if (opts.user) {
    // nobody, no supplementary groups, no capabilities at all
    argv = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', cmd, ...argv];
    cmd = 'setpriv';
  }
  if (opts.ns) {
    argv = ['netns', 'exec', opts.ns, cmd, ...argv];
    cmd = 'ip';
  }
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...opts.env }, cwd: tmp });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function oneLine(s: string): string {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  expect(lines, `expected exactly one line on stderr, got:\n${s}`).toHaveLength(1);
  return lines[0]!;
}

describe.skipIf(distWhy !== '')('live capture errors without capturing', () => {
  it('cap missing: one line with the fix; ifaces and file analysis keep working', () => {
    // A machine without libpcap's headers at install: neither cap nor the native addon built.
    const env = { SYNACK_CAP_MODULE: join(tmp, 'no-such-cap-module'), SYNACK_NO_NATIVE: '1' };
    const r = synack(['live', '--no-ui', '-c', '1'], { env });
    expect(r.status).not.toBe(0);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^synack: live capture needs the 'cap' module/);
    expect(line).toContain('apt-get install libpcap-dev && npm rebuild cap');
    const ifaces = synack(['ifaces'], { env });
    expect(ifaces.status).toBe(0);
    expect(ifaces.stdout).toMatch(/\blo\b/);
    // A file command still runs (the first one that exists in this build).
    const file = join(CAPTURES, 'zeek-http-get.pcap');
    for (const cmd of ['info', 'packets', 'conns']) {
      if (!existsSync(resolve(process.cwd(), `dist/cli/cmd-${cmd}.js`)) || !existsSync(file)) continue;
      const f = synack([cmd, file], { env });
      expect(f.status, f.stderr).toBe(0);
      expect(f.stdout.length).toBeGreaterThan(0);
      break;
    }
  });

  it('usage errors are one line', () => {
    for (const args of [['-c', 'abc'], ['-s', '-5'], ['--duration', '0'], ['--force'], ['--bogus']]) {
      const r = synack(['live', '--no-ui', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^synack: live: /);
    }
  });

  it('unknown interface: lists the available ones', () => {
    const r = synack(['live', '-i', 'nosuch0', '--no-ui', '-c', '1']);
    expect(r.status).toBe(1);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^synack: no such interface: nosuch0 \(available: .*\blo\b.*\)$/);
  });
});

describe.skipIf(nsWhy !== '')('live capture errors that need a capture attempt', () => {
  beforeAll(() => {
    lab = VethLab.create();
  });

  it('no permission: a non-root user is told to run as root or to setcap node', () => {
    const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)})`]);
    if (probe.status !== 0) {
      console.warn('permission test skipped: user nobody cannot read dist/ (or setpriv is missing)');
      return;
    }
    const r = synack(['live', '-i', 'lo', '--no-ui', '-c', '1'], { ns: lab!.nsA, user: true });
    expect(r.status).toBe(1);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^synack: no permission to capture on lo \(.*\); run as root, or grant node the capture capabilities: sudo setcap cap_net_raw,cap_net_admin=eip \S+$/);
    // The command names the real node binary, so it can be pasted as is.
    const node = line.split(' ').pop()!;
    expect(existsSync(node.replace(/^'|'$/g, ''))).toBe(true);
  });

  it('invalid BPF filter: libpcap’s message', () => {
    const r = synack(['live', '-i', lab!.ifA, '-f', 'tcp port', '--no-ui', '-c', '1'], { ns: lab!.nsA });
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(`synack: invalid capture filter 'tcp port': can't parse filter expression: syntax error`);
    const r2 = synack(['live', '-i', lab!.ifA, '-f', 'host', '--no-ui', '-c', '1'], { ns: lab!.nsA });
    expect(oneLine(r2.stderr)).toMatch(/^synack: invalid capture filter 'host': /);
  });

  it('-w refuses an existing file and a symlink, --force replaces atomically without following', () => {
    const existing = join(tmp, 'existing.pcap');
    writeFileSync(existing, 'precious');
    const r = synack(['live', '-i', lab!.ifA, '-w', existing, '--no-ui', '--duration', '0.2'], { ns: lab!.nsA });
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/existing\.pcap already exists; not overwritten \(use --force to replace it\)$/);
    expect(readFileSync(existing, 'utf8')).toBe('precious');

    const target = join(tmp, 'target.txt');
    writeFileSync(target, 'do not touch');
    chmodSync(target, 0o644);
    const link = join(tmp, 'link.pcap');
    symlinkSync(target, link);
    const dangling = join(tmp, 'dangling.pcap');
    symlinkSync(join(tmp, 'nowhere'), dangling);
    for (const l of [link, dangling]) {
      const s = synack(['live', '-i', lab!.ifA, '-w', l, '--no-ui', '--duration', '0.2'], { ns: lab!.nsA });
      expect(s.status).toBe(1);
      expect(oneLine(s.stderr)).toMatch(/is a symbolic link \(synack never writes through one\); not overwritten/);
    }
    expect(existsSync(join(tmp, 'nowhere'))).toBe(false);

    // --force: the link itself is replaced by a new regular file; its target is untouched.
    const f = synack(['live', '-i', lab!.ifA, '-w', link, '--force', '--no-ui', '--duration', '0.3'], { ns: lab!.nsA });
    expect(f.status, f.stderr).toBe(0);
    expect(lstatSync(link).isFile()).toBe(true);
    expect(lstatSync(link).mode & 0o777).toBe(0o600);
    expect(readFileSync(target, 'utf8')).toBe('do not touch');
    const PCAP_MAGICS = [0xa1b2c3d4, 0xa1b23c4d];
    expect(PCAP_MAGICS).toContain(readFileSync(link).readUInt32LE(0));
    const fe = synack(['live', '-i', lab!.ifA, '-w', existing, '--force', '--no-ui', '--duration', '0.3'], { ns: lab!.nsA });
    expect(fe.status, fe.stderr).toBe(0);
    expect(PCAP_MAGICS).toContain(readFileSync(existing).readUInt32LE(0));
    // No temporary file is left behind.
    expect(spawnSync('sh', ['-c', `ls -A ${tmp} | grep -c '\\.tmp$' || true`], { encoding: 'utf8' }).stdout.trim()).toBe('0');
    expect(readlinkSync(dangling)).toBe(join(tmp, 'nowhere'));
  });
});
