/**
 * Per-frame comparison of our decode with TShark's fields
 * (../shared/captures/expected/FILE.frames.tsv and FILE.tcp.tsv, produced by
 * TShark 4.0.17 as expected/README.md records).
 *
 * Normalisation, decided once:
 * - Protocol stack: TShark's `frame.protocols` without its `ethertype`
 *   pseudo-layers, cut at the first name that is not a link/network/
 *   transport layer (`http`, `data`, `dns`, ...), compared with our
 *   `protocolPath()` mapped to TShark's names (sll2 → sll, pppoe → pppoes;
 *   LINKTYPE_IPV4/IPV6 have no `raw` layer in TShark).
 * - Addresses: `ip.src` / `ipv6.src` as TShark joins them (outer, then the
 *   packet inside an ICMP error), against ours in the same order.
 * - Ports: `tcp.srcport` / `tcp.dstport` (outer TCP, or the TCP header
 *   inside an ICMP error).
 * - Flags: `tcp.flags.str` against `tcpFlagsTshark()`.
 * - From the tcp file: `tcp.seq_raw`, `tcp.ack_raw`, `tcp.len`,
 *   `tcp.hdr_len`, `tcp.flags` (hex), `tcp.window_size_value`.
 * Relative sequence numbers are TShark's connection analysis, not decode,
 * and are compared by the connection tests instead.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { openCapture } from '../../src/capture/open.js';
import { Decoded, LayerId } from '../../src/decode/decoded.js';
import { layerProtoName } from '../../src/decode/describe.js';
import { FrameDecoder, addrToString, innerAddrToString } from '../../src/decode/stack.js';
import { tcpFlagsTshark } from '../../src/wire/tcp.js';

export const CAPTURES = resolve(process.cwd(), '../shared/captures');
export const EXPECTED = resolve(CAPTURES, 'expected');

/** Names that count as link, network or transport layers on TShark's side. */
const L2_L4 = new Set([
  'eth', 'vlan', 'sll', 'null', 'loop', 'raw', 'pppoes', 'pppoed', 'ppp', 'lcp', 'llc', 'arp', 'ip', 'ipv6', 'ipv6.hopopts',
  'ipv6.routing', 'ipv6.fraghdr', 'ipv6.dstopts', 'ah', 'icmp', 'icmpv6', 'tcp', 'udp', 'gre', 'igmp', 'sctp', 'esp',
]);

export function tsharkStack(protocols: string): string {
  const out: string[] = [];
  for (const p of protocols.split(':')) {
    if (p === 'ethertype' || p === '') continue;
    if (!L2_L4.has(p)) break;
    out.push(p);
  }
  return out.join(':');
}

export function ourStack(d: Decoded): string {
  const out: string[] = [];
  for (let i = 0; i < d.layerCount; i++) {
    let n = layerProtoName(d, i);
    if (n === 'sll2') n = 'sll';
    if (n === 'pppoe') n = 'pppoes';
    if (n === 'raw' && (d.linkType === 228 || d.linkType === 229)) continue;
    out.push(n);
  }
  return out.join(':');
}

export interface Row { [k: string]: string }

export function readTsv(path: string): Row[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split('\t');
  return lines.map((l) => {
    const cells = l.split('\t');
    const r: Row = {};
    header.forEach((h, i) => { r[h] = cells[i] ?? ''; });
    return r;
  });
}

