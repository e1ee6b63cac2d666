/**
 * `synack FILE [options]` and `synack ui FILE [options]`: the dashboard on a
 * capture file. Without a terminal on standard output it prints the
 * connection summary instead (the table of `synack conns`).
 */
import { basename } from 'node:path';
import { BPF_OPTION, withBpf } from '../capture/bpf.js';
import { openCapture } from '../capture/open.js';
import { SORT_KEYS, type SortKey } from '../ui/model.js';
import { type Command, type Io, parseCommandArgs, UsageError } from './io.js';

const usage = `usage: synack FILE [options]
       synack ui FILE [options]

Opens the terminal dashboard on a capture (pcap, pcapng, gzip'd either;
'-' reads standard input): the connections, the selected connection's
timeline from handshake to teardown, packet detail, HTTP transactions and
follow stream. Loading runs in the background; press ? for the keys.
Without a terminal on standard output, prints the connection summary
(as synack conns FILE) instead.

options:
  --filter EXPR   initial connection filter, e.g. 'port:80 state:SF http'
  -f, --bpf EXPR  only frames matching a BPF filter, tcpdump syntax
                  ('tcp port 80'; needs the native addon)
  --sort COL      initial sort: ${SORT_KEYS.join(', ')}; -COL for descending
  --no-mouse      leave the mouse to the terminal (text selection)
  --fps N         redraws per second while loading (1..30, default 10)
  --summary       print the connection summary even on a terminal

environment: NO_COLOR=1 turns colours off.`;

export const command: Command = {
  name: 'ui',
  summary: 'the dashboard on a capture file (also: synack FILE)',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseCommandArgs('ui', {
      args,
      options: {
        filter: { type: 'string' },
        sort: { type: 'string' },
        'no-mouse': { type: 'boolean' },
        fps: { type: 'string' },
        summary: { type: 'boolean' },
        ...BPF_OPTION,
      },
      allowPositionals: true,
      strict: true,
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('synack ui: expected one capture file (see synack ui --help)');
    const file = positionals[0]!;
    let sort: SortKey | undefined;
    let sortDesc = false;
    if (values.sort !== undefined) {
      const s = values.sort.startsWith('-') ? values.sort.slice(1) : values.sort;
      if (!(SORT_KEYS as readonly string[]).includes(s)) throw new UsageError(`synack ui: --sort must be one of ${SORT_KEYS.join(', ')}`);
      sort = s as SortKey;
      sortDesc = values.sort.startsWith('-');
    }
    let fps: number | undefined;
    if (values.fps !== undefined) {
      fps = Number(values.fps);
      if (!Number.isFinite(fps) || fps < 1 || fps > 30) throw new UsageError('synack ui: --fps must be between 1 and 30');
    }

    if (!io.isTty || values.summary || !process.stdin.isTTY) return summary(file, io, values.bpf);

    // Opening reads the header only: a wrong file fails here, before the screen takes over.
    const source = withBpf(await openCapture(file), values.bpf);
    const { runDashboard } = await import('../ui/dashboard.js');
    return runDashboard({
      title: file === '-' ? 'standard input' : basename(file),
      source,
      filePath: file === '-' ? undefined : file,
      filter: values.filter,
      sort,
      sortDesc,
      mouse: !values['no-mouse'],
      fps,
      noColor: !io.color,
    });
  },
};

/** The connection summary: the `conns` command's table. */
async function summary(file: string, io: Io, bpf: string | undefined): Promise<number> {
  let conns: Command | undefined;
  try {
    conns = ((await import(String('./cmd-conns.js'))) as { command: Command }).command;
  } catch {
    conns = undefined;
  }
  if (!conns) throw new UsageError('synack: no terminal, and the connection summary (synack conns) is not available in this build');
  return conns.run(bpf === undefined ? [file] : [file, '-f', bpf], io);
}
