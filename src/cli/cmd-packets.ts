/**
 * `synack packets FILE`: one line per frame, like `tcpdump -# -nn -tttt`,
 * or NDJSON with --json.
 *
 * Thin by design (STYLE principle 14): reading is openCapture's, decoding
 * the FrameDecoder's, the text the describe module's. The application layer
 * plugs in through `PacketsHooks`: `onFrame` sees every decoded frame before
 * its line is printed, and `summary` gives the short application text
 * appended to the line (`: HTTP GET /index.html`).
 */
import { hexdumpText } from '../bytes/hexdump.js';
import { safeText } from '../bytes/safe-text.js';
import { BPF_OPTION, withBpf } from '../capture/bpf.js';
import { openCapture } from '../capture/open.js';
import type { Frame } from '../capture/source.js';
import { Decoded } from '../decode/decoded.js';
import { type LayerNode, RelativeSeq, type TimeFormat, describeFrame, formatTime, frameJson, oneLine } from '../decode/describe.js';
import { FrameDecoder } from '../decode/stack.js';
import { appPacketsHooks } from './app-summary.js';
import { type Command, type Io, parseCommandArgs, UsageError } from './io.js';

export interface PacketsHooks {
  /** Called for every frame after decoding, before its line is printed (feed analyzers here). */
  onFrame?: (frame: Frame, decoded: Decoded) => void;
  /** Short application summary for a frame, already made safe for a terminal. */
  summary?: (frameNumber: number) => string | undefined;
  /** End of input. */
  finish?: () => void;
}

/** Hooks the application layer provides (src/cli/app-summary.ts). */
export function appHooks(): PacketsHooks {
  return appPacketsHooks();
}

const usage = `usage: synack packets FILE [options]

One line per frame, like tcpdump -# -nn -tttt: frame number, time, addresses
and ports, protocol, TCP flags in tcpdump's notation ([S], [S.], [P.], [F.],
[R], [.], plus U, E (ECE), W (CWR), e (AE)), seq/ack, window, options,
length, and anomalies inline as [!name].

  -c, --count N      stop after N frames
  -f, --bpf EXPR     only frames matching a BPF filter, tcpdump syntax
                     ('tcp port 80'; frame numbers stay the file's; needs
                     the native addon)
  -S, --absolute     absolute TCP sequence numbers (default: relative, as
                     tcpdump: the first packet with ACK of a connection is
                     printed absolute, later ones relative to it)
  -t, --time FMT     abs (default: UTC date and time), rel (seconds since the
                     first frame), delta (since the previous frame), epoch,
                     none
      --nano         nanosecond time stamps (default microseconds)
  -v, --verbose      the layer tree of each frame (with --json: "layers" and
                     "hex" members)
  -x, --hex          hex dump of each frame
      --json         NDJSON: one JSON object per frame
      --no-defrag    do not reassemble IP fragments
      --checksums    verify IPv4, TCP, UDP and ICMP checksums (anomalies
                     ipv4_bad_checksum, tcp_bad_checksum, ...)

Problems reading the file (cut short, bad records) are reported on stderr,
one line each; the exit status is 0 whenever the file could be opened.`;

interface PacketsOptions {
  count: number;
  absolute: boolean;
  time: TimeFormat;
  nano: boolean;
  verbose: boolean;
  hex: boolean;
  json: boolean;
  defrag: boolean;
  checksums: boolean;
  bpf: string | undefined;
}

function parse(args: string[]): { file: string; opts: PacketsOptions } {
  const parsed = parseCommandArgs('packets', {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      count: { type: 'string', short: 'c' },
      ...BPF_OPTION,
      absolute: { type: 'boolean', short: 'S' },
      time: { type: 'string', short: 't' },
      nano: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      hex: { type: 'boolean', short: 'x' },
      json: { type: 'boolean' },
      'no-defrag': { type: 'boolean' },
      checksums: { type: 'boolean' },
    },
  });
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('synack packets: expected one capture FILE (see synack packets --help)');
  let count = Infinity;
  if (values.count !== undefined) {
    if (!/^\d+$/.test(values.count)) throw new UsageError(`synack packets: -c expects a number, got '${safeText(values.count)}'`);
    count = Number(values.count);
  }
  const time = (values.time ?? 'abs') as TimeFormat;
  if (!['abs', 'rel', 'delta', 'epoch', 'none'].includes(time)) {
    throw new UsageError(`synack packets: --time expects abs, rel, delta, epoch or none, got '${safeText(values.time ?? '')}'`);
  }
  return {
    file: positionals[0]!,
    opts: {
      count, absolute: values.absolute === true, time, nano: values.nano === true, verbose: values.verbose === true,
      hex: values.hex === true, json: values.json === true, defrag: values['no-defrag'] !== true, checksums: values.checksums === true,
      bpf: values.bpf,
    },
  };
}