export function corpusFiles(): string[] {
  return readdirSync(CAPTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
}

function ourAddrs(d: Decoded, version: 4 | 6): string {
  // Every IP layer in order (tunnels), then the packet inside an ICMP error, as TShark joins them.
  const v: string[] = [];
  let afterIcmp = false;
  for (let i = 0; i < d.layerCount; i++) {
    const id = d.layers[i]!;
    if (id === LayerId.icmp || id === LayerId.icmpv6) afterIcmp = true;
    if (id === LayerId.ipv4 && version === 4) v.push(afterIcmp ? innerAddrToString(d, 0) : readV4(d, i));
    if (id === LayerId.ipv6 && version === 6) v.push(afterIcmp ? innerAddrToString(d, 0) : readV6(d, i));
  }
  return v.join(',');
}

let frameBuf: Uint8Array = new Uint8Array(0);
function bufFor(d: Decoded, i: number): Uint8Array {
  return d.reassembledLayer >= 0 && i >= d.reassembledLayer ? d.buf : frameBuf;
}
function readV4(d: Decoded, i: number): string {
  const b = bufFor(d, i), o = d.layerOffsets[i]! + 12;
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}
function readV6(d: Decoded, i: number): string {
  const b = bufFor(d, i), o = d.layerOffsets[i]! + 8;
  const w = new Uint32Array(4);
  for (let k = 0; k < 4; k++) w[k] = ((b[o + 4 * k]! << 24) | (b[o + 4 * k + 1]! << 16) | (b[o + 4 * k + 2]! << 8) | b[o + 4 * k + 3]!) >>> 0;
  // same RFC 5952 formatting as the decoder
  const tmp = new Decoded();
  tmp.ipVersion = 6;
  tmp.addr.set(w, 0);
  return addrToString(tmp, 0);
}

export interface FrameDiff { file: string; frame: number; fields: string[]; detail: string }
export interface FileResult { file: string; frames: number; agree: number; diffs: FrameDiff[] }

/** Files where TShark lists non-packet pcapng records (custom blocks) as `data` frames: those rows are skipped to align numbering. */
const TSHARK_RECORD_ROWS: Record<string, (r: Row) => boolean> = {
  'gopacket-be-test202.pcapng': (r) => r['frame.protocols'] === 'data',
};

export async function compareFile(file: string): Promise<FileResult> {
  let frames = readTsv(resolve(EXPECTED, `${file}.frames.tsv`));
  const skip = TSHARK_RECORD_ROWS[file];
  if (skip) frames = frames.filter((r) => !skip(r));
  const tcpRows = new Map<string, Row>();
  for (const r of readTsv(resolve(EXPECTED, `${file}.tcp.tsv`))) tcpRows.set(r['frame.number']!, r);
  const result: FileResult = { file, frames: frames.length, agree: 0, diffs: [] };
  if (frames.length === 0) return result;

  // Our frames, decoded in order (reassembly needs every frame), up to the last one TShark listed.
  const ours = new Map<number, { stack: string; ip4: string; ip6: string; sport: string; dport: string; flags: string; tcp: string[] | null }>();
  const src = await openCapture(resolve(CAPTURES, file));
  const dec = new FrameDecoder();
  const d = new Decoded();
  let n = 0;
  try {
    outer: for await (const batch of src) {
      for (const f of batch) {
        if (n >= frames.length) break outer;
        n++;
        dec.decode(f, d);
        frameBuf = f.buf;
        const hasTcp = d.hasLayer(LayerId.tcp) && d.ipProto === 6 && d.l4Offset >= 0;
        const partialTcp = !hasTcp && d.hasLayer(LayerId.tcp) && d.ipProto === 6 && d.srcPort >= 0;
        const innerTcp = !hasTcp && d.innerProto === 6 && d.innerSrcPort >= 0;
        ours.set(n, {
          stack: ourStack(d),
          ip4: ourAddrs(d, 4),
          ip6: ourAddrs(d, 6),
          sport: hasTcp || partialTcp ? String(d.srcPort) : innerTcp ? String(d.innerSrcPort) : '',
          dport: hasTcp || partialTcp ? String(d.dstPort) : innerTcp ? String(d.innerDstPort) : '',
          flags: hasTcp ? tcpFlagsTshark(d.tcpFlags) : '',
          tcp: hasTcp
            ? [String(d.seq), String(d.ack), String(d.payloadWireLen), String(d.tcpHeaderLen), `0x${d.tcpFlags.toString(16).padStart(4, '0')}`, String(d.window)]
            : null,
        });
      }
    }
  } finally {
    src.close();
  }

  frames.forEach((row, idx) => {
    const num = idx + 1; // our numbering (rows skipped above are not frames)
    const o = ours.get(num);
    const fields: string[] = [];
    const detail: string[] = [];
    const cmp = (name: string, want: string, got: string) => {
      if (want !== got) { fields.push(name); detail.push(`${name}: tshark '${want}' ours '${got}'`); }
    };
    if (o === undefined) {
      result.diffs.push({ file, frame: num, fields: ['missing'], detail: 'frame not read by us' });
      return;
    }
    cmp('stack', tsharkStack(row['frame.protocols'] ?? ''), o.stack);
    cmp('ip.src', row['ip.src'] ?? '', o.ip4);
    cmp('ipv6.src', row['ipv6.src'] ?? '', o.ip6);
    cmp('tcp.srcport', row['tcp.srcport'] ?? '', o.sport);
    cmp('tcp.dstport', row['tcp.dstport'] ?? '', o.dport);
    cmp('tcp.flags.str', row['tcp.flags.str'] ?? '', o.flags);
    const t = tcpRows.get(row['frame.number']!);
    if (t !== undefined && o.tcp !== null) {
      const want = [t['tcp.seq_raw'], t['tcp.ack_raw'], t['tcp.len'], t['tcp.hdr_len'], t['tcp.flags'], t['tcp.window_size_value']];
      const names = ['tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.hdr_len', 'tcp.flags', 'tcp.window_size_value'];
      names.forEach((nm, i) => cmp(nm, want[i] ?? '', o.tcp![i]!));
    } else if ((t !== undefined) !== (o.tcp !== null) && !(t !== undefined && o.sport !== '')) {
      cmp('tcp.present', t !== undefined ? 'yes' : 'no', o.tcp !== null ? 'yes' : 'no');
    }
    if (fields.length === 0) result.agree++;
    else result.diffs.push({ file, frame: num, fields, detail: detail.join('; ') });
  });
  return result;
}

export interface ExceptionRow { file: string; frame: number; fields: string; reason: string }

export function readExceptions(path: string): ExceptionRow[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const [file = '', frame = '', fields = '', reason = ''] = l.split('\t');
      return { file, frame: Number(frame), fields, reason };
    })
    .filter((r) => r.file !== 'file');
}
