/**
 * Driving a real terminal for dashboard tests: a detached tmux session with
 * a fixed size running a plain shell, keys sent with send-keys, the screen
 * read with capture-pane. Every wait is bounded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(process.cwd());
export const CAPTURES = resolve(REPO, '../shared/captures');
export const BIN = resolve(REPO, 'dist/cli/bin.js');

let counter = 0;

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

export class Tmux {
  readonly name: string;
  private alive = true;

  /** Starts a shell in a new session of width × height. */
  constructor(width: number, height: number, env: Record<string, string> = {}) {
    this.name = `synack-ui-${process.pid}-${Date.now() % 100000}-${counter++}`;
    const envArgs: string[] = [];
    const base: Record<string, string> = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PS1: '$ ', HISTFILE: '/dev/null', ...env };
    for (const [k, v] of Object.entries(base)) envArgs.push('-e', `${k}=${v}`);
    execFileSync('tmux', ['new-session', '-d', '-s', this.name, '-x', String(width), '-y', String(height), ...envArgs,
      '-c', REPO, 'bash --norc --noprofile -i']);
    // The window keeps its size even though no client is attached.
    execFileSync('tmux', ['set-option', '-t', this.name, 'window-size', 'manual']);
    execFileSync('tmux', ['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  /** Types a command line and presses Enter. */
  run(cmd: string): void {
    this.keys(cmd, 'Enter');
  }

  /** send-keys: key names (Enter, Escape, Tab, Up, PgDn, C-c…) or literal text. */
  keys(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  /** Literal text, without key-name interpretation. */
  type(text: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-t', this.name], { encoding: 'utf8' });
  }

  /** True while the application has the alternate screen. */
  alternate(): boolean {
    return execFileSync('tmux', ['display-message', '-p', '-t', this.name, '#{alternate_on}'], { encoding: 'utf8' }).trim() === '1';
  }

  /** PID of the process running in the shell (the dashboard), or 0. */
  childPid(): number {
    const shell = execFileSync('tmux', ['display-message', '-p', '-t', this.name, '#{pane_pid}'], { encoding: 'utf8' }).trim();
    const r = spawnSync('pgrep', ['-P', shell], { encoding: 'utf8' });
    return Number(r.stdout.trim().split('\n')[0] ?? 0) || 0;
  }

  resize(width: number, height: number): void {
    execFileSync('tmux', ['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  /** Polls the screen until `test` passes; returns the screen. Throws with the last screen after `ms`. */
  async waitFor(test: RegExp | string | ((s: string) => boolean), ms = 20_000): Promise<string> {
    const ok = typeof test === 'function' ? test : typeof test === 'string' ? (s: string) => s.includes(test) : (s: string) => test.test(s);
    const end = Date.now() + ms;
    let last = '';
    for (;;) {
      last = this.screen();
      if (ok(last)) return last;
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${String(test)}; screen:\n${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Polls until `cond()` is true, bounded. */
  async until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; screen:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    spawnSync('tmux', ['kill-session', '-t', this.name]);
  }
}

/** Builds dist/ once per test file (the CLI runs from there). */
export function buildOnce(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, encoding: 'utf8' });
  // Type errors elsewhere in the tree do not stop emission; a missing entry point does.
  if (spawnSync('test', ['-f', BIN]).status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
}

/** The command line that opens the dashboard on a file. */
export function synack(file: string, extra = ''): string {
  return `node ${BIN} ${file}${extra ? ' ' + extra : ''}`;
}
