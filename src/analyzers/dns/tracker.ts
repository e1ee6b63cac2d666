/**
 * DNS over UDP and TCP (RFC 1035 §4): messages decoded with dns-packet,
 * queries paired with responses.
 *
 * - The 12-byte header (§4.1.1) is read here first, so id, QR, opcode and
 *   RCODE are known even when the rest is malformed. dns-packet then decodes
 *   the whole message; it throws on malformed input (bad name pointers,
 *   counts larger than the message, …): that is caught here, reported as
 *   app_parse_error, and the first question is tried on its own so the
 *   message can still be paired.
 * - TCP (§4.2.2, RFC 7766 §8): each message has a 2-byte length prefix;
 *   several messages may share a segment and one may span segments. A
 *   message is at most 65535 bytes, which bounds the buffer per direction.
 * - Pairing: a response matches the open query with the same transport,
 *   flow (UDP flow id or TCP connection id: the client/server tuple) and id.
 *   A second query with the same key within RETRANSMIT_WINDOW seconds is a
 *   retransmission, not a new transaction. A response with no open query is
 *   kept as a transaction whose query was not seen (queryFrame 0).
 *   Queries still open at finish() are reported as unanswered.
 */
import { createRequire } from 'node:module';
import type dnsPacketModule from 'dns-packet';
import type { DnsAnswer } from 'dns-packet';
import { safeText } from '../../bytes/safe-text.js';
import { Anomaly } from '../../decode/anomalies.js';
import type { Dir } from '../../flow/hooks.js';
import type { AppEvent, DnsTransaction } from '../types.js';

/** dns-packet, loaded by the first DNS message (loading it costs about 2 MB of memory and start-up time). */
let dnsPacketLib: typeof dnsPacketModule | undefined;
function dnsPacket(): typeof dnsPacketModule {
  return (dnsPacketLib ??= createRequire(import.meta.url)('dns-packet') as typeof dnsPacketModule);
}

const HEADER_LEN = 12;
const TCP_LENGTH_PREFIX = 2;
/** Open queries kept; beyond it the oldest is closed as unanswered. */
export const MAX_PENDING = 10_000;
/** Transactions kept in `transactions`. */
export const MAX_TRANSACTIONS = 200_000;
/** A repeated query (same flow and id) within this many seconds is a retransmission. */
export const RETRANSMIT_WINDOW = 5;
/** Answers spelled out in an event; the rest are counted. */
const ANSWERS_SHOWN = 4;
const TXT_SHOWN = 60;

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', 'DSOTYPENI'];
export function rcodeName(rcode: number): string {
  return RCODES[rcode] ?? `RCODE${rcode}`;
}

/** dns-packet's 'UNKNOWN_65' → RFC 3597's 'TYPE65', with the SVCB/HTTPS names dns-packet lacks. */
function typeName(t: string): string {
  if (!t.startsWith('UNKNOWN_')) return t;
  const n = t.slice(8);
  return n === '64' ? 'SVCB' : n === '65' ? 'HTTPS' : 'TYPE' + n;
}

export interface DnsOptions {
  /** Called for every message (tests, timelines): its frame, id, QR bit, first question, and the transaction it joined. */
  onMessage?: (frameNumber: number, id: number, isResponse: boolean, name: string, tx: DnsTransaction) => void;
}

interface Pending { tx: DnsTransaction; key: number; transport: 'udp' | 'tcp'; dir: Dir }

class TcpDir {
  readonly len = new Uint8Array(TCP_LENGTH_PREFIX);
  lenHave = 0;
  msg: Uint8Array | null = null;
  have = 0;
}

function u16(b: Uint8Array, o: number): number { return (b[o]! << 8) | b[o + 1]!; }

export class DnsTracker {
  readonly transactions: DnsTransaction[] = [];
  /** Messages that could not be decoded completely. */
  parseErrors = 0;
  private readonly pending: [Map<number, Pending>, Map<number, Pending>] = [new Map(), new Map()];
  private readonly tcp = new Map<number, [TcpDir, TcpDir]>();
  private limitSaid = false;

  constructor(private readonly emitFn: (ev: AppEvent) => void, private readonly opts: DnsOptions = {}) {}

  /** One UDP datagram's payload. `client`/`server` are the flow's endpoints as text (dir 0 = client → server). */
  udp(flowId: number, dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number, client: string, server: string): void {
    this.message('udp', flowId, dir, buf, offset, length, frameNumber, time, client, server);
  }

