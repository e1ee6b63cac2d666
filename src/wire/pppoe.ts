/**
 * PPPoE header (RFC 2516 section 4), EtherType 0x8863 (discovery) and
 * 0x8864 (session).
 *
 *   0            1      2            4
 *   | ver | type | code | session id | length |
 *
 * `length` counts the PPPoE payload (in a session, the PPP protocol field and
 * what follows). Check once, then read: after `check()` returns `Check.ok`,
 * getters cannot fail.
 */
import { Check, u16 } from './bytes.js';

export const PppoeOffset = { VER_TYPE: 0, CODE: 1, SESSION_ID: 2, LENGTH: 4 } as const;
export const PPPOE_HEADER_LEN = 6;

const CODE_NAMES: Record<number, string> = {
  0x00: 'Session Data', 0x09: 'PADI', 0x07: 'PADO', 0x19: 'PADR', 0x65: 'PADS', 0xa7: 'PADT',
};
export function pppoeCodeName(c: number): string { return CODE_NAMES[c] ?? `code 0x${c.toString(16).padStart(2, '0')}`; }

export class PppoeView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check { return this.end - this.start < PPPOE_HEADER_LEN ? Check.truncated : Check.ok; }

  get version(): number { return this.buf[this.start]! >> 4; }
  get type(): number { return this.buf[this.start]! & 15; }
  get code(): number { return this.buf[this.start + PppoeOffset.CODE]!; }
  get sessionId(): number { return u16(this.buf, this.start + PppoeOffset.SESSION_ID); }
  /** Payload length in bytes as the header claims. */
  get payloadLength(): number { return u16(this.buf, this.start + PppoeOffset.LENGTH); }
  get payloadStart(): number { return this.start + PPPOE_HEADER_LEN; }
}

const EMPTY = new Uint8Array(0);