/** Seconds as text with a sign, from (sec, nsec) differences. */
function seconds(dsec: number, dnsec: number, digits: 6 | 9): string {
  let total = BigInt(dsec) * 1_000_000_000n + BigInt(dnsec);
  const neg = total < 0n;
  if (neg) total = -total;
  const whole = total / 1_000_000_000n;
  const frac = total % 1_000_000_000n;
  const f = digits === 9 ? frac.toString().padStart(9, '0') : (frac / 1000n).toString().padStart(6, '0');
  return `${neg ? '-' : ''}${whole}.${f}`;
}

function treeLines(nodes: LayerNode[], indent: string, out: string[]): void {
  for (const n of nodes) {
    out.push(`${indent}${n.name}: ${n.summary}${n.reassembled ? ' [reassembled]' : n.start >= 0 ? ` [${n.start}..${n.end})` : ''}`);
    for (const [k, v] of n.fields) out.push(`${indent}    ${k}: ${v}`);
    for (const a of n.anomalies) out.push(`${indent}    ! ${a}`);
    if (n.children.length > 0) treeLines(n.children, indent + '    ', out);
  }
}

/** The command body, with hooks for the application layer. */
export async function runPackets(args: string[], io: Io, hooks: PacketsHooks = appHooks()): Promise<number> {
  const { file, opts } = parse(args);
  const source = withBpf(await openCapture(file), opts.bpf);
  const decoder = new FrameDecoder({ defrag: opts.defrag, checksums: opts.checksums });
  const d = new Decoded();
  const rel = opts.absolute ? undefined : new RelativeSeq();
  const digits: 6 | 9 = opts.nano ? 9 : 6;
  let firstSec = 0, firstNsec = 0, prevSec = 0, prevNsec = 0;
  let n = 0;
  let done = false;
  const lines: string[] = [];
  try {
    for await (const batch of source) {
      for (const frame of batch) {
        if (n >= opts.count) { done = true; break; }
        n++;
        decoder.decode(frame, d);
        hooks.onFrame?.(frame, d);
        const summary = hooks.summary?.(frame.number);
        if (opts.json) {
          lines.push(JSON.stringify(frameJson(frame, d, { rel, summary, verbose: opts.verbose })));
          continue;
        }
        if (n === 1) { firstSec = frame.tsSec; firstNsec = frame.tsNsec; prevSec = firstSec; prevNsec = firstNsec; }
        let time: string;
        switch (opts.time) {
          case 'abs': time = formatTime(frame.tsSec, frame.tsNsec, 'abs', digits) + ' '; break;
          case 'epoch': time = formatTime(frame.tsSec, frame.tsNsec, 'epoch', digits) + ' '; break;
          case 'rel': time = seconds(frame.tsSec - firstSec, frame.tsNsec - firstNsec, digits) + ' '; break;
          case 'delta': time = seconds(frame.tsSec - prevSec, frame.tsNsec - prevNsec, digits) + ' '; break;
          default: time = '';
        }
        prevSec = frame.tsSec; prevNsec = frame.tsNsec;
        lines.push(`${String(frame.number).padStart(5)}  ${time}${oneLine(d, { rel, summary })}`);
        if (opts.verbose) treeLines(describeFrame(frame, d), '        ', lines);
        if (opts.hex) for (const l of hexdumpText(frame.buf, frame.offset, frame.offset + frame.capLen)) lines.push(`\t${l}`);
      }
      // One write per batch: a write per line costs more than decoding the frame.
      if (lines.length > 0) { io.out(lines.join('\n')); lines.length = 0; }
      if (done) break;
    }
  } finally {
    source.close();
  }
  if (lines.length > 0) io.out(lines.join('\n'));
  hooks.finish?.();
  for (const p of source.problems) {
    // Most reader messages already say where ("at byte N"); add the offset only when they do not.
    const where = p.fileOffset >= 0 && !/\bbyte \d/.test(p.message) ? ` (file offset ${p.fileOffset})` : '';
    io.err(`synack: ${safeText(file)}: ${p.message}${where}`);
  }
  return 0;
}

export const command: Command = {
  name: 'packets',
  summary: 'one line per frame, like tcpdump -nn (--json for NDJSON)',
  usage,
  run(args: string[], io: Io): Promise<number> {
    return runPackets(args, io);
  },
};