  /** In-order bytes of a DNS-over-TCP connection. */
  tcpPush(connId: number, dir: Dir, buf: Uint8Array, offset: number, length: number, frameNumber: number, time: number, client: string, server: string): void {
    let st = this.tcp.get(connId);
    if (!st) { st = [new TcpDir(), new TcpDir()]; this.tcp.set(connId, st); }
    const d = st[dir];
    let p = offset;
    const end = offset + length;
    while (p < end) {
      if (d.msg === null) {
        // Fast path: prefix and whole message in this push, decoded in place.
        if (d.lenHave === 0 && end - p >= TCP_LENGTH_PREFIX) {
          const n = u16(buf, p);
          if (end - p - TCP_LENGTH_PREFIX >= n) {
            this.message('tcp', connId, dir, buf, p + TCP_LENGTH_PREFIX, n, frameNumber, time, client, server);
            p += TCP_LENGTH_PREFIX + n;
            continue;
          }
        }
        d.len[d.lenHave++] = buf[p++]!;
        if (d.lenHave < TCP_LENGTH_PREFIX) continue;
        d.lenHave = 0;
        const n = u16(d.len, 0);
        if (n === 0) { this.message('tcp', connId, dir, d.len, 0, 0, frameNumber, time, client, server); continue; }
        d.msg = new Uint8Array(n); // ≤ 65535 bytes: the prefix bounds it
        d.have = 0;
      }
      const take = Math.min(d.msg.length - d.have, end - p);
      d.msg.set(buf.subarray(p, p + take), d.have);
      d.have += take;
      p += take;
      if (d.have === d.msg.length) {
        const m = d.msg;
        d.msg = null;
        this.message('tcp', connId, dir, m, 0, m.length, frameNumber, time, client, server);
      }
    }
  }

  /** Bytes missing on a DNS-over-TCP connection: the next push is taken to start a message. */
  tcpGap(connId: number, dir: Dir): void {
    const d = this.tcp.get(connId)?.[dir];
    if (d) { d.lenHave = 0; d.msg = null; }
  }

  tcpEnd(connId: number): void {
    this.tcp.delete(connId);
  }

  /** End of input: queries still open are unanswered. */
  finish(): void {
    for (const m of this.pending) {
      for (const pd of m.values()) this.unanswered(pd);
      m.clear();
    }
    this.tcp.clear();
  }

  private emit(transport: 'udp' | 'tcp', flowId: number, dir: Dir, frameNumber: number, text: string, anomaly?: AppEvent['anomaly']): void {
    const ev: AppEvent = { frameNumber, transport, connId: flowId, dir, proto: 'DNS', text };
    if (anomaly !== undefined) ev.anomaly = anomaly;
    this.emitFn(ev);
  }

  private unanswered(pd: Pending): void {
    const tx = pd.tx;
    this.emit(pd.transport, tx.flowId, pd.dir, tx.queryFrame,
      `query ${tx.type} ${tx.name} id ${idHex(tx.id)}: no response`);
  }

