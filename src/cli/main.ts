/**
 * `synack` entry point: parses the command word, loads that command's module
 * and runs it. Thin by design (STYLE principle 14): no analysis here, no
 * process.exit — the exit code is returned.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { safeText } from '../bytes/safe-text.js';
import { type Command, type Io, UsageError } from './io.js';

/** Command name → module (relative to this file). Each module exports `command`. */
const COMMANDS: Record<string, string> = {
  info: './cmd-info.js',
  packets: './cmd-packets.js',
  conns: './cmd-conns.js',
  timeline: './cmd-timeline.js',
  http: './cmd-http.js',
  dns: './cmd-dns.js',
  live: './cmd-live.js',
  ifaces: './cmd-ifaces.js',
  ui: './cmd-ui.js',
};

const here = dirname(fileURLToPath(import.meta.url));

function version(): string {
  const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function loadCommand(name: string): Promise<Command | undefined> {
  const rel = COMMANDS[name];
  if (!rel || !existsSync(join(here, rel))) return undefined;
  const mod = (await import(rel)) as { command: Command };
  return mod.command;
}

async function help(io: Io): Promise<void> {
  io.out('synack — packet-capture protocol analyzer for the terminal');
  io.out('');
  io.out('usage: synack FILE                 open the dashboard on a capture (summary when not a terminal)');
  io.out('       synack COMMAND [options]    run a command; synack COMMAND --help for its options');
  io.out('');
  io.out('commands:');
  for (const name of Object.keys(COMMANDS)) {
    const cmd = await loadCommand(name);
    if (cmd) io.out(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  io.out('');
  io.out('options: --help, --version');
}

async function versionLine(): Promise<string> {
  let engine = 'typescript';
  try {
    const native = (await import('../native.js')) as { nativeStatus(): string };
    engine = native.nativeStatus();
  } catch {
    // no native module wrapper built: pure TypeScript path
  }
  return `synack ${version()} (node ${process.versions.node}; decoder: ${engine})`;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      if (first === 'help' && rest[0]) return main([rest[0], '--help'], io);
      await help(io);
      return first === undefined ? 2 : 0;
    }
    if (first === '--version' || first === '-V') {
      io.out(await versionLine());
      return 0;
    }
    let cmd = await loadCommand(first);
    let args = rest;
    if (!cmd) {
      if (first.startsWith('-') || !existsSync(first)) {
        const known = Object.keys(COMMANDS).join(', ');
        throw new UsageError(
          first.startsWith('-') || /^[a-z]+$/.test(first)
            ? `synack: unknown command or option '${safeText(first)}' (commands: ${known}; see synack --help)`
            : `synack: no such file: ${safeText(first)}`,
        );
      }
      // `synack FILE [options]`: the dashboard, or the summary without a terminal.
      cmd = await loadCommand('ui');
      args = argv;
      if (!cmd) throw new UsageError('synack: the dashboard is not available in this build');
    }
    if (args.includes('--help') || args.includes('-h')) {
      io.out(cmd.usage);
      return 0;
    }
    return await cmd.run(args, io);
  } catch (e) {
    io.err(errorLine(e));
    return e instanceof UsageError ? e.exitCode : 1;
  }
}

/** One line for any error: our own messages as they are, others with their code. */
export function errorLine(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      const path = (e as NodeJS.ErrnoException).path ?? '';
      const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'is a directory';
      return `synack: ${what}: ${safeText(path)}`;
    }
    // Our own messages already neutralise what they quote; others (Node's) may quote a file name raw.
    const msg = e.message.split('\n')[0] ?? String(e);
    return msg.startsWith('synack:') ? msg : `synack: ${safeText(msg)}`;
  }
  return `synack: ${safeText(String(e))}`;
}