  private message(
    transport: 'udp' | 'tcp', flowId: number, dir: Dir, b: Uint8Array, o: number, n: number,
    frameNumber: number, time: number, client: string, server: string,
  ): void {
    if (n < HEADER_LEN) {
      this.parseErrors++;
      this.emit(transport, flowId, dir, frameNumber, `message of ${n} bytes, shorter than the 12-byte header`, Anomaly.app_parse_error);
      return;
    }
    const id = u16(b, o);
    const flags = u16(b, o + 2);
    const isResponse = (flags & 0x8000) !== 0;
    const opcode = (flags >> 11) & 0xf;
    const rcode = rcodeName(flags & 0xf);
    const buf = Buffer.from(b.buffer, b.byteOffset + o, n);
    const qd = u16(b, o + 4);
    const an = u16(b, o + 6);
    const rest = u16(b, o + 8) + u16(b, o + 10);
    let error = '';
    // Each question takes at least 5 bytes (root name + type + class), each record at least 11.
    // Counts that cannot fit are lies: checked before dns-packet sizes its arrays by them.
    if (qd * 5 + (an + rest) * 11 > n - HEADER_LEN) error = `record counts ${qd}/${an}/${rest} do not fit in ${n} bytes`;
    let qname = '';
    let qtype = '';
    let answers: string[] | null = null;
    let pos = HEADER_LEN;
    const dp = dnsPacket();
    try {
      for (let i = 0; i < qd; i++) {
        const q = dp.question.decode(buf, pos);
        pos += dp.question.decode.bytes;
        if (i === 0) { qname = q.name; qtype = q.type; }
        if (error) break; // the first question is all pairing needs
      }
      if (!error && isResponse) {
        const out: string[] = [];
        for (let i = 0; i < an; i++) {
          const a = dp.answer.decode(buf, pos);
          pos += dp.answer.decode.bytes;
          if (a.type !== 'OPT') out.push(answerText(a));
        }
        answers = out;
      }
      // Authority and additional sections are not decoded: nothing shown comes from them.
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const name = safeText(qname);
    const type = typeName(qtype);
    const bad = error ? ` (malformed: ${safeText(error)})` : '';
    if (error) this.parseErrors++;
    const anomaly = error ? Anomaly.app_parse_error : undefined;
    const op = opcode === 0 ? '' : opcode === 5 ? 'UPDATE ' : opcode === 4 ? 'NOTIFY ' : `opcode ${opcode} `;

    const key = flowId * 65536 + id;
    const pending = this.pending[transport === 'udp' ? 0 : 1];
    if (!isResponse) {
      const prev = pending.get(key);
      if (prev && time - prev.tx.queryTime < RETRANSMIT_WINDOW && prev.tx.name === name) {
        this.opts.onMessage?.(frameNumber, id, false, name, prev.tx);
        this.emit(transport, flowId, dir, frameNumber, `${op}query ${type} ${name} id ${idHex(id)} (retransmission)${bad}`, anomaly);
        return;
      }
      if (prev) { pending.delete(key); this.unanswered(prev); }
      const tx: DnsTransaction = {
        flowId, transport, id, name, type, rcode: null, answers: [], queryFrame: frameNumber, responseFrame: null,
        queryTime: time, responseTime: null, client: dir === 0 ? client : server, server: dir === 0 ? server : client, queryDir: dir,
      };
      this.keep(tx);
      if (pending.size >= MAX_PENDING) {
        const oldest = pending.values().next().value as Pending;
        pending.delete(oldest.key);
        this.unanswered(oldest);
      }
      pending.set(key, { tx, key, transport, dir });
      this.opts.onMessage?.(frameNumber, id, false, name, tx);
      this.emit(transport, flowId, dir, frameNumber, `${op}query ${type} ${name} id ${idHex(id)}${bad}`, anomaly);
      return;
    }

    const shown = answers === null ? 'answers not decoded' : answers.length === 0 ? 'no answers'
      : answers.slice(0, ANSWERS_SHOWN).join(', ') + (answers.length > ANSWERS_SHOWN ? ` (+${answers.length - ANSWERS_SHOWN} more)` : '');
    const pd = pending.get(key);
    if (pd) {
      pending.delete(key);
      const tx = pd.tx;
      tx.rcode = rcode;
      tx.answers = answers ?? [];
      tx.responseFrame = frameNumber;
      tx.responseTime = time;
      this.opts.onMessage?.(frameNumber, id, true, name, tx);
      const ms = ((time - tx.queryTime) * 1000).toFixed(1);
      this.emit(transport, flowId, dir, frameNumber, `${op}response ${rcode} ${shown} (${ms} ms)${bad}`, anomaly);
      return;
    }
    const tx: DnsTransaction = {
      flowId, transport, id, name, type, rcode, answers: answers ?? [], queryFrame: 0, responseFrame: frameNumber,
      queryTime: time, responseTime: time, client: dir === 0 ? server : client, server: dir === 0 ? client : server,
      queryDir: dir === 0 ? 1 : 0,
    };
    this.keep(tx);
    this.opts.onMessage?.(frameNumber, id, true, name, tx);
    this.emit(transport, flowId, dir, frameNumber, `${op}response ${rcode} ${type} ${name} id ${idHex(id)}: ${shown} (query not seen)${bad}`, anomaly);
  }

  private keep(tx: DnsTransaction): void {
    if (this.transactions.length < MAX_TRANSACTIONS) { this.transactions.push(tx); return; }
    if (!this.limitSaid) {
      this.limitSaid = true;
      this.emit(tx.transport, tx.flowId, 0, tx.queryFrame || tx.responseFrame || 0, `More than ${MAX_TRANSACTIONS} DNS transactions: later ones not kept`, Anomaly.app_limit);
    }
  }
}

function idHex(id: number): string {
  return '0x' + id.toString(16).padStart(4, '0');
}

function quoted(b: unknown): string {
  const s = Buffer.isBuffer(b) ? b.toString('latin1') : String(b);
  return '"' + (s.length > TXT_SHOWN ? s.slice(0, TXT_SHOWN) + '…' : s) + '"';
}

/** One answer record in short text: "A 1.2.3.4", "CNAME x.example", "MX 10 mail.example". Neutralised. */
export function answerText(a: DnsAnswer): string {
  const t = typeName(a.type);
  const d = a.data as Record<string, unknown> | string | Buffer | Buffer[] | undefined;
  let v: string;
  if (typeof d === 'string') v = d;
  else if (Array.isArray(d)) {
    const all = d.map(quoted).join(' ');
    v = all.length > TXT_SHOWN + 20 ? `${all.slice(0, TXT_SHOWN + 20)}… (${d.length} strings)` : all;
  }
  else if (Buffer.isBuffer(d)) v = `(${d.length} bytes)`;
  else if (d && typeof d === 'object') {
    switch (t) {
      case 'MX': v = `${d.preference} ${d.exchange}`; break;
      case 'SRV': v = `${d.priority} ${d.weight} ${d.port} ${d.target}`; break;
      case 'SOA': v = `${d.mname} ${d.rname} ${d.serial}`; break;
      case 'CAA': v = `${d.flags} ${d.tag} ${quoted(d.value)}`; break;
      default: v = '';
    }
  } else v = '';
  return safeText(v ? `${t} ${v}` : t);
}
